"""Expert information (tshark -z expert, TCP items) and Segment.explain(): issue 12."""
import json
import struct

import pytest

import tcptrace
import tcptrace.explain
from tcptrace import cli
from tcptrace import expertinfo as ex
from conftest import DATA, golden_captures, read_golden, golden_for, write_pcap

C, S = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
CP, SP = 40000, 80
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def frame(src, dst, sport, dport, seq, ack, flags, win, payload=b"", urp=0):
    """Ethernet + IPv4 + a 20-byte TCP header (checksums are not checked)."""
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, win, 0, urp)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
    eth = bytes(6) + bytes(5) + b"\x01" + b"\x08\x00"
    return (eth + ip + tcp + payload, None)


def c2s(seq, ack, flags, win=1000, n=0):
    return frame(C, S, CP, SP, 1000 + seq, 5000 + ack, flags, win, b"x" * n)


def s2c(seq, ack, flags, win=300, n=0):
    return frame(S, C, SP, CP, 5000 + seq, 1000 + ack, flags, win, b"y" * n)


# One connection, 1 ms between frames, handshake without options (no window scaling),
# so the initial RTT is 2 ms. Relative numbers as arguments. What tshark 4.0.17 flags:
BUILT = [
    frame(C, S, CP, SP, 1000, 0, SYN, 1000),  # 1
    s2c(0, 1, SYN | ACK),                # 2
    c2s(1, 1, ACK),                      # 3  initial RTT 2 ms
    c2s(1, 1, ACK | PSH, n=100),         # 4
    c2s(201, 1, ACK | PSH, n=100),       # 5  previous segment not captured (101..201), window full
    c2s(101, 1, ACK | PSH, n=100),       # 6  out-of-order: 1 ms after frame 5, within 2 ms
    s2c(1, 301, ACK),                    # 7  window 300 from ack 301
    c2s(301, 1, ACK | PSH, n=300),       # 8  window full: 301 + 300 = 601
    s2c(1, 601, ACK, win=0),             # 9  zero window
    c2s(601, 1, ACK, n=1),               # 10 zero-window probe
    s2c(1, 601, ACK, win=0),             # 11 zero-window probe ACK (and zero window)
    s2c(1, 601, ACK, win=300),           # 12 window update
    c2s(1, 1, ACK | PSH, n=100),         # 13 spurious retransmission (ACKed up to 601)
]
BUILT_FLAGS = {
    5: {"lost_segment", "window_full"},
    6: {"out_of_order"},
    8: {"window_full"},
    9: {"zero_window"},
    10: {"zero_window_probe"},
    11: {"zero_window_probe_ack", "zero_window"},
    12: {"window_update"},
    13: {"spurious_retransmission", "retransmission"},
}


@pytest.fixture
def built(tmp_path):
    return write_pcap(tmp_path / "flags.pcap", BUILT)


def segs_by_frame(path):
    with tcptrace.open(path) as cap:
        return {s.frame: s for s in cap}


def test_built_capture_has_the_flags_tshark_gives(built):
    segs = segs_by_frame(built)
    assert {f: set(s.analysis) for f, s in segs.items() if s.analysis} == BUILT_FLAGS


# (capture, frame, flag, words the sentence must contain): one per analysis flag.
REAL = [
    ("http_get_example_com.pcap", 9, "duplicate_ack",
     ["Duplicate ACK:", "repeats ack 1449", "window field 4072", "seq 76", "53451 → 80",
      "duplicate #1 of the ACK in frame 8",
      # frame 7 carried 1449..1594 before this ACK: never "1449 itself did not arrive"
      "saw 80 → 53451 send up to seq 1594 (frame 7), past 1449"]),
    ("keepalive_rst.pcap", 6, "keep_alive",
     ["Keep-alive:", "0 bytes at seq 5", "one below the next expected seq 6", "60190 → 9000"]),
    ("keepalive_rst.pcap", 7, "keep_alive_ack",
     ["Keep-alive ACK:", "repeats ack 6", "keep-alive (frame 6)", "60190 → 9000"]),
    ("port_reuse_bug7657.pcap", 2, "reused_ports",
     ["Port numbers reused:", "initial sequence number 1827763820", "not 1317897315", "(stream 0)",
      "stream 1"]),
    ("rawip_tcp_empty_sack.pcap", 27, "fast_retransmission",
     ["Fast retransmission:", "seq 2084 is below the next expected seq 3954 of 49506 → 443",
      "equals the ack 2084", "in 2 duplicate ACKs", "2.083 ms after that ACK", "within 20.000 ms"]),
    ("rawip_tcp_empty_sack.pcap", 35, "window_update",
     ["Window update:", "seq 6603", "ack 3954", "window field 65464 → 2560", "calculated window 40960"]),
    ("rawip_tcp_fastopen_synretrans.pcap", 18, "ack_lost_segment",
     ["ACKed unseen segment:", "ack 1 acknowledges data beyond seq"]),
    ("rawip_tcp_fastopen_synretrans.pcap", 18, "retransmission",
     ["Retransmission:", "seq 1 is below the next expected seq 518 of 51615 → 443",
      "was not yet acknowledged", "the last ACK from 443 → 51615 was 1"]),
    ("rawip_tcp_fastopen_synretrans.pcap", 14, "lost_segment",
     ["Previous segment not captured:", "seq 0 is beyond the next expected seq", "443 → 51615"]),
]

BUILT_SENTENCES = [
    (5, "lost_segment", ["Previous segment not captured:", "seq 201 is beyond the next expected seq 101",
                         "40000 → 80", "100 bytes sent before it are missing"]),
    (6, "out_of_order", ["Out-of-order:", "seq 101 is below the next expected seq 301 of 40000 → 80",
                         "1.000 ms after frame 5", "threshold of 2.000 ms (the initial RTT)"]),
    (8, "window_full", ["Window full:", "data ends at seq 601", "80 → 40000", "ack 301 + window 300",
                        "= 601"]),
    (9, "zero_window", ["Zero window:", "80 → 40000 advertises a receive window of 0"]),
    (10, "zero_window_probe", ["Zero-window probe:", "1 byte at the next expected seq 601 of 40000 → 80",
                               "window was 0"]),
    (11, "zero_window_probe_ack", ["Zero-window probe ACK:", "repeats ack 601", "probe (frame 10)"]),
    (12, "window_update", ["Window update:", "seq 1 and ack 601", "window field 0 → 300"]),
    (13, "spurious_retransmission", ["Spurious retransmission:", "data ends at seq 101",
                                     "acknowledged up to 601"]),
    (13, "retransmission", ["Retransmission:", "every spurious retransmission is also a retransmission"]),
]


def _sentence(seg, flag):
    title = tcptrace.explain.TITLES[flag] + ":"
    got = [s for s in seg.explain() if s.startswith(title)]
    assert len(got) == 1, seg.explain()
    return got[0]


@pytest.mark.parametrize("capture,frame_no,flag,words", REAL, ids=[f"{r[2]}-{r[0]}" for r in REAL])
def test_explain_real_segment(capture, frame_no, flag, words):
    seg = segs_by_frame(DATA / capture)[frame_no]
    assert flag in seg.analysis
    s = _sentence(seg, flag)
    for w in words:
        assert w in s, s


@pytest.mark.parametrize("frame_no,flag,words", BUILT_SENTENCES, ids=[f"{r[1]}-{r[0]}" for r in BUILT_SENTENCES])
def test_explain_built_segment(built, frame_no, flag, words):
    seg = segs_by_frame(built)[frame_no]
    s = _sentence(seg, flag)
    for w in words:
        assert w in s, s


def test_every_flag_has_a_tested_sentence():
    tested = {r[2] for r in REAL} | {r[1] for r in BUILT_SENTENCES}
    assert tested == set(tcptrace.ANALYSIS_FLAGS)
    assert set(tcptrace.explain.ORDER) == set(tcptrace.ANALYSIS_FLAGS)


def test_explain_is_one_sentence_per_flag_and_empty_without_flags(built):
    for seg in segs_by_frame(built).values():
        out = seg.explain()
        assert len(out) == len(seg.analysis)
        assert all(s.endswith(".") for s in out)
    assert segs_by_frame(built)[1].explain() == []


def test_explain_cli(built, capsys):
    assert cli.main([str(built), "--explain", "--frame", "6"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("6 ") and "[TCP Out-Of-Order]" in out[0]
    assert out[1].startswith("    Out-of-order: seq 101")
    assert len(out) == 2


def test_explain_cli_stream(seed_capture, capsys):
    assert cli.main([str(seed_capture), "--explain", "-s", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 14  # 13 segments + the dup ACK's sentence
    i = next(i for i, line in enumerate(out) if line.startswith("9 "))
    assert out[i + 1].startswith("    Duplicate ACK:")


# ---- expert ----

def _golden_counts(capture):
    head, body = read_golden(golden_for(capture, "fields"))
    counts = {}
    for i, name in enumerate(head):
        if name.startswith("tcp.analysis."):
            flag = name[len("tcp.analysis."):]
            flag = "duplicate_ack" if flag == "duplicate_ack_num" else flag
            counts[flag] = sum(1 for r in body if i < len(r) and r[i] != "")
    return counts


@pytest.mark.parametrize("capture", golden_captures(), ids=lambda p: p.name)
def test_expert_counts_equal_golden_flag_counts(capture):
    df, _err = ex._read_partial(capture, None)
    got = {r["field"]: r["count"] for r in ex.expert_table(df)}
    want = _golden_counts(capture)
    for flag in tcptrace.ANALYSIS_FLAGS:
        assert got.get("tcp.analysis." + flag, 0) == want.get(flag, 0), flag


def test_expert_dataframe(seed_capture):
    df = tcptrace.expert(seed_capture)
    assert list(df.columns) == ex.COLUMNS
    rows = {r.summary: r for r in df.itertuples()}
    dup = rows["Duplicate ACK"]
    assert (dup.severity, dup.group, dup.protocol, dup.count, dup.first_frames) == ("note", "Sequence", "TCP", 1, [9])
    assert rows["Connection finish (FIN)"].count == 2
    assert rows["Connection finish (FIN)"].first_frames == [11, 12]
    assert rows["Connection establish request (SYN)"].severity == "chat"
    assert list(df.severity) == sorted(df.severity, key=ex.SEVERITIES.index)


def test_expert_severities_and_texts_of_wireshark_4_0(built):
    df = tcptrace.expert(built)
    got = {r.field: (r.severity, r.summary, r.count, r.first_frames) for r in df.itertuples()}
    assert got["tcp.analysis.lost_segment"] == (
        "warning", "Previous segment(s) not captured (common at capture start)", 1, [5])
    assert got["tcp.analysis.out_of_order"] == ("warning", "This frame is a (suspected) out-of-order segment", 1, [6])
    assert got["tcp.analysis.window_full"][0:2] == (
        "warning", "TCP window specified by the receiver is now completely full")
    assert got["tcp.analysis.zero_window"] == ("warning", "TCP Zero Window segment", 2, [9, 11])
    assert got["tcp.analysis.zero_window_probe"][0:2] == ("note", "TCP Zero Window Probe")
    assert got["tcp.analysis.zero_window_probe_ack"][0:2] == ("note", "ACK to a TCP Zero Window Probe")
    assert got["tcp.analysis.window_update"][0:2] == ("chat", "TCP window update")
    assert got["tcp.analysis.spurious_retransmission"][0:2] == (
        "note", "This frame is a (suspected) spurious retransmission")
    assert got["tcp.analysis.retransmission"] == ("note", "This frame is a (suspected) retransmission", 1, [13])


def test_expert_split_rows_are_tsharks(seed_capture):
    df = tcptrace.expert(seed_capture, split=True)
    assert "Connection establish request (SYN): server port 80" in set(df.summary)
    assert "Connection establish acknowledge (SYN+ACK): server port 80" in set(df.summary)
    assert "Duplicate ACK (#1)" in set(df.summary)


def test_expert_keepalive_rst():
    df = tcptrace.expert(DATA / "keepalive_rst.pcap")
    rst = df[df.field == "tcp.connection.rst"].iloc[0]
    assert (rst["severity"], rst["summary"], rst["count"]) == ("warning", "Connection reset (RST)", 1)
    assert df[df.field == "tcp.analysis.keep_alive"].iloc[0].severity == "note"


def test_expert_cli_text_and_json(seed_capture, capsys):
    assert cli.main(["expert", str(seed_capture)]) == 0
    out = capsys.readouterr().out
    assert out.index("Notes (3)") < out.index("Chats (4)")
    assert "Duplicate ACK  [9]" in out
    assert cli.main(["expert", "--json", str(seed_capture)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"severity": "note", "group": "Sequence", "protocol": "TCP", "summary": "Duplicate ACK",
            "field": "tcp.analysis.duplicate_ack", "count": 1, "first_frames": [9]} in rows


def test_expert_damaged_capture_gives_rows_before_the_damage(tmp_path, capsys):
    import tcptrace as tt

    path = write_pcap(tmp_path / "cut.pcap", BUILT[:3])
    good = path.read_bytes()
    # A record header claiming more than the snaplen: the capture is damaged there.
    path.write_bytes(good + struct.pack("<IIII", 1_700_000_000, 0, 1 << 30, 1 << 30))
    assert cli.main(["expert", str(path)]) == 2
    cap = capsys.readouterr()
    assert "Connection establish request (SYN)" in cap.out
    assert "tcptrace:" in cap.err
    with pytest.raises(tt.CaptureError):
        tt.expert(path)


def test_expert_fin_roles_and_protocol_notes(tmp_path, seed_capture):
    df = tcptrace.expert(seed_capture)
    got = {r.field: (r.severity, r.summary, r.first_frames) for r in df.itertuples()}
    assert got["tcp.connection.fin_active"] == ("note", "This frame initiates the connection closing", [11])
    assert got["tcp.connection.fin_passive"] == ("note", "This frame undergoes the connection closing", [12])
    # A SYN with a nonzero ack field and no ACK flag; data with an urgent pointer but no URG.
    path = write_pcap(tmp_path / "notes.pcap", [
        frame(C, S, CP, SP, 1000, 77, SYN, 1000),
        frame(S, C, SP, CP, 5000, 1001, SYN | ACK, 300),
        frame(C, S, CP, SP, 1001, 5001, ACK | PSH, 1000, b"z", urp=1),
    ])
    rows = {r.field: r for r in tcptrace.expert(path).itertuples()}
    ack = rows["tcp.ack.nonzero"]
    assert (ack.severity, ack.group, ack.first_frames) == ("note", "Protocol", [1])
    assert ack.summary == "The acknowledgment number field is nonzero while the ACK flag is not set"
    urg = rows["tcp.urgent_pointer.non_zero"]
    assert (urg.severity, urg.group, urg.first_frames) == ("note", "Protocol", [3])
