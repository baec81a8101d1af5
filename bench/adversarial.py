#!/usr/bin/env python3
"""Hostile captures beside their benign twins: what each costs per packet (issue 22).

    bench/adversarial.py [--packets 1000000] [--dir /tmp] [--out bench/results.md]
                         [--max-ratio 5] [--pythonpath DIR]

Each pattern is a pair of generated captures with the same number of packets of the
same sizes, differing only in what makes one hostile:

  frag-order    each datagram's last fragment first, then its 8,191 8-byte fragments
                from offset 0 (a completeness check that rescans from offset 0 is
                quadratic) / the same fragments in order; read with tcptrace.segments()
  frag-pending  first fragments of distinct datagrams that never complete, so 4,096
                are pending at once and the oldest is evicted for each new one / two-
                fragment datagrams that complete; read with tcptrace.segments()
  reasm-hole    one connection whose every other 100-byte segment never comes, with
                one piece far ahead, so the held list stays at its cap (16,384 pieces)
                and each new segment lands behind the far piece / the same connection
                with every segment, in order; read with tcptrace.messages()

Each capture is read in its own process (after a warm-up call, the best of --repeat); the table gives
seconds, microseconds per packet and the hostile/benign ratio. The exit status is 1 when
a ratio exceeds --max-ratio (issue 22's bound: 5). --pythonpath measures another build
of tcptrace (a directory holding the tcptrace package), e.g. one from before a change.
The captures are cached in --dir by packet count. Raw IPv4 (LINKTYPE_RAW), stdlib only.
"""
import argparse
import os
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LINKTYPE_RAW = 101
BEGIN, END = "<!-- bench/adversarial.py: begin -->", "<!-- bench/adversarial.py: end -->"


class Pcap:
    """A classic pcap file (microsecond time stamps) written in large blocks."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPE_RAW))
        self.buf = []
        self.n = 0

    def put(self, frame):
        sec, usec = divmod(self.n, 1_000_000)
        self.buf.append(struct.pack("<IIII", 1_700_000_000 + sec, usec, len(frame), len(frame)))
        self.buf.append(frame)
        self.n += 1
        if len(self.buf) >= 65536:
            self.f.write(b"".join(self.buf))
            self.buf = []

    def close(self):
        self.f.write(b"".join(self.buf))
        self.f.close()


def ipv4(proto, payload, ident, frag_units=0, more=False, src=b"\x0a\x00\x00\x01",
         dst=b"\x0a\x00\x00\x02"):
    """An IPv4 header (RFC 791) and payload; the checksum is left 0 (not verified)."""
    flags = (0x2000 if more else 0) | frag_units
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, flags,
                       64, proto, 0, src, dst) + payload


def tcp(seq, ack, flags, payload=b"", sport=40000, dport=9999):
    """A TCP header (RFC 9293) without options, and payload; checksum 0."""
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                       5 << 4, flags, 65535, 0, 0) + payload


ACK, PSH, SYN = 0x10, 0x08, 0x02
FRAGS_PER_DGRAM = 8192  # 8191 8-byte fragments plus the last: RFC 791's 13-bit offset


def gen_frag_order(path, packets, hostile):
    """Datagrams of 65,536 payload bytes (a TCP segment) in 8-byte fragments."""
    w = Pcap(path)
    seg_payload = bytes(FRAGS_PER_DGRAM * 8 - 20)
    for d in range(packets // FRAGS_PER_DGRAM):
        dgram = tcp(1000 + d * len(seg_payload), 1, ACK | PSH, seg_payload)
        order = list(range(FRAGS_PER_DGRAM))
        if hostile:
            order = [FRAGS_PER_DGRAM - 1] + order[:-1]
        for k in order:
            w.put(ipv4(6, dgram[8 * k:8 * k + 8], d, k, k != FRAGS_PER_DGRAM - 1))
    w.close()
    return w.n


def gen_frag_pending(path, packets, hostile):
    """Fragments of 32 bytes: first fragments of distinct datagrams (hostile), or the
    two fragments of each datagram in turn (benign)."""
    w = Pcap(path)
    for i in range(packets):
        d = i if hostile else i // 2
        src = struct.pack("!BBH", 10, 1, d >> 16)  # (source, id) distinct per datagram
        dgram = tcp(1000 + 64 * d, 1, ACK | PSH, bytes(44))
        second = not hostile and i % 2 == 1
        w.put(ipv4(6, dgram[32:] if second else dgram[:32], d, 4 if second else 0,
                   not second, src=src))
    w.close()
    return w.n


def gen_reasm_hole(path, packets, hostile, seg_len=100):
    """Handshake, then client segments of seg_len bytes; hostile: one segment 2^30
    bytes ahead, then only the odd-numbered segments (the even ones never come). The
    server sends nothing after its SYN-ACK, so no ACK gives a hole up."""
    w = Pcap(path)
    c, s = b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02"
    cisn, sisn = 5000, 9000
    w.put(ipv4(6, tcp(cisn, 0, SYN), 1, src=c, dst=s))
    w.put(ipv4(6, tcp(sisn, cisn + 1, SYN | ACK, sport=9999, dport=40000), 1, src=s, dst=c))
    w.put(ipv4(6, tcp(cisn + 1, sisn + 1, ACK), 2, src=c, dst=s))
    payload = bytes(seg_len)
    n_data = packets - 3
    if hostile:
        w.put(ipv4(6, tcp(cisn + 1 + (1 << 30), sisn + 1, ACK | PSH, payload), 3, src=c, dst=s))
        n_data -= 1
    for i in range(n_data):
        k = 2 * i + 1 if hostile else i
        w.put(ipv4(6, tcp(cisn + 1 + k * seg_len, sisn + 1, ACK | PSH, payload), 4 + i,
                   src=c, dst=s))
    w.close()
    return w.n


PATTERNS = [
    ("frag-order", gen_frag_order, "segments",
     "last fragment first, then 8,191 8-byte fragments", "the same fragments in order"),
    ("frag-pending", gen_frag_pending, "segments",
     "first fragments of distinct datagrams, never completed (4,096 pending)",
     "two-fragment datagrams, completed"),
    ("reasm-hole", gen_reasm_hole, "messages",
     "every other segment missing, one piece 2^30 ahead (16,384 held)",
     "every segment, in order"),
]

# The first call in a process pays for lazy imports (pandas) and set-up: a warm-up
# call on a 1-packet capture goes first, then the best of `repeat` timed calls.
SNIPPET = """
import os, sys, time
if os.environ.get("TT_ADV_PYTHONPATH"):  # before an editable install's finder
    sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, os.environ["TT_ADV_PYTHONPATH"])
import tcptrace
tcptrace.{fn}(sys.argv[2])
best = None
for _ in range({repeat}):
    t = time.perf_counter(); df = tcptrace.{fn}(sys.argv[1]); dt = time.perf_counter() - t
    best = dt if best is None else min(best, dt)
print(best, len(df))
"""


def measure(fn, path, warm, repeat, pythonpath):
    env = dict(os.environ)
    if pythonpath:
        env["TT_ADV_PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, "-c", SNIPPET.format(fn=fn, repeat=repeat), path,
                          warm], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.split()[0])


def capture(args, name, gen, hostile):
    kind = "hostile" if hostile else "benign"
    path = os.path.join(args.dir, f"tt_adv_{name}_{kind}_{args.packets}.pcap")
    if not os.path.exists(path) or not os.path.exists(path + ".frames"):
        tmp = path + ".part"
        n = gen(tmp, args.packets, hostile)
        os.replace(tmp, path)
        with open(path + ".frames", "w") as f:
            f.write(f"{n}\n")
    with open(path + ".frames") as f:
        return path, int(f.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-ratio", type=float, default=5.0)
    ap.add_argument("--out", help="write the table into this markdown file (between markers)")
    ap.add_argument("--pythonpath", help="a directory with another tcptrace build to measure")
    ap.add_argument("--only", help="comma-separated pattern names")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None
    rows, worst = [], 0.0
    warm = os.path.join(args.dir, "tt_adv_warmup.pcap")
    gen_reasm_hole(warm, 4, False)
    for name, gen, fn, hostile_what, benign_what in PATTERNS:
        if only and name not in only:
            continue
        cost = {}
        for hostile in (False, True):
            path, n = capture(args, name, gen, hostile)
            dt = measure(fn, path, warm, args.repeat, args.pythonpath)
            cost[hostile] = (n, dt)
            kind = "hostile" if hostile else "benign"
            print(f"{name:13} {kind:7} {n:9d} packets {dt:8.3f} s {dt / n * 1e6:8.3f} us/packet",
                  flush=True)
        ratio = (cost[True][1] / cost[True][0]) / (cost[False][1] / cost[False][0])
        worst = max(worst, ratio)
        rows.append((name, fn, benign_what, cost[False], hostile_what, cost[True], ratio))
    table = render(rows, args)
    print(table)
    if args.out:
        write_section(args.out, table)
    if worst > args.max_ratio:
        print(f"FAIL: a hostile pattern costs {worst:.1f}x its benign twin "
              f"(bound {args.max_ratio:.1f}x)", file=sys.stderr)
        return 1
    return 0


def render(rows, args):
    lines = [
        "## Adversarial patterns beside their benign twins (issue 22)",
        "",
        f"{args.packets:,} packets per capture, 2 cores shared, {time.strftime('%Y-%m-%d')}. "
        "Command: `make bench-adversarial` (`bench/adversarial.py`); best of "
        f"{args.repeat} reads, each capture in its own process.",
        "",
        "| pattern | read with | benign twin | packets | s | µs/packet | hostile | packets "
        "| s | µs/packet | ratio |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, fn, bw, (bn, bt), hw, (hn, ht), ratio in rows:
        lines.append(f"| {name} | `tcptrace.{fn}()` | {bw} | {bn:,} | {bt:.3f} | "
                     f"{bt / bn * 1e6:.3f} | {hw} | {hn:,} | {ht:.3f} | {ht / hn * 1e6:.3f} "
                     f"| {ratio:.2f}× |")
    return "\n".join(lines) + "\n"


def write_section(path, table):
    text = open(path).read() if os.path.exists(path) else ""
    block = BEGIN + "\n" + table + END + "\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
