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

#: The fields of a message tuple as the core returns it (``Capture._read_streams``).
MESSAGE_FIELDS: Tuple[str, ...] = (
    "kind", "stream", "dir", "done_frame", "start_off", "end_off", "length", "flags",
    "missing_bytes", "status", "version", "method", "uri", "reason", "content_type",
    "request_method", "header_bytes", "body_bytes", "content_bytes", "content_length",
    "tls_type", "tls_version", "hs_types", "sni", "alpn", "frames", "frames_total", "anomalies",
)

# tt_http_msg / tt_tls_record flags (app_http.h, app_tls.h)
HTTP_ABANDONED = 0x01
HTTP_MISSING = 0x02
TLS_MISSING = 0x02
HTTP_TRUNCATED = 0x40
TLS_ENCRYPTED = 0x04
TLS_ABANDONED = 0x08
TLS_TRUNCATED = 0x40

#: TLS ContentType names (RFC 8446 §5.1, RFC 6520).
TLS_CONTENT_TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake",
                     23: "application_data", 24: "heartbeat"}
#: TLS HandshakeType names (RFC 8446 §4, RFC 5246 §7.4).
TLS_HANDSHAKE_TYPES = {
    0: "hello_request", 1: "client_hello", 2: "server_hello", 3: "hello_verify_request",
    4: "new_session_ticket", 5: "end_of_early_data", 8: "encrypted_extensions",
    11: "certificate", 12: "server_key_exchange", 13: "certificate_request",
    14: "server_hello_done", 15: "certificate_verify", 16: "client_key_exchange",
    20: "finished", 21: "certificate_url", 22: "certificate_status", 24: "key_update",
    254: "message_hash",
}

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
    """An HTTP/1.x message, a TLS record or a TLS handshake message."""
    kind: str
    stream: int
    dir: int
    frame: Optional[int]     #: the frame that completed it (None: never completed, or bytes
                             #: lost in a gap: then see done_frame)
    length: int
    frames: List[Tuple[int, int]]
    frames_total: int
    method: Optional[str] = None
    uri: Optional[str] = None
    status: Optional[int] = None
    reason: Optional[str] = None
    version: Optional[str] = None
    content_type: Optional[str] = None
    request_method: Optional[str] = None
    header_bytes: int = 0
    body_bytes: int = 0
    content_length: Optional[int] = None
    tls_type: Optional[int] = None
    tls_version: Optional[int] = None
    hs_types: Tuple[int, ...] = ()
    sni: Optional[str] = None
    alpn: Optional[str] = None
    start_off: int = 0
    end_off: int = 0
    flags: int = 0
    missing_bytes: int = 0
    complete: bool = True    #: ended normally, every byte seen (or cut only by the snaplen)
    done_frame: Optional[int] = None  #: the frame where its framing ended, even with lost bytes

    @property
    def reassembly(self) -> Optional[str]:
        """Wireshark's ``[2 Reassembled TCP Segments (1593 bytes): #5(1448), #7(145)]``
        when more than one frame carried the message, else None."""
        return reassembly_text(self.frames, self.frames_total)

    @property
    def summary(self) -> str:
        """The message as Wireshark's Info column shows it."""
        return _summary(self)


def reassembly_text(frames: Sequence[Tuple[int, int]], total: Optional[int] = None) -> Optional[str]:
    n = len(frames) if total is None else total
    if n < 2:
        return None
    nbytes = sum(b for _f, b in frames)
    listed = ", ".join(f"#{f}({b})" for f, b in frames)
    if n > len(frames):
        listed += ", ..."
    return f"[{n} Reassembled TCP Segments ({nbytes} bytes): {listed}]"


def _message(t: Tuple[Any, ...]) -> Message:
    d = dict(zip(MESSAGE_FIELDS, t))
    kind = d["kind"]
    http = kind.startswith("http")
    frames = [tuple(x) for x in d["frames"]]
    flags = d["flags"]
    truncated = flags & (HTTP_TRUNCATED if http else TLS_TRUNCATED)
    lost = flags & (HTTP_MISSING if http else TLS_MISSING)
    complete = bool(d["done_frame"]) and not (lost and not truncated)
    frame = d["done_frame"] if complete else None
    if frame is None and truncated and frames:
        # bytes cut by the snaplen: tshark shows the message in its first frame
        frame = frames[0][0]
    return Message(
        kind=kind, stream=d["stream"], dir=d["dir"], frame=frame, length=d["length"],
        frames=frames, frames_total=d["frames_total"],
        method=d["method"], uri=d["uri"],
        status=d["status"] if kind == "http_response" else None,
        reason=d["reason"], version=d["version"], content_type=d["content_type"],
        request_method=d["request_method"], header_bytes=d["header_bytes"],
        body_bytes=d["body_bytes"],
        content_length=d["content_length"] if d["content_length"] >= 0 else None,
        tls_type=None if http else d["tls_type"], tls_version=None if http else d["tls_version"],
        hs_types=tuple(d["hs_types"]), sni=d["sni"], alpn=d["alpn"],
        start_off=d["start_off"], end_off=d["end_off"], flags=flags,
        missing_bytes=d["missing_bytes"], complete=complete, done_frame=d["done_frame"] or None,
    )


def _summary(m: Message) -> str:
    if m.kind == "http_request":
        return f"{m.method} {m.uri} HTTP/{m.version}"
    if m.kind == "http_response":
        s = f"HTTP/{m.version} {m.status} {m.reason or ''}".rstrip()
        if m.content_type:
            s += f"  ({m.content_type.split(';')[0].strip()})"
        return s
    if m.kind == "tls_handshake":
        return _title(TLS_HANDSHAKE_TYPES.get(m.tls_type if m.tls_type is not None else -1,
                                              f"handshake_{m.tls_type}"))
    return tls_record_text(m)


def _title(name: str) -> str:
    return " ".join(w.capitalize() for w in name.split("_"))


def tls_record_text(m: Message) -> str:
    """A TLS record as Wireshark's Info column names it: the handshake messages that
    begin in it ("Server Hello, Certificate"), "Encrypted Handshake Message",
    "Change Cipher Spec", "Application Data", "Alert"."""
    if m.tls_type == 22:
        if m.flags & TLS_ENCRYPTED or not m.hs_types:
            return "Encrypted Handshake Message"
        return ", ".join(_title(TLS_HANDSHAKE_TYPES.get(h, str(h))) for h in m.hs_types)
    return _title(TLS_CONTENT_TYPES.get(m.tls_type if m.tls_type is not None else -1,
                                        f"record_{m.tls_type}"))


# ---- reading ----

def _path_filter(src: Source) -> Tuple[Any, Optional[str]]:
    if isinstance(src, _core.Capture):
        return src.path, src.filter
    if isinstance(src, tuple) and len(src) == 2:  # (path, filter), as a Connection keeps it
        return src[0], src[1]
    return src, None


def _read(src: Source, *, messages: bool, collect: int, follow: bool,
          budget: int = 0, max_held: int = 0) -> Iterator[Tuple[Any, ...]]:
    path, filt = _path_filter(src)
    # no connection records: nothing here drains them
    with _core.Capture(path, filter=filt, connections=False) as cap:
        cap._enable_streams(messages=messages, collect=collect, follow=follow,
                            budget=budget, max_held=max_held)
        while True:
            try:
                got = cap._read_streams(1 << 20)
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
            if t[1] == stream:
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
        out.extend(_message(t) for t in msgs if t[1] == stream)
    return out


def iter_messages(src: Source, *, budget: int = 0, max_held: int = 0) -> Iterator[Message]:
    """Every HTTP/TLS message of a capture, in the order they completed."""
    for msgs, _c, _r, _n in _read(src, messages=True, collect=-1, follow=False,
                                  budget=budget, max_held=max_held):
        for t in msgs:
            yield _message(t)


MESSAGE_COLUMNS: List[str] = [
    "frame", "stream", "dir", "kind", "method", "uri", "status", "reason", "content_type",
    "sni", "alpn", "tls_type", "tls_version", "hs_types", "length", "header_bytes",
    "body_bytes", "n_frames", "frames", "reassembly", "complete", "start_off", "end_off",
    "missing_bytes",
]


def message_row(m: Message) -> Tuple[Any, ...]:
    """The values of :data:`MESSAGE_COLUMNS` for one message."""
    return (m.frame, m.stream, m.dir, m.kind, m.method, m.uri, m.status, m.reason,
            m.content_type, m.sni, m.alpn, m.tls_type, m.tls_version, m.hs_types,
            m.length, m.header_bytes, m.body_bytes, m.frames_total, m.frames,
            m.reassembly, m.complete, m.start_off, m.end_off, m.missing_bytes)


@needs_extras("tcptrace.messages()")
def messages(path: Source, stream: Optional[int] = None) -> pd.DataFrame:
    """One row per HTTP/1.x message, TLS record and TLS handshake message of a capture,
    as a pandas DataFrame: ``frame`` (the frame that completed it), ``stream``, ``dir``,
    ``kind`` ('http_request', 'http_response', 'tls_record', 'tls_handshake'),
    ``method``, ``uri``, ``status``, ``sni``, ``alpn``, ``length``, ``frames`` (list of
    (frame, bytes)), ``reassembly`` (Wireshark's "[2 Reassembled TCP Segments ...]"
    text) and more (see :data:`MESSAGE_COLUMNS`)."""
    import pandas as pd

    rows = []
    for m in iter_messages(path):
        if stream is not None and m.stream != stream:
            continue
        rows.append(message_row(m))
    df: pd.DataFrame = pd.DataFrame.from_records(rows, columns=MESSAGE_COLUMNS)
    for c in ("frame", "status", "tls_type", "tls_version"):
        df[c] = df[c].astype("Int64")
    df = df.sort_values(["frame", "stream"], kind="stable", na_position="last").reset_index(drop=True)
    return df


def reassembled_in(path: Source) -> Dict[int, int]:
    """Wireshark's ``tcp.reassembled_in``: for every frame whose bytes belong to a
    message completed in a later frame, that frame (the last such message wins)."""
    out: Dict[int, int] = {}
    for m in iter_messages(path):
        if m.kind == "tls_handshake" or not m.complete or m.frame is None:
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


def follow_write(src: Source, stream: int, out: IO[str], fmt: str = "raw") -> bool:
    """Write what ``tshark -q -z follow,tcp,FMT,stream`` prints (FMT 'raw' or 'ascii').
    Returns whether the capture has that stream (tshark prints an empty block for one it
    does not have; so does this, and the caller can say so)."""
    if fmt not in ("raw", "ascii"):
        raise ValueError(f"format must be 'raw' or 'ascii', not {fmt!r}")
    error = None
    conv: Optional[Conversation]
    try:
        conv = _collect(src, _check_stream(stream), messages=False, records=True)
    except _core.CaptureFormatError as e:
        # tshark prints what it read before the damage; so do we, then raise
        conv, error = getattr(e, "conversation", None), e
        if conv is None:
            raise
    out.write(follow_header(conv, fmt))
    for node, _frame, data in conv._records:
        out.write(follow_record_text(node, data, fmt))
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
