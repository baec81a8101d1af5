#!/usr/bin/env python3
"""atheris harness: tcptrace.open over mutated capture files.

    make fuzz-py FUZZ_SECONDS=60

Each input is written to a temporary file and read whole, every Segment attribute
touched; a CaptureError or a truncation warning is an accepted outcome, anything else
(a crash, another exception) is a finding. The corpus is seeded with tests/data."""
import os
import sys
import tempfile
import warnings

import atheris

with atheris.instrument_imports():
    import tcptrace

TMP = os.path.join(tempfile.mkdtemp(prefix="tcptrace-fuzz-"), "input.pcap")


def test_one(data: bytes) -> None:
    with open(TMP, "wb") as f:
        f.write(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tcptrace.CaptureTruncatedWarning)
        try:
            with tcptrace.open(TMP) as cap:
                for seg in cap:
                    seg._asdict()
                    _ = seg.info
                _ = cap.counters
        except tcptrace.CaptureError:
            pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
