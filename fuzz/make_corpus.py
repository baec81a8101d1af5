#!/usr/bin/env python3
"""Seed corpora for the fuzzers from capture files: every frame of each capture becomes
a decode input (link type byte + frame), each capture's first frames one engine input,
and the TCP segments of its first two connections one stream-script input
(fuzz/fuzz_stream.c).  Usage: fuzz/make_corpus.py OUTDIR CAPTURE..."""
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


# fuzz_stream.c's server ports, in its order
STREAM_PORTS = [80, 443, 25, 53, 8080, 587, 993, 8443, 5000, 110, 143, 21]


def tcp_of(lt, frame):
    """(src, dst, sport, dport, seq, flags, payload) of an IPv4 TCP segment, or None
    (Ethernet with or without one VLAN tag, raw IP, Linux SLL)."""
    if lt == 1:
        off, etype = 14, frame[12:14]
        if etype == b"\x81\x00":
            off, etype = 18, frame[16:18]
        if etype != b"\x08\x00":
            return None
    elif lt in (101, 228):
        off = 0
    elif lt == 113:
        off = 16
    else:
        return None
    ip = frame[off:]
    if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
        return None
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    tcp = ip[ihl:total]
    if len(tcp) < 20:
        return None
    sport, dport, seq = struct.unpack(">HHI", tcp[:8])
    thl = (tcp[12] >> 4) * 4
    return ip[12:16], ip[16:20], sport, dport, seq, tcp[13], tcp[thl:]


STREAM_SEED_BYTES = 8192  # a seed's script at most: small inputs run fast under ASan


def stream_script(caps):
    """A fuzz_stream input from (linktype, frame) pairs: the first two connections'
    segments, each as [ctl][delta i16][len u16][payload] with the sequence number
    relative to the direction's next one."""
    conns = {}  # (client key) -> [index, client (addr, port), next seq per dir]
    server_port = None
    recs = b""
    for lt, frame in caps:
        t = tcp_of(lt, frame)
        if t is None:
            continue
        src, dst, sport, dport, seq, flags, payload = t
        key = frozenset(((src, sport), (dst, dport)))
        if key not in conns:
            if len(conns) == 2:
                continue
            conns[key] = [len(conns), (src, sport), [None, None]]
            if server_port is None:
                server_port = dport
        idx, client, nxt = conns[key]
        d = 0 if (src, sport) == client else 1
        if nxt[d] is None:
            nxt[d] = seq
        delta = (seq - nxt[d] + 2**31) % 2**32 - 2**31
        delta = max(-32768, min(32767, delta))
        end = seq + len(payload) + (1 if flags & 0x02 else 0) + (1 if flags & 0x01 else 0)
        if (end - nxt[d]) % 2**32 < 2**31:
            nxt[d] = end % 2**32
        ctl = d | (2 if flags & 0x02 else 0) | (4 if flags & 0x01 else 0) | (8 if flags & 0x04 else 0)
        ctl |= (0 if flags & 0x10 else 16) | (32 if idx else 0)
        payload = payload[:4096]
        recs += bytes([ctl]) + struct.pack(">hH", delta, len(payload)) + payload
        if len(recs) > STREAM_SEED_BYTES:
            break
    if not recs:
        return None
    port = STREAM_PORTS.index(server_port) if server_port in STREAM_PORTS else 0x80 | (server_port or 0) % 128
    return bytes([port, 0]) + recs


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "decode"), exist_ok=True)
    os.makedirs(os.path.join(out, "engine"), exist_ok=True)
    os.makedirs(os.path.join(out, "stream"), exist_ok=True)
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
        script = stream_script(frames(cap))
        if script is not None:
            with open(os.path.join(out, "stream", f"{i:03d}"), "wb") as f:
                f.write(script)


if __name__ == "__main__":
    main()
