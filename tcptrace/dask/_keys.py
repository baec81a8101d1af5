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

# Carried from one file to the next of a sensor: canonical endpoints -> latest key.
KeyState = Dict[str, str]


def _endpoint(addr: Any, port: Any) -> Any:
    a = addr.astype(str)
    v6 = a.str.contains(":", regex=False)
    a = a.where(~v6, "[" + a + "]")
    return a + ":" + port.astype("int64").astype(str)


def stream_table(seg: Any) -> Any:
    """One row per stream of a file's segments: its canonical endpoints, the client ISN
    where a SYN or SYN/ACK was seen (else NA) and the time of its first segment (ns),
    in order of that time. Aggregates per stream first: the strings are built once per
    stream, not per segment."""
    import numpy as np
    import pandas as pd

    cols = ["stream", "endpoints", "isn", "first_ns"]
    seg = seg[seg["stream"].notna()]
    if len(seg) == 0:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in cols})
    syn = (seg["flag_syn"] & ~seg["flag_ack"]).to_numpy(bool)
    synack = (seg["flag_syn"] & seg["flag_ack"]).to_numpy(bool)
    isn_syn = np.where(syn, seg["seq_raw"].to_numpy("float64", na_value=np.nan), np.nan)
    ack_raw = seg["ack_raw"].to_numpy("float64", na_value=np.nan)
    isn_synack = np.where(synack, np.mod(ack_raw - 1, float(1 << 32)), np.nan)
    # addresses by their categorical codes: strings only once per stream, below
    src, dst = seg["src"].astype("category"), seg["dst"].astype("category")
    frame = pd.DataFrame({"stream": seg["stream"].to_numpy("int64"), "src": src.cat.codes.to_numpy(),
                          "dst": dst.cat.codes.to_numpy(), "sport": seg["sport"].to_numpy("int64", na_value=0),
                          "dport": seg["dport"].to_numpy("int64", na_value=0), "isn_syn": isn_syn,
                          "isn_synack": isn_synack, "first_ns": pd.DatetimeIndex(seg["time"]).asi8})
    out = frame.groupby("stream", sort=False).agg(
        src=("src", "first"), dst=("dst", "first"), sport=("sport", "first"), dport=("dport", "first"),
        isn_syn=("isn_syn", "first"), isn_synack=("isn_synack", "first"), first_ns=("first_ns", "min"))
    src_names = pd.Series(np.asarray(src.cat.categories, dtype=object)[out["src"].to_numpy()], index=out.index)
    dst_names = pd.Series(np.asarray(dst.cat.categories, dtype=object)[out["dst"].to_numpy()], index=out.index)
    a = _endpoint(src_names, out["sport"])
    b = _endpoint(dst_names, out["dport"])
    out["endpoints"] = a.where(a <= b, b) + "-" + b.where(a <= b, a)
    out["isn"] = out["isn_syn"].fillna(out["isn_synack"])  # float64 holds any 32-bit ISN exactly
    out = out.reset_index()[cols].sort_values(["first_ns", "stream"], kind="stable")
    return out.reset_index(drop=True)


def resolve(state: KeyState, table: Any) -> Tuple[Dict[int, str], KeyState]:
    """Keys of one file's streams given the state left by the sensor's earlier files;
    returns (stream -> key, the state for the next file). The state is copied, so a
    task can be re-run."""
    import pandas as pd

    state = dict(state)
    keys: Dict[int, str] = {}
    for stream, ends, isn, first_ns in zip(table["stream"], table["endpoints"], table["isn"], table["first_ns"]):
        if not pd.isna(isn):
            key = f"{ends}/isn={int(isn)}"
        else:
            key = state.get(ends) or f"{ends}/t={int(first_ns)}"
        state[ends] = key
        keys[int(stream)] = key
    return keys, state


def key_column(streams: Any, keys: Dict[int, str]) -> Any:
    """The conn_key of each row from its stream (NA where the row has no stream), as a
    pandas string array, through a lookup table indexed by stream number."""
    import numpy as np
    import pandas as pd

    codes = streams.to_numpy(dtype="int64", na_value=-1)
    size = (max(keys) + 2) if keys else 1
    lut = np.full(size, None, dtype=object)  # the last slot stays None: code -1
    for stream, key in keys.items():
        lut[stream] = key
    return pd.array(lut[codes], dtype="string")
