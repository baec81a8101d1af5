"""The documentation site builds with mkdocs --strict (warnings are errors): every page
in the nav exists, every link and anchor resolves, every API reference is found, and
the plots of docs/plots.md are drawn."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def test_docs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    pytest.importorskip("matplotlib")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-4000:]
    site = tmp_path / "site"
    for page in ("getting-started", "api", "cli", "plots", "columns", "architecture", "compatibility"):
        assert (site / page / "index.html").exists(), page
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "time_sequence" in api and "Open a pcap or pcapng capture file" in api
    # Segment's attributes, the streams, live capture and the test helpers are documented
    for name in ("ws_multiplier", "time_rel", "tcptrace.follow", "tcptrace.messages", "DETAIL_FIELDS",
                 "assert_healthy", "LiveCapture"):
        assert name in api, name
    assert ":class:" not in api and ":func:" not in api  # Sphinx roles are shown as plain code
    cli = (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert "usage: tcptrace plot" in cli
    pngs = sorted(p.name for p in (site / "img").glob("*.png"))
    assert "ladder-seed.png" in pngs and "tsg-lossy.png" in pngs
    for p in (site / "img").glob("*.png"):
        assert p.read_bytes()[:4] == b"\x89PNG"



def test_every_markdown_table_has_its_header():
    """A blank line inside a table starts a new one without a header, which renders as
    raw '|' text (mkdocs --strict does not notice): every table's first row must be
    followed by its |---| separator row."""
    import re
    from pathlib import Path

    bad = []
    for page in sorted((Path(__file__).parent.parent / "docs").glob("*.md")):
        lines = page.read_text().splitlines()
        in_code = False
        for i, line in enumerate(lines):
            if line.startswith("```"):
                in_code = not in_code
            if in_code or not line.startswith("|"):
                continue
            starts_table = i == 0 or not lines[i - 1].startswith("|")
            if starts_table and not (i + 1 < len(lines) and re.match(r"^\|[\s:|-]+\|\s*$", lines[i + 1])):
                bad.append(f"{page.name}:{i + 1}: {line[:50]}")
    assert bad == []
