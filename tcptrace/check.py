"""Regression checks on captures: rules over the per-connection table (``tcptrace check``).

    from tcptrace import check
    results = check.run("dump.pcap", [check.Rule("no retransmissions", "retransmissions == 0")])
    all(r.passed for r in results)

A rule is a safe expression (:mod:`tcptrace.expr`) over the columns of
:func:`tcptrace.connections` plus the friendly names of :data:`ALIASES` (per connection,
both directions added up) and :data:`SCALARS` (capture-wide). A per-row expression
(``retransmissions == 0``) passes when it holds for every selected connection; an
aggregate (``sum(retransmissions) < 3``) passes when it is true. ``docs/check.md`` lists
every name.
"""
from __future__ import annotations

import ast
import json
import os
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union
from xml.etree import ElementTree as ET

import numpy as np

from . import expr as exprmod
from ._extras import needs_extras

PathLike = Union[str, "os.PathLike[str]"]

#: Connections shown for a failing per-row rule.
MAX_FAILING_SHOWN = 5


class RulesError(ValueError):
    """A rules file that cannot be read or a rule that cannot be evaluated (exit 2)."""


def _both(name: str) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    def go(t: Mapping[str, np.ndarray]) -> np.ndarray:
        out: np.ndarray = np.asarray(t[f"{name}_c2s"]) + np.asarray(t[f"{name}_s2c"])
        return out
    return go


def _col(name: str) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    return lambda t: np.asarray(t[name])


def _nanfn(fn: Callable[..., np.ndarray], *names: str) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    """fn (np.fmax, np.fmin) over NAME_c2s and NAME_s2c of every name: NaN only where
    all are (a direction without samples does not count)."""
    def go(t: Mapping[str, np.ndarray]) -> np.ndarray:
        cols = [np.asarray(t[f"{n}_{d}"], dtype=float) for n in names for d in ("c2s", "s2c")]
        out = cols[0]
        for c in cols[1:]:
            out = fn(out, c)
        return np.asarray(out, dtype=float)
    return go


def _rtt_mean(t: Mapping[str, np.ndarray]) -> np.ndarray:
    n1 = np.asarray(t["rtt_samples_c2s"], dtype=float)
    n2 = np.asarray(t["rtt_samples_s2c"], dtype=float)
    m1 = np.nan_to_num(np.asarray(t["rtt_mean_c2s"], dtype=float))
    m2 = np.nan_to_num(np.asarray(t["rtt_mean_s2c"], dtype=float))
    n = n1 + n2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (m1 * n1 + m2 * n2) / np.where(n > 0, n, 1), np.nan)


#: Friendly per-connection names: name -> (meaning, how it is computed from the columns).
ALIASES: Dict[str, Tuple[str, Callable[[Mapping[str, np.ndarray]], np.ndarray]]] = {
    "retransmissions": ("retransmissions_c2s + retransmissions_s2c", _both("retransmissions")),
    "fast_retransmissions": ("fast_retransmissions_c2s + _s2c", _both("fast_retransmissions")),
    "spurious_retransmissions": ("spurious_retransmissions_c2s + _s2c", _both("spurious_retransmissions")),
    "retransmitted_bytes": ("retransmitted_bytes_c2s + _s2c", _both("retransmitted_bytes")),
    "dup_acks": ("dup_acks_c2s + dup_acks_s2c", _both("dup_acks")),
    "triple_dup_acks": ("triple_dup_acks_c2s + _s2c", _both("triple_dup_acks")),
    "zero_windows": ("zero_windows_c2s + zero_windows_s2c", _both("zero_windows")),
    "zero_window": ("same as zero_windows", _both("zero_windows")),
    "zero_window_probes": ("zero_window_probes_c2s + _s2c", _both("zero_window_probes")),
    "window_full": ("window_full_c2s + window_full_s2c", _both("window_full")),
    "out_of_order": ("out_of_order_c2s + out_of_order_s2c", _both("out_of_order")),
    "lost_segments": ("lost_segments_c2s + lost_segments_s2c", _both("lost_segments")),
    "acked_unseen": ("acked_unseen_c2s + acked_unseen_s2c", _both("acked_unseen")),
    "keep_alives": ("keep_alives_c2s + keep_alives_s2c", _both("keep_alives")),
    "resets": ("rst_packets_c2s + rst_packets_s2c", _both("rst_packets")),
    "syns": ("syn_packets_c2s + syn_packets_s2c", _both("syn_packets")),
    "fins": ("fin_packets_c2s + fin_packets_s2c", _both("fin_packets")),
    "data_packets": ("data_packets_c2s + data_packets_s2c", _both("data_packets")),
    "bytes": ("payload_bytes_c2s + payload_bytes_s2c (payload, retransmissions included)",
              _both("payload_bytes")),
    "bytes_c2s": ("payload_bytes_c2s", _col("payload_bytes_c2s")),
    "bytes_s2c": ("payload_bytes_s2c", _col("payload_bytes_s2c")),
    "unique_bytes": ("unique_bytes_c2s + unique_bytes_s2c", _both("unique_bytes")),
    "missed_bytes": ("missed_bytes_c2s + missed_bytes_s2c", _both("missed_bytes")),
    "truncated_packets": ("truncated_packets_c2s + _s2c", _both("truncated_packets")),
    "state": ("conn_state (Zeek: SF, S0, REJ, RSTO, ...)", _col("conn_state")),
    "src": ("client (address)", _col("client")),
    "dst": ("server (address)", _col("server")),
    "sport": ("client_port", _col("client_port")),
    "dport": ("server_port", _col("server_port")),
    "rtt_max": ("largest RTT sample either way, from ACKs or timestamp echoes (as the RTT plot shows them), "
                "seconds (NaN without samples)", _nanfn(np.fmax, "rtt_max", "ts_rtt_max")),
    "rtt_min": ("smallest RTT sample either way, from ACKs or timestamp echoes, seconds",
                _nanfn(np.fmin, "rtt_min", "ts_rtt_min")),
    "rtt_mean": ("mean of the RTT samples of both ways, seconds", _rtt_mean),
}

def _main_dir(name: str) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    """The ``diagnose`` figure of the direction that carried more bytes (s2c on ties)."""
    def go(t: Mapping[str, np.ndarray]) -> np.ndarray:
        if f"{name}_s2c" not in t:  # a plain connections() table: run() adds them when named
            return np.full(len(t["stream"]), np.nan)
        c2s = np.nan_to_num(np.asarray(t["unique_bytes_c2s"], dtype=float))
        s2c = np.nan_to_num(np.asarray(t["unique_bytes_s2c"], dtype=float))
        return np.where(c2s > s2c, t[f"{name}_c2s"], t[f"{name}_s2c"])
    return go


#: Names of ``tcptrace.diagnose`` (docs/diagnose.md), for the direction that carried more
#: data; a rule that uses one (or a ``*_c2s``/``*_s2c`` column of it) makes check run it.
DIAGNOSE_ALIASES: Dict[str, Tuple[str, Callable[[Mapping[str, np.ndarray]], np.ndarray]]] = {
    name: (f"{name}_c2s or _s2c of tcptrace.diagnose, for the direction that carried more data",
           _main_dir(name))
    for name in ("rwnd_limited_frac", "app_limited_frac", "network_limited_frac", "busy_time",
                 "rwnd_limited_time", "zero_window_time", "idle_time", "transfer_time", "limited_by",
                 "limited_by_margin", "recovery_episodes", "rto_episodes", "tlp_episodes", "fast_episodes",
                 "spurious_episodes", "rtt_inflation_max", "rtt_inflation_p95", "cwnd_est_bytes", "goodput_bps")
}
ALIASES.update(DIAGNOSE_ALIASES)


def _uses_diagnose(rules: Sequence[Rule]) -> bool:
    from .diagnose import DIRECTION_COLUMNS

    names = set(DIAGNOSE_ALIASES) | {f"{c}_{d}" for c in DIRECTION_COLUMNS for d in ("c2s", "s2c")}
    text = " ".join(f"{r.expect} {r.select or ''}" for r in rules)
    return any(n in text for n in names)


#: Capture-wide names: name -> meaning (values from :func:`summary`).
SCALARS: Dict[str, str] = {
    "connections": "number of connections (after select/filter)",
}


def _as_numpy(series: Any) -> np.ndarray:
    """A DataFrame column as a plain numpy array: optional integers become float with
    NaN, strings become str objects, unsigned integers become int64 (no wrap on -)."""
    dt = str(getattr(series, "dtype", ""))
    if dt in ("string", "category") or dt.startswith("string"):
        import pandas as pd

        return np.array([("" if pd.isna(v) else str(v)) for v in series.astype(object)], dtype=object)
    if dt in ("Int64", "Int32", "UInt64", "boolean"):
        out: np.ndarray = (series.astype("float64").to_numpy() if dt != "boolean"
                           else series.fillna(False).to_numpy(bool))
        return out
    a = series.to_numpy() if hasattr(series, "to_numpy") else np.asarray(series)
    if a.dtype.kind == "u":
        a = a.astype(np.int64)
    return a


def table(df: Any) -> Dict[str, Any]:
    """The name -> values mapping rules are evaluated over: every column of ``df`` (a
    :func:`tcptrace.connections` frame), the :data:`ALIASES` and the :data:`SCALARS`."""
    t: Dict[str, Any] = {str(c): _as_numpy(df[c]) for c in df.columns}
    for name, (_, fn) in ALIASES.items():
        if name not in t:
            t[name] = fn(t)
    t["connections"] = len(df)
    return t


def _subset(t: Mapping[str, Any], mask: np.ndarray) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for k, v in t.items():
        out[k] = v[mask] if isinstance(v, np.ndarray) and v.ndim == 1 else v
    out["connections"] = int(np.count_nonzero(mask))
    return out


@dataclass
class Rule:
    """A named rule: ``expect`` must hold over the connections ``select`` (an expression
    over the same names) and ``filter`` (a BPF filter: the capture is read through it)
    pick."""

    name: str
    expect: str
    select: Optional[str] = None
    filter: Optional[str] = None
    description: str = ""


@dataclass
class Result:
    """The outcome of one rule: ``passed``, the values that decided it, and for a failing
    per-row rule the failing connections (``failing``, at most MAX_FAILING_SHOWN, and
    ``failing_count``)."""

    rule: Rule
    passed: bool
    connections: int
    values: Dict[str, Any] = field(default_factory=dict)
    failing: List[Dict[str, Any]] = field(default_factory=list)
    failing_count: int = 0
    per_row: bool = False
    seconds: float = 0.0

    def message(self) -> str:
        """One line: PASS/FAIL, the rule, and what decided it."""
        word = "PASS" if self.passed else "FAIL"
        name = self.rule.name if self.rule.name == self.rule.expect else f"{self.rule.name}: {self.rule.expect}"
        vals = ", ".join(f"{k}={_fmt(v)}" for k, v in self.values.items())
        scope = f"{self.connections} connection{'s' if self.connections != 1 else ''}"
        if self.per_row and not self.passed:
            head = f"{word} {name} ({self.failing_count} of {scope} fail)"
        else:
            head = f"{word} {name} ({scope}{'; ' + vals if vals else ''})"
        return head

    def details(self) -> List[str]:
        """The failing connections, one line each."""
        lines = [_conn_line(row) for row in self.failing]
        if self.failing_count > len(self.failing):
            lines.append(f"... and {self.failing_count - len(self.failing)} more")
        return lines

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready."""
        return {
            "name": self.rule.name, "expect": self.rule.expect, "select": self.rule.select,
            "filter": self.rule.filter, "passed": self.passed, "connections": self.connections,
            "values": {k: _jsonable(v) for k, v in self.values.items()},
            "failing_count": self.failing_count,
            "failing": [{k: _jsonable(v) for k, v in row.items()} for row in self.failing],
        }


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "nan" if v != v else f"{v:.6g}"
    if isinstance(v, tuple) and len(v) == 2:
        return f"{_fmt(v[0])}..{_fmt(v[1])}"
    return str(v)


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    return v


def endpoint(addr: Any, port: Any) -> str:
    """``addr:port``, with brackets around an IPv6 address."""
    a = str(addr)
    return f"[{a}]:{port}" if ":" in a else f"{a}:{port}"


def _conn_line(row: Mapping[str, Any]) -> str:
    ends = (f"stream {row['stream']} {endpoint(row['client'], row['client_port'])} -> "
            f"{endpoint(row['server'], row['server_port'])}")
    vals = " ".join(f"{k}={_fmt(v)}" for k, v in row.items()
                    if k not in ("stream", "client", "client_port", "server", "server_port"))
    return f"  {ends}  {vals}"


def _item(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _deciding_values(e: exprmod.Expr, t: Mapping[str, Any]) -> Dict[str, Any]:
    """Values of the operands of the expression's comparisons (scalars as they are,
    per-row values as their min..max)."""
    out: Dict[str, Any] = {}

    def operands(node: ast.AST) -> Iterable[ast.AST]:
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                yield from operands(v)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield from operands(node.operand)
        elif isinstance(node, ast.Compare):
            for n in [node.left, *node.comparators]:
                if not isinstance(n, (ast.Constant, ast.Tuple, ast.List)):
                    yield n
        elif not isinstance(node, ast.Constant):
            yield node

    for node in operands(e.tree.body):
        text = ast.unparse(node)
        if text in out:
            continue
        sub = exprmod.Expr(text, ast.Expression(body=node), [])  # type: ignore[arg-type]
        try:
            v = sub.evaluate(t)
        except Exception:  # noqa: BLE001 - a value for display only
            continue
        if isinstance(v, np.ndarray):
            if v.size == 0:
                continue
            if v.dtype == object:
                uniq = sorted({str(x) for x in v})
                out[text] = ",".join(uniq[:5]) + (",..." if len(uniq) > 5 else "")
            else:
                f = v.astype(float)
                if np.all(np.isnan(f)):
                    out[text] = float("nan")
                else:
                    lo, hi = _item(np.nanmin(v)), _item(np.nanmax(v))
                    out[text] = lo if lo == hi else (lo, hi)
        else:
            out[text] = _item(v)
    return out


def evaluate(rule: Rule, t: Mapping[str, Any]) -> Result:
    """Evaluate one rule over a table (see :func:`table`); ExprError for unknown names."""
    t0 = time.perf_counter()
    e = exprmod.parse(rule.expect)
    if rule.select:
        sel = exprmod.parse(rule.select).evaluate(t)
        n = len(t["stream"])
        mask = np.broadcast_to(np.asarray(sel, dtype=bool), (n,)).copy()
        t = _subset(t, mask)
    value = e.evaluate(t)
    per_row = isinstance(value, np.ndarray) and value.ndim == 1
    passed = exprmod.holds(value)
    res = Result(rule, passed, int(t["connections"]), per_row=per_row)
    if per_row and not passed:
        bad = exprmod.failing_rows(value)
        res.failing_count = len(bad)
        shown = [nm for nm in e.names if isinstance(t.get(nm), np.ndarray)]
        for i in bad[:MAX_FAILING_SHOWN]:
            row = {k: _item(t[k][i]) for k in ("stream", "client", "client_port", "server", "server_port")}
            for nm in shown:
                row[nm] = _item(t[nm][i])
            res.failing.append(row)
    else:
        res.values = _deciding_values(e, t)
    res.seconds = time.perf_counter() - t0
    return res


def load_rules(path: PathLike) -> List[Rule]:
    """Rules from a TOML file: ``[rules.NAME]`` tables with ``expect`` (required),
    ``select``, ``filter`` and ``description``. RulesError when it cannot be read."""
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python < 3.11
        try:
            import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
        except ImportError as e:
            raise RulesError("reading a rules file needs Python 3.11 or 'pip install tomli'") from e
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        raise RulesError(f"cannot read rules file {os.fspath(path)}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise RulesError(f"rules file {os.fspath(path)}: {e}") from None
    rules_doc = doc.get("rules")
    unknown_top = sorted(set(doc) - {"rules"})
    if unknown_top:
        raise RulesError(f"rules file {os.fspath(path)}: unknown table {unknown_top[0]!r} (expected [rules.NAME])")
    if not isinstance(rules_doc, dict) or not rules_doc:
        raise RulesError(f"rules file {os.fspath(path)}: no [rules.NAME] tables")
    out: List[Rule] = []
    for name, spec in rules_doc.items():
        if not isinstance(spec, dict):
            raise RulesError(f"rule {name!r}: expected a table with expect = \"...\"")
        extra = sorted(set(spec) - {"expect", "select", "filter", "description"})
        if extra:
            raise RulesError(f"rule {name!r}: unknown key {extra[0]!r} (known: expect, select, filter, description)")
        exp = spec.get("expect")
        if not isinstance(exp, str) or not exp.strip():
            raise RulesError(f"rule {name!r}: expect must be a non-empty string")
        for k in ("select", "filter", "description"):
            if k in spec and not isinstance(spec[k], str):
                raise RulesError(f"rule {name!r}: {k} must be a string")
        out.append(Rule(name, exp, spec.get("select"), spec.get("filter"), spec.get("description", "")))
    return out


@needs_extras("tcptrace.check.run()")
def run(path: PathLike, rules: Sequence[Rule], filter: Optional[str] = None) -> List[Result]:
    """Evaluate rules over a capture. ``filter`` (BPF) applies to every rule; a rule's
    own filter reads the capture again through both. Raises ExprError for a bad or
    unknown name, CaptureError / FileNotFoundError / ValueError when the capture cannot
    be read."""
    from .connections import connections

    for r in rules:  # syntax errors before any reading
        exprmod.parse(r.expect)
        if r.select:
            exprmod.parse(r.select)
    cache: Dict[Optional[str], Dict[str, Any]] = {}
    diag = _uses_diagnose(rules)

    def table_for(f: Optional[str]) -> Dict[str, Any]:
        if f not in cache:
            if diag:  # only when a rule names a diagnose figure: it costs a segments() pass
                from .diagnose import diagnose

                cache[f] = table(diagnose(path, filter=f).connections)
            else:
                cache[f] = table(connections(path, filter=f))
        return cache[f]

    out = []
    for r in rules:
        f = filter
        if r.filter:
            f = f"({filter}) and ({r.filter})" if filter else r.filter
        out.append(evaluate(r, table_for(f)))
    return out


def write_text(results: Sequence[Result], out: IO[str]) -> None:
    """One line per rule, then the failing connections under it."""
    for r in results:
        out.write(r.message() + "\n")
        for line in r.details():
            out.write(line + "\n")
    failed = sum(not r.passed for r in results)
    out.write(f"{len(results) - failed} passed, {failed} failed\n")


def write_json(results: Sequence[Result], capture: str, out: IO[str]) -> None:
    """``{"capture", "passed", "rules": [...]}``."""
    doc = {"capture": capture, "passed": all(r.passed for r in results),
           "rules": [r.to_dict() for r in results]}
    out.write(json.dumps(doc, indent=1) + "\n")


def junit_xml(results: Sequence[Result], capture: str, error: Optional[str] = None) -> bytes:
    """JUnit XML: one <testsuite> for the capture, one <testcase> per rule (a <failure>
    with the failing connections when it fails). ``error``: the capture or rules could
    not be read, reported as one testcase with an <error>."""
    failures = sum(not r.passed for r in results)
    total = sum(r.seconds for r in results)
    stem = os.path.basename(capture)
    suites = ET.Element("testsuites", name="tcptrace check", tests=str(len(results) or (1 if error else 0)),
                        failures=str(failures), errors=str(1 if error else 0), time=f"{total:.6f}")
    suite = ET.SubElement(suites, "testsuite", name=f"tcptrace check {stem}",
                          tests=str(len(results) or (1 if error else 0)), failures=str(failures),
                          errors=str(1 if error else 0), skipped="0", time=f"{total:.6f}",
                          timestamp=time.strftime("%Y-%m-%dT%H:%M:%S"), hostname=socket.gethostname())
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="capture", value=capture)
    classname = "tcptrace.check." + (os.path.splitext(stem)[0].replace(".", "_") or "capture")
    if error:
        tc = ET.SubElement(suite, "testcase", classname=classname, name="read", time="0")
        er = ET.SubElement(tc, "error", message=error, type="error")
        er.text = error
    for r in results:
        tc = ET.SubElement(suite, "testcase", classname=classname, name=r.rule.name, time=f"{r.seconds:.6f}")
        if not r.passed:
            fl = ET.SubElement(tc, "failure", message=r.message(), type="AssertionError")
            fl.text = "\n".join([r.message(), *r.details()])
        so = ET.SubElement(tc, "system-out")
        so.text = r.message()
    ET.indent(suites)
    body: bytes = ET.tostring(suites, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def names_help() -> str:
    """The aliases and scalars, for --help."""
    lines = [f"  {n:<26} {doc}" for n, (doc, _) in ALIASES.items()]
    lines += [f"  {n:<26} {doc}" for n, doc in SCALARS.items()]
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    """``tcptrace check``: exit 0 all pass, 1 a rule fails, 2 the capture or rules
    cannot be read."""
    import argparse

    from . import CaptureError

    ap = argparse.ArgumentParser(
        prog="tcptrace check", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Assert rules over a capture's connections (docs/check.md). Exit status: 0 all "
                    "rules pass, 1 a rule fails, 2 the capture or the rules cannot be read.",
        epilog="names: every tcptrace conns --csv column, and\n" + names_help() +
               "\naggregates: all any count sum min max mean len abs")
    ap.add_argument("capture")
    ap.add_argument("-e", "--expect", action="append", default=[], metavar="EXPR",
                    help="a rule (repeatable), e.g. 'retransmissions == 0'")
    ap.add_argument("-r", "--rules", action="append", default=[], metavar="FILE", help="a TOML rules file")
    ap.add_argument("--select", metavar="EXPR", help="only the connections where EXPR holds (for --expect rules)")
    ap.add_argument("-f", "--filter", help="BPF filter for every rule, as libpcap compiles it")
    ap.add_argument("--junit", metavar="FILE", help="write JUnit XML (one testcase per rule)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    a = ap.parse_args(argv)
    if not a.expect and not a.rules:
        ap.error("give at least one --expect EXPR or --rules FILE")
    out = sys.stdout
    try:
        rules = [Rule(x, x, a.select) for x in a.expect]
        for f in a.rules:
            rules += load_rules(f)
        results = run(a.capture, rules, filter=a.filter)
    except (exprmod.ExprError, RulesError, CaptureError, FileNotFoundError, ValueError, OSError) as e:
        msg = str(e) if not isinstance(e, FileNotFoundError) else f"{e.strerror or e}: {e.filename or a.capture}"
        if isinstance(e, FileNotFoundError) and e.strerror and e.filename is None:
            msg = str(e.strerror)
        sys.stderr.write(f"tcptrace check: {msg}\n")
        if a.junit:
            _write_file(a.junit, junit_xml([], a.capture, error=msg))
        return 2
    if a.json:
        write_json(results, a.capture, out)
    else:
        write_text(results, out)
    if a.junit:
        _write_file(a.junit, junit_xml(results, a.capture))
    return 0 if all(r.passed for r in results) else 1


def _write_file(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
