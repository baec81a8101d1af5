"""Reassembled byte streams and application messages (HTTP/1.x, TLS) of TCP connections.

The C core reassembles every connection while it reads the capture once (out-of-order
segments held until the hole fills, first copy wins on overlaps, holes that never fill
reported as gaps, memory capped) and frames HTTP/1.x messages and TLS records on the
reassembled bytes. This module turns what it produces into Python values:

    payload(src, stream, direction)   the bytes one side sent, with a gap map
    chunks(src, stream)               the ordered (direction, offset, data, frames) chunks
    conn_messages(src, stream)        the HTTP/TLS messages of one connection
    messages(path)                    a DataFrame, one row per message of the capture
    follow(path, stream)              all of the above for one connection, in one read
    follow_text(path, stream, fmt)    exactly what ``tshark -q -z follow,tcp,FMT,N`` prints
    reassembled_in(path)              frame -> the frame that completed its message

``src`` is a capture path or a :class:`tcptrace.Capture` (only its path and filter are
used: the file is read anew). Only the requested connection's bytes are kept, so memory
follows that connection, not the capture. The functions taking ``(src, stream)`` are
meant to become methods of connection records too.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union, overload

from . import _core
from ._extras import needs_extras

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

PathLike = Union[str, "os.PathLike[str]"]
Source = Union[PathLike, "_core.Capture"]

def _registry() -> List[Dict[str, Any]]:
    return _core.framers()


#: The application framers of the core, in priority order (``_core.framers()``): each a
#: dict with ``name``, ``ports`` (tshark's default ports for it), ``fields`` (the details
#: its messages carry: (name, type) pairs), ``sniffs`` (whether first bytes decide) and
#: ``info_joins`` (several PDUs in one frame: Info lines joined, or the last one's).
FRAMERS: List[Dict[str, Any]] = _registry()

#: Every framer's detail names and types, in registry order (a name two framers share
#: is one column).
DETAIL_FIELDS: Dict[str, str] = {}
for _f in FRAMERS:
    for _name, _type in _f["fields"]:
        DETAIL_FIELDS.setdefault(_name, _type)
del _f, _name, _type

_DIRS = {0: 0, 1: 1, "c2s": 0, "s2c": 1, "client": 0, "server": 1}


def _dir(direction: Union[int, str]) -> int:
    try:
        return _DIRS[direction]
    except (KeyError, TypeError):
        raise ValueError(f"direction must be 0, 1, 'c2s' or 's2c', not {direction!r}") from None


@dataclass(frozen=True)
class Gap:
    """Bytes of a direction that the payload does not hold."""
    offset: int    #: stream offset of the first byte not held
    length: int    #: how many bytes
    kind: str      #: 'gap' (never seen: missed by the capture) or 'missing' (cut by the snaplen)
    position: int  #: where in :attr:`Payload.data` the hole sits (bytes held before it)


@dataclass
class Payload:
    """The bytes one side of a connection sent, as reassembled: ``data`` holds every
    captured byte in stream order, nothing invented; ``gaps`` says where bytes are
    lacking. ``end`` tells how the direction ended: 'fin', 'rst', 'flush' (end of the
    capture) or None."""
    direction: int
    data: bytes = b""
    gaps: List[Gap] = field(default_factory=list)
    end: Optional[str] = None

    @property
    def length(self) -> int:
        """Stream bytes covered: held plus lacking."""
        return len(self.data) + sum(g.length for g in self.gaps)

    @property
    def complete(self) -> bool:
        """No byte lacking."""
        return not self.gaps

    def __bytes__(self) -> bytes:
        return self.data

    def __len__(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Chunk:
    """A contiguous piece of one direction, in the order reassembly delivered it."""
    direction: int
    offset: int
    data: Optional[bytes]            #: None for a gap or bytes cut by the snaplen
    frames: List[Tuple[int, int]]    #: (frame, bytes) that carried it, in stream order
    kind: str = "data"               #: 'data', 'gap', 'missing'
    length: int = 0
    frame: int = 0                   #: the frame whose arrival made it deliverable


@dataclass
class Message:
    """An application message of a connection, as a framer of the core reported it:
    an HTTP/1.x request or response, a TLS record or handshake message, a DNS query or
    response. The common attributes are below; the framer's own details (``method``,
    ``uri``, ``status``; ``tls_type``, ``sni``; ``dns_id``, ``qname``, ``rcode``...: see
    :data:`DETAIL_FIELDS`) are attributes too, None when the message has no such
    detail, and all of them are in :attr:`details`."""
    kind: str                #: 'http_request', 'tls_record', 'dns_query', ...
    stream: int
    dir: int
    frame: Optional[int]     #: the frame that completed it (None: never completed, or bytes
                             #: lost in a gap: then see done_frame)
    length: int
    frames: List[Tuple[int, int]]
    frames_total: int
    framer: str = ""         #: the framer that reported it: 'http', 'tls', 'dns'
    protocol: Optional[str] = None  #: Wireshark's Protocol column for it ('HTTP', 'TLSv1.2')
    info: str = ""           #: Wireshark's Info text for it
    pdu: bool = True         #: a PDU of the TCP stream (listed; counted in reassembled_in)
    stream_protocol: Optional[str] = None  #: when set, the Protocol of every PDU of the stream
    note: Optional[str] = None  #: extra text `tcptrace messages` shows ('SNI=example.com')
    lead: Optional[str] = None  #: the Info of its first frame when a later one completes it
                                #: (before " [TCP segment of a reassembled PDU]")
    start_off: int = 0
    end_off: int = 0
    flags: int = 0           #: the framer's flag bits
    anomalies: int = 0
    missing_bytes: int = 0
    complete: bool = True    #: ended normally, every byte seen (or cut only by the snaplen)
    done_frame: Optional[int] = None  #: the frame where its framing ended, even with lost bytes
    details: Dict[str, Any] = field(default_factory=dict, repr=False)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: the framers' details
        if name in DETAIL_FIELDS:
            return self.__dict__.get("details", {}).get(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def reassembly(self) -> Optional[str]:
        """Wireshark's ``[2 Reassembled TCP Segments (1593 bytes): #5(1448), #7(145)]``
        when more than one frame carried the message, else None."""
        return reassembly_text(self.frames, self.frames_total)

    @property
    def summary(self) -> str:
        """The message as Wireshark's Info column shows it (:attr:`info`), without the
        trailing space Wireshark's HTTP dissector leaves after the start line."""
        return self.info.rstrip(" ")


def reassembly_text(frames: Sequence[Tuple[int, int]], total: Optional[int] = None) -> Optional[str]:
    n = len(frames) if total is None else total
    if n < 2:
        return None
    nbytes = sum(b for _f, b in frames)
    listed = ", ".join(f"#{f}({b})" for f, b in frames)
    if n > len(frames):
        listed += ", ..."
    return f"[{n} Reassembled TCP Segments ({nbytes} bytes): {listed}]"


def _message(d: Dict[str, Any]) -> Message:
    """A Message from the dict the core gives (``Capture._read_streams``)."""
    frames = [tuple(x) for x in d["frames"]]
    complete = bool(d["done_frame"]) and not (d["lost"] and not d["truncated"])
    frame = d["done_frame"] if complete else None
    if frame is None and d["truncated"] and frames:
        # bytes cut by the snaplen: tshark shows the message in its first frame
        frame = frames[0][0]
    return Message(
        kind=d["kind"], stream=d["stream"], dir=d["dir"], frame=frame, length=d["length"],
        frames=frames, frames_total=d["frames_total"], framer=d["framer"],
        protocol=d["protocol"], info=d["info"] or "", pdu=d["pdu"],
        stream_protocol=d["stream_protocol"], note=d["note"], lead=d["lead"],
        start_off=d["start_off"],
        end_off=d["end_off"], flags=d["flags"], anomalies=d["anomalies"],
        missing_bytes=d["missing_bytes"], complete=complete, done_frame=d["done_frame"] or None,
        details=d["details"],
    )


# ---- reading ----

def _path_filter(src: Source) -> Tuple[Any, Optional[str]]:
    if isinstance(src, _core.Capture):
        return src.path, src.filter
    if isinstance(src, tuple) and len(src) == 2:  # (path, filter), as a Connection keeps it
        return src[0], src[1]
    return src, None


def _read(src: Source, *, messages: bool, collect: int, follow: bool,
          budget: int = 0, max_held: int = 0, max_frames: int = 1 << 20) -> Iterator[Tuple[Any, ...]]:
    path, filt = _path_filter(src)
    # no connection records: nothing here drains them
    with _core.Capture(path, filter=filt, connections=False) as cap:
        cap._enable_streams(messages=messages, collect=collect, follow=follow,
                            budget=budget, max_held=max_held)
        while True:
            try:
                got = cap._read_streams(max_frames)
            except _core.CaptureError as e:
                # a damaged file: yield what was read before the damage, then raise
                partial = getattr(e, "partial", None)
                if partial is not None:
                    yield partial
                raise
            if got is None:
                return
            yield got


def _check_stream(stream: int) -> int:
    if not isinstance(stream, int) or isinstance(stream, bool) or stream < 0:
        raise ValueError(f"stream must be a tcp.stream number (int >= 0), not {stream!r}")
    return stream


@dataclass
class Conversation:
    """One connection, reassembled: what :func:`follow` returns."""
    stream: int
    nodes: Optional[Tuple[Tuple[str, int], Tuple[str, int]]] = None  #: tshark's node 0, node 1
    ip_version: int = 0
    _chunks: List[Chunk] = field(default_factory=list, repr=False)
    _messages: List[Message] = field(default_factory=list, repr=False)
    _records: List[Tuple[int, int, bytes]] = field(default_factory=list, repr=False)
    _ends: Dict[int, str] = field(default_factory=dict, repr=False)

    def payload(self, direction: Union[int, str]) -> Payload:
        """The bytes one side sent (0 or 'c2s': the client; 1 or 's2c': the server)."""
        d = _dir(direction)
        parts: List[bytes] = []
        gaps: List[Gap] = []
        held = 0
        for c in self._chunks:
            if c.direction != d:
                continue
            if c.kind == "data":
                parts.append(c.data or b"")
                held += c.length
            else:
                gaps.append(Gap(c.offset, c.length, c.kind, held))
        return Payload(d, b"".join(parts), gaps, self._ends.get(d))

    def chunks(self) -> List[Chunk]:
        """The ordered (direction, offset, data, frames) chunks of both directions, in the
        order reassembly delivered them (gaps included, with data None)."""
        return list(self._chunks)

    def messages(self) -> List[Message]:
        return list(self._messages)

    def follow_records(self) -> List[Tuple[int, int, bytes]]:
        """tshark's follow records: (node, frame, bytes), node 0 the first sender (only
        when read for :func:`follow_text`; empty otherwise)."""
        return list(self._records)


@overload
def follow(path: Source, stream: int, direction: None = None) -> Conversation: ...
@overload
def follow(path: Source, stream: int, direction: Union[int, str]) -> Payload: ...
@overload
def follow(path: Source, stream: int, direction: Union[int, str, None] = None
           ) -> Union[Conversation, Payload]: ...
def follow(path: Source, stream: int, direction: Union[int, str, None] = None
           ) -> Union[Conversation, Payload]:
    """Reassemble connection ``stream`` (tcp.stream) of a capture, reading it once and
    keeping only that connection's bytes. With ``direction`` the :class:`Payload` of that
    side, else the whole :class:`Conversation` (payloads, chunks, messages)."""
    conv = _collect(path, _check_stream(stream), messages=direction is None)
    return conv if direction is None else conv.payload(direction)


def _collect(src: Source, stream: int, *, messages: bool, records: bool = False) -> Conversation:
    conv = Conversation(stream)
    try:
        _collect_into(conv, src, stream, messages=messages, records=records)
    except _core.CaptureFormatError as e:
        e.conversation = conv  # what was read before the damage
        raise
    return conv


def _collect_into(conv: Conversation, src: Source, stream: int, *, messages: bool, records: bool) -> None:
    for msgs, chunks, recs, nodes in _read(src, messages=messages, collect=stream, follow=records):
        for t in msgs:
            if t["stream"] == stream:
                conv._messages.append(_message(t))
        for (_s, d, kind, off, length, frame, data, parts, end) in chunks:
            if kind == "end":
                conv._ends[d] = end
                continue
            conv._chunks.append(Chunk(d, off, data, [tuple(p) for p in parts], kind, length, frame))
        for (_s, node, frame, data) in recs:
            conv._records.append((node, frame, data))
        for (_s, version, a0, p0, a1, p1) in nodes:
            conv.nodes = ((a0, p0), (a1, p1))
            conv.ip_version = version


def payload(src: Source, stream: int, direction: Union[int, str]) -> Payload:
    """The reassembled bytes one side of connection ``stream`` sent, with a gap map."""
    return _collect(src, _check_stream(stream), messages=False).payload(direction)


def chunks(src: Source, stream: int) -> List[Chunk]:
    """The ordered (direction, offset, data, frames) chunks of connection ``stream``."""
    return _collect(src, _check_stream(stream), messages=False).chunks()


def conn_messages(src: Source, stream: int) -> List[Message]:
    """The HTTP/TLS messages of connection ``stream``, in the order they completed."""
    _check_stream(stream)
    out: List[Message] = []
    for msgs, _c, _r, _n in _read(src, messages=True, collect=-1, follow=False):
        out.extend(_message(t) for t in msgs if t["stream"] == stream)
    return out


def iter_messages(src: Source, *, budget: int = 0, max_held: int = 0) -> Iterator[Message]:
    """Every HTTP/TLS message of a capture, in the order they completed."""
    for msgs, _c, _r, _n in _read(src, messages=True, collect=-1, follow=False,
                                  budget=budget, max_held=max_held):
        for t in msgs:
            yield _message(t)


_MESSAGE_HEAD = ["frame", "stream", "dir", "kind"]
_MESSAGE_TAIL = ["length", "n_frames", "frames", "reassembly", "complete", "start_off",
                 "end_off", "missing_bytes", "protocol", "info"]
#: The columns of :func:`messages`: the common ones around every framer's details.
MESSAGE_COLUMNS: List[str] = _MESSAGE_HEAD + list(DETAIL_FIELDS) + _MESSAGE_TAIL


def message_row(m: Message) -> Tuple[Any, ...]:
    """The values of :data:`MESSAGE_COLUMNS` for one message."""
    return ((m.frame, m.stream, m.dir, m.kind)
            + tuple(m.details.get(name) for name in DETAIL_FIELDS)
            + (m.length, m.frames_total, m.frames, m.reassembly, m.complete, m.start_off,
               m.end_off, m.missing_bytes, m.protocol, m.info))


@needs_extras("tcptrace.messages()")
def messages(path: Source, stream: Optional[int] = None) -> pd.DataFrame:
    """One row per application message of a capture (HTTP/1.x messages, TLS records and
    handshake messages, DNS queries and responses: every framer of :data:`FRAMERS`), as
    a pandas DataFrame: ``frame`` (the frame that completed it), ``stream``, ``dir``,
    ``kind`` ('http_request', 'http_response', 'tls_record', 'tls_handshake',
    'dns_query', 'dns_response'), each framer's details (``method``, ``uri``,
    ``status``, ``sni``, ``alpn``, ``dns_id``, ``qname``, ``rcode``...), ``length``,
    ``frames`` (list of (frame, bytes)), ``reassembly`` (Wireshark's "[2 Reassembled
    TCP Segments ...]" text), ``protocol`` and ``info`` (as Wireshark's listing shows
    the message) and more (see :data:`MESSAGE_COLUMNS`)."""
    import pandas as pd

    rows = []
    for m in iter_messages(path):
        if stream is not None and m.stream != stream:
            continue
        rows.append(message_row(m))
    df: pd.DataFrame = pd.DataFrame.from_records(rows, columns=MESSAGE_COLUMNS)
    for c in ["frame"] + [n for n, t in DETAIL_FIELDS.items() if t == "int"]:
        df[c] = df[c].astype("Int64")
    df = df.sort_values(["frame", "stream"], kind="stable", na_position="last").reset_index(drop=True)
    return df


def reassembled_in(path: Source) -> Dict[int, int]:
    """Wireshark's ``tcp.reassembled_in``: for every frame whose bytes belong to a
    message completed in a later frame, that frame (the last such message wins)."""
    out: Dict[int, int] = {}
    for m in iter_messages(path):
        if not m.pdu or not m.complete or m.frame is None:
            continue
        for f, _b in m.frames:
            if f != m.frame:
                out[f] = m.frame
    return out


# ---- tshark's follow output ----

_SEP = "=" * 67 + "\n"
_PRINTABLE = bytes(range(0x20, 0x7F))
_ASCII_MAP = bytes((b if (0x20 <= b < 0x7F or b in (0x0A, 0x0D)) else 0x2E) for b in range(256))


def _node_text(version: int, addr: str, port: int) -> str:
    return f"[{addr}]:{port}" if version == 6 else f"{addr}:{port}"


# Frames read per step by follow_write: what it holds at once, whatever the stream's size.
_FOLLOW_STEP_FRAMES = 1 << 14


def follow_write(src: Source, stream: int, out: IO[str], fmt: str = "raw") -> bool:
    """Write what ``tshark -q -z follow,tcp,FMT,stream`` prints (FMT 'raw' or 'ascii').
    Returns whether the capture has that stream (tshark prints an empty block for one it
    does not have; so does this, and the caller can say so).

    The records are written as the capture is read, a few thousand frames at a time, so
    memory does not grow with the stream (issue 22: `tcptrace follow` on a 200 MB stream
    held 2.3 GB when the records were collected first)."""
    if fmt not in ("raw", "ascii"):
        raise ValueError(f"format must be 'raw' or 'ascii', not {fmt!r}")
    conv = Conversation(_check_stream(stream))
    headed = False
    error = None
    try:
        for _m, _c, recs, nodes in _read(src, messages=False, collect=stream, follow=True,
                                         max_frames=_FOLLOW_STEP_FRAMES):
            for (_s, version, a0, p0, a1, p1) in nodes:
                conv.nodes = ((a0, p0), (a1, p1))
                conv.ip_version = version
            if recs and not headed:
                out.write(follow_header(conv, fmt))
                headed = True
            for (_s, node, _frame, data) in recs:
                out.write(follow_record_text(node, data, fmt))
    except _core.CaptureFormatError as e:
        error = e  # tshark prints what it read before the damage; so do we, then raise
    if not headed:
        out.write(follow_header(conv, fmt))
    out.write(_SEP)
    if error is not None:
        raise error
    return bool(conv.nodes)


def follow_header(conv: Conversation, fmt: str) -> str:
    if conv.nodes:
        (a0, p0), (a1, p1) = conv.nodes
        n0 = _node_text(conv.ip_version, a0, p0)
        n1 = _node_text(conv.ip_version, a1, p1)
    else:  # no segment: tshark prints empty addresses
        n0 = n1 = ":0"
    return (f"\n{_SEP}Follow: tcp,{fmt}\nFilter: tcp.stream eq {conv.stream}\n"
            f"Node 0: {n0}\nNode 1: {n1}\n")


def follow_record_text(node: int, data: bytes, fmt: str) -> str:
    tab = "\t" if node else ""
    if fmt == "raw":
        return f"{tab}{data.hex()}\n"
    return f"{tab}{len(data)}\n{data.translate(_ASCII_MAP).decode('ascii')}\n"


def follow_text(src: Source, stream: int, fmt: str = "raw") -> str:
    """The text of ``tshark -q -z follow,tcp,FMT,stream`` for a capture."""
    import io

    buf = io.StringIO()
    follow_write(src, stream, buf, fmt)
    return buf.getvalue()
