#!/usr/bin/env python3
"""Peak memory of ``tcptrace.segments(path, chunksize=N)`` on a large capture.

Generates a capture with bench/gen_pcap.py (cached in /tmp: 10M packets are ~8.4 GB),
then, in a fresh child process, reads it in chunks of ``--chunksize`` rows with the
default columns, keeping only a running count, and reports the rows, the seconds and
the child's peak resident size (ru_maxrss). The issue's target: under 300 MB for 10M
packets. Peak RSS includes the interpreter with pandas and numpy loaded (measured
separately below as the baseline).

    .venv/bin/python bench/chunked_memory.py [--packets 10000000] [--chunksize 1000000]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = """
import resource, sys, time
import pandas, numpy, tcptrace
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter(); rows = 0; chunks = 0; retrans = 0
for df in tcptrace.segments(sys.argv[1], chunksize=int(sys.argv[2])):
    rows += len(df); chunks += 1; retrans += int(df["retransmission"].sum())
    del df
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(rows, chunks, retrans, f"{dt:.2f}", f"{base:.0f}", f"{peak:.0f}")
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=10_000_000)
    ap.add_argument("--chunksize", type=int, default=1_000_000)
    a = ap.parse_args()
    path = f"/tmp/tcptrace-bench-{a.packets}.pcap"
    if not os.path.exists(path):
        print(f"generating {path} ...", file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_pcap.py"), "-o", path + ".part",
                        "-n", str(a.packets)], check=True, stdout=subprocess.DEVNULL)
        os.rename(path + ".part", path)
    out = subprocess.run([sys.executable, "-c", CHILD, path, str(a.chunksize)], check=True,
                         capture_output=True, text=True).stdout.split()
    rows, chunks, retrans, secs, base, peak = out
    size_gb = os.path.getsize(path) / 1e9
    print(f"{int(rows):,} segments ({size_gb:.1f} GB) in {chunks} chunks of {a.chunksize:,} rows, "
          f"{int(retrans):,} retransmissions, {secs} s; peak RSS {peak} MiB "
          f"(interpreter with pandas: {base} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
