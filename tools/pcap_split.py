#!/usr/bin/env python3
"""Split a classic pcap file into files of N records each, as `editcap -c N` does, and
as `tcpdump -C` rotation leaves a capture: each file has the original 24-byte header.

    python3 tools/pcap_split.py -c 1000 big.pcap out/      # out/big_00000.pcap, ...

Stdlib only; the tests and bench/dask_speedup.py use split_pcap().
"""
from __future__ import annotations

import argparse
import os
import struct
import sys
from typing import List

_MAGICS = {0xA1B2C3D4: "<", 0xA1B23C4D: "<", 0xD4C3B2A1: ">", 0x4D3CB2A1: ">"}


def split_pcap(src: str, out_dir: str, records_per_file: int) -> List[str]:
    """Write src's records into out_dir, records_per_file per file; returns the paths in order."""
    if records_per_file < 1:
        raise ValueError("records_per_file must be at least 1")
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(src))[0]
    paths: List[str] = []
    with open(src, "rb") as f:
        header = f.read(24)
        if len(header) < 24 or struct.unpack_from("<I", header)[0] not in _MAGICS:
            raise ValueError(f"{src}: not a classic pcap file")
        caplen_at = struct.Struct(_MAGICS[struct.unpack_from("<I", header)[0]] + "I")
        out = None
        n = 0
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            data = f.read(caplen_at.unpack_from(rec, 8)[0])
            if out is None or n == records_per_file:
                if out is not None:
                    out.close()
                paths.append(os.path.join(out_dir, f"{stem}_{len(paths):05d}.pcap"))
                out = open(paths[-1], "wb")  # noqa: SIM115 - closed when the next file starts
                out.write(header)
                n = 0
            out.write(rec + data)
            n += 1
        if out is not None:
            out.close()
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-c", type=int, required=True, metavar="N", help="records per file")
    ap.add_argument("capture")
    ap.add_argument("out_dir")
    args = ap.parse_args()
    for p in split_pcap(args.capture, args.out_dir, args.c):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
