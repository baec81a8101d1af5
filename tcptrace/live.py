"""Live capture during a test: ``tcptrace.capture(interface, filter=...)``.

    with tcptrace.capture("lo", filter="tcp port 8080") as live:
        run_the_client()
    df = live.connections_frame()          # or live.connections(), iter(live), live.path

libpcap (in the C core, ``csrc/source.c``) opens the interface when the block is
entered and writes every frame the filter passes to a pcap file from a background
thread that runs without the GIL. Leaving the block waits ``settle`` seconds for the
last segments (a FIN's ACK), stops, drains and closes the file; the object then
offers the :class:`tcptrace.Capture` API over what was captured (each attribute
access opens the file once: ``live.connections()``, ``live.connection(0)``,
iteration, ``live.counters``). Capturing needs root or CAP_NET_RAW and CAP_NET_ADMIN;
without them, entering raises PermissionError saying so.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import weakref
from typing import Any, Iterator, Optional, Tuple, Union

from . import _core

PathLike = Union[str, "os.PathLike[str]"]


class LiveCapture:
    """A background capture to a pcap file; see the module docstring."""

    def __init__(self, interface: str = "lo", filter: Optional[str] = None, snaplen: int = 0,
                 path: Optional[PathLike] = None, settle: float = 0.1, linger: Optional[float] = None):
        self.interface = interface
        self.filter = filter
        self.snaplen = int(snaplen)
        self.settle = float(settle)
        self.linger = linger
        self._tmpdir: Optional[str] = None
        if path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="tcptrace-live-")
            weakref.finalize(self, shutil.rmtree, self._tmpdir, True)
            path = os.path.join(self._tmpdir, "capture.pcap")
        self.path: str = os.fspath(path)
        self._handle: Optional[_core._Live] = None
        self._thread: Optional[threading.Thread] = None
        self._error: Optional[BaseException] = None
        self._cap: Optional[_core.Capture] = None
        #: (frames written, frames received by the filter, frames dropped by the kernel) at stop.
        self.stats: Optional[Tuple[int, Optional[int], Optional[int]]] = None

    # -- capturing ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._thread is not None

    def start(self) -> LiveCapture:
        """Open the interface and capture in the background (idempotent)."""
        if self._thread is not None:
            return self
        if self.stats is not None:
            raise RuntimeError("a LiveCapture captures once; make a new one")
        handle = self._handle = _core._Live(self.interface, self.filter, self.snaplen, self.path)

        def runner() -> None:
            try:
                handle.run()
            except BaseException as e:  # noqa: BLE001 - re-raised by stop()
                self._error = e

        self._thread = threading.Thread(target=runner, name=f"tcptrace-capture-{self.interface}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> LiveCapture:
        """Wait ``settle`` seconds, stop, drain and close the file (idempotent)."""
        if self._thread is None:
            return self
        if self.settle > 0:
            time.sleep(self.settle)
        handle, self._handle = self._handle, None
        if handle is not None:  # set with the thread by start()
            handle.stop()
        self._thread.join()
        self._thread = None
        if handle is not None:
            self.stats = handle.stats()
            handle.close()
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        return self

    def __enter__(self) -> LiveCapture:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- reading what was captured ------------------------------------------------
    def open(self, filter: Optional[str] = None) -> _core.Capture:
        """A new :class:`tcptrace.Capture` over the captured file."""
        if self._thread is not None:
            raise RuntimeError("stop the capture (leave the with block) before reading it")
        return _core.Capture(self.path, filter=filter, linger=self.linger)

    def connections_frame(self) -> Any:
        """:func:`tcptrace.connections` over the captured file (a DataFrame)."""
        from .connections import connections

        if self._thread is not None:
            raise RuntimeError("stop the capture (leave the with block) before reading it")
        return connections(self.path, linger=self.linger)

    def segments(self) -> Any:
        """:func:`tcptrace.segments` over the captured file (a DataFrame)."""
        from .frames import segments

        return segments(self.path)

    def _capture(self) -> _core.Capture:
        if self._cap is None or self._cap.closed:
            self._cap = self.open()
        return self._cap

    def __iter__(self) -> Iterator[Any]:
        return iter(self.open())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._capture(), name)

    def close(self) -> None:
        """Close the reader and delete a temporary file."""
        if self._cap is not None:
            self._cap.close()
            self._cap = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __repr__(self) -> str:
        state = "running" if self.running else ("stopped" if self.stats else "new")
        return f"<tcptrace.LiveCapture {self.interface} filter={self.filter!r} {state} {self.path}>"


def capture(interface: str = "lo", filter: Optional[str] = None, snaplen: int = 0,
            path: Optional[PathLike] = None, settle: float = 0.1, linger: Optional[float] = None) -> LiveCapture:
    """Capture on ``interface`` in the background while a ``with`` block runs.

    ``filter`` is a BPF filter (``"tcp port 8080"``), ``snaplen`` the snapshot length
    (0: 262144), ``path`` the pcap file to write (None: a temporary file, deleted with
    the object or by ``close()``), ``settle`` the seconds to wait before stopping, so
    the last segments arrive. Raises PermissionError (naming CAP_NET_RAW) when capture
    is not permitted, FileNotFoundError for an unknown interface, ValueError for a bad
    filter.
    """
    return LiveCapture(interface, filter=filter, snaplen=snaplen, path=path, settle=settle, linger=linger)
