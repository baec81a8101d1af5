"""Captures by the terabyte on Dask: one partition per capture file.

    from distributed import Client
    import tcptrace.dask
    client = Client("scheduler:8786")                 # or a LocalCluster
    seg = tcptrace.dask.segments("/captures/sensor*/*.pcap", columns=["time", "src", "dst", "len"])
    con = tcptrace.dask.connections("/captures/sensor*/*.pcap")
    con.groupby("server_port").payload_bytes_s2c.sum().compute()

Both return ``dask.dataframe`` collections with known dtypes, built on whatever Dask
scheduler is current (a ``distributed.Client`` if one was made). The files are read by
the workers, so they must be where the workers are (shared file system). Each file's
segments carry ``conn_key``, a connection key that stays the same across files, and
:func:`connections` merges the parts of a connection that spans several files
(:data:`MERGE_RULES`). See ``docs/dask.md``. Needs ``pip install 'tcptrace[dask]'``.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple, Union

from ..frames import _ANALYSIS_BASE, ALL_COLUMNS, _base_columns, _resolve
from . import _tasks
from ._files import PathLike, SensorOf
from ._keys import CONTINUE_WITHIN_S
from ._merge import MERGE_RULES, merge_parts, rules_table
from ._plan import Plan, need_dask

# A dask.dataframe.DataFrame (its class moved between Dask versions: typed loosely).
DaskDataFrame = Any

__all__ = ["segments", "connections", "MERGE_RULES", "FILE_STATE_COLUMNS", "merge_parts", "rules_table"]

#: Segment columns that depend on what came before in the capture (the TCP analysis,
#: times relative to the first frame or since the frame before, frame numbers). Read file by file they can
#: differ from the concatenated capture's for segments of connections that began in
#: an earlier file; with carry_state=True they do not. Every other column (addresses,
#: ports, raw sequence numbers, flags, lengths, options, times) is the same either way.
FILE_STATE_COLUMNS = ["frame", "time_rel", "time_rel_ns", "time_delta", "time_delta_ns", "time_delta_displayed"] + [
    c for c in ALL_COLUMNS if any(b in _ANALYSIS_BASE for b in _base_columns([c]))]

# Columns every partition of segments() has besides those asked for.
_ADDED = ("file", "sensor", "conn_key")

# Parts merged together at each level of the connections' tree reduction.
SPLIT_EVERY = 8


def _categorical_unknown(meta: Any, columns: Sequence[str]) -> Any:
    """Mark address categoricals as having unknown categories: each file has its own
    address dictionary; Dask unions them when partitions are concatenated."""
    import pandas as pd
    from dask.dataframe.utils import UNKNOWN_CATEGORIES

    for c in columns:
        if c in meta.columns and isinstance(meta[c].dtype, pd.CategoricalDtype):
            meta[c] = pd.Categorical([], categories=[UNKNOWN_CATEGORIES])
    return meta


def segments(paths_or_glob: Union[PathLike, Sequence[PathLike]], columns: Union[None, str, Sequence[str]] = None,
             filter: Optional[str] = None, *, carry_state: bool = False, sensor: SensorOf = None,
             index: Optional[str] = "time", divisions: Union[bool, str] = "scan", check_files: bool = True,
             on_error: str = "raise", partition_bytes: Optional[int] = None,
             continue_within: float = CONTINUE_WITHIN_S) -> DaskDataFrame:
    """One row per TCP segment of many captures, as a lazy ``dask.dataframe``.

    ``paths_or_glob``: a glob pattern (``"/captures/*.pcap"``), a path, or a list of
    either. ``columns`` and ``filter`` are those of :func:`tcptrace.segments`. Every
    partition also has ``file`` and ``sensor`` (categoricals over all files and
    sensors) and ``conn_key`` (a categorical naming the connection the same way in
    every file). One partition per file (or per chunk, ``partition_bytes``), files in
    capture order within each sensor.

    ``index="time"`` (default) indexes each partition by segment time (the ``time``
    column becomes the index). The divisions are known when the files are ordered in
    time: with ``divisions="scan"`` (default, or True) the workers first read every
    file's time stamps (no TCP analysis: a fraction of the full read) and the
    divisions are known when each file ends before the next begins; with
    ``divisions="first"`` only each file's first segment is read on the client (cheap),
    and a partition whose segments stray out of its range (stamps that go back at a
    rotation) fails with ValueError; ``divisions=False`` leaves them unknown.
    ``index=None`` keeps a per-partition range index and unknown divisions.

    Without ``carry_state`` each file is analysed on its own: segments in the first
    moments of a file lack the previous file's state (see ``docs/dask.md``: relative
    sequence numbers, analysis flags). ``carry_state=True`` reads each sensor's files
    in order as one capture in one task (classic pcap files only), so every column
    equals that of the concatenated capture; ``frame`` then counts across the sensor's
    files. ``sensor`` groups files: None (their directory), a regular expression (its
    first group, else its match, in the path) or a callable of the path.

    ``check_files=True`` checks on the client that every file can be opened (and
    reads each file's first segment for the divisions); pass False when only the
    workers see the files. ``on_error="skip"`` leaves unreadable files out with a
    warning that counts them instead of raising.

    ``partition_bytes=N`` cuts uncompressed classic pcap files larger than N bytes
    into partitions of about N bytes at record boundaries (the workers walk the record
    headers first); each chunk is analysed on its own, like a file of its own, but
    ``frame`` still counts from the file's first record. Ignored with
    ``carry_state=True``.

    ``continue_within`` (seconds, default 7200): a stream of a file that shows no SYN
    takes the key of the latest earlier connection on the same endpoints if that one
    was seen at most this long before; otherwise it starts a key of its own.
    """
    _dask, dd = need_dask()
    import pandas as pd
    from dask.delayed import delayed

    if columns is not None and not isinstance(columns, str):
        columns = [c for c in columns if c not in _ADDED]  # always there anyway
    cols = _resolve(columns)
    if index not in ("time", None):
        raise ValueError("index must be 'time' or None")
    time_index = index == "time"
    plan = Plan(paths_or_glob, filter, sensor, check_files, on_error,
                 None if carry_state else partition_bytes)
    if divisions not in (True, False, "scan", "first"):
        raise ValueError("divisions must be 'scan', 'first' or False")
    divs_ns = None
    if time_index and divisions == "first":
        divs_ns = plan.divisions_first_ns()
    elif time_index and divisions:
        divs_ns = plan.divisions_scan_ns()
    checked = divisions == "first"  # scanned divisions hold by construction

    empty_seg = _tasks.empty_read(cols, conns=False)[0]
    meta = _tasks.segment_partition(empty_seg, {}, cols, 0, plan.files, 0, plan.sensors, time_index, None)
    meta = _categorical_unknown(meta, ["src", "dst", "conn_key"])

    def bounds(i: int) -> Optional[Tuple[int, int, bool]]:
        if divs_ns is None or not checked:
            return None
        return divs_ns[i], divs_ns[i + 1], i + 2 == len(divs_ns)

    # the lists of files and sensors enter the graph once, not once per partition
    files_d, sensors_d = delayed(plan.files, traverse=False), delayed(plan.sensors, traverse=False)
    file_no = {f: k for k, f in enumerate(plan.files)}
    parts: List[Any] = []
    i = 0
    for s_no, s in enumerate(plan.sensors):
        files = plan.by_sensor[s]
        if carry_state:
            read = delayed(_tasks.read_sensor, nout=4, pure=True)(files, cols, filter, False)
            keys, _state = delayed(_tasks.resolve_keys, nout=2, pure=True)({}, read[1], continue_within)
            for j, f in enumerate(files):
                parts.append(delayed(_tasks.segment_partition, pure=True)(
                    read[0][j], keys, cols, file_no[f], files_d, s_no, sensors_d, time_index, bounds(i)))
                i += 1
            continue
        resolved: Any = None
        for f, chunk in plan.units(s):
            r = delayed(_tasks.read_file, pure=True)(f, cols, filter, False, chunk)
            resolved = delayed(_tasks.resolve_after, pure=True)(resolved, r, continue_within)
            parts.append(delayed(_tasks.segment_partition_of, pure=True)(
                r, resolved, cols, file_no[f], files_d, s_no, sensors_d, time_index, bounds(i)))
            i += 1
    divs = None
    if divs_ns is not None:
        divs = tuple(pd.Timestamp(t, unit="ns", tz="UTC") for t in divs_ns)
    out: DaskDataFrame = dd.from_delayed(parts, meta=meta, divisions=divs, verify_meta=False)
    return out


def connections(paths_or_glob: Union[PathLike, Sequence[PathLike]], filter: Optional[str] = None, *,
                carry_state: bool = False, sensor: SensorOf = None, check_files: bool = True,
                on_error: str = "raise", split_every: int = SPLIT_EVERY,
                partition_bytes: Optional[int] = None, continue_within: float = CONTINUE_WITHIN_S) -> DaskDataFrame:
    """One row per TCP connection of many captures, as a lazy ``dask.dataframe`` (one
    partition).

    The columns of :func:`tcptrace.connections`, plus ``conn_key``, ``sensor``,
    ``file`` (where the connection was first seen) and ``n_parts`` (how many
    partitions, files or chunks of a file, it spans). Each file's connections are
    computed where the file is; the parts of a connection cut by file rotation
    (same sensor and ``conn_key``) are merged by a tree reduction (``split_every``
    parts at a time) following :data:`MERGE_RULES`: counts
    add up to those of the concatenated capture; what depends on the analysis state
    at a file boundary is listed there and in ``docs/dask.md``. With
    ``carry_state=True`` each sensor's files are read in order as one capture, and
    every column equals that of the concatenated capture. Other arguments as in
    :func:`segments` (``partition_bytes``: a large file's chunks are merged like
    files).
    """
    _dask, dd = need_dask()
    from dask.delayed import delayed

    if split_every < 2:
        raise ValueError("split_every must be at least 2")
    plan = Plan(paths_or_glob, filter, sensor, check_files, on_error,
                 None if carry_state else partition_bytes)
    empty = _tasks.empty_read([], conns=True)
    meta = _tasks.connection_part(empty[2], {}, 0, plan.files, 0, plan.sensors)
    files_d, sensors_d = delayed(plan.files, traverse=False), delayed(plan.sensors, traverse=False)
    file_no = {f: k for k, f in enumerate(plan.files)}

    parts: List[Any] = []
    for s_no, s in enumerate(plan.sensors):
        files = plan.by_sensor[s]
        if carry_state:
            read = delayed(_tasks.read_sensor, nout=4, pure=True)(files, [], filter, True)
            keys, _state = delayed(_tasks.resolve_keys, nout=2, pure=True)({}, read[1], continue_within)
            parts.append(delayed(_tasks.connection_part_carried, pure=True)(
                read[2], read[3], keys, file_no[files[0]], files_d, s_no, sensors_d))
            continue
        resolved: Any = None
        for f, chunk in plan.units(s):
            r = delayed(_tasks.read_connections, pure=True)(f, filter, chunk)
            resolved = delayed(_tasks.resolve_after, pure=True)(resolved, r, continue_within)
            parts.append(delayed(_tasks.connection_part_of, pure=True)(r, resolved, file_no[f], files_d, s_no,
                                                                       sensors_d))
    level = parts
    while len(level) > 1:
        level = [delayed(_merge_group, pure=True)(level[k:k + split_every])
                 for k in range(0, len(level), split_every)]
    final = delayed(merge_parts, pure=True)(level[0])
    out: DaskDataFrame = dd.from_delayed([final], meta=meta, verify_meta=False)
    return out


def _merge_group(frames: Sequence[Any]) -> Any:
    import pandas as pd

    frames = [f for f in frames if len(f)] or list(frames[:1])
    return merge_parts(pd.concat(frames, ignore_index=True))

