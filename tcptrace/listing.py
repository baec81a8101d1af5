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


_TLS_VERSIONS = {0x0300: "SSLv3", 0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2",
                 0x0304: "TLSv1.3"}


class AppListing:
    """Application lines for the listing, as Wireshark's full view shows them: the
    frame that completes an HTTP message or TLS records shows them (protocol HTTP or
    TLSvX, Info ``GET / HTTP/1.1``, ``HTTP/1.1 200 OK  (text/html)``, ``Client
    Hello``...); a frame whose bytes belong to a message completed later gets
    ``[TCP segment of a reassembled PDU]``. Built from one read of the capture
    (tcptrace.streams), before the listing's own read."""

    def __init__(self) -> None:
        self.done: dict = {}      # frame -> [(protocol, text)]
        self.partial: set = set()  # frames carrying bytes of a message completed later

    @classmethod
    def read(cls, path, filter=None) -> "AppListing":  # noqa: A002
        from . import _core
        from .streams import iter_messages, tls_record_text

        self = cls()
        src = _core.Capture(path, filter=filter) if filter else path
        negotiated: dict = {}
        msgs = list(iter_messages(src))
        for m in msgs:
            if m.kind == "tls_handshake" and m.tls_type == 2 and m.tls_version:
                negotiated[m.stream] = m.tls_version
        for m in msgs:
            if m.kind == "tls_handshake" or m.frame is None:
                continue
            if m.kind.startswith("http"):
                proto, text = "HTTP", m.summary
            else:
                ver = negotiated.get(m.stream) or m.tls_version or 0
                proto = _TLS_VERSIONS.get(ver, "TLS")
                text = tls_record_text(m)
            self.done.setdefault(m.frame, []).append((proto, text))
            if m.complete:
                for f, _b in m.frames:
                    if f != m.frame:
                        self.partial.add(f)
        return self

    def line(self, seg: Segment) -> str:
        t = format_time_ns(seg.time_rel_ns)[:-3]
        app = self.done.get(seg.frame)
        if app:
            proto = app[-1][0]
            text = ", ".join(x for _p, x in app)
            return f"{seg.frame} {t} {seg.src} {seg.dst} {proto} {seg.wirelen} {text}"
        line = listing_line(seg)
        if seg.frame in self.partial:
            line += " [TCP segment of a reassembled PDU]"
        return line

