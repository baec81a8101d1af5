"""Which capture files, in which order, from which sensor; and a sensor's files as one stream.

Runs on the client (discovery, ordering, the cheap time probes) and on the workers
(:class:`PcapChain`, for ``carry_state=True``).
"""
from __future__ import annotations

import glob
import io
import os
import re
import struct
import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from .. import _core
from ..frames import _frame

PathLike = Union[str, "os.PathLike[str]"]
SensorOf = Union[None, str, "re.Pattern[str]", Callable[[str], str]]

_GLOB_CHARS = re.compile(r"[*?\[]")


def expand(paths_or_glob: Union[PathLike, Sequence[PathLike]]) -> List[str]:
    """The capture paths named: each glob pattern expanded (sorted), other paths kept.

    A pattern that matches nothing raises FileNotFoundError (an empty dataset is
    almost always a typo in the pattern, never what was meant).
    """
    items = [paths_or_glob] if isinstance(paths_or_glob, (str, os.PathLike)) else list(paths_or_glob)
    if not items:
        raise FileNotFoundError("no capture file given")
    out: List[str] = []
    for item in items:
        s = os.fspath(item)
        if _GLOB_CHARS.search(s):
            hits = sorted(glob.glob(s, recursive=True))
            if not hits:
                raise FileNotFoundError(f"no capture file matches {s!r}")
            out.extend(h for h in hits if os.path.isfile(h))
        else:
            out.append(s)
    seen: Dict[str, None] = {}
    for p in out:  # a file named twice (two overlapping patterns) is read once
        seen.setdefault(p, None)
    return list(seen)


def check_readable(paths: List[str], on_error: str) -> List[str]:
    """The paths that exist and can be opened; the others raise, or with on_error="skip"
    are left out with one warning that counts and names them."""
    bad: List[Tuple[str, str]] = []
    good: List[str] = []
    for p in paths:
        try:
            with open(p, "rb"):
                pass
            good.append(p)
        except OSError as e:
            bad.append((p, e.strerror or str(e)))
    if bad and on_error != "skip":
        first, why = bad[0]
        raise FileNotFoundError(f"{len(bad)} of {len(paths)} capture files cannot be read, "
                                f"first {first!r}: {why} (on_error='skip' leaves them out)")
    if bad:
        names = ", ".join(p for p, _ in bad[:5]) + (" ..." if len(bad) > 5 else "")
        warnings.warn(f"tcptrace.dask: skipped {len(bad)} of {len(paths)} capture files that cannot be read: "
                      f"{names}", RuntimeWarning, stacklevel=3)
    if not good:
        raise FileNotFoundError("none of the capture files can be read")
    return good


def sensor_of(path: str, sensor: SensorOf) -> str:
    """The sensor a file comes from: its directory by default; or the first group (else
    the whole match) of a regular expression searched in the path; or a callable's answer."""
    if sensor is None:
        return os.path.dirname(os.path.abspath(path))
    if callable(sensor) and not isinstance(sensor, (str, re.Pattern)):
        return str(sensor(path))
    m = re.search(sensor, path)
    if m is None:
        raise ValueError(f"sensor pattern {getattr(sensor, 'pattern', sensor)!r} does not match {path!r}")
    return m.group(1) if m.groups() else m.group(0)


def natural_key(path: str) -> List[Any]:
    """Sort key where digit runs compare as numbers: tcpdump -C names dump, dump1, ..., dump10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path)]


def first_time_ns(path: str, filter: Optional[str]) -> Optional[int]:
    """Time of the first TCP segment (after the filter), or None without any: a cheap
    probe, the capture is opened and read up to its first segment."""
    with _core.Capture(path, filter=filter, analysis=False, connections=False) as cap:
        df = _frame(cap, ["time_ns"], 1)
    if df is None or len(df) == 0:
        return None
    return int(df["time_ns"].iloc[0])


def time_range_ns(path: str, filter: Optional[str]) -> Optional[Tuple[int, int]]:
    """(earliest, latest) TCP segment time of a whole file, or None without any segment."""
    with _core.Capture(path, filter=filter, analysis=False, connections=False) as cap:
        df = _frame(cap, ["time_ns"], 0)
    if df is None or len(df) == 0:
        return None
    t = df["time_ns"]
    return int(t.min()), int(t.max())


# Classic pcap magics (either byte order; micro- or nanosecond stamps), as read little-endian.
_PCAP_MAGICS = {0xA1B2C3D4: "<", 0xD4C3B2A1: ">", 0xA1B23C4D: "<", 0x4D3CB2A1: ">"}
_CHUNK_BYTES = 1 << 20


class PcapChain(io.RawIOBase):
    """Several classic pcap files read as one: the first file's 24-byte header, then the
    records of every file in order (later headers skipped). Counts each file's records
    (walking the 16-byte record headers, not the packets), so frame numbers of the
    joined stream map back to files. All files must share magic (byte order, time
    precision) and link type; anything else (pcapng, compressed) raises ValueError.
    """

    def __init__(self, paths: Sequence[str]) -> None:
        super().__init__()
        self.paths = list(paths)
        self.records: List[int] = [0] * len(self.paths)
        self._header: Optional[bytes] = None
        self._chunks = self._generate()
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        while not self._pending:
            nxt = next(self._chunks, None)
            if nxt is None:
                return 0
            self._pending = nxt
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _check_header(self, path: str, hdr: bytes) -> str:
        if len(hdr) < 24:
            raise ValueError(f"{path!r}: not a classic pcap file (shorter than its header)")
        magic = struct.unpack_from("<I", hdr)[0]
        if magic not in _PCAP_MAGICS:
            raise ValueError(f"{path!r}: carry_state=True joins classic pcap files only (not pcapng or "
                             "compressed); convert with `editcap -F pcap` or use carry_state=False")
        if self._header is not None:
            same_magic = hdr[:4] == self._header[:4]
            same_link = hdr[20:24] == self._header[20:24]
            if not (same_magic and same_link):
                raise ValueError(f"{path!r}: byte order, time precision or link type differs from "
                                 f"{self.paths[0]!r}; carry_state=True cannot join them")
        return _PCAP_MAGICS[magic]

    def _generate(self) -> Iterator[bytes]:
        for i, path in enumerate(self.paths):
            with open(path, "rb") as f:
                hdr = f.read(24)
                order = self._check_header(path, hdr)
                if self._header is None:
                    self._header = hdr
                    yield hdr
                caplen_at = struct.Struct(order + "I")
                tail = b""  # a record header cut by the chunk boundary
                nxt = 0     # offset of the next record header in tail + chunk
                count = 0
                while True:
                    chunk = f.read(_CHUNK_BYTES)
                    if not chunk:
                        break
                    yield chunk
                    data = tail + chunk if tail else chunk
                    pos = nxt
                    while pos + 16 <= len(data):
                        count += 1
                        pos += 16 + caplen_at.unpack_from(data, pos + 8)[0]
                    if pos < len(data):
                        tail, nxt = data[pos:], 0
                    else:
                        tail, nxt = b"", pos - len(data)
                self.records[i] = count


# (start offset, end offset, index of its first record, earliest and latest record time
# in ns or None without records): a byte range of a classic pcap file, cut at records.
Chunk = Tuple[int, int, int, Optional[int], Optional[int]]
_BLOCK_BYTES = 1 << 20


def pcap_chunks(path: str, chunk_bytes: int) -> Optional[List[Chunk]]:
    """Byte ranges of about chunk_bytes, cut at record boundaries, of an uncompressed
    classic pcap file larger than chunk_bytes; None for any other file (pcapng and
    compressed files are read whole). Walks the 16-byte record headers only."""
    if os.path.getsize(path) <= chunk_bytes:
        return None
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24 or struct.unpack_from("<I", hdr)[0] not in _PCAP_MAGICS:
            return None
        magic = struct.unpack_from("<I", hdr)[0]
        frac_ns = 1 if magic in (0xA1B23C4D, 0x4D3CB2A1) else 1000  # nanosecond or microsecond stamps
        rec = struct.Struct(_PCAP_MAGICS[magic] + "III")
        chunks: List[Chunk] = []
        start, first_rec, n_rec, off = 24, 0, 0, 24
        lo: Optional[int] = None
        hi: Optional[int] = None
        block, base = f.read(_BLOCK_BYTES), 24
        while True:
            rel = off - base
            if rel + 16 > len(block):
                f.seek(off)
                block, base, rel = f.read(_BLOCK_BYTES), off, 0
                if len(block) < 16:
                    break
            if off - start >= chunk_bytes:
                chunks.append((start, off, first_rec, lo, hi))
                start, first_rec, lo, hi = off, n_rec, None, None
            sec, frac, caplen = rec.unpack_from(block, rel)
            t = sec * 1_000_000_000 + frac * frac_ns
            lo = t if lo is None or t < lo else lo
            hi = t if hi is None or t > hi else hi
            n_rec += 1
            off += 16 + caplen
    chunks.append((start, off, first_rec, lo, hi))
    return chunks


class PcapRange(io.RawIOBase):
    """A classic pcap file's header followed by its bytes [start, end): one chunk of
    records read as a capture of its own."""

    def __init__(self, path: str, start: int, end: int) -> None:
        super().__init__()
        self._f = open(path, "rb")  # noqa: SIM115 - closed with this reader
        self._head = self._f.read(24)
        self._f.seek(start)
        self._left = max(0, end - start)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        n = min(len(view), self._left)
        if n == 0:
            return 0
        got = self._f.readinto(view[:n])
        self._left -= got
        return got

    def close(self) -> None:
        self._f.close()
        super().close()
