"""Arrow, Polars and DuckDB: the segments and connections tables as Arrow data.

The C core's column arrays are handed to Arrow through the Arrow C stream interface
(``csrc/py/arrow.c``) and the PyCapsule protocol, so pyarrow, polars and DuckDB read
them without pandas or numpy: fixed-width columns zero-copy, validity as Arrow bitmaps,
derived columns (flag booleans, seconds, MAC text, addresses as a dictionary) computed
in C. Each record batch is one chunk of at most ``chunksize`` rows.

    import pyarrow as pa, polars as pl, duckdb, tcptrace
    t = pa.table(tcptrace.arrow_stream("x.pcap"))       # or tcptrace.segments(p, to="arrow")
    df = pl.from_arrow(tcptrace.segments("x.pcap", to="arrow"))
    segs = tcptrace.arrow_stream("x.pcap"); duckdb.sql("select count(*) from segs")
"""
from __future__ import annotations

import os
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

from . import _core
from . import frames as _frames

PathLike = Union[str, "os.PathLike[str]"]

# Plan kinds, as csrc/py/arrow.c's enum plan_kind numbers them.
_NUM, _BOOL, _SECONDS, _BIT, _DICT, _MAC, _BYTES, _DELTA, _STR = range(9)

# C column type -> (Arrow format, bytes a row).
_FORMAT = {"u1": ("C", 1), "u2": ("S", 2), "u4": ("I", 4), "u8": ("L", 8), "i4": ("i", 4), "i8": ("l", 8),
           "f8": ("g", 8)}

#: Rows per record batch unless chunksize= says otherwise.
DEFAULT_CHUNKSIZE = 1 << 18

_PlanRow = Tuple[str, int, str, int, int, int]


def _segment_plan(cols: Sequence[str], base: List[str]) -> List[_PlanRow]:
    """How each output column is made from the C columns `base` (csrc/py/arrow.c)."""
    specs = {name: t for name, t, _n, _a in _frames._SPECS}
    plan: List[_PlanRow] = []
    for c in cols:
        if c == "time":
            plan.append((c, _NUM, "tsn:UTC", base.index("time_ns"), 8, 0))
        elif c == "time_rel":
            plan.append((c, _SECONDS, "g", base.index("time_rel_ns"), 8, 0))
        elif c == "time_delta_displayed":
            plan.append((c, _DELTA, "g", base.index("time_ns"), 8, 0))
        elif c.startswith("flag_"):
            plan.append((c, _BIT, "b", base.index("flags"), 2, _frames.FLAG_BITS[c[5:]]))
        elif c in _frames._SECONDS:
            plan.append((c, _SECONDS, "g", base.index(_frames._SECONDS[c]), 8, 0))
        elif c in _frames.ANALYSIS_FLAGS and c not in _frames._ID:
            plan.append((c, _BIT, "b", base.index("analysis_flags"), 4, 1 << _frames.ANALYSIS_FLAGS.index(c)))
        elif c in _frames._MACS:
            plan.append((c, _MAC, "u", base.index(c), 8, 0))
        elif c in ("src", "dst"):
            plan.append((c, _DICT, "i", base.index(c), 4, 0))
        elif specs[c] == "bytes":
            plan.append((c, _BYTES, "U" if c in _frames.TEXT_COLUMNS else "Z", base.index(c), 8, 0))
        elif specs[c] == "b1":
            plan.append((c, _BOOL, "b", base.index(c), 1, 0))
        else:
            fmt, width = _FORMAT[specs[c]]
            plan.append((c, _NUM, fmt, base.index(c), width, 0))
    return plan


def _segment_reader(cap: _core.Capture, base: List[str], chunksize: int, with_addresses: bool) -> Callable[[], Any]:
    ids = [_frames._ID[b] for b in base]
    state = {"first": True}

    def read() -> Any:
        if cap.closed:
            return None
        got = cap._read_columns(ids, chunksize)
        if got is None or (got[0] == 0 and not state["first"]):
            cap.close()
            return None
        state["first"] = False
        return got[0], got[1], cap._addresses() if with_addresses else None

    return read


class ArrowStream:
    """A table of a capture that Arrow consumers read through ``__arrow_c_stream__``
    (pyarrow ``pa.table(s)``, ``pa.RecordBatchReader.from_stream(s)``, polars
    ``pl.from_arrow(s)``, DuckDB ``duckdb.sql("from s")``). Each export reads the
    capture anew; the file is opened at construction, so a bad path or filter raises
    here, not inside the consumer."""

    def __init__(self, opener: Callable[[], Tuple[List[_PlanRow], Callable[[], Any]]]):
        self._opener = opener
        self._plan, reader = opener()
        self._pending: Optional[Callable[[], Any]] = reader

    def _stream(self) -> Any:
        reader = self._pending
        self._pending = None
        plan = self._plan
        if reader is None:
            plan, reader = self._opener()
        return _core._ArrowStream(reader, plan)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """A PyCapsule of an ArrowArrayStream over the capture's rows."""
        return self._stream().__arrow_c_stream__(requested_schema)

    def __arrow_c_schema__(self) -> Any:
        """A PyCapsule of the table's ArrowSchema."""
        return _core._ArrowStream(lambda: None, self._plan).__arrow_c_schema__()

    @property
    def columns(self) -> List[str]:
        """The column names, in order."""
        return [row[0] for row in self._plan]


def arrow_stream(path: PathLike, columns: Union[None, str, Sequence[str]] = None, filter: Optional[str] = None,
                 chunksize: Optional[int] = None) -> ArrowStream:
    """The segments table of a capture (the columns of :func:`tcptrace.segments`) as an
    Arrow stream, without pandas: record batches of at most ``chunksize`` rows.

    Types: integers keep their C width (nullable ones carry a validity bitmap), ``time``
    is ``timestamp[ns, UTC]``, seconds columns are ``float64`` (null where absent),
    ``flag_*`` and analysis flags are ``bool``, ``src``/``dst`` are
    ``dictionary<int32, utf8>``, ``eth_src``/``eth_dst`` ``utf8``, ``info``/``flags_str``
    ``large_utf8``, ``payload``/``options`` ``large_binary``.
    """
    cols = _frames._resolve(columns)
    size = _chunksize(chunksize)
    base = _frames._base_columns(cols)
    plan = _segment_plan(cols, base)
    dicts = any(row[1] == _DICT for row in plan)

    def opener() -> Tuple[List[_PlanRow], Callable[[], Any]]:
        cap = _frames._open(path, cols, filter)
        return plan, _segment_reader(cap, base, size, dicts)

    return ArrowStream(opener)


def _chunksize(chunksize: Optional[int]) -> int:
    if chunksize is None:
        return DEFAULT_CHUNKSIZE
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize <= 0:
        raise ValueError("chunksize must be a positive number of rows")
    return chunksize


# numpy dtype of a connections column (csrc/py/connection.c) -> (kind, Arrow format, width)
_CONN_FORMAT = {"?": (_BOOL, "b", 1), "<f8": (_NUM, "g", 8), "<u8": (_NUM, "L", 8), "<i8": (_NUM, "l", 8)}


def connections_stream(path: PathLike, filter: Optional[str] = None, linger: Optional[float] = None,
                       max_conns: Optional[int] = None, chunksize: Optional[int] = None) -> ArrowStream:
    """The connections table (the columns of :func:`tcptrace.connections`) as an Arrow
    stream, without pandas: record batches of at most ``chunksize`` connections, read as
    the connections end. Text columns are ``utf8``, optional numbers carry validity."""
    from .connections import COLUMNS

    size = _chunksize(chunksize)

    def opener() -> Tuple[List[_PlanRow], Callable[[], Any]]:
        cap = _core.Capture(path, filter=filter, linger=linger, max_conns=max_conns)
        rows, cols, strs = cap._connection_columns(size)
        plan: List[_PlanRow] = []
        for i, name in enumerate(COLUMNS):
            if name in strs:
                plan.append((name, _STR, "u", i, 1, 0))
            else:
                kind, fmt, width = _CONN_FORMAT[cols[name][1]]
                plan.append((name, kind, fmt, i, width, 0))
        first: List[Any] = [(rows, cols, strs)]

        def read() -> Any:
            if first:
                rows, cols, strs = first.pop()
            elif cap.closed:
                return None
            else:
                rows, cols, strs = cap._connection_columns(size)
                if rows == 0:
                    cap.close()
                    return None
            parts = [strs[n] if n in strs else (cols[n][0], cols[n][2]) for n in COLUMNS]
            return rows, parts, None

        return plan, read

    return ArrowStream(opener)


def to_table(stream: ArrowStream, to: str) -> Any:
    """A stream as what `to` names: "arrow" (pyarrow.Table), "polars" (DataFrame) or
    "stream" (the stream itself, for DuckDB or any Arrow consumer)."""
    if to == "stream":
        return stream
    if to == "arrow":
        try:
            import pyarrow as pa
        except ImportError as e:
            raise ImportError("to='arrow' needs pyarrow: pip install 'tcptrace[arrow]'") from e
        return pa.RecordBatchReader.from_stream(stream).read_all()
    if to == "polars":
        try:
            import polars as pl
        except ImportError as e:
            raise ImportError("to='polars' needs polars: pip install 'tcptrace[arrow]'") from e
        return pl.DataFrame(stream)
    raise ValueError(f"to={to!r}: expected 'pandas', 'arrow', 'polars' or 'stream'")
