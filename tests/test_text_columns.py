"""The text columns built in C: info (tshark's Info column of the TCP layer, csrc/info.c)
and flags_str (the flags as Info names them), in the DataFrame and the Arrow table."""
import csv
import gzip
from pathlib import Path

import pytest

import tcptrace
from pcapbuild import ACK, CLIENT, PSH, SERVER, SYN, frame, pcap

pd = pytest.importorskip("pandas")

GOLDEN = Path(__file__).parent / "data" / "golden"


def _handshake(tmp_path):
    fr = [frame(CLIENT, SERVER, 1000, 0, SYN), frame(SERVER, CLIENT, 5000, 1001, SYN | ACK),
          frame(CLIENT, SERVER, 1001, 5001, ACK), frame(CLIENT, SERVER, 1001, 5001, PSH | ACK, b"x" * 10),
          frame(CLIENT, SERVER, 1011, 5001, 0)]
    p = tmp_path / "hs.pcap"
    p.write_bytes(pcap(fr))
    return p


def test_info_and_flags_str_of_a_byte_built_connection(tmp_path):
    df = tcptrace.segments(_handshake(tmp_path), columns=["frame", "info", "flags_str"])
    # as tshark 4.0.17 prints this capture's Info: relative numbers, "<None>" for no flags,
    # and the last segment (no flags, no data, same window) counted as a dup ACK
    assert df["info"].tolist() == [
        "40000 → 8000 [SYN] Seq=0 Win=65535 Len=0",
        "8000 → 40000 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0",
        "40000 → 8000 [ACK] Seq=1 Ack=1 Win=65535 Len=0",
        "40000 → 8000 [PSH, ACK] Seq=1 Ack=1 Win=65535 Len=10",
        "[TCP Dup ACK 3#1] 40000 → 8000 [<None>] Seq=11 Win=65535 Len=0",
    ]
    assert df["flags_str"].tolist() == ["SYN", "SYN, ACK", "ACK", "PSH, ACK", "<None>"]
    # opt-in: neither is in the default set
    assert "info" not in tcptrace.segments(_handshake(tmp_path)).columns


def _known_info_differences():
    with open(GOLDEN / "KNOWN_DIFFERENCES.tsv", newline="") as f:
        return {(r["capture"], int(r["frame"])) for r in csv.DictReader(f, delimiter="\t")
                if r["field"] in ("_ws.col.Info", "info") or r["kind"] == "info"}


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.info.tsv.gz")), ids=lambda p: p.name)
def test_info_equals_tsharks_info_column(golden):
    capture = Path(__file__).parent / "data" / golden.name[: -len(".info.tsv.gz")]
    if not capture.exists():
        pytest.skip(f"{capture.name} is not in tests/data")
    with gzip.open(golden, "rt", newline="") as f:
        want = {int(r["frame.number"]): r["_ws.col.Info"] for r in csv.DictReader(f, delimiter="\t")}
    skip = _known_info_differences()
    df = tcptrace.segments(capture, columns=["frame", "info"])
    compared = 0
    for fno, info in zip(df["frame"].tolist(), df["info"].tolist()):
        if fno in want and (capture.name, fno) not in skip:
            assert info == want[fno], (capture.name, fno)
            compared += 1
    assert compared > 0


def test_text_columns_in_arrow_are_large_utf8(tmp_path):
    pa = pytest.importorskip("pyarrow")
    p = _handshake(tmp_path)
    t = tcptrace.segments(p, columns=["info", "flags_str"], to="arrow")
    assert t.schema.field("info").type == pa.large_string()
    assert t.column("flags_str").to_pylist() == tcptrace.segments(p, columns=["flags_str"])["flags_str"].tolist()
