"""The TCP part of Wireshark's Expert Information (``tshark -q -z expert``).

Wireshark attaches an "expert item" to a segment for each TCP analysis flag and for
SYN, SYN/ACK, FIN and RST, each with a severity (error, warning, note, chat), a group
("Sequence") and a summary text. This module counts them per capture from the C
columns (no Python object per segment), with the texts and severities of tshark 4.0's
TCP dissector (epan/dissectors/packet-tcp.c). See ``docs/expert.md``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Set, Tuple, Union

from . import _core
from ._extras import needs_extras
from .frames import ANALYSIS_FLAGS, segments

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ._core import CaptureError

PathLike = Union[str, "os.PathLike[str]"]

# Severities, most severe first, with tshark's section titles.
SEVERITIES = ("error", "warning", "note", "chat")
_SECTION = {"error": "Errors", "warning": "Warns", "note": "Notes", "chat": "Chats"}

# How many first frames each row lists.
FIRST_FRAMES = 5

_FIN, _SYN, _RST, _ACK = 0x001, 0x002, 0x004, 0x010


@dataclass(frozen=True)
class ExpertItem:
    """One TCP expert item of Wireshark 4.0: its filter name, severity, group and text."""

    field: str       # the display-filter name, e.g. "tcp.analysis.retransmission"
    severity: str    # "error", "warning", "note" or "chat"
    group: str       # Wireshark's expert group ("Sequence" for all of these)
    summary: str     # the text tshark shows (without per-segment parts)
    flag: Optional[str] = None  # the analysis flag (tcptrace.ANALYSIS_FLAGS) it counts, if any


# The analysis flags' expert items in the order Wireshark registers them; their text
# and severity are csrc/analysis_flags.h's (a test checks every flag is here once).
EXPERT_FLAG_ORDER = (
    "retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order", "reused_ports",
    "lost_segment", "ack_lost_segment", "window_update", "window_full", "keep_alive", "keep_alive_ack",
    "duplicate_ack", "zero_window_probe", "zero_window", "zero_window_probe_ack",
)
_FLAG_TABLE = {row[0]: row for row in _core.analysis_flags()}

# The TCP expert items tcptrace reports, in the order Wireshark registers them.
ITEMS: Tuple[ExpertItem, ...] = tuple(
    ExpertItem(_FLAG_TABLE[n][1], _FLAG_TABLE[n][3], "Sequence", _FLAG_TABLE[n][4], n)
    for n in EXPERT_FLAG_ORDER
) + (
    ExpertItem("tcp.connection.synack", "chat", "Sequence", "Connection establish acknowledge (SYN+ACK)"),
    ExpertItem("tcp.connection.syn", "chat", "Sequence", "Connection establish request (SYN)"),
    ExpertItem("tcp.connection.fin", "chat", "Sequence", "Connection finish (FIN)"),
    ExpertItem("tcp.connection.rst", "warning", "Sequence", "Connection reset (RST)"),
    ExpertItem("tcp.connection.fin_active", "note", "Sequence", "This frame initiates the connection closing"),
    ExpertItem("tcp.connection.fin_passive", "note", "Sequence", "This frame undergoes the connection closing"),
    ExpertItem("tcp.ack.nonzero", "note", "Protocol",
               "The acknowledgment number field is nonzero while the ACK flag is not set"),
    ExpertItem("tcp.urgent_pointer.non_zero", "note", "Protocol",
               "The urgent pointer field is nonzero while the URG flag is not set"),
)

COLUMNS = ["severity", "group", "protocol", "summary", "field", "count", "first_frames"]
_COLUMNS_IN = ["frame", "stream", "dir", "sport", "dport", "flags", "hdr_len", "ack_raw", "urgent_ptr",
               "dup_ack_num", *ANALYSIS_FLAGS]
_URG = 0x020


def _fin_roles(df: pd.DataFrame, fin: Any) -> Tuple[Any, Any]:
    """Which FINs initiate the closing of their conversation (Wireshark: the first FIN
    of a side whose peer has not sent one yet) and which undergo it."""
    import numpy as np

    active = np.zeros(len(df), dtype=bool)
    initiators: Set[Tuple[int, int]] = set()
    streams = df["stream"].to_numpy(dtype="int64", na_value=-1)
    dirs = df["dir"].to_numpy(dtype="int64", na_value=0)
    for i in np.flatnonzero(fin):
        if (streams[i], 1 - dirs[i]) not in initiators:
            initiators.add((streams[i], dirs[i]))
            active[i] = True
    return active, fin & ~active


def _masks(df: pd.DataFrame) -> Dict[str, Any]:
    """Boolean Series per item field: the segments that carry it."""
    flags = df["flags"].fillna(0).astype("int64")
    # Past the fixed header (tshark stops at a header length below 20 bytes).
    whole = (df["flags"].notna() & (df["hdr_len"].fillna(0) >= 20)).to_numpy()
    out: Dict[str, Any] = {}
    for it in ITEMS:
        if it.flag is not None:
            out[it.field] = df[it.flag].to_numpy()
    out["tcp.connection.synack"] = ((flags & (_SYN | _ACK)) == (_SYN | _ACK)).to_numpy()
    out["tcp.connection.syn"] = ((flags & (_SYN | _ACK)) == _SYN).to_numpy()
    out["tcp.connection.fin"] = ((flags & _FIN) != 0).to_numpy()
    out["tcp.connection.rst"] = ((flags & _RST) != 0).to_numpy()
    for k in ("tcp.connection.synack", "tcp.connection.syn", "tcp.connection.fin", "tcp.connection.rst"):
        out[k] = out[k] & whole
    out["tcp.connection.fin_active"], out["tcp.connection.fin_passive"] = _fin_roles(df, out["tcp.connection.fin"])
    no_ack = ((flags & _ACK) == 0).to_numpy()
    out["tcp.ack.nonzero"] = whole & no_ack & (df["ack_raw"].fillna(0) != 0).to_numpy()
    no_urg = ((flags & _URG) == 0).to_numpy()
    out["tcp.urgent_pointer.non_zero"] = whole & no_urg & (df["urgent_ptr"].fillna(0) != 0).to_numpy()
    return out


# Texts that tshark completes per segment, so that its table has one row per variant:
# the server port of a SYN or SYN/ACK, the number of a duplicate ACK.
def _variants(field: str, df: pd.DataFrame, mask: Any) -> Optional[List[Tuple[str, Any]]]:
    sub = df[mask]
    if field == "tcp.connection.syn":
        key, fmt = sub["dport"], ": server port {}"
    elif field == "tcp.connection.synack":
        key, fmt = sub["sport"], ": server port {}"
    elif field == "tcp.analysis.duplicate_ack":
        key, fmt = sub["dup_ack_num"], " (#{})"
    else:
        return None
    vals = key.to_numpy(dtype="int64", na_value=0)
    frames = sub["frame"].to_numpy()
    out = []
    for v in sorted(set(vals.tolist())):
        out.append((fmt.format(v), frames[vals == v]))
    return out


def expert_table(df: pd.DataFrame, split: bool = False) -> List[Dict[str, Any]]:
    """The expert rows of a segments DataFrame (columns ``_COLUMNS_IN``), most severe
    first. With ``split``, the texts tshark completes per segment (the server port of a
    SYN, the number of a duplicate ACK) make one row each, as ``tshark -z expert`` prints."""
    masks = _masks(df)
    frames_all = df["frame"].to_numpy()
    rows: List[Dict[str, Any]] = []
    for it in ITEMS:
        mask = masks[it.field]
        n = int(mask.sum())
        if n == 0:
            continue
        parts = _variants(it.field, df, mask) if split else None
        if parts is None:
            parts = [("", frames_all[mask])]
        for suffix, frames in parts:
            rows.append({
                "severity": it.severity, "group": it.group, "protocol": "TCP",
                "summary": it.summary + suffix, "field": it.field, "count": int(len(frames)),
                "first_frames": [int(f) for f in frames[:FIRST_FRAMES]],
            })
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    rows.sort(key=lambda r: rank[r["severity"]])  # stable: Wireshark's item order within a severity
    return rows


def _read(path: PathLike, filter: Optional[str]) -> pd.DataFrame:
    """The columns the table needs, from the C column builder."""
    import warnings

    from ._core import CaptureTruncatedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CaptureTruncatedWarning)
        return segments(path, columns=_COLUMNS_IN, filter=filter)


def _read_partial(path: PathLike, filter: Optional[str]) -> Tuple[pd.DataFrame, Optional[CaptureError]]:
    """(columns, error): on a damaged capture, the segments before the damage (read one
    by one, the slow way, only then) and the CaptureError; else (columns, None)."""
    from ._core import CaptureError

    try:
        return _read(path, filter), None
    except CaptureError as e:
        err = e
    import warnings

    import pandas as pd

    from . import open as open_capture

    recs: List[Dict[str, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with open_capture(path, filter=filter) as cap:
                for seg in cap:
                    r = {"frame": seg.frame, "stream": seg.stream, "dir": seg.dir, "sport": seg.sport,
                         "dport": seg.dport, "flags": seg.flags, "hdr_len": seg.hdr_len,
                         "ack_raw": seg.ack_raw, "urgent_ptr": seg.urgent_ptr, "dup_ack_num": seg.dup_ack_num}
                    for f in ANALYSIS_FLAGS:
                        r[f] = f in seg.analysis
                    recs.append(r)
        except CaptureError:
            pass
    df = pd.DataFrame(recs, columns=_COLUMNS_IN)
    for c in ("stream", "dir", "sport", "dport", "flags", "hdr_len", "ack_raw", "urgent_ptr", "dup_ack_num"):
        df[c] = df[c].astype("UInt32")
    for f in ANALYSIS_FLAGS:
        df[f] = df[f].astype(bool)
    df["frame"] = df["frame"].astype("uint64")
    return df, err


@needs_extras("tcptrace.expert()")
def expert(path: PathLike, filter: Optional[str] = None, split: bool = False) -> pd.DataFrame:
    """Wireshark's Expert Information for the TCP segments of a capture, as a DataFrame.

    One row per expert item present: ``severity`` ("error", "warning", "note", "chat"),
    ``group`` ("Sequence"), ``protocol`` ("TCP"), ``summary`` (the text Wireshark
    shows), ``field`` (its display-filter name), ``count`` (segments that carry it) and
    ``first_frames`` (the first few frame numbers). Most severe first. With
    ``split=True`` the rows are tshark's: one per server port of SYN and SYN/ACK and
    one per duplicate-ACK number.
    """
    import pandas as pd

    rows = expert_table(_read(path, filter), split=split)
    return pd.DataFrame(rows, columns=COLUMNS)


def format_text(rows: Sequence[Dict[str, Any]], path: str = "") -> List[str]:
    """The table as text, grouped by severity as ``tshark -q -z expert`` groups it."""
    lines: List[str] = []
    for sev in SEVERITIES:
        group = [r for r in rows if r["severity"] == sev]
        if not group:
            continue
        total = sum(r["count"] for r in group)
        title = f"{_SECTION[sev]} ({total})"
        lines += ["", title, "=" * len(title),
                  f"{'Frequency':>12}  {'Group':>9}  {'Protocol':>8}  Summary  [first frames]"]
        for r in group:
            first = ", ".join(str(f) for f in r["first_frames"])
            more = ", ..." if r["count"] > len(r["first_frames"]) else ""
            lines.append(f"{r['count']:>12}  {r['group']:>9}  {r['protocol']:>8}  {r['summary']}  "
                         f"[{first}{more}]")
    if not lines:
        lines = ["", "No TCP expert information."]
    return lines[1:]


