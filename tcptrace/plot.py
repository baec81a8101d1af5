"""Pictures of one TCP connection, drawn with matplotlib.

    import tcptrace.plot as tp
    tp.time_sequence("dump.pcap", stream=0)        # the tcptrace / Stevens time-sequence graph
    tp.ladder("dump.pcap", stream=0)               # the flow graph, one arrow per segment
    tp.rtt("dump.pcap", stream=0)                  # RTT samples: Karn-filtered ACK RTT and TS RTT
    tp.throughput("dump.pcap", stream=0)           # throughput and goodput, with a moving average
    tp.window("dump.pcap", stream=0)               # advertised window vs bytes in flight

Every function takes a capture path, an open :class:`tcptrace.Capture`, or a DataFrame
from :func:`tcptrace.segments`, picks one TCP stream (``stream=``; by default the only
one, or the one that carried the most bytes), draws into ``ax`` (a new figure when it is
None) and returns the matplotlib ``Axes``. Artists carry a ``gid`` naming what they show
(``"tsg-retransmission"``, ``"ladder-arrow"``…), so scripts and tests can find them.

Needs matplotlib (``pip install 'tcptrace[plot]'``); nothing here needs a display.
"""
from __future__ import annotations

import math
import os
import re
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Hashable,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    cast,
)

from . import _core

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "PLOT_COLUMNS",
    "KINDS",
    "time_sequence",
    "ladder",
    "rtt",
    "rtt_samples",
    "throughput",
    "window",
    "sack_blocks",
    "message_labels",
    "load",
    "plot",
]

Source = Union[str, "os.PathLike[str]", _core.Capture, "pd.DataFrame"]
Direction = Union[None, int, str]

PLOT_COLUMNS: List[str] = [
    "frame", "time_rel", "src", "dst", "sport", "dport", "stream", "dir", "seq", "ack", "next_seq",
    "len", "flags", "flag_syn", "flag_fin", "flag_rst", "flag_ack", "window", "tsval", "tsecr", "n_sack",
    *_core.analysis_flag_names(), "dup_ack_num", "acks_frame", "ack_rtt", "bytes_in_flight",
]
"""The columns the plots read; :func:`load` asks :func:`tcptrace.segments` for exactly these."""

KINDS: Tuple[str, ...] = ("tsg", "ladder", "rtt", "throughput", "window")
"""The plot kinds of :func:`plot` and ``tcptrace plot --kind``; ``tsg`` is the time-sequence graph."""

# Colours (colour-blind-safe where it matters) shared by every plot.
C_DATA = "#1b2a49"
C_RETX = "#d62728"
C_OOO = "#17becf"
C_SACK = "#9467bd"
C_ACK = "#2ca02c"
C_WIN = "#d4a017"
C_ZWIN = "#ff7f0e"
C_DUP = "#8c564b"
C_SYN = "#1f77b4"
C_FIN = "#7f7f7f"
C_RST = "#000000"
C_LOST = "#e377c2"

_RETX_FLAGS = ("retransmission", "fast_retransmission", "spurious_retransmission")

_PATH_ATTR = "tcptrace_path"
_FILTER_ATTR = "tcptrace_filter"


# --------------------------------------------------------------------------- loading


def _need_matplotlib() -> Any:
    try:
        import matplotlib  # noqa: F401
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("tcptrace.plot needs matplotlib: pip install 'tcptrace[plot]'") from e
    return plt


def load(source: Source, columns: Optional[Sequence[str]] = None, filter: Optional[str] = None) -> pd.DataFrame:
    """The segments DataFrame the plots read, from a path, a Capture or a DataFrame.

    A path or :class:`tcptrace.Capture` is read with :func:`tcptrace.segments` and
    :data:`PLOT_COLUMNS` (or ``columns``); the frame remembers where it came from in
    ``df.attrs`` so that SACK blocks and Info lines can be fetched later. A DataFrame is
    returned as it is.
    """
    import pandas as pd

    from .frames import segments

    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, _core.Capture):
        path, filt = source.path, source.filter
    else:
        path, filt = os.fspath(source), filter
    df = segments(path, columns=list(columns or PLOT_COLUMNS), filter=filt)
    assert isinstance(df, pd.DataFrame)
    df.attrs[_PATH_ATTR] = path
    df.attrs[_FILTER_ATTR] = filt
    return df


def _pick_stream(df: pd.DataFrame, stream: Optional[int]) -> Tuple[pd.DataFrame, Optional[int]]:
    if "time_rel" not in df.columns and "time" in df.columns and "tcptrace_t0" not in df.attrs and len(df):
        df.attrs["tcptrace_t0"] = df["time"].min()  # times stay relative to the capture, not the stream
    if "stream" not in df.columns:
        if stream is not None:
            raise ValueError("the DataFrame has no 'stream' column; build it with the analysis columns")
        return df, None
    if stream is None:
        streams = df["stream"].dropna().unique()
        if len(streams) == 0:
            return df.iloc[0:0], None
        if len(streams) == 1:
            stream = int(streams[0])
        else:
            by = df.groupby("stream", observed=True)["len"].sum() if "len" in df else df.groupby("stream").size()
            busiest: Any = by.astype("int64").idxmax()  # an index label: the stream number
            stream = int(busiest)
    sub = df[(df["stream"] == stream).fillna(False).to_numpy(dtype=bool)]
    if sub.empty:
        n = df["stream"].max()
        raise ValueError(f"no TCP stream {stream} in this capture (streams 0..{n})")
    sub = sub.copy()
    sub.attrs = dict(df.attrs)
    return sub, int(stream)


def _num(s: pd.Series, fill: float = math.nan) -> Any:
    """A float numpy array from a (nullable) column."""
    import numpy as np

    return s.astype("float64").fillna(fill).to_numpy(dtype=np.float64) if s.dtype != "float64" \
        else s.to_numpy(dtype=np.float64, copy=True)


def _times(df: pd.DataFrame) -> Any:
    import numpy as np

    if "time_rel" in df.columns:
        return df["time_rel"].to_numpy(dtype=np.float64)
    if "time" in df.columns:
        t = df["time"]
        t0 = df.attrs.get("tcptrace_t0", t.min())
        return ((t - t0).dt.total_seconds()).to_numpy(dtype=np.float64)
    return np.arange(len(df), dtype=np.float64)


def _bool(df: pd.DataFrame, col: str) -> Any:
    import numpy as np

    if col in df.columns:
        return df[col].fillna(False).to_numpy(dtype=bool)
    if col.startswith("flag_") and "flags" in df.columns:
        from .frames import FLAG_BITS

        return (_num(df["flags"], 0).astype(np.int64) & FLAG_BITS[col[5:]]) != 0
    return np.zeros(len(df), dtype=bool)


def _require(df: pd.DataFrame, cols: Iterable[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what} needs the columns {', '.join(missing)}: build the DataFrame with "
                         f"tcptrace.segments(path, columns=tcptrace.plot.PLOT_COLUMNS) or pass the capture path")


def _endpoint(addr: Any, port: Any) -> str:
    a = str(addr)
    try:
        p = int(port)
    except (TypeError, ValueError):
        return a
    return f"[{a}]:{p}" if ":" in a else f"{a}:{p}"


def _endpoints(df: pd.DataFrame) -> Tuple[str, str]:
    """(client, server) as addr:port, from the first segment of each direction."""
    if df.empty or not {"src", "dst", "sport", "dport"} <= set(df.columns):
        return ("A", "B")
    first = df.iloc[0]
    a = _endpoint(first["src"], first["sport"])
    b = _endpoint(first["dst"], first["dport"])
    if "dir" in df.columns and int(_num(df["dir"].iloc[:1], 0)[0]) == 1:
        a, b = b, a
    return a, b


def _direction(df: pd.DataFrame, direction: Direction) -> int:
    """0 (client→server) or 1; None: the direction that carried more payload."""
    import numpy as np

    if direction is None:
        d = _num(df["dir"], -1)
        n = _num(df["len"], 0)
        b0, b1 = n[d == 0].sum(), n[d == 1].sum()
        return 1 if b1 > b0 else 0
    if isinstance(direction, str):
        key = direction.lower().replace("-", "").replace("_", "")
        table = {"c2s": 0, "client": 0, "a2b": 0, "0": 0, "s2c": 1, "server": 1, "b2a": 1, "1": 1}
        if key not in table:
            raise ValueError(f"direction {direction!r}: use 0/'c2s' (client to server) or 1/'s2c'")
        return table[key]
    if int(direction) not in (0, 1):
        raise ValueError("direction must be 0 (client to server) or 1 (server to client)")
    return int(np.int64(direction))


def _window_rows(df: pd.DataFrame, time: Optional[Tuple[float, float]],
                 frames: Optional[Tuple[int, int]] = None) -> pd.DataFrame:
    import numpy as np

    keep = np.ones(len(df), dtype=bool)
    if time is not None:
        t = _times(df)
        keep &= (t >= time[0]) & (t <= time[1])
    if frames is not None:
        f = _num(df["frame"], 0)
        keep &= (f >= frames[0]) & (f <= frames[1])
    out = df[keep]
    out.attrs = dict(df.attrs)
    return out


def _new_ax(ax: Optional[Axes], size: Tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    plt = _need_matplotlib()
    new: Axes
    _fig, new = plt.subplots(figsize=size, layout="constrained")
    return new


def _bytes_formatter(span: float) -> Any:
    from matplotlib.ticker import EngFormatter, FuncFormatter

    if span < 200_000:
        return FuncFormatter(lambda v, _p: f"{v:,.0f}")
    return EngFormatter(unit="B", places=None)


def _fmt_bytes(v: float) -> str:
    for unit, div in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(v) >= div:
            return f"{v / div:.3g} {unit}"
    return f"{v:.0f} B"


def _title(ax: Axes, text: str, sub: Optional[str] = None) -> None:
    ax.set_title(text if sub is None else f"{text}\n{sub}", fontsize=11, loc="left")


def _style_axes(ax: Axes) -> None:
    ax.grid(True, color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _capture_path(df: pd.DataFrame) -> Optional[str]:
    p = df.attrs.get(_PATH_ATTR)
    return str(p) if p else None


def _dir_label(client: str, server: str, d: int) -> str:
    return f"{client} → {server}" if d == 0 else f"{server} → {client}"


# --------------------------------------------------------------------------- SACK blocks


def sack_blocks(source: Source, stream: Optional[int] = None) -> pd.DataFrame:
    """The SACK blocks of one stream: one row per block (frame, time_rel, dir, left, right).

    ``left``/``right`` are relative to the ISN of the side whose data they acknowledge
    (``Segment.sack_rel``), ``dir`` is the direction of the segment carrying them. A
    DataFrame source needs either a ``sack_rel`` column or to have been made by
    :func:`load` (which remembers the capture path); otherwise the result is empty.
    """
    import pandas as pd

    df, stream = _pick_stream(load(source), stream)
    cols = ["frame", "time_rel", "dir", "left", "right"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    t = _times(df)
    rows: List[Tuple[int, float, int, int, int]] = []
    if "sack_rel" in df.columns:
        for f, tt, d, blocks in zip(df["frame"], t, df["dir"], df["sack_rel"]):
            for left, right in blocks or ():
                rows.append((int(f), float(tt), int(d), int(left), int(right)))
        return pd.DataFrame(rows, columns=cols)
    path = _capture_path(df)
    if path is None or ("n_sack" in df.columns and not (df["n_sack"] > 0).any()):
        return pd.DataFrame(columns=cols)
    want = df[df["n_sack"] > 0] if "n_sack" in df.columns else df
    times = dict(zip(want["frame"].astype("int64"), _times(want)))
    last = max(times) if times else 0
    with _core.Capture(path, filter=df.attrs.get(_FILTER_ATTR)) as cap:
        for seg in cap:
            if seg.frame > last:
                break
            if seg.frame in times and seg.stream == stream:
                assert seg.dir is not None  # a segment of a TCP stream has a direction
                for left, right in seg.sack_rel:
                    rows.append((seg.frame, float(times[seg.frame]), int(seg.dir), int(left), int(right)))
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- time-sequence


def time_sequence(source: Source, stream: Optional[int] = None, *, direction: Direction = None,
                  style: str = "tcptrace", acks: Optional[bool] = None, rwin: Optional[bool] = None,
                  sack: bool = True, time: Optional[Tuple[float, float]] = None,
                  ax: Optional[Axes] = None, title: Optional[str] = None, legend: bool = True) -> Axes:
    """The time-sequence graph of one direction of a TCP stream.

    x is the time since the capture began, y the relative sequence number of the data
    direction (``direction``: 0/"c2s", 1/"s2c", default the one that sent more bytes).

    ``style="tcptrace"``: each data segment is a vertical bar from ``seq`` to
    ``seq + len``, with the other side's ACK line (green), its receive window line
    (ACK + advertised window, yellow) and its SACK blocks (purple bars); marks show
    retransmissions (red bars and ``R``), out-of-order segments (``O``), zero windows
    advertised by the receiver (``Z`` on the ACK line), triple duplicate ACKs (``3``),
    and SYN / FIN / RST. ``style="stevens"`` is Stevens' (and Wireshark's) plain form:
    one dot per segment at its starting sequence number, with the same marks; ``acks``
    and ``rwin`` turn the lines on or off in either style.

    SACK edges come from the capture (``Segment.sack_rel``); with a DataFrame source they
    are drawn when it has a ``sack_rel`` column or was made by :func:`load`.
    ``time=(t0, t1)`` zooms to a time window. Returns the Axes.
    """
    if style not in ("tcptrace", "stevens"):
        raise ValueError("style must be 'tcptrace' or 'stevens'")
    acks = (style == "tcptrace") if acks is None else acks
    rwin = (style == "tcptrace") if rwin is None else rwin
    full = load(source)
    df, stream = _pick_stream(full, stream)
    _require(df, ["frame", "dir", "seq", "len"], "time_sequence")
    client, server = _endpoints(df)
    d = _direction(df, direction) if len(df) else 0
    df = _window_rows(df, time)
    ax = _new_ax(ax, (11, 6.2))
    _style_axes(ax)

    g = _Tsg(df, d)
    _tsg_data(ax, g, style)
    if acks or rwin:
        _tsg_ack_and_window(ax, g, acks, rwin)
    if sack and len(df):
        _tsg_sack(ax, g, stream)
    _tsg_marks(ax, g)
    _tsg_limits(ax, g)
    ax.set_xlabel("time since the capture began (s)")
    ax.set_ylabel("relative sequence number (bytes)")
    head = title or f"Time-sequence graph ({style}) — stream {stream}"
    _title(ax, head, f"data {_dir_label(client, server, d)}")
    if legend and g.handles:
        ax.legend(handles=g.handles, loc="upper left", fontsize=8, framealpha=0.92)
    return ax


class _Tsg:
    """What the time-sequence graph's layers are drawn from: one direction's segments
    (fwd) and the other side's (rev) as arrays, and what the layers add to the legend
    and to the y extent."""

    def __init__(self, df: pd.DataFrame, d: int):
        import numpy as np

        self.df = df
        self.t = _times(df)
        dirs = _num(df["dir"], -1)
        self.fwd = dirs == d
        self.rev = dirs == 1 - d
        self.d = d
        self.seq = _num(df["seq"])
        self.ln = _num(df["len"], 0)
        self.retx = np.zeros(len(df), dtype=bool)
        for f in _RETX_FLAGS:
            self.retx |= _bool(df, f)
        self.data = self.fwd & (self.ln > 0) & ~np.isnan(self.seq)
        self.top = self.seq + self.ln
        self.small = int(self.data.sum()) <= 400
        self.ackv = _num(df["ack"]) if "ack" in df.columns else np.full(len(df), np.nan)
        self.handles: List[Any] = []
        self.ys: List[Any] = []
        self.rwin_clip: Optional[float] = None

    def caps(self) -> bool:
        """tcptrace's little caps, only where a bar is tall enough to show them."""
        import numpy as np

        if not self.data.any() or not self.small:
            return False
        span_est = float(np.nanmax(self.top[self.data]) - np.nanmin(self.seq[self.data])) or 1.0
        return float(np.median(self.ln[self.data])) / span_est > 0.006


def _bars(t: Any, lo: Any, hi: Any) -> Any:
    """(n, 2, 2) line ends of vertical bars; matplotlib's stubs want a Sequence, which an
    ndarray is at run time."""
    import numpy as np

    return np.stack([np.column_stack([t, lo]), np.column_stack([t, hi])], 1)


def _tsg_data(ax: Axes, g: _Tsg, style: str) -> None:
    """The data segments: bars from seq to seq+len (tcptrace) or dots at seq (Stevens)."""
    import numpy as np
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    t, seq, top, data, retx = g.t, g.seq, g.top, g.data, g.retx
    if style == "tcptrace":
        normal = data & ~retx
        ax.add_collection(LineCollection(_bars(t[normal], seq[normal], top[normal]), colors=C_DATA,
                                         linewidths=1.3 if g.small else 0.9, gid="tsg-data", zorder=3))
        if g.caps() and normal.any():  # tcptrace's little caps at both ends of a segment
            ax.plot(np.r_[t[normal], t[normal]], np.r_[seq[normal], top[normal]], ls="none", marker="_",
                    ms=6, mew=1.1, color=C_DATA, gid="tsg-data-caps", zorder=3)
        g.handles.append(Line2D([], [], color=C_DATA, lw=1.6, label="data segment (seq … seq+len)"))
        rd = data & retx
        if rd.any():
            ax.add_collection(LineCollection(_bars(t[rd], seq[rd], top[rd]), colors=C_RETX, linewidths=2.2,
                                             gid="tsg-retransmitted-data", zorder=4))
    else:
        ax.plot(t[data & ~retx], seq[data & ~retx], ls="none", marker=".", ms=4 if g.small else 2.5,
                color=C_DATA, gid="tsg-data")
        g.handles.append(Line2D([], [], ls="none", marker=".", ms=6, color=C_DATA, label="data segment (seq)"))
    g.ys += [seq[data], top[data]]


def _tsg_ack_and_window(ax: Axes, g: _Tsg, acks: bool, rwin: bool) -> None:
    """The other side's ACK line and its receive window line (ACK + advertised window),
    clipped when it would flatten the data."""
    import numpy as np

    df, t, ackv = g.df, g.t, g.ackv
    is_ack = g.rev & _bool(df, "flag_ack") & ~np.isnan(ackv)
    if acks and is_ack.any():
        (line,) = ax.step(t[is_ack], ackv[is_ack], where="post", color=C_ACK, lw=1.1, gid="tsg-ack", zorder=2)
        line.set_label("ACK (other side)")
        g.handles.append(line)
        g.ys.append(ackv[is_ack])
    if not (rwin and "window" in df.columns):
        return
    w = _num(df["window"])
    ok = is_ack & ~np.isnan(w)
    if not ok.any():
        return
    edge = ackv[ok] + w[ok]
    (line,) = ax.step(t[ok], edge, where="post", color=C_WIN, lw=1.1, gid="tsg-rwin", zorder=2)
    g.handles.append(line)
    data_top = float(np.nanmax(g.top[g.data])) if g.data.any() else 0.0
    if data_top and np.nanmax(edge) > 1.3 * data_top:
        g.rwin_clip = float(np.nanmax(edge))
        line.set_label("receive window (ACK + window), clipped")
    else:
        line.set_label("receive window (ACK + window)")
        g.ys.append(edge)


def _tsg_sack(ax: Axes, g: _Tsg, stream: Optional[int]) -> None:
    """The other side's SACK blocks, as bars at the time they were sent."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    blocks = sack_blocks(g.df, stream)
    if len(blocks):
        blocks = blocks[blocks["dir"] == 1 - g.d]
    if not len(blocks):
        return
    bt = blocks["time_rel"].to_numpy(dtype=float)
    segs = _bars(bt, blocks["left"].to_numpy(float), blocks["right"].to_numpy(float))
    ax.add_collection(LineCollection(segs, colors=C_SACK, linewidths=2.6, alpha=0.75, gid="tsg-sack"))
    g.handles.append(Line2D([], [], color=C_SACK, lw=2.6, alpha=0.75, label="SACK block"))


def _tsg_marks(ax: Axes, g: _Tsg) -> None:
    """R, O, Z and 3 marks, and SYN / FIN / RST (at seq for the plotted direction, on the
    ACK line for the other side)."""
    import numpy as np
    from matplotlib.transforms import ScaledTranslation

    df, t, fwd, rev, seq, ackv = g.df, g.t, g.fwd, g.rev, g.seq, g.ackv

    def mark(mask: Any, y: Any, marker: str, color: str, label: str, gid: str, size: float = 9,
             dx: float = 0.0) -> None:
        if not mask.any():
            return
        tr = ax.transData + ScaledTranslation(dx / 72, 0, ax.figure.dpi_scale_trans) if dx else ax.transData
        (line,) = ax.plot(t[mask], y[mask], ls="none", marker=marker, ms=size, color=color, gid=gid,
                          label=f"{label} ({int(mask.sum())})", zorder=5, transform=tr)
        g.handles.append(line)

    mark_y = np.where(g.ln > 0, g.top, seq)
    mark(fwd & g.retx, mark_y, r"$\mathrm{R}$", C_RETX, "retransmission", "tsg-retransmission", dx=6)
    mark(fwd & _bool(df, "out_of_order") & ~g.retx, mark_y, r"$\mathrm{O}$", C_OOO, "out-of-order",
         "tsg-out-of-order", dx=6)
    if "ack" in df.columns:
        mark(rev & _bool(df, "zero_window"), ackv, r"$\mathrm{Z}$", C_ZWIN, "zero window", "tsg-zero-window")
        dup3 = rev & _bool(df, "duplicate_ack")
        dup3 &= (_num(df["dup_ack_num"], 0) == 3) if "dup_ack_num" in df.columns else False
        mark(dup3, ackv, r"$\mathrm{3}$", C_DUP, "triple dup ACK", "tsg-dup-ack-3", dx=-6)
    start = float(np.nanmin(seq[fwd])) if (fwd & ~np.isnan(seq)).any() else 0.0
    flag_y = np.where(fwd, seq, np.where(_bool(df, "flag_ack"), ackv, start))
    flags = ((_bool(df, "flag_syn"), ">", C_SYN, "SYN"), (_bool(df, "flag_fin"), "s", C_FIN, "FIN"),
             (_bool(df, "flag_rst"), "X", C_RST, "RST"))
    for m, marker, color, name in flags:
        sel = m & (fwd | rev) & ~np.isnan(flag_y)
        mark(sel, flag_y, marker, color, name, f"tsg-{name.lower()}", size=7)
        if 0 < sel.sum() <= 8:
            for x, y, f in zip(t[sel], flag_y[sel], fwd[sel]):
                ax.annotate(name if f else f"{name} (other side)", (x, y), xytext=(6, 5 if f else -11),
                            textcoords="offset points", fontsize=7, color=color)


def _tsg_limits(ax: Axes, g: _Tsg) -> None:
    """Axis limits from what the layers drew, the byte formatter, the clipping note."""
    import numpy as np

    yy = np.concatenate([a[~np.isnan(a)] for a in g.ys]) if g.ys else np.array([])
    span = float(yy.max() - yy.min()) if yy.size else 1.0
    if yy.size:
        pad = max(span * 0.04, 1.0)
        ax.set_ylim(yy.min() - pad, yy.max() + pad)
    t = g.t
    if len(t):
        tspan = float(t.max() - t.min()) or 1e-3
        ax.set_xlim(t.min() - tspan * 0.02, t.max() + tspan * 0.05)
    ax.yaxis.set_major_formatter(_bytes_formatter(span))
    if g.rwin_clip is not None:
        ax.text(0.99, 0.01, f"receive window line clipped: it reaches {_fmt_bytes(g.rwin_clip)}", ha="right",
                va="bottom", transform=ax.transAxes, fontsize=7.5, color="#8a6d00", style="italic")


# --------------------------------------------------------------------------- ladder

_LEAD = re.compile(r"^((?:\[TCP [^\]]*\]\s*)*)(\d+ → \d+\s*)?(.*)$", re.S)

# Analysis flag -> (Wireshark's label, colour), in the order they are shown.
_ANALYSIS_STYLE: Dict[str, Tuple[str, str]] = {
    "spurious_retransmission": ("Spurious Retransmission", C_RETX),
    "fast_retransmission": ("Fast Retransmission", C_RETX),
    "retransmission": ("Retransmission", C_RETX),
    "out_of_order": ("Out-Of-Order", C_OOO),
    "lost_segment": ("Previous segment not captured", C_LOST),
    "ack_lost_segment": ("ACKed unseen segment", C_LOST),
    "duplicate_ack": ("Dup ACK", C_DUP),
    "zero_window": ("Zero Window", C_ZWIN),
    "zero_window_probe": ("Zero Window Probe", C_ZWIN),
    "zero_window_probe_ack": ("Zero Window Probe ACK", C_ZWIN),
    "window_full": ("Window Full", C_ZWIN),
    "keep_alive": ("Keep-Alive", "#7f7f7f"),
    "keep_alive_ack": ("Keep-Alive ACK", "#7f7f7f"),
    "window_update": ("Window Update", "#2a9d8f"),
    "reused_ports": ("Port numbers reused", "#7f7f7f"),
}


def _split_info(info: str) -> Tuple[str, str]:
    """Wireshark's Info line -> (analysis labels, the rest without the ports)."""
    m = _LEAD.match(info.strip())
    if not m:  # pragma: no cover - the pattern matches any text
        return "", info
    labels = " ".join(x.strip("[] ") for x in re.findall(r"\[[^\]]*\]", m.group(1) or ""))
    return labels, m.group(3).strip()


def _synth_info(row: Mapping[Hashable, Any]) -> str:
    """An Info-like line from DataFrame columns, for frames without Segment.info."""
    from .frames import FLAG_BITS

    names = [("FIN", "fin"), ("SYN", "syn"), ("RST", "rst"), ("PSH", "psh"), ("ACK", "ack"), ("URG", "urg"),
             ("ECE", "ece"), ("CWR", "cwr")]
    flags = row.get("flags")
    got: List[str] = []
    for label, key in names:
        v = row.get(f"flag_{key}")
        if v is None and flags is not None and flags == flags:
            v = bool(int(flags) & FLAG_BITS[key])
        if v:
            got.append(label)
    parts = [f"[{', '.join(got)}]" if got else "[<None>]"]
    for key, name in (("seq", "Seq"), ("ack", "Ack"), ("window", "Win"), ("len", "Len")):
        v = row.get(key)
        if v is not None and v == v and not (key == "ack" and not row.get("flag_ack", True)):
            parts.append(f"{name}={int(v)}")
    return " ".join(parts)


def _infos(df: pd.DataFrame) -> Dict[int, str]:
    """frame -> Info line: from an 'info' column, else the capture, else built from columns."""
    frames = [int(f) for f in df["frame"]]
    if "info" in df.columns:
        return dict(zip(frames, (str(x) for x in df["info"])))
    path = _capture_path(df)
    out: Dict[int, str] = {}
    if path is not None and frames:
        want = set(frames)
        last = max(frames)
        with _core.Capture(path, filter=df.attrs.get(_FILTER_ATTR)) as cap:
            for seg in cap:
                if seg.frame > last:
                    break
                if seg.frame in want:
                    out[seg.frame] = seg.info
    if len(out) < len(frames):
        for f, (_i, row) in zip(frames, df.iterrows()):
            if f not in out:
                out[f] = _synth_info(row.to_dict())
    return out


def message_labels(messages: Any) -> Dict[int, Tuple[str, bool]]:
    """frame -> (label, completes the message) from a messages table.

    ``messages`` is a DataFrame as :func:`tcptrace.messages` returns it (columns
    ``frame`` — the frame completing the message —, ``kind``, ``method``, ``uri``,
    ``status``, optionally ``reason`` and ``frames``, the frames that carried it), or a
    plain mapping ``{frame: "label"}``. Requests read ``GET /``, responses ``200 OK``;
    a ``label`` column, when present, is used as it is.
    """
    out: Dict[int, Tuple[str, bool]] = {}
    if messages is None:
        return out
    if isinstance(messages, Mapping):
        return {int(k): (str(v), True) for k, v in messages.items()}
    import pandas as pd

    if isinstance(messages, pd.Series):
        labels: Any = messages  # index labels are frame numbers
        return {int(k): (str(v), True) for k, v in labels.items()}
    reasons = {200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content", 301: "Moved Permanently",
               302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
               404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}

    def val(r: Mapping[str, Any], k: str) -> Any:
        v = r.get(k)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v

    for _i, r in messages.iterrows():
        r = r.to_dict()
        if val(r, "label"):
            label = str(r["label"])
        elif val(r, "method"):
            label = f"{r['method']} {val(r, 'uri') or ''}".strip()
        elif val(r, "status") is not None:
            code = int(r["status"])
            label = f"{code} {val(r, 'reason') or reasons.get(code, '')}".strip()
        elif val(r, "kind"):
            label = str(r["kind"]).replace("_", " ")
            if val(r, "sni"):
                label += f" SNI={r['sni']}"
        else:
            continue
        f = val(r, "frame")
        if f is None:
            continue
        out[int(f)] = (label, True)
        parts = val(r, "frames")
        if parts is not None:
            for p in parts:
                p = int(p[0] if isinstance(p, (tuple, list)) else p)
                if p != int(f) and p not in out:
                    out[p] = (label, False)
    return out


def ladder(source: Source, stream: Optional[int] = None, *, frames: Optional[Tuple[int, int]] = None,
           time: Optional[Tuple[float, float]] = None, messages: Any = None, limit: int = 60,
           ax: Optional[Axes] = None, title: Optional[str] = None) -> Axes:
    """The flow graph of a TCP stream: two timelines, one arrow per segment.

    The client is on the left, the server on the right; time runs down, one row per
    segment, with the frame number and time at the left. Each arrow is labelled with
    the Wireshark Info line (``[SYN] Seq=0 Win=65535 Len=0 MSS=1460 WS=32 …``, ports
    left out since the arrow shows them); analysis labels (``TCP Dup ACK 8#1``,
    ``TCP Retransmission``) are written under the arrow in colour and the arrow takes
    that colour. ``messages`` (a :func:`tcptrace.messages` DataFrame, or ``{frame:
    label}``) adds application labels such as ``GET /`` and ``200 OK`` to the frames
    that complete them.

    Long streams: ``frames=(a, b)`` or ``time=(t0, t1)`` pick a window, and at most
    ``limit`` segments are drawn (a note on the plot says what was left out).
    Returns the Axes.
    """
    import numpy as np
    from matplotlib.patches import FancyArrowPatch

    full = load(source)
    df, stream = _pick_stream(full, stream)
    _require(df, ["frame", "dir"], "ladder")
    client, server = _endpoints(df)
    total = len(df)
    df = _window_rows(df, time, frames)
    shown = df.iloc[: max(int(limit), 0)] if limit is not None else df
    shown.attrs = dict(df.attrs)
    n = len(shown)
    infos = _infos(shown) if n else {}
    labels = message_labels(messages)

    row_h = 0.50
    if ax is None:
        ax = _new_ax(None, (12.5, 1.7 + row_h * max(n, 1)))
    ax.set_axis_off()
    xl, xr = 0.0, 1.0
    top, bottom = -1.1, n - 0.35
    ax.set_xlim(-0.30, 1.13)
    ax.set_ylim(bottom + (0.6 if n < total else 0.1), top - 0.25)
    for x, name, role in ((xl, client, "client"), (xr, server, "server")):
        ax.plot([x, x], [top + 0.35, bottom], color="#9a9a9a", lw=1.2, zorder=1, gid="ladder-lane")
        ax.text(x, top, f"{name}\n{role}", ha="center", va="center", fontsize=9, fontweight="bold",
                bbox=dict(boxstyle="round,pad=0.35", fc="#f2f4f8", ec="#9a9a9a"))
    ax.text(-0.29, top, "frame     time (s)", ha="left", va="center", fontsize=8, color="#555555",
            family="monospace")

    t = _times(shown)
    dirs = _num(shown["dir"], 0).astype(int) if n else np.array([], dtype=int)
    # characters that fit between the lanes at 7.5 pt in a 12.5 in wide figure
    fig_w_in = cast("Figure", ax.figure).get_size_inches()[0] * ax.get_position().width
    max_chars = max(30, int((xr - xl) / 1.43 * fig_w_in * 72 / (8 * 0.56)))
    steps = np.diff(t) if n > 1 else np.array([0.0])
    gap = max(0.005, 5 * float(np.median(steps)))
    for i, (_idx, row) in enumerate(shown.iterrows()):
        frame = int(row["frame"])
        d = int(dirs[i])
        x0, x1 = (xl, xr) if d == 0 else (xr, xl)
        flagged = [k for k in _ANALYSIS_STYLE if k in row.index and bool(row[k]) is True]
        colour = _ANALYSIS_STYLE[flagged[0]][1] if flagged else "#333333"
        analysis, text = _split_info(infos.get(frame, ""))
        if len(text) > max_chars:
            text = text[: max_chars - 1] + "…"
        arrow = FancyArrowPatch((x0, i), (x1, i), arrowstyle="-|>", mutation_scale=12, color=colour,
                                lw=1.8 if (not _isna(row.get("len")) and int(row.get("len") or 0) > 0) else 1.1,
                                shrinkA=2, shrinkB=2, zorder=3, gid="ladder-arrow")
        ax.add_patch(arrow)
        ax.text(0.5, i - 0.09, text, ha="center", va="bottom", fontsize=8, color="#222222", zorder=4,
                gid="ladder-info")
        if i and t[i] - t[i - 1] >= gap:  # a pause worth seeing: the rows are evenly spaced, time is not
            ax.text(-0.125, i - 0.5, f"+{_fmt_duration(t[i] - t[i - 1])}", ha="left", va="center", fontsize=7,
                    style="italic", color="#b05a00", gid="ladder-gap")
        ax.text(-0.29, i, f"{frame:>6}  {t[i]:>11.6f}", ha="left", va="center", fontsize=8, family="monospace",
                color="#555555")
        if analysis or flagged:
            label = analysis or ", ".join(_ANALYSIS_STYLE[k][0] for k in flagged)
            ax.text(x0 + (0.02 if d == 0 else -0.02), i + 0.12, label, ha="left" if d == 0 else "right",
                    va="top", fontsize=7.5, color=colour, fontweight="bold", zorder=4, gid="ladder-analysis",
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=colour, lw=0.8))
        if frame in labels:
            msg, done = labels[frame]
            ax.text(x1 + (-0.03 if d == 0 else 0.03), i + 0.12, msg if done else f"(part of {msg})",
                    ha="right" if d == 0 else "left", va="top", fontsize=8.5 if done else 7.5,
                    color="#0b5394" if done else "#6f8fb5", fontweight="bold" if done else "normal",
                    zorder=4, gid="ladder-message",
                    bbox=dict(boxstyle="round,pad=0.25", fc="#e8f0fb", ec="none") if done else None)
    if n < total and n:
        first, lastf = int(shown["frame"].iloc[0]), int(shown["frame"].iloc[-1])
        if n < len(df):
            note = (f"showing {n} of {total} segments of stream {stream} (frames {first}–{lastf}); "
                    f"pick others with frames=(a, b), time=(t0, t1) or limit=")
            colour = "#8a4b00"
        else:
            note = f"frames {first}–{lastf}: {n} of the {total} segments of stream {stream}"
            colour = "#777777"
        ax.text(0.5, bottom + 0.35, note, ha="center", va="top", fontsize=8, style="italic", color=colour,
                gid="ladder-note")
    head = title or f"Flow graph — stream {stream}"
    ax.set_title(head, fontsize=11, loc="left", pad=14)
    return ax


def _fmt_rate(bps: float) -> str:
    for unit, div in (("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)):
        if bps >= div:
            return f"{bps / div:.3g} {unit}"
    return f"{bps:.3g} bit/s"


def _fmt_duration(sec: float) -> str:
    if sec >= 1:
        return f"{sec:.3g} s"
    if sec >= 1e-3:
        return f"{sec * 1e3:.3g} ms"
    return f"{sec * 1e6:.3g} µs"


def _isna(v: Any) -> bool:
    try:
        import pandas as pd

        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- RTT


def rtt_samples(source: Source, stream: Optional[int] = None, *, direction: Direction = None) -> pd.DataFrame:
    """RTT samples of a stream, one row per sample, as the capture point sees them.

    A sample measures the round trip from the capture point to one side and back: a
    segment sent by the *other* side, seen going out, and that side's answer coming
    back. ``toward`` names the side that answered (``"server"`` or ``"client"``); where
    the capture was taken next to the client, the samples toward the server are the
    path's RTT and those toward the client are only its ACK delay.

    Columns: ``time`` (of the answer, seconds since the capture began), ``rtt``
    (seconds), ``frame`` (the answer), ``toward``, ``method`` and ``karn``:

    - ``method="ack"``: Wireshark's ``tcp.analysis.ack_rtt`` on ACKs of data; ``karn``
      is False for an ACK that covers data sent more than once (Karn's algorithm: it may
      answer either copy, so the sample is ambiguous and the plots leave it out).
    - ``method="ts"``: TCP timestamps (RFC 7323) matched as passive ping does: the
      first segment carrying a TSval, and the first segment of the other side echoing it
      in TSecr. Each TSval gives at most one sample; ``karn`` is always True.

    ``direction`` keeps the samples toward one side: 0/"c2s" (data sent by the client,
    answered by the server: ``toward="server"``) or 1/"s2c"; None keeps both.
    """
    import numpy as np
    import pandas as pd

    df, _stream = _pick_stream(load(source), stream)
    cols = ["time", "rtt", "frame", "toward", "method", "karn"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    wanted = (0, 1) if direction is None else (_direction(df, direction),)
    t = _times(df)
    dirs = _num(df["dir"], -1)
    frame = _num(df["frame"], 0).astype(np.int64)
    ackv = _num(df["ack"]) if "ack" in df.columns else np.full(len(df), np.nan)
    seq, ln = _num(df["seq"]), _num(df["len"], 0)
    retx = np.zeros(len(df), dtype=bool)
    for f in _RETX_FLAGS:
        retx |= _bool(df, f)
    out = []
    for d in wanted:
        fwd, rev = dirs == d, dirs == 1 - d
        toward = "server" if d == 0 else "client"
        if "ack_rtt" in df.columns:
            rr = fwd & retx & (ln > 0)
            starts, ends = _merge_ranges(seq[rr], seq[rr] + ln[rr])
            rev_ack = np.where(rev, ackv, np.nan)
            prev = np.fmax.accumulate(np.r_[np.nan, rev_ack[:-1]])
            r = df["ack_rtt"].to_numpy(dtype=np.float64)
            sel = rev & ~np.isnan(r)
            lo = np.nan_to_num(prev[sel], nan=0.0)
            hi = ackv[sel]
            idx = np.searchsorted(ends, lo, side="right")
            ambiguous = np.zeros(int(sel.sum()), dtype=bool)
            ok = idx < len(starts)
            ambiguous[ok] = starts[idx[ok]] < hi[ok]
            out.append(pd.DataFrame({"time": t[sel], "rtt": r[sel], "frame": frame[sel], "toward": toward,
                                     "method": "ack", "karn": ~ambiguous}))
        if "tsval" in df.columns and "tsecr" in df.columns:
            tsval, tsecr = _num(df["tsval"]), _num(df["tsecr"])
            sent = fwd & ~np.isnan(tsval)
            echo = rev & ~np.isnan(tsecr) & (tsecr > 0) & _bool(df, "flag_ack")
            if sent.any() and echo.any():
                first = pd.Series(t[sent], index=tsval[sent]).groupby(level=0).min()
                e = pd.DataFrame({"v": tsecr[echo], "t": t[echo], "frame": frame[echo]})
                e = e.drop_duplicates("v", keep="first")
                e["sent"] = first.reindex(e["v"].to_numpy()).to_numpy(dtype=np.float64)
                e["rtt"] = e["t"] - e["sent"]
                e = e[e["rtt"].notna() & (e["rtt"] >= 0)]
                out.append(pd.DataFrame({"time": e["t"].to_numpy(), "rtt": e["rtt"].to_numpy(),
                                         "frame": e["frame"].to_numpy(), "toward": toward, "method": "ts",
                                         "karn": True}))
    if not out:
        return pd.DataFrame(columns=cols)
    res = pd.concat(out, ignore_index=True)
    return res.sort_values(["time", "toward", "method"], kind="stable").reset_index(drop=True)


def _merge_ranges(starts: Any, ends: Any) -> Tuple[Any, Any]:
    import numpy as np

    if len(starts) == 0:
        return np.array([]), np.array([])
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    ms, me = [s[0]], [e[0]]
    for a, b in zip(s[1:], e[1:]):
        if a <= me[-1]:
            me[-1] = max(me[-1], b)
        else:
            ms.append(a)
            me.append(b)
    return np.asarray(ms, dtype=float), np.asarray(me, dtype=float)


def rtt(source: Source, stream: Optional[int] = None, *, direction: Direction = None, method: str = "auto",
        smooth: int = 15, show_excluded: bool = True, log: bool = False,
        time: Optional[Tuple[float, float]] = None, ax: Optional[Axes] = None,
        title: Optional[str] = None) -> Axes:
    """RTT samples over time, toward each side of the connection (see :func:`rtt_samples`).

    Both round trips the capture point can see are drawn (toward the server in blue,
    toward the client in orange) unless ``direction`` picks one; the one that is near
    zero tells on which side the capture was taken. ``method``: ``"ack"`` (Wireshark's
    ACK RTT, Karn-filtered: samples acknowledging retransmitted data are left out and
    drawn as grey crosses when ``show_excluded``), ``"ts"`` (TCP timestamps), ``"both"``,
    or ``"auto"`` (timestamps when the connection uses them, else ACK RTT). A line shows
    the moving median of ``smooth`` samples; ``log=True`` uses a log scale.
    Returns the Axes.
    """
    import numpy as np
    from matplotlib.ticker import FuncFormatter

    if method not in ("auto", "ack", "ts", "both"):
        raise ValueError("method must be 'auto', 'ack', 'ts' or 'both'")
    full = load(source)
    df, stream = _pick_stream(full, stream)
    client, server = _endpoints(df)
    s = rtt_samples(df, stream, direction=direction)
    if time is not None and len(s):
        s = s[(s["time"] >= time[0]) & (s["time"] <= time[1])]
    has_ts = bool(len(s)) and bool((s["method"] == "ts").any())
    use = {"auto": ("ts",) if has_ts else ("ack",), "ack": ("ack",), "ts": ("ts",),
           "both": ("ack", "ts")}[method]
    ax = _new_ax(ax, (11, 5))
    _style_axes(ax)
    ms = 1000.0
    colours = {"server": "#1f77b4", "client": "#ff7f0e"}
    markers = {"ack": "o", "ts": "^"}
    names = {"ack": "ACK RTT (Karn)", "ts": "timestamp RTT"}
    many = len(s) > 600
    for who, peer in (("server", server), ("client", client)):
        for m in use:
            sel = s[(s["toward"] == who) & (s["method"] == m) & s["karn"].astype(bool)] if len(s) else s
            if not len(sel):
                continue
            med = float(np.median(sel["rtt"])) * ms
            colour = colours[who]
            ax.plot(sel["time"], sel["rtt"] * ms, ls="none", marker=markers[m], ms=2.5 if many else 4.5,
                    alpha=0.55, color=colour, mfc=colour if m == "ts" else "none", gid=f"rtt-{who}-{m}",
                    label=f"to {who} {peer} and back, {names[m]}: {len(sel)}, median {med:.3g} ms")
            if len(sel) >= max(10, int(smooth)):
                k = max(1, int(smooth))
                roll = sel["rtt"].rolling(k, center=True, min_periods=1).median() * ms
                ax.plot(sel["time"], roll, color=colour, lw=1.8, ls="-" if m == "ts" else "--",
                        gid=f"rtt-{who}-{m}-median")
    if "ack" in use and show_excluded and len(s):
        ex = s[(s["method"] == "ack") & ~s["karn"].astype(bool)]
        if len(ex):
            ax.plot(ex["time"], ex["rtt"] * ms, ls="none", marker="x", ms=5, color="#8a8a8a", gid="rtt-excluded",
                    label=f"ACK RTT excluded by Karn's rule (retransmitted data): {len(ex)}")
    if log:
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], 1e-3) * 1.25)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.set_xlabel("time since the capture began (s)")
    ax.set_ylabel("round-trip time (ms)")
    how = {"ack": "ACK RTT, Karn-filtered", "ts": "TCP timestamps", "both": "ACK RTT and timestamps"}
    _title(ax, title or f"RTT samples — stream {stream}",
           f"{how['both' if len(use) == 2 else use[0]]}; lines: moving median of {smooth} samples")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right", fontsize=8, framealpha=0.92)
    else:
        ax.text(0.5, 0.5, "no RTT samples in this stream", transform=ax.transAxes, ha="center", color="#777777")
    return ax


# --------------------------------------------------------------------------- throughput


def _nice_bin(duration: float, target: int = 80) -> float:
    raw = max(duration / target, 1e-3)
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10 ** exp >= raw:
            return float(m * 10 ** exp)
    return float(10 ** (exp + 1))  # pragma: no cover


def throughput(source: Source, stream: Optional[int] = None, *, direction: Direction = None,
               bin: Optional[float] = None, smooth: int = 5, time: Optional[Tuple[float, float]] = None,
               ax: Optional[Axes] = None, title: Optional[str] = None) -> Axes:
    """Throughput and goodput of one direction over time, in bit/s.

    Payload bytes are summed in bins of ``bin`` seconds (default: about 80 bins over
    the stream, rounded to 1, 2 or 5 × 10^k s, at least 1 ms). Throughput counts every
    payload byte sent, retransmissions included; goodput counts each sequence number
    once, the first time it is sent past the highest one so far. Thin steps show each
    bin, thick lines the moving average over ``smooth`` bins. Returns the Axes.
    """
    import numpy as np
    import pandas as pd
    from matplotlib.ticker import EngFormatter

    full = load(source)
    df, stream = _pick_stream(full, stream)
    _require(df, ["dir", "seq", "len"], "throughput")
    client, server = _endpoints(df)
    d = _direction(df, direction) if len(df) else 0
    df = _window_rows(df, time)
    t = _times(df)
    dirs = _num(df["dir"], -1)
    ln = _num(df["len"], 0)
    seq = _num(df["seq"])
    sel = (dirs == d) & (ln > 0) & ~np.isnan(seq)
    ax = _new_ax(ax, (11, 5))
    _style_axes(ax)
    ts, s, n = t[sel], seq[sel], ln[sel]
    end = s + n
    high = np.fmax.accumulate(np.r_[-np.inf, end[:-1]]) if len(end) else end
    new = np.clip(end - np.maximum(s, high), 0, None)
    if len(ts):
        t0 = float(t.min())
        t1 = float(t.max())
        width = float(bin) if bin else _nice_bin(t1 - t0)
        nb = max(1, int(math.ceil((t1 - t0) / width + 1e-9)))
        edges = t0 + width * np.arange(nb + 1)
        k = np.clip(((ts - t0) / width).astype(int), 0, nb - 1)
        widths = np.full(nb, width)
        widths[-1] = max(t1 - edges[-2], width * 0.25)  # the last bin is only partly covered
        edges[-1] = edges[-2] + widths[-1]
        thr = np.bincount(k, weights=n, minlength=nb) * 8 / widths
        good = np.bincount(k, weights=new, minlength=nb) * 8 / widths
        x = edges
        w = max(1, int(smooth))
        mid = edges[:-1] + widths / 2
        ax.step(x, np.r_[thr, thr[-1]], where="post", color="#1f77b4", lw=0.8, alpha=0.35, gid="throughput-bins")
        ax.step(x, np.r_[good, good[-1]], where="post", color="#2ca02c", lw=0.8, alpha=0.35, gid="goodput-bins")
        total_t = max(t1 - t0, width)
        avg = pd.Series(thr).rolling(w, center=True, min_periods=1).mean().to_numpy()
        gavg = pd.Series(good).rolling(w, center=True, min_periods=1).mean().to_numpy()
        ax.plot(mid, avg, color="#1f77b4", lw=2, gid="throughput-avg",
                label=f"throughput (all bytes sent): {_fmt_rate(n.sum() * 8 / total_t)} overall")
        ax.plot(mid, gavg, color="#2ca02c", lw=2, ls="--", gid="goodput-avg",
                label=f"goodput (new bytes only): {_fmt_rate(new.sum() * 8 / total_t)} overall")
        ax.plot([], [], color="#777777", lw=0.8, alpha=0.5,
                label=f"per {width * 1000:g} ms bin (thin); moving average of {w} bins (thick)")
        ax.set_ylim(0, max(float(thr.max()), 1.0) * 1.3)
        ax.legend(loc="upper right", fontsize=8, framealpha=0.92)
        retx = n.sum() - new.sum()
        sub = (f"data {_dir_label(client, server, d)}: {int(n.sum()):,} bytes sent, "
               f"{int(retx):,} of them again ({100 * retx / max(n.sum(), 1):.2g}%)")
    else:
        ax.text(0.5, 0.5, "no data segments in this direction", transform=ax.transAxes, ha="center",
                color="#777777")
        sub = f"data {_dir_label(client, server, d)}"
    ax.yaxis.set_major_formatter(EngFormatter(unit="bit/s"))
    ax.set_xlabel("time since the capture began (s)")
    ax.set_ylabel("rate")
    _title(ax, title or f"Throughput — stream {stream}", sub)
    return ax


# --------------------------------------------------------------------------- window


def _window_at(t: Any, adv_t: Any, adv_w: Any, fallback: Any) -> Any:
    """The advertised window in force at each time t (the last advertisement at or
    before it), where a "window full" segment met it (Wireshark's tcp.analysis.window_full:
    its data reached the edge of that window); fallback where none came before."""
    import numpy as np

    if not len(adv_t):
        return fallback
    i = np.searchsorted(adv_t, t, side="right") - 1
    return np.where(i >= 0, adv_w[np.clip(i, 0, None)], fallback)


def window(source: Source, stream: Optional[int] = None, *, direction: Direction = None,
           scale: str = "auto", time: Optional[Tuple[float, float]] = None, ax: Optional[Axes] = None,
           title: Optional[str] = None) -> Axes:
    """The receiver's advertised window against the sender's bytes in flight.

    For the data of one direction: the other side's calculated window (``window``,
    scaled) as a step line, the data side's unacknowledged bytes
    (``bytes_in_flight``, as Wireshark computes it) as a line, zero windows marked
    ``Z`` on the axis and "window full" segments marked on the flight line.
    ``scale``: ``"linear"``, ``"log"`` (symmetric log, linear below 1 kB so that zero
    windows stay on the axis), or ``"auto"``: log when the window is more than 20 times
    the largest flight, as it is on a fast path with a big receive buffer.
    Returns the Axes.
    """
    import numpy as np

    full = load(source)
    df, stream = _pick_stream(full, stream)
    _require(df, ["dir", "window"], "window")
    client, server = _endpoints(df)
    d = _direction(df, direction) if len(df) else 0
    df = _window_rows(df, time)
    t = _times(df)
    dirs = _num(df["dir"], -1)
    fwd, rev = dirs == d, dirs == 1 - d
    w = _num(df["window"])
    ax = _new_ax(ax, (11, 5))
    _style_axes(ax)
    top = 1.0
    wtop = 0.0
    adv = rev & ~np.isnan(w) & ~_bool(df, "flag_syn")
    if adv.any():
        ax.step(t[adv], w[adv], where="post", color=C_WIN, lw=1.6, gid="window-advertised",
                label=f"advertised window ({'client' if d == 1 else 'server'}, scaled)")
        wtop = float(np.nanmax(w[adv]))
    if "bytes_in_flight" in df.columns:
        b = _num(df["bytes_in_flight"])
        fl = fwd & ~np.isnan(b)
        if fl.any():
            ax.plot(t[fl], b[fl], color=C_DATA, lw=1.0, marker="." if fl.sum() < 300 else None, ms=3,
                    gid="window-in-flight", label="bytes in flight (sender, unacknowledged)")
            top = max(top, float(np.nanmax(b[fl])))
            full_m = fl & _bool(df, "window_full")
            if full_m.any():
                many = full_m.sum() > 40
                ax.plot(t[full_m], _window_at(t[full_m], t[adv], w[adv], b[full_m]), ls="none", marker="v",
                        ms=4 if many else 7, alpha=0.7 if many else 1,
                        color=C_RETX, gid="window-full", label=f"window full ({int(full_m.sum())})")
    zw = rev & _bool(df, "zero_window")
    if zw.any():
        ax.plot(t[zw], np.zeros(int(zw.sum())), ls="none", marker=r"$\mathrm{Z}$", ms=9, color=C_ZWIN,
                gid="window-zero", label=f"zero window advertised ({int(zw.sum())})", clip_on=False)
    if scale not in ("auto", "linear", "log"):
        raise ValueError("scale must be 'auto', 'linear' or 'log'")
    log = scale == "log" or (scale == "auto" and top > 1.0 and wtop > 20 * top)
    top = max(top, wtop)
    if log:
        from matplotlib.ticker import EngFormatter, FixedLocator, NullLocator

        ax.set_yscale("symlog", linthresh=1000, linscale=0.5)
        ax.set_ylim(0, top * 3)
        ax.yaxis.set_major_locator(FixedLocator([0.0] + [10.0 ** k for k in range(3, int(math.log10(top * 3)) + 1)]))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(EngFormatter(unit="B"))
        ax.set_ylabel("bytes (log scale above 1 kB)")
    else:
        ax.set_ylim(0, top * 1.25)
        ax.yaxis.set_major_formatter(_bytes_formatter(top))
        ax.set_ylabel("bytes")
    ax.set_xlabel("time since the capture began (s)")
    _title(ax, title or f"Window and bytes in flight — stream {stream}", f"data {_dir_label(client, server, d)}")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize=8, framealpha=0.92)
    return ax


# --------------------------------------------------------------------------- one entry point


def plot(source: Source, stream: Optional[int] = None, kind: str = "tsg", **kwargs: Any) -> Axes:
    """Draw one of :data:`KINDS` (``"tsg"``, ``"ladder"``, ``"rtt"``, ``"throughput"``,
    ``"window"``) for a stream; keyword arguments go to that function."""
    kinds: Dict[str, Callable[..., Axes]] = {
        "tsg": time_sequence, "time_sequence": time_sequence, "ladder": ladder, "rtt": rtt,
        "throughput": throughput, "window": window}
    fn = kinds.get(kind)
    if fn is None:
        raise ValueError(f"unknown plot kind {kind!r}: use one of {', '.join(KINDS)}")
    return fn(source, stream, **kwargs)
