#!/usr/bin/env python3
"""Compare `tcptrace fields` with the pinned tshark reference on every shared capture.

    tools/oracle_sweep.py [--fields issue2|all|info|F1,F2] [--shared ../shared] [CAPTURE...]

Writes each candidate table to /tmp/oracle-sweep-WORKTREE/ (one folder per checkout, so
sweeps run at once from different worktrees do not overwrite each other) and prints, per capture, the cell
agreement from ../shared/oracle/compare; the last line totals it. Exit 0 when every
cell of every capture agrees. A developer's tool: the shared folder is not part of
the project, so the test suite uses the golden files copied into tests/data/."""
import argparse
import json
import os
import subprocess
import sys
import warnings

ISSUE2 = ("frame.number frame.time_relative frame.len frame.cap_len ip.src ip.dst ipv6.src ipv6.dst "
          "tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.len tcp.hdr_len tcp.flags "
          "tcp.urgent_pointer tcp.window_size_value tcp.options.mss_val tcp.options.wscale.shift "
          "tcp.options.wscale.multiplier tcp.options.timestamp.tsval tcp.options.timestamp.tsecr").split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fields", default="issue2")
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
    ap.add_argument("--show", type=int, default=3)
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args()
    shared = os.path.abspath(a.shared)
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    import tcptrace
    from tcptrace import fields as fm

    info_mode = a.fields == "info"
    if a.fields == "issue2":
        names = ISSUE2
    elif a.fields == "all":
        names = [l.strip() for l in open(os.path.join(shared, "oracle", "FIELDS")) if l.strip() and not l.startswith("#")]
    elif info_mode:
        names = ["frame.number", "_ws.col.Info"]
    else:
        names = a.fields.split(",")
    caps = a.captures
    if not caps:
        for d in ("seed", "linux", "public", "malformed"):
            folder = os.path.join(shared, "captures", d)
            caps += [os.path.join(folder, f) for f in sorted(os.listdir(folder))
                     if not f.startswith("MANIFEST")]
    outdir = "/tmp/oracle-sweep-" + os.path.basename(os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
    os.makedirs(outdir, exist_ok=True)
    total = agree = 0
    bad = []
    for cap in caps:
        rel = os.path.relpath(os.path.abspath(cap), os.path.join(shared, "captures")).replace("/", "__")
        kind = "info" if info_mode else "fields"
        ref = os.path.join(shared, "oracle", "golden", f"{rel}.{kind}.tsv.gz")
        out = f"{outdir}/{rel}.{kind}.tsv"
        err = ""
        with open(out, "w") as f:
            f.write("\t".join(names) + "\n")
            try:
                with warnings.catch_warnings(record=True):
                    warnings.simplefilter("always")
                    with tcptrace.open(cap) as c:
                        for seg in c:
                            f.write("\t".join(fm.row(seg, names)) + "\n")
            except Exception as e:  # report and go on
                err = f"{type(e).__name__}: {e}"
        if not os.path.exists(ref):
            print(f"{rel}: no golden file")
            continue
        # tshark refused the whole file (an empty golden table and its complaint in
        # NAME.tshark-stderr.txt): agreement is tcptrace refusing it too, with no rows.
        import gzip
        with gzip.open(ref, "rt") as g:
            ref_empty = not g.read(1)
        if ref_empty:
            with open(out) as f:
                rows = sum(1 for _ in f) - 1
            if err and rows == 0:
                print(f"OK  {rel}: both refuse the file ({err})")
            else:
                print(f"BAD {rel}: tshark refuses the file, tcptrace gave {rows} rows {err}")
                bad.append(rel)
            continue
        cols = ",".join(n for n in names if n != "frame.number")
        r = subprocess.run([os.path.join(shared, "oracle", "compare"), ref, out, "--columns", cols, "--json"],
                           capture_output=True, text=True)
        try:
            res = json.loads(r.stdout)
        except ValueError:
            print(f"{rel}: compare failed: {r.stderr.strip()[:200]}")
            bad.append(rel)
            continue
        cells, ok = res["cells"], res["cells_agree"]
        total += cells
        agree += ok
        rows_missing = res["rows_missing"]
        status = "OK " if r.returncode == 0 else "BAD"
        if r.returncode != 0:
            bad.append(rel)
        if r.returncode != 0 or err:
            print(f"{status} {rel}: {ok}/{cells} cells, rows missing {rows_missing}, "
                  f"extra {res['rows_extra']} {err}")
            if r.returncode != 0:
                cmp = [os.path.join(shared, "oracle", "compare"), ref, out, "--columns", cols, "--show", str(a.show)]
                lines = subprocess.run(cmp, capture_output=True, text=True).stdout.splitlines()
                for line in lines[:-1]:
                    print("      ", line)
    print(f"TOTAL {agree}/{total} cells agree; {len(bad)} captures differ of {len(caps)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
