"""Which `tcptrace fields` (tshark -T fields) field each `segments()` column equals, and how
the field's text becomes the column's value.

One table, used by tests/test_frames_fields.py and tools/frame_sweep.py through
tests/frame_compare.py. A column's value is compared in the normalised form of
frame_compare.column_values: int, float, bool, str, or None where absent.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, NamedTuple, Sequence, Tuple

import tcptrace
from tcptrace.frames import FLAG_BITS


class OneOf:
    """An expected value the text cannot pin down to one: equal to any of these.

    Only for a packet with both an IPv4 and an IPv6 layer (4-in-6, 6-in-4): `ip.src` and
    `ipv6.src` list every layer outer-first, but the two lists do not say which family is
    innermost, which is what the `src`/`dst`/`ip_version` columns hold."""

    def __init__(self, *values: Any) -> None:
        self.values = values

    def __eq__(self, other: object) -> bool:
        return other in self.values

    def __hash__(self) -> int:  # pragma: no cover - never hashed, defined for __eq__
        return hash(self.values)

    def __repr__(self) -> str:
        return "OneOf" + repr(self.values)


def _uint(cell: str) -> Any:
    return int(cell) if cell else None


def _ns(cell: str) -> Any:
    """tshark's 'S.NNNNNNNNN' (maybe negative) as integer nanoseconds: exact, no float."""
    if not cell:
        return None
    sign = -1 if cell.startswith("-") else 1
    sec, _, frac = cell.lstrip("-").partition(".")
    return sign * (int(sec) * 1_000_000_000 + int(frac.ljust(9, "0")[:9]))


def _seconds(cell: str) -> Any:
    # The DataFrame divides the same integer ns by 1e9 (IEEE-exact rounding), so equal.
    ns = _ns(cell)
    return None if ns is None else ns / 1e9


# tshark 4.0.17's names of the tcp.option_kind values (`tshark -G values`).
OPTION_KIND_NAMES = {
    0: "End of Option List", 1: "No-Operation", 2: "Maximum Segment Size", 3: "Window Scale", 4: "SACK Permitted",
    5: "SACK", 6: "Echo", 7: "Echo Reply", 8: "Time Stamp Option", 9: "Partial Order Connection Permitted",
    10: "Partial Order Service Profile", 11: "CC", 12: "CC.NEW", 13: "CC.ECHO",
    14: "TCP Alternate Checksum Request", 15: "TCP Alternate Checksum Data", 16: "Skeeter", 17: "Bubba",
    18: "Trailer Checksum Option", 19: "MD5 Signature Option", 20: "SCPS Capabilities",
    21: "Selective Negative Acknowledgements", 22: "Record Boundaries", 23: "Corruption experienced", 24: "SNAP",
    25: "Unassigned", 26: "TCP Compression Filter", 27: "Quick-Start Response", 28: "User Timeout Option",
    29: "The TCP Authentication Option", 30: "Multipath TCP", 34: "TCP Fast Open Cookie", 76: "Riverbed Probe",
    78: "Riverbed Transparency", 172: "Accurate ECN Order 0", 174: "Accurate ECN Order 1",
    253: "RFC3692-style Experiment 1", 254: "RFC3692-style Experiment 2",
}


def _option_names(cell: str) -> Any:
    """tcp.option_kind's numbers ("2,4,8") as the option_names column names them."""
    if not cell:
        return None
    return ", ".join(OPTION_KIND_NAMES.get(int(k), f"Unknown ({k})") for k in cell.split(","))


def _hex(cell: str) -> Any:
    return int(cell, 16) if cell else None


def _flag_bit(bit: int) -> Callable[[str], Any]:
    # A header cut by the snaplen has no tcp.flags: the boolean column is then False.
    return lambda cell: bool(int(cell, 16) & bit) if cell else False


def _present(cell: str) -> Any:
    """An expert-info flag: tshark prints 1 when set, nothing otherwise."""
    if cell not in ("", "1"):
        return cell  # anything else cannot equal a bool: reported as a difference
    return cell == "1"


def _count(cell: str) -> Any:
    return len(cell.split(",")) if cell else 0


def _analysis_mask(*cells: str) -> Any:
    return sum(1 << i for i, c in enumerate(cells) if c == "1")


def _last(cell: str) -> str:
    return cell.rsplit(",", 1)[-1]


def _address(v4: str, v6: str) -> Any:
    """The innermost address: the last of the only family present; either when both are."""
    if v4 and v6:
        return OneOf(_last(v4), _last(v6))
    return _last(v4 or v6) if (v4 or v6) else None


def _ip_version(v4: str, v6: str) -> Any:
    if v4 and v6:
        return OneOf(4, 6)
    return 4 if v4 else 6 if v6 else None


def _first(cell: str) -> Any:
    return cell.split(",", 1)[0] if cell else None


def _inner(conv: Callable[[str], Any], family: int, other: Any = None) -> Callable[[str, str], Any]:
    """A field of the innermost IP layer when it is of `family` (cells: that family's
    field, then the other family's src): `other` when it is of the other family, either
    when both are present (the lists do not say which is innermost)."""
    def convert(mine: str, theirs: str) -> Any:
        if mine and theirs:
            return OneOf(conv(_last(mine)), other)
        return conv(_last(mine)) if mine else other
    return convert


def _hop_limit(ttl: str, hlim: str) -> Any:
    """The innermost layer's TTL or hop limit, either when both families are present."""
    if ttl and hlim:
        return OneOf(int(_last(ttl)), int(_last(hlim)))
    return int(_last(ttl or hlim)) if (ttl or hlim) else None


ANY_BYTE = OneOf(*range(256))  # a v6 traffic class part, no field of this set shows it


class Mapping(NamedTuple):
    column: str
    fields: Tuple[str, ...]  # their cells are the arguments of convert, in this order
    convert: Callable[..., Any]


def _same(column: str, field: str, convert: Callable[[str], Any] = _uint) -> Mapping:
    return Mapping(column, (field,), convert)


AF_FIELDS = tuple(f"tcp.analysis.{name}" for name in tcptrace.ANALYSIS_FLAGS)

FIELD_MAP: List[Mapping] = [
    _same("frame", "frame.number"),
    _same("time", "frame.time_epoch", _ns),
    _same("time_ns", "frame.time_epoch", _ns),
    _same("time_rel", "frame.time_relative", _seconds),
    _same("time_rel_ns", "frame.time_relative", _ns),
    _same("caplen", "frame.cap_len"),
    _same("wirelen", "frame.len"),
    Mapping("ip_version", ("ip.src", "ipv6.src"), _ip_version),
    Mapping("src", ("ip.src", "ipv6.src"), _address),
    Mapping("dst", ("ip.dst", "ipv6.dst"), _address),
    _same("sport", "tcp.srcport"),
    _same("dport", "tcp.dstport"),
    _same("stream", "tcp.stream"),
    _same("seq", "tcp.seq"),
    _same("ack", "tcp.ack"),
    _same("next_seq", "tcp.nxtseq"),
    _same("seq_raw", "tcp.seq_raw"),
    _same("ack_raw", "tcp.ack_raw"),
    _same("len", "tcp.len"),
    _same("hdr_len", "tcp.hdr_len"),
    _same("flags", "tcp.flags", _hex),
    *[_same(f"flag_{name}", "tcp.flags", _flag_bit(bit)) for name, bit in FLAG_BITS.items()],
    _same("window_raw", "tcp.window_size_value"),
    _same("window", "tcp.window_size"),
    _same("ws_multiplier", "tcp.window_size_scalefactor", lambda c: int(c) if c else None),
    _same("urgent_ptr", "tcp.urgent_pointer"),
    _same("mss", "tcp.options.mss_val"),
    _same("ws", "tcp.options.wscale.shift"),
    _same("tsval", "tcp.options.timestamp.tsval"),
    _same("tsecr", "tcp.options.timestamp.tsecr"),
    _same("n_sack", "tcp.options.sack_le", _count),
    _same("n_sack", "tcp.options.sack_re", _count),
    *[_same(name, field, _present) for name, field in zip(tcptrace.ANALYSIS_FLAGS, AF_FIELDS)],
    Mapping("analysis_flags", AF_FIELDS, _analysis_mask),
    _same("dup_ack_num", "tcp.analysis.duplicate_ack_num"),
    _same("dup_ack_frame", "tcp.analysis.duplicate_ack_frame"),
    _same("acks_frame", "tcp.analysis.acks_frame"),
    _same("ack_rtt", "tcp.analysis.ack_rtt", _seconds),
    _same("ack_rtt_ns", "tcp.analysis.ack_rtt", _ns),
    _same("initial_rtt", "tcp.analysis.initial_rtt", _seconds),
    _same("initial_rtt_ns", "tcp.analysis.initial_rtt", _ns),
    _same("bytes_in_flight", "tcp.analysis.bytes_in_flight"),
    _same("push_bytes_sent", "tcp.analysis.push_bytes_sent"),
    _same("time_since_first", "tcp.time_relative", _seconds),
    _same("time_since_first_ns", "tcp.time_relative", _ns),
    _same("time_since_prev", "tcp.time_delta", _seconds),
    _same("time_since_prev_ns", "tcp.time_delta", _ns),
    _same("completeness", "tcp.completeness"),
    _same("sack_perm", "tcp.options.sack_perm", lambda c: c != ""),
    _same("time_delta", "frame.time_delta", _seconds),
    _same("time_delta_ns", "frame.time_delta", _ns),
    _same("time_delta_displayed", "frame.time_delta_displayed", _seconds),
    _same("eth_src", "eth.src", _first),
    _same("eth_dst", "eth.dst", _first),
    _same("vlan_id", "vlan.id", lambda c: _uint(_first(c) or "")),
    Mapping("ttl", ("ip.ttl", "ipv6.hlim"), _hop_limit),
    Mapping("ip_id", ("ip.id", "ipv6.src"), _inner(_hex, 4)),
    Mapping("ip_df", ("ip.flags.df", "ipv6.src"), _inner(lambda c: c == "1", 4, False)),
    Mapping("ip_checksum", ("ip.checksum", "ipv6.src"), _inner(_hex, 4)),
    Mapping("ip_len", ("ip.len", "ipv6.src"), _inner(_uint, 4)),
    Mapping("dscp", ("ip.dsfield.dscp", "ipv6.src"), _inner(_uint, 4, ANY_BYTE)),
    Mapping("ecn", ("ip.dsfield.ecn", "ipv6.src"), _inner(_uint, 4, ANY_BYTE)),
    Mapping("ip_hdr_len", ("ip.hdr_len", "ipv6.src"), _inner(_uint, 4, OneOf(*range(40, 65536, 8)))),
    Mapping("ip_proto", ("ip.proto", "ipv6.src"), _inner(_uint, 4, ANY_BYTE)),
    Mapping("ipv6_flow", ("ipv6.flow", "ip.src"), _inner(_hex, 6)),
    Mapping("ipv6_nxt", ("ipv6.nxt", "ip.src"), _inner(_uint, 6)),
    _same("checksum", "tcp.checksum", _hex),
    _same("payload", "tcp.payload", lambda c: c or None),
    _same("options", "tcp.options", lambda c: c if c and c != "<MISSING>" else None),
    _same("info", "_ws.col.Info", str),
    _same("option_names", "tcp.option_kind", _option_names),
]

# Columns no tshark field carries: checked against the Segment iteration only.
NO_FIELD = {"dir": "client/server side, tcptrace's own",
            "anomalies": "tcptrace's decoder anomalies, no tshark field",
            "flags_str": "the flag names of Info's [...] (tcp.flags.str is the dotted form): test_text_columns"}


def fields_needed(mappings: Sequence[Mapping] = FIELD_MAP) -> List[str]:
    """The field names to ask `tcptrace fields` for, each once, in first-use order."""
    names: Dict[str, None] = {}
    for m in mappings:
        for f in m.fields:
            names[f] = None
    return list(names)
