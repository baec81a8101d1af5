#!/usr/bin/env python3
"""Compare `tcptrace conns --zeek` with the conn.log baselines of Zeek's own test suite.

    .venv/bin/python tools/zeek_sweep.py /work/.mirror/zeek+zeek/repo     # a bare mirror
    .venv/bin/python tools/zeek_sweep.py /path/to/zeek                    # a checkout

Each test script under testing/btest/ says, in its `@TEST-EXEC:` lines, which trace
`zeek -r` read, with which options, and which files `btest-diff` compared; a file is
conn.log itself or a `zeek-cut` of it. This runs tcptrace.zeek on the same trace (-C,
-f and, for `zeek -b`, the likely server ports of the protocol scripts the test loads),
matches the TCP rows by their 4-tuple, and compares every column the baseline has:
ts (unless btest masked it), duration, orig_bytes, resp_bytes, conn_state,
missed_bytes, history (Zeek's X letter, from its application analyzers, taken out),
orig/resp_pkts, orig/resp_ip_bytes. uid is Zeek's random seed and is not compared;
service comes from Zeek's analyzers and is reported apart.

Tests are skipped when they change what conn.log means (timeouts or server ports
redefined, conn.log filtered or extended, other connection keys, more than one trace,
live input...); the skipped tests and their reasons are printed.
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import shlex
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import tcptrace  # noqa: E402
import tcptrace.zeek as tz  # noqa: E402

# TCP ports each base protocol script registers (so adds to likely_server_ports).
PROTOCOL_PORTS = {
    "dce-rpc": [135], "dnp3": [20000], "dns": [53], "finger": [79], "ftp": [21, 2811],
    "http": [80, 81, 631, 1080, 3128, 8000, 8080, 8888], "imap": [143],
    "irc": [6666, 6667, 6668, 6669], "krb": [88], "ldap": [389, 3268], "modbus": [502],
    "mqtt": [1883], "mysql": [1434, 3306], "postgresql": [5432], "rdp": [3389],
    "redis": [6379], "smb": [139, 445], "smtp": [25, 587], "socks": [1080], "ssh": [22],
    "ssl": [443, 465, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223], "syslog": [514],
    "xmpp": [5222, 5269],
}

# Script text that changes conn.log's TCP rows in ways a plain run does not show.
SKIP_PATTERNS = [
    (r"redef\s+tcp_", "redefines a TCP timer or limit"),
    (r"redef\s+likely_server_ports[^;]*/tcp", "redefines likely_server_ports"),
    (r"redef\s+(udp|icmp)_inactivity|set_inactivity_timeout", "changes inactivity timeouts"),
    (r"ignore_checksums", "sets ignore_checksums in a script"),
    (r"Log::(add|remove)_filter|Log::disable_stream|Conn::LOG", "filters or redirects conn.log"),
    (r"conn_key|ConnKey|vlan_fivetuple", "another connection key"),
    (r"skip_further_processing|disable_analyzer|set_contents_file|set_record_packets",
     "changes connection processing"),
    (r"event\s+connection_(partial_close|reset)\b", "handles partial close / reset events (timers)"),
    (r"Conn::Info\s*\+=|redef\s+record\s+Conn::Info", "extends Conn::Info"),
    (r"Analyzer::disable_all|ANALYZER_CONNSIZE", "turns off the ConnSize analyzer"),
    (r"NetControl::", "NetControl drops packets"),
    (r"redef\s+size_threshold|GridFTP::", "a script stops the connection's processing (GridFTP skip_data)"),
    (r"use_json|LogAscii::", "another log format"),
    (r"field_name_map|scope_sep", "renames conn.log's fields"),
    (r"Conn::register_removal_hook|connection_state_remove.*\$conn\$", "edits conn records"),
    (r"packet_filter|PacketFilter|install_pcap_filter|restrict_filters", "script packet filter"),
]


# ---- reading the suite ----

def extract_bare(git_dir: str, dest: str) -> str:
    """Testing files of a bare mirror into dest (blobs missing from the mirror skipped)."""
    base = os.path.join(dest, "testing", "btest")
    if os.path.isdir(os.path.join(base, "Baseline")):
        return base
    out = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "HEAD", "testing/btest"],
                         check=True, capture_output=True, text=True).stdout
    items = [ln.split(None, 3) for ln in out.splitlines()]
    items = [(sha, path) for mode, kind, sha, path in items if kind == "blob"]
    p = subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    for sha, path in items:
        p.stdin.write((sha + "\n").encode())
        p.stdin.flush()
        hdr = p.stdout.readline().split()
        if hdr[1] == b"missing":
            continue
        data = p.stdout.read(int(hdr[2]))
        p.stdout.read(1)
        fp = os.path.join(dest, path)
        os.makedirs(os.path.dirname(fp), exist_ok=True)
        with open(fp, "wb") as f:
            f.write(data)
    p.stdin.close()
    p.wait()
    return base


def test_scripts(base: str):
    for root, _dirs, files in os.walk(base):
        rel = os.path.relpath(root, base)
        if rel.split(os.sep)[0] in ("Baseline", "Traces", "Files", ".tmp", "scripts.d"):
            continue
        for f in files:
            if f.endswith((".zeek", ".test", ".sh", ".bro", ".spicy")):
                yield os.path.join(root, f)


def baseline_dir(base: str, script: str) -> str:
    rel = os.path.relpath(script, base)
    name = os.path.splitext(rel)[0].replace(os.sep, ".")
    return os.path.join(base, "Baseline", name)


class Run:
    def __init__(self, trace: str, checksums_off: bool, bare: bool, bpf: Optional[str],
                 scripts: List[str], skip: Optional[str]):
        self.trace, self.checksums_off, self.bare, self.bpf = trace, checksums_off, bare, bpf
        self.scripts, self.skip = scripts, skip


def parse_zeek(cmd: str, base: str) -> Optional[Run]:
    try:
        argv = shlex.split(cmd.replace("$TRACES", os.path.join(base, "Traces")).replace(
            "${TRACES}", os.path.join(base, "Traces")))
    except ValueError:
        return None
    if not argv or os.path.basename(argv[0]) != "zeek":
        return None
    traces, scripts, skip, bpf = [], [], None, None
    checks, bare = False, False
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "-r":
            traces.append(argv[i + 1])
            i += 2
            continue
        if a == "-f":
            bpf = argv[i + 1]
            i += 2
            continue
        if re.fullmatch(r"-[bCr]+", a):
            checks |= "C" in a
            bare |= "b" in a
            if "r" in a:
                traces.append(argv[i + 1])
                i += 2
                continue
        elif a == "-O":
            i += 2  # script optimisation (ZAM): the same logs
            continue
        elif a.startswith("-O"):
            pass
        elif a in ("-e",):
            scripts.append("@EXPR " + argv[i + 1])
            i += 2
            continue
        elif a.startswith("-") and a not in ("-D",):
            skip = f"zeek option {a}"
        elif a in ("|", ">", "2>&1", ">>") or a.startswith((">", "|")):
            break
        else:
            scripts.append(a)
        i += 1
    if len(traces) != 1:
        return None if not traces else Run(traces[0], checks, bare, bpf, scripts,
                                           "more than one -r trace")
    return Run(traces[0], checks, bare, bpf, scripts, skip)


CUT_RE = re.compile(r"zeek-cut\s+([^<>|]*?)\s*(?:<\s*(\S+))?\s*>\s*(\S+)")
CAT_CUT_RE = re.compile(r"cat\s+(\S+)\s*\|\s*zeek-cut\s+([^<>|]*?)\s*>\s*(\S+)")


def script_skip(text: str) -> Optional[str]:
    for pat, why in SKIP_PATTERNS:
        if re.search(pat, text):
            return why
    return None


def loaded_ports(text: str, run: Run) -> Optional[List[int]]:
    """likely_server_ports for the run: Zeek's default without -b; with -b, the ports of
    the base/protocols scripts the test @loads (None: the default)."""
    if not run.bare:
        return None
    ports = set()
    for m in re.finditer(r"@load\s+(?:base/)?protocols/([\w-]+)", text):
        ports.update(PROTOCOL_PORTS.get(m.group(1), []))
    if re.search(r"@load\s+base/init-default", text):
        return None
    return sorted(ports)


def diffed_logs(script: str, base: str):
    """(run, the conn.log-derived file btest-diff compares, zeek-cut columns or None)."""
    text = open(script, errors="replace").read()
    run = None
    derived: Dict[str, Optional[List[str]]] = {}
    out = []
    for line in text.splitlines():
        m = re.search(r"@TEST-EXEC(?:-FAIL)?:\s*(.*)", line)
        if not m:
            continue
        cmd = m.group(1).strip()
        for part in re.split(r"\s*(?:&&|;)\s*", cmd):
            z = parse_zeek(part, base)
            if z is not None:
                run = z
                derived = {"conn.log": None}
                continue
            c = CUT_RE.search(part) or None
            cc = CAT_CUT_RE.search(part)
            if cc and cc.group(1) in derived:
                derived[cc.group(3)] = cc.group(2).split()
            elif c and (c.group(2) or "") in derived:
                derived[c.group(3)] = c.group(1).split()
            mv = re.match(r"mv\s+(\S+)\s+(\S+)$", part)
            if mv and mv.group(1) in derived:
                derived[mv.group(2)] = derived[mv.group(1)]
            dc = re.match(r"btest-diff-cut\s+(.*)\s(\S+)$", part)
            if dc and run is not None and dc.group(2) in derived and derived[dc.group(2)] is None:
                out.append((run, dc.group(2), dc.group(1).split(), text))
                continue
            d = re.match(r"btest-diff\s+(\S+)", part)
            if d and run is not None and d.group(1) in derived:
                out.append((run, d.group(1), derived[d.group(1)], text))
    return out


def read_log(path: str, cut_args: Optional[List[str]]) -> Optional[Tuple[List[str], List[List[str]]]]:
    lines = [ln.rstrip("\n") for ln in open(path, errors="replace")]
    lines = [ln for ln in lines if not ln.startswith("### ")]
    fields = None
    rows = []
    for ln in lines:
        if ln.startswith("#fields"):
            fields = ln.split("\t")[1:]
        elif ln.startswith("#") or not ln.strip():
            continue
        elif ln.startswith("{"):
            return None  # JSON
        else:
            rows.append(ln.split("\t"))
    if fields is None and cut_args is not None:
        opts = [a for a in cut_args if a.startswith("-")]
        names = [a for a in cut_args if not a.startswith("-")]
        if "-d" in opts or "-u" in opts or "-D" in opts or "-U" in opts:
            return None
        if "-n" in opts:
            fields = [f for f in CONN_FIELDS if f not in names]
            if "-m" in opts or "-M" in opts:
                rows = rows[1:]
        elif "-m" in opts or "-M" in opts:
            if not rows:
                return None
            fields, rows = rows[0], rows[1:]
        else:
            fields = names
    if fields is None:
        return None
    return fields, rows


# conn.log's default columns (for zeek-cut -n, which names the ones left out).
CONN_FIELDS = ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
               "duration", "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp",
               "missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts",
               "resp_ip_bytes", "tunnel_parents", "ip_proto"]

# ---- comparing ----

COMPARED = ("ts", "duration", "orig_bytes", "resp_bytes", "conn_state", "missed_bytes",
            "history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes")
KEY = ("id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p")


def ours_cells(rec: dict) -> Dict[str, str]:
    return {n: tz._cell(n, rec.get(n)) for n in tz.NAMES}


def norm(name: str, v: str) -> str:
    if name == "history":
        v = v.replace("X", "").replace("x", "") if v != "-" else v
        return v or "-"
    return v


_SEEN: Dict[str, set] = {}


def tcp_seen(trace: str) -> set:
    """The (src, sport, dst, dport) of every TCP segment tcptrace decodes in the trace, both
    ways round: a Zeek row none of them matches comes from an encapsulation or link type
    tcptrace's decoder does not read (issue 17.3), not from the connection rules."""
    if trace not in _SEEN:
        seen = set()
        try:
            with tcptrace.open(trace) as cap:
                for sg in cap:
                    seen.add((sg.src, str(sg.sport), sg.dst, str(sg.dport)))
                    seen.add((sg.dst, str(sg.dport), sg.src, str(sg.sport)))
        except Exception:
            pass
        _SEEN[trace] = seen
    return _SEEN[trace]


def compare(fields, rows, ours, stats, diffs, label, all_tcp=False, trace=None):
    idx = {f: i for i, f in enumerate(fields)}
    have_proto = "proto" in idx
    if not all(k in idx for k in KEY) and not have_proto:
        if not all_tcp:
            return None
        # Every frame of the trace is TCP: every row is a TCP row.
        fields = list(fields) + ["proto"]
        rows = [r + ["tcp"] for r in rows]
        idx = {f: i for i, f in enumerate(fields)}
        have_proto = True
    if not all(k in idx for k in KEY):
        # No 4-tuple to match by: pair the TCP rows in the order Zeek logged them.
        fields = list(fields) + list(KEY)
        tcp_rows = [r for r in rows if len(r) >= len(idx) and r[idx["proto"]] == "tcp"]
        cells = [ours_cells(rec) for rec in ours]
        rows = [r[:len(idx)] + [c[k] for k in KEY] for r, c in zip(tcp_rows, cells)]
        rows += [r[:len(idx)] + ["?"] * 4 for r in tcp_rows[len(cells):]]
        idx = {f: i for i, f in enumerate(fields)}
    by_key = collections.defaultdict(list)
    for rec in ours:
        c = ours_cells(rec)
        by_key[tuple(c[k] for k in KEY)].append(c)
    used = collections.Counter()
    n_rows = n_ok = 0
    full = True
    for r in rows:
        if len(r) < len(fields):
            continue
        key = tuple(r[idx[k]] for k in KEY)
        if have_proto and r[idx["proto"]] != "tcp":
            continue
        cands = by_key.get(key, [])
        if not have_proto and not cands:
            rkey = (key[2], key[3], key[0], key[1])
            if not by_key.get(rkey):
                continue  # no proto column: taken as a non-TCP row
        n_rows += 1
        k = used[key]
        used[key] += 1
        if k >= len(cands):
            stats["missing"] += 1
            full = False
            seen = tcp_seen(trace) if trace else set()
            undecoded = key[0] != "?" and key not in seen
            stats["missing_undecoded"] += undecoded
            note = " (no such TCP segment decoded)" if undecoded else ""
            diffs.append(f"{label} MISSING{note} " + "\t".join(r))
            continue
        mine = cands[k]
        bad = []
        for col in COMPARED:
            if col not in idx:
                continue
            theirs = r[idx[col]]
            if col == "ts" and "X" in theirs:
                continue
            ok = norm(col, theirs) == norm(col, mine[col])
            stats["col_" + col] += 1
            stats["ok_" + col] += ok
            if not ok:
                bad.append(f"{col}={theirs}/ours {mine[col]}")
        if "service" in idx:
            stats["col_service"] += 1
            stats["ok_service"] += r[idx["service"]] == mine["service"]
        if bad:
            full = False
            diffs.append("{} {}: {}".format(label, " ".join(key), "; ".join(bad)))
        else:
            n_ok += 1
    extra = sum(max(0, len(v) - used[k]) for k, v in by_key.items())
    if have_proto and extra:
        full = False
        stats["extra"] += extra
        for k, v in by_key.items():
            for c in v[used[k]:]:
                diffs.append("{} EXTRA {}".format(label, " ".join(c[x] for x in KEY + COMPARED)))
    return n_rows, n_ok, full


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("zeek", help="a zeek/zeek checkout or bare mirror (git dir)")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "zeek-sweep"),
                    help="where a bare mirror's test files are extracted")
    ap.add_argument("-q", "--quiet", action="store_true", help="do not list the differing rows")
    a = ap.parse_args(argv)
    base = os.path.join(a.zeek, "testing", "btest")
    if not os.path.isdir(os.path.join(base, "Baseline")):
        base = extract_bare(a.zeek, a.work)
    stats = collections.Counter()
    diffs: List[str] = []
    skipped = collections.Counter()
    skipped_list = []
    n_base = n_full = n_rows = n_ok = 0
    for script in sorted(test_scripts(base)):
        for run, fname, cut, text in diffed_logs(script, base):
            bdir = baseline_dir(base, script)
            bfile = os.path.join(bdir, fname)
            label = f"{os.path.basename(bdir)}/{fname}"
            if not os.path.exists(bfile):
                continue
            why = run.skip or script_skip(text) or script_skip(" ".join(run.scripts))
            if (why is None and "max_timer_expires" in text
                    and "max_timer_expires=0" not in run.scripts):
                # Zeek expires at most max_timer_expires (300) timers per packet; the
                # test fills that with timers of its own. tcptrace expires every due
                # timer, what max_timer_expires=0 says.
                why = "limits the timers expired per packet"
            if why is None and not os.path.exists(run.trace):
                why = "trace not in the mirror"
            parsed = read_log(bfile, cut) if why is None else None
            if why is None and parsed is None:
                why = "baseline not a TSV conn.log (JSON or zeek-cut without names)"
            if why:
                skipped[why] += 1
                skipped_list.append(f"{label}: {why}")
                continue
            try:
                ours, counters = tz.zeek_conn_records(run.trace, ignore_checksums=run.checksums_off,
                                               bpf=run.bpf, server_ports=loaded_ports(text, run))
            except Exception as e:  # a trace tcptrace cannot read is a finding, not a skip
                diffs.append(f"{label} ERROR {e}")
                ours, counters = [], {}
            fields, rows = parsed
            all_tcp = (counters.get("frames", -1) ==
                       counters.get("tcp_packets", 0) + counters.get("dropped_ip", 0)
                       and not counters.get("tunneled"))
            res = compare(fields, rows, ours, stats, diffs, label, all_tcp, run.trace)
            if res is None:
                why = "neither the 4-tuple nor proto in the baseline's columns"
                skipped[why] += 1
                skipped_list.append(f"{label}: {why}")
                continue
            r, ok, full = res
            n_base += 1
            n_rows += r
            n_ok += ok
            n_full += full
    if not a.quiet:
        print("== differing rows")
        for d in diffs:
            print(d)
        print("== skipped")
        for s in skipped_list:
            print(s)
    print(f"== skipped baselines: {sum(skipped.values())}")
    for why, n in skipped.most_common():
        print(f"  {n:4d} {why}")
    print("== per column (compared cells, agreeing)")
    for col in COMPARED + ("service",):
        n = stats["col_" + col]
        if n:
            print(f"  {col:<14} {n:6d} {100.0 * stats['ok_' + col] / n:6.2f}%")
    print(f"== TCP rows: {n_rows}, fully equal {n_ok} ({100.0 * n_ok / max(1, n_rows):.2f}%); "
          f"missing {stats['missing']} (of which {stats['missing_undecoded']} with no TCP segment "
          f"tcptrace decodes: link types and tunnels of issue 17.3), extra {stats['extra']}")
    decoded = n_rows - stats["missing_undecoded"]
    print(f"== TCP rows whose packets tcptrace decodes: {decoded}, fully equal {n_ok} "
          f"({100.0 * n_ok / max(1, decoded):.2f}%)")
    print(f"== baselines: {n_base}, fully equal {n_full} ({100.0 * n_full / max(1, n_base):.2f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
