"""Assertions for tests: ``tcptrace.testing.assert_healthy(cap, ...)``.

    from tcptrace.testing import assert_healthy
    with tcptrace.capture("lo", filter="tcp port 8080") as cap:
        exercise_the_server()
    assert_healthy(cap, max_retransmissions=0, max_handshake_rtt=0.05)

The pytest plugin (``tcptrace.pytest_plugin``, registered as a pytest11 entry point)
offers the ``tcp_capture`` fixture.
"""
from __future__ import annotations

import os
from typing import Any, Iterable, List, Optional

from . import check as checkmod

#: Zeek states of a connection that opened and closed cleanly.
HEALTHY_STATES = ("SF",)


def _frame_of(cap: Any) -> Any:
    """A connections DataFrame from a LiveCapture, a Capture, a path or a DataFrame."""
    from .connections import connections
    from .live import LiveCapture

    if isinstance(cap, LiveCapture):
        return cap.connections_frame()
    if hasattr(cap, "columns") and hasattr(cap, "iloc"):
        return cap
    if isinstance(cap, (str, os.PathLike)):
        return connections(cap)
    path = getattr(cap, "path", None)
    if path is not None:
        return connections(path, filter=getattr(cap, "filter", None))
    raise TypeError(f"assert_healthy needs a capture, a path or a connections DataFrame, not {type(cap).__name__}")


def problems(cap: Any, max_retransmissions: Optional[int] = 0, max_handshake_rtt: Optional[float] = None,
             max_rtt: Optional[float] = None, max_dup_acks: Optional[int] = None,
             max_zero_windows: Optional[int] = 0, max_resets: Optional[int] = 0,
             states: Optional[Iterable[str]] = HEALTHY_STATES, min_connections: int = 1,
             max_connections: Optional[int] = None) -> List[str]:
    """What :func:`assert_healthy` would complain about, one sentence each (empty when
    healthy). A None limit is not checked."""
    t = checkmod.table(_frame_of(cap))
    n = int(t["connections"])
    out: List[str] = []
    if n < min_connections:
        out.append(f"expected at least {min_connections} connection(s), the capture has {n}")
    if max_connections is not None and n > max_connections:
        out.append(f"expected at most {max_connections} connection(s), the capture has {n}")
    allowed = tuple(states) if states is not None else None
    for i in range(n):
        who = (f"connection {t['stream'][i]} {checkmod.endpoint(t['client'][i], t['client_port'][i])} -> "
               f"{checkmod.endpoint(t['server'][i], t['server_port'][i])}")
        bad: List[str] = []
        for name, limit, what, secs in (
            ("retransmissions", max_retransmissions, "retransmissions", False),
            ("dup_acks", max_dup_acks, "duplicate ACKs", False),
            ("zero_windows", max_zero_windows, "zero windows", False),
            ("resets", max_resets, "resets", False),
            ("handshake_rtt", max_handshake_rtt, "handshake RTT", True),
            ("rtt_max", max_rtt, "largest RTT", True),
        ):
            if limit is None:
                continue
            v = t[name][i]
            if v == v and v > limit:  # NaN (no sample) is not over any limit
                bad.append(f"{what} {v:.6f} s > {limit} s" if secs else f"{what} {int(v)} > {limit}")
        if allowed is not None and t["state"][i] not in allowed:
            bad.append(f"state {t['state'][i]} (history {t['history'][i]}) not in {', '.join(allowed)}")
        if bad:
            out.append(f"{who}: " + "; ".join(bad))
    return out


def assert_healthy(cap: Any, max_retransmissions: Optional[int] = 0, max_handshake_rtt: Optional[float] = None,
                   max_rtt: Optional[float] = None, max_dup_acks: Optional[int] = None,
                   max_zero_windows: Optional[int] = 0, max_resets: Optional[int] = 0,
                   states: Optional[Iterable[str]] = HEALTHY_STATES, min_connections: int = 1,
                   max_connections: Optional[int] = None) -> None:
    """Raise AssertionError, listing every problem by connection, unless every
    connection of ``cap`` (a :func:`tcptrace.capture` result, a Capture, a path or a
    connections DataFrame) is healthy: at most the given retransmissions, duplicate
    ACKs, zero windows and resets (summed over both directions), handshake RTT and
    largest RTT sample (seconds), a Zeek state in ``states`` (default: SF, opened and
    closed with FINs), and between ``min_connections`` and ``max_connections``
    connections. A None limit is not checked."""
    found = problems(cap, max_retransmissions=max_retransmissions, max_handshake_rtt=max_handshake_rtt,
                     max_rtt=max_rtt, max_dup_acks=max_dup_acks, max_zero_windows=max_zero_windows,
                     max_resets=max_resets, states=states, min_connections=min_connections,
                     max_connections=max_connections)
    if found:
        raise AssertionError("unhealthy TCP exchange:\n  " + "\n  ".join(found))
