#!/usr/bin/env python3
"""Compare `tcptrace fields` with tshark 4.0.17, field by field, over folders of captures.

    tools/field_sweep.py [--fields analyst|F1,F2,...] [--show N] [--jobs N] [-Y FILTER]
                         PATH...   (captures or folders, searched recursively)

For each capture it runs

    tshark -r CAP -Y "tcp && !icmp && !icmpv6 [&& (FILTER)]" -T fields -E occurrence=a
           -E aggregator=, -e frame.number -e F1 ...
    tcptrace fields [-Y FILTER] -e frame.number -e F1 ... CAP

(tshark's tables are cached in /tmp/field-sweep-cache, keyed by the command and the
file's size and time) and prints, per field, the cells that agree out of all cells and
the captures where every cell of the field agrees; then the differing captures, with a
few cells each. Rows are matched by frame number: a missing or extra row counts against
every field. Exit 0 when every cell agrees. A developer's tool (it needs tshark); the
test suite compares the golden tables in tests/data/golden instead.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = "/tmp/field-sweep-cache"

# Issue 18's field set: what a TCP analyst reads (docs/fields.md).
ANALYST = (
    "frame.time_delta frame.time_delta_displayed frame.time_epoch eth.src eth.dst vlan.id "
    "ip.version ip.hdr_len ip.len ip.id ip.flags.df ip.ttl ip.proto ip.dsfield ip.dsfield.dscp "
    "ip.dsfield.ecn ip.checksum ipv6.plen ipv6.hlim ipv6.flow ipv6.nxt tcp.port tcp.flags.res tcp.flags.ae "
    "tcp.flags.cwr tcp.flags.ece tcp.flags.urg tcp.flags.ack tcp.flags.push tcp.flags.reset "
    "tcp.flags.syn tcp.flags.fin tcp.flags.str tcp.checksum tcp.payload tcp.segment_data "
    "tcp.options tcp.option_kind tcp.option_len tcp.options.sack_perm tcp.options.sack.count "
    "tcp.analysis.flags tcp.reassembled_in"
).split()

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".trace", ".pcap.gz", ".pcapng.gz", ".dmp")


def find_captures(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                for f in sorted(files):
                    if f.endswith(CAPTURE_SUFFIXES):
                        out.append(os.path.join(root, f))
        else:
            out.append(p)
    return sorted(out)


def tshark_table(cap, names, dfilter):
    flt = "tcp && !icmp && !icmpv6" + (f" && ({dfilter})" if dfilter else "")
    cmd = ["tshark", "-r", cap, "-Y", flt, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for n in ["frame.number", *names]:
        cmd += ["-e", n]
    st = os.stat(cap)
    key = hashlib.sha1(repr((cmd, st.st_size, st.st_mtime_ns)).encode()).hexdigest()
    path = os.path.join(CACHE, key + ".tsv")
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            return f.read()
    r = subprocess.run(cmd, capture_output=True)
    text = r.stdout.decode("utf-8", "replace")
    os.makedirs(CACHE, exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    return text


def tcptrace_table(cap, names, dfilter):
    exe = os.path.join(HERE, "..", ".venv", "bin", "tcptrace")
    cmd = [exe, "fields", *(["-Y", dfilter] if dfilter else [])]
    for n in ["frame.number", *names]:
        cmd += ["-e", n]
    r = subprocess.run(cmd + [cap], capture_output=True)
    return r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace").strip()


def rows_by_frame(text):
    out = {}
    for line in text.split("\n"):
        if line:
            cells = line.split("\t")
            out[cells[0]] = cells[1:]
    return out


def compare(cap, names, dfilter):
    """(per-field agreeing cells, cells per field, examples of differences, error)."""
    ref = rows_by_frame(tshark_table(cap, names, dfilter))
    text, err = tcptrace_table(cap, names, dfilter)
    ours = rows_by_frame(text)
    agree = [0] * len(names)
    total = 0
    examples = []
    for frame in list(ref) + [f for f in ours if f not in ref]:
        total += 1
        want, have = ref.get(frame), ours.get(frame)
        if want is None or have is None:
            if len(examples) < 50:
                examples.append((frame, "(row)", "absent" if want is None else "present",
                                 "absent" if have is None else "present"))
            continue
        for j, n in enumerate(names):
            w = want[j] if j < len(want) else ""
            h = have[j] if j < len(have) else ""
            if w == h:
                agree[j] += 1
            elif len(examples) < 50:
                examples.append((frame, n, w, h))
    return agree, total, examples, err


def write_golden(caps, names, outdir):
    """tshark's table of each capture, with a header row, as OUTDIR/NAME.analyst.tsv.gz."""
    import gzip

    for cap in caps:
        text = tshark_table(cap, names, None)
        path = os.path.join(outdir, os.path.basename(cap) + ".analyst.tsv.gz")
        with open(path, "wb") as f:  # mtime 0: the same bytes for the same table
            with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
                g.write(("\t".join(["frame.number", *names]) + "\n" + text).encode("utf-8"))
        print(path)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fields", default="analyst", help="analyst (issue 18's set) or F1,F2,...")
    ap.add_argument("--show", type=int, default=3, help="differing cells shown per capture")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("-Y", dest="dfilter", help="a display filter for both (tshark's is ANDed with tcp)")
    ap.add_argument("--golden", metavar="DIR",
                    help="instead: write tshark's tables as DIR/NAME.analyst.tsv.gz (header row), "
                         "the golden files of tests/test_golden_analyst.py")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    names = ANALYST if a.fields == "analyst" else a.fields.split(",")
    caps = find_captures(a.paths)
    if a.golden:
        return write_golden(caps, names, a.golden)
    with ThreadPoolExecutor(max_workers=a.jobs) as pool:
        results = list(pool.map(lambda c: compare(c, names, a.dfilter), caps))
    field_agree = [0] * len(names)
    field_caps = [0] * len(names)
    cells = 0
    bad = []
    for cap, (agree, total, examples, err) in zip(caps, results):
        cells += total
        for j in range(len(names)):
            field_agree[j] += agree[j]
            field_caps[j] += agree[j] == total
        if examples:
            bad.append((cap, examples, err))
    width = max(len(n) for n in names)
    print(f"{'field':{width}}  cells agree / total   captures fully equal / {len(caps)}")
    for j, n in enumerate(names):
        print(f"{n:{width}}  {field_agree[j]:>9} / {cells:<9}  {field_caps[j]:>4}")
    for cap, examples, err in bad:
        print(f"DIFF {cap}" + (f"  ({err.splitlines()[-1]})" if err else ""))
        for frame, n, w, h in examples[:a.show]:
            print(f"    frame {frame} {n}: tshark {w[:80]!r} tcptrace {h[:80]!r}")
    full = sum(field_agree) == cells * len(names)
    print(f"TOTAL {sum(field_agree)}/{cells * len(names)} cells agree; "
          f"{len(caps) - len(bad)}/{len(caps)} captures fully equal")
    return 0 if full else 1


if __name__ == "__main__":
    sys.exit(main())
