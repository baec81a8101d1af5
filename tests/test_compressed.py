"""Compressed captures: every capture in tests/data, compressed with gzip, zstd, xz and
lz4, reads exactly as the uncompressed file; cut and corrupt streams end as a cut or
damaged capture does."""
import gzip
import io
import lzma
import shutil
import struct
import subprocess
import warnings

import pytest

import tcptrace
from conftest import DATA

CAPTURES = sorted(p for p in list(DATA.glob("*.pcap*")) + list((DATA / "malformed").glob("*.pcap*")))


def _cli(tool, *args):
    def run(data: bytes) -> bytes:
        return subprocess.run([tool, *args], input=data, capture_output=True, check=True).stdout
    return run


def _compressor(codec):
    """A bytes -> bytes compressor, from Python's modules or the command-line tools
    (the Makefile's deps installs zstd and lz4); None when there is none."""
    if codec == "gzip":
        return lambda d: gzip.compress(d, mtime=0)
    if codec == "xz":
        return lambda d: lzma.compress(d, format=lzma.FORMAT_XZ)
    if codec == "zstd":
        try:
            import zstandard
            return lambda d: zstandard.ZstdCompressor(write_checksum=True).compress(d)
        except ImportError:
            return _cli("zstd", "-q", "-c", "--check") if shutil.which("zstd") else None
    if codec == "lz4":
        try:
            import lz4.frame
            return lambda d: lz4.frame.compress(d, block_size=lz4.frame.BLOCKSIZE_MAX64KB,
                                                content_checksum=True)
        except ImportError:
            return _cli("lz4", "-q", "-c", "-B4", "--content-size") if shutil.which("lz4") else None
    raise ValueError(codec)


CODECS = ("gzip", "zstd", "xz", "lz4")


def compressor(codec):
    c = _compressor(codec)
    if c is None:
        pytest.skip(f"no {codec} compressor: install the {codec} tool (make deps) or its PyPI module")
    return c


def read(src):
    """Every segment as a dict, and how the read ended: ('ok'|warning|error type, message)."""
    segs = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with tcptrace.open(src) as cap:
                for s in cap:
                    segs.append(s._asdict())
        except tcptrace.CaptureError as e:
            return segs, (type(e).__name__, str(e))
    kinds = [w.category.__name__ for w in caught if issubclass(w.category, tcptrace.CaptureTruncatedWarning)]
    return segs, (kinds[0] if kinds else "ok", None)


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("capture", CAPTURES, ids=lambda p: p.name)
def test_compressed_reads_like_uncompressed(capture, codec, tmp_path):
    comp = compressor(codec)
    plain_segs, plain_end = read(capture)
    zpath = tmp_path / (capture.name + ".bin")  # no telling suffix: recognised by content
    zpath.write_bytes(comp(capture.read_bytes()))
    segs, end = read(zpath)
    assert segs == plain_segs
    assert end[0] == plain_end[0], end
    if end[0] == "ok":
        with tcptrace.open(zpath) as cap:
            assert cap.compression == codec
        with tcptrace.open(capture) as cap:
            assert cap.compression is None
    if end[1]:  # the same error, naming the compressed file
        assert end[1] == plain_end[1].replace(str(capture), str(zpath))


def big_capture(copies=400) -> bytes:
    """A classic pcap of a few hundred KB: the seed capture's records over and over (time
    stamps moving on, so it does not compress to nothing), so every codec makes
    several blocks."""
    raw = (DATA / "http_get_example_com.pcap").read_bytes()
    recs, off = [], 24
    while off + 16 <= len(raw):
        caplen = struct.unpack_from("<I", raw, off + 8)[0]
        recs.append(raw[off + 8:off + 16 + caplen])
        off += 16 + caplen
    out = [raw[:24]]
    n = 0
    for _c in range(copies):
        for r in recs:
            n += 1
            out.append(struct.pack("<II", 1_600_000_000 + n // 7, (n * 104729) % 1_000_000) + r)
    return b"".join(out)


@pytest.mark.parametrize("codec", CODECS)
def test_big_capture_every_codec_and_file_objects(codec, tmp_path):
    data = big_capture()
    plain = tmp_path / "big.pcap"
    plain.write_bytes(data)
    want, end = read(plain)
    assert end == ("ok", None) and len(want) == 13 * 400
    z = compressor(codec)(data)
    (tmp_path / "big.z").write_bytes(z)
    assert read(tmp_path / "big.z") == (want, ("ok", None))
    assert read(io.BytesIO(z)) == (want, ("ok", None))
    with open(tmp_path / "big.z", "rb") as f:  # a real file: read by descriptor
        assert read(f) == (want, ("ok", None))


@pytest.mark.parametrize("codec", CODECS)
def test_cut_compressed_file_gives_whole_records_and_warns(codec, tmp_path):
    data = big_capture()
    plain = tmp_path / "big.pcap"
    plain.write_bytes(data)
    want, _ = read(plain)
    z = compressor(codec)(data)
    cut = tmp_path / "cut.z"
    cut.write_bytes(z[: len(z) * 6 // 10])
    segs, end = read(cut)
    assert end[0] == "CaptureTruncatedWarning"
    assert 0 < len(segs) < len(want)
    assert segs == want[: len(segs)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        list(tcptrace.open(cut))
    assert "cut short" in str(caught[0].message) and codec in str(caught[0].message)


@pytest.mark.parametrize("codec", CODECS)
def test_corrupt_compressed_file_is_a_format_error_naming_the_codec(codec, tmp_path):
    data = big_capture()
    want, _ = read(io.BytesIO(data))
    z = bytearray(compressor(codec)(data))
    # The integrity check at the end: every record comes out, then the error.
    z[-8 if codec == "gzip" else -2] ^= 0x55
    p = tmp_path / "bad.z"
    p.write_bytes(bytes(z))
    segs, end = read(p)
    assert end[0] == "CaptureFormatError", end
    assert codec in end[1]
    if codec != "xz":  # xz checks its footer after the last block
        assert segs == want


def test_corrupt_header_fails_at_open(tmp_path):
    z = bytearray(gzip.compress((DATA / "http_get_example_com.pcap").read_bytes()))
    z[3] = 0xE0  # reserved flag bits
    p = tmp_path / "bad.gz"
    p.write_bytes(bytes(z))
    with pytest.raises(tcptrace.CaptureFormatError, match="gzip"):
        tcptrace.open(p)


def test_concatenated_gzip_members_read_like_zcat(tmp_path):
    data = big_capture(50)
    half = len(data) // 2 + 3  # inside a record
    p = tmp_path / "two.gz"
    p.write_bytes(gzip.compress(data[:half]) + gzip.compress(data[half:]))
    want, _ = read(io.BytesIO(data))
    assert read(p) == (want, ("ok", None))


def test_compressed_pcapng_with_many_interfaces(tmp_path):
    src = DATA / "pcapng_many_interfaces_mixed_linktypes.pcapng"
    p = tmp_path / "ng.xz"
    p.write_bytes(lzma.compress(src.read_bytes()))
    with tcptrace.open(src) as a, tcptrace.open(p) as b:
        assert b.format == a.format == "pcapng"
        assert b.linktype == a.linktype and b.snaplen == a.snaplen
        assert [s._asdict() for s in b] == [s._asdict() for s in a]
        assert b.linktypes == a.linktypes


def test_segments_dataframe_of_a_compressed_file(tmp_path):
    pytest.importorskip("pandas")
    src = DATA / "http_get_example_com.pcap"
    p = tmp_path / "c.gz"
    p.write_bytes(gzip.compress(src.read_bytes()))
    a = tcptrace.segments(src)
    b = tcptrace.segments(p)
    assert a.equals(b)
