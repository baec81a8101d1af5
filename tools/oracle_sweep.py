#!/usr/bin/env python3
"""Compare `tcptrace fields` with the pinned tshark reference on every shared capture.

    tools/oracle_sweep.py [--fields issue2|all|info|F1,F2] [--shared ../shared]
                          [--codec gzip|zstd|xz|lz4] [CAPTURE...]

Writes each candidate table to /tmp/oracle-sweep-WORKTREE/ (one folder per checkout, so
sweeps run at once from different worktrees do not overwrite each other) and prints, per capture, the cell
agreement from ../shared/oracle/compare; the last line totals it. Exit 0 when every
cell of every capture agrees. A developer's tool: the shared folder is not part of
the project, so the test suite uses the golden files copied into tests/data/.

--codec compresses every capture first (into /tmp, with Python's gzip/lzma or the zstd
and lz4 tools) and reads the compressed copy: its table must equal the uncompressed
file's exactly (rows and how the read ended), and is compared with tshark's as usual."""
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
    ap.add_argument("--codec", choices=("gzip", "zstd", "xz", "lz4"))
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
        names = [ln.strip() for ln in open(os.path.join(shared, "oracle", "FIELDS"))
                 if ln.strip() and not ln.startswith("#")]
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
    if a.codec:
        outdir += "-" + a.codec
        zdir = outdir + "-input"
        os.makedirs(zdir, exist_ok=True)
    os.makedirs(outdir, exist_ok=True)
    total = agree = 0
    bad = []
    codec_bad = []
    for cap in caps:
        rel = os.path.relpath(os.path.abspath(cap), os.path.join(shared, "captures")).replace("/", "__")
        kind = "info" if info_mode else "fields"
        ref = os.path.join(shared, "oracle", "golden", f"{rel}.{kind}.tsv.gz")
        out = f"{outdir}/{rel}.{kind}.tsv"
        rows, err = table(tcptrace, fm, cap, names)
        if a.codec:
            zpath = os.path.join(zdir, rel)
            with open(cap, "rb") as f:
                data = f.read()
            with open(zpath, "wb") as f:
                f.write(compress(a.codec, data))
            zrows, zerr = table(tcptrace, fm, zpath, names)
            if (zrows, zerr.replace(zpath, cap)) != (rows, err):
                codec_bad.append(rel)
                print(f"CODEC {rel}: the {a.codec} copy differs from the file: {len(zrows)} rows "
                      f"vs {len(rows)}; {zerr!r} vs {err!r}")
            rows, err = zrows, zerr
        with open(out, "w") as f:
            f.write("\t".join(names) + "\n")
            for row in rows:
                f.write(row + "\n")
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
    if a.codec:
        print(f"CODEC {a.codec}: {len(caps) - len(codec_bad)}/{len(caps)} compressed captures read "
              f"exactly as the uncompressed files")
    print(f"TOTAL {agree}/{total} cells agree; {len(bad)} captures differ of {len(caps)}")
    return 1 if bad or codec_bad else 0


def table(tcptrace, fm, path, names):
    """The fields rows of a capture and how the read ended ('' or 'Type: message')."""
    rows, err = [], ""
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            with tcptrace.open(path) as c:
                for seg in c:
                    rows.append("\t".join(fm.row(seg, names)))
    except Exception as e:  # report and go on
        err = f"{type(e).__name__}: {e}"
    return rows, err


def compress(codec, data):
    if codec == "gzip":
        import gzip
        return gzip.compress(data, mtime=0)
    if codec == "xz":
        import lzma
        return lzma.compress(data)
    tool = {"zstd": ["zstd", "-q", "-c"], "lz4": ["lz4", "-q", "-c"]}[codec]
    return subprocess.run(tool, input=data, capture_output=True, check=True).stdout


if __name__ == "__main__":
    sys.exit(main())
