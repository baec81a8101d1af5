"""Agreement with tshark 4.0.17 on issue 18's field set (the fields a TCP analyst types:
time deltas, Ethernet and VLAN, the IP header, every flag, checksums, payload, options),
for every capture in tests/data (NAME.analyst.tsv.gz beside the other golden tables)."""
import pytest

from conftest import DATA, disagreements, golden_captures, golden_for

FIELDS = [ln.strip() for ln in (DATA / "golden" / "ANALYST_FIELDS").read_text().splitlines()
          if ln.strip() and not ln.startswith("#")]

# Cells known to differ, each with its reason (KNOWN_DIFFERENCES.tsv, kind "analyst").
KNOWN = {}
for _line in (DATA / "golden" / "KNOWN_DIFFERENCES.tsv").read_text().splitlines()[1:]:
    _cap, _kind, _frame, _field, _reason = _line.split("\t")
    if _kind == "analyst":
        KNOWN.setdefault(_cap, set()).add((_frame, _field))


@pytest.mark.parametrize("capture", [c for c in golden_captures() if golden_for(c, "analyst").exists()],
                         ids=lambda p: p.name)
def test_analyst_fields_match_tshark(capture):
    bad = disagreements(capture, "analyst", ["frame.number", *FIELDS])
    got = {(frame, field) for frame, field, _want, _have in bad}
    assert got == KNOWN.get(capture.name, set()), f"{len(bad)} disagreements: {bad[:10]}"


def test_every_capture_with_golden_fields_has_an_analyst_table():
    missing = [c.name for c in golden_captures() if not golden_for(c, "analyst").exists()]
    assert missing == []
