"""Zeek's conn.log rules (tcptrace.zeek, csrc/zeek_conn.c, csrc/zeek_tcp.c), each on the
smallest byte-built capture that shows it; the expected rows are what Zeek's source
(TCPSessionAdapter.cc, TCP_Endpoint.cc, TCP_Reassembler.cc, conn/main.zeek) gives."""
import io
import struct
import subprocess
import sys

import pytest

import tcptrace
from tcptrace import _core, zeek

from pcapbuild import ACK, CLIENT, FIN, PSH, RST, SERVER, SYN, frame

C, S = CLIENT, SERVER  # 10.0.0.1:40000 -> 10.0.0.2:8000 (8000 is a likely server port)
C2, S2 = (CLIENT[0], 40000), (SERVER[0], 9999)  # 9999 is not


def pcap_at(frames, snaplen=65535):
    """frames: (seconds, bytes) or (seconds, bytes, caplen)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1)]
    for f in frames:
        t, data = f[0], f[1]
        caplen = f[2] if len(f) > 2 else len(data)
        sec = int(t)
        usec = int(round((t - sec) * 1e6))
        out.append(struct.pack("<IIII", 1000 + sec, usec, caplen, len(data)))
        out.append(data[:caplen])
    return b"".join(out)


def rows(tmp_path, frames, **kw):
    p = tmp_path / "z.pcap"
    p.write_bytes(pcap_at(frames))
    return zeek.zeek_conn_records(str(p), **kw)[0]


def handshake(t0=0.0, c=C, s=S, cisn=1000, sisn=5000):
    return [(t0, frame(c, s, cisn, 0, SYN)), (t0 + 0.1, frame(s, c, sisn, cisn + 1, SYN | ACK)),
            (t0 + 0.2, frame(c, s, cisn + 1, sisn + 1, ACK))]


def closing(t0, c=C, s=S, cseq=1001, sseq=5001):
    return [(t0, frame(c, s, cseq, sseq, FIN | ACK)), (t0 + 0.1, frame(s, c, sseq, cseq + 1, FIN | ACK)),
            (t0 + 0.2, frame(c, s, cseq + 1, sseq + 1, ACK))]


def test_full_connection_row(tmp_path):
    fr = handshake() + [(0.3, frame(C, S, 1001, 5001, PSH | ACK, b"x" * 10)),
                        (0.4, frame(S, C, 5001, 1011, PSH | ACK, b"y" * 4))]
    fr += closing(0.5, cseq=1011, sseq=5005)
    (r,) = rows(tmp_path, fr)
    assert (r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"]) == ("10.0.0.1", 40000, "10.0.0.2", 8000)
    assert r["proto"] == "tcp" and r["service"] is None
    assert r["conn_state"] == "SF" and r["history"] == "ShADdFf"  # the server sent no pure ACK
    # The last ACK (0.7) comes after both FINs: the clock had stopped at 0.6.
    assert r["duration"] == pytest.approx(0.6) and r["ts"] == pytest.approx(1000.0)
    assert (r["orig_bytes"], r["resp_bytes"], r["missed_bytes"]) == (10, 4, 0)
    assert (r["orig_pkts"], r["orig_ip_bytes"], r["resp_pkts"], r["resp_ip_bytes"]) == (5, 210, 3, 124)
    assert r["uid"].startswith("C") and len(r["uid"]) == 18


def test_clock_stops_once_both_sides_closed(tmp_path):
    fr = handshake() + closing(0.3) + [(2.0, frame(C, S, 1002, 5002, ACK))]
    (r,) = rows(tmp_path, fr)
    assert r["duration"] == pytest.approx(0.4)  # the second FIN; not the ACKs after it
    assert r["orig_pkts"] == 5  # they are counted all the same


def test_rst_after_both_fins_leaves_sf(tmp_path):
    fr = handshake() + closing(0.3) + [(0.6, frame(C, S, 1002, 5002, RST))]
    (r,) = rows(tmp_path, fr)
    assert r["conn_state"] == "SF" and r["history"] == "ShAFfR"


def test_retransmission_by_highest_sequence(tmp_path):
    data = [(0.3, frame(C, S, 1001, 5001, ACK, b"a" * 10)), (0.4, frame(C, S, 1001, 5001, ACK, b"a" * 10))]
    (r,) = rows(tmp_path, handshake() + data)
    assert r["history"] == "ShADT"
    # A FIN sent again (no data) is not a retransmission, nor is an ACK.
    again = closing(0.3) + [(0.35, frame(C, S, 1001, 5001, FIN | ACK)), (0.36, frame(C, S, 1001, 5001, ACK))]
    (r,) = rows(tmp_path, handshake() + again)
    assert "T" not in r["history"]


def test_gap_and_missed_bytes_in_sequence_space(tmp_path):
    fr = handshake() + [(0.3, frame(C, S, 1001, 5001, ACK, b"a" * 100)),
                        (0.4, frame(C, S, 1201, 5001, ACK, b"c" * 100)),
                        (0.5, frame(S, C, 5001, 1301, ACK))]
    (r,) = rows(tmp_path, fr)
    assert r["missed_bytes"] == 100 and r["orig_bytes"] == 300  # the gap is counted
    assert r["history"] == "ShADaG" or r["history"] == "ShADGa"


def test_snaplen_cut_payload_is_a_gap(tmp_path):
    cut = frame(C, S, 1001, 5001, ACK, b"a" * 100)
    fr = handshake() + [(0.3, cut, len(cut) - 60), (0.5, frame(S, C, 5001, 1101, ACK))]
    (r,) = rows(tmp_path, fr)
    assert r["missed_bytes"] == 100 and "G" in r["history"]


def test_syn_fin_rst_segments_record_only_that_letter(tmp_path):
    fr = [(0.0, frame(C, S, 1000, 0, SYN, b"hello")),
          (0.1, frame(S, C, 5000, 1006, SYN | ACK)),
          (0.2, frame(C, S, 1006, 5001, FIN | ACK, b"bye"))]
    (r,) = rows(tmp_path, fr)
    # No D for the data the SYN and the FIN carry. (The SYN's data is a T: Zeek's
    # init_endpoint puts last_seq past it before update_last_seq compares.)
    assert r["history"] == "SThF"


def test_synack_then_ack_without_syn_is_s1(tmp_path):
    # From a likely server port the SYN-ACK is the responder's at once; the ACK then
    # establishes the originator (UpdateInactiveState).
    fr = [(0.0, frame(S, C, 5000, 1001, SYN | ACK)), (0.1, frame(C, S, 1001, 5001, ACK))]
    (r,) = rows(tmp_path, fr)
    assert r["conn_state"] == "S1" and r["history"] == "^hA"
    assert (r["id.orig_p"], r["id.resp_p"]) == (40000, 8000)
    # From another port the SYN-ACK's sender is the originator until the ACK flips the
    # connection (TCP_Endpoint::CheckHistory), too late to establish it.
    fr = [(0.0, frame(S2, C2, 5000, 1001, SYN | ACK)), (0.1, frame(C2, S2, 1001, 5001, ACK))]
    (r,) = rows(tmp_path, fr)
    assert r["conn_state"] == "OTH" and r["history"] == "^hA"
    assert (r["id.orig_p"], r["id.resp_p"]) == (40000, 9999)


def test_orientation_by_likely_server_port(tmp_path):
    # The first packet comes from port 8000 (a likely server port): the connection is
    # turned round, ^ in the history.
    fr = [(0.0, frame(S, C, 5001, 1001, PSH | ACK, b"z" * 5)), (0.1, frame(C, S, 1001, 5006, ACK))]
    (r,) = rows(tmp_path, fr)
    assert (r["id.orig_p"], r["id.resp_p"]) == (40000, 8000) and r["history"] == "^dA"
    # Not a likely port: the first sender stays the originator.
    fr = [(0.0, frame(S2, C2, 5001, 1001, PSH | ACK, b"z" * 5)), (0.1, frame(C2, S2, 1001, 5006, ACK))]
    (r,) = rows(tmp_path, fr)
    assert (r["id.orig_p"], r["id.resp_p"]) == (9999, 40000) and r["history"] == "Da"
    # With no likely ports at all (zeek -b without protocol scripts) nothing turns round.
    fr = [(0.0, frame(S, C, 5001, 1001, PSH | ACK, b"z" * 5))]
    (r,) = rows(tmp_path, fr, server_ports=[])
    assert r["id.orig_p"] == 8000


def tso(f):
    """The frame with its IPv4 total length zeroed (segmentation offload)."""
    return f[:16] + b"\0\0" + f[18:]


def test_ip_total_length_zero(tmp_path):
    fr = handshake() + [(0.3, tso(frame(C, S, 1001, 5001, ACK, b"q" * 20))), (0.4, frame(S, C, 5001, 1021, ACK))]
    (r,) = rows(tmp_path, fr, ignore_checksums=True)
    assert r["orig_pkts"] == 3 and r["orig_ip_bytes"] == 80  # 40 + 40 + 0 for the TSO frame
    assert r["orig_bytes"] == 20
    (r,) = rows(tmp_path, fr)  # without -C Zeek drops it (ip_hdr_len_zero)
    assert r["orig_pkts"] == 2


def test_bad_tcp_checksum_letter_and_drop(tmp_path):
    bad = bytearray(frame(C, S, 1001, 5001, ACK, b"k" * 8))
    bad[-1] ^= 0xFF
    fr = handshake() + [(0.3, bytes(bad))]
    (r,) = rows(tmp_path, fr)
    assert r["history"] == "ShAC" and r["orig_pkts"] == 2
    (r,) = rows(tmp_path, fr, ignore_checksums=True)
    assert r["history"] == "ShAD" and r["orig_pkts"] == 3


def test_bad_ip_checksum_dropped(tmp_path):
    bad = bytearray(frame(C, S, 1000, 0, SYN))
    bad[24] ^= 0x01  # the IPv4 header checksum
    assert rows(tmp_path, [(0.0, bytes(bad))]) == []
    (r,) = rows(tmp_path, [(0.0, bytes(bad))], ignore_checksums=True)
    assert r["history"] == "S"


def test_attempt_timer_splits(tmp_path):
    fr = [(0.0, frame(C, S, 1000, 0, SYN)), (10.0, frame(C, S, 1000, 0, SYN))]
    r = rows(tmp_path, fr)
    assert [x["conn_state"] for x in r] == ["S0", "S0"] and [x["history"] for x in r] == ["S", "S"]
    fr = [(0.0, frame(C, S, 1000, 0, SYN)), (4.0, frame(C, S, 1000, 0, SYN))]
    (r,) = rows(tmp_path, fr)  # within tcp_attempt_delay: one attempt
    assert r["orig_pkts"] == 2


def test_close_timer_splits(tmp_path):
    late = [(6.0, frame(C, S, 1002, 5002, ACK))]
    r = rows(tmp_path, handshake() + closing(0.3) + late)
    assert len(r) == 2 and r[0]["conn_state"] == "SF" and r[1]["history"] == "A"
    early = [(4.0, frame(C, S, 1002, 5002, ACK))]
    assert len(rows(tmp_path, handshake() + closing(0.3) + early)) == 1


def test_partial_close_timer_when_handled(tmp_path):
    # One side closed, the other silent: Zeek's partial-close timer (3 s) is set only
    # when a script handles connection_partial_close; the base scripts do not.
    # The responder's first packet is its FIN (ConnectionClosed: prev_state INACTIVE).
    fr = [(0.0, frame(C2, S2, 1001, 5001, ACK, b"a")), (0.1, frame(S2, C2, 5001, 1002, FIN | ACK)),
          (4.0, frame(C2, S2, 1002, 5002, ACK, b"b"))]
    p = tmp_path / "p.pcap"
    p.write_bytes(pcap_at(fr))
    assert len(_core.zeek_conn_rows(str(p))[0]) == 1
    assert len(_core.zeek_conn_rows(str(p), partial_close_timer=True)[0]) == 2


def test_inactivity_timer_splits(tmp_path):
    fr = handshake() + [(1.0, frame(C, S, 1001, 5001, ACK, b"a")), (400.0, frame(C, S, 1002, 5001, ACK, b"b"))]
    r = rows(tmp_path, fr)
    assert len(r) == 2 and r[0]["conn_state"] == "S1" and r[1]["history"] == "D"
    fr[-1] = (200.0, fr[-1][1])
    assert len(rows(tmp_path, fr)) == 1


def test_syn_after_rst_is_a_new_connection(tmp_path):
    fr = handshake() + [(0.3, frame(C, S, 1001, 5001, RST)), (0.5, frame(C, S, 7000, 0, SYN))]
    r = rows(tmp_path, fr)
    assert [x["conn_state"] for x in r] == ["RSTO", "S0"]
    assert [x["history"] for x in r] == ["ShAR", "S"]


def test_filter_and_errors(tmp_path):
    fr = handshake() + handshake(1.0, c=(CLIENT[0], 40001))
    assert len(rows(tmp_path, fr)) == 2
    assert len(rows(tmp_path, fr, bpf="port 40001")) == 1
    with pytest.raises(FileNotFoundError):
        zeek.zeek_conn_records(str(tmp_path / "nope.pcap"))
    with pytest.raises(ValueError):
        _core.zeek_conn_rows(str(tmp_path / "z.pcap"), server_ports=[70000])


def test_writer_is_zeek_tsv(tmp_path):
    fr = handshake() + [(0.3, frame(C, S, 1000, 0, SYN))]
    df = tcptrace.zeek_conn_log(_write(tmp_path, fr))
    assert list(df.columns) == list(zeek.NAMES)
    out = io.StringIO()
    zeek.write_conn_log(df, out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "#separator \\x09"
    fields = [ln for ln in lines if ln.startswith("#fields")][0].split("\t")[1:]
    types = [ln for ln in lines if ln.startswith("#types")][0].split("\t")[1:]
    assert fields == list(zeek.NAMES) and types[0] == "time" and types[8] == "interval"
    row = dict(zip(fields, [ln for ln in lines if not ln.startswith("#")][0].split("\t")))
    assert row["ts"] == "1000.000000" and row["service"] == "-" and row["proto"] == "tcp"
    assert row["duration"] == "0.300000" and row["conn_state"] == "S1"


def _write(tmp_path, fr):
    p = tmp_path / "w.pcap"
    p.write_bytes(pcap_at(fr))
    return str(p)


def test_cli_zeek(tmp_path):
    path = _write(tmp_path, handshake())
    out = subprocess.run([sys.executable, "-m", "tcptrace", "conns", "--zeek", "-C", path],
                         capture_output=True, text=True, check=True).stdout
    data = [ln for ln in out.splitlines() if not ln.startswith("#")]
    assert len(data) == 1 and data[0].split("\t")[13] == "ShA"
    bad = subprocess.run([sys.executable, "-m", "tcptrace", "conns", "-C", path], capture_output=True, text=True)
    assert bad.returncode == 2 and "-C goes with --zeek" in bad.stderr


def _fragments(f, first_len):
    """The IPv4 datagram of an Ethernet frame cut into two fragments (RFC 791)."""
    from pcapbuild import _csum

    eth, ip, data = f[:14], f[14:34], f[34:]
    out = []
    for off, chunk, more in ((0, data[:first_len], 1), (first_len, data[first_len:], 0)):
        h = bytearray(ip)
        struct.pack_into("!H", h, 2, 20 + len(chunk))
        struct.pack_into("!H", h, 6, (more << 13) | (off // 8))
        struct.pack_into("!H", h, 10, 0)
        struct.pack_into("!H", h, 10, _csum(bytes(h)))
        out.append(eth + bytes(h) + chunk)
    return out


def test_reassembled_datagram_counts_once(tmp_path):
    a, b = _fragments(frame(C, S, 1001, 5001, ACK, b"f" * 100), 64)
    (r,) = rows(tmp_path, handshake() + [(0.3, a), (0.31, b)])
    assert r["orig_pkts"] == 3 and r["orig_ip_bytes"] == 40 + 40 + 140 and r["orig_bytes"] == 100


def test_every_test_capture_reads_or_fails_cleanly():
    """Broken, cut and lying captures give rows or a clear error, never a crash."""
    import warnings
    from pathlib import Path

    files = [p for p in sorted((Path(__file__).parent / "data").rglob("*"))
             if p.is_file() and p.suffix in (".pcap", ".pcapng", ".cap", ".gz", ".zst", ".xz", ".lz4")]
    assert len(files) > 20
    read = 0
    for p in files:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", tcptrace.CaptureTruncatedWarning)
            try:
                rows_, counters = zeek.zeek_conn_records(str(p))
            except tcptrace.CaptureError:
                continue
        read += 1
        assert counters["connections"] == len(rows_)
        for r in rows_:
            assert r["conn_state"] in {"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0",
                                       "RSTRH", "SH", "SHR", "OTH"}
    assert read > 20
