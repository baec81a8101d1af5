"""What the workers run: read one file (or a sensor's files joined), key the streams,
shape a partition. Plain functions of plain arguments, so Dask can ship them."""
from __future__ import annotations

import io
import struct
from typing import Any, BinaryIO, Dict, List, Optional, Sequence, Tuple, Union

from .. import _core
from ..connections import _frame_from_capture
from ..frames import _frame
from ._files import Chunk, PcapChain, PcapRange
from ._keys import KEY_COLUMNS, KeyState, key_column, resolve, stream_table

Source = Union[str, BinaryIO]
# (segments with the key columns, stream table, connections or None)
Read = Tuple[Any, Any, Optional[Any]]


def read_columns(user_columns: Sequence[str]) -> List[str]:
    return list(dict.fromkeys([*user_columns, *KEY_COLUMNS]))


def _read(source: Source, name: str, columns: Sequence[str], filter: Optional[str], conns: bool) -> Read:
    try:
        with _core.Capture(source, filter=filter, analysis=True, connections=conns) as cap:
            seg = _frame(cap, read_columns(columns), 0)
            con = _frame_from_capture(cap) if conns else None
    except (OSError, ValueError) as e:
        # name the file: on a cluster the traceback is the only clue which one it was
        raise type(e)(f"{name}: {e}") from e
    assert seg is not None  # the first read of a capture always gives a (maybe empty) frame
    return seg, stream_table(seg), con


def read_file(path: str, columns: Sequence[str], filter: Optional[str], conns: bool,
              chunk: Optional[Chunk] = None) -> Read:
    """A whole file, or one chunk of a large classic pcap file (its frame numbers then
    count from the file's first record, as a read of the whole file would)."""
    if chunk is None:
        return _read(path, path, columns, filter, conns)
    start, end, first_record = chunk[0], chunk[1], chunk[2]
    with io.BufferedReader(PcapRange(path, start, end), buffer_size=1 << 20) as stream:
        seg, table, con = _read(stream, f"{path} (bytes {start}-{end})", columns, filter, conns)
    if first_record:
        for c in ("frame", "dup_ack_frame", "acks_frame"):
            if c in seg.columns:
                seg[c] = seg[c] + first_record
        if con is not None:
            con["first_frame"] = con["first_frame"] + first_record
            con["last_frame"] = con["last_frame"] + first_record
    return seg, table, con


def read_connections(path: str, filter: Optional[str], chunk: Optional[Chunk] = None) -> Read:
    """(None, stream table, connections) of a file or chunk: the segments are read
    only for the key and not kept (nor shipped to the task that merges)."""
    _seg, table, con = read_file(path, [], filter, True, chunk)
    return None, table, con


def read_sensor(paths: Sequence[str], columns: Sequence[str], filter: Optional[str],
                conns: bool) -> Tuple[List[Any], Any, Optional[Any], Any]:
    """A sensor's files joined in order and read as one capture (the analysis carries
    across file boundaries); returns the segments split back per file, the stream
    table, the connections and the index (among paths) of the file where each
    connection's first segment is."""
    import numpy as np

    chain = PcapChain(paths)
    with io.BufferedReader(chain, buffer_size=1 << 20) as stream:
        seg, table, con = _read(stream, " + ".join(paths), columns, filter, conns)
    ends = np.cumsum(chain.records)
    starts = np.concatenate([[0], ends[:-1]])
    frame = seg["frame"].to_numpy() if "frame" in seg.columns else None
    pieces: List[Any] = []
    for lo, hi in zip(starts, ends):
        if frame is None:
            raise ValueError("carry_state=True needs the frame column")
        pieces.append(seg[(frame > lo) & (frame <= hi)].reset_index(drop=True))
    file_index = None
    if con is not None:
        first = con["first_frame"].to_numpy().astype("int64")
        file_index = np.minimum(np.searchsorted(ends, first, side="left"), len(paths) - 1)
    return pieces, table, con, file_index


def resolve_keys(state: KeyState, table: Any, continue_within_s: float) -> Tuple[Dict[int, str], KeyState]:
    return resolve(state, table, continue_within_s)


# (stream -> key of one file, the state for the sensor's next file)
Resolved = Tuple[Dict[int, str], KeyState]


def resolve_after(prev: Optional[Resolved], read: Read, continue_within_s: float) -> Resolved:
    """The keys of a file's streams after the sensor's previous file. Takes the whole
    read (not its table) so that Dask runs it where the read is, without a getitem
    task and a scheduler round trip per file in the chain."""
    return resolve(prev[1] if prev is not None else {}, read[1], continue_within_s)


def segment_partition_of(read: Read, resolved: Resolved, columns: Sequence[str], file: int, files: Sequence[str],
                         sensor: int, sensors: Sequence[str], time_index: bool,
                         bounds_ns: Optional[Tuple[int, int, bool]]) -> Any:
    return segment_partition(read[0], resolved[0], columns, file, files, sensor, sensors, time_index, bounds_ns)


def connection_part_of(read: Read, resolved: Resolved, file: int, files: Sequence[str], sensor: int,
                       sensors: Sequence[str]) -> Any:
    return connection_part(read[2], resolved[0], file, files, sensor, sensors)


def _constant(code: int, categories: Sequence[str], n: int) -> Any:
    """A categorical column of n times categories[code] (from codes: no string per row)."""
    import numpy as np
    import pandas as pd

    codes = np.full(n, code, dtype="int32")
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(categories)))


def segment_partition(seg: Any, keys: Dict[int, str], columns: Sequence[str], file: int, files: Sequence[str],
                      sensor: int, sensors: Sequence[str], time_index: bool,
                      bounds_ns: Optional[Tuple[int, int, bool]]) -> Any:
    """The user's columns plus file, sensor and conn_key; indexed by time when asked.
    file and sensor are indexes into files and sensors (one list shared by every
    task of the graph). bounds_ns = (low, high, high_inclusive): the partition's
    division range, checked."""
    import pandas as pd

    out = seg[[c for c in columns if not (time_index and c == "time")]]
    n = len(out)
    out.insert(0, "sensor", _constant(sensor, sensors, n))
    out.insert(0, "file", _constant(file, files, n))
    out["conn_key"] = key_column(seg["stream"], keys)
    if time_index:
        out.index = pd.DatetimeIndex(seg["time"], name="time")
        if bounds_ns is not None and n:
            t = out.index.asi8
            lo, hi, inclusive = bounds_ns
            bad = (t < lo) | ((t > hi) if inclusive else (t >= hi))
            if bad.any():
                raise ValueError(f"{files[file]}: {int(bad.sum())} segments lie outside the file's time range "
                                 "(stamps go back across a rotation); use divisions='scan' or False")
    return out


def _conn_frame(con: Any, keys: Dict[int, str], files: Sequence[str], file_index: Any,
                sensor: int, sensors: Sequence[str]) -> Any:
    import numpy as np
    import pandas as pd

    out = con.copy()
    n = len(out)
    out["conn_key"] = pd.array(np.asarray(key_column(out["stream"].astype("Int64"), keys), dtype=object),
                               dtype="string")
    missing = out["conn_key"].isna().to_numpy(bool)
    if missing.any():  # a connection with no segment row (cannot happen today): its own key
        out.loc[missing, "conn_key"] = [f"{c}:{cp}-{s}:{sp}/t={t}" for c, cp, s, sp, t in zip(
            out.loc[missing, "client"], out.loc[missing, "client_port"], out.loc[missing, "server"],
            out.loc[missing, "server_port"], out.loc[missing, "first_time_ns"])]
    extra = pd.DataFrame({
        "sensor": _constant(sensor, sensors, n),
        "file": pd.Categorical.from_codes(file_index, categories=pd.Index(list(files))) if n
        else pd.Categorical([], categories=list(files)),
        "n_parts": pd.array([1] * n, dtype="int64"),
    }, index=out.index)
    return pd.concat([out, extra], axis=1)


def connection_part(con: Any, keys: Dict[int, str], file: int, files: Sequence[str], sensor: int,
                    sensors: Sequence[str]) -> Any:
    import numpy as np

    return _conn_frame(con, keys, files, np.full(len(con), file, dtype="int64"), sensor, sensors)


def connection_part_carried(con: Any, local_index: Any, keys: Dict[int, str], first_file: int,
                            files: Sequence[str], sensor: int, sensors: Sequence[str]) -> Any:
    """A sensor's connections read with carry_state; its files are files[first_file:]
    in order, local_index says in which of them each connection began."""
    return _conn_frame(con, keys, files, first_file + local_index, sensor, sensors)


def empty_pcap() -> bytes:
    """A classic pcap header and no record: read to get frames with the right dtypes."""
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def empty_read(columns: Sequence[str], conns: bool) -> Read:
    return _read(io.BufferedReader(io.BytesIO(empty_pcap())), "<meta>", columns, None, conns)
