"""The packet-list line of a segment (number, time, source, destination, protocol,
length, info), as Wireshark's listing shows it at the TCP level."""
from __future__ import annotations

from typing import Iterable, Iterator, List, Sequence

from ._core import Segment
from .fields import format_time_ns


def info(seg: Segment) -> str:
    """The TCP Info column, exactly as ``tshark`` prints it (built in the C core)."""
    return seg.info


def listing_cells(seg: Segment) -> List[str]:
    """The seven columns of the listing: No., Time, Source, Destination, Protocol,
    Length, Info. Time is relative to the first frame, in microseconds as Wireshark shows it."""
    t = format_time_ns(seg.time_rel_ns)[:-3]
    return [str(seg.frame), t, str(seg.src), str(seg.dst), "TCP", str(seg.wirelen), seg.info]


def listing_line(seg: Segment) -> str:
    return " ".join(listing_cells(seg))


def aligned_lines(rows: Sequence[List[str]]) -> Iterator[str]:
    """Rows padded to their columns' widths (the last column, Info, is not padded)."""
    if not rows:
        return
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        yield " ".join([c.ljust(w) for c, w in zip(r, widths)] + [r[-1]])


def listing(segments: Iterable[Segment], chunk: int = 1000) -> Iterator[str]:
    """Listing lines, aligned in chunks so long captures stream."""
    rows: List[List[str]] = []
    for seg in segments:
        rows.append(listing_cells(seg))
        if len(rows) >= chunk:
            yield from aligned_lines(rows)
            rows = []
    yield from aligned_lines(rows)
