"""Text, JSON and CSV renderings of connection records (``tcptrace conns``).

Records come from the core as connections end; the report is in stream order. Each
record is rendered as it arrives and only the rendered text of a record that ended
before a lower-numbered stream is held (:func:`in_stream_order`), so a flood of
connections never holds the records themselves (docs/robustness.md).
"""
from __future__ import annotations

import csv
import io
import json
import math
from typing import IO, Callable, Dict, Iterable, Iterator, List, Tuple

from . import _core

CONN_FIELDS, DIR_FIELDS = _core.Connection._fields()
COLUMNS: List[str] = list(CONN_FIELDS) + [f"{n}{s}" for n in DIR_FIELDS for s in ("_c2s", "_s2c")]


def _ep(addr: str, port: int) -> str:
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def brief_line(c: _core.Connection) -> str:
    """tcptrace's brief form, with the stream index and Zeek's state and history:
    ``0: a:port <==> b:port c2s:8 s2c:5 SF ShADdaFf (complete)``."""
    word = f" ({c.status})" if c.status else ""
    return (f"{c.stream}: {_ep(c.client, c.client_port)} <==> {_ep(c.server, c.server_port)}"
            f"  c2s:{c.packets_c2s} s2c:{c.packets_s2c}  {c.conn_state} {c.history or '-'}{word}")


def _fmt(v: object) -> str:
    if v is None:
        return "NA"
    if isinstance(v, bool):
        return "Y" if v else "N"
    if isinstance(v, float):
        if math.isnan(v):
            return "NA"
        return f"{v:.6f}".rstrip("0").rstrip(".") if v != int(v) or abs(v) < 1e15 else str(v)
    return str(v)


def write_long(conns: Iterable[_core.Connection], out: IO[str]) -> None:
    """A long report per connection: the connection, then the two directions side by
    side (tcptrace -l style; times in seconds)."""
    for c in conns:
        out.write(long_text(c))


def long_text(c: _core.Connection) -> str:
    """The long report of one connection (:func:`write_long`)."""
    out = io.StringIO()
    out.write(f"TCP connection {c.stream}:\n")
    out.write(f"\tclient:        {_ep(c.client, c.client_port)}  ({c.client_reason})\n")
    out.write(f"\tserver:        {_ep(c.server, c.server_port)}\n")
    out.write(f"\tstate:         {c.conn_state}  history {c.history or '-'}  {c.status or 'incomplete'}"
              f"  (ended: {c.end_reason}; completeness {c.completeness})\n")
    out.write(f"\tframes:        {c.first_frame} .. {c.last_frame}\n")
    out.write(f"\tduration:      {_fmt(c.duration)} s\n")
    out.write(f"\ttotal packets: {c.packets}\n")
    out.write(f"\thandshake RTT: {_fmt(c.handshake_rtt)} s\n")
    out.write(f"   {'c2s (client->server):':<45}{'s2c (server->client):'}\n")
    a, b = c.c2s, c.s2c
    for name in DIR_FIELDS:
        left = f"{name + ':':<26}{_fmt(a[name]):>16}"
        right = f"{name + ':':<26}{_fmt(b[name]):>16}"
        out.write(f"     {left}   {right}\n")
    out.write("=" * 78 + "\n")
    return out.getvalue()


def json_text(c: _core.Connection) -> str:
    """One connection as an element of the JSON list (indented as ``json.dump(...,
    indent=1)`` indents the list's elements)."""
    d: Dict[str, object] = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                            for k, v in c._asdict().items()}
    return " " + json.dumps(d, indent=1).replace("\n", "\n ")


def write_json(conns: Iterable[_core.Connection], out: IO[str]) -> None:
    """A JSON list of connections, written as they come (the same text as
    ``json.dump(list, out, indent=1)``)."""
    write_json_texts((json_text(c) for c in conns), out)


def write_json_texts(texts: Iterable[str], out: IO[str]) -> None:
    n = 0
    for t in texts:
        out.write(("[\n" if n == 0 else ",\n") + t)
        n += 1
    out.write("\n]\n" if n else "[]\n")


def csv_text(c: _core.Connection) -> str:
    """One connection as a CSV row (the COLUMNS header is written first)."""
    d = c._asdict()
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["" if d[k] is None else d[k] for k in COLUMNS])
    return buf.getvalue()


def csv_header() -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(COLUMNS)
    return buf.getvalue()


def write_csv(conns: Iterable[_core.Connection], out: IO[str]) -> None:
    out.write(csv_header())
    for c in conns:
        out.write(csv_text(c))


def in_stream_order(conns: Iterable[_core.Connection],
                    render: Callable[[_core.Connection], str]) -> Iterator[str]:
    """The rendered connections in stream order, as they end: a connection's text is
    given as soon as every lower stream's has been; a text that comes early is held
    (only its text, not its record). Streams that give no record (none of their
    segments was analysed) hold back the rest until the end, which then comes in
    order too."""
    held: Dict[int, str] = {}
    nxt = 0
    for c in conns:
        if c.stream != nxt:
            held[c.stream] = render(c)
            continue
        yield render(c)
        nxt += 1
        while nxt in held:
            yield held.pop(nxt)
            nxt += 1
    rest: List[Tuple[int, str]] = sorted(held.items())
    held.clear()
    for _stream, text in rest:
        yield text
