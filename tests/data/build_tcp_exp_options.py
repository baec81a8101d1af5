"""Builds tcp_exp_options.pcap: SYNs with RFC 4727 experimental options (kinds 253 and
254, RFC 6994 ExIDs): TCP Fast Open's experimental ExID 0xF989 as a cookie request and
with a cookie (RFC 7413 §4.1.1, tshark shows TFO=R / TFO=C), other ExIDs (tshark shows
ExID=1234), and kind 34 for comparison.

    python tests/data/build_tcp_exp_options.py tests/data/tcp_exp_options.pcap
"""
import pathlib
import struct
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from pcapbuild import _csum, pcap  # noqa: E402

SYN, SYNACK = 0x02, 0x12


def frame(src, dst, seq, ack, flags, opts=b"", payload=b""):
    (sa, sp), (da, dp) = src, dst
    opts += b"\x01" * (-len(opts) % 4)
    tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, (20 + len(opts)) // 4 << 4, flags, 65535, 0, 0) + opts
    c = _csum(sa + da + struct.pack("!BBH", 0, 6, len(tcp) + len(payload)) + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0, sa, da)
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp + payload


def build():
    c, s = (bytes([10, 0, 0, 1]), 40000), (bytes([10, 0, 0, 2]), 443)
    cookie = bytes(range(8))
    return pcap([
        frame(c, s, 1000, 0, SYN, b"\x02\x04\x05\xb4\xfe\x04\xf9\x89"),
        frame(s, c, 5000, 1001, SYNACK, b"\x02\x04\x05\xb4\xfe\x0c\xf9\x89" + cookie),
        frame(c, s, 2000, 0, SYN, b"\xfe\x0c\xf9\x89" + cookie, b"hello"),
        frame(c, s, 3000, 0, SYN, b"\xfe\x06\x12\x34\x00\x00"),
        frame(c, s, 4000, 0, SYN, b"\x22\x02"),
        frame(c, s, 5000, 0, SYN, b"\xfd\x04\x00\x12"),
        frame(c, s, 6000, 0, SYN, b"\xfd\x04\xf9\x89"),
        frame(c, s, 7000, 0, SYN, b"\xfe\x04\xab\xcd\x02\x04\x05\xb4"),
    ])


if __name__ == "__main__":
    pathlib.Path(sys.argv[1]).write_bytes(build())
