"""Broken, fuzzed, cut and lying captures: intact segments and anomaly counts, or a
clear exception; never a crash."""
import warnings

import pytest

import tcptrace

from conftest import DATA, SEED_SYN, write_pcap

MALFORMED = sorted(p for p in (DATA / "malformed").iterdir() if p.is_file())


@pytest.mark.parametrize("capture", MALFORMED, ids=lambda p: p.name)
def test_malformed_capture_reads_or_raises_clearly(capture):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with tcptrace.open(capture) as cap:
                segs = list(cap)
                counters = cap.counters
        except tcptrace.CaptureError as e:
            assert str(e), "an error must say what is wrong"
            return
    assert counters["frames"] >= len(segs)
    assert counters["tcp_segments"] == len(segs)
    for s in segs:
        repr(s)
        s._asdict()
    for w in caught:
        assert issubclass(w.category, tcptrace.CaptureTruncatedWarning)


def test_tcp_header_cut_by_snaplen_keeps_ports_and_counts(tmp_path):
    # 14 (Ethernet) + 20 (IPv4) + 6 bytes of TCP: ports intact, sequence number cut.
    cap_path = write_pcap(tmp_path / "cut.pcap", [(SEED_SYN[:40], len(SEED_SYN)), (SEED_SYN, None)])
    with tcptrace.open(cap_path) as cap:
        segs = list(cap)
        c = cap.counters
    assert [s.frame for s in segs] == [1, 2]
    cut, whole = segs
    assert (cut.sport, cut.dport) == (53451, 80)
    assert cut.seq_raw is None and cut.flags is None and cut.len is None
    assert "tcp.truncated" in cut.anomalies
    assert whole.anomalies == () and whole.seq_raw == 0x3B1C2C07
    assert c["truncated"] == 1
    assert c["anomalies"] == {"tcp.truncated": 1}


def test_tcp_data_offset_below_five_is_invalid(tmp_path):
    bad = bytearray(SEED_SYN)
    bad[14 + 20 + 12] = 0x40  # data offset 4 words: shorter than the fixed header
    with tcptrace.open(write_pcap(tmp_path / "bad.pcap", [(bad, None)])) as cap:
        (seg,) = list(cap)
        c = cap.counters
    assert "tcp.hdr_len.invalid" in seg.anomalies
    assert seg.sport == 53451 and seg.len is None
    assert c["invalid"] == 1
