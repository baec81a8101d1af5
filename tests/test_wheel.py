"""The release wheel: built, repaired by auditwheel (libpcap bundled), installed into a
fresh virtual environment, and run on the example capture with libpcap resolved from
the wheel itself, not from the system."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.skipif(
    os.environ.get("TCPTRACE_EXPECT_SANITIZED") == "1" or os.environ.get("TCPTRACE_SKIP_WHEEL") == "1",
    reason="the wheel is tested once, in the normal run",
)


def test_wheel_installs_and_runs_without_system_libpcap(tmp_path):
    pytest.importorskip("auditwheel")
    pytest.importorskip("build")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    raw, house = tmp_path / "raw", tmp_path / "house"
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "-o", str(raw), str(ROOT)],
                   check=True, capture_output=True, env=env)
    (whl,) = raw.glob("*.whl")
    subprocess.run([str(Path(sys.executable).parent / "auditwheel"), "repair", "-w", str(house), str(whl)],
                   check=True, capture_output=True, env=env)
    (fixed,) = house.glob("*manylinux*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-index", "--no-deps", str(fixed)],
                   check=True, capture_output=True)
    out = subprocess.run([str(venv / "bin" / "tcptrace"), str(ROOT / "examples" / "http_get_example_com.pcap")],
                         check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert len(out.splitlines()) == 13
    # The extension's libpcap is the bundled copy in tcptrace.libs/.
    so = next((venv / "lib").glob("python3*/site-packages/tcptrace/_core*.so"))
    ldd = subprocess.run(["ldd", str(so)], check=True, capture_output=True, text=True).stdout
    pcap = [ln for ln in ldd.splitlines() if "libpcap" in ln]
    assert pcap and "tcptrace.libs" in pcap[0], ldd
