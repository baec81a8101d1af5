"""Arrow and Parquet export of the segments table, streaming in row groups.

    tcptrace.to_parquet("dump.pcap", "dump.parquet")
    tcptrace export dump.pcap -o dump.parquet

The capture is read chunk by chunk (``segments(..., chunksize=row_group_size)``) and each
chunk written as one Parquet row group, so memory stays bounded by the row group size.
Addresses are dictionary-encoded strings; nullable integers keep their nulls.
"""
from __future__ import annotations

import os
from typing import Any, Optional, Sequence, Union

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
    tmp = f"{os.fspath(out)}.part"
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
        os.replace(tmp, out)
    finally:
        if writer is not None:
            writer.close()
        if os.path.exists(tmp):
            os.unlink(tmp)
    del pa
    return rows
