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
            # A small table (1..4 connections, from the input's length) so eviction
            # and its hand-over run too.
            with tcptrace.open(TMP, max_conns=1 + len(data) % 4) as cap:
                for seg in cap:
                    seg._asdict()
                    _ = seg.info
                for conn in cap.connections():
                    repr(conn)
                _ = cap.counters
        except tcptrace.CaptureError:
            pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()
