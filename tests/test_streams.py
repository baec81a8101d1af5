"""Stream reassembly, follow and HTTP/TLS messages (issue 5), against tshark 4.0.17's
golden output (tests/data/golden: NAME.app.tsv.gz, NAME.follow-N.raw.gz)."""
import gzip
import re
import subprocess
import sys
import warnings

import pytest

import tcptrace
from tcptrace import streams
from conftest import DATA

GOLDEN = DATA / "golden"
SEED = DATA / "http_get_example_com.pcap"

# Differences that come from elsewhere than the stream layer (see docs/compatibility.md).
IP_FRAGMENT_OVERLAP = "IP fragments that overlap with different bytes: tshark keeps other bytes (ipfrag.c)"
KNOWN_FOLLOW = {("ipv4_frag_tcp_small.pcap", 1): IP_FRAGMENT_OVERLAP}
KNOWN_APP = {"ipv4_frag_tcp_small.pcap": IP_FRAGMENT_OVERLAP}


# ---- the seed example (issue 5, "Done when") ----

def test_seed_messages():
    msgs = streams.conn_messages(SEED, 0)
    assert [m.kind for m in msgs] == ["http_request", "http_response"]
    req, resp = msgs
    assert (req.method, req.uri, req.frame, req.length) == ("GET", "/", 4, 75)
    assert req.frames == [(4, 75)] and req.reassembly is None
    assert (resp.status, resp.reason, resp.frame, resp.length) == (200, "OK", 7, 1593)
    assert resp.frames == [(5, 1448), (7, 145)]
    assert resp.reassembly == "[2 Reassembled TCP Segments (1593 bytes): #5(1448), #7(145)]"
    assert resp.content_type == "text/html" and resp.body_bytes == 1282


def test_seed_reassembled_in():
    assert streams.reassembled_in(SEED) == {5: 7}


def test_seed_messages_frame():
    df = tcptrace.messages(SEED)
    assert list(df["frame"]) == [4, 7]
    assert list(df["kind"]) == ["http_request", "http_response"]
    assert df.loc[0, "method"] == "GET" and df.loc[0, "uri"] == "/" and df.loc[0, "length"] == 75
    assert df.loc[1, "status"] == 200 and df.loc[1, "length"] == 1593
    assert df.loc[1, "frames"] == [(5, 1448), (7, 145)]
    assert df.loc[1, "reassembly"] == "[2 Reassembled TCP Segments (1593 bytes): #5(1448), #7(145)]"
    for col in ("frame", "stream", "dir", "kind", "method", "uri", "status", "sni", "alpn", "length", "frames"):
        assert col in df.columns


def test_seed_payload_and_chunks():
    conv = tcptrace.follow(SEED, 0)
    c2s, s2c = conv.payload("c2s"), conv.payload(1)
    assert c2s.data.startswith(b"GET / HTTP/1.1\r\n") and len(c2s) == 75 and c2s.complete
    assert s2c.data.startswith(b"HTTP/1.1 200 OK\r\n") and s2c.length == 1593 and s2c.gaps == []
    assert c2s.end == "fin" and s2c.end == "fin"
    got = [(c.direction, c.offset, len(c.data), c.frames) for c in conv.chunks()]
    assert got == [(0, 0, 75, [(4, 75)]), (1, 0, 1448, [(5, 1448)]), (1, 1448, 145, [(7, 145)])]
    assert tcptrace.follow(SEED, 0, "s2c").data == s2c.data
    assert streams.payload(SEED, 0, "s2c").data == s2c.data
    assert [c.offset for c in streams.chunks(SEED, 0)] == [0, 0, 1448]


def test_capture_object_is_a_source():
    with tcptrace.open(SEED) as cap:
        assert len(streams.payload(cap, 0, 0)) == 75


def test_bad_arguments():
    with pytest.raises(ValueError):
        streams.payload(SEED, -1, 0)
    with pytest.raises(ValueError):
        streams.follow(SEED, 0).payload("up")
    with pytest.raises(ValueError):
        streams.follow_text(SEED, 0, "hex")


def test_absent_stream_is_empty():
    conv = tcptrace.follow(SEED, 7)
    assert conv.payload(0).data == b"" and conv.chunks() == [] and conv.nodes is None


# ---- follow output: byte for byte as tshark -q -z follow,tcp,raw,N ----

FOLLOW_GOLDEN = sorted(GOLDEN.glob("*.follow-*.raw.gz"))


@pytest.mark.parametrize("golden", FOLLOW_GOLDEN, ids=[g.name for g in FOLLOW_GOLDEN])
def test_follow_raw_equals_tshark(golden):
    name, n = golden.name.rsplit(".follow-", 1)
    n = int(n.split(".")[0])
    if (name, n) in KNOWN_FOLLOW:
        pytest.xfail(KNOWN_FOLLOW[(name, n)])
    with gzip.open(golden, "rb") as f:
        want = f.read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        have = streams.follow_text(DATA / name, n, "raw").encode("ascii")
    assert have == want


def test_follow_ascii_format():
    text = streams.follow_text(SEED, 0, "ascii")
    lines = text.split("\n")
    assert lines[:6] == ["", "=" * 67, "Follow: tcp,ascii", "Filter: tcp.stream eq 0",
                         "Node 0: 192.168.10.7:53451", "Node 1: 93.184.216.34:80"]
    assert lines[6] == "75" and lines[7] == "GET / HTTP/1.1\r"
    assert "\t1448" in lines and "\t145" in lines   # server chunks: the length line indented
    assert text.endswith("=" * 67 + "\n")


def test_follow_ascii_replaces_unprintables():
    assert streams.follow_record_text(1, b"a\x00b\r\n\xff", "ascii") == "\t6\na.b\r\n.\n"
    assert streams.follow_record_text(0, b"\x00\x01", "raw") == "0001\n"


# ---- HTTP method/URI/status/frame and TLS SNI against tshark's app fields ----

def golden_app(path):
    facts = set()
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        header = f.readline().rstrip("\n").split("\t")
        col = {h: i for i, h in enumerate(header)}
        for line in f:
            v = line.rstrip("\n").split("\t")
            v += [""] * (len(header) - len(v))
            fr = int(v[0])
            if v[col["http.request.method"]]:
                facts.add((fr, "req", v[col["http.request.method"]], v[col["http.request.uri"]]))
            if v[col["http.response.code"]]:
                facts.add((fr, "resp", v[col["http.response.code"]]))
            if v[col["tls.handshake.extensions_server_name"]]:
                facts.add((fr, "sni", v[col["tls.handshake.extensions_server_name"]]))
    return facts


def our_app(capture):
    by = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        msgs = list(streams.iter_messages(capture))
    for m in msgs:
        if m.frame is None:
            continue
        if m.kind == "http_request":
            by.setdefault((m.frame, "req"), []).append((m.method, m.uri))
        elif m.kind == "http_response":
            by.setdefault((m.frame, "resp"), []).append((str(m.status),))
        elif m.kind == "tls_handshake" and m.tls_type == 1 and m.sni:
            by.setdefault((m.frame, "sni"), []).append((m.sni,))
    facts = set()
    for (fr, what), vals in by.items():
        facts.add((fr, what, *(",".join(v[i] for v in vals) for i in range(len(vals[0])))))
    return facts


APP_GOLDEN = sorted(GOLDEN.glob("*.app.tsv.gz"))


@pytest.mark.parametrize("golden", APP_GOLDEN, ids=[g.name for g in APP_GOLDEN])
def test_http_and_tls_fields_equal_tshark(golden):
    name = golden.name[: -len(".app.tsv.gz")]
    if name in KNOWN_APP:
        pytest.xfail(KNOWN_APP[name])
    assert our_app(DATA / name) == golden_app(golden)


def test_tls_sni_from_a_real_capture():
    facts = our_app(DATA / "tls_mixed_ooo_portreuse_head150.pcap")
    assert (23, "sni", "mamzon.ru") in facts and (116, "sni", "www.bing.com") in facts


# ---- the command line ----

def run(*args):
    r = subprocess.run([sys.executable, "-m", "tcptrace", *map(str, args)], capture_output=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_cli_follow_raw_equals_golden():
    with gzip.open(GOLDEN / "http_get_example_com.pcap.follow-0.raw.gz", "rb") as f:
        assert run("follow", "-s", "0", "--format", "raw", SEED) == f.read()


def test_cli_follow_output_files(tmp_path):
    out = run("follow", "-s", "0", "--output", tmp_path / "s0", SEED).decode()
    assert (tmp_path / "s0.c2s").read_bytes().startswith(b"GET / HTTP/1.1")
    assert len((tmp_path / "s0.s2c").read_bytes()) == 1593
    assert "0 gaps" in out


def test_cli_messages():
    lines = run("messages", SEED).decode().splitlines()
    assert lines[0].split("\t")[:5] == ["4", "0", "c2s", "http_request", "GET / HTTP/1.1"]
    assert lines[1].endswith("[2 Reassembled TCP Segments (1593 bytes): #5(1448), #7(145)]")
    csv_lines = run("messages", "--csv", SEED).decode().splitlines()
    assert csv_lines[0].startswith("frame,stream,dir,kind,method,uri,status")
    assert "#5(1448) #7(145)" in csv_lines[2]


def test_cli_listing_app_lines():
    lines = run(SEED, "--app").decode().splitlines()
    # tshark 4.0.17's Info, to the space: the start line and a space; the first frame of
    # the response shows its start line before "[TCP segment of a reassembled PDU]"
    assert re.search(r"\sHTTP\s+141\s+GET / HTTP/1\.1 $", lines[3])
    assert lines[4].endswith(" HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]")
    assert re.search(r"\sTCP\s+1514\s", lines[4])
    assert re.search(r"\sHTTP\s+211\s+HTTP/1\.1 200 OK  \(text/html\)$", lines[6])
    assert " TCP " in lines[5] and "reassembled" not in lines[5]


# ---- memory and malformed input ----

def test_counters_report_reassembly():
    with tcptrace.open(SEED) as cap:
        cap._enable_streams(messages=True)
        while cap._read_streams() is not None:
            pass
        c = cap.stream_counters
    assert c["conns"] == 1 and c["bytes"] == 1668 and c["gap_bytes"] == 0 and c["messages"] == 2


MALFORMED = sorted((DATA / "malformed").glob("*.pcap*"))


@pytest.mark.parametrize("capture", MALFORMED, ids=[m.name for m in MALFORMED])
def test_malformed_captures_do_not_break_streams(capture):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            list(streams.iter_messages(capture))
            streams.follow_text(capture, 0, "ascii")
        except tcptrace.CaptureError:
            pass


def test_cli_listing_app_tls_lines():
    out = run(DATA / "tls_mixed_ooo_portreuse_head150.pcap", "--app").decode().splitlines()
    lines = {int(line.split(" ", 1)[0]): line for line in out}
    assert re.search(r"\sTLSv1\.2\s+232\s+Client Hello$", lines[23])
    assert re.search(r"\sTLSv1\.2\s+1260\s+Server Hello, Certificate$", lines[25])
    assert lines[28].endswith("Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message")


def test_tls_messages_of_a_connection():
    msgs = streams.conn_messages(DATA / "tls_mixed_ooo_portreuse_head150.pcap", 0)
    hello = next(m for m in msgs if m.kind == "tls_handshake" and m.tls_type == 1)
    assert (hello.frame, hello.sni, hello.summary) == (23, "mamzon.ru", "Client Hello")
    ske = next(m for m in msgs if m.kind == "tls_handshake" and m.tls_type == 12)
    assert ske.reassembly == "[2 Reassembled TCP Segments (333 bytes): #25(132), #26(201)]"
