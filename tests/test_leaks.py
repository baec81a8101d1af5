"""Reference counts and leaks (issue 9): DataFrames built hundreds of times, connection
iterators abandoned half-way, errors raised mid-iteration (by the caller, and by a
truncation warning turned into an error): memory stays flat and no object is kept
alive. Thread safety of connections(): parallel threads give what one by one gives."""
import gc
import os
import resource
import sys
import threading
import warnings
import weakref

import pytest

import tcptrace

from conftest import DATA, SEED_SYN, write_pcap

SANITIZED = os.environ.get("TCPTRACE_EXPECT_SANITIZED") == "1"
flat_rss = pytest.mark.skipif(SANITIZED, reason="RSS is meaningless under AddressSanitizer's quarantine")
ROUNDS = 20 if SANITIZED else 300


def rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def steady(fn, warm, rounds, slack_kib=4096):
    """Run fn warm times, then rounds times; the peak RSS must not grow past slack."""
    for _ in range(warm):
        fn()
    gc.collect()
    before = rss_kib()
    for _ in range(rounds):
        fn()
    gc.collect()
    grown = rss_kib() - before
    assert grown < slack_kib, f"RSS grew {grown} KiB over {rounds} rounds"


@flat_rss
def test_segments_dataframes_keep_memory_flat(seed_capture):
    pytest.importorskip("pandas")
    steady(lambda: tcptrace.segments(seed_capture, columns="all"), 50, ROUNDS)


@flat_rss
def test_connections_dataframes_keep_memory_flat(seed_capture):
    pytest.importorskip("pandas")
    steady(lambda: tcptrace.connections(seed_capture), 50, ROUNDS)


def abandon_connections(path):
    cap = tcptrace.open(path)
    it = cap.connections()
    next(it, None)
    del it, cap  # abandoned half-way, the file still open


@flat_rss
def test_abandoned_connection_iterators_keep_memory_flat():
    path = DATA / "halfclose_pipelined.pcap"
    steady(lambda: abandon_connections(path), 100, 2000)


def raise_mid_iteration(path):
    with pytest.raises(KeyError):
        with tcptrace.open(path) as cap:
            for i, seg in enumerate(cap):
                if i == 3:
                    raise KeyError(seg.frame)


@flat_rss
def test_errors_raised_mid_iteration_keep_memory_flat(seed_capture):
    steady(lambda: raise_mid_iteration(seed_capture), 100, 2000)


@pytest.fixture
def cut_capture(tmp_path):
    whole = write_pcap(tmp_path / "whole.pcap", [(SEED_SYN, None)] * 5).read_bytes()
    path = tmp_path / "cut.pcap"
    path.write_bytes(whole + whole[24:24 + 16 + 10])  # a sixth record cut short
    return path


def test_truncation_warning_as_error_mid_iteration(cut_capture):
    """The C iterator's warning path returning an error must leave a usable state."""
    for _ in range(50):
        with warnings.catch_warnings():
            warnings.simplefilter("error", tcptrace.CaptureTruncatedWarning)
            cap = tcptrace.open(cut_capture)
            got = []
            with pytest.raises(tcptrace.CaptureTruncatedWarning):
                for s in cap:
                    got.append(s.frame)
            assert got == [1, 2, 3, 4, 5]
            assert list(cap) == []  # finished: the iterator stays exhausted
            assert cap.counters["frames"] == 5
            if hasattr(cap, "close"):
                cap.close()


@flat_rss
def test_truncation_errors_keep_memory_flat(cut_capture):
    def once():
        with warnings.catch_warnings():
            warnings.simplefilter("error", tcptrace.CaptureTruncatedWarning)
            try:
                for _ in tcptrace.open(cut_capture):
                    pass
            except tcptrace.CaptureTruncatedWarning:
                pass
    steady(once, 100, 2000)


def test_no_reference_kept_on_capture_or_records(seed_capture):
    cap = tcptrace.open(seed_capture)
    ref = weakref.ref(cap) if type(cap).__weakrefoffset__ else None
    base = sys.getrefcount(cap)
    it = cap.connections()
    conns = list(it)
    segs = list(tcptrace.open(seed_capture))
    del it
    gc.collect()
    assert sys.getrefcount(cap) == base  # iterators done with it let go
    assert conns and segs
    c = conns[0]
    before = sys.getrefcount(c)
    for _ in range(1000):
        _ = (c.history, c.end_reason, c.client, c.server)  # getters must not leak references
    assert sys.getrefcount(c) == before
    del cap
    gc.collect()
    if ref is not None:
        assert ref() is None


def test_connection_records_outlive_their_capture(seed_capture):
    with tcptrace.open(seed_capture) as cap:
        conns = list(cap.connections())
    del cap
    gc.collect()
    for c in conns:
        repr(c)
        assert c.stream >= 0


def conn_rows(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with tcptrace.open(path) as cap:
                return [(c.stream, c.end_reason, c.history, c.conn_state) for c in cap.connections()]
        except tcptrace.CaptureError as e:
            return repr(e)


def test_parallel_connections_equal_one_by_one():
    paths = sorted(p for p in DATA.iterdir() if p.suffix in (".pcap", ".pcapng"))
    paths += sorted(p for p in (DATA / "malformed").iterdir() if p.is_file())
    expected = {p: conn_rows(p) for p in paths}
    results = {p: [] for p in paths}
    errors = []

    def work(chunk):
        try:
            for _ in range(3):
                for p in chunk:
                    results[p].append(conn_rows(p))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(paths[i::4],)) for i in range(4)]
    threads += [threading.Thread(target=work, args=(paths[::-1],))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for p in paths:
        assert results[p] and all(r == expected[p] for r in results[p]), p.name


def test_parallel_dataframes_equal_one_by_one():
    pd = pytest.importorskip("pandas")
    paths = sorted(p for p in DATA.iterdir() if p.suffix == ".pcap")
    expected = {p: tcptrace.connections(p) for p in paths}
    out = {}

    def work(p):
        out[p] = [tcptrace.connections(p) for _ in range(3)]

    threads = [threading.Thread(target=work, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in paths:
        for df in out[p]:
            pd.testing.assert_frame_equal(df, expected[p])
