"""Inputs read more than once: standard input and pipes can be read only once, so a
command that needs two passes (the listing with --app, the ladder's message labels)
copies them to a temporary file first."""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from typing import Iterator


def _rereadable(capture: str) -> bool:
    if capture == "-":
        return False
    try:
        return stat.S_ISREG(os.stat(capture).st_mode)
    except OSError:
        return True  # missing: let the reader say so


@contextlib.contextmanager
def rereadable(capture: str) -> Iterator[str]:
    """A path that can be read twice: the capture itself, or a temporary copy of
    standard input or a pipe (removed afterwards)."""
    if _rereadable(capture):
        yield capture
        return
    fd, path = tempfile.mkstemp(prefix="tcptrace-stdin-", suffix=".capture")
    try:
        with os.fdopen(fd, "wb") as out:
            if capture == "-":
                shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
            else:
                with open(capture, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
