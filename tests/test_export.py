"""Parquet export: the same rows and values as segments(), in row groups."""
import pytest

pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")

import tcptrace  # noqa: E402

from conftest import DATA  # noqa: E402
from test_cli import run  # noqa: E402


def test_to_parquet_round_trips_the_segments_table(tmp_path, seed_capture):
    out = tmp_path / "seed.parquet"
    assert tcptrace.to_parquet(seed_capture, out, row_group_size=5) == 13
    f = pq.ParquetFile(out)
    assert f.metadata.num_row_groups == 3
    back = pq.read_table(out).to_pandas()
    df = tcptrace.segments(seed_capture)
    assert list(back.columns) == list(df.columns)
    assert back["frame"].tolist() == df["frame"].tolist()
    assert back["src"].astype(str).tolist() == df["src"].astype(str).tolist()
    assert back["duplicate_ack"].tolist() == df["duplicate_ack"].tolist()
    assert back["mss"].isna().tolist() == df["mss"].isna().tolist()


def test_export_cli(tmp_path):
    out = tmp_path / "x.parquet"
    r = run("export", "-o", out, "-c", "frame,stream,seq,len", DATA / "port_reuse_bug7657.pcap")
    assert "segments written" in r.stderr
    back = pq.read_table(out).to_pandas()
    assert list(back.columns) == ["frame", "stream", "seq", "len"]
    assert len(back) == len(tcptrace.segments(DATA / "port_reuse_bug7657.pcap", columns=["frame"]))


def test_export_of_a_capture_without_tcp_is_an_empty_readable_file(tmp_path, seed_capture):
    out = tmp_path / "none.parquet"
    assert tcptrace.to_parquet(seed_capture, out, filter="udp") == 0
    assert pq.read_table(out).num_rows == 0
