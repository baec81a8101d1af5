"""tcptrace.segments: the DataFrame built in C equals the Segment iteration."""
import pytest

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

import tcptrace  # noqa: E402
from tcptrace.frames import ALL_COLUMNS, DEFAULT_COLUMNS  # noqa: E402

from conftest import DATA, golden_captures  # noqa: E402
from frame_compare import NO_SEGMENT_ATTRIBUTE, compare_with_segments  # noqa: E402


@pytest.mark.parametrize("capture", golden_captures(), ids=lambda p: p.name)
def test_dataframe_equals_segment_iteration(capture):
    # The comparison (every column, every row, exact) is shared with tools/frame_sweep.py.
    c = compare_with_segments(capture)
    assert c.differences == []
    if c.rows:
        assert c.cells == c.rows * len(set(ALL_COLUMNS) - NO_SEGMENT_ATTRIBUTE)


def test_dtypes_are_narrow_and_addresses_categorical(seed_capture):
    df = tcptrace.segments(seed_capture)
    assert str(df["frame"].dtype) == "uint64"
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    assert str(df["sport"].dtype) == "UInt16"
    assert str(df["seq"].dtype) == "UInt32"
    assert str(df["mss"].dtype) == "UInt16"
    assert df["src"].dtype == "category"
    assert set(df["src"].cat.categories) == {"192.168.10.7", "93.184.216.34"}
    assert df["flag_syn"].tolist()[:3] == [True, True, False]
    assert df["mss"].isna().sum() == 11  # only the SYN and SYN/ACK carry MSS


def test_columns_builds_only_what_is_asked(seed_capture):
    df = tcptrace.segments(seed_capture, columns=["frame", "len"])
    assert list(df.columns) == ["frame", "len"]
    assert df["len"].sum() == 75 + 1448 + 145


def test_unknown_column_is_value_error_with_hint(seed_capture):
    with pytest.raises(ValueError, match="sport"):
        tcptrace.segments(seed_capture, columns=["sprot"])


def test_chunksize_yields_bounded_frames_that_concatenate(seed_capture):
    chunks = list(tcptrace.segments(seed_capture, chunksize=5))
    assert [len(c) for c in chunks] == [5, 5, 3]
    whole = tcptrace.segments(seed_capture)
    joined = pd.concat(chunks, ignore_index=True)
    assert joined["frame"].tolist() == whole["frame"].tolist()
    assert joined["src"].astype(str).tolist() == whole["src"].astype(str).tolist()


def test_filter_with_no_match_gives_empty_frame(seed_capture):
    df = tcptrace.segments(seed_capture, filter="udp")
    assert len(df) == 0
    assert "frame" in df.columns


def test_buffers_outlive_the_capture(seed_capture):
    df = tcptrace.segments(seed_capture, columns=["frame", "seq_raw"])
    arr = df["frame"].to_numpy()
    del df
    import gc

    gc.collect()
    assert arr.tolist() == list(range(1, 14))


def test_default_columns_are_narrow(seed_capture):
    df = tcptrace.segments(seed_capture)
    assert list(df.columns) == DEFAULT_COLUMNS
    assert df.memory_usage(deep=False, index=False).sum() / len(df) <= 120


def test_decode_only_columns_skip_the_analysis(seed_capture):
    df = tcptrace.segments(seed_capture, columns=["frame", "seq_raw"])
    assert list(df.columns) == ["frame", "seq_raw"]
    with tcptrace.Capture(seed_capture, analysis=False) as cap:
        seg = next(iter(cap))
    assert seg.stream is None and seg.seq is None and seg.seq_raw == 991713799


def test_several_files_in_parallel_equal_one_by_one(seed_capture):
    paths = [seed_capture, DATA / "port_reuse_bug7657.pcap", DATA / "sll2_small.pcap"]
    both = tcptrace.segments(paths, workers=2)
    assert both["file"].dtype == "category"
    assert list(both["file"].cat.categories) == [str(p) for p in paths]
    for p in paths:
        one = tcptrace.segments(p)
        part = both[both["file"] == str(p)].reset_index(drop=True)
        assert part["frame"].tolist() == one["frame"].tolist()
        assert part["src"].astype(str).tolist() == one["src"].astype(str).tolist()
        assert part["seq"].tolist() == one["seq"].tolist()
    assert both["src"].dtype == "category"


def test_progress_bar_reads_the_same_rows(seed_capture):
    pytest.importorskip("tqdm")
    import tcptrace.frames as fr

    old = fr._PROGRESS_ROWS
    fr._PROGRESS_ROWS = 4  # several steps on the 13-segment example
    try:
        with_bar = tcptrace.segments(seed_capture, progress=True)
    finally:
        fr._PROGRESS_ROWS = old
    plain = tcptrace.segments(seed_capture, progress=False)
    assert with_bar["frame"].tolist() == plain["frame"].tolist()
    assert with_bar["src"].astype(str).tolist() == plain["src"].astype(str).tolist()
    assert with_bar["ack_rtt"].isna().tolist() == plain["ack_rtt"].isna().tolist()


def test_late_segment_of_a_connection_freed_in_the_same_read(tmp_path):
    """A segment arriving after its closed connection's linger: the analysis sees the old
    conversation, then the engine frees it in the same feed. The address columns must not
    reach into the freed conversation (found by fuzz_engine under ASan; `make asan` runs
    this test with the sanitizer)."""
    from pcapbuild import ACK, CLIENT, FIN, SERVER, SYN, frame, pcap

    frames = [
        frame(CLIENT, SERVER, 1000, 0, SYN),
        frame(SERVER, CLIENT, 5000, 1001, SYN | ACK),
        frame(CLIENT, SERVER, 1001, 5001, ACK),
        frame(CLIENT, SERVER, 1001, 5001, FIN | ACK),
        frame(SERVER, CLIENT, 5001, 1002, FIN | ACK),
        frame(CLIENT, SERVER, 1002, 5002, ACK),  # both FINs acked: closed
        frame(CLIENT, SERVER, 1002, 5002, ACK),  # late, 1 ms later: linger is over
    ]
    path = tmp_path / "late.pcap"
    path.write_bytes(pcap(frames))
    with tcptrace._core.Capture(str(path), linger=0.0005, connections=False) as cap:
        ids = tcptrace.frames._ID
        rows, arrays = cap._read_columns([ids["src"], ids["dst"]], 0)
        addrs = cap._addresses()
        counters = cap.counters
    src = np.frombuffer(arrays[0][0], dtype="<u4", count=rows)
    dst = np.frombuffer(arrays[1][0], dtype="<u4", count=rows)
    assert rows == 7
    assert [addrs[i] for i in src] == ["10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.1", "10.0.0.2",
                                      "10.0.0.1", "10.0.0.1"]
    assert addrs[dst[-1]] == "10.0.0.2"
    assert counters["connections_evicted"] >= 1
