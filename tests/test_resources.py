"""Reference counts, leaks and threads: memory stays flat, parallel reads agree."""
import gc
import os
import resource
import threading
import warnings

import pytest

import tcptrace

from conftest import DATA


# AddressSanitizer keeps freed memory in quarantine, so RSS says nothing under it.
flat_rss = pytest.mark.skipif(os.environ.get("TCPTRACE_EXPECT_SANITIZED") == "1",
                              reason="RSS is meaningless under AddressSanitizer's quarantine")


def rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def read_all(path):
    with tcptrace.open(path) as cap:
        return [(s.frame, s.seq_raw, s.payload, s.anomalies) for s in cap]


@flat_rss
def test_iterating_a_capture_many_times_keeps_memory_flat(seed_capture):
    for _ in range(200):  # warm up allocator pools
        read_all(seed_capture)
    gc.collect()
    before = rss_kib()
    for _ in range(1000):
        read_all(seed_capture)
    gc.collect()
    assert rss_kib() - before < 2048  # KiB: no per-iteration growth


@flat_rss
def test_abandoned_iterators_and_errors_do_not_leak(seed_capture, tmp_path):
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"\x00" * 64)
    for _ in range(200):
        cap = tcptrace.open(seed_capture)
        next(iter(cap))
        del cap  # abandoned mid-iteration
        with pytest.raises(tcptrace.CaptureError):
            tcptrace.open(bad)
        with pytest.raises(ValueError):
            tcptrace.open(seed_capture, filter="not a filter (")
    gc.collect()
    before = rss_kib()
    for _ in range(2000):
        cap = tcptrace.open(seed_capture)
        next(iter(cap))
        del cap
        try:
            tcptrace.open(bad)
        except tcptrace.CaptureError:
            pass
    gc.collect()
    assert rss_kib() - before < 2048


def test_segments_hold_no_reference_to_the_capture(seed_capture):
    import sys

    with tcptrace.open(seed_capture) as cap:
        seg = next(iter(cap))
        refs = sys.getrefcount(cap)
    del cap
    assert seg.frame == 1 and seg.payload == b""
    assert refs >= 2


def test_parallel_threads_read_the_same_as_one_by_one():
    paths = sorted(p for p in DATA.iterdir() if p.suffix in (".pcap", ".pcapng"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = {}
        for p in paths:
            try:
                expected[p] = read_all(p)
            except tcptrace.CaptureError as e:
                expected[p] = repr(e)
        results = {}

        def work(p):
            for _ in range(5):
                try:
                    got = read_all(p)
                except tcptrace.CaptureError as e:
                    got = repr(e)
                results.setdefault(p, []).append(got)

        threads = [threading.Thread(target=work, args=(p,)) for p in paths]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for p in paths:
        assert all(r == expected[p] for r in results[p]), p.name
