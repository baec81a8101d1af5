"""The Arrow C stream (csrc/py/arrow.c, tcptrace/arrow.py): the segments and connections
tables as Arrow data, equal cell for cell to the pandas DataFrames, read by pyarrow,
polars and DuckDB without pandas."""
import gc
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import tcptrace
from tcptrace import _core
from tcptrace.frames import ALL_COLUMNS, TEXT_COLUMNS

from pcapbuild import ACK, CLIENT, PSH, SERVER, connection, frame, pcap

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

DATA = Path(__file__).parent / "data"
CAPTURES = sorted(p for p in DATA.iterdir() if p.suffix in (".pcap", ".pcapng"))
EVERY = [c for c in ALL_COLUMNS if c not in ("payload", "options")] + ["payload", "options"]


def _expected_type(name, s):
    """The Arrow type a pandas column maps to (docs/arrow.md)."""
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        return pa.dictionary(pa.int32(), pa.string()) if name in ("src", "dst") else pa.string()
    if isinstance(dt, pd.DatetimeTZDtype):
        return pa.timestamp("ns", tz="UTC")
    if isinstance(dt, pd.StringDtype) or (dt is np.dtype(object) and name in TEXT_COLUMNS):
        return pa.large_string() if name in TEXT_COLUMNS else pa.string()
    if dt is np.dtype(object):
        return pa.large_binary()
    return pa.from_numpy_dtype(dt.numpy_dtype if hasattr(dt, "numpy_dtype") else dt)


def _cells(s):
    """A pandas column as Python values, absent (NA, NaN, NaT) as None."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return [int(v) for v in s.astype("int64")]
    out = []
    for v in s.astype(object):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        else:
            out.append(v.item() if hasattr(v, "item") else v)
    return out


def _arrow_cells(col):
    if pa.types.is_timestamp(col.type):
        col = col.cast(pa.int64())
    elif pa.types.is_dictionary(col.type):
        col = col.cast(pa.string())
    return [None if isinstance(v, float) and math.isnan(v) else v for v in col.to_pylist()]


def _assert_same(table, df):
    assert table.column_names == list(df.columns)
    assert table.num_rows == len(df)
    for name in df.columns:
        assert table.schema.field(name).type == _expected_type(name, df[name]), name
        assert _arrow_cells(table.column(name)) == _cells(df[name]), name


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_segments_equal_the_dataframe_cell_for_cell(path):
    df = tcptrace.segments(path, columns=EVERY)
    table = tcptrace.segments(path, columns=EVERY, to="arrow")
    _assert_same(table, df)


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_connections_equal_the_dataframe_cell_for_cell(path):
    df = tcptrace.connections(path)
    table = tcptrace.connections(path, to="arrow")
    _assert_same(table, df)


def _capture(tmp_path, n=40):
    """A connection of n data segments (one lost, so the analysis has flags to show)."""
    pieces = [(i * 10, bytes([65 + i % 26]) * 10) for i in range(n) if i != 5]
    p = tmp_path / "c.pcap"
    p.write_bytes(pcap(connection(pieces, n * 10, server_ack=True)))
    return p


def test_chunks_are_record_batches_of_at_most_chunksize_rows(tmp_path):
    p = _capture(tmp_path)
    cols = ["frame", "time", "time_delta_displayed", "src", "lost_segment", "payload"]
    reader = pa.RecordBatchReader.from_stream(tcptrace.arrow_stream(p, columns=cols, chunksize=7))
    batches = list(reader)
    whole = tcptrace.segments(p, columns=cols)
    assert [b.num_rows for b in batches[:-1]] == [7] * (len(batches) - 1)
    assert 0 < batches[-1].num_rows <= 7
    # time_delta_displayed carries the row before across batches, as the chunked DataFrames do
    _assert_same(pa.Table.from_batches(batches), whole)
    assert any(b.column("lost_segment").to_pylist().count(True) for b in batches)


def test_a_stream_is_read_anew_on_each_export(tmp_path):
    s = tcptrace.arrow_stream(_capture(tmp_path), columns=["frame", "len"])
    first, second = pa.table(s), pa.table(s)
    assert first.equals(second) and first.num_rows > 40
    assert s.columns == ["frame", "len"]
    assert pa.schema(s) == first.schema  # __arrow_c_schema__


def test_the_core_stream_is_read_once_and_frees_an_unread_capsule(tmp_path):
    cap = _core.Capture(_capture(tmp_path), analysis=False, connections=False)
    st = _core._ArrowStream(lambda: None, [("frame", 0, "L", 0, 8, 0)])
    capsule = st.__arrow_c_stream__()
    with pytest.raises(ValueError, match="read once"):
        st.__arrow_c_stream__()
    del capsule  # never imported: the capsule's destructor releases the stream
    cap.close()


def test_batches_outlive_the_stream_and_the_capture(tmp_path):
    p = _capture(tmp_path)
    reader = pa.RecordBatchReader.from_stream(tcptrace.arrow_stream(p, columns=["frame", "src", "payload"]))
    batch = reader.read_next_batch()
    del reader
    gc.collect()
    assert batch.column("frame").to_pylist()[:3] == [1, 2, 3]
    assert batch.column("payload").to_pylist()[3] == b"A" * 10


def test_polars_and_duckdb_read_the_stream(tmp_path):
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    p = _capture(tmp_path)
    table = tcptrace.segments(p, to="arrow")
    df = tcptrace.segments(p, to="polars")
    assert isinstance(df, pl.DataFrame) and df.shape == (table.num_rows, table.num_columns)
    assert df["frame"].to_list() == table.column("frame").to_pylist()
    assert df["src"].cast(pl.String).to_list() == table.column("src").cast(pa.string()).to_pylist()
    segs = tcptrace.segments(p, to="stream")  # noqa: F841 - DuckDB finds it by name
    got = duckdb.sql("select dir, count(*), sum(len) from segs group by dir order by dir").fetchall()
    whole = tcptrace.segments(p)
    want = [(d, int((whole.dir == d).sum()), int(whole.len[whole.dir == d].sum())) for d in (0, 1)]
    assert got == want
    conns = tcptrace.connections(p, to="polars")
    assert conns.shape == (1, len(tcptrace.connections(p).columns))


def test_read_with_pandas_and_numpy_absent(tmp_path):
    p = _capture(tmp_path)
    code = f"""
import sys
sys.modules["pandas"] = None
sys.modules["numpy"] = None
import pyarrow as pa, tcptrace
t = tcptrace.segments({str(p)!r}, columns=["frame", "time", "src", "flag_syn", "ack_rtt", "payload"], to="arrow")
c = tcptrace.connections({str(p)!r}, to="arrow")
assert "pandas" not in sys.modules or sys.modules["pandas"] is None
print(t.num_rows, t.column("flag_syn").to_pylist()[:2], c.num_rows, c.column("stream").to_pylist())
try:
    import polars as pl
except ImportError:
    pass
else:
    assert pl.DataFrame(tcptrace.arrow_stream({str(p)!r})).height == t.num_rows
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    rows, rest = out.stdout.split(" ", 1)
    assert int(rows) == len(tcptrace.segments(p)) and rest.strip() == "[True, True] 1 [0]"


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# Under AddressSanitizer freed blocks wait in its quarantine (256 MB), so the process
# grows whatever is released: there ASan itself checks the releases instead.
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
@pytest.mark.skipif(os.environ.get("TCPTRACE_EXPECT_SANITIZED") == "1", reason="ASan's quarantine keeps freed memory")
def test_no_memory_kept_over_many_reads(tmp_path):
    p = tmp_path / "big.pcap"
    data = b"x" * 1000
    fr = [frame(CLIENT, SERVER, 1 + i * 1000, 1, PSH | ACK, data) for i in range(2000)]
    p.write_bytes(pcap(fr))
    cols = ["frame", "time", "src", "eth_src", "flag_ack", "ack_rtt", "time_delta_displayed", "payload"]

    def once():
        t = pa.table(tcptrace.arrow_stream(p, columns=cols, chunksize=300))
        assert t.num_rows == 2000
        c = pa.table(tcptrace.connections_stream(p))
        assert c.num_rows == 1

    for _ in range(5):
        once()
    gc.collect()
    before = _rss_bytes()
    for _ in range(100):  # ~200 MB read in all: a leak of the payload would show as 100x 2 MB
        once()
    gc.collect()
    assert _rss_bytes() - before < 16 << 20


def test_errors(tmp_path):
    p = _capture(tmp_path)
    with pytest.raises(FileNotFoundError):
        tcptrace.arrow_stream(tmp_path / "missing.pcap")
    with pytest.raises(ValueError, match="unknown column"):
        tcptrace.arrow_stream(p, columns=["frme"])
    with pytest.raises(ValueError, match="chunksize"):
        tcptrace.arrow_stream(p, chunksize=0)
    with pytest.raises(ValueError, match="to="):
        tcptrace.segments(p, to="excel")
    with pytest.raises(ValueError, match="one capture"):
        tcptrace.segments([p, p], to="arrow")
    with pytest.raises(TypeError):
        _core._ArrowStream(42, [])
    with pytest.raises(ValueError, match="bad plan row"):
        _core._ArrowStream(lambda: None, [("x", 99, "L", 0, 8, 0)])


def test_a_read_error_reaches_the_consumer_with_its_message(tmp_path):
    good = pcap([frame(CLIENT, SERVER, 1, 1, ACK)] * 3)
    # a record header claiming 200 MB: the reader stops with a format error mid-read
    bad = good + struct.pack("<IIII", 2000, 0, 200 << 20, 200 << 20) + b"\0" * 64
    p = tmp_path / "bad.pcap"
    p.write_bytes(bad)
    with pytest.raises(tcptrace.CaptureFormatError) as pandas_err:
        tcptrace.segments(p)
    with pytest.raises(OSError) as arrow_err:
        pa.table(tcptrace.arrow_stream(p, columns=["frame"], chunksize=1))
    assert "CaptureFormatError" in str(arrow_err.value)
    assert str(pandas_err.value) in str(arrow_err.value)


def test_a_bad_chunk_from_the_reader_is_an_error_not_a_crash():
    short = _core._ArrowStream(lambda: (10, [(b"\0" * 8, None)], None), [("frame", 0, "L", 0, 8, 0)])
    with pytest.raises(OSError, match="shorter than its chunk"):
        pa.table(short)
    no_list = _core._ArrowStream(lambda: (1, [(b"\0" * 4, None)], None), [("src", 4, "i", 0, 4, 0)])
    with pytest.raises(OSError, match="address list"):
        pa.table(no_list)
