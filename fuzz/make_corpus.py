#!/usr/bin/env python3
"""Seed corpora for the fuzzers from capture files: every frame of each capture becomes
a decode input (link type byte + frame) and each capture's first frames one engine
input.  Usage: fuzz/make_corpus.py OUTDIR CAPTURE..."""
import os
import struct
import sys

DECODE_LT = [0, 1, 12, 101, 14, 104, 108, 113, 9, 50, 51, 228, 229, 276]
ENGINE_LT = [1, 101, 113, 0, 276, 229]


def frames(path):
    """(linktype, bytes) of a classic pcap file's records; pcapng is skipped."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            e = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            e = ">"
        else:
            return
        lt = struct.unpack(e + "I", head[20:24])[0] & 0xFFFF
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            caplen = struct.unpack(e + "I", rec[8:12])[0]
            if caplen > 262144:
                return
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield lt, data


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "decode"), exist_ok=True)
    os.makedirs(os.path.join(out, "engine"), exist_ok=True)
    for i, cap in enumerate(sys.argv[2:]):
        eng = None
        body = b""
        for j, (lt, data) in enumerate(frames(cap)):
            if lt in DECODE_LT and j < 64:
                name = os.path.join(out, "decode", f"{i:03d}_{j:03d}")
                with open(name, "wb") as f:
                    f.write(bytes([DECODE_LT.index(lt), 0]) + data)
            if lt in ENGINE_LT and j < 200:
                eng = ENGINE_LT.index(lt)
                body += struct.pack(">H", len(data)) + data
        if eng is not None:
            with open(os.path.join(out, "engine", f"{i:03d}"), "wb") as f:
                f.write(bytes([eng]) + body)


if __name__ == "__main__":
    main()
