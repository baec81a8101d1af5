"""Zeek's conn.log, TCP rows only (docs/zeek.md).

    import tcptrace
    df = tcptrace.zeek_conn_log("dump.pcap")            # as `zeek -r dump.pcap` logs it
    df = tcptrace.zeek_conn_log("dump.pcap", ignore_checksums=True)   # zeek -C
    tcptrace.zeek.write_conn_log(df, open("conn.log", "w"))          # zeek-cut reads it

The connection model is Zeek's (its timers split connections, its orientation rules
turn them round), computed in the C core (csrc/zeek_conn.c, csrc/zeek_tcp.c); it is not
the tcp.stream model of ``tcptrace.connections``.
"""
from __future__ import annotations

import os
import time
from typing import IO, Any, BinaryIO, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _core

#: conn.log's columns this module writes, in Zeek's order, with Zeek's types.
COLUMNS: Tuple[Tuple[str, str], ...] = (
    ("ts", "time"),
    ("uid", "string"),
    ("id.orig_h", "addr"),
    ("id.orig_p", "port"),
    ("id.resp_h", "addr"),
    ("id.resp_p", "port"),
    ("proto", "enum"),
    ("service", "string"),
    ("duration", "interval"),
    ("orig_bytes", "count"),
    ("resp_bytes", "count"),
    ("conn_state", "string"),
    ("missed_bytes", "count"),
    ("history", "string"),
    ("orig_pkts", "count"),
    ("orig_ip_bytes", "count"),
    ("resp_pkts", "count"),
    ("resp_ip_bytes", "count"),
)

NAMES: Tuple[str, ...] = tuple(n for n, _ in COLUMNS)

# The order of _core.zeek_conn_rows' tuples (COLUMNS without proto and service).
_CORE_ORDER = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "duration",
               "orig_bytes", "resp_bytes", "conn_state", "missed_bytes", "history",
               "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes")

PathArg = Union[str, "os.PathLike[str]", BinaryIO]


def zeek_conn_records(path: PathArg, ignore_checksums: bool = False, bpf: Optional[str] = None,
                      server_ports: Optional[Iterable[int]] = None
                      ) -> Tuple[List[Dict[str, Any]], Dict[str, int]]:
    """The TCP rows of Zeek's conn.log for a capture, as dicts keyed by Zeek's column
    names (``None`` where Zeek logs ``-``), and the counters of what Zeek's rules dropped.

    ``ignore_checksums`` is ``zeek -C``; ``bpf`` a libpcap filter; ``server_ports``
    replaces Zeek's default TCP ``likely_server_ports`` (which orient connections seen
    without their SYN). ``service`` is always ``None``: Zeek fills it from its
    application analyzers, which tcptrace does not run.
    """
    ports = None if server_ports is None else sorted(set(int(p) for p in server_ports))
    rows, counters = _core.zeek_conn_rows(path, ignore_checksums=ignore_checksums, filter=bpf,
                                          server_ports=ports)
    out = []
    for r in rows:
        d = dict(zip(_CORE_ORDER, r))
        d["proto"] = "tcp"
        d["service"] = None
        if d["history"] == "":
            d["history"] = None
        out.append({k: d[k] for k in NAMES})
    return out, counters


def zeek_conn_log(path: PathArg, ignore_checksums: bool = False, bpf: Optional[str] = None,
                  server_ports: Optional[Iterable[int]] = None) -> Any:
    """Zeek's conn.log TCP rows for a capture as a pandas DataFrame with Zeek's column
    names (``ts`` in seconds as Zeek's float, ``duration`` in seconds; missing values
    where Zeek logs ``-``). See :func:`zeek_conn_records` for the arguments."""
    import pandas as pd

    rows, _ = zeek_conn_records(path, ignore_checksums, bpf, server_ports)
    df = pd.DataFrame(rows, columns=list(NAMES))
    for name in ("orig_bytes", "resp_bytes"):
        df[name] = df[name].astype("UInt64")
    for name in ("id.orig_p", "id.resp_p", "missed_bytes", "orig_pkts", "orig_ip_bytes",
                 "resp_pkts", "resp_ip_bytes"):
        df[name] = df[name].astype("uint64")
    return df


def _cell(name: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    try:
        import pandas as pd
        if v is pd.NA:
            return "-"
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if name in ("ts", "duration"):
        return f"{float(v):.6f}"
    if isinstance(v, str):
        return v if v else "(empty)"
    return str(int(v))


def write_conn_log(rows: Union[Any, Sequence[Dict[str, Any]]], out: IO[str],
                   open_time: Optional[float] = None) -> None:
    """Write rows (a :func:`zeek_conn_log` DataFrame or :func:`zeek_conn_records` dicts)
    as Zeek's ASCII conn.log: the ``#separator``/``#fields``/``#types`` header, one
    tab-separated line per row, ``-`` for unset, and the ``#open``/``#close`` lines."""
    if hasattr(rows, "to_dict"):
        rows = rows.to_dict("records")
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.localtime(open_time))
    out.write("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n")
    out.write(f"#path\tconn\n#open\t{stamp}\n")
    out.write("#fields\t" + "\t".join(NAMES) + "\n")
    out.write("#types\t" + "\t".join(t for _, t in COLUMNS) + "\n")
    for r in rows:
        out.write("\t".join(_cell(n, r.get(n)) for n in NAMES) + "\n")
    out.write("#close\t{}\n".format(time.strftime("%Y-%m-%d-%H-%M-%S", time.localtime())))
