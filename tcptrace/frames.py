"""pandas DataFrames built in C: one row per TCP segment.

The C core fills typed arrays while it reads (no Python object per packet); they are
wrapped zero-copy with ``numpy.frombuffer``. Addresses come as pandas categoricals
from the core's address dictionary.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union, overload

from . import _core

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from pandas import DataFrame

PathLike = Union[str, "os.PathLike[str]"]

# (rows, values by column, validity by nullable column), as numpy arrays.
_Raw = Tuple[int, Dict[str, Any], Dict[str, Any]]

_SPECS = _core._column_specs()
_ID = {name: i for i, (name, _t, _n, _a) in enumerate(_SPECS)}

# TCP flag booleans derived from the flags column (RFC 9293, RFC 3168).
FLAG_BITS = {"fin": 0x001, "syn": 0x002, "rst": 0x004, "psh": 0x008, "ack": 0x010,
             "urg": 0x020, "ece": 0x040, "cwr": 0x080, "ns": 0x100}

# tcp.analysis flags, in bit order of the analysis_flags column.
ANALYSIS_FLAGS = _core.analysis_flag_names()

# Durations in ns -> float seconds (NaN where absent).
_SECONDS = {"ack_rtt": "ack_rtt_ns", "initial_rtt": "initial_rtt_ns",
            "time_since_first": "time_since_first_ns", "time_since_prev": "time_since_prev_ns",
            "time_delta": "time_delta_ns"}

# Text columns: bytes columns in C (UTF-8), str in the DataFrame (None where absent).
TEXT_COLUMNS = ("info", "flags_str", "option_names")

# MAC addresses (48-bit numbers in C) -> text categories as tshark prints eth.src.
_MACS = ("eth_src", "eth_dst")

# DataFrame column -> the C columns it needs.
_DERIVED = {
    "time": ("time_ns",),
    "time_rel": ("time_rel_ns",),
    "time_delta_displayed": ("time_ns",),
    **{f"flag_{k}": ("flags",) for k in FLAG_BITS},
    **{name: ("analysis_flags",) for name in ANALYSIS_FLAGS},
    **{k: (v,) for k, v in _SECONDS.items()},
}

# The default set: what most analyses use, at about 110 bytes per segment. Every other
# column is available by name (columns=[...]) or with columns="all".
DEFAULT_COLUMNS: List[str] = [
    "frame", "time", "wirelen", "src", "dst", "sport", "dport", "stream", "dir", "seq", "ack",
    "len", "flags", *[f"flag_{k}" for k in FLAG_BITS], "window", "mss", "ws", *ANALYSIS_FLAGS,
    "dup_ack_num", "ack_rtt", "bytes_in_flight",
]

ALL_COLUMNS: List[str] = [
    "frame", "time", "time_rel", "caplen", "wirelen", "ip_version", "src", "dst", "sport", "dport",
    "stream", "dir", "seq", "ack", "next_seq", "seq_raw", "ack_raw", "len", "hdr_len", "flags",
    *[f"flag_{k}" for k in FLAG_BITS], "flags_str", "window_raw", "window", "ws_multiplier", "urgent_ptr", "mss", "ws",
    "tsval", "tsecr", "sack_perm", "n_sack", *ANALYSIS_FLAGS, "dup_ack_num", "dup_ack_frame", "acks_frame",
    "ack_rtt", "initial_rtt", "bytes_in_flight", "push_bytes_sent", "time_since_first", "time_since_prev",
    "completeness", "time_delta", "time_delta_displayed", "eth_src", "eth_dst", "vlan_id", "ttl", "ip_id",
    "ip_df", "dscp", "ecn", "ip_checksum", "ip_hdr_len", "ip_len", "ip_proto", "ipv6_flow", "ipv6_nxt", "checksum",
    "payload", "options", "option_names", "info", "time_ns", "time_rel_ns", "anomalies", "analysis_flags",
    *_SECONDS.values(),
]

# C columns that need the TCP analysis: reading without them skips it (csrc/columns.h).
_ANALYSIS_BASE = {name for name, _t, _n, needs_analysis in _SPECS if needs_analysis}


def _base_columns(columns: Sequence[str]) -> List[str]:
    base: List[str] = []
    for c in columns:
        for b in _DERIVED.get(c, (c,)):
            if b not in base:
                base.append(b)
    return base


def _need_pandas() -> Tuple[Any, Any]:
    try:
        import numpy as np
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("tcptrace.segments needs pandas: pip install 'tcptrace[pandas]'") from e
    return np, pd


def _check_columns(columns: Sequence[str]) -> None:
    bad = [c for c in columns if c not in _ID and c not in _DERIVED]
    if bad:
        import difflib

        known = sorted(set(ALL_COLUMNS))
        hints = [f"{b!r}" + (f" (did you mean {', '.join(difflib.get_close_matches(b, known, 3))}?)"
                             if difflib.get_close_matches(b, known, 3) else "") for b in bad]
        raise ValueError("unknown column: " + "; ".join(hints) + f"; known: {', '.join(known)}")


def _read_raw(cap: _core.Capture, base: Sequence[str], max_rows: int) -> Optional[_Raw]:
    """(rows, values by column, validity by nullable column) of up to max_rows further
    segments, zero-copy over the C arrays; None at the end."""
    np, _pd = _need_pandas()
    got = cap._read_columns([_ID[b] for b in base], max_rows)
    if got is None:
        return None
    rows, arrays = got
    raw: Dict[str, Any] = {}
    valid: Dict[str, Any] = {}
    for name, parts in zip(base, arrays):
        data, ok = parts[0], parts[1]
        t = _SPECS[_ID[name]][1]
        if t == "bytes":  # end offsets into the column's bytes: one bytes object a row
            raw[name] = _bytes_column(np, np.frombuffer(data, dtype="<u8", count=rows), bytes(parts[2]),
                                      name in TEXT_COLUMNS)
        else:
            raw[name] = np.frombuffer(data, dtype="?" if t == "b1" else "<" + t, count=rows)
        if ok is not None:
            valid[name] = np.frombuffer(ok, dtype="?", count=rows)
        elif _SPECS[_ID[name]][2]:  # nullable, but no rows: nothing to mask
            valid[name] = np.ones(rows, dtype="?")
    return rows, raw, valid


def _bytes_column(np: Any, ends: Any, blob: bytes, text: bool = False) -> Any:
    """Row i's bytes are blob[ends[i-1]:ends[i]]: an object array of bytes (of str
    when `text`: the C core writes UTF-8)."""
    out = np.empty(len(ends), dtype=object)
    start = 0
    for i, end in enumerate(ends.tolist()):
        out[i] = blob[start:end].decode("utf-8") if text else blob[start:end]
        start = end
    return out


# Rows per step when a progress bar is shown.
_PROGRESS_ROWS = 1 << 20


def _read_raw_with_progress(cap: _core.Capture, base: Sequence[str], bar: Any) -> Optional[_Raw]:
    """All further segments in steps, updating the bar; concatenated arrays."""
    np, _pd = _need_pandas()
    parts: List[_Raw] = []
    while True:
        got = _read_raw(cap, base, _PROGRESS_ROWS)
        done, _total = cap.progress
        bar.update(done - bar.n)
        if got is None or (got[0] == 0 and parts):
            break
        parts.append(got)
        if got[0] < _PROGRESS_ROWS:
            break
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    rows = sum(p[0] for p in parts)
    raw = {k: np.concatenate([p[1][k] for p in parts]) for k in parts[0][1]}
    valid = {k: np.concatenate([p[2][k] for p in parts]) for k in parts[0][2]}
    return rows, raw, valid


def _categorical(pd: Any, codes: Any, categories: Any) -> Any:
    """Address codes (uint32, each below len(categories): the C dictionary's) as a
    Categorical, without pandas re-checking a million codes where it can skip it."""
    as_signed = codes.view("int32")
    try:
        return pd.Categorical.from_codes(as_signed, categories=categories, validate=False)
    except TypeError:  # pandas < 2.1: no validate=
        return pd.Categorical.from_codes(as_signed.astype("int64"), categories=categories)


def _mac_categorical(np: Any, pd: Any, macs: Any, ok: Any) -> Any:
    """48-bit MAC numbers as a categorical of their text (aa:bb:cc:dd:ee:ff), NaN where absent."""
    uniq, codes = np.unique(macs, return_inverse=True)
    names = [":".join(f"{(int(m) >> s) & 0xFF:02x}" for s in range(40, -8, -8)) for m in uniq]
    codes = codes.astype("int32")
    codes[~ok] = -1
    return _categorical_codes(pd, codes, names)


def _categorical_codes(pd: Any, codes: Any, categories: Any) -> Any:
    try:
        return pd.Categorical.from_codes(codes, categories=categories, validate=False)
    except TypeError:  # pandas < 2.1: no validate=
        return pd.Categorical.from_codes(codes, categories=categories)


def _frame(cap: _core.Capture, columns: Sequence[str], max_rows: int, bar: Any = None,
           shown: Optional[List[int]] = None) -> Optional[DataFrame]:
    """The next rows as a DataFrame. `shown` carries the time (ns) of the row before
    across chunks, for time_delta_displayed; it is updated to this frame's last row."""
    np, pd = _need_pandas()
    base = _base_columns(columns)
    got = _read_raw_with_progress(cap, base, bar) if bar is not None else _read_raw(cap, base, max_rows)
    if got is None:
        return None
    rows, raw, valid = got
    out: Dict[str, object] = {}
    addresses = None
    for c in columns:
        if c == "time":
            # pd.array over the same memory: to_datetime checks and copies (30 ms a million)
            out[c] = pd.array(raw["time_ns"].view("datetime64[ns]"), dtype=pd.DatetimeTZDtype(tz="UTC"))
        elif c == "time_rel":
            out[c] = raw["time_rel_ns"] / 1e9
        elif c == "time_delta_displayed":
            # frame.time_delta_displayed: since the row before (0 for the first row)
            t = raw["time_ns"]
            before = shown[0] if shown else (t[0] if rows else 0)
            out[c] = np.diff(t, prepend=np.int64(before)) / 1e9
        elif c.startswith("flag_"):
            out[c] = (raw["flags"] & FLAG_BITS[c[5:]]) != 0
        elif c in _SECONDS:
            ns = _SECONDS[c]
            sec = raw[ns] / 1e9
            if ns in valid:
                sec[~valid[ns]] = np.nan
            out[c] = sec
        elif c in ANALYSIS_FLAGS and c not in _ID:
            out[c] = (raw["analysis_flags"] & (1 << ANALYSIS_FLAGS.index(c))) != 0
        elif c in _MACS:
            out[c] = _mac_categorical(np, pd, raw[c], valid[c])
        elif c in ("src", "dst"):
            if addresses is None:
                addresses = cap._addresses()
            out[c] = _categorical(pd, raw[c], addresses)
        elif c in valid and raw[c].dtype == object:  # payload, options, text: None where absent
            col = raw[c]
            col[~valid[c]] = None
            # text as pandas' string dtype (<NA> where absent), as the connections' text
            out[c] = pd.array(col, dtype="string") if c in TEXT_COLUMNS else col
        elif c in valid:
            out[c] = pd.arrays.IntegerArray(raw[c], ~valid[c]) if raw[c].dtype.kind in "ui" else raw[c]
        else:
            out[c] = raw[c]
    if shown is not None and rows:
        shown[:] = [int(raw["time_ns"][-1])] if "time_ns" in raw else []
    df: DataFrame = pd.DataFrame(out, copy=False)
    return df


# Columns of a bytes object a row: by name only, not in columns="all" (a capture's whole
# payload as Python objects is rarely what "all" is asked for).
BY_NAME_ONLY = ("payload", "options")


def _resolve(columns: Union[None, str, Sequence[str]]) -> List[str]:
    if columns is None:
        return list(DEFAULT_COLUMNS)
    if isinstance(columns, str):
        if columns == "all":
            return [c for c in ALL_COLUMNS if c not in BY_NAME_ONLY]
        columns = [columns]
    cols = list(columns)
    _check_columns(cols)
    return cols


def _open(path: PathLike, cols: Sequence[str], filter: Optional[str]) -> _core.Capture:
    analysis = any(b in _ANALYSIS_BASE for b in _base_columns(cols))
    return _core.Capture(path, filter=filter, analysis=analysis, connections=False)


@overload
def segments(path: Union[PathLike, Sequence[PathLike]], columns: Union[None, str, Sequence[str]] = None,
             filter: Optional[str] = None, chunksize: None = None,
             workers: int = 1, progress: Optional[bool] = None) -> DataFrame: ...
@overload
def segments(path: PathLike, columns: Union[None, str, Sequence[str]] = None,
             filter: Optional[str] = None, *, chunksize: int,
             workers: int = 1, progress: Optional[bool] = None) -> Iterator[DataFrame]: ...
@overload
def segments(path: Union[PathLike, Sequence[PathLike]], columns: Union[None, str, Sequence[str]] = None,
             filter: Optional[str] = None, chunksize: Optional[int] = None,
             workers: int = 1, progress: Optional[bool] = None) -> Union[DataFrame, Iterator[DataFrame]]: ...
@overload
def segments(path: PathLike, columns: Union[None, str, Sequence[str]] = None,
             filter: Optional[str] = None, chunksize: Optional[int] = None,
             workers: int = 1, progress: Optional[bool] = None, *, to: str) -> Any: ...
def segments(path: Union[PathLike, Sequence[PathLike]], columns: Union[None, str, Sequence[str]] = None,
             filter: Optional[str] = None, chunksize: Optional[int] = None,
             workers: int = 1, progress: Optional[bool] = None,
             *, to: str = "pandas") -> Union[pd.DataFrame, Iterator[pd.DataFrame], Any]:
    """One row per TCP segment of a capture, as a pandas DataFrame built in C.

    ``columns`` picks columns (default: :data:`DEFAULT_COLUMNS`; ``"all"``: every column; see
    ``docs/columns.md``); only those are built, and without analysis columns the TCP
    analysis is skipped. ``filter`` is a BPF expression. With ``chunksize=N`` an iterator
    of DataFrames of at most N rows is returned, with memory bounded by N.

    ``to="arrow"`` gives a ``pyarrow.Table``, ``to="polars"`` a polars DataFrame and
    ``to="stream"`` an Arrow stream (for DuckDB or any ``__arrow_c_stream__`` reader),
    built from the C columns without pandas; ``chunksize`` is then the rows per record
    batch (see ``docs/arrow.md``).
    """
    if to != "pandas":
        from . import arrow

        if not isinstance(path, (str, bytes, os.PathLike)):
            raise ValueError(f"to={to!r} reads one capture; read the files one by one")
        if progress:
            raise ValueError(f"progress= is not available with to={to!r}")
        return arrow.to_table(arrow.arrow_stream(path, columns, filter, chunksize), to)
    cols = _resolve(columns)
    if not isinstance(path, (str, bytes, os.PathLike)):
        if chunksize is not None:
            raise ValueError("chunksize= reads one capture; iterate over the files instead")
        return _many(list(path), cols, filter, workers)
    if chunksize is not None:
        if chunksize <= 0:
            raise ValueError("chunksize must be a positive number of rows")
        return _chunks(path, cols, filter, chunksize)
    with _open(path, cols, filter) as cap:
        bar = _progress_bar(cap, progress)
        try:
            df = _frame(cap, cols, 0, bar)
        finally:
            if bar is not None:
                bar.close()
    assert df is not None  # the first read of a capture always gives a (maybe empty) frame
    return df


_PROGRESS_AUTO_BYTES = 256 << 20


def _progress_bar(cap: _core.Capture, progress: Optional[bool]) -> Any:
    """A tqdm bar over the capture's bytes, or None (off, not wanted, or no tqdm)."""
    if progress is False:
        return None
    _done, total = cap.progress
    if progress is None:
        import sys

        interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
        if not interactive or total < _PROGRESS_AUTO_BYTES:
            return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress:
            raise ImportError("progress=True needs tqdm: pip install 'tcptrace[progress]'") from None
        return None
    return tqdm(total=total or None, unit="B", unit_scale=True, desc="tcptrace", leave=False)


def _many(paths: List[PathLike], cols: List[str], filter: Optional[str], workers: int) -> pd.DataFrame:
    _np, pd = _need_pandas()
    if workers < 1:
        raise ValueError("workers must be at least 1")

    def one(p: PathLike) -> DataFrame:
        with _open(p, cols, filter) as cap:
            df = _frame(cap, cols, 0)
        assert df is not None  # the first read of a capture always gives a (maybe empty) frame
        return df

    if workers == 1 or len(paths) < 2:
        frames = [one(p) for p in paths]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            frames = list(pool.map(one, paths))
    names = [os.fspath(p) for p in paths]
    # A file given twice is read twice, its rows twice under its name (a concatenation,
    # as pd.concat of the two reads); the categories are each name once.
    categories = list(dict.fromkeys(names))
    for name, df in zip(names, frames):
        df.insert(0, "file", pd.Categorical([name] * len(df), categories=categories))
    if not frames:
        empty: DataFrame = pd.DataFrame({"file": pd.Categorical([], categories=[])})
        return empty
    out: DataFrame = pd.concat(frames, ignore_index=True)
    for c in ("src", "dst"):  # categories differ per file: union them
        if c in out.columns and out[c].dtype != "category":
            out[c] = out[c].astype("category")
    return out


def _chunks(path: PathLike, cols: List[str], filter: Optional[str], chunksize: int) -> Iterator[pd.DataFrame]:
    with _open(path, cols, filter) as cap:
        first = True
        shown: List[int] = []  # the time of the last row handed out
        while True:
            df = _frame(cap, cols, chunksize, shown=shown)
            if df is None or (len(df) == 0 and not first):
                return
            first = False
            yield df
            del df  # the caller's chunk only: not alive while the next one is built
