"""The packet-list line of a segment (number, time, source, destination, protocol,
length, info), as Wireshark's listing shows it at the TCP level."""
from __future__ import annotations

from ._core import Segment
from .fields import format_time_ns


def info(seg: Segment) -> str:
    """The TCP Info column (until the analysis lands: raw sequence numbers)."""
    parts = [f"{seg.sport} \u2192 {seg.dport}"]
    if seg.flags is not None:
        parts.append(f"[{seg.flags_str}]")
    if seg.seq_raw is not None:
        parts.append(f"Seq={seg.seq_raw}")
    if seg.flags is not None and seg.flags & 0x10 and seg.ack_raw is not None:
        parts.append(f"Ack={seg.ack_raw}")
    if seg.window_raw is not None:
        parts.append(f"Win={seg.window_raw}")
    if seg.len is not None:
        parts.append(f"Len={seg.len}")
    return " ".join(parts)


def listing_line(seg: Segment) -> str:
    t = format_time_ns(seg.time_rel_ns)[:-3]  # Wireshark's listing shows microseconds
    return f"{seg.frame} {t} {seg.src} {seg.dst} TCP {seg.wirelen} {info(seg)}"
