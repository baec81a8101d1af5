"""Text, JSON and CSV renderings of connection records (``tcptrace conns``)."""
from __future__ import annotations

import csv
import json
import math
from typing import IO, Dict, Iterable, List

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


def write_json(conns: Iterable[_core.Connection], out: IO[str]) -> None:
    def clean(d: Dict[str, object]) -> Dict[str, object]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}

    json.dump([clean(c._asdict()) for c in conns], out, indent=1)
    out.write("\n")


def write_csv(conns: Iterable[_core.Connection], out: IO[str]) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for c in conns:
        d = c._asdict()
        w.writerow(["" if d[k] is None else d[k] for k in COLUMNS])
