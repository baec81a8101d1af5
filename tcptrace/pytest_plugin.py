"""pytest plugin (entry point ``pytest11: tcptrace``): the ``tcp_capture`` fixture.

    def test_server(tcp_capture):
        with tcp_capture(filter="tcp port 8080") as cap:     # interface "lo" by default
            talk_to_the_server()
        tcptrace.testing.assert_healthy(cap)

``tcp_capture(interface="lo", filter=None, snaplen=0, path=None, settle=0.1)`` returns a
started :class:`tcptrace.live.LiveCapture`; leaving the ``with`` block (or the end of
the test) stops it. Without the capture privilege the test is skipped with the reason,
unless ``--tcp-capture-required`` is given (then it fails). ``--tcp-capture-keep DIR``
keeps each test's capture file there.
"""
from __future__ import annotations

import os
import re
import shutil
from typing import Any, Callable, Iterator, List, Optional

import pytest

from .live import LiveCapture


def pytest_addoption(parser: Any) -> None:
    """--tcp-capture-required, --tcp-capture-keep."""
    group = parser.getgroup("tcptrace")
    group.addoption("--tcp-capture-required", action="store_true", default=False,
                    help="fail, rather than skip, a test whose tcp_capture is not permitted")
    group.addoption("--tcp-capture-keep", metavar="DIR", default=None,
                    help="copy every tcp_capture file to DIR (named after the test)")


@pytest.fixture
def tcp_capture(request: Any) -> Iterator[Callable[..., LiveCapture]]:
    """A factory of started live captures; see the module docstring."""
    started: List[LiveCapture] = []
    required = request.config.getoption("--tcp-capture-required", default=False)
    keep = request.config.getoption("--tcp-capture-keep", default=None)

    def start(filter: Optional[str] = None, interface: str = "lo", snaplen: int = 0,
              path: Optional[str] = None, settle: float = 0.1) -> LiveCapture:
        live = LiveCapture(interface, filter=filter, snaplen=snaplen, path=path, settle=settle)
        try:
            live.start()
        except PermissionError as e:
            if required:
                raise
            pytest.skip(f"live capture not permitted: {e}")
        started.append(live)
        return live

    yield start
    for i, live in enumerate(started):
        try:
            live.stop()
        finally:
            if keep:
                os.makedirs(keep, exist_ok=True)
                name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
                if os.path.exists(live.path):
                    shutil.copyfile(live.path, os.path.join(keep, f"{name}.{i}.pcap"))
            live.close()
