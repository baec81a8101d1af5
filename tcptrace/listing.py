"""The packet-list line of a segment (number, time, source, destination, protocol,
length, info), as Wireshark's listing shows it at the TCP level."""
from __future__ import annotations

import os
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

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


def listing(segments: Iterable[Segment], chunk: int = 1000,
            cells: Optional[Callable[[Segment], List[str]]] = None) -> Iterator[str]:
    """Listing lines, aligned in chunks so long captures stream. ``cells`` makes the
    columns of a segment (default :func:`listing_cells`; :meth:`AppListing.cells` adds
    the application lines)."""
    make = cells or listing_cells
    rows: List[List[str]] = []
    for seg in segments:
        rows.append(make(seg))
        if len(rows) >= chunk:
            yield from aligned_lines(rows)
            rows = []
    yield from aligned_lines(rows)


class AppListing:
    """Application lines for the listing, as Wireshark's full view shows them: the
    frame that completes an application PDU (an HTTP message, a TLS record, a DNS
    message: any framer's) shows it with the framer's Protocol and Info (``HTTP``
    ``GET / HTTP/1.1``, ``TLSv1.2`` ``Client Hello``, ``DNS`` ``Standard query 0x1a2b
    A example.com``); a frame whose bytes belong to a PDU completed later gets
    ``[TCP segment of a reassembled PDU]``. Built from one read of the capture
    (tcptrace.streams), before the listing's own read."""

    def __init__(self) -> None:
        self.done: Dict[int, List[Tuple[str, str]]] = {}  # frame -> [(protocol, text)]
        self.partial: Set[int] = set()  # frames carrying bytes of a message completed later
        self.lead: Dict[int, str] = {}  # such a frame that began a message -> its Info

    @classmethod
    def read(cls, path: Union[str, os.PathLike[str]], filter: Optional[str] = None) -> AppListing:  # noqa: A002
        from . import _core
        from .streams import FRAMERS, iter_messages

        joins = {f["name"]: f["info_joins"] for f in FRAMERS}
        self = cls()
        src = _core.Capture(path, filter=filter) if filter else path
        msgs = list(iter_messages(src))
        # a message may name the Protocol of its whole connection (TLS: the ServerHello)
        stream_protocol = {m.stream: m.stream_protocol for m in msgs if m.stream_protocol}
        for m in msgs:
            if not m.pdu or m.frame is None:
                continue
            proto = stream_protocol.get(m.stream) or m.protocol or "TCP"
            lines = self.done.setdefault(m.frame, [])
            if not joins.get(m.framer, True):
                lines.clear()  # this dissector sets the Info column: the last PDU's shows
            lines.append((proto, m.info))
            if m.complete:
                for f, _b in m.frames:
                    if f != m.frame:
                        self.partial.add(f)
                if m.lead is not None and m.frames and m.frames[0][0] != m.frame:
                    self.lead[m.frames[0][0]] = m.lead
        return self

    def cells(self, seg: Segment) -> List[str]:
        """The listing columns of a segment, with its application line if it has one."""
        c = listing_cells(seg)
        app = self.done.get(seg.frame)
        if app:
            c[4] = app[-1][0]
            c[6] = ", ".join(x for _p, x in app)
        elif seg.frame in self.partial:
            lead = self.lead.get(seg.frame)
            if lead is None:
                c[6] += " [TCP segment of a reassembled PDU]"
            else:  # the framer's own Info for the frame that began the PDU
                c[6] = (lead + " " if lead else "") + "[TCP segment of a reassembled PDU]"
        return c

    def line(self, seg: Segment) -> str:
        return " ".join(self.cells(seg))

