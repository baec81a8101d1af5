import csv
import gzip
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

# The fields that need no connection state (the foundation issue).
DECODE_FIELDS = (
    "frame.number frame.time_relative frame.len frame.cap_len ip.src ip.dst ipv6.src ipv6.dst "
    "tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.len tcp.hdr_len tcp.flags "
    "tcp.urgent_pointer tcp.window_size_value tcp.options.mss_val tcp.options.wscale.shift "
    "tcp.options.wscale.multiplier tcp.options.timestamp.tsval tcp.options.timestamp.tsecr"
).split()


def read_golden(path: Path):
    """A tshark `-T fields -E header=y` table: (header, rows)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows:  # tshark could not read the file at all
        return ["frame.number"], []
    return rows[0], rows[1:]


def golden_for(capture: Path, kind: str) -> Path:
    return capture.parent / "golden" / f"{capture.name}.{kind}.tsv.gz"


def disagreements(capture: Path, kind: str, names):
    """Cells where tcptrace's fields differ from tshark's golden table, as
    (frame, field, tshark, tcptrace); missing and extra rows too."""
    import warnings

    import tcptrace
    from tcptrace import fields as fm

    head, body = read_golden(golden_for(capture, kind))
    idx = {n: head.index(n) if n in head else len(head) + 1 for n in names}
    ours = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tcptrace.CaptureTruncatedWarning)
        try:
            with tcptrace.open(capture) as cap:
                shown = None  # every TCP segment is a row: the one before is shown
                for seg in cap:
                    ours[str(seg.frame)] = fm.row(seg, names, prev=shown)
                    shown = seg
        except tcptrace.CaptureError:
            pass  # the rows read before the error are still compared
    bad = []
    for row in body:
        frame = row[0]
        mine = ours.pop(frame, None)
        if mine is None:
            bad.append((frame, "(row)", "present", "missing"))
            continue
        for j, n in enumerate(names):
            want = row[idx[n]] if idx[n] < len(row) else ""
            if mine[j] != want:
                bad.append((frame, n, want, mine[j]))
    for frame in ours:
        bad.append((frame, "(row)", "absent", "extra"))
    return bad


def golden_captures():
    caps = []
    for folder in (DATA, DATA / "malformed"):
        for p in sorted(folder.iterdir()):
            if p.is_file() and golden_for(p, "fields").exists():
                caps.append(p)
    return caps


@pytest.fixture
def seed_capture() -> Path:
    return DATA / "http_get_example_com.pcap"


def write_pcap(path: Path, frames, linktype: int = 1, snaplen: int = 262144, nsec: bool = False) -> Path:
    """A classic pcap file from (bytes, wirelen or None) frames, 1 ms apart."""
    import struct

    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = [struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for i, (data, wirelen) in enumerate(frames):
        frac = i * (1_000_000 if nsec else 1000)
        out.append(struct.pack("<IIII", 1_700_000_000, frac, len(data), wirelen or len(data)))
        out.append(bytes(data))
    path.write_bytes(b"".join(out))
    return path


# The seed capture's SYN (Ethernet, IPv4, TCP with MSS, WS, TS, SACK_PERM options).
SEED_SYN = bytes.fromhex(
    "001122334455667788 99aabb 0800"
    "4500004000004000400600 00 c0a80a07 5db8d822"
    "d0cb0050 3b1c2c07 00000000 b002ffff 00000000"
    "020405b4 01030305 0101 080a25e4dae900000000 0402 0000".replace(" ", "")
)
