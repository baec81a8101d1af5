"""Issue 18's field set on byte-built frames, against what tshark 4.0.17 prints for the
same bytes (written down when these tests were made; the golden tables check the rest on
the test captures)."""
import struct
import subprocess
import sys

import pcapbuild as pb

TCPTRACE = [sys.executable, "-m", "tcptrace"]


def fields(cap, *names, extra=()):
    args = [a for n in names for a in ("-e", n)]
    out = subprocess.run([*TCPTRACE, "fields", *extra, *args, str(cap)], capture_output=True, text=True, check=True)
    return [line.split("\t") for line in out.stdout.splitlines()]


def _tagged(tags):
    """The SYN of pcapbuild with (ethertype, tci) tags between the addresses and IPv4."""
    f = pb.frame(pb.CLIENT, pb.SERVER, 1, 0, pb.SYN)
    return f[:12] + b"".join(struct.pack("!HH", t, tci) for t, tci in tags) + b"\x08\x00" + f[14:]


def test_vlan_ids_of_stacked_tags(tmp_path):
    """0x8100 and 0x9100 tags are vlan.id; an 802.1ad (0x88a8) tag is not."""
    cap = tmp_path / "vlan.pcap"
    cap.write_bytes(pb.pcap([_tagged([(0x88A8, 0x0064), (0x8100, 0x2005)]),
                             _tagged([(0x8100, 0x0064), (0x8100, 0x2005)]),
                             _tagged([(0x9100, 0x0007), (0x88A8, 0x0009), (0x8100, 0x000A)])]))
    rows = fields(cap, "vlan.id", "eth.src", "eth.dst", "ip.checksum", "ip.flags.df", "ip.version")
    assert rows == [[ids, "02:00:00:00:00:01", "02:00:00:00:00:02", "0x26ce", "1", "4"]
                    for ids in ("5", "100,5", "7,10")]


def test_payload_checksum_and_time_deltas(tmp_path):
    """The seed-style connection: tcp.payload hex, tcp.checksum, and the time deltas
    (frames 1 ms apart; with -Y the displayed delta counts from the row shown before)."""
    frames = pb.connection([(0, b"GET / HTTP/1.0\r\n\r\n")], 18)
    cap = tmp_path / "conn.pcap"
    cap.write_bytes(pb.pcap(frames))
    rows = fields(cap, "frame.number", "tcp.payload", "frame.time_delta", "frame.time_delta_displayed",
                  "tcp.flags.str")
    assert rows[3][1] == b"GET / HTTP/1.0\r\n\r\n".hex()
    assert [r[1] for r in rows if r[0] != "4"] == ["", "", "", ""]
    assert [r[2] for r in rows] == ["0.000000000"] + ["0.001000000"] * 4
    assert [r[3] for r in rows] == [r[2] for r in rows]
    shown = fields(cap, "frame.number", "frame.time_delta", "frame.time_delta_displayed",
                   extra=("-Y", "tcp.flags.syn == 1 || tcp.flags.fin == 1"))
    assert shown == [["1", "0.000000000", "0.000000000"], ["2", "0.001000000", "0.001000000"],
                     ["5", "0.001000000", "0.003000000"]]
    tsum = fields(cap, "tcp.checksum")
    want = [f"0x{struct.unpack('!H', f[34 + 16:34 + 18])[0]:04x}" for f in frames]
    assert [r[0] for r in tsum] == want
