"""tcptrace: TCP facts from packet captures.

    import tcptrace
    with tcptrace.open("dump.pcap", filter="tcp port 80") as cap:
        for seg in cap:
            print(seg.frame, seg.src, seg.sport, seg.dst, seg.dport, seg.flags_str, seg.len)
"""
from __future__ import annotations

import os
from typing import Optional, Union

from ._core import (
    Capture,
    CaptureError,
    CaptureFormatError,
    CaptureTruncatedWarning,
    Segment,
    anomaly_names,
    linktype_name,
)

from ._version import __version__
from .export import to_parquet
from .frames import ANALYSIS_FLAGS, segments
from ._summary import CaptureSummary, summary

__all__ = [
    "ANALYSIS_FLAGS",
    "__version__",
    "segments",
    "to_parquet",
    "Capture",
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
]


def __getattr__(name: str) -> object:
    # tcptrace.plot is imported on first use (it needs matplotlib only when drawing).
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'tcptrace' has no attribute {name!r}")



def open(path: Union[str, "os.PathLike[str]"], filter: Optional[str] = None) -> Capture:  # noqa: A001
    """Open a pcap or pcapng capture file.

    The result is a context manager and an iterable of :class:`Segment`, one per TCP
    segment in frame order. ``filter`` is a BPF expression (``"tcp port 80"``),
    compiled by libpcap; a bad one raises ValueError. A missing file raises
    FileNotFoundError; a file that is not a capture raises CaptureFormatError (a
    CaptureError). A file cut in the middle of a record yields every whole record and
    then warns with CaptureTruncatedWarning.
    """
    return Capture(path, filter=filter)
