#!/usr/bin/env python3
"""Memory while iterating Capture.connections() over many short connections.

Writes a pcap of N short TCP connections (handshake, a 100-byte request, a 300-byte
response, FIN/ACK both ways: 9 segments each), K open at once, frames 100 us apart,
then iterates ``Capture.connections()`` and samples the core's live-connection count
and the process RSS. Memory must follow K (plus the connections closed within the
linger time), not N.

    .venv/bin/python bench/conns_memory.py -n 1000000 -k 100 --linger 1
"""
from __future__ import annotations

import argparse
import os
import struct
import sys
import tempfile
import time


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def write_capture(path: str, n: int, k: int, gap_us: int = 100) -> int:
    """n connections, k interleaved at a time; returns the packet count."""
    eth = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00"
    out = open(path, "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    t = 1_700_000_000 * 1_000_000
    count = 0

    def pkt(ci: int, frm_client: bool, flags: int, seq: int, ack: int, payload: bytes):
        nonlocal t, count
        cport = 1024 + ci % 60000
        cip = bytes([10, 1 + (ci // 60000) % 250, (ci // 256) % 256, ci % 256])
        sip = bytes([10, 255, 0, 1])
        src, dst = (cip, sip) if frm_client else (sip, cip)
        sp, dp = (cport, 80) if frm_client else (80, cport)
        tcp = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
        frame = eth + ip + tcp + payload
        out.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(frame), len(frame)))
        out.write(frame)
        t += gap_us
        count += 1

    S, A, F, P = 0x02, 0x10, 0x01, 0x08
    req, resp = b"q" * 100, b"r" * 300
    # Each connection is a script of 9 steps; k connections advance round-robin.
    def steps(ci):
        c, s = 1000, 5000
        yield (True, S, c, 0, b"")
        yield (False, S | A, s, c + 1, b"")
        yield (True, A, c + 1, s + 1, b"")
        yield (True, P | A, c + 1, s + 1, req)
        yield (False, P | A, s + 1, c + 101, resp)
        yield (True, A, c + 101, s + 301, b"")
        yield (True, F | A, c + 101, s + 301, b"")
        yield (False, F | A, s + 301, c + 102, b"")
        yield (True, A, c + 102, s + 302, b"")

    active = {}
    nxt = 0
    while nxt < n or active:
        while len(active) < k and nxt < n:
            active[nxt] = steps(nxt)
            nxt += 1
        for ci in list(active):
            try:
                frm, fl, seq, ack, pl = next(active[ci])
                pkt(ci, frm, fl, seq, ack, pl)
            except StopIteration:
                del active[ci]
    out.close()
    return count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--connections", type=int, default=1_000_000)
    ap.add_argument("-k", "--open", type=int, default=100, help="connections open at once")
    ap.add_argument("--linger", type=float, default=None, help="seconds (default: the library's, 120)")
    ap.add_argument("--keep", help="write the capture here and keep it")
    a = ap.parse_args()
    import tcptrace

    path = a.keep or os.path.join(tempfile.mkdtemp(), "conns.pcap")
    t0 = time.time()
    npk = write_capture(path, a.connections, a.open)
    print(f"capture: {a.connections} connections, {npk} packets, {os.path.getsize(path) / 1e6:.0f} MB, "
          f"written in {time.time() - t0:.1f} s")
    base = rss_mb()
    peak_live = 0
    peak_rss = base
    seen = 0
    t0 = time.time()
    with tcptrace.Capture(path, linger=a.linger) as cap:
        for _c in cap.connections():
            seen += 1
            if seen % 10000 == 0:
                cnt = cap.counters
                peak_live = max(peak_live, cnt["connections_live"])
                peak_rss = max(peak_rss, rss_mb())
        cnt = cap.counters
    dt = time.time() - t0
    print(f"iterated {seen} connections in {dt:.1f} s; core connections created {cnt['connections']}, "
          f"freed after linger {cnt['connections_evicted']}")
    print(f"peak connections held in the core: {peak_live}; RSS before {base:.1f} MB, peak {peak_rss:.1f} MB "
          f"(+{peak_rss - base:.1f} MB)")
    if not a.keep:
        os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
