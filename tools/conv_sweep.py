#!/usr/bin/env python3
"""Check per-connection packet and byte counts against tshark's conversation table.

For every capture under ../shared/captures (or the paths given), compare each
connection's frames and bytes each way with the golden `tshark -q -z conv,tcp`
output (`../shared/oracle/golden/NAME.conv.txt`): the same conversations (address A,
port A, address B, port B), the same frame counts, and the byte counts as tshark
prints them (SI-prefixed, truncated: "6887 bytes", "209 kB"), plus the duration to
tshark's four decimals.

    .venv/bin/python tools/conv_sweep.py            # all shared captures
    .venv/bin/python tools/conv_sweep.py -v A.pcap  # details for some
Exit status 0 when every capture agrees.
"""
from __future__ import annotations

import argparse
import collections
import sys
import warnings
from pathlib import Path
from typing import List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CAPTURES = SHARED / "captures"
GOLDEN = SHARED / "oracle" / "golden"

LINGER = None  # seconds a closed connection is kept (None: the default; -1: never freed)
Row = Tuple[str, str, int, str, int, str]  # A, B, frames B->A, bytes B->A, frames A->B, bytes A->B


def _key(row: Row):
    """A row without tshark's choice of A (the sender of the first segment its tap
    saw): the two (endpoint, frames sent, bytes sent) pairs."""
    a, b, fba, bba, fab, bab = row
    return frozenset([(a, fab, bab), (b, fba, bba)])


def format_size(n: int) -> str:
    """tshark 4.0's format_size for the conversation table (SI prefixes, integer
    division, a prefix only when the value in that unit is above 10)."""
    for power, prefix in ((1000 ** 5, "P"), (1000 ** 4, "T"), (1000 ** 3, "G"), (1000 ** 2, "M"), (1000, "k")):
        if n // power >= 10:
            return f"{n // power} {prefix}B"
    return f"{n} bytes"


def parse_conv(text: str) -> List[Tuple[Row, str]]:
    """The rows of a `-z conv,tcp` table: (row, duration text)."""
    rows = []
    for line in text.splitlines():
        if " <-> " not in line:
            continue
        a, rest = line.split(" <-> ", 1)
        tok = rest.split()
        b = tok[0]
        # frames, value, unit (x3), start, duration
        rows.append(((a.strip(), b, int(tok[1]), f"{tok[2]} {tok[3]}", int(tok[4]), f"{tok[5]} {tok[6]}"), tok[-1]))
    return rows


def _ep(addr: str, port: int) -> str:
    return f"{addr}:{port}"


def our_rows(path: Path) -> List[Tuple[Row, str]]:
    """The same table from tcptrace's connection records."""
    import tcptrace

    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with tcptrace.Capture(path, linger=LINGER) as cap:
                for c in cap.connections():
                    if c.packets == 0:
                        continue
                    # tshark's A is the sender of the conversation's first segment.
                    a_is_client = c.client_reason != "synack"
                    ca, sa = _ep(c.client, c.client_port), _ep(c.server, c.server_port)
                    if a_is_client:
                        row = (ca, sa, c.packets_s2c, format_size(c.wire_bytes_s2c),
                               c.packets_c2s, format_size(c.wire_bytes_c2s))
                    else:
                        row = (sa, ca, c.packets_c2s, format_size(c.wire_bytes_c2s),
                               c.packets_s2c, format_size(c.wire_bytes_s2c))
                    rows.append((row, f"{c.duration:.4f}"))
        except tcptrace.CaptureError:
            pass
    return rows


def golden_of(path: Path) -> Optional[Path]:
    try:
        rel = path.resolve().relative_to(CAPTURES.resolve())
    except ValueError:
        return None
    g = GOLDEN / (str(rel).replace("/", "__") + ".conv.txt")
    return g if g.exists() else None


def compare(path: Path, golden: Path) -> Tuple[List[Row], List[Row], int]:
    """(rows only tshark has, rows only we have, duration mismatches among matched)."""
    want = parse_conv(golden.read_text())
    got = our_rows(path)
    rw = {_key(r): r for r, _ in want}
    rg = {_key(r): r for r, _ in got}
    cw = collections.Counter(_key(r) for r, _ in want)
    cg = collections.Counter(_key(r) for r, _ in got)
    missing = [rw[k] for k in (cw - cg).elements()]
    extra = [rg[k] for k in (cg - cw).elements()]
    durs_w = collections.Counter((_key(r), d) for r, d in want)
    durs_g = collections.Counter((_key(r), d) for r, d in got)
    dur_bad = sum(((durs_w - durs_g)).values()) - len(missing)
    return missing, extra, max(dur_bad, 0)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("captures", nargs="*", type=Path)
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    caps = a.captures or sorted(p for p in CAPTURES.rglob("*")
                                if p.is_file() and p.name not in ("MANIFEST", "README.md")
                                and not p.name.endswith((".md", ".txt", ".tsv", ".json")))
    n_ok = n_bad = n_nogold = conns = 0
    dur_total = 0
    for p in caps:
        g = golden_of(p)
        if g is None:
            n_nogold += 1
            if a.verbose:
                print(f"-- {p}: no golden conv table")
            continue
        missing, extra, dur_bad = compare(p, g)
        conns += len(parse_conv(g.read_text()))
        dur_total += dur_bad
        if missing or extra:
            n_bad += 1
            print(f"DIFF {p.relative_to(CAPTURES) if p.is_relative_to(CAPTURES) else p}: "
                  f"{len(missing)} tshark-only, {len(extra)} ours-only")
            if a.verbose:
                for r in missing:
                    print("   tshark:", r)
                for r in extra:
                    print("   ours:  ", r)
        else:
            n_ok += 1
            if a.verbose:
                print(f"ok   {p}")
    print(f"{n_ok} captures agree, {n_bad} differ, {n_nogold} without a golden table; "
          f"{conns} tshark conversations; {dur_total} duration mismatches among matched rows")
    return 0 if n_bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
