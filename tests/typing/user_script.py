"""A user's script over the public API, type-checked by ``mypy --strict`` (listed in
[tool.mypy] files of pyproject.toml). It is never run by the test suite."""
from __future__ import annotations

import sys
from typing import Dict, Iterator, List, Optional

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import tcptrace
import tcptrace.plot
from tcptrace.streams import Conversation, Message, Payload


def busiest_stream(path: str) -> Optional[int]:
    sizes: Dict[int, int] = {}
    with tcptrace.open(path, filter="tcp") as cap:
        for seg in cap:
            frame: int = seg.frame
            src: Optional[str] = seg.src
            sport: Optional[int] = seg.sport
            flags: Optional[str] = seg.flags_str
            analysis: frozenset[str] = seg.analysis
            rtt: Optional[float] = seg.ack_rtt
            if seg.stream is not None:
                sizes[seg.stream] = sizes.get(seg.stream, 0) + (seg.len or 0)
            if analysis:
                why: List[str] = seg.explain()
                print(frame, src, sport, flags, rtt, seg.info, why)
        frames: int = cap.counters["frames"]
        print(cap.format, cap.linktype, frames)
    return max(sizes, key=lambda s: sizes[s]) if sizes else None


def report(path: str) -> None:
    df: pd.DataFrame = tcptrace.segments(path, columns=["frame", "stream", "len", "retransmission"])
    print(int(df["retransmission"].sum()))
    chunks: Iterator[pd.DataFrame] = tcptrace.segments(path, chunksize=10_000)
    print(sum(len(c) for c in chunks))

    conns: pd.DataFrame = tcptrace.connections(path)
    print(conns[["stream", "client", "server", "rtt_mean_c2s"]])

    with tcptrace.open(path) as cap:
        for conn in cap.connections():
            stream: int = conn.stream
            client: str = conn.client
            mss: Optional[int] = conn.mss_c2s
            rtt_mean: Optional[float] = conn.rtt_mean_c2s
            c2s: Payload = conn.payload("c2s")
            msgs: List[Message] = conn.messages()
            print(stream, client, mss, rtt_mean, len(c2s.data), c2s.complete, [m.kind for m in msgs])

    expert: pd.DataFrame = tcptrace.expert(path)
    print(expert[["severity", "summary", "count"]])

    messages: pd.DataFrame = tcptrace.messages(path)
    print(messages[["frame", "kind", "method", "uri", "status"]])


def draw(path: str, out: str) -> None:
    stream = busiest_stream(path)
    if stream is None:
        return
    conv: Conversation = tcptrace.follow(path, stream)
    request: bytes = conv.payload("c2s").data
    response: Payload = tcptrace.follow(path, stream, "s2c")
    print(len(request), len(response), [m.kind for m in conv.messages()])
    ax: Axes = tcptrace.plot.ladder(path, stream, limit=40, title=f"stream {stream}")
    fig = ax.figure
    assert isinstance(fig, Figure)
    fig.savefig(out)


if __name__ == "__main__":
    report(sys.argv[1])
    draw(sys.argv[1], sys.argv[2])
