"""tcptrace.dask on a LocalCluster of two workers: a capture split into rotated files
gives the single-file path's segment rows and per-connection totals."""
import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import tcptrace
import tcptrace.dask as td
from tcptrace.connections import COLUMNS as CONN_COLUMNS

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
_spec = importlib.util.spec_from_file_location("pcap_split", ROOT / "tools" / "pcap_split.py")
assert _spec is not None and _spec.loader is not None
pcap_split = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pcap_split)

# (capture, records per file): every one has connections crossing the file boundaries
# (the bulk download crosses all of them; the TLS capture has port reuse and reordering).
SPLITS = [("many_short_keepalive_reuse.pcap", 110), ("bulk_loss1pct_snap96.pcap", 700),
          ("tls_mixed_ooo_portreuse_head150.pcap", 50)]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    out = {}
    for name, per in SPLITS:
        d = tmp_path_factory.mktemp(name.split(".")[0])
        out[name] = (pcap_split.split_pcap(str(DATA / name), str(d), per), per)
    return out


def _same(a, b):
    """Column equality, missing == missing, categoricals by value."""
    if isinstance(a.dtype, pd.CategoricalDtype) or isinstance(b.dtype, pd.CategoricalDtype):
        a, b = a.astype(str), b.astype(str)
    a = a.reset_index(drop=True).astype(object)
    b = b.reset_index(drop=True).astype(object)
    na = a.isna() & b.isna()
    return bool((na | (a == b).fillna(False)).all())


def _float_close(a, b):
    a = pd.to_numeric(a.reset_index(drop=True), errors="coerce").astype("float64")
    b = pd.to_numeric(b.reset_index(drop=True), errors="coerce").astype("float64")
    return bool((((a - b).abs() <= 1e-9 * b.abs().clip(lower=1) + 1e-12) | (a.isna() & b.isna())).all())


def test_importing_tcptrace_does_not_import_dask():
    code = ("import sys, tcptrace; assert 'dask' not in sys.modules and 'tcptrace.dask' not in sys.modules; "
            "assert callable(tcptrace.dask.segments)")  # imported on first use
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", [n for n, _ in SPLITS])
def test_segments_match_the_single_file(client, splits, name):
    paths, per = splits[name]
    assert len(paths) >= 3
    ddf = td.segments(paths, columns="all")
    assert ddf.npartitions == len(paths)
    assert ddf.known_divisions
    got = ddf.compute().reset_index()
    ref = tcptrace.segments(DATA / name, columns="all")
    assert len(got) == len(ref)
    # frame numbers restart in each file: shift them back
    assert _same(got["frame"] + got["file"].cat.codes.astype("uint64") * per, ref["frame"])
    for c in ref.columns:
        if c not in td.FILE_STATE_COLUMNS:
            assert _same(got[c], ref[c]), c
    # the connection key is the same whether the analysis carries across files or not
    carried = td.segments(paths, columns="all", carry_state=True).compute().reset_index()
    assert (carried["conn_key"].to_numpy() == got["conn_key"].to_numpy()).all()
    assert carried["conn_key"].notna().all()
    # with carry_state=True every column is the concatenated capture's
    for c in ref.columns:
        assert _same(carried[c], ref[c]), c
    assert list(carried["file"].astype(str)) == list(got["file"].astype(str))


@pytest.mark.parametrize("name", [n for n, _ in SPLITS])
def test_connection_totals_match_the_single_file(client, splits, name):
    paths, _per = splits[name]
    ref = tcptrace.connections(DATA / name)
    merged = td.connections(paths).compute()
    carried = td.connections(paths, carry_state=True).compute()
    assert len(merged) == len(carried) == len(ref)
    assert set(merged["conn_key"]) == set(carried["conn_key"])
    assert merged["n_parts"].max() > 1  # some connection did span files
    # carried: every column equal, rows in order of first time like the reference's sorted
    ref_sorted = ref.sort_values("first_time_ns", kind="stable").reset_index(drop=True)
    carried = carried.sort_values("first_time_ns", kind="stable").reset_index(drop=True)
    for c in CONN_COLUMNS:
        assert _same(carried[c], ref_sorted[c]), c
    # merged: the exact columns of MERGE_RULES equal the concatenated capture's
    merged = merged.set_index("conn_key").loc[carried["conn_key"]].copy().reset_index()
    for c in CONN_COLUMNS:
        base = c[:-4] if c.endswith(("_c2s", "_s2c")) else c
        if td.MERGE_RULES.get(base, td.MERGE_RULES.get(c))[1] != "exact":
            continue
        if merged[c].dtype.kind == "f":
            assert _float_close(merged[c], ref_sorted[c]), c
        else:
            assert _same(merged[c], ref_sorted[c]), c


def test_a_large_file_in_chunks(client):
    src = DATA / "bulk_loss1pct_snap96.pcap"  # 274 KB: five chunks of about 60 KB
    ddf = td.segments(src, columns="all", partition_bytes=60_000)
    assert ddf.npartitions == 5 and ddf.known_divisions
    got = ddf.compute().reset_index()
    ref = tcptrace.segments(src, columns="all")
    assert _same(got["frame"], ref["frame"])  # frames count from the file's first record
    for c in ref.columns:
        if c not in td.FILE_STATE_COLUMNS:
            assert _same(got[c], ref[c]), c
    con = td.connections(src, partition_bytes=60_000).compute()
    one = tcptrace.connections(src)
    assert len(con) == len(one) == 1 and int(con["n_parts"].iloc[0]) == 5
    for c in ("packets", "wire_bytes", "payload_bytes_s2c", "first_frame", "last_frame", "first_time_ns",
              "last_time_ns", "sack_blocks_c2s"):
        assert con[c].tolist() == one[c].tolist(), c
    # pcapng is read whole; carry_state ignores the chunks
    ng = DATA / "pcapng_many_interfaces_mixed_linktypes.pcapng"
    assert td.segments(ng, partition_bytes=1000).npartitions == 1
    assert td.segments(src, partition_bytes=60_000, carry_state=True).npartitions == 1


def test_key_resolution_across_files():
    from tcptrace.dask._keys import resolve

    hour = 3600 * 10**9
    ends = "10.0.0.1:40000-10.0.0.2:80"

    def table(*rows):
        return pd.DataFrame(rows, columns=["stream", "endpoints", "isn", "first_ns", "last_ns"])

    keys, state = resolve({}, table((0, ends, 7.0, 0, hour)))
    assert keys == {0: f"{ends}/isn=7"}
    # the next file: no SYN on the same endpoints continues it; other endpoints start their own key
    keys, state = resolve(state, table((0, ends, float("nan"), hour + 1, hour + 2),
                                       (1, "10.0.0.1:1-10.0.0.2:2", float("nan"), hour + 5, hour + 6)))
    assert keys == {0: f"{ends}/isn=7", 1: f"10.0.0.1:1-10.0.0.2:2/t={hour + 5}"}
    # more than continue_within later: a key of its own, and the idle entries leave the state
    keys, state = resolve(state, table((0, ends, float("nan"), 4 * hour, 4 * hour)), continue_within_s=7200)
    assert keys == {0: f"{ends}/t={4 * hour}"}
    assert set(state) == {ends}


def test_merge_is_associative(client, splits):
    paths, _per = splits["bulk_loss1pct_snap96.pcap"]
    parts = [td.connections([p], sensor=lambda _p: "s").compute() for p in paths]
    files = [str(p) for p in paths]
    for df in parts:  # one category list over all files, as connections() gives
        df["file"] = pd.Categorical(df["file"].astype(str), categories=files)
        df["conn_key"] = df["conn_key"].astype(str)
    whole = td.merge_parts(pd.concat(parts, ignore_index=True))
    left = td.merge_parts(pd.concat(parts[:2], ignore_index=True))
    stepwise = td.merge_parts(pd.concat([left, *parts[2:]], ignore_index=True))
    for c in whole.columns:
        if whole[c].dtype.kind == "f":
            assert _float_close(stepwise[c], whole[c]), c
        else:
            assert _same(stepwise[c], whole[c]), c


def test_meta_is_what_partitions_hold(client, splits):
    paths, _per = splits["many_short_keepalive_reuse.pcap"]
    ddf = td.segments(paths, columns=["time", "src", "sport", "len", "ack_rtt", "mss"])
    got = ddf.partitions[1].compute()
    assert list(got.columns) == list(ddf.columns) == ["file", "sensor", "src", "sport", "len", "ack_rtt", "mss",
                                                     "conn_key"]
    for c in ddf.columns:
        assert got[c].dtype == ddf.dtypes[c] or isinstance(got[c].dtype, pd.CategoricalDtype), c
    assert got.index.name == "time" and str(got.index.dtype) == "datetime64[ns, UTC]"
    con = td.connections(paths)
    assert list(con.compute().dtypes) == list(con.dtypes)


def test_divisions_select_by_time(client, splits):
    paths, _per = splits["bulk_loss1pct_snap96.pcap"]
    ddf = td.segments(paths, columns=["time", "len"])
    divs = ddf.divisions
    assert all(a < b for a, b in zip(divs, divs[1:]))
    ref = tcptrace.segments(DATA / "bulk_loss1pct_snap96.pcap", columns=["time", "len"])
    lo, hi = divs[1], divs[2]
    sel = ddf.loc[lo:hi].compute()
    assert len(sel) == int(((ref["time"] >= lo) & (ref["time"] <= hi)).sum())
    # without a time index: one partition per file, unknown divisions
    assert not td.segments(paths, index=None).known_divisions


def test_stamps_going_back_at_a_rotation(client, tmp_path):
    # file b repeats file a's last record at its end: b's stamps go back below its first
    import struct

    raw = (DATA / "bulk_loss1pct_snap96.pcap").read_bytes()
    header, pos, recs = raw[:24], 24, []
    while pos + 16 <= len(raw):
        n = struct.unpack_from("<I", raw, pos + 8)[0]
        recs.append(raw[pos:pos + 16 + n])
        pos += 16 + n
    a, b, c = tmp_path / "a.pcap", tmp_path / "b.pcap", tmp_path / "c.pcap"
    a.write_bytes(header + b"".join(recs[:100]))
    b.write_bytes(header + b"".join(recs[100:200] + recs[99:100]))
    c.write_bytes(header + b"".join(recs[200:300]))
    files = [str(a), str(b), str(c)]
    assert not td.segments(files, columns=["len"]).known_divisions  # scanned: a and b overlap
    first = td.segments(files, columns=["len"], divisions="first")
    assert first.known_divisions  # the first stamps alone look ordered ...
    with pytest.raises(ValueError, match="1 segments lie outside"):
        first.compute()  # ... and the partition says they were not
    assert len(td.segments(files, columns=["len"], divisions=False).compute()) == 301


def test_overlapping_files_have_unknown_divisions(client, splits, tmp_path):
    paths, _per = splits["many_short_keepalive_reuse.pcap"]
    twin = tmp_path / "twin.pcap"
    twin.write_bytes(Path(paths[0]).read_bytes())
    ddf = td.segments([paths[0], str(twin)], columns=["len"], sensor=lambda _p: "same")
    assert not ddf.known_divisions
    assert len(ddf.compute()) == 2 * len(tcptrace.segments(paths[0], columns=["len"]))


def test_sensors_group_by_directory(client, splits, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    paths, _per = splits["many_short_keepalive_reuse.pcap"]
    for p in paths:
        for s in "ab":
            (tmp_path / s / Path(p).name).write_bytes(Path(p).read_bytes())
    ddf = td.segments(str(tmp_path / "*" / "*.pcap"), columns=["len"])
    assert ddf.npartitions == 2 * len(paths) and not ddf.known_divisions
    got = ddf.compute()
    assert sorted(got["sensor"].cat.categories) == [str(tmp_path / "a"), str(tmp_path / "b")]
    con = td.connections(str(tmp_path / "*" / "*.pcap")).compute()
    ref = tcptrace.connections(DATA / "many_short_keepalive_reuse.pcap")
    assert len(con) == 2 * len(ref)  # the same connections, once per sensor
    assert int(con["packets"].sum()) == 2 * int(ref["packets"].sum())
    # a regular expression names the sensor by its first group
    assert td.segments(str(tmp_path / "*" / "*.pcap"), columns=["len"],
                       sensor=r"/([ab])/").compute()["sensor"].cat.categories.tolist() == ["a", "b"]


def test_bad_input_is_a_clear_error(client, splits, tmp_path):
    with pytest.raises(FileNotFoundError, match="no capture file matches"):
        td.segments(str(tmp_path / "nothing" / "*.pcap"))
    with pytest.raises(FileNotFoundError, match="1 of 1 capture files cannot be read"):
        td.segments([str(tmp_path / "missing.pcap")])
    paths, _per = splits["many_short_keepalive_reuse.pcap"]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ddf = td.segments([*paths, str(tmp_path / "missing.pcap")], on_error="skip")
    assert any("skipped 1 of 4 capture files" in str(x.message) for x in w)
    assert ddf.npartitions == 3
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture file at all" * 4)
    with pytest.raises(tcptrace.CaptureFormatError, match="junk.pcap"):
        td.segments([str(junk)], check_files=False).compute()
    with pytest.raises(ValueError, match="classic pcap"):
        td.segments([str(DATA / "pcapng_many_interfaces_mixed_linktypes.pcapng")], carry_state=True).compute()
    with pytest.raises(ValueError, match="on_error"):
        td.segments(paths, on_error="ignore")


def test_rules_table_is_in_the_docs():
    doc = (ROOT / "docs" / "dask.md").read_text()
    assert td.rules_table() in doc
    for c in td.FILE_STATE_COLUMNS:  # the columns a file boundary can change are named
        assert f"`{c}`" in doc, c
    assert set(td.MERGE_RULES) >= set(c[:-4] if c.endswith(("_c2s", "_s2c")) else c for c in CONN_COLUMNS)


def test_files_only_the_workers_see(client, splits):
    # check_files=False: nothing is opened on the client; files in name order, and the
    # divisions come from the workers' scan of the time stamps
    paths, _per = splits["many_short_keepalive_reuse.pcap"]
    ddf = td.segments(list(reversed(paths)), columns=["len"], check_files=False)
    assert ddf.known_divisions
    assert ddf.npartitions == len(paths)
    assert [str(f) for f in ddf.compute()["file"].unique()] == sorted(paths)
    assert os.path.exists(paths[0])
