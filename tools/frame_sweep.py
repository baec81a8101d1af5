#!/usr/bin/env python3
"""Compare `tcptrace.segments(columns="all")` with the Segment iteration and with the
`tcptrace fields` text on every shared capture (or the ones named).

    tools/frame_sweep.py [--shared ../shared] [--show N] [CAPTURE...]

Prints one line per capture and comparison, the first differences of each, and the
totals: cells compared and cells differing. The comparison itself is
tests/frame_compare.py (with the column -> field table of tests/frames_fields_map.py),
the same code tests/test_frames.py and tests/test_frames_fields.py run. Exit 0 when
every difference is one listed in frame_compare.KNOWN_DIFFERENCES.
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import frame_compare as fc  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=fc.SHARED, help="the shared folder (default: %(default)s)")
    ap.add_argument("--show", type=int, default=3, help="differences shown per comparison")
    ap.add_argument("captures", nargs="*", type=Path)
    a = ap.parse_args()
    caps = a.captures or fc.shared_captures(a.shared)
    if not caps:
        print(f"no captures under {a.shared}/captures", file=sys.stderr)
        return 2
    start = time.monotonic()
    cells = {"segments": 0, "fields": 0}
    differing = {"segments": 0, "fields": 0}
    known = unexplained = 0
    for cap in caps:
        name = _name(cap, a.shared)
        for c in (fc.compare_with_segments(cap), fc.compare_with_fields(cap)):
            cells[c.against] += c.cells
            differing[c.against] += len(c.differences)
            expected = fc.known_columns(cap, c.against, a.shared)
            columns = {d.column for d in c.differences}
            if not columns and not expected:
                status = "OK   "
            elif columns == expected:
                status, known = "KNOWN", known + 1
            else:
                status, unexplained = "DIFF ", unexplained + 1
            ended = f"; read ended: {c.error}" if c.error else ""
            print(f"{status} {name} vs {c.against}: {c.rows} rows, {c.cells} cells, "
                  f"{len(c.differences)} differ{ended}")
            for d in c.differences[:a.show]:
                via = f" <- {d.field}" if d.field else ""
                print(f"        frame {d.frame} {d.column}{via}: DataFrame {d.dataframe!r}, {c.against} {d.other!r}")
            if expected and columns != expected:
                print(f"        expected differences in {sorted(expected)}, got {sorted(columns)}")
    total = sum(cells.values())
    print(f"TOTAL {len(caps)} captures in {time.monotonic() - start:.1f} s: {total} cells compared "
          f"({cells['segments']} with Segments, {cells['fields']} with fields), "
          f"{sum(differing.values())} differ ({differing['segments']} with Segments, "
          f"{differing['fields']} with fields); {known} comparisons differ as known, {unexplained} unexplained")
    return 1 if unexplained else 0


def _name(cap: Path, shared: Path) -> str:
    try:
        return cap.resolve().relative_to((shared / "captures").resolve()).as_posix()
    except ValueError:
        return str(cap)


if __name__ == "__main__":
    sys.exit(main())
