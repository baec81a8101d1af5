"""Builds dns_tcp_mixed.pcap: one DNS-over-TCP connection (RFC 1035 §4.2.2, RFC 7766)
with queries and responses of many record types, name compression, EDNS OPT records, a
response split over two segments, two queries in one segment, NXDOMAIN with an SOA,
an unknown type, NOTIFY, the root name and a malformed record.

    python tests/data/build_dns_tcp.py tests/data/dns_tcp_mixed.pcap
"""
import pathlib
import struct
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from pcapbuild import ACK, FIN, PSH, SYN, frame, pcap  # noqa: E402

def name(n):
    if n == ".":
        return b"\0"
    return b"".join(bytes([len(label)]) + label.encode() for label in n.split(".")) + b"\0"


def hdr(ident, flags, qd, an, ns, ar):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def q(n, t, c=1):
    return name(n) + struct.pack("!HH", t, c)


def rr(n, t, rdata, ttl=300, c=1):
    nb = n if isinstance(n, bytes) else name(n)
    return nb + struct.pack("!HHIH", t, c, ttl, len(rdata)) + rdata


def opt():
    return b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)


QNAME = b"\xc0\x0c"  # a pointer to the question's name (RFC 1035 §4.1.4)
QUERY, RESPONSE, NOTIFY = 0x0100, 0x8180, 0x2000
SOA_RDATA = name("ns.icann.org") + name("noc.dns.icann.org") + struct.pack("!IIIII", 1, 7200, 3600, 1209600, 3600)

# (direction, message): 0 the client, 1 the server
MSGS = [
    (0, hdr(0x1a2b, QUERY, 1, 0, 0, 1) + q("www.example.com", 1) + opt()),
    (1, hdr(0x1a2b, RESPONSE, 1, 2, 0, 1) + q("www.example.com", 1) + rr(QNAME, 5, name("example.com"))
        + rr(b"\xc0\x2d", 1, bytes([93, 184, 216, 34])) + opt()),
    (0, hdr(0x0002, QUERY, 1, 0, 0, 0) + q("example.com", 28)),
    (1, hdr(0x0002, RESPONSE, 1, 1, 0, 0) + q("example.com", 28)
        + rr(QNAME, 28, bytes.fromhex("26062800022000010248189325c81946"))),
    (0, hdr(0x0003, QUERY, 1, 0, 0, 0) + q("example.org", 15)),
    (1, hdr(0x0003, RESPONSE, 1, 1, 1, 0) + q("example.org", 15)
        + rr(QNAME, 15, struct.pack("!H", 10) + name("mail.example.org")) + rr(QNAME, 2, name("ns1.example.org"))),
    (0, hdr(0x0004, QUERY, 1, 0, 0, 0) + q("nonexist.example.com", 1)),
    (1, hdr(0x0004, RESPONSE | 3, 1, 0, 1, 0) + q("nonexist.example.com", 1) + rr(b"\xc0\x15", 6, SOA_RDATA)),
    (0, hdr(0x0005, QUERY, 1, 0, 0, 0) + q("example.com", 16)),
    (1, hdr(0x0005, RESPONSE, 1, 1, 0, 0) + q("example.com", 16) + rr(QNAME, 16, b"\x05hello")),
    (0, hdr(0x0006, QUERY, 1, 0, 0, 0) + q("_sip._tcp.example.com", 33)),
    (1, hdr(0x0006, RESPONSE, 1, 1, 0, 0) + q("_sip._tcp.example.com", 33)
        + rr(QNAME, 33, struct.pack("!HHH", 0, 5, 5060) + name("sip.example.com"))),
    (0, hdr(0x0007, QUERY, 1, 0, 0, 0) + q("34.216.184.93.in-addr.arpa", 12)),
    (1, hdr(0x0007, RESPONSE, 1, 1, 0, 0) + q("34.216.184.93.in-addr.arpa", 12) + rr(QNAME, 12, name("example.com"))),
    (0, hdr(0x0008, QUERY, 1, 0, 0, 0) + q("example.com", 65280)),
    (1, hdr(0x0008, RESPONSE | 5, 1, 0, 0, 0) + q("example.com", 65280)),
    (0, hdr(0x0009, NOTIFY, 1, 0, 0, 0) + q("example.com", 6)),
    (1, hdr(0x000a, RESPONSE | 2, 1, 0, 0, 0) + q(".", 2)),
    (0, hdr(0x000b, QUERY, 1, 0, 0, 0) + q("example.com", 65)),
    (1, hdr(0x000b, RESPONSE, 1, 1, 0, 0) + q("example.com", 65) + b"\xc0\x0c\x00\x01"),  # record cut short
]

C, S = (bytes([10, 0, 0, 1]), 40000), (bytes([10, 0, 0, 2]), 53)
ISN = (1000, 5000)


def wire(m):
    return struct.pack("!H", len(m)) + m


def build():
    fr = [frame(C, S, ISN[0], 0, SYN), frame(S, C, ISN[1], ISN[0] + 1, SYN | ACK),
          frame(C, S, ISN[0] + 1, ISN[1] + 1, ACK)]
    off = [0, 0]

    def send(d, data):
        src, dst = (C, S) if d == 0 else (S, C)
        fr.append(frame(src, dst, ISN[d] + 1 + off[d], ISN[1 - d] + 1 + off[1 - d], PSH | ACK, data))
        off[d] += len(data)

    send(0, wire(MSGS[0][1]))
    w = wire(MSGS[1][1])  # a response split: its length and header, then the rest
    send(1, w[:14])
    send(1, w[14:])
    send(0, wire(MSGS[2][1]) + wire(MSGS[4][1]))  # two queries in one segment
    send(1, wire(MSGS[3][1]))
    send(1, wire(MSGS[5][1]))
    for d, m in MSGS[6:]:
        send(d, wire(m))
    fr.append(frame(C, S, ISN[0] + 1 + off[0], ISN[1] + 1 + off[1], FIN | ACK))
    fr.append(frame(S, C, ISN[1] + 1 + off[1], ISN[0] + 2 + off[0], FIN | ACK))
    fr.append(frame(C, S, ISN[0] + 2 + off[0], ISN[1] + 2 + off[1], ACK))
    return pcap(fr)


if __name__ == "__main__":
    pathlib.Path(sys.argv[1]).write_bytes(build())
