"""Byte-built pcap files of one TCP connection, for tests (Ethernet, IPv4, TCP with
correct checksums; RFC 791, RFC 9293)."""
import struct

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
CLIENT, SERVER = (bytes([10, 0, 0, 1]), 40000), (bytes([10, 0, 0, 2]), 8000)


def _csum(b: bytes) -> int:
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, seq, ack, flags, payload=b"", window=65535):
    (sa, sp), (da, dp) = src, dst
    tcp = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, window, 0, 0)
    pseudo = sa + da + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    c = _csum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0, sa, da)
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp + payload


def pcap(frames, snaplen=65535):
    """frames: bytes, or (bytes, caplen) to cut a frame as a snaplen would."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1)]
    for i, f in enumerate(frames):
        data, caplen = (f, len(f)) if isinstance(f, bytes) else f
        out.append(struct.pack("<IIII", 1000 + i // 1000, (i % 1000) * 1000, caplen, len(data)))
        out.append(data[:caplen])
    return b"".join(out)


def connection(pieces, length, cisn=1000, sisn=5000, fin=True, server_ack=False, client=CLIENT,
               server=SERVER):
    """Frames of a connection whose client sends, after the handshake, the segments
    `pieces` ((offset, payload) in the order given, or ((offset, payload), caplen)),
    then a FIN after `length` bytes; with server_ack the server acknowledges it all."""
    fr = [frame(client, server, cisn, 0, SYN), frame(server, client, sisn, cisn + 1, SYN | ACK),
          frame(client, server, cisn + 1, sisn + 1, ACK)]
    for p in pieces:
        (off, data), cap = (p, None) if isinstance(p[0], int) else p
        f = frame(client, server, cisn + 1 + off, sisn + 1, PSH | ACK, data)
        fr.append(f if cap is None else (f, 54 + cap))
    if fin:
        fr.append(frame(client, server, cisn + 1 + length, sisn + 1, FIN | ACK))
    if server_ack:
        fr.append(frame(server, client, sisn + 1, cisn + 2 + length, ACK))
    return fr
