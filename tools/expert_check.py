#!/usr/bin/env python3
"""Check `tcptrace expert` on every shared capture.

    tools/expert_check.py [--shared ../shared] [--tshark] [CAPTURE...]

1. Each analysis-flag row's count must equal the number of segments carrying that flag
   in the golden fields table (../shared/oracle/golden/NAME.fields.tsv.gz; a duplicate
   ACK is a row with tcp.analysis.duplicate_ack_num).
2. With --tshark (needs tshark 4.0 on PATH): the split table (one row per SYN server
   port and per duplicate-ACK number) must equal the TCP rows of `tshark -q -z expert`
   for the items tcptrace reports.

Prints one line per capture that differs and a total; exit 0 when all agree. A
developer's tool, like oracle_sweep.py: the test suite checks tests/data's copies."""
import argparse
import csv
import gzip
import os
import re
import subprocess
import sys
import warnings


def golden_counts(path):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows:
        return {}
    head, body = rows[0], rows[1:]
    counts = {}
    for i, name in enumerate(head):
        if not name.startswith("tcp.analysis."):
            continue
        flag = name[len("tcp.analysis."):]
        if flag == "duplicate_ack_num":
            flag = "duplicate_ack"
        counts[flag] = sum(1 for r in body if i < len(r) and r[i] != "")
    return counts


_SEV = {"Errors": "error", "Warns": "warning", "Notes": "note", "Chats": "chat"}


def tshark_rows(capture):
    out = subprocess.run(["tshark", "-r", capture, "-q", "-z", "expert"], capture_output=True, text=True).stdout
    rows, sev = {}, None
    for line in out.splitlines():
        m = re.match(r"^(Errors|Warns|Notes|Chats|Comments) \(\d+\)", line)
        if m:
            sev = _SEV.get(m.group(1))
            continue
        m = re.match(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$", line)
        if m and m.group(3) == "TCP" and sev:
            rows[(sev, m.group(4))] = int(m.group(1))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
    ap.add_argument("--tshark", action="store_true")
    ap.add_argument("captures", nargs="*")
    a = ap.parse_args()
    shared = os.path.abspath(a.shared)
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    import tcptrace
    from tcptrace import expertinfo as ex

    golden_dir = os.path.join(shared, "oracle", "golden")
    caps = a.captures
    if not caps:
        caps = []
        for g in sorted(os.listdir(golden_dir)):
            if g.endswith(".fields.tsv.gz"):
                caps.append(os.path.join(shared, "captures", g[: -len(".fields.tsv.gz")].replace("__", "/")))
    texts = {it.summary for it in ex.ITEMS}
    n_bad = n_cells = n_ok = 0
    for cap in caps:
        name = os.path.relpath(cap, os.path.join(shared, "captures")).replace("/", "__")
        want = golden_counts(os.path.join(golden_dir, name + ".fields.tsv.gz"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df, _err = ex._read_partial(cap, None)
        rows = ex.expert_table(df) if df is not None else []
        got = {r["field"][len("tcp.analysis."):]: r["count"] for r in rows if r["field"].startswith("tcp.analysis.")}
        diffs = []
        for flag in tcptrace.ANALYSIS_FLAGS:
            n_cells += 1
            if want.get(flag, 0) != got.get(flag, 0):
                diffs.append(f"{flag}: golden {want.get(flag, 0)}, expert {got.get(flag, 0)}")
            else:
                n_ok += 1
        if a.tshark:
            ref = {k: v for k, v in tshark_rows(cap).items()
                   if re.sub(r"(: server port \d+| \(#\d+\))$", "", k[1]) in texts}
            mine = ({(r["severity"], r["summary"]): r["count"] for r in ex.expert_table(df, split=True)}
                    if df is not None else {})
            for k in sorted(set(ref) | set(mine)):
                n_cells += 1
                if ref.get(k, 0) != mine.get(k, 0):
                    diffs.append(f"tshark {k[0]} {k[1]!r}: tshark {ref.get(k, 0)}, expert {mine.get(k, 0)}")
                else:
                    n_ok += 1
        if diffs:
            n_bad += 1
            print(f"{name}: " + "; ".join(diffs))
    print(f"{len(caps)} captures, {n_bad} differ; {n_ok}/{n_cells} counts agree")
    return 0 if n_bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
