"""`tcptrace.segments(columns="all")` cell by cell against the two other ways of reading a
capture: iterating Segment objects, and the `tcptrace fields` text (formatted in C).

Shared by tests/test_frames.py, tests/test_frames_fields.py and tools/frame_sweep.py, so
the tests and the sweep over ../shared/captures check exactly the same thing. Values are
compared exactly (no tolerance): times as integer ns, and float seconds as the same
integer divided by 1e9.
"""
from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

import pandas as pd

import tcptrace
from tcptrace import _core
from tcptrace import fields as fieldmod
from tcptrace.frames import ALL_COLUMNS, FLAG_BITS

from frames_fields_map import FIELD_MAP, Mapping, fields_needed


class Difference(NamedTuple):
    frame: Any  # the DataFrame's frame number, or "-" for a whole-capture difference
    column: str  # a DataFrame column, or "(rows)" / "(error)" for the whole capture
    field: str  # the fields compared with ("ip.src,ipv6.src"); "" against Segments
    dataframe: Any
    other: Any


@dataclass
class Comparison:
    capture: str
    against: str  # "segments" or "fields"
    rows: int = 0  # DataFrame rows
    cells: int = 0  # cells compared
    error: str = ""  # how the DataFrame read ended: "" or "Type: message"
    differences: List[Difference] = field(default_factory=list)


# The shared folder next to the repository (a developer machine's, not the project's):
# the captures of every worktree's sweeps, in these subfolders.
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SHARED_KINDS = ("seed", "linux", "public", "malformed")


def shared_captures(shared: Path = SHARED) -> List[Path]:
    """Every capture under shared/captures/{seed,linux,public,malformed}, at any depth;
    the MANIFEST and README files beside them are not captures."""
    caps: List[Path] = []
    for kind in SHARED_KINDS:
        folder = shared / "captures" / kind
        if folder.is_dir():
            caps += sorted(p for p in folder.rglob("*")
                           if p.is_file() and not p.name.startswith(("MANIFEST", "README")))
    return caps


# Differences understood and reported, not fixed here (their cause is in the C core):
# capture (relative to shared/captures) -> comparison -> the columns that differ. A
# listed capture must differ in exactly these columns, so a fix shows up as a change too.
#
# pcapng_example2_eth_sll_snaplen.pcapng, frames 60-159: the pcapng timestamps are 2^64
# microseconds minus a little (tshark reads them as unsigned: frame.time_relative
# 18445321545205.547926719). The DataFrame's int64 nanosecond columns wrap: time_rel_ns
# is -1422528504003689281 where Segment.time_rel_ns and the fields text hold
# 18445321545205547926719; time_ns is -505425287000 (in the DataFrame and in
# Segment.time_ns) where `tcptrace fields` prints frame.time_epoch 18446744073204.126329000.
KNOWN_DIFFERENCES: Dict[str, Dict[str, Set[str]]] = {
    "public/pcapng_example2_eth_sll_snaplen.pcapng": {
        "segments": {"time_rel", "time_rel_ns"},
        # and the frame a 2^64 µs jump follows: its delta wraps in int64 ns as well
        "fields": {"time", "time_ns", "time_rel", "time_rel_ns", "time_delta", "time_delta_ns",
                   "time_delta_displayed"},
    },
}


def known_columns(capture: Path, against: str, shared: Path = SHARED) -> Set[str]:
    """The columns KNOWN_DIFFERENCES expects to differ for this capture and comparison."""
    try:
        rel = capture.resolve().relative_to((shared / "captures").resolve()).as_posix()
    except ValueError:
        return set()
    return KNOWN_DIFFERENCES.get(rel, {}).get(against, set())


def _describe(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


def read_frame(path: os.PathLike[str] | str) -> Tuple[Optional[pd.DataFrame], str]:
    """Every column of every segment, and how the read ended.

    A damaged capture makes segments() raise, losing the rows before the damage; one-row
    chunks give those rows back (the other readers also give them) so they are compared too."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return tcptrace.segments(path, columns=ALL_COLUMNS), ""
        except tcptrace.CaptureError as e:
            error = _describe(e)
        parts: List[pd.DataFrame] = []
        try:
            for part in tcptrace.segments(path, columns=ALL_COLUMNS, chunksize=1):
                parts.append(part)
        except tcptrace.CaptureError:
            pass
    return (pd.concat(parts, ignore_index=True) if parts else None), error


def read_segments(path: os.PathLike[str] | str) -> Tuple[List[tcptrace.Segment], str]:
    segs: List[tcptrace.Segment] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with tcptrace.open(path) as cap:
                for s in cap:
                    segs.append(s)
        except tcptrace.CaptureError as e:
            return segs, _describe(e)
    return segs, ""


def read_fields(path: os.PathLike[str] | str, names: Sequence[str]) -> Tuple[List[List[str]], str]:
    """The `tcptrace fields -e NAME...` rows as cells, and how the read ended.

    The same C writer `tcptrace fields` uses (Capture._write_fields), into a file."""
    error = ""
    with tempfile.TemporaryFile() as out, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with _core.Capture(path, analysis=fieldmod.needs_analysis(names), connections=False) as cap:
                cap._write_fields(out.fileno(), fieldmod.field_ids(names), "\t", 0, ",", False)
        except tcptrace.CaptureError as e:
            error = _describe(e)
        out.seek(0)
        text = out.read().decode("utf-8")
    return [line.split("\t") for line in text.splitlines()], error


def column_values(df: pd.DataFrame, col: str) -> List[Any]:
    """A column as plain Python values: int, float, bool, str; None where absent."""
    s = df[col]
    if col == "time":
        return [int(v) for v in s.astype("int64").tolist()]
    if s.dtype == object and col in ("payload", "options"):  # bytes, as hex like the fields
        return [None if v is None else v.hex() for v in s.tolist()]
    if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object:
        return [None if pd.isna(v) else str(v) for v in s.tolist()]
    if s.dtype.kind == "f":
        return [None if v != v else v for v in s.tolist()]  # NaN is "absent"
    return [None if v is pd.NA else v for v in s.tolist()]


def _mask(names: Sequence[str], present: Any) -> int:
    return sum(1 << i for i, n in enumerate(names) if n in present)


_ANOMALY_NAMES = tcptrace.anomaly_names()

# How a Segment gives a column whose value is not `getattr(segment, column)`.
# Issue 18's columns have no Segment attribute (yet): compared with the fields text only.
NO_SEGMENT_ATTRIBUTE = {"time_delta", "time_delta_ns", "time_delta_displayed", "eth_src", "eth_dst", "vlan_id",
                        "ttl", "ip_id", "ip_df", "dscp", "ecn", "ip_checksum", "ip_hdr_len", "ip_len", "ip_proto",
                        "ipv6_flow", "ipv6_nxt", "checksum", "options"}

SEGMENT_VALUE: Dict[str, Callable[[tcptrace.Segment], Any]] = {
    # tcp.payload: the captured bytes, none on a RST (its data is the reset's cause)
    "payload": lambda s: s.payload.hex() if s.payload and not (s.flags or 0) & 0x004 else None,
    "time": lambda s: s.time_ns,
    "time_rel": lambda s: s.time_rel_ns / 1e9,
    "n_sack": lambda s: len(s.sack),
    "anomalies": lambda s: _mask(_ANOMALY_NAMES, s.anomalies),
    "analysis_flags": lambda s: _mask(tcptrace.ANALYSIS_FLAGS, s.analysis),
    **{f"flag_{k}": (lambda bit: lambda s: bool((s.flags or 0) & bit))(b) for k, b in FLAG_BITS.items()},
    **{name: (lambda n: lambda s: n in s.analysis)(name) for name in tcptrace.ANALYSIS_FLAGS},
}


def _start(path: Any, against: str, df: Optional[pd.DataFrame], error: str, n_other: int,
           other_error: str) -> Comparison:
    c = Comparison(str(path), against, rows=0 if df is None else len(df), error=error)
    if error != other_error:
        c.differences.append(Difference("-", "(error)", "", error, other_error))
    if c.rows != n_other:
        c.differences.append(Difference("-", "(rows)", "", c.rows, n_other))
    return c


def _compare_cells(c: Comparison, frames: List[Any], column: str, fields: str, got: List[Any],
                   want: List[Any]) -> None:
    for frame, g, w in zip(frames, got, want):
        c.cells += 1
        if not w == g:  # the expected value on the left: a OneOf decides
            c.differences.append(Difference(frame, column, fields, g, w))


def compare_with_segments(path: os.PathLike[str] | str) -> Comparison:
    """Every column of the DataFrame against the Segment objects of tcptrace.open()."""
    df, error = read_frame(path)
    segs, seg_error = read_segments(path)
    c = _start(path, "segments", df, error, len(segs), seg_error)
    if df is None:
        return c
    frames = column_values(df, "frame")
    for col in ALL_COLUMNS:
        if col in NO_SEGMENT_ATTRIBUTE:
            continue
        get = SEGMENT_VALUE.get(col, lambda s, col=col: getattr(s, col))
        _compare_cells(c, frames, col, "", column_values(df, col), [get(s) for s in segs])
    return c


def compare_with_fields(path: os.PathLike[str] | str, mappings: Sequence[Mapping] = FIELD_MAP) -> Comparison:
    """Every column with a tshark field against the `tcptrace fields` text, through FIELD_MAP."""
    df, error = read_frame(path)
    names = fields_needed(mappings)
    rows, fields_error = read_fields(path, names)
    c = _start(path, "fields", df, error, len(rows), fields_error)
    if df is None:
        return c
    frames = column_values(df, "frame")
    at = {n: i for i, n in enumerate(names)}
    for m in mappings:
        idx = [at[f] for f in m.fields]
        want = [m.convert(*(row[i] for i in idx)) for row in rows]
        _compare_cells(c, frames, m.column, ",".join(m.fields), column_values(df, m.column), want)
    return c
