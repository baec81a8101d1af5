"""Why a segment was flagged: one sentence per analysis flag.

Each sentence names the rule of Wireshark's TCP analysis that fired
(``docs/expert.md`` lists them) and the values that decided it, taken from what the C
analysis recorded while it classified the segment (``Segment._evidence()``): the
sender's next expected sequence number, the receiver's last ACK and window, the
duplicate-ACK count, the time since the earlier segment and the threshold. Numbers are
relative, as Wireshark shows them.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from . import _core
from ._core import Segment

# The order sentences come in: the order of the Info column's labels.
ORDER = (
    "reused_ports", "zero_window_probe", "zero_window_probe_ack", "zero_window", "window_full",
    "lost_segment", "ack_lost_segment", "keep_alive", "keep_alive_ack", "window_update",
    "duplicate_ack", "spurious_retransmission", "fast_retransmission", "out_of_order",
    "retransmission",
)

# A short title per flag, as the sentences begin (csrc/analysis_flags.h).
TITLES = {name: title for name, _field, _label, _sev, _summary, title in _core.analysis_flags()}

_ARROW = "\u2192"
_SYN, _FIN, _RST = 0x002, 0x001, 0x004


def _ms(ns: int) -> str:
    """A duration for a person: milliseconds, three decimals (microseconds)."""
    return f"{ns / 1e6:.3f} ms"


def _bytes(n: int) -> str:
    return f"{n} byte" if n == 1 else f"{n} bytes"


class _Ctx:
    """The values one segment's sentences draw on."""

    def __init__(self, seg: Segment, ev: Dict[str, Any]) -> None:
        self.seg = seg
        self.ev = ev
        self.fwd = f"{seg.sport} {_ARROW} {seg.dport}"
        self.rev = f"{seg.dport} {_ARROW} {seg.sport}"
        # only TCP segments carry analysis flags, and every TCP segment has a seq and an ack
        assert seg.seq is not None and seg.ack is not None
        self.seq: int = seg.seq
        self.ack: int = seg.ack
        self.len = int(ev["seglen"])
        flags = seg.flags or 0
        self.end = (self.seq + self.len + (1 if flags & (_SYN | _FIN) else 0)) & 0xFFFFFFFF
        self.data_end = (self.seq + self.len) & 0xFFFFFFFF
        self.what = self._what(flags)

    def _what(self, flags: int) -> str:
        if self.len:
            return f"the data ({_bytes(self.len)})"
        if flags & _SYN:
            return "its SYN"
        if flags & _FIN:
            return "its FIN"
        return "it"


def _retrans_why_not_ooo(c: _Ctx) -> str:
    ev = c.ev
    since, thr = int(ev["since_nextseq_ns"]), int(ev["ooo_threshold_ns"])
    if c.end == ev["nextseq"]:
        return (f"it ends exactly at the next expected seq, so it repeats the latest segment "
                f"(frame {ev['nextseq_frame']})")
    if 0 <= since < thr:
        return f"it came {_ms(since)} after frame {ev['nextseq_frame']}"
    return (f"it came {_ms(since)} after frame {ev['nextseq_frame']}, which set that, later than the "
            f"out-of-order threshold of {_ms(thr)}")


def _s_retransmission(c: _Ctx) -> str:
    s = c.seg.analysis
    if "fast_retransmission" in s:
        return "Retransmission: every fast retransmission is also a retransmission (see above)."
    if "spurious_retransmission" in s:
        return "Retransmission: every spurious retransmission is also a retransmission (see above)."
    ev = c.ev
    acked = ev["rev_lastack"]
    acked_txt = (f"the last ACK from {c.rev} was {acked}" if acked
                 else f"{c.rev} had acknowledged nothing yet")
    return (f"Retransmission: seq {c.seq} is below the next expected seq {ev['nextseq']} of {c.fwd}, "
            f"and {c.what} was not yet acknowledged ({acked_txt}); {_retrans_why_not_ooo(c)}.")


def _s_fast_retransmission(c: _Ctx) -> str:
    ev = c.ev
    if int(ev["rev_dupacks"]) < 0:
        # Wireshark's counter is unsigned: the -1 an ACKed unseen segment leaves is ">= 2".
        repeated = (f"that {c.rev} last sent, whose duplicate-ACK count an ACKed unseen segment had set "
                    f"to -1, which Wireshark (counting without a sign) takes as 2 or more")
    else:
        repeated = f"that {c.rev} had repeated in {ev['rev_dupacks']} duplicate ACKs (2 or more needed)"
    return (f"Fast retransmission: seq {c.seq} is below the next expected seq {ev['nextseq']} of {c.fwd} "
            f"and equals the ack {ev['rev_lastack']} {repeated}, and it came "
            f"{_ms(int(ev['since_rev_ack_ns']))} after that ACK (within {_ms(int(ev['fast_threshold_ns']))}).")


def _s_spurious_retransmission(c: _Ctx) -> str:
    ev = c.ev
    return (f"Spurious retransmission: the data ends at seq {c.data_end}, and {c.rev} had already "
            f"acknowledged up to {ev['rev_lastack']}, so every byte of it had arrived: it was sent again "
            f"needlessly.")


def _s_out_of_order(c: _Ctx) -> str:
    ev = c.ev
    thr = int(ev["ooo_threshold_ns"])
    basis = "the initial RTT" if thr != 3_000_000 else "the default, no initial RTT known"
    return (f"Out-of-order: seq {c.seq} is below the next expected seq {ev['nextseq']} of {c.fwd}, but it "
            f"came only {_ms(int(ev['since_nextseq_ns']))} after frame {ev['nextseq_frame']}, which set that, "
            f"within the out-of-order threshold of {_ms(thr)} ({basis}): a segment overtaken on the way "
            f"rather than sent again.")


def _s_lost_segment(c: _Ctx) -> str:
    ev = c.ev
    gap = (c.seq - int(ev["nextseq"])) & 0xFFFFFFFF
    return (f"Previous segment not captured: seq {c.seq} is beyond the next expected seq {ev['nextseq']} "
            f"of {c.fwd}, so {_bytes(gap)} sent before it are missing from the capture.")


def _s_ack_lost_segment(c: _Ctx) -> str:
    ev = c.ev
    gap = (int(c.ack) - int(ev["rev_maxseq"])) & 0xFFFFFFFF
    return (f"ACKed unseen segment: ack {c.ack} acknowledges data beyond seq {ev['rev_maxseq']}, the end of "
            f"what the capture saw {c.rev} send without a gap, so {_bytes(gap)} it sent were not captured.")


def _s_duplicate_ack(c: _Ctx) -> str:
    seg = c.seg
    ev = c.ev
    num = seg.dup_ack_num
    ref = seg.dup_ack_frame
    count = f"duplicate #{num} of the ACK in frame {ref}" if num else "a duplicate"
    head = (f"Duplicate ACK: an empty segment (no SYN, FIN or RST) that repeats ack {c.ack}, window field "
            f"{ev['window_raw']} and seq {c.seq} of the previous segment of {c.fwd}; it is {count}. ")
    sent_past = (int(ev["rev_nextseq"]) - c.ack) & 0xFFFFFFFF
    if ev.get("nextseq_known") and 0 < sent_past < 0x80000000:
        # what the capture saw the other side send says which reading holds
        return head + (f"The capture saw {c.rev} send up to seq {ev['rev_nextseq']} (frame "
                       f"{ev['rev_last_frame']}), past {c.ack}: either those bytes had not reached the "
                       f"receiver when it sent this, or it repeated its ACK for another reason (two ACKs "
                       f"for one arrival, a window probe's answer).")
    # RFC 5681 §4.2: an out-of-order arrival draws an immediate duplicate ACK
    return head + (f"A receiver repeats its ACK at once when a segment arrives beyond a hole (RFC 5681 "
                   f"§4.2), asking {c.rev} for the data at {c.ack}.")


def _s_zero_window(c: _Ctx) -> str:
    return (f"Zero window: {c.fwd} advertises a receive window of 0 (no SYN, FIN or RST), so {c.rev} "
            f"must stop sending data until the window opens.")


def _s_zero_window_probe(c: _Ctx) -> str:
    ev = c.ev
    return (f"Zero-window probe: {_bytes(c.len)} at the next expected seq {ev['nextseq']} of {c.fwd}, sent "
            f"while {c.rev}'s last advertised window was 0, to learn whether the window has opened.")


def _s_zero_window_probe_ack(c: _Ctx) -> str:
    ev = c.ev
    return (f"Zero-window probe ACK: an empty segment that repeats ack {c.ack} and the zero window right "
            f"after {c.rev}'s zero-window probe (frame {ev['rev_last_frame']}): the window is still closed.")


def _s_keep_alive(c: _Ctx) -> str:
    ev = c.ev
    return (f"Keep-alive: {_bytes(c.len)} at seq {c.seq}, one below the next expected seq {ev['nextseq']} "
            f"of {c.fwd} (no SYN, FIN or RST): a byte already sent, repeated only to get an ACK back "
            f"and show the connection is alive.")


def _s_keep_alive_ack(c: _Ctx) -> str:
    ev = c.ev
    return (f"Keep-alive ACK: an empty segment that repeats ack {c.ack} and window field {ev['window_raw']} "
            f"right after {c.rev}'s keep-alive (frame {ev['rev_last_frame']}), answering it.")


def _s_window_update(c: _Ctx) -> str:
    ev = c.ev
    prev = ev["prev_window"]
    return (f"Window update: an empty segment with the same seq {c.seq} and ack {c.ack} as the previous "
            f"segment of {c.fwd}; only the window changed, window field {prev} {_ARROW} {ev['window_raw']} "
            f"(calculated window {c.seg.window}).")


def _s_window_full(c: _Ctx) -> str:
    ev = c.ev
    edge = (int(ev["rev_lastack"]) + int(ev["rev_window_scaled"])) & 0xFFFFFFFF
    scale = f", window field {ev['rev_window']} << {ev['rev_shift']}" if ev["rev_shift"] else ""
    return (f"Window full: the data ends at seq {c.data_end}, exactly the right edge of the window "
            f"that {c.rev} advertised: its ack {ev['rev_lastack']} + window {ev['rev_window_scaled']}{scale} "
            f"= {edge}; {c.fwd} may send nothing more until {c.rev} acknowledges or opens the window.")


def _s_reused_ports(c: _Ctx) -> str:
    ev = c.ev
    seg = c.seg
    flags = seg.flags or 0
    if (flags & 0x012) == 0x012:
        return (f"Port numbers reused: this SYN/ACK of {c.fwd} carries the initial sequence number "
                f"{seg.seq_raw}, not {ev['old_isn']} as this side's earlier SYN/ACK did, so it answers a new "
                f"connection on the same ports.")
    return (f"Port numbers reused: this SYN of {c.fwd} carries the initial sequence number {seg.seq_raw}, "
            f"not {ev['old_isn']} as the earlier connection on the same addresses and ports "
            f"(stream {ev['old_stream']}) did, so it starts a new connection, stream {seg.stream}.")


_SENTENCES = {name: globals()[f"_s_{name}"] for name in ORDER}


def explain(seg: Segment) -> List[str]:
    """One sentence per analysis flag of ``seg`` (``seg.analysis``), saying which rule set it
    and with which values; [] when the segment has no flag."""
    flags = seg.analysis
    if not flags:
        return []
    ev: Optional[Dict[str, Any]] = seg._evidence()
    if ev is None:  # pragma: no cover - flags need the analysis, which records evidence
        return [f"{TITLES[f]}: set by the analysis." for f in ORDER if f in flags]
    c = _Ctx(seg, ev)
    return [_SENTENCES[f](c) for f in ORDER if f in flags]
