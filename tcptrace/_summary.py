"""A capture at a glance: ``tcptrace.summary(path)``.

    s = tcptrace.summary("dump.pcap")
    s                      # in Jupyter: a small HTML table (what, how many), then the busiest streams
    print(s)               # the same as text
    s.streams              # DataFrame, one row per TCP stream
    s.flags                # {"retransmission": 13, "duplicate_ack": 56, ...}, the non-zero ones
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, Union

from . import _core

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_COLUMNS = ["frame", "time_rel", "wirelen", "src", "dst", "sport", "dport", "stream", "dir", "len",
            "flag_syn", "flag_fin", "flag_rst", *_core.analysis_flag_names()]


@dataclass(repr=False)
class CaptureSummary:
    """What a capture holds: counts, times, analysis flags and one row per TCP stream.

    Made by :func:`summary`. In Jupyter it shows as an HTML table (``_repr_html_``);
    ``str()`` gives the same as text.
    """

    path: str
    format: str
    linktype: Optional[str]
    snaplen: int
    frames: int
    tcp_segments: int
    streams_count: int
    duration: float
    wire_bytes: int
    payload_bytes: int
    flags: Dict[str, int] = field(default_factory=dict)
    counters: Dict[str, Any] = field(default_factory=dict)
    streams: Optional[pd.DataFrame] = None

    def rows(self) -> List[Tuple[str, str]]:
        """The (what, value) rows of the summary table, as text."""
        out = [("file", os.path.basename(self.path)), ("format", f"{self.format}, link type {self.linktype}, "
                                                                  f"snaplen {self.snaplen}"),
               ("frames", f"{self.frames:,}"), ("TCP segments", f"{self.tcp_segments:,}"),
               ("TCP streams", f"{self.streams_count:,}"), ("duration", f"{self.duration:.6f} s"),
               ("bytes on the wire", f"{self.wire_bytes:,}"), ("TCP payload bytes", f"{self.payload_bytes:,}")]
        for k in ("non_tcp", "truncated", "invalid", "ip_fragments"):
            v = self.counters.get(k)
            if v:
                out.append((k.replace("_", " ") + " frames", f"{v:,}"))
        for name, n in self.flags.items():
            out.append((name.replace("_", " "), f"{n:,}"))
        for name, n in (self.counters.get("anomalies") or {}).items():
            out.append((f"anomaly {name}", f"{n:,}"))
        return out

    def __repr__(self) -> str:
        return (f"<CaptureSummary {os.path.basename(self.path)}: {self.tcp_segments:,} TCP segments, "
                f"{self.streams_count:,} stream{'' if self.streams_count == 1 else 's'}, {self.duration:.6f} s>")

    def __str__(self) -> str:
        rows = self.rows()
        w = max(len(k) for k, _ in rows)
        text = "\n".join(f"{k:<{w}}  {v}" for k, v in rows)
        if self.streams is not None and len(self.streams):
            text += "\n\n" + self.streams.head(10).to_string(index=False)
            if len(self.streams) > 10:
                text += f"\n… {len(self.streams) - 10} more streams (.streams has them all)"
        return text

    def _repr_html_(self) -> str:
        cells = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                        f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in self.rows())
        out = f"<table><caption style='text-align:left'><b>tcptrace summary</b></caption>{cells}</table>"
        if self.streams is not None and len(self.streams):
            top = self.streams.head(10)
            out += "<p><b>TCP streams</b> (by bytes, the first 10)</p>" + top.to_html(index=False, border=0)
            if len(self.streams) > 10:
                out += f"<p>… {len(self.streams) - 10} more streams (<code>.streams</code> has them all)</p>"
        return out


def _stream_table(df: pd.DataFrame) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    if df.empty:
        return pd.DataFrame(columns=["stream", "client", "server", "segments", "bytes_c2s", "bytes_s2c", "start",
                                     "duration", "retransmissions", "dup_acks", "syn", "fin", "rst"])
    d = df[df["stream"].notna()].copy()
    d["stream"] = d["stream"].astype("int64")
    d["len"] = d["len"].fillna(0).astype("int64")
    d["dir0"] = (d["dir"] == 0).fillna(False).astype(bool)
    first = d.groupby("stream", sort=True).head(1).set_index("stream")

    def ep(a: Any, p: Any) -> str:
        a = str(a)
        return f"[{a}]:{p}" if ":" in a else f"{a}:{p}"

    client = [ep(r.src, r.sport) if r.dir0 else ep(r.dst, r.dport) for r in first.itertuples()]
    server = [ep(r.dst, r.dport) if r.dir0 else ep(r.src, r.sport) for r in first.itertuples()]
    g = d.groupby("stream", sort=True)
    retx = d["retransmission"] if "retransmission" in d else pd.Series(False, index=d.index)
    out = pd.DataFrame({
        "stream": first.index.to_numpy(),
        "client": client,
        "server": server,
        "segments": g.size().to_numpy(),
        "bytes_c2s": d["len"].where(d["dir0"], 0).groupby(d["stream"]).sum().to_numpy(),
        "bytes_s2c": d["len"].where(~d["dir0"], 0).groupby(d["stream"]).sum().to_numpy(),
        "start": g["time_rel"].min().to_numpy(),
        "duration": (g["time_rel"].max() - g["time_rel"].min()).to_numpy(),
        "retransmissions": retx.groupby(d["stream"]).sum().to_numpy(dtype=np.int64),
        "dup_acks": d["duplicate_ack"].groupby(d["stream"]).sum().to_numpy(dtype=np.int64),
        "syn": g["flag_syn"].sum().to_numpy(dtype=np.int64),
        "fin": g["flag_fin"].sum().to_numpy(dtype=np.int64),
        "rst": g["flag_rst"].sum().to_numpy(dtype=np.int64),
    })
    total = out["bytes_c2s"] + out["bytes_s2c"]
    return out.iloc[np.argsort(-total.to_numpy(), kind="stable")].reset_index(drop=True)


def summary(path: Union[str, os.PathLike[str]], filter: Optional[str] = None) -> CaptureSummary:
    """Read a capture once and summarise it: counts, duration, analysis flags, streams.

    Returns a :class:`CaptureSummary` (an HTML table in Jupyter). ``filter`` is a BPF
    expression. Needs pandas.
    """
    from .frames import _frame, _need_pandas

    _need_pandas()
    path = os.fspath(path)
    with _core.Capture(path, filter=filter) as cap:
        df = _frame(cap, _COLUMNS, 0)
        counters = dict(cap.counters)
        fmt, lt, snap = cap.format, cap.linktype, cap.snaplen
    assert df is not None
    flags = {name: int(df[name].sum()) for name in _core.analysis_flag_names() if df[name].any()}
    t = df["time_rel"]
    return CaptureSummary(
        path=path, format=fmt, linktype=_core.linktype_name(lt) or str(lt), snaplen=int(snap),
        frames=int(counters.get("frames", len(df))), tcp_segments=len(df),
        streams_count=int(df["stream"].nunique()), duration=float(t.max() - t.min()) if len(df) else 0.0,
        wire_bytes=int(df["wirelen"].sum()), payload_bytes=int(df["len"].fillna(0).sum()),
        flags=flags, counters=counters, streams=_stream_table(df))
