"""Per-connection statistics: a pandas DataFrame with one row per TCP connection.

The C core keeps fixed-size statistics per connection while it reads and hands over a
finished record when a connection ends; the columns are filled in C from those records
(no Python object per packet or per connection) and wrapped with ``numpy.frombuffer``.
Per-direction columns end in ``_c2s`` (client -> server) and ``_s2c``. Every column
is documented in ``docs/connections.md``.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Union, cast, overload

from . import _core

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

PathLike = Union[str, "os.PathLike[str]"]

CONN_FIELDS, DIR_FIELDS = _core.Connection._fields()

#: Every column of :func:`connections`, in order.
COLUMNS: List[str] = list(CONN_FIELDS) + [f"{n}{s}" for n in DIR_FIELDS for s in ("_c2s", "_s2c")]


@overload
def connections(path: PathLike, filter: Optional[str] = None, linger: Optional[float] = None,
                max_conns: Optional[int] = None, chunksize: None = None) -> pd.DataFrame: ...
@overload
def connections(path: PathLike, filter: Optional[str] = None, linger: Optional[float] = None,
                max_conns: Optional[int] = None, *, chunksize: int) -> Iterator[pd.DataFrame]: ...
@overload
def connections(path: PathLike, filter: Optional[str] = None, linger: Optional[float] = None,
                max_conns: Optional[int] = None, chunksize: Optional[int] = None, *, to: str) -> Any: ...
def connections(path: PathLike, filter: Optional[str] = None, linger: Optional[float] = None,
                max_conns: Optional[int] = None, chunksize: Optional[int] = None,
                *, to: str = "pandas") -> Union[pd.DataFrame, Iterator[pd.DataFrame], Any]:
    """One row per TCP connection of a capture, in the order the connections ended.

    ``filter`` is a BPF expression. ``linger`` is the capture time in seconds a closed
    connection is kept for late segments (None: 120 s; negative: never freed).
    ``max_conns`` bounds the connections held in memory at once (None: 1,000,000);
    beyond it the least recently active is ended early (``end_reason`` "evicted").
    With ``chunksize=N`` an iterator of DataFrames of at most N rows is returned, each
    read as the connections end, so memory is bounded by N rows (the table costs
    ~2.9 KB per row) plus the connections held (``max_conns``) however many the
    capture has: a flood of connections never needs the whole table at once.
    Optional values (``mss_c2s``, ``rtt_min_c2s`` ...) are missing (NA / NaN) when
    absent.

    ``to="arrow"`` gives a ``pyarrow.Table``, ``to="polars"`` a polars DataFrame and
    ``to="stream"`` an Arrow stream, without pandas; ``chunksize`` is then the
    connections per record batch (see ``docs/arrow.md``).
    """
    if to != "pandas":
        from . import arrow

        return arrow.to_table(arrow.connections_stream(path, filter, linger, max_conns, chunksize), to)
    if chunksize is not None:
        if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize <= 0:
            raise ValueError("chunksize must be a positive number of rows")
        # Opened here, so a bad path or filter raises at the call, not at the first chunk.
        cap = _core.Capture(path, filter=filter, linger=linger, max_conns=max_conns)
        return _chunks(cap, chunksize)
    with _core.Capture(path, filter=filter, linger=linger, max_conns=max_conns) as cap:
        df = _frame_from_capture(cap)
    return df


def _chunks(cap: _core.Capture, chunksize: int) -> Iterator[pd.DataFrame]:
    """DataFrames of at most chunksize connections until the capture ends (one, maybe
    empty, when it has none)."""
    with cap:
        first = True
        while True:
            df = _frame_from_capture(cap, chunksize)
            if len(df) == 0 and not first:
                return
            first = False
            yield df
            del df  # the caller's chunk only: not alive while the next one is built


def _frame_from_capture(cap: _core.Capture, max_rows: int = 0) -> pd.DataFrame:
    """The next max_rows connections of a capture opened with connections on (0: read
    to its end)."""
    try:
        import numpy as np
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("tcptrace.connections needs pandas: pip install 'tcptrace[pandas]'") from e
    rows, cols, strs = cap._connection_columns(max_rows)
    out: Dict[str, Any] = {}
    for name in COLUMNS:
        if name in strs:
            out[name] = pd.array(strs[name], dtype="string") if rows else pd.array([], dtype="string")
            continue
        data, dtype, valid = cols[name]
        # cast: a buffer-protocol object, which numpy's stubs before Python 3.12 cannot express
        arr: Any = np.frombuffer(cast(bytes, data), dtype=dtype, count=rows)
        if valid is not None:
            ok = np.frombuffer(cast(bytes, valid), dtype="?", count=rows)
            arr = pd.arrays.IntegerArray(arr, ~ok)
        out[name] = arr
    df = pd.DataFrame(out, copy=False)
    return df
