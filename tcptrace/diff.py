"""What changed between two captures (``tcptrace diff BASELINE CAPTURE``).

Capture-wide figures (:func:`summary`) side by side, and the connections matched
across the two captures: first by client address and port, server address and port
and order of appearance; the rest by client address, server address and port and
order (ephemeral client ports change from run to run). ``--fail-on`` expressions see
``before.NAME``, ``after.NAME``, ``delta.NAME`` (after - before) and ``ratio.NAME``
(after / before, NaN when before is 0) for every NAME of :func:`summary`.
"""
from __future__ import annotations

import json
import math
import os
import sys
from typing import IO, Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

import numpy as np

from . import check as checkmod
from . import expr as exprmod

PathLike = Union[str, "os.PathLike[str]"]

#: Zeek connection states, each counted as ``state_NAME`` in :func:`summary`.
STATES = ("S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH")

#: Sums over connections of these per-connection names (tcptrace.check.ALIASES or columns).
SUMMED = ("packets", "wire_bytes", "bytes", "unique_bytes", "retransmissions", "fast_retransmissions",
          "spurious_retransmissions", "retransmitted_bytes", "dup_acks", "zero_windows", "window_full",
          "out_of_order", "lost_segments", "keep_alives", "resets", "missed_bytes")

#: Per-connection figures shown side by side.
CONN_FIELDS = ("state", "packets", "bytes_c2s", "bytes_s2c", "retransmissions", "dup_acks", "zero_windows",
               "resets", "handshake_rtt", "rtt_max", "duration")

#: What each capture-wide name means (docs/check.md).
SUMMARY_DOC: Dict[str, str] = {
    "connections": "number of connections",
    **{n: f"sum of {n} over the connections" for n in SUMMED},
    "handshake_rtt_min": "smallest handshake RTT, seconds (NaN: no handshake seen)",
    "handshake_rtt_mean": "mean handshake RTT, seconds",
    "handshake_rtt_max": "largest handshake RTT, seconds",
    "rtt_max": "largest RTT sample of any connection, seconds",
    "rtt_mean": "mean of every RTT sample, seconds",
    "duration_max": "longest connection, seconds",
    "span": "first segment to last segment of the capture, seconds",
    **{f"state_{s}": f"connections in Zeek state {s}" for s in STATES},
}


def _nan_stat(fn: Any, a: np.ndarray) -> float:
    a = np.asarray(a, dtype=float)
    a = a[~np.isnan(a)]
    return float(fn(a)) if a.size else float("nan")


def summary(t: Mapping[str, Any]) -> Dict[str, float]:
    """Capture-wide figures from a check table (:func:`tcptrace.check.table`)."""
    n = int(t["connections"])
    out: Dict[str, float] = {"connections": n}
    for name in SUMMED:
        out[name] = int(np.sum(t[name])) if n else 0
    hs = t["handshake_rtt"]
    out["handshake_rtt_min"] = _nan_stat(np.min, hs)
    out["handshake_rtt_mean"] = _nan_stat(np.mean, hs)
    out["handshake_rtt_max"] = _nan_stat(np.max, hs)
    out["rtt_max"] = _nan_stat(np.max, t["rtt_max"])
    ns = np.asarray(t["rtt_samples_c2s"], float) + np.asarray(t["rtt_samples_s2c"], float)
    tot = float(np.sum(ns))
    rm = np.nan_to_num(np.asarray(t["rtt_mean"], float))
    out["rtt_mean"] = float(np.sum(rm * ns) / tot) if tot else float("nan")
    out["duration_max"] = _nan_stat(np.max, t["duration"])
    if n:
        out["span"] = (float(np.max(t["last_time_ns"])) - float(np.min(t["first_time_ns"]))) / 1e9
    else:
        out["span"] = 0.0
    states = list(t["state"])
    for s in STATES:
        out[f"state_{s}"] = states.count(s)
    return out


def _delta(a: Any, b: Any) -> float:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
        return float("nan")
    return b - a  # type: ignore[no-any-return]


def _ratio(a: Any, b: Any) -> float:
    d = _delta(a, b)
    if isinstance(d, float) and math.isnan(d) or not a:
        return float("nan")
    return float(b) / float(a)


def fail_table(before: Mapping[str, Any], after: Mapping[str, Any]) -> Dict[str, Any]:
    """The names --fail-on expressions see: before.X, after.X, delta.X, ratio.X."""
    t: Dict[str, Any] = {}
    for k in before:
        t[f"before.{k}"] = before[k]
        t[f"after.{k}"] = after[k]
        t[f"delta.{k}"] = _delta(before[k], after[k])
        t[f"ratio.{k}"] = _ratio(before[k], after[k])
    return t


def _rows(t: Mapping[str, Any]) -> List[Dict[str, Any]]:
    n = int(t["connections"])
    order: Any = np.argsort(np.asarray(t["first_frame"]), kind="stable") if n else []
    rows = []
    for i in order:
        row = {k: checkmod._item(t[k][i]) for k in ("stream", "client", "client_port", "server", "server_port")}
        for k in CONN_FIELDS:
            row[k] = checkmod._item(t[k][i])
        rows.append(row)
    return rows


def match(before: List[Dict[str, Any]], after: List[Dict[str, Any]]
          ) -> List[Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]]:
    """Pairs (before row or None, after row or None), in the after capture's order
    (unmatched baseline connections last)."""
    pairs: Dict[int, Optional[int]] = {}
    used: Set[int] = set()
    for keyf in (lambda r: (r["client"], r["client_port"], r["server"], r["server_port"]),
                 lambda r: (r["client"], r["server"], r["server_port"])):
        queues: Dict[Any, List[int]] = {}
        for i, r in enumerate(before):
            if i not in used:
                queues.setdefault(keyf(r), []).append(i)
        for j, r in enumerate(after):
            if j in pairs:
                continue
            q = queues.get(keyf(r))
            if q:
                k = q.pop(0)
                pairs[j] = k
                used.add(k)
    out: List[Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]] = []
    for j, r in enumerate(after):
        m = pairs.get(j)
        out.append((before[m] if m is not None else None, r))
    out += [(r, None) for i, r in enumerate(before) if i not in used]
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else f"{v:.6g}"
    return str(v)


def _change(a: Any, b: Any) -> str:
    if _same(a, b):
        return ""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        d = _delta(a, b)
        if isinstance(d, float) and math.isnan(d):
            return "changed"
        txt = f"{d:+.6g}" if isinstance(d, float) else f"{d:+d}"
        if a:
            txt += f" ({(b - a) / abs(a) * 100:+.0f}%)"
        return txt
    return "changed"


class Diff:
    """The comparison of two captures: ``before`` / ``after`` summaries and the matched
    connection ``pairs``."""

    def __init__(self, baseline: PathLike, capture: PathLike, filter: Optional[str] = None):
        from .connections import connections

        self.baseline = os.fspath(baseline)
        self.capture = os.fspath(capture)
        tb = checkmod.table(connections(baseline, filter=filter))
        ta = checkmod.table(connections(capture, filter=filter))
        self.before = summary(tb)
        self.after = summary(ta)
        self.pairs = match(_rows(tb), _rows(ta))

    def names(self) -> Dict[str, Any]:
        """The --fail-on table."""
        return fail_table(self.before, self.after)

    def write_text(self, out: IO[str], all_fields: bool = False) -> None:
        """Capture-wide figures, then each connection with what changed."""
        out.write(f"{'':<26} {'baseline':>14} {'capture':>14}  change\n")
        for k in self.before:
            a, b = self.before[k], self.after[k]
            if k.startswith("state_") and not a and not b:
                continue
            out.write(f"{k:<26} {_fmt(a):>14} {_fmt(b):>14}  {_change(a, b)}\n")
        out.write("\n")
        for pa, pb in self.pairs:
            self._write_pair(out, pa, pb, all_fields)

    def _write_pair(self, out: IO[str], a: Optional[Dict[str, Any]], b: Optional[Dict[str, Any]],
                    all_fields: bool) -> None:
        if a is None and b is not None:
            out.write(f"+ stream {b['stream']} {_ends(b)}  only in the capture: "
                      f"{' '.join(f'{k}={_fmt(b[k])}' for k in CONN_FIELDS)}\n")
            return
        if b is None and a is not None:
            out.write(f"- stream {a['stream']} {_ends(a)}  only in the baseline: "
                      f"{' '.join(f'{k}={_fmt(a[k])}' for k in CONN_FIELDS)}\n")
            return
        assert a is not None and b is not None
        changed = [k for k in CONN_FIELDS if not _same(a[k], b[k])]
        mark = "~" if changed else "="
        out.write(f"{mark} stream {a['stream']} -> {b['stream']} {_ends(b)}"
                  f"{'' if changed else '  unchanged'}\n")
        for k in (CONN_FIELDS if all_fields else changed):
            out.write(f"    {k:<18} {_fmt(a[k]):>14} {_fmt(b[k]):>14}  {_change(a[k], b[k])}\n")

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready."""
        j = checkmod._jsonable
        return {
            "baseline": self.baseline, "capture": self.capture,
            "summary": {k: {"before": j(self.before[k]), "after": j(self.after[k]),
                            "delta": j(_delta(self.before[k], self.after[k]))} for k in self.before},
            "connections": [{"before": None if a is None else {k: j(v) for k, v in a.items()},
                             "after": None if b is None else {k: j(v) for k, v in b.items()}}
                            for a, b in self.pairs],
        }


def _ends(r: Mapping[str, Any]) -> str:
    return f"{checkmod.endpoint(r['client'], r['client_port'])} -> {checkmod.endpoint(r['server'], r['server_port'])}"


def main(argv: Sequence[str]) -> int:
    """``tcptrace diff``: exit 1 when a --fail-on expression holds, 2 when a capture or
    an expression cannot be read."""
    import argparse

    from . import CaptureError

    ap = argparse.ArgumentParser(
        prog="tcptrace diff", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Compare a capture with a baseline: capture-wide figures and matched connections "
                    "side by side. Exit 1 when a --fail-on expression holds.",
        epilog="--fail-on names: before.NAME after.NAME delta.NAME ratio.NAME for NAME in\n" +
               "\n".join(f"  {k:<22} {v}" for k, v in SUMMARY_DOC.items()))
    ap.add_argument("baseline")
    ap.add_argument("capture")
    ap.add_argument("--fail-on", action="append", default=[], metavar="EXPR",
                    help="exit 1 when EXPR holds, e.g. 'delta.retransmissions > 0' (repeatable)")
    ap.add_argument("-f", "--filter", help="BPF filter for both captures")
    ap.add_argument("-a", "--all", action="store_true", help="every figure of every matched connection")
    ap.add_argument("--json", action="store_true", help="print the comparison as JSON")
    a = ap.parse_args(argv)
    try:
        exprs = [exprmod.parse(x) for x in a.fail_on]
        d = Diff(a.baseline, a.capture, filter=a.filter)
        names = d.names()
        verdicts = [(e, exprmod.holds(e.evaluate(names))) for e in exprs]
    except (exprmod.ExprError, CaptureError, ValueError, OSError) as e:
        msg = str(e) if not isinstance(e, FileNotFoundError) else f"{e.strerror or e}"
        sys.stderr.write(f"tcptrace diff: {msg}\n")
        return 2
    out = sys.stdout
    if a.json:
        doc = d.to_dict()
        doc["fail_on"] = [{"expr": fe.text, "failed": bool(v)} for fe, v in verdicts]
        out.write(json.dumps(doc, indent=1) + "\n")
    else:
        d.write_text(out, all_fields=a.all)
        for fe, v in verdicts:
            vals = ", ".join(f"{n}={_fmt(names[n])}" for n in fe.names)
            out.write(f"{'FAIL' if v else 'ok'} fail-on {fe.text} ({vals})\n")
    return 1 if any(v for _, v in verdicts) else 0
