"""A connection key that stays the same across rotated files.

``stream`` (tcp.stream) restarts in every file, so the Dask path names a connection by
its endpoints and the client's initial sequence number instead::

    198.18.1.1:40000-198.18.2.1:80/isn=3735928559

(endpoints as ``addr:port``, IPv6 in brackets, the lower one first, so both directions
and every file agree). The ISN comes from the client's SYN, or from the ACK of the
server's SYN/ACK when only that was captured. A stream of a file that shows no SYN
(the connection began in an earlier file) continues the latest earlier connection on
the same endpoints of the same sensor; if there is none (the capture began
mid-connection) the key ends in ``/t=<ns>``, the time of its first segment instead.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

# Segment columns the key needs.
KEY_COLUMNS = ["frame", "stream", "src", "dst", "sport", "dport", "seq_raw", "ack_raw", "flag_syn", "flag_ack", "time"]

# Carried from one file to the next of a sensor: canonical endpoints -> (latest key,
# time of its latest segment in ns).
KeyState = Dict[str, Tuple[str, int]]

#: A stream without SYN continues the latest earlier connection on its endpoints only
#: if that one was seen at most this long before (Linux's default keep-alive time,
#: tcp_keepalive_time, is 7200 s); older entries leave the carried state, which keeps
#: it as small as the connections active within that time.
CONTINUE_WITHIN_S = 7200.0


def _endpoint(addr: Any, port: Any) -> Any:
    a = addr.astype(str)
    v6 = a.str.contains(":", regex=False)
    a = a.where(~v6, "[" + a + "]")
    return a + ":" + port.astype("int64").astype(str)


def stream_table(seg: Any) -> Any:
    """One row per stream of a file's segments, in order of first appearance (which is
    the order of the stream numbers): its canonical endpoints, the client ISN where a
    SYN or SYN/ACK was seen (else NaN) and the time of its first segment (ns).

    Vectorised over the dense stream numbers: "first row of each stream" is a
    reversed scatter (the last write, from the earliest row, wins); the strings are
    built once per stream."""
    import numpy as np
    import pandas as pd

    cols = ["stream", "endpoints", "isn", "first_ns", "last_ns"]
    stream = seg["stream"].to_numpy("int64", na_value=-1)
    rows = np.flatnonzero(stream >= 0)
    if len(rows) == 0:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in cols})
    n_streams = int(stream.max()) + 1

    def first_of(which: Any) -> Any:
        """Row index of each stream's first row among `which` (-1 where none)."""
        out = np.full(n_streams, -1, dtype="int64")
        out[stream[which][::-1]] = which[::-1]
        return out

    first = first_of(rows)
    present = np.flatnonzero(first >= 0)
    first = first[present]
    last = np.full(n_streams, -1, dtype="int64")
    last[stream[rows]] = rows  # a forward scatter: the latest row wins
    last = last[present]
    syn, ack = seg["flag_syn"].to_numpy(bool), seg["flag_ack"].to_numpy(bool)
    seq_raw = seg["seq_raw"].to_numpy("float64", na_value=np.nan)
    ack_raw = seg["ack_raw"].to_numpy("float64", na_value=np.nan)
    first_syn = first_of(np.flatnonzero(syn & ~ack & (stream >= 0)))[present]
    first_synack = first_of(np.flatnonzero(syn & ack & (stream >= 0)))[present]
    isn = np.where(first_syn >= 0, seq_raw[first_syn], np.nan)
    isn_synack = np.where(first_synack >= 0, np.mod(ack_raw[first_synack] - 1, float(1 << 32)), np.nan)
    isn = np.where(np.isnan(isn), isn_synack, isn)  # float64 holds any 32-bit ISN exactly

    src = pd.Series(np.asarray(seg["src"].iloc[first], dtype=object))
    dst = pd.Series(np.asarray(seg["dst"].iloc[first], dtype=object))
    a = _endpoint(src, pd.Series(seg["sport"].to_numpy("int64", na_value=0)[first]))
    b = _endpoint(dst, pd.Series(seg["dport"].to_numpy("int64", na_value=0)[first]))
    endpoints = a.where(a <= b, b) + "-" + b.where(a <= b, a)
    times = pd.DatetimeIndex(seg["time"]).asi8
    return pd.DataFrame({"stream": present, "endpoints": endpoints.to_numpy(object), "isn": isn,
                         "first_ns": times[first], "last_ns": times[last]})


def resolve(state: KeyState, table: Any,
            continue_within_s: float = CONTINUE_WITHIN_S) -> Tuple[Dict[int, str], KeyState]:
    """Keys of one file's streams given the state left by the sensor's earlier files;
    returns (stream -> key, the state for the next file). The state is copied (a task
    can be re-run) and pruned of endpoints idle for more than continue_within_s."""
    import pandas as pd

    within_ns = int(continue_within_s * 1e9)
    state = dict(state)
    keys: Dict[int, str] = {}
    latest = None
    for stream, ends, isn, first_ns, last_ns in zip(table["stream"], table["endpoints"], table["isn"],
                                                     table["first_ns"], table["last_ns"]):
        if not pd.isna(isn):
            key = f"{ends}/isn={int(isn)}"
        else:
            prev = state.get(ends)
            key = prev[0] if prev is not None and first_ns - prev[1] <= within_ns else f"{ends}/t={int(first_ns)}"
        state[ends] = (key, int(last_ns))
        keys[int(stream)] = key
        latest = int(last_ns) if latest is None else max(latest, int(last_ns))
    if latest is not None:
        state = {e: v for e, v in state.items() if latest - v[1] <= within_ns}
    return keys, state


def key_column(streams: Any, keys: Dict[int, str]) -> Any:
    """The conn_key of each row from its stream (NA where the row has no stream), as a
    categorical over the file's keys: 1 to 4 bytes per row, no string per row."""
    import numpy as np
    import pandas as pd

    names = sorted(set(keys.values()))
    code_of = {k: i for i, k in enumerate(names)}
    lut = np.full((max(keys) + 2) if keys else 1, -1, dtype="int64")  # the last slot stays -1: no stream
    for stream, key in keys.items():
        lut[stream] = code_of[key]
    codes = lut[streams.to_numpy(dtype="int64", na_value=-1)]
    return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object))
