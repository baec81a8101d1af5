"""One Capture, several users at once: a second reader, close() from another thread,
and a file object whose read() calls back into its own Capture get RuntimeError, never
a crash or a false "damaged capture" (the source and engine run with the GIL released).
Separate Captures are independent."""
import io
import threading

import pytest

import tcptrace
from conftest import DATA

BULK = DATA / "bulk_loss1pct_snap96.pcap"


def _count(path):
    return sum(1 for _ in tcptrace.open(str(path)))


def test_close_racing_two_readers_never_crashes():
    total = _count(BULK)
    outcomes = set()
    for _ in range(40):
        cap = tcptrace.open(str(BULK))
        seen = []

        def reader(cap=cap, seen=seen):
            try:
                seen.append(sum(1 for _ in cap))
            except (RuntimeError, ValueError) as e:
                outcomes.add(type(e).__name__)

        threads = [threading.Thread(target=reader) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            cap.close()
        except RuntimeError:
            outcomes.add("close refused")
        for t in threads:
            t.join()
        assert all(0 <= n <= total for n in seen)
    assert outcomes <= {"RuntimeError", "ValueError", "close refused"}


def test_segments_and_connections_of_one_capture_from_two_threads():
    errors = []
    for _ in range(10):
        cap = tcptrace.open(str(BULK))

        def segs(cap=cap):
            try:
                for _ in cap:
                    pass
            except RuntimeError as e:
                errors.append(e)

        def conns(cap=cap):
            try:
                list(cap.connections())
            except RuntimeError as e:
                errors.append(e)

        a, b = threading.Thread(target=segs), threading.Thread(target=conns)
        a.start()
        b.start()
        a.join()
        b.join()
    assert all("being read already" in str(e) for e in errors)


class _CallsBack(io.RawIOBase):
    """A file whose read() calls its own Capture's close() and next()."""

    def __init__(self, data: bytes):
        self.buf = io.BytesIO(data)
        self.cap = None
        self.refused = 0

    def readable(self):
        return True

    def readinto(self, b):
        if self.cap is not None:
            for call in (self.cap.close, lambda: next(self.cap)):
                try:
                    call()
                except RuntimeError:
                    self.refused += 1
        return self.buf.readinto(b)


def test_read_callback_calling_its_own_capture_is_refused_and_reading_goes_on():
    f = _CallsBack(BULK.read_bytes())
    cap = tcptrace.open(f)
    f.cap = cap
    assert sum(1 for _ in cap) == _count(BULK)
    assert f.refused >= 2


class _EnablesStreams(_CallsBack):
    def readinto(self, b):
        if self.cap is not None:
            try:
                self.cap._enable_streams()
            except (RuntimeError, ValueError) as e:
                self.errors.append(e)
        return self.buf.readinto(b)


def test_enable_streams_while_reading_is_refused():
    f = _EnablesStreams(BULK.read_bytes())
    f.errors = []
    cap = tcptrace.open(f)
    f.cap = cap
    assert sum(1 for _ in cap) == _count(BULK)
    assert f.errors and all(isinstance(e, RuntimeError) for e in f.errors)


def test_separate_captures_are_independent():
    results = []

    def run():
        results.append(_count(BULK))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and results[0] > 0


class _Raises(io.RawIOBase):
    def __init__(self, data: bytes, exc: BaseException, after: int = 2):
        self.buf = io.BytesIO(data)
        self.exc = exc
        self.after = after
        self.calls = 0

    def readable(self):
        return True

    def readinto(self, b):
        self.calls += 1
        if self.calls > self.after:
            raise self.exc
        return self.buf.readinto(b)


def test_stop_iteration_from_read_is_an_error_not_the_end():
    """PEP 479's rule: a StopIteration leaking from read() must not end the capture."""
    with pytest.raises(RuntimeError, match="raised StopIteration") as info:
        for _ in tcptrace.open(_Raises(BULK.read_bytes(), StopIteration())):
            pass
    assert isinstance(info.value.__cause__, StopIteration)


def test_keyboard_interrupt_from_read_propagates_as_itself():
    with pytest.raises(KeyboardInterrupt):
        for _ in tcptrace.open(_Raises(BULK.read_bytes(), KeyboardInterrupt())):
            pass
    with pytest.raises(KeyboardInterrupt):
        list(tcptrace.open(_Raises(BULK.read_bytes(), KeyboardInterrupt())).connections())


def test_file_object_referring_to_its_capture_is_collected():
    import gc
    import weakref

    class Cyclic(io.RawIOBase):
        def __init__(self, data):
            self.buf = io.BytesIO(data)
            self.cap = None

        def readable(self):
            return True

        def readinto(self, b):
            return self.buf.readinto(b)

    data = BULK.read_bytes()
    refs = []
    for _ in range(50):
        f = Cyclic(data)
        cap = tcptrace.open(f)
        f.cap = cap
        next(cap)
        refs.append(weakref.ref(cap))
        del f, cap
    gc.collect()
    assert sum(r() is not None for r in refs) == 0
    it = tcptrace.open(str(BULK)).connections()
    next(it)
    del it  # the iterator takes part in collection too (holds its Capture)
    gc.collect()


def test_missing_file_errors_do_not_leak():
    import resource

    def open_missing(n):
        for _ in range(n):
            with pytest.raises(FileNotFoundError):
                tcptrace.open("/nonexistent/capture.pcap")

    open_missing(5_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    open_missing(100_000)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 4096, f"{grown_kib} KiB more after 100,000 failed opens"
