"""tcptrace: TCP facts from packet captures.

    import tcptrace
    with tcptrace.open("dump.pcap", filter="tcp port 80") as cap:
        for seg in cap:
            print(seg.frame, seg.src, seg.sport, seg.dst, seg.dport, seg.flags_str, seg.len)
"""
from __future__ import annotations

import os
from typing import BinaryIO, Optional, Union

from ._bind import attach as _attach
from ._core import (
    Capture,
    CaptureError,
    CaptureFormatError,
    CaptureTruncatedWarning,
    Connection,
    Segment,
    anomaly_names,
    libpcap_version,
    linktype_name,
)
from ._libpcap import check_libpcap
from ._summary import CaptureSummary, summary
from ._version import __version__
from .arrow import ArrowStream, arrow_stream, connections_stream
from .connections import connections
from .diagnose import Diagnosis, diagnose
from .expertinfo import expert
from .export import to_parquet
from .frames import ANALYSIS_FLAGS, segments
from .live import LiveCapture, capture
from .streams import follow, messages
from .zeek import zeek_conn_log

_attach()  # Segment.explain, Connection.payload/chunks/messages: Python's (_bind.py)
check_libpcap()

__all__ = [
    "ArrowStream",
    "arrow_stream",
    "connections_stream",
    "ANALYSIS_FLAGS",
    "__version__",
    "libpcap_version",
    "expert",
    "segments",
    "to_parquet",
    "connections",
    "diagnose",
    "Diagnosis",
    "follow",
    "messages",
    "capture",
    "LiveCapture",
    "Capture",
    "Connection",
    "CaptureError",
    "CaptureFormatError",
    "CaptureTruncatedWarning",
    "Segment",
    "anomaly_names",
    "linktype_name",
    "open",
    "plot",
    "summary",
    "CaptureSummary",
    "zeek_conn_log",
]


def __getattr__(name: str) -> object:
    # tcptrace.plot and tcptrace.dask are imported on first use (they need matplotlib,
    # Dask, only when used; importing tcptrace imports neither).
    if name in ("plot", "dask"):
        import importlib

        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'tcptrace' has no attribute {name!r}")



def open(  # noqa: A001
    path: Union[str, os.PathLike[str], BinaryIO], filter: Optional[str] = None,
    linger: Optional[float] = None, max_conns: Optional[int] = None,
    max_pending: Optional[int] = None,
) -> Capture:
    """Open a pcap or pcapng capture file.

    The result is a context manager and an iterable of :class:`Segment`, one per TCP
    segment in frame order. ``filter`` is a BPF expression (``"tcp port 80"``),
    compiled by libpcap; a bad one raises ValueError. A missing file raises
    FileNotFoundError; a file that is not a capture raises CaptureFormatError (a
    CaptureError). A file cut in the middle of a record yields every whole record and
    then warns with CaptureTruncatedWarning.

    Compressed captures (gzip, zstd, xz, lz4) are recognised by their first bytes and
    decompressed as they are read (``Capture.compression`` names the codec). ``path``
    may also be ``"-"`` for standard input, or any binary file object (a file opened
    ``"rb"``, ``io.BytesIO``, ``socket.makefile("rb")``, ``gzip.open(...)``): it is read
    from its current position, as records arrive.
    ``cap.connections()`` yields a :class:`Connection` as each connection ends;
    ``linger`` is the capture time in seconds a closed connection is kept for late
    segments (None: 120 s; negative: never freed, so every answer is Wireshark's).
    ``max_conns`` bounds the connections held in memory (None: 1,000,000): beyond it
    the least recently active one is handed over early (``end_reason == "evicted"``),
    counted in ``counters["connections_limit_evicted"]`` (see docs/robustness.md).
    ``max_pending`` bounds the finished connection records kept for a later
    ``cap.connections()`` (None: 1,000,000); beyond it the oldest waiting record is
    dropped, counted in ``counters["connection_records_dropped"]``.
    """
    return Capture(path, filter=filter, linger=linger, max_conns=max_conns, max_pending=max_pending)
