"""``tcptrace plot``: draw one stream of a capture to a PNG, SVG or PDF file."""
from __future__ import annotations

import argparse
import os
import re
import sys
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence, Tuple, cast

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


def _pair(text: str, kind: type) -> Tuple[Any, Any]:
    """``"A-B"`` (or ``A:B``, ``A,B``) -> (kind(A), kind(B))."""
    parts = re.split(r"[:,]|(?<=[0-9.])-", text.strip(), maxsplit=1)
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected A-B, got {text!r}")
    try:
        return kind(parts[0]), kind(parts[1])
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"expected A-B, got {text!r}") from e


def cmd_plot(argv: Sequence[str]) -> int:
    """Parse ``tcptrace plot`` arguments, draw, and save; returns the exit status."""
    from .plot import KINDS

    ap = argparse.ArgumentParser(
        prog="tcptrace plot",
        description="Draw a picture of one TCP stream: tsg (time-sequence graph), ladder (flow graph), "
                    "rtt, throughput, window.")
    ap.add_argument("capture")
    ap.add_argument("-s", "--stream", type=int, metavar="N",
                    help="the TCP stream (tcp.stream); default: the one that carried the most bytes")
    ap.add_argument("-k", "--kind", default="tsg", choices=KINDS, help="what to draw (default tsg)")
    ap.add_argument("-o", "--output", metavar="FILE",
                    help="output file; .png, .svg or .pdf (default CAPTURE-sN-KIND.png in the current folder)")
    ap.add_argument("-f", "--filter", help="BPF filter, as libpcap compiles it")
    ap.add_argument("-d", "--direction", help="data direction: c2s or s2c (default: the one with more bytes)")
    ap.add_argument("--style", choices=("tcptrace", "stevens"), default="tcptrace", help="tsg style")
    ap.add_argument("--time", metavar="T0-T1", type=lambda s: _pair(s, float),
                    help="only this time window (seconds since the capture began)")
    ap.add_argument("--frames", metavar="A-B", type=lambda s: _pair(s, int), help="ladder: only these frames")
    ap.add_argument("--limit", type=int, default=60, help="ladder: at most this many segments (default 60)")
    ap.add_argument("--dpi", type=int, default=120, help="resolution of PNG output (default 120)")
    a = ap.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plot as tp
    from ._input import rereadable

    with rereadable(a.capture) as path:  # the ladder reads the capture twice
        return _draw(a, ap, tp, plt, path)


def _draw(a: argparse.Namespace, ap: argparse.ArgumentParser, tp: Any, plt: Any, path: str) -> int:
    df = tp.load(path, filter=a.filter)
    _sub, stream = tp._pick_stream(df, a.stream)
    kw: Dict[str, Any] = {}
    if a.time is not None:
        kw["time"] = a.time
    if a.kind == "ladder":
        kw["limit"] = a.limit
        if a.frames is not None:
            kw["frames"] = a.frames
    else:
        if a.frames is not None:
            ap.error("--frames applies to --kind ladder; use --time for the other kinds")
        if a.direction is not None:
            kw["direction"] = a.direction
    if a.kind == "tsg":
        kw["style"] = a.style
    ax = tp.plot(df, stream, kind=a.kind, **kw)
    out: Optional[str] = a.output
    if out is None:
        stem = os.path.splitext(os.path.basename(a.capture))[0]
        out = f"{stem}-s{stream}-{a.kind}.png"
    fig = cast("Figure", ax.figure)
    fig.savefig(out, dpi=a.dpi)
    plt.close(fig)
    sys.stdout.write(f"{out}\n")
    return 0
