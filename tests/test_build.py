"""The build under test is the one asked for."""
import os
from pathlib import Path

import tcptrace._core


def test_sanitized_build_is_the_one_loaded():
    if os.environ.get("TCPTRACE_EXPECT_SANITIZED") != "1":
        return  # the normal build; `make asan` sets the variable
    path = Path(tcptrace._core.__file__).resolve()
    assert "asan" in path.parts[-3], path
