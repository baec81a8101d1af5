"""The release wheel (tools/build_wheel.sh, `make wheel`): manylinux2014 (glibc 2.17),
libpcap and the decompressors linked in statically (none of the dbus, systemd, gcrypt
or capability libraries Debian's libpcap pulls in), installed into a fresh virtual
environment and run on the example capture: listing, a BPF filter, a gzip file."""
import gzip
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.skipif(
    os.environ.get("TCPTRACE_EXPECT_SANITIZED") == "1" or os.environ.get("TCPTRACE_SKIP_WHEEL") == "1"
    or sys.platform != "linux",
    reason="the wheel is tested once, in the normal run on Linux",
)

UNWANTED = ("libsystemd", "libdbus", "libgcrypt", "libgpg-error", "libcap", "libpcap", "libibverbs",
            "libnl", "libusb", "libbluetooth")


def test_wheel_is_manylinux2014_lean_and_runs(tmp_path):
    pytest.importorskip("auditwheel")
    env = dict(os.environ, PYTHON=sys.executable, WHEEL_OUT=str(tmp_path / "dist"))
    r = subprocess.run(["bash", str(ROOT / "tools" / "build_wheel.sh")], capture_output=True, text=True,
                       env=env, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert 'consistent with the following platform tag: "manylinux_2_17_' in r.stdout
    (whl,) = (tmp_path / "dist" / "wheelhouse").glob("*.whl")
    assert "manylinux_2_17_" in whl.name
    names = zipfile.ZipFile(whl).namelist()
    assert not [n for n in names if ".so" in n and any(u in n for u in UNWANTED)], names
    assert not [n for n in names if ".libs/" in n], "nothing should need bundling"

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-index", "--no-deps", str(whl)],
                   check=True, capture_output=True)
    example = ROOT / "examples" / "http_get_example_com.pcap"
    out = subprocess.run([str(venv / "bin" / "tcptrace"), str(example)],
                         check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert len(out.splitlines()) == 13
    gz = tmp_path / "example.pcap.gz"
    gz.write_bytes(gzip.compress(example.read_bytes()))
    script = ("import sys, tcptrace\n"
              "a = sum(1 for _ in tcptrace.open(sys.argv[1], filter='tcp port 80'))\n"
              "b = sum(1 for _ in tcptrace.open(sys.argv[1], filter='tcp port 443'))\n"
              "c = sum(1 for _ in tcptrace.open(sys.argv[2]))\n"
              "print(a, b, c, tcptrace.libpcap_version())\n")
    got = subprocess.run([str(venv / "bin" / "python"), "-c", script, str(example), str(gz)],
                         check=True, capture_output=True, text=True, cwd=tmp_path).stdout.split()
    assert got[:3] == ["13", "0", "13"], got
    assert "libpcap" in " ".join(got[3:])

    so = next((venv / "lib").glob("python3*/site-packages/tcptrace/_core*.so"))
    ldd = subprocess.run(["ldd", str(so)], check=True, capture_output=True, text=True).stdout
    assert not [ln for ln in ldd.splitlines() if any(u in ln for u in UNWANTED)], ldd
    if shutil.which("nm"):
        exported = subprocess.run(["nm", "-D", "--defined-only", str(so)], check=True, capture_output=True,
                                  text=True).stdout.split()
        assert [s for s in exported if s.startswith(("pcap_", "inflate", "ZSTD_", "lzma_", "LZ4"))] == []
