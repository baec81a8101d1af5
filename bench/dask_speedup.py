#!/usr/bin/env python3
"""Speed-up of tcptrace.dask from one to two workers on rotated capture files.

    bench/dask_speedup.py [--packets 800000] [--files 8] [--snaplen 0] [--workers 1,2] [--out bench/results.md]

Generates one capture with bench/gen_pcap.py (cached in /tmp), splits it into --files
files as `tcpdump -C` rotation would (tools/pcap_split.py), then for each worker count
starts a LocalCluster of that many worker processes (one thread each) and times:

  * segments: tcptrace.dask.segments(files) and a per-connection sum of payload bytes
    (every partition is read; only the small result comes back to the client);
  * connections: tcptrace.dask.connections(files), merged across files;

and, as the machine's ceiling without Dask, tcptrace.segments over the files in a
pool of 1 and 2 processes.

The single-process figure (tcptrace.segments over the files, one after another) is the
baseline. Each timing is the best of --repeat runs, after a warm-up run (the cluster
started, the workers' imports done, the files in the page cache). "Task seconds" is
the time the workers spent in tasks during one more run (Dask's task stream): the
work to share out; task seconds / wall seconds is the parallelism reached.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _split_module():
    spec = importlib.util.spec_from_file_location("pcap_split", os.path.join(ROOT, "tools", "pcap_split.py"))
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_files(packets: int, files: int, snaplen: int) -> list:
    big = f"/tmp/tcptrace_bench_dask_{packets}_s{snaplen}.pcap"
    if not os.path.exists(big):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_pcap.py"), "-o", big, "-n", str(packets),
                        "--snaplen", str(snaplen)], check=True)
    out_dir = f"/tmp/tcptrace_bench_dask_{packets}_s{snaplen}_{files}"
    if not os.path.isdir(out_dir) or len(os.listdir(out_dir)) != files:
        os.makedirs(out_dir, exist_ok=True)
        for f in os.listdir(out_dir):
            os.unlink(os.path.join(out_dir, f))
        _split_module().split_pcap(big, out_dir, -(-packets // files))
    return sorted(os.path.join(out_dir, f) for f in os.listdir(out_dir))


def _rows_of(path: str) -> int:
    import tcptrace

    return len(tcptrace.segments(path))


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def busy_seconds(client, fn) -> float:
    """Seconds the workers spent computing tasks during one run of fn (from Dask's task
    stream): with the wall-clock time, how parallel the run was."""
    import distributed

    with distributed.get_task_stream(client) as ts:
        fn()
    return sum(stop - start for t in ts.data for (kind, start, stop) in
               [(s["action"], s["start"], s["stop"]) for s in t.get("startstops", ())] if kind == "compute")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packets", type=int, default=800_000)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--snaplen", type=int, default=0,
                    help="bytes kept per packet, as tcpdump -s (0: whole packets, 835 bytes on average)")
    ap.add_argument("--out", help="append a Markdown section to this file")
    a = ap.parse_args()

    import distributed

    import tcptrace
    import tcptrace.dask as td

    files = make_files(a.packets, a.files, a.snaplen)
    size_mb = sum(os.path.getsize(f) for f in files) / 1e6
    rows = []

    def serial() -> None:
        for f in files:
            tcptrace.segments(f)

    serial()  # warm-up: page cache, imports
    base = best(serial, a.repeat)
    rows.append(("tcptrace.segments, one file after another", "-", base, None, None))
    # The machine's own ceiling, without Dask: the same reads in a pool of processes.
    import multiprocessing

    for n in [int(x) for x in a.workers.split(",")]:
        with multiprocessing.get_context("spawn").Pool(n) as pool:
            pool.map(_rows_of, files)  # warm-up: imports in each process
            rows.append(("tcptrace.segments in a process pool (no Dask)", n,
                         best(lambda: pool.map(_rows_of, files, chunksize=1), a.repeat), "pool", None))
    for n in [int(x) for x in a.workers.split(",")]:
        with distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, distributed.Client(cluster) as client:
            def seg() -> None:
                ddf = td.segments(files)
                ddf.groupby("conn_key")["len"].sum().compute()

            def seg_nodiv() -> None:
                ddf = td.segments(files, divisions=False)
                ddf.groupby("conn_key")["len"].sum().compute()

            def con() -> None:
                td.connections(files).compute()

            seg()  # warm-up: each worker process imports pandas and tcptrace once
            rows.append(("dask segments + groupby(conn_key).len.sum()", n, best(seg, a.repeat), "seg",
                         busy_seconds(client, seg)))
            rows.append(("... with divisions=False (no time-stamp scan)", n, best(seg_nodiv, a.repeat), "nodiv",
                         busy_seconds(client, seg_nodiv)))
            rows.append(("dask connections (merged across files)", n, best(con, a.repeat), "con",
                         busy_seconds(client, con)))

    one = {kind: t for _name, n, t, kind, _busy in rows if n == 1 and kind}
    snap = f"snaplen {a.snaplen}" if a.snaplen else "whole packets"
    lines = [f"{a.packets:,} packets ({snap}, {size_mb:.0f} MB) from bench/gen_pcap.py, split into {a.files} files; "
             f"LocalCluster of worker processes, one thread each; best of {a.repeat}; {os.cpu_count()} cores.", "",
             "| run | workers | seconds | packets/s | speed-up vs 1 worker | task seconds in workers |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, n, t, kind, busy in rows:
        up = f"{one[kind] / t:.2f}x" if kind in one else ""
        lines.append(f"| {name} | {n} | {t:.2f} | {a.packets / t:,.0f} | {up} | "
                     f"{'' if busy is None else f'{busy:.2f}'} |")
    text = "\n".join(lines)
    print(text)
    if a.out:
        with open(a.out, "a") as f:
            f.write("\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
