"""Smoke test of an installed tcptrace wheel (cibuildwheel's test-command).

    python tools/wheel_smoke.py [CAPTURE] [--allow-no-pandas]

Imports the installed tcptrace (run it from outside the source tree, as cibuildwheel
does, so the wheel is imported and not the checkout), reads CAPTURE (default: the
example capture beside this script) with tcptrace.open and with tcptrace.segments,
and reads gzip and xz copies of it (and zstd where the standard library has it, 3.14+)
to check that the statically linked decompressors work. Prints the row count; exits
non-zero on any failure. No pytest needed.

--allow-no-pandas: where pandas has no wheel for the platform (CPython 3.14+ in the
manylinux2014 image), the DataFrame check is skipped instead of failing.
"""
from __future__ import annotations

import gzip
import lzma
import os
import sys
import tempfile
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent / "examples" / "http_get_example_com.pcap"


def count(tcptrace, path: str) -> int:
    with tcptrace.open(path) as cap:
        return sum(1 for _ in cap)


def main(argv: list[str]) -> int:
    allow_no_pandas = "--allow-no-pandas" in argv
    args = [a for a in argv if a != "--allow-no-pandas"]
    path = Path(args[0]) if args else DEFAULT

    import tcptrace

    print(f"tcptrace {tcptrace.__version__} from {Path(tcptrace.__file__).parent}")
    print(f"libpcap: {tcptrace.libpcap_version()}")

    n = count(tcptrace, str(path))
    print(f"open(): {n} segments")
    if n <= 0:
        print("FAIL: no segments from tcptrace.open", file=sys.stderr)
        return 1

    data = path.read_bytes()
    codecs = {"gzip": gzip.compress, "xz": lzma.compress}
    try:
        from compression import zstd  # Python 3.14+

        codecs["zstd"] = zstd.compress
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        for name, compress in codecs.items():
            p = os.path.join(tmp, f"capture.pcap.{name}")
            with open(p, "wb") as f:
                f.write(compress(data))
            m = count(tcptrace, p)
            print(f"open() on {name}: {m} segments")
            if m != n:
                print(f"FAIL: {name} copy gave {m} segments, the plain file {n}", file=sys.stderr)
                return 1

    try:
        import pandas  # noqa: F401
    except ImportError:
        if allow_no_pandas:
            print("pandas not installed: segments() not checked (--allow-no-pandas)")
            print("OK")
            return 0
        print("FAIL: pandas is not installed (test-requires pandas numpy)", file=sys.stderr)
        return 1
    df = tcptrace.segments(str(path))
    print(f"segments(): {len(df)} rows")
    if len(df) <= 0:
        print("FAIL: segments() returned no rows", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
