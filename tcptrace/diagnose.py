"""Why was it slow? What limited each sender, estimated from the capture (``tcptrace.diagnose``).

    d = tcptrace.diagnose("dump.pcap")
    d.connections[["stream", "busy_time_s2c", "rwnd_limited_time_s2c", "limited_by_s2c"]]
    d.intervals            # one row per stream, direction and interval: the state over time
    d.episodes             # loss-recovery episodes and how each ended
    print(d.report())      # a paragraph per connection and a one-line verdict

The figures follow the Linux kernel's own accounting of a sender (``struct tcp_info``,
net/ipv4/tcp.c ``tcp_get_info()``; the chronographs of ``tcp_chrono_start()``/
``tcp_chrono_stop()`` in net/ipv4/tcp_output.c), re-derived from the packets:

- busy: the kernel's ``TCP_CHRONO_BUSY`` runs while the write queue holds data (unsent, or
  sent and not yet acknowledged). From the packets: bytes in flight (highest sequence
  sent − highest ACK) above zero, or new data held back by the peer's window.
- rwnd-limited: ``tcp_write_xmit()`` starts ``TCP_CHRONO_RWND_LIMITED`` when the next
  segment does not fit in the peer's window (``tcp_snd_wnd_test()``: its end, or one MSS
  of it, beyond snd_una + snd_wnd) and stops it on the next transmit attempt that is not
  stopped by the window. From the packets: room = ACK + window − highest sequence sent is
  below one MSS while more new data is still to come.
- ``limited_by``: the largest share of the transfer time T (first data segment to the ACK
  of the last data byte) of receiver = rwnd-limited / T, application = idle / T
  (T − busy), network = the rest (data queued, held by the congestion window, pacing or
  loss recovery). Ties: receiver, application, network (as groundtruth's README defines
  the kernel's label).

The vantage point is detected from the handshake (``vantage_*``: "sender" when the capture
sees the long gap of the round trip between its sender's packet and the answer to it,
"receiver" otherwise). At the receiver, the sender's timeline is rebuilt by moving each
data segment back by the minimum round trip plus its own queueing delay (from its TCP
timestamp against the fastest one), so a window the receiver opens counts from when the
sender could have used it. See docs/diagnose.md for the rules and how they compare with
the kernel.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    class _OnFirstUse:
        """numpy and pandas imported when diagnose() first needs them, so `import
        tcptrace` works without them (the Arrow path reads captures with neither)."""

        def __init__(self, name: str) -> None:
            self._name = name
            self._module = None

        def __getattr__(self, attr: str) -> Any:
            if self._module is None:
                import importlib

                self._module = importlib.import_module(self._name)
            return getattr(self._module, attr)

    np = _OnFirstUse("numpy")
    pd = _OnFirstUse("pandas")

PathLike = Union[str, "os.PathLike[str]"]

_COLUMNS = ["stream", "dir", "time_ns", "seq", "len", "ack", "window", "flag_syn", "flag_ack",
            "flag_rst", "tsval", "ack_rtt"]

#: Per-direction columns added to the connection table (suffix ``_c2s``/``_s2c``).
DIRECTION_COLUMNS = (
    "vantage", "transfer_time", "busy_time", "rwnd_limited_time", "zero_window_time", "idle_time",
    "network_time", "rwnd_limited_frac", "app_limited_frac", "network_limited_frac", "limited_by",
    "limited_by_margin", "seq_retransmissions", "recovery_episodes", "rto_episodes",
    "tlp_episodes", "fast_episodes", "spurious_episodes", "min_rtt", "rtt_p95", "rtt_inflation_max",
    "rtt_inflation_p95", "cwnd_est_bytes", "goodput_bps",
)

#: Default interval of the per-interval table, seconds (at least the minimum RTT).
DEFAULT_INTERVAL_S = 0.1

_NS = 1e-9
_TSO_DEFER_RECENT_S = 1e-3  # tcp_tso_should_defer(): defer only if the last write was recent
_LINUX_MIN_RTO_S = 0.2  # TCP_RTO_MIN (include/net/tcp.h): an RTO cannot fire earlier


@dataclass
class Diagnosis:
    """What :func:`diagnose` returns: three DataFrames and a text report."""

    connections: pd.DataFrame
    intervals: pd.DataFrame
    episodes: pd.DataFrame

    def report(self) -> str:
        """A short paragraph per connection and direction with data, and a one-line verdict."""
        return report(self)

    def to_json(self) -> str:
        """The per-direction figures and episodes as JSON (``tcptrace diagnose --json``)."""
        cols = ["stream", "client", "client_port", "server", "server_port"]
        cols += [f"{c}_{d}" for c in DIRECTION_COLUMNS for d in ("c2s", "s2c")]
        rows = self.connections[[c for c in cols if c in self.connections]]
        out = {"connections": json.loads(rows.to_json(orient="records")),
               "episodes": json.loads(self.episodes.to_json(orient="records")),
               "verdict": verdict(self)}
        return json.dumps(out, indent=1)


def _arr(s: pd.Series, dtype: Any, fill: Any = 0) -> np.ndarray:
    return s.to_numpy(dtype=dtype, na_value=fill)


def _vantage(t: np.ndarray, d: np.ndarray, syn: np.ndarray, ack: np.ndarray, data_dir: int) -> str:
    """"sender" or "receiver" for the data sender ``data_dir``, from the handshake's gaps.

    Near a host, the gap between its own packet and the peer's answer is a whole round
    trip, and its answer to the peer goes out at once. SYN (dir 0) → SYN/ACK (dir 1) is
    long near the client, SYN/ACK → ACK long near the server."""
    i_syn = np.flatnonzero(syn & ~ack & (d == 0))
    i_synack = np.flatnonzero(syn & ack & (d == 1))
    if len(i_syn) == 0 or len(i_synack) == 0:
        return "sender"  # no handshake: assume the common case, a capture at the sender
    t_sa = t[i_synack[0]]
    after = np.flatnonzero((d == 0) & ack & ~syn & (t >= t_sa))
    if len(after) == 0:
        return "sender"
    near_client = (t_sa - t[i_syn[0]]) > (t[after[0]] - t_sa)
    sender_is_client = data_dir == 0
    return "sender" if near_client == sender_is_client else "receiver"


def _direction(sub: Dict[str, np.ndarray], data_dir: int, interval_s: float,
               ts_rtt_acks: float = float("nan")) -> Optional[Dict[str, Any]]:
    """Figures for the data flowing in ``data_dir`` of one stream (None: it carried none)."""
    t = sub["time_ns"] * _NS
    d = sub["dir"]
    seq = sub["seq"]
    ln = sub["len"]
    syn = sub["flag_syn"]
    is_ack = sub["flag_ack"]
    data = (d == data_dir) & (ln > 0) & ~syn
    if not data.any():
        return None
    rev = (d != data_dir) & is_ack & ~syn
    vantage = _vantage(t, d, syn, is_ack, data_dir)
    rtt = sub["ack_rtt"]
    # Round-trip samples: at the sender, data → its ACK; at the receiver only the handshake
    # (and its own ACK delay, which is not the path) gives the path's round trip.
    rtt_rows = (d != data_dir) if vantage == "sender" else (d == data_dir) & syn
    samples = rtt[rtt_rows & ~np.isnan(rtt) & (rtt > 0)]
    if len(samples) == 0:
        samples = rtt[~np.isnan(rtt) & (rtt > 0)]
    min_rtt = float(samples.min()) if len(samples) else np.nan
    if vantage == "receiver" and np.isfinite(ts_rtt_acks):
        # the receiver's TSval → the sender's first echo of it (RFC 7323 §4): a round trip
        # per ACK, where the handshake is one sample (and a slow first packet spoils it)
        min_rtt = float(np.fmin(min_rtt, ts_rtt_acks))
        samples = samples[samples >= min_rtt]
    end = seq + ln
    if vantage == "receiver":
        t = _shift_to_sender(t, data, sub["tsval"], min_rtt)
    order = np.argsort(t, kind="stable")
    t, data, rev, seq, end, ln = t[order], data[order], rev[order], seq[order], end[order], ln[order]
    ackno = np.where(rev, sub["ack"][order], -1)
    wnd_raw = np.where(rev, sub["window"][order], -1)
    out: Dict[str, Any] = _account(t, data, rev, seq, end, ln, ackno, wnd_raw, min_rtt, samples, vantage,
                                   interval_s)
    return out


def _shift_to_sender(t: np.ndarray, data: np.ndarray, tsval: np.ndarray, min_rtt: float) -> np.ndarray:
    """Receiver's view → the sender's: each data arrival moved back by the minimum round trip
    plus its queueing delay (its one-way delay, from its TSval, above the fastest segment's).

    Linux stamps TSval in milliseconds (tcp_clock_ts()), so the queueing estimate is good to
    about 1 ms; without timestamps only the minimum round trip is taken off."""
    out = t.copy()
    rtt0 = 0.0 if np.isnan(min_rtt) else min_rtt
    shift = np.full(len(t), rtt0)
    ts = np.where(data, tsval, np.nan)
    if np.isfinite(ts).any():
        owd = t - ts * 1e-3
        q = owd - np.nanmin(owd)
        shift = shift + np.where(np.isfinite(q), q, 0.0)
    out[data] = t[data] - shift[data]
    return out


if TYPE_CHECKING:  # annotations only (they are not evaluated at run time)
    _A = np.ndarray


def _account(t: _A, data: _A, rev: _A, seq: _A, end: _A, ln: _A, ackno: _A, wnd_raw: _A, min_rtt: float,
             samples: _A, vantage: str, interval_s: float) -> Dict[str, Any]:
    """The chronographs over the event timeline (every packet of the stream, in time order)."""
    mss = int(ln[data].max())
    first_seq = int(seq[data].min())
    final_end = int(end[data].max())
    snd_nxt = np.maximum.accumulate(np.where(data, end, first_seq))
    una = np.maximum.accumulate(np.where(rev & (ackno >= 0), ackno, first_seq))
    # the peer's window: the last one it advertised (forward fill)
    idx = np.maximum.accumulate(np.where(wnd_raw >= 0, np.arange(len(t)), 0))
    have_wnd = np.maximum.accumulate(wnd_raw >= 0)
    wnd = np.where(have_wnd, wnd_raw[idx], np.iinfo(np.int64).max // 4)
    t0 = t[data].min()
    done = np.flatnonzero(rev & (ackno >= final_end))
    t_end = t[done[0]] if len(done) else t.max()
    dt = np.diff(np.append(t, t[-1]))
    # clip each event's interval [t_k, t_k+1) to the transfer [t0, t_end)
    lo = np.clip(t, t0, t_end)
    hi = np.clip(t + dt, t0, t_end)
    span = hi - lo
    flight = snd_nxt - una
    room = una + wnd - snd_nxt
    pending = snd_nxt < final_end
    # tcp_tso_should_defer() (net/ipv4/tcp_output.c; kernel commit 41727549de3e "tcp: Do not
    # underestimate rwnd_limited") also counts as rwnd-limited the wait for more room when
    # the window has under a third of itself free, the last segment left under 1 ms ago
    # and the window, not the congestion window, is the smaller limit: a sender whose
    # window reopens two segments at a time waits for a bigger piece.
    # Which limit was the smaller one the capture shows afterwards: the window if the
    # sender's next burst of segments filled it (room under one MSS), else its cwnd.
    last_tx = np.maximum.accumulate(np.where(data, t, -np.inf))
    deferred = (room >= mss) & (room < wnd // 3) & (t - last_tx < _TSO_DEFER_RECENT_S)
    # The decision is taken when an ACK arrives (between segments of one burst the kernel
    # does not stop).
    deferred &= rev & (_room_after_next_burst(data, rev, room) < mss)
    rwnd_lim = pending & ((room < mss) | deferred)
    busy = (flight > 0) | rwnd_lim
    zero_win = pending & (wnd <= 0) & have_wnd
    transfer = float(t_end - t0)
    busy_s = float(span[busy].sum())
    rwnd_s = float(span[rwnd_lim].sum())
    retx = data & (seq < np.concatenate(([first_seq], snd_nxt[:-1])))
    episodes = _episodes(t, data, rev, retx, seq, end, ackno, snd_nxt, una, min_rtt)
    episodes["start_s"] = episodes["start_s"] - t0  # from the first data segment
    episodes["end_s"] = episodes["end_s"] - t0
    shares = _shares(transfer, busy_s, rwnd_s)
    infl = samples - min_rtt if len(samples) else np.array([np.nan])
    intervals = _intervals(t, span, lo, busy, rwnd_lim, flight, una, t0, t_end,
                           max(interval_s, 0.0 if np.isnan(min_rtt) else min_rtt))
    open_iv = intervals["rwnd_limited_time"] < 0.5 * intervals["interval"]
    cwnd = float(np.median(intervals["flight_max_bytes"][open_iv])) if open_iv.any() else np.nan
    row = {
        "vantage": vantage, "transfer_time": transfer, "busy_time": busy_s,
        "rwnd_limited_time": rwnd_s, "zero_window_time": float(span[zero_win].sum()),
        "idle_time": transfer - busy_s, "network_time": busy_s - rwnd_s, **shares,
        "seq_retransmissions": int(retx.sum()), "recovery_episodes": len(episodes["start_s"]),
        **{f"{k}_episodes": int((episodes["ended_by"] == k).sum()) for k in ("rto", "tlp", "fast")},
        "spurious_episodes": int(episodes["spurious"].sum()),
        "min_rtt": min_rtt, "rtt_p95": float(np.percentile(samples, 95)) if len(samples) else np.nan,
        "rtt_inflation_max": float(np.nanmax(infl)), "rtt_inflation_p95": float(np.nanpercentile(infl, 95)),
        "cwnd_est_bytes": cwnd, "goodput_bps": 8.0 * (final_end - first_seq) / transfer if transfer > 0 else np.nan,
    }
    return {"row": row, "intervals": intervals, "episodes": episodes}


def _room_after_next_burst(data: np.ndarray, rev: np.ndarray, room: np.ndarray) -> np.ndarray:
    """For each event: the window room left after the sender's next run of data segments
    (the data events up to the next ACK); a large value where no data follows."""
    idx = np.arange(len(data))
    data_idx, rev_idx = idx[data], idx[rev]
    j = np.searchsorted(data_idx, idx, side="right")  # the next data event after each event
    has_next = j < len(data_idx)
    nd = data_idx[np.minimum(j, len(data_idx) - 1)]
    if len(rev_idx) == 0:  # no ACK seen (a one-sided capture): the run goes to the end
        return np.where(has_next, room[-1], np.iinfo(np.int64).max)
    r = np.searchsorted(rev_idx, nd, side="right")  # the first ACK after that data event
    last = np.where(r < len(rev_idx), rev_idx[np.minimum(r, len(rev_idx) - 1)] - 1, len(data) - 1)
    return np.where(has_next, room[last], np.iinfo(np.int64).max)


def _shares(transfer: float, busy_s: float, rwnd_s: float) -> Dict[str, Any]:
    """The three shares of T and the label (ties: receiver, application, network)."""
    if transfer <= 0:
        return {"rwnd_limited_frac": np.nan, "app_limited_frac": np.nan, "network_limited_frac": np.nan,
                "limited_by": "", "limited_by_margin": np.nan}
    s = {"receiver": rwnd_s / transfer, "application": (transfer - busy_s) / transfer,
         "network": (busy_s - rwnd_s) / transfer}
    ranked = sorted(s.values(), reverse=True)
    label = max(s, key=lambda k: s[k])  # max keeps the first of equals: the tie order above
    return {"rwnd_limited_frac": s["receiver"], "app_limited_frac": s["application"],
            "network_limited_frac": s["network"], "limited_by": label,
            "limited_by_margin": ranked[0] - ranked[1]}


def _episodes(t: _A, data: _A, rev: _A, retx: _A, seq: _A, end: _A, ackno: _A, snd_nxt: _A, una: _A,
              min_rtt: float) -> Dict[str, np.ndarray]:
    """Loss-recovery episodes: from a re-send until the ACK passes what was sent before it.

    Each is named by how it began: "rto" (the first re-send came at least TCP_RTO_MIN and
    two round trips after the last ACK), "tlp" (the highest segment re-sent within that, with
    no duplicate ACK since the last advance: a tail-loss probe, RFC 8985 §7), "fast"
    otherwise (duplicate ACKs or SACK, RFC 6675). Spurious: the ACK covering the first
    re-send came sooner than 0.8 × the minimum round trip after it, so the original had
    arrived (the timing test of RFC 3522's Eifel idea, without timestamps)."""
    cols = ["start_s", "end_s", "retransmissions", "ended_by", "spurious"]
    ri = np.flatnonzero(retx)
    if len(ri) == 0:
        return {c: np.array([], dtype=object if c == "ended_by" else bool if c == "spurious" else float)
                for c in cols}
    ack_times = t[rev]
    ack_vals = una[rev]
    rows: List[Dict[str, Any]] = []
    k = 0
    rtt = 0.0 if np.isnan(min_rtt) else min_rtt
    while k < len(ri):  # one pass over the re-sends only, not the packets
        i = ri[k]
        point = snd_nxt[i - 1] if i else end[i]
        j = np.searchsorted(ack_vals, point, side="left")
        t_stop = ack_times[j] if j < len(ack_times) else t[-1]
        n = int(np.searchsorted(t[ri], t_stop, side="left") - k)
        n = max(n, 1)
        prev_acks = np.flatnonzero(rev[:i])
        last_ack_t = t[prev_acks[-1]] if len(prev_acks) else t[0]
        gap = t[i] - last_ack_t
        dup = len(prev_acks) > 1 and una[prev_acks[-1]] == una[prev_acks[-2]]
        if gap >= max(_LINUX_MIN_RTO_S, 2 * rtt):
            kind = "rto"
        elif end[i] >= snd_nxt[i - 1] and not dup:
            kind = "tlp"
        else:
            kind = "fast"
        jj = np.searchsorted(ack_vals, end[i], side="left")
        t_cov = ack_times[jj] if jj < len(ack_times) else np.inf
        rows.append({"start_s": t[i], "end_s": t_stop, "retransmissions": n, "ended_by": kind,
                     "spurious": bool(rtt > 0 and t_cov - t[i] < 0.8 * rtt)})
        k += n
    return {c: np.array([r[c] for r in rows]) for c in cols}


def _intervals(t: _A, span: _A, lo: _A, busy: _A, rwnd_lim: _A, flight: _A, una: _A, t0: float, t_end: float,
               step: float) -> Dict[str, np.ndarray]:
    """State per fixed interval: the chronographs integrated (cumulative sums interpolated at
    the bin edges, so no loop over packets), the largest flight and the bytes acknowledged."""
    edges = np.append(np.arange(t0, t_end, step), t_end)  # the last interval ends with the transfer
    if len(edges) < 2 or t_end <= t0:
        edges = np.array([t0, t0 + step])

    def per_bin(mask: np.ndarray) -> np.ndarray:
        cum = np.concatenate(([0.0], np.cumsum(np.where(mask, span, 0.0))))
        x = np.concatenate(([lo[0]], lo + span))
        return np.diff(np.interp(edges, x, cum))

    b = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(edges) - 2)
    inside = (t >= t0) & (t <= t_end)
    fmax = np.zeros(len(edges) - 1)
    np.maximum.at(fmax, b[inside], flight[inside])
    una_at = np.interp(edges, t, una)
    acked = np.diff(una_at)
    width = np.diff(edges)
    busy_b, rwnd_b = per_bin(busy), per_bin(rwnd_lim)
    df = dict({"start_s": edges[:-1] - t0, "interval": width, "busy_time": busy_b,
                       "rwnd_limited_time": rwnd_b, "idle_time": width - busy_b,
                       "flight_max_bytes": fmax, "acked_bytes": acked,
                       "goodput_bps": 8 * acked / width})
    state = np.array(["network", "receiver", "application"])[
        np.argmax(np.vstack([busy_b - rwnd_b, rwnd_b, width - busy_b]), axis=0)]
    df["state"] = state
    return df


def diagnose(path: PathLike, interval: float = DEFAULT_INTERVAL_S, filter: Optional[str] = None) -> Diagnosis:
    """What limited each sender in the capture at ``path``.

    Returns a :class:`Diagnosis`: ``connections`` (the :func:`tcptrace.connections` table plus
    the :data:`DIRECTION_COLUMNS` for each direction, ``_c2s``/``_s2c`` = where the data
    flows; times in seconds, ``*_frac`` shares of the transfer time, rates in bit/s),
    ``intervals`` (per stream, direction and ``interval`` seconds, at least one minimum RTT:
    busy/rwnd-limited/idle time, largest flight, bytes acknowledged, the dominant state) and
    ``episodes`` (loss recovery: start, end, re-sends, how it began, spurious). Computed only
    when asked: :func:`tcptrace.connections` does not pay for it."""
    from . import connections as _connections
    from . import segments as _segments

    seg = _segments(path, columns=_COLUMNS, filter=filter)
    conns = _connections(path, filter=filter)
    per: Dict[int, Dict[str, Any]] = {}
    ts_rtt: Dict[Any, float] = {}  # (stream, direction of the TSvals) -> smallest echo round trip
    for k, name in ((0, "c2s"), (1, "s2c")):
        if f"ts_rtt_min_{name}" in conns:
            ts_rtt.update({(int(sid), k): float(v) for sid, v in
                           zip(conns.stream, conns[f"ts_rtt_min_{name}"].astype(float)) if np.isfinite(v)})
    ivs: List[Dict[str, np.ndarray]] = []
    eps: List[Dict[str, np.ndarray]] = []
    if len(seg):
        # numpy columns once, sliced per stream (no DataFrame per connection)
        kinds = {"flag_syn": (bool, False), "flag_ack": (bool, False), "ack_rtt": (float, np.nan),
                 "tsval": (float, np.nan)}
        cols = {c: _arr(seg[c], *kinds.get(c, (np.int64, 0))) for c in _COLUMNS if c != "stream"}
        streams = _arr(seg.stream, np.int64, -1)
        order = np.argsort(streams, kind="stable")
        bounds = np.flatnonzero(np.diff(streams[order])) + 1
        for part in np.split(order, bounds):
            sub = {c: v[part] for c, v in cols.items()}
            sid = int(streams[part[0]])
            for data_dir, name in ((0, "c2s"), (1, "s2c")):
                res = _direction(sub, data_dir, interval, ts_rtt.get((sid, 1 - data_dir), np.nan))
                if res is None:
                    continue
                per.setdefault(sid, {}).update({f"{k}_{name}": v for k, v in res["row"].items()})
                for frame, dest in ((res["intervals"], ivs), (res["episodes"], eps)):
                    n = len(frame["start_s"])
                    if n:
                        dest.append({**frame, "stream": np.full(n, sid), "direction": np.full(n, name)})
    extra = pd.DataFrame.from_dict(per, orient="index")
    for c in DIRECTION_COLUMNS:
        for d in ("c2s", "s2c"):
            text = c in ("limited_by", "vantage")
            if f"{c}_{d}" not in extra:
                extra[f"{c}_{d}"] = pd.Series("" if text else np.nan, index=extra.index,
                                              dtype=object if text else float)
    extra.index.name = "stream"
    out = conns.merge(extra.reset_index(), on="stream", how="left") if len(conns) else extra.reset_index()
    for d in ("c2s", "s2c"):
        for c in ("limited_by", "vantage"):
            out[f"{c}_{d}"] = out[f"{c}_{d}"].astype(object).where(out[f"{c}_{d}"].notna(), "")
    iv = _concat(ivs, ["start_s", "interval", "busy_time", "rwnd_limited_time", "idle_time", "flight_max_bytes",
                       "acked_bytes", "goodput_bps", "state", "stream", "direction"])
    ep = _concat(eps, ["start_s", "end_s", "retransmissions", "ended_by", "spurious", "stream", "direction"])
    return Diagnosis(out, iv, ep)


def _concat(parts: List[Dict[str, np.ndarray]], cols: List[str]) -> pd.DataFrame:
    """One DataFrame from per-direction column arrays (built once, not per connection)."""
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in cols})


def _paragraph(r: pd.Series, d: str) -> str:
    who = "client → server" if d == "c2s" else "server → client"

    def g(c: str) -> Any:
        return r[f"{c}_{d}"]

    T = g("transfer_time")
    parts = [f"{who}, {T:.2f} s ({g('busy_time'):.2f} s busy), capture at the {g('vantage')}: "
             f"limited by the {g('limited_by')}"]
    parts.append(f"receiver's window {100 * g('rwnd_limited_frac'):.0f}% of the time"
                 + (f" (zero window {g('zero_window_time'):.2f} s)" if g("zero_window_time") > 0 else ""))
    parts.append(f"application idle {100 * g('app_limited_frac'):.0f}%")
    parts.append(f"network {100 * g('network_limited_frac'):.0f}%")
    kinds = [f"{int(g(k + '_episodes'))} {k}" for k in ("fast", "rto", "tlp") if g(k + "_episodes")]
    parts.append(f"{int(g('seq_retransmissions'))} retransmissions in {int(g('recovery_episodes'))} "
                 f"episodes" + (f" ({', '.join(kinds)}; {int(g('spurious_episodes'))} spurious)" if kinds else ""))
    if np.isfinite(g("min_rtt")):
        parts.append(f"RTT {1e3 * g('min_rtt'):.1f} ms, +{1e3 * g('rtt_inflation_max'):.0f} ms queueing at peak")
    parts.append(f"goodput {g('goodput_bps') / 1e6:.2f} Mbit/s")
    return "; ".join(parts) + "."


def verdict(diag: Diagnosis) -> str:
    """One line: the label of the direction that moved the most bytes, or "no data"."""
    best, size = "", -1.0
    for _, r in diag.connections.iterrows():
        for d in ("c2s", "s2c"):
            if r[f"limited_by_{d}"] and r[f"transfer_time_{d}"] > size:
                size, best = r[f"transfer_time_{d}"], f"stream {r['stream']} {d}: {r[f'limited_by_{d}']}-limited"
    return f"verdict: {best}" if best else "verdict: no data"


def report(diag: Diagnosis) -> str:
    """The text of ``tcptrace diagnose``: a paragraph per direction with data, then the verdict."""
    lines = []
    for _, r in diag.connections.iterrows():
        head = f"stream {r['stream']}"
        if "client" in r:
            head += f" {r['client']}:{r['client_port']} → {r['server']}:{r['server_port']}"
        for d in ("c2s", "s2c"):
            if r[f"limited_by_{d}"]:
                lines.append(f"{head}\n  {_paragraph(r, d)}")
    lines.append(verdict(diag))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    """``tcptrace diagnose CAPTURE [-s N] [--json] [--interval S]``."""
    import argparse

    ap = argparse.ArgumentParser(prog="tcptrace diagnose",
                                 description="what limited each sender: receiver, network or application")
    ap.add_argument("capture")
    ap.add_argument("-s", "--stream", type=int, default=None, help="only this stream")
    ap.add_argument("--json", action="store_true", help="figures as JSON")
    ap.add_argument("--interval", type=float, default=DEFAULT_INTERVAL_S, help="interval table step, s")
    a = ap.parse_args(list(argv))
    try:
        diag = diagnose(a.capture, interval=a.interval)
    except (OSError, ValueError) as e:
        print(f"tcptrace diagnose: {e}", file=sys.stderr)
        return 2
    if a.stream is not None:
        keep = diag.connections.stream == a.stream
        if not keep.any():
            print(f"tcptrace diagnose: no stream {a.stream} in {a.capture}", file=sys.stderr)
            return 2
        diag = Diagnosis(diag.connections[keep], diag.intervals, diag.episodes)
    print(diag.to_json() if a.json else diag.report(), end="" if not a.json else "\n")
    return 0
