"""The packet-list line of a segment (number, time, source, destination, protocol,
length, info), as Wireshark's listing shows it at the TCP level."""
from __future__ import annotations

from ._core import Segment
from .fields import format_time_ns


def info(seg: Segment) -> str:
    """The TCP Info column, exactly as ``tshark`` prints it (built in the C core)."""
    return seg.info


def listing_line(seg: Segment) -> str:
    t = format_time_ns(seg.time_rel_ns)[:-3]  # Wireshark's listing shows microseconds
    return f"{seg.frame} {t} {seg.src} {seg.dst} TCP {seg.wirelen} {seg.info}"
