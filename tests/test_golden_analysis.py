"""Agreement with tshark 4.0.17 on every TCP field of the reference list (conversation
state and analysis included) and on the TCP-level Info column, for every capture in
tests/data (golden tables committed beside them)."""
import pytest

from conftest import DATA, disagreements, golden_captures

ALL_FIELDS = [ln.strip() for ln in (DATA / "golden" / "FIELDS").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")]


# Cells known to differ, each with its reason (also in docs/compatibility.md). The
# tests require exactly these: a fixed one must be taken off the list.
KNOWN = {}
for _line in (DATA / "golden" / "KNOWN_DIFFERENCES.tsv").read_text().splitlines()[1:]:
    _cap, _kind, _frame, _field, _reason = _line.split("\t")
    KNOWN.setdefault((_cap, _kind), set()).add((_frame, _field))


def check(capture, kind, names):
    bad = disagreements(capture, kind, names)
    got = {(frame, field) for frame, field, _want, _have in bad}
    known = KNOWN.get((capture.name, kind), set())
    assert got == known, f"{len(bad)} disagreements: {bad[:10]}"


@pytest.mark.parametrize("capture", golden_captures(), ids=lambda p: p.name)
def test_every_field_matches_tshark(capture):
    check(capture, "fields", ALL_FIELDS)


@pytest.mark.parametrize("capture", golden_captures(), ids=lambda p: p.name)
def test_info_column_matches_tshark(capture):
    check(capture, "info", ["frame.number", "_ws.col.Info"])


def test_seed_listing_is_the_walkthrough(seed_capture):
    """The 13 lines a Wireshark user reads for the seed HTTP GET (TCP level)."""
    import tcptrace
    from tcptrace.listing import listing_line

    with tcptrace.open(seed_capture) as cap:
        lines = [listing_line(s) for s in cap]
    assert len(lines) == 13
    assert lines[0].split()[:6] == ["1", "0.000000", "192.168.10.7", "93.184.216.34", "TCP", "78"]
    assert lines[0].endswith("53451 \u2192 80 [SYN] Seq=0 Win=65535 Len=0 MSS=1460 WS=32 "
                             "TSval=635755241 TSecr=0 SACK_PERM")
    assert "[TCP Dup ACK 8#1] 53451 \u2192 80 [ACK] Seq=76 Ack=1449 Win=130304 Len=0" in lines[8]
    assert "Seq=77 Ack=1595" in lines[12]
