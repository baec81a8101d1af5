"""pandas DataFrames built in C: one row per TCP segment.

The C core fills typed arrays while it reads (no Python object per packet); they are
wrapped zero-copy with ``numpy.frombuffer``. Addresses come as pandas categoricals
from the core's address dictionary.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Sequence, Union

from . import _core

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

PathLike = Union[str, "os.PathLike[str]"]

_SPECS = _core._column_specs()
_ID = {name: i for i, (name, _t, _n) in enumerate(_SPECS)}

# TCP flag booleans derived from the flags column (RFC 9293, RFC 3168).
FLAG_BITS = {"fin": 0x001, "syn": 0x002, "rst": 0x004, "psh": 0x008, "ack": 0x010,
             "urg": 0x020, "ece": 0x040, "cwr": 0x080, "ns": 0x100}

# DataFrame column -> the C columns it needs.
_DERIVED = {
    "time": ("time_ns",),
    "time_rel": ("time_rel_ns",),
    **{f"flag_{k}": ("flags",) for k in FLAG_BITS},
}

DEFAULT_COLUMNS: List[str] = [
    "frame", "time", "time_rel", "caplen", "wirelen", "ip_version", "src", "dst", "sport",
    "dport", "seq_raw", "ack_raw", "flags", *[f"flag_{k}" for k in FLAG_BITS], "window_raw",
    "hdr_len", "len", "urgent_ptr", "mss", "ws", "tsval", "tsecr", "sack_perm", "n_sack",
]

ALL_COLUMNS: List[str] = DEFAULT_COLUMNS + ["time_ns", "time_rel_ns", "anomalies"]


def _need_pandas():
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


def _frame(cap: _core.Capture, columns: Sequence[str], max_rows: int):
    np, pd = _need_pandas()
    base: List[str] = []
    for c in columns:
        for b in _DERIVED.get(c, (c,)):
            if b not in base:
                base.append(b)
    got = cap._read_columns([_ID[b] for b in base], max_rows)
    if got is None:
        return None
    rows, arrays = got
    raw: Dict[str, object] = {}
    valid: Dict[str, object] = {}
    for name, (data, ok) in zip(base, arrays):
        t = _SPECS[_ID[name]][1]
        dtype = "?" if t == "b1" else "<" + t
        raw[name] = np.frombuffer(data, dtype=dtype, count=rows)
        if ok is not None:
            valid[name] = np.frombuffer(ok, dtype="?", count=rows)
    out: Dict[str, object] = {}
    addresses = None
    for c in columns:
        if c == "time":
            out[c] = pd.to_datetime(raw["time_ns"].view("datetime64[ns]"), utc=True)
        elif c == "time_rel":
            out[c] = raw["time_rel_ns"] / 1e9
        elif c.startswith("flag_"):
            out[c] = (raw["flags"] & FLAG_BITS[c[5:]]) != 0
        elif c in ("src", "dst"):
            if addresses is None:
                addresses = cap._addresses()
            out[c] = pd.Categorical.from_codes(raw[c].astype("int64", copy=False), categories=addresses)
        elif c in valid:
            out[c] = pd.arrays.IntegerArray(raw[c], ~valid[c]) if raw[c].dtype.kind in "ui" else raw[c]
        else:
            out[c] = raw[c]
    return pd.DataFrame(out, copy=False)


def segments(path: PathLike, columns: Optional[Sequence[str]] = None, filter: Optional[str] = None,
             chunksize: Optional[int] = None) -> Union["pd.DataFrame", Iterator["pd.DataFrame"]]:
    """One row per TCP segment of a capture, as a pandas DataFrame built in C.

    ``columns`` picks columns (default: :data:`DEFAULT_COLUMNS`; see ``docs/columns.md``);
    only those are built. ``filter`` is a BPF expression. With ``chunksize=N`` an iterator
    of DataFrames of at most N rows is returned, with memory bounded by N.
    """
    cols = list(DEFAULT_COLUMNS if columns is None else columns)
    _check_columns(cols)
    if chunksize is not None:
        if chunksize <= 0:
            raise ValueError("chunksize must be a positive number of rows")
        return _chunks(path, cols, filter, chunksize)
    with _core.Capture(path, filter=filter, connections=False) as cap:
        df = _frame(cap, cols, 0)
    assert df is not None  # the first read of a capture always gives a (maybe empty) frame
    return df


def _chunks(path: PathLike, cols: List[str], filter: Optional[str], chunksize: int) -> Iterator["pd.DataFrame"]:
    with _core.Capture(path, filter=filter, connections=False) as cap:
        first = True
        while True:
            df = _frame(cap, cols, chunksize)
            if df is None or (len(df) == 0 and not first):
                return
            first = False
            yield df
