"""The framer registry (csrc/framers.c) and the DNS-over-TCP framer, the proof that a
framer is one file and one registry line: its messages reach messages(), the listing,
`tcptrace messages` and reassembled_in with no framer-specific code in Python.

dns_tcp_mixed.pcap is built by tests/data/build_dns_tcp.py; its golden
`NAME.dns.tsv.gz` is tshark 4.0.17's Protocol, Info and DNS fields of its DNS frames."""
import csv
import gzip
import io
import subprocess
import sys

import pytest

from tcptrace import _core, streams
from conftest import DATA

DNS_CAP = DATA / "dns_tcp_mixed.pcap"
DNS_GOLDEN = DATA / "golden" / "dns_tcp_mixed.pcap.dns.tsv.gz"


def golden_dns():
    with gzip.open(DNS_GOLDEN, "rt") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def run(*args):
    return subprocess.run([sys.executable, "-m", "tcptrace", *map(str, args)], check=True,
                          capture_output=True, text=True).stdout


def test_registry_lists_every_framer_and_its_details():
    names = [f["name"] for f in _core.framers()]
    assert names == ["http", "tls", "dns"]
    dns = next(f for f in _core.framers() if f["name"] == "dns")
    assert dns["ports"] == (53, 5353) and not dns["sniffs"] and not dns["info_joins"]
    assert ("qname", "str") in dns["fields"] and ("rcode", "int") in dns["fields"]
    for f in _core.framers():
        for name, _type in f["fields"]:
            assert name in streams.MESSAGE_COLUMNS


def test_dns_listing_lines_are_tsharks():
    lines = {}
    for line in run(DNS_CAP, "--app").splitlines():
        cells = line.split()
        lines[int(cells[0])] = (cells[4], " ".join(cells[6:]))
    golden = golden_dns()
    assert golden
    for row in golden:
        assert lines[int(row["frame.number"])] == (row["_ws.col.Protocol"], row["_ws.col.Info"]), row


def test_dns_messages_carry_tsharks_fields():
    by_frame = {}
    for m in streams.iter_messages(DNS_CAP):
        by_frame.setdefault(m.frame, []).append(m)
    for row in golden_dns():
        msgs = by_frame[int(row["frame.number"])]
        assert ",".join(f"0x{m.dns_id:04x}" for m in msgs) == row["dns.id"]
        assert ",".join(str(m.dns_response) for m in msgs) == row["dns.flags.response"]
        assert ",".join(str(m.opcode) for m in msgs) == row["dns.flags.opcode"]
        # tshark shows the rcode of responses only
        assert ",".join(str(m.rcode) for m in msgs if m.dns_response) == row["dns.flags.rcode"]
        assert ",".join(m.qname for m in msgs) == row["dns.qry.name"]
        assert ",".join(str(m.qtype) for m in msgs) == row["dns.qry.type"]
        assert all(m.kind == ("dns_response" if m.dns_response else "dns_query") for m in msgs)


def test_dns_split_response_is_reassembled():
    msgs = [m for m in streams.iter_messages(DNS_CAP) if m.dns_id == 0x1a2b and m.dns_response]
    (m,) = msgs
    assert m.frame == 6 and m.frames == [(5, 14), (6, m.length - 14)]
    assert m.reassembly == f"[2 Reassembled TCP Segments ({m.length} bytes): #5(14), #6({m.length - 14})]"
    assert streams.reassembled_in(DNS_CAP) == {5: 6}


def test_dns_malformed_record_is_flagged():
    (m,) = [m for m in streams.iter_messages(DNS_CAP) if m.dns_id == 0x000b and m.dns_response]
    assert m.info.endswith("[Malformed Packet]") and m.complete
    assert m.anomalies & (1 << _core.anomaly_names().index("dns.invalid"))


def test_messages_dataframe_has_dns_columns():
    pytest.importorskip("pandas")
    df = streams.messages(DNS_CAP)
    dns = df[df["kind"].str.startswith("dns")]
    assert len(dns) == 20
    assert str(dns["dns_id"].dtype) == "Int64" and dns["qname"].iloc[0] == "www.example.com"
    assert (dns["protocol"] == "DNS").all()
    http = streams.messages(DATA / "http_get_example_com.pcap")
    assert http["dns_id"].isna().all() and list(http["method"].dropna()) == ["GET"]


def test_cli_messages_prints_dns():
    out = run("messages", DNS_CAP).splitlines()
    assert any("\tdns_query\tStandard query 0x1a2b A www.example.com OPT\t" in line for line in out)
    rows = list(csv.reader(io.StringIO(run("messages", "--csv", DNS_CAP))))
    head = rows[0]
    assert head[:4] == ["frame", "stream", "dir", "kind"] and "qname" in head
    assert rows[1][head.index("qname")] == "www.example.com"


def test_detail_attributes_of_other_framers_read_none():
    (req, resp) = streams.conn_messages(DATA / "http_get_example_com.pcap", 0)
    assert req.qname is None and req.sni is None and req.method == "GET"
    with pytest.raises(AttributeError):
        req.no_such_detail  # noqa: B018


def test_first_frame_of_a_pdu_shows_the_framers_lead():
    # tshark 4.0.17: a TLS record's first frame shows only "[TCP segment of a
    # reassembled PDU]" (the TLS dissector clears the Info column); an HTTP message's
    # its start line and a space before it
    out = run(DATA / "tls_mixed_ooo_portreuse_head150.pcap", "--app").splitlines()
    lines = {int(line.split(" ", 1)[0]): line for line in out}
    assert lines[51].split(None, 6)[6] == "[TCP segment of a reassembled PDU]"
    assert lines[52].endswith("Len=1206 [TCP segment of a reassembled PDU]")
    assert lines[72].split(None, 6)[6] == "HTTP/1.1 200 OK  [TCP segment of a reassembled PDU]"


# tshark 4.0.17's http.request.method / http.request.uri of each first line, each sent
# alone on its own connection to port 80 ending in an empty line (None: not a request
# there; "": no target). Wireshark's rule (packet-http.c): a method it knows, up to the first space.
HTTP_FIRST_LINES = [
    (b"OPTIONS HTTP/1.1", ("OPTIONS", "HTTP/1.1")),
    (b"OPTIONS", ("OPTIONS", "")),
    (b"GET / HTTP/1.", ("GET", "/")),
    (b"CCM_POST /x HTTP/1.1", ("CCM_POST", "/x")),
    (b"FOO / HTTP/1.1", None),
    (b"M-POST / HTTP/1.1", ("M-POST", "/")),
    (b"POLL / HTTP/1.1", ("POLL", "/")),
    (b"get / HTTP/1.1", None),
    (b"VERSION-CONTROL / HTTP/1.1", ("VERSION-CONTROL", "/")),
    (b"GET  / HTTP/1.1", ("GET", "")),
    (b"GET / HTTP/1.1 extra", ("GET", "/")),
    (b"RPC_IN_DATA /rpc HTTP/1.1", ("RPC_IN_DATA", "/rpc")),
]


def test_http_requests_are_wiresharks(tmp_path):
    from pcapbuild import connection, pcap

    frames = []
    for i, (line, _want) in enumerate(HTTP_FIRST_LINES):
        req = line + b"\r\nHost: a\r\n\r\n"
        frames += connection([(0, req)], len(req), client=(bytes([10, 0, 0, 1]), 41000 + i),
                             server=(bytes([10, 0, 0, 2]), 80))
    cap = tmp_path / "methods.pcap"
    cap.write_bytes(pcap(frames))
    got = {m.stream: (m.method, m.uri or "") for m in streams.iter_messages(cap) if m.kind == "http_request"}
    for i, (line, want) in enumerate(HTTP_FIRST_LINES):
        assert got.get(i) == want, line
