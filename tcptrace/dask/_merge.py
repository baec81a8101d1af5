"""Merging the statistics of one connection seen in several files.

Each file gives one row per connection part (``tcptrace.connections`` of that file);
the parts of a connection share ``(sensor, conn_key)``. :data:`MERGE_RULES` says, per
column, how parts combine and whether the result equals that of the concatenated
capture. :func:`merge_parts` applies them; it is associative (merging merged rows is
merging their parts), so Dask can run it as a tree reduction over partitions.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from ..connections import CONN_FIELDS, DIR_FIELDS

DIRS = ("_c2s", "_s2c")

# Exactness: "exact" - equals the concatenated capture's value;
# "state" - exact unless the connection's analysis state matters at a file boundary
#   (the next file starts without the previous file's sequence numbers, window scale,
#   unacknowledged segments or timestamps: a retransmission of data sent in the
#   previous file looks new, an ACK of it gives no RTT sample, windows are unscaled);
# "approx" - not recoverable from the parts: the rule gives an approximation.
#: column (per-direction columns without the _c2s/_s2c suffix) -> (rule, exactness, note)
MERGE_RULES: Dict[str, Tuple[str, str, str]] = {
    "stream": ("first", "approx", "tcp.stream of the first part, in its own file"),
    "ip_version": ("first", "exact", ""),
    "client": ("first", "exact", "the first part's; later parts are turned to match"),
    "client_port": ("first", "exact", ""),
    "server": ("first", "exact", ""),
    "server_port": ("first", "exact", ""),
    "client_reason": ("first", "exact", ""),
    "conn_state": ("state_after", "approx", "an established first part: from the merged FIN and RST counts "
                   "(SF, S2, S3, RSTO, RSTR, S1); otherwise the first part's"),
    "history": ("letters", "approx", "letters of all parts, each once, in order of first appearance"),
    "status": ("recompute", "exact", "from the merged SYN, FIN, RST and packet counts"),
    "completeness": ("bit_or", "exact", ""),
    "end_reason": ("last", "state", "the last part's; a later file may not see the closing RST/FIN as such"),
    "first_frame": ("first", "approx", "frame number in the first part's file"),
    "last_frame": ("last", "approx", "frame number in the last part's file"),
    "first_time": ("recompute", "exact", "first_time_ns / 1e9"),
    "first_time_ns": ("min", "exact", ""),
    "last_time_ns": ("max", "exact", ""),
    "duration": ("recompute", "exact", "(last_time_ns - first_time_ns) / 1e9"),
    "packets": ("sum", "exact", ""),
    "wire_bytes": ("sum", "exact", ""),
    "handshake_rtt": ("first", "state", "first part that has one; NA or later if a boundary cuts the handshake"),
    # per direction
    "ip_bytes": ("sum", "exact", ""),
    "malformed_packets": ("sum", "exact", ""),
    "data_packets": ("sum", "exact", ""),
    "payload_bytes": ("sum", "exact", ""),
    "unique_bytes": ("sum", "state", "data re-sent after a boundary counts again"),
    "pure_acks": ("sum", "exact", ""),
    "ack_packets": ("sum", "exact", ""),
    "syn_packets": ("sum", "exact", ""),
    "fin_packets": ("sum", "exact", ""),
    "rst_packets": ("sum", "exact", ""),
    "push_packets": ("sum", "exact", ""),
    "urg_packets": ("sum", "exact", ""),
    "urg_bytes": ("sum", "exact", ""),
    "sack_packets": ("sum", "exact", ""),
    "dsack_packets": ("sum", "exact", ""),
    "sack_blocks": ("sum", "exact", ""),
    "max_sack_blocks": ("max", "exact", ""),
    "truncated_packets": ("sum", "exact", ""),
    "truncated_bytes": ("sum", "exact", ""),
    "stream_length": ("first", "approx", "NA unless one part saw both SYN and FIN"),
    "seg_max": ("max", "exact", ""),
    "seg_min": ("min", "exact", "over parts with data (0 when none has)"),
    "seg_mean": ("recompute", "exact", "payload_bytes / data_packets"),
    "win_max": ("max", "state", ""),
    "win_min": ("min", "state", "over parts with window samples (0 when none has)"),
    "win_mean": ("weighted_mean", "approx", "parts' means weighted by ack_packets"),
    "zero_win_adv": ("sum", "state", ""),
    "init_win_bytes": ("first", "state", "the first part's"),
    "init_win_packets": ("first", "state", "the first part's"),
    "idle_max": ("max", "approx", "the gap across a file boundary is not seen"),
    "throughput": ("recompute", "state", "unique_bytes / duration"),
    "mss": ("first", "exact", "from the SYN"),
    "ws_shift": ("first", "exact", "from the SYN"),
    "sack_permitted": ("any", "exact", "from the SYN"),
    "timestamps": ("any", "exact", "from the SYN"),
    "rtt_samples": ("sum", "state", ""),
    "rtt_min": ("min", "state", ""),
    "rtt_max": ("max", "state", ""),
    "rtt_mean": ("pooled_mean", "state", "weighted by rtt_samples"),
    "rtt_stdev": ("pooled_stdev", "state", "pooled from samples, means and deviations"),
    "ts_rtt_samples": ("sum", "state", ""),
    "ts_rtt_min": ("min", "state", ""),
    "ts_rtt_max": ("max", "state", ""),
    "ts_rtt_mean": ("pooled_mean", "state", "weighted by ts_rtt_samples"),
    "ts_rtt_stdev": ("pooled_stdev", "state", "pooled from samples, means and deviations"),
    "rtt_3whs": ("first", "state", "as handshake_rtt"),
    # the Wireshark analysis counts: a flag at a file boundary depends on the previous file
    **{n: ("sum", "state", "tcp.analysis flag count") for n in (
        "retransmissions", "retransmitted_bytes", "fast_retransmissions", "spurious_retransmissions",
        "out_of_order", "lost_segments", "acked_unseen", "dup_acks", "triple_dup_acks", "zero_windows",
        "zero_window_probes", "zero_window_probe_acks", "keep_alives", "keep_alive_acks", "window_updates",
        "window_full")},
    **{n: ("sum", "state", "tcptrace sequence-space count") for n in (
        "rexmt_packets", "rexmt_bytes", "outoforder_packets", "zwnd_probe_packets", "zwnd_probe_bytes",
        "missed_bytes")},
    # added by the Dask path
    "file": ("first", "exact", "the file of the first part"),
    "n_parts": ("sum", "exact", "how many partitions (files, or chunks of a file) the connection spans"),
}

assert set(MERGE_RULES) >= set(CONN_FIELDS) | set(DIR_FIELDS), "a connection column without a merge rule"

# Rules pandas' groupby applies directly (skipping missing values).
_PANDAS_AGG = {"first": "first", "last": "last", "sum": "sum", "min": "min", "max": "max", "any": "max"}
_COMPLETENESS_BITS = (1, 2, 4, 8, 16, 32)
GROUP = ["sensor", "conn_key"]


def _columns(name: str) -> List[str]:
    """The columns a rule covers: the name itself (connection-wide) and/or per direction."""
    whole = [name] if name not in DIR_FIELDS or name in CONN_FIELDS else []
    return whole + ([name + d for d in DIRS] if name in DIR_FIELDS else [])


def _orient(parts: Any) -> Any:
    """Turn parts whose client is the first part's server (a later file saw the server
    send first) so that _c2s always means the first part's client to server."""
    g = parts.groupby(GROUP, sort=False)
    root_server = g["server"].transform("first")
    root_sport = g["server_port"].transform("first")
    root_client = g["client"].transform("first")
    root_cport = g["client_port"].transform("first")
    flip = ((parts["client"] == root_server) & (parts["client_port"] == root_sport)
            & ~((parts["client"] == root_client) & (parts["client_port"] == root_cport))).to_numpy(bool)
    if not flip.any():
        return parts
    parts = parts.copy()
    pairs = [("client", "server"), ("client_port", "server_port")]
    pairs += [(n + "_c2s", n + "_s2c") for n in DIR_FIELDS]
    for a, b in pairs:
        va, vb = parts.loc[flip, a].copy(), parts.loc[flip, b].copy()
        parts.loc[flip, a] = vb.to_numpy()
        parts.loc[flip, b] = va.to_numpy()
    return parts


def _letters(groups: Any, history: Any, n_groups: int) -> List[str]:
    """Per group, the history letters of its parts, each once, in order of first
    appearance (a plain loop over the parts: faster than a pandas per-group apply)."""
    joined = [""] * n_groups
    for gid, h in zip(groups, history):
        if isinstance(h, str):
            joined[gid] += h
    return ["".join(dict.fromkeys(h)) for h in joined]


# Zeek states of a connection whose establishment was seen.
_ESTABLISHED = ("S1", "S2", "S3", "SF", "RSTO", "RSTR")


def _state_after(merged: Dict[str, Any], first_state: Any) -> Any:
    """Zeek's conn_state of merged parts: for a connection established in its first
    part, how it ended according to the merged counts; otherwise the first part's."""
    import numpy as np
    import pandas as pd

    fin_c, fin_s = merged["fin_packets_c2s"] > 0, merged["fin_packets_s2c"] > 0
    rst_c, rst_s = merged["rst_packets_c2s"] > 0, merged["rst_packets_s2c"] > 0
    after = np.select([rst_c, rst_s, fin_c & fin_s, fin_c, fin_s], ["RSTO", "RSTR", "SF", "S2", "S3"], "S1")
    established = pd.Series(first_state).isin(_ESTABLISHED).to_numpy(bool)
    return pd.Series(np.where(established, after, first_state), index=merged["fin_packets_c2s"].index)


def merge_parts(parts: Any) -> Any:
    """One row per (sensor, conn_key): parts of the same connection merged by
    :data:`MERGE_RULES`; a connection seen in one part only is returned unchanged.
    Rows come out in order of first_time_ns."""
    import numpy as np
    import pandas as pd

    if len(parts) == 0:
        return parts
    dtypes = parts.dtypes.to_dict()
    columns = list(parts.columns)
    dup = parts.duplicated(GROUP, keep=False).to_numpy(bool)
    if not dup.any():
        return parts.sort_values("first_time_ns", kind="stable").reset_index(drop=True)
    single = parts[~dup]
    multi = parts[dup].copy()
    multi["_file_order"] = multi["file"].cat.codes
    multi = multi.sort_values([*GROUP, "_file_order", "first_time_ns"], kind="stable")
    multi = _orient(multi)

    # Pooled moments: a mean weighted by its samples, and sums of squares for the stdev.
    helpers: Dict[str, Any] = {}
    for d in DIRS:
        for p in ("rtt", "ts_rtt"):
            n = multi[f"{p}_samples{d}"].astype("float64")
            mean = multi[f"{p}_mean{d}"].astype("float64").fillna(0.0)
            sd = multi[f"{p}_stdev{d}"].astype("float64").fillna(0.0)
            helpers[f"_{p}_sum{d}"] = n * mean
            helpers[f"_{p}_sq{d}"] = (n - 1).clip(lower=0) * sd * sd + n * mean * mean
        w = multi[f"ack_packets{d}"].astype("float64").where(multi[f"win_mean{d}"].notna(), 0.0)
        helpers[f"_win_w{d}"] = w
        helpers[f"_win_sum{d}"] = w * multi[f"win_mean{d}"].astype("float64").fillna(0.0)
        # a part without data (or window samples) has 0 here, not a minimum: leave it out
        helpers[f"_seg_min{d}"] = multi[f"seg_min{d}"].astype("Float64").where(multi[f"data_packets{d}"] > 0)
        helpers[f"_win_min{d}"] = multi[f"win_min{d}"].astype("Float64").where(multi[f"win_mean{d}"].notna())
    for bit in _COMPLETENESS_BITS:
        helpers[f"_bit{bit}"] = (multi["completeness"].astype("int64") & bit) != 0
    multi = pd.concat([multi, pd.DataFrame(helpers, index=multi.index)], axis=1)

    agg: Dict[str, Any] = {}
    for name, (rule, _exact, _note) in MERGE_RULES.items():
        if rule in _PANDAS_AGG:
            for c in _columns(name):
                if c in multi.columns:
                    agg[c] = _PANDAS_AGG[rule]
    for c in helpers:
        agg[c] = "max" if c.startswith("_bit") else "min" if c.endswith(("_min_c2s", "_min_s2c")) else "sum"
    g = multi.groupby(GROUP, sort=False, observed=True)
    grouped = g.agg(agg).copy().reset_index()  # copy: one block, not 300 (a fast reset_index)
    out: Dict[str, Any] = {c: grouped[c] for c in grouped.columns}
    out["history"] = pd.Series(_letters(g.ngroup().to_numpy(), multi["history"].to_numpy(object), len(grouped)),
                               index=grouped.index)

    out["first_time"] = out["first_time_ns"].astype("float64") / 1e9
    dur_ns = out["last_time_ns"].astype("int64") - out["first_time_ns"].astype("int64")
    out["duration"] = dur_ns / 1e9
    out["completeness"] = sum(out[f"_bit{b}"].astype("int64") * b for b in _COMPLETENESS_BITS)
    for d in DIRS:
        data = out[f"data_packets{d}"].astype("float64")
        out[f"seg_mean{d}"] = (out[f"payload_bytes{d}"].astype("float64") / data).where(data > 0)
        out[f"throughput{d}"] = (out[f"unique_bytes{d}"].astype("float64") / (dur_ns / 1e9)).where(dur_ns > 0)
        for p in ("rtt", "ts_rtt"):
            n = out[f"{p}_samples{d}"].astype("float64")
            mean = out[f"_{p}_sum{d}"] / n
            var = (out[f"_{p}_sq{d}"] - n * mean * mean) / (n - 1)
            out[f"{p}_mean{d}"] = mean.where(n > 0)
            out[f"{p}_stdev{d}"] = np.sqrt(var.clip(lower=0)).where(n > 1, 0.0).where(n > 0)
        out[f"seg_min{d}"] = out[f"_seg_min{d}"].fillna(0)
        out[f"win_min{d}"] = out[f"_win_min{d}"].fillna(0)
        w = out[f"_win_w{d}"]
        out[f"win_mean{d}"] = (out[f"_win_sum{d}"] / w).where(w > 0)
    rst = (out["rst_packets_c2s"] > 0) | (out["rst_packets_s2c"] > 0)
    complete = ((out["syn_packets_c2s"] > 0) & (out["syn_packets_s2c"] > 0)
                & (out["fin_packets_c2s"] > 0) & (out["fin_packets_s2c"] > 0))
    oneway = (out["packets_c2s"] == 0) | (out["packets_s2c"] == 0)
    out["status"] = pd.Series(np.select([rst, complete, oneway], ["reset", "complete", "unidirectional"], ""))
    out["conn_state"] = _state_after(out, g["conn_state"].first().to_numpy(object))

    merged = pd.DataFrame({c: out[c] for c in columns}).astype(dtypes)
    both = pd.concat([single, merged], ignore_index=True)
    both["file"] = pd.Categorical(both["file"].astype(str), categories=parts["file"].cat.categories)
    return both.sort_values("first_time_ns", kind="stable").reset_index(drop=True)


def rules_table() -> str:
    """MERGE_RULES as a Markdown table (docs/dask.md shows it)."""
    lines = ["| column | rule | exact? | note |", "| --- | --- | --- | --- |"]
    for name, (rule, exact, note) in MERGE_RULES.items():
        shown = f"`{name}_c2s`, `{name}_s2c`" if name in DIR_FIELDS else f"`{name}`"
        lines.append(f"| {shown} | {rule} | {exact} | {note} |")
    return "\n".join(lines)
