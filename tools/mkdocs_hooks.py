"""mkdocs hooks: the pictures of docs/plots.md are drawn from the example captures at
build time (so they always show what the code draws), and docs/cli.md gets the
``--help`` of every subcommand."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from typing import Any, Callable, Dict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "examples", "http_get_example_com.pcap")
LOSS = os.path.join(ROOT, "tests", "data", "bulk_loss1pct_snap96.pcap")


def _pictures() -> Dict[str, Callable[[], Any]]:
    import tcptrace.plot as tp

    return {
        "img/ladder-seed.png": lambda: tp.ladder(SEED, 0, messages={4: "GET /", 7: "200 OK"}),
        "img/tsg-lossy.png": lambda: tp.time_sequence(LOSS, 0),
        "img/tsg-lossy-zoom.png": lambda: tp.time_sequence(LOSS, 0, time=(0.06, 0.075)),
        "img/tsg-stevens.png": lambda: tp.time_sequence(LOSS, 0, style="stevens"),
        "img/ladder-lossy.png": lambda: tp.ladder(LOSS, 0, frames=(193, 207)),
        "img/rtt-lossy.png": lambda: tp.rtt(LOSS, 0),
        "img/throughput-lossy.png": lambda: tp.throughput(LOSS, 0),
        "img/window-lossy.png": lambda: tp.window(LOSS, 0),
    }


def on_files(files: Any, config: Any) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from mkdocs.structure.files import File

    for name, draw in _pictures().items():
        ax = draw()
        buf = io.BytesIO()
        ax.figure.savefig(buf, format="png", dpi=90)
        plt.close(ax.figure)
        files.append(File.generated(config, name, content=buf.getvalue()))
    return files


def _help(sub: str) -> str:
    args = [sys.executable, "-m", "tcptrace"] + ([] if sub == "" else [sub]) + ["--help"]
    env = dict(os.environ, COLUMNS="100")
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT).stdout.rstrip()


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != "cli.md" or "<!-- cli-help -->" not in markdown:
        return markdown
    from tcptrace.cli import SUBCOMMANDS

    blocks = [f"### `tcptrace`\n\n```text\n{_help('')}\n```\n"]
    for sub in SUBCOMMANDS:
        blocks.append(f"### `tcptrace {sub}`\n\n```text\n{_help(sub)}\n```\n")
    return markdown.replace("<!-- cli-help -->", "\n".join(blocks))


_ROLE = re.compile(r":(?:class|func|data|meth|mod|attr|exc):(?=<code>)")


def on_post_page(html: str, page: Any, config: Any) -> str:
    """Docstrings use Sphinx roles (:class:`Segment`); show them as plain code."""
    return _ROLE.sub("", html)
