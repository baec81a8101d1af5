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


# -- many captures: a Hive-partitioned dataset (file=<capture>/hour=<UTC hour>) ------------

def _two_hour_capture(path):
    """One connection whose segments straddle 01:00 UTC of 1970-01-01."""
    import struct

    import pcapbuild as pb

    frames = pb.connection([(0, b"a" * 10), (10, b"b" * 10)], 20, server_ack=True)
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, f in enumerate(frames):
        sec = 3599 if i < 3 else 3600  # the handshake in hour 00, the data in hour 01
        out.append(struct.pack("<IIII", sec, i * 1000, len(f), len(f)) + f)
    path.write_bytes(b"".join(out))
    return len(frames)


def test_export_dataset_partitions_by_file_and_hour(tmp_path):
    import pyarrow.dataset as ds

    src = tmp_path / "in"
    (src / "s1").mkdir(parents=True)
    (src / "s2").mkdir()
    n = _two_hour_capture(src / "s1" / "dump0.pcap")
    _two_hour_capture(src / "s2" / "dump0.pcap")
    (src / "s2" / "web.pcap").write_bytes((DATA / "port_reuse_bug7657.pcap").read_bytes())
    out = tmp_path / "dataset"
    r = run("export", str(src / "*" / "*.pcap"), "-o", out, "--parquet")
    assert "segments of 3 captures written" in r.stderr
    parts = sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet"))
    assert "file=s1%2Fdump0.pcap/hour=1970-01-01T00/part-0.parquet" in parts
    assert "file=s1%2Fdump0.pcap/hour=1970-01-01T01/part-0.parquet" in parts
    back = pd.read_parquet(out)
    assert sorted(back["file"].astype(str).unique()) == ["s1/dump0.pcap", "s2/dump0.pcap", "s2/web.pcap"]
    one = back[back["file"] == "s1/dump0.pcap"].sort_values("frame")
    assert len(one) == n
    assert one["hour"].astype(str).tolist() == ["1970-01-01T00"] * 3 + ["1970-01-01T01"] * (n - 3)
    web = back[back["file"] == "s2/web.pcap"].sort_values("frame").reset_index(drop=True)
    ref = tcptrace.segments(DATA / "port_reuse_bug7657.pcap")
    for c in ("frame", "time", "len", "seq", "stream", "retransmission"):
        assert web[c].tolist() == ref[c].tolist(), c
    assert web["src"].astype(str).tolist() == ref["src"].astype(str).tolist()
    table = ds.dataset(out, partitioning="hive").to_table()
    assert table.num_rows == len(back)
    # exporting again replaces a capture's partition rather than adding to it
    run("export", str(src / "s2" / "web.pcap"), str(src / "s1" / "dump0.pcap"), "-o", out, "-c", "frame,len")
    again = pd.read_parquet(out)
    assert len(again) == len(back)
    assert again[again["file"] == "s2/web.pcap"]["len"].notna().all()


def test_export_dataset_reads_in_duckdb(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "dataset"
    run("export", DATA / "port_reuse_bug7657.pcap", DATA / "http_get_clean.pcap", "-o", out)
    n = duckdb.sql(f"select count(*) from read_parquet('{out}/**/*.parquet', hive_partitioning=true)").fetchall()[0][0]
    assert n == sum(len(tcptrace.segments(DATA / f, columns=["len"]))
                    for f in ("port_reuse_bug7657.pcap", "http_get_clean.pcap"))


def test_export_dataset_bad_input(tmp_path):
    r = run("export", str(tmp_path / "none" / "*.pcap"), "-o", tmp_path / "d", check=False)
    assert r.returncode == 2 and "no capture file matches" in r.stderr
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"not a capture" * 10)
    r = run("export", DATA / "http_get_clean.pcap", junk, "-o", tmp_path / "d", check=False)
    assert r.returncode == 2 and "junk.pcap" in r.stderr
    r = run("export", DATA / "http_get_clean.pcap", junk, "-o", tmp_path / "d", "--skip-bad", check=False)
    assert r.returncode == 1
    assert "1 of 2 captures skipped" in r.stderr and "junk.pcap" in r.stderr
    assert len(pd.read_parquet(tmp_path / "d")) == len(tcptrace.segments(DATA / "http_get_clean.pcap"))
    # a single capture to a file is the single-file export, as before
    run("export", DATA / "http_get_clean.pcap", "-o", tmp_path / "one.parquet")
    assert (tmp_path / "one.parquet").is_file()


def test_export_to_a_device_writes_in_place_and_never_replaces_it(seed_capture):
    # as root, renaming a finished file over a device path replaced the device (issue 22)
    import os
    import stat

    before = os.stat("/dev/null")
    tcptrace.to_parquet(seed_capture, "/dev/null")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
