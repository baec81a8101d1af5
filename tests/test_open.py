"""tcptrace.open: reading captures into Segment records, errors, counters."""

import pytest

import tcptrace

from conftest import DATA


def test_seed_capture_has_13_segments_in_frame_order(seed_capture):
    with tcptrace.open(seed_capture) as cap:
        segs = list(cap)
    assert [s.frame for s in segs] == list(range(1, 14))
    assert cap.counters["frames"] == 13
    assert cap.counters["tcp_segments"] == 13
    assert cap.counters["non_tcp"] == 0


def test_syn_fields_as_wireshark_shows_them(seed_capture):
    with tcptrace.open(seed_capture) as cap:
        syn = next(iter(cap))
    assert (syn.src, syn.sport, syn.dst, syn.dport) == ("192.168.10.7", 53451, "93.184.216.34", 80)
    assert syn.ip_version == 4
    assert syn.flags == 0x002 and syn.flags_str == "SYN"
    assert syn.window_raw == 65535
    assert syn.hdr_len == 44 and syn.len == 0 and syn.payload == b""
    assert syn.mss == 1460 and syn.ws == 5 and syn.sack_perm
    assert (syn.tsval, syn.tsecr) == (635755241, 0)
    # wire order: MSS, NOP, WS, NOP, NOP, TS, SACK_PERM, EOL
    assert syn.options == (2, 1, 3, 1, 1, 8, 4, 0)
    assert syn.caplen == syn.wirelen == 78
    assert syn.linktype == 1
    assert syn.time_rel_ns == 0
    assert syn.anomalies == ()


def test_payload_bytes_and_lengths(seed_capture):
    with tcptrace.open(seed_capture) as cap:
        segs = list(cap)
    get = segs[3]
    assert get.len == 75 and get.flags_str == "PSH, ACK"
    assert get.payload.startswith(b"GET / HTTP/1.1")
    assert len(get.payload) == 75
    assert segs[4].len == 1448 and segs[6].len == 145
    assert segs[1].time_rel_ns == 120_085_000


def test_segment_repr_and_asdict(seed_capture):
    with tcptrace.open(seed_capture) as cap:
        syn = next(iter(cap))
    r = repr(syn)
    assert "frame=1" in r and "192.168.10.7:53451" in r and "[SYN]" in r
    d = syn._asdict()
    assert d["sport"] == 53451 and d["mss"] == 1460 and d["payload"] == b""
    with pytest.raises(AttributeError):
        syn.sport = 1  # immutable


def test_capture_metadata(seed_capture):
    with tcptrace.open(seed_capture) as cap:
        assert cap.format == "pcap"
        assert cap.linktype == 1
        assert cap.linktypes == (1,)
        assert cap.snaplen == 262144
        assert cap.version == (2, 4)
        assert tcptrace.linktype_name(cap.linktype) == "EN10MB"
    assert cap.closed


def test_closed_capture_refuses_metadata(seed_capture):
    cap = tcptrace.open(seed_capture)
    cap.close()
    with pytest.raises(ValueError):
        _ = cap.format


def test_bpf_filter_keeps_frame_numbers(seed_capture):
    with tcptrace.open(seed_capture, filter="tcp[tcpflags] & tcp-syn != 0") as cap:
        frames = [s.frame for s in cap]
    assert frames == [1, 2]
    with tcptrace.open(seed_capture, filter="src host 93.184.216.34") as cap:
        assert [s.frame for s in cap] == [2, 5, 6, 7, 12]


def test_bad_filter_is_value_error(seed_capture):
    with pytest.raises(ValueError, match="filter"):
        tcptrace.open(seed_capture, filter="tcp port banana")


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        tcptrace.open(tmp_path / "nope.pcap")


def test_not_a_capture_is_capture_format_error(tmp_path):
    p = tmp_path / "text.pcap"
    p.write_text("this is not a capture file at all\n")
    with pytest.raises(tcptrace.CaptureFormatError):
        tcptrace.open(p)


def test_empty_file_is_capture_error(tmp_path):
    p = tmp_path / "empty.pcap"
    p.write_bytes(b"")
    with pytest.raises(tcptrace.CaptureError):
        tcptrace.open(p)


def test_directory_is_capture_error(tmp_path):
    with pytest.raises(tcptrace.CaptureError, match="directory"):
        tcptrace.open(tmp_path)


def test_file_cut_mid_record_yields_whole_records_then_warns(tmp_path, seed_capture):
    data = seed_capture.read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[: len(data) - 30])  # inside the last record
    with pytest.warns(tcptrace.CaptureTruncatedWarning, match="cut short"):
        with tcptrace.open(cut) as cap:
            frames = [s.frame for s in cap]
    assert frames == list(range(1, 13))
    assert cap.counters["frames"] == 12


def test_pathlike_and_str_paths(seed_capture):
    with tcptrace.open(str(seed_capture)) as a, tcptrace.open(seed_capture) as b:
        assert len(list(a)) == len(list(b)) == 13
        assert a.path == str(seed_capture)


def test_nanosecond_pcap_keeps_nanoseconds():
    with tcptrace.open(DATA / "sll_handshake_nanosec.pcap") as cap:
        segs = list(cap)
        assert cap.format == "pcap-nsec"
    assert segs and all(isinstance(s.time_ns, int) for s in segs)
    assert any(s.time_ns % 1000 for s in segs)  # sub-microsecond digits survive


def test_anomaly_names_are_stable_dotted_names():
    names = tcptrace.anomaly_names()
    assert "tcp.hdr_len.invalid" in names and "tcp.truncated" in names
    assert all("." in n for n in names)
    assert len(set(names)) == len(names)


def test_iterating_twice_gives_nothing_more(seed_capture):
    with tcptrace.open(seed_capture) as cap:
        assert len(list(cap)) == 13
        assert list(cap) == []


def _pcapng_from_pcap(pcap: bytes, linktype: int) -> bytes:
    """The records of a little-endian classic pcap file as one pcapng section."""
    import struct

    def block(btype: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", linktype, 0, 262144))
    off = 24
    while off + 16 <= len(pcap):
        sec, usec, caplen, wirelen = struct.unpack_from("<IIII", pcap, off)
        ts = sec * 1_000_000 + usec
        data = pcap[off + 16:off + 16 + caplen]
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, caplen, wirelen) + data)
        off += 16 + caplen
    return out


def test_bpf_filter_on_raw_ip_pcapng_maps_linktype_to_dlt(tmp_path):
    """pcapng carries LINKTYPE_RAW (101); libpcap compiles filters for DLT_RAW (12)."""
    src = DATA / "rawip_tcp_empty_sack.pcap"
    ng = tmp_path / "raw.pcapng"
    ng.write_bytes(_pcapng_from_pcap(src.read_bytes(), 101))
    with tcptrace.open(str(ng), filter="tcp") as cap:
        assert cap.linktype == 101
        n_ng = sum(1 for _ in cap)
    with tcptrace.open(str(src), filter="tcp") as cap:
        assert cap.linktype == 101  # the file's LINKTYPE, for classic pcap too
        n_pcap = sum(1 for _ in cap)
    assert n_ng == n_pcap > 0
    assert tcptrace.linktype_name(101) == "RAW"


def test_segment_times_in_seconds_as_well_as_nanoseconds():
    with tcptrace.open(str(DATA / "http_get_example_com.pcap")) as cap:
        segs = list(cap)
    s = segs[1]
    assert s.time_rel == pytest.approx(s.time_rel_ns / 1e9) and s.time_rel == pytest.approx(0.120085)
    assert s.time == pytest.approx(s.time_ns / 1e9)
    assert segs[0].time_rel == 0.0
