"""Arrow and Parquet export of the segments table, streaming in row groups.

    tcptrace.to_parquet("dump.pcap", "dump.parquet")
    tcptrace export dump.pcap -o dump.parquet

The capture is read chunk by chunk (``segments(..., chunksize=row_group_size)``) and each
chunk written as one Parquet row group, so memory stays bounded by the row group size.
Addresses are dictionary-encoded strings; nullable integers keep their nulls.

Many captures (rotated files, several sensors) go to one Hive-partitioned dataset::

    tcptrace.export.to_parquet_dataset("captures/*.pcap", "dataset/")
    tcptrace export 'captures/*.pcap' -o dataset/ --parquet
"""
from __future__ import annotations

import os
import shutil
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Union

from .frames import PathLike, segments

DEFAULT_ROW_GROUP = 1_000_000


def _need_pyarrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("Parquet export needs pyarrow: pip install 'tcptrace[parquet]'") from e
    return pa


def _table(df: Any, schema: Any) -> Any:
    pa = _need_pyarrow()
    table = pa.Table.from_pandas(df, preserve_index=False)
    if schema is None:
        # Dictionary indices wide enough for any later chunk's addresses.
        fields = []
        for f in table.schema:
            if pa.types.is_dictionary(f.type):
                f = pa.field(f.name, pa.dictionary(pa.int32(), pa.string()), f.nullable)
            fields.append(f)
        schema = pa.schema(fields)
    return table.cast(schema), schema


def to_parquet(capture: PathLike, out: Union[str, os.PathLike[str]],
               columns: Union[None, str, Sequence[str]] = None, filter: Optional[str] = None,
               row_group_size: int = DEFAULT_ROW_GROUP, compression: str = "zstd") -> int:
    """Write the segments of ``capture`` to the Parquet file ``out``; returns the rows written.

    ``columns`` and ``filter`` are those of :func:`tcptrace.segments`.
    """
    pa = _need_pyarrow()
    import pyarrow.parquet as pq

    writer = None
    schema = None
    rows = 0
    # written beside OUT and renamed over it once whole; but a device or pipe given as
    # OUT (/dev/stdout, a FIFO) is written in place: renaming would replace it
    special = os.path.exists(out) and not os.path.isfile(out)
    tmp = os.fspath(out) if special else f"{os.fspath(out)}.part"
    try:
        for df in segments(capture, columns=columns, filter=filter, chunksize=row_group_size):
            table, schema = _table(df, schema)
            if writer is None:
                writer = pq.ParquetWriter(tmp, schema, compression=compression)
            writer.write_table(table, row_group_size=row_group_size)
            rows += len(df)
        if writer is None:  # no segment at all: still a readable (empty) file
            df = next(iter(segments(capture, columns=columns, filter=filter, chunksize=1)))
            table, schema = _table(df, None)
            writer = pq.ParquetWriter(tmp, schema, compression=compression)
            writer.write_table(table.slice(0, 0))
        writer.close()
        writer = None
        if not special:
            os.replace(tmp, out)
    finally:
        if writer is not None:
            writer.close()
        if not special and os.path.exists(tmp):
            os.unlink(tmp)
    del pa
    return rows


class DatasetSummary(NamedTuple):
    """What :func:`to_parquet_dataset` wrote."""

    rows: int
    files_written: int
    captures: int
    skipped: List[str]


def _partition_value(text: str) -> str:
    # Hive partition values are URI-encoded path segments; pyarrow (hence pandas, Dask),
    # DuckDB and Spark decode them.
    from urllib.parse import quote

    return quote(text, safe="._-")


def _capture_names(paths: List[str]) -> Dict[str, str]:
    """The `file=` value of each capture: its path relative to the captures' common
    directory (so sensor1/dump0.pcap and sensor2/dump0.pcap stay apart)."""
    absolute = [os.path.abspath(p) for p in paths]
    common = os.path.commonpath([os.path.dirname(p) for p in absolute])
    return {p: os.path.relpath(a, common) for p, a in zip(paths, absolute)}


def to_parquet_dataset(captures: Union[PathLike, Sequence[PathLike]], out_dir: Union[str, os.PathLike[str]],
                       columns: Union[None, str, Sequence[str]] = None, filter: Optional[str] = None,
                       row_group_size: int = DEFAULT_ROW_GROUP, compression: str = "zstd",
                       on_error: str = "raise") -> DatasetSummary:
    """Write the segments of many captures as one Hive-partitioned Parquet dataset::

        OUT/file=<capture>/hour=<YYYY-MM-DDTHH>/part-0.parquet

    ``captures``: paths and/or glob patterns. ``hour`` is the UTC hour of the segments'
    time. pandas (``pd.read_parquet(OUT)``), Dask, DuckDB (``read_parquet('OUT/**/*.parquet',
    hive_partitioning=true)``) and Spark read it as one table with ``file`` and ``hour``
    columns. A capture's partition is replaced when it is exported again. Each capture is
    read in chunks of ``row_group_size`` rows (memory stays bounded). ``on_error="skip"``
    leaves out captures that cannot be read, listed in the returned summary.
    """
    pa = _need_pyarrow()
    import pyarrow.parquet as pq

    from .dask._files import expand
    from .frames import _resolve

    if on_error not in ("raise", "skip"):
        raise ValueError("on_error must be 'raise' or 'skip'")
    cols = _resolve(columns)
    if "time" not in cols:
        raise ValueError("the dataset is partitioned by hour: include the time column")
    paths = expand(captures)
    names = _capture_names(paths)
    root = os.fspath(out_dir)
    os.makedirs(root, exist_ok=True)
    schema = None
    rows = files = 0
    skipped: List[str] = []
    for path in paths:
        file_dir = os.path.join(root, "file=" + _partition_value(names[path]))
        tmp_dir = file_dir + ".part"
        if os.path.exists(tmp_dir):
            shutil.rmtree(tmp_dir)
        writers: Dict[str, Any] = {}
        try:
            for df in segments(path, columns=cols, filter=filter, chunksize=row_group_size):
                if len(df) == 0:
                    continue
                hours = df["time"].dt.strftime("%Y-%m-%dT%H")
                for hour, part in df.groupby(hours.to_numpy(), sort=True):
                    table, schema = _table(part, schema)
                    if hour not in writers:
                        d = os.path.join(tmp_dir, "hour=" + _partition_value(str(hour)))
                        os.makedirs(d, exist_ok=True)
                        writers[hour] = pq.ParquetWriter(os.path.join(d, "part-0.parquet"), schema,
                                                         compression=compression)
                    writers[hour].write_table(table, row_group_size=row_group_size)
                    rows += len(part)
            for w in writers.values():
                w.close()
            files += len(writers)
            writers = {}
            if os.path.exists(file_dir):
                shutil.rmtree(file_dir)
            if os.path.exists(tmp_dir):
                os.replace(tmp_dir, file_dir)
        except OSError as e:  # unreadable or not a capture (CaptureError is an OSError)
            if on_error != "skip":
                raise
            skipped.append(f"{path}: {e}")
        finally:
            for w in writers.values():
                w.close()
            if os.path.exists(tmp_dir):
                shutil.rmtree(tmp_dir)
    del pa
    return DatasetSummary(rows, files, len(paths), skipped)
