"""Wireshark field names over :class:`tcptrace.Segment`, formatted as tshark prints them.

``tcptrace fields -e NAME`` and :func:`row` use this table. Each field maps a segment
to a list of occurrences (strings); an empty list is an absent field, printed as
an empty cell, as ``tshark -T fields`` does.
"""
from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Optional, Sequence

from ._core import Segment

FieldFunc = Callable[[Segment], List[str]]

FIELDS: Dict[str, FieldFunc] = {}


def _field(name: str) -> Callable[[FieldFunc], FieldFunc]:
    def deco(fn: FieldFunc) -> FieldFunc:
        FIELDS[name] = fn
        return fn

    return deco


def _opt(value: Optional[int]) -> List[str]:
    return [] if value is None else [str(value)]


def _simple(name: str, attr: str) -> None:
    FIELDS[name] = lambda s: _opt(getattr(s, attr))


def format_time_ns(ns: int) -> str:
    """Nanoseconds as tshark prints a relative time: seconds with 9 decimals."""
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    return f"{sign}{ns // 1_000_000_000}.{ns % 1_000_000_000:09d}"


@_field("frame.number")
def _frame_number(s: Segment) -> List[str]:
    return [str(s.frame)]


@_field("frame.time_relative")
def _frame_time_relative(s: Segment) -> List[str]:
    return [format_time_ns(s.time_rel_ns)]


@_field("frame.time_epoch")
def _frame_time_epoch(s: Segment) -> List[str]:
    return [format_time_ns(s.time_ns)]


_simple("frame.len", "wirelen")
_simple("frame.cap_len", "caplen")


def _ip_field(version: int, index: int) -> FieldFunc:
    def fn(s: Segment) -> List[str]:
        return [layer[index] for layer in s.ip_layers if layer[0] == version]

    return fn


FIELDS["ip.src"] = _ip_field(4, 1)
FIELDS["ip.dst"] = _ip_field(4, 2)
FIELDS["ipv6.src"] = _ip_field(6, 1)
FIELDS["ipv6.dst"] = _ip_field(6, 2)

_simple("tcp.srcport", "sport")
_simple("tcp.dstport", "dport")
_simple("tcp.seq_raw", "seq_raw")
_simple("tcp.ack_raw", "ack_raw")
_simple("tcp.len", "len")
_simple("tcp.hdr_len", "hdr_len")
_simple("tcp.urgent_pointer", "urgent_ptr")
_simple("tcp.window_size_value", "window_raw")
_simple("tcp.options.mss_val", "mss")
_simple("tcp.options.wscale.shift", "ws")
_simple("tcp.options.timestamp.tsval", "tsval")
_simple("tcp.options.timestamp.tsecr", "tsecr")


@_field("tcp.flags")
def _tcp_flags(s: Segment) -> List[str]:
    return [] if s.flags is None else [f"0x{s.flags:04x}"]


@_field("tcp.options.wscale.multiplier")
def _wscale_multiplier(s: Segment) -> List[str]:
    # Wireshark caps the shift at 14 (RFC 7323 2.3) when computing the multiplier.
    return [] if s.ws is None else [str(1 << min(s.ws, 14))]


# ---- Conversation and sequence analysis (csrc/analysis.c) ----

_simple("tcp.stream", "stream")
_simple("tcp.seq", "seq")
_simple("tcp.ack", "ack")
_simple("tcp.nxtseq", "next_seq")
_simple("tcp.window_size", "window")
_simple("tcp.window_size_scalefactor", "ws_multiplier")
_simple("tcp.analysis.duplicate_ack_num", "dup_ack_num")
_simple("tcp.analysis.duplicate_ack_frame", "dup_ack_frame")
_simple("tcp.analysis.acks_frame", "acks_frame")
_simple("tcp.analysis.bytes_in_flight", "bytes_in_flight")
_simple("tcp.analysis.push_bytes_sent", "push_bytes_sent")
_simple("tcp.completeness", "completeness")


def _flag_field(flag: str) -> FieldFunc:
    # tshark prints an expert-info flag that is present as 1.
    return lambda s: ["1"] if flag in s.analysis else []


for _flag in ("retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
              "lost_segment", "ack_lost_segment", "duplicate_ack", "zero_window", "zero_window_probe",
              "zero_window_probe_ack", "keep_alive", "keep_alive_ack", "window_update", "window_full",
              "reused_ports"):
    FIELDS[f"tcp.analysis.{_flag}"] = _flag_field(_flag)


def _time_field(attr: str) -> FieldFunc:
    def fn(s: Segment) -> List[str]:
        v = getattr(s, attr)
        return [] if v is None else [format_time_ns(v)]

    return fn


FIELDS["tcp.analysis.ack_rtt"] = _time_field("ack_rtt_ns")
FIELDS["tcp.analysis.initial_rtt"] = _time_field("initial_rtt_ns")
FIELDS["tcp.time_relative"] = _time_field("time_since_first_ns")
FIELDS["tcp.time_delta"] = _time_field("time_since_prev_ns")
FIELDS["tcp.options.sack_le"] = lambda s: [str(le) for le, _ in s.sack_rel]
FIELDS["tcp.options.sack_re"] = lambda s: [str(re) for _, re in s.sack_rel]
FIELDS["_ws.col.Info"] = lambda s: [s.info]


def known_fields() -> List[str]:
    return sorted(FIELDS)


def check_fields(names: Iterable[str]) -> None:
    """Raise ValueError naming every unknown field."""
    bad = [n for n in names if n not in FIELDS]
    if bad:
        import difflib

        hints = []
        for b in bad:
            close = difflib.get_close_matches(b, FIELDS.keys(), n=3)
            hints.append(f"{b!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
        raise ValueError("unknown field: " + "; ".join(hints))


def row(seg: Segment, names: Sequence[str], occurrence: str = "a", aggregator: str = ",") -> List[str]:
    """The cells of one segment for the named fields, as ``tshark -T fields`` prints them."""
    out = []
    for n in names:
        values = FIELDS[n](seg)
        if not values:
            out.append("")
        elif occurrence == "f":
            out.append(values[0])
        elif occurrence == "l":
            out.append(values[-1])
        elif occurrence == "a":
            out.append(aggregator.join(values))
        else:
            i = int(occurrence) - 1
            out.append(values[i] if 0 <= i < len(values) else "")
    return out
