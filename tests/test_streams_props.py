"""Property tests of reassembly through the whole pipeline (pcap -> engine -> streams):
any split, reordering, duplication and overlap of a byte string into TCP segments
reassembles to the original, and a hole is reported exactly where it is."""
import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tcptrace import streams
from tcptrace.streams import Gap
from pcapbuild import connection, pcap

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def reassemble(frames, direction=0):
    fd, path = tempfile.mkstemp(suffix=".pcap")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pcap(frames))
        return streams.follow(path, 0).payload(direction)
    finally:
        os.unlink(path)


@st.composite
def segmentation(draw, data, hole=None):
    """Pieces covering data (except hole): a split, extra overlapping pieces and
    duplicates, in any order."""
    n = len(data)
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, n - 1)), max_size=12)) + [0, n]))
    pieces = [(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, 400)), max_size=6))
    pieces += [(a, min(n, a + k)) for a, k in extra]
    pieces += draw(st.lists(st.sampled_from(pieces), max_size=4))  # duplicates
    if hole:
        h0, h1 = hole
        cut = []
        for a, b in pieces:
            if a < h0:
                cut.append((a, min(b, h0)))
            if b > h1:
                cut.append((max(a, h1), b))
        pieces = cut
    order = draw(st.permutations(pieces))
    return [(a, data[a:b]) for a, b in order if a < b]


@SETTINGS
@given(data=st.data(), payload=st.binary(min_size=1, max_size=3000),
       cisn=st.integers(0, 2**32 - 1), server_ack=st.booleans())
def test_any_segmentation_reassembles_to_the_original(data, payload, cisn, server_ack):
    pieces = data.draw(segmentation(payload))
    got = reassemble(connection(pieces, len(payload), cisn=cisn, server_ack=server_ack))
    assert got.gaps == []
    assert got.data == payload
    assert got.end == "fin"


@SETTINGS
@given(data=st.data(), payload=st.binary(min_size=2, max_size=3000),
       cisn=st.integers(0, 2**32 - 1), server_ack=st.booleans())
def test_a_hole_is_reported_where_it_is(data, payload, cisn, server_ack):
    n = len(payload)
    h0 = data.draw(st.integers(0, n - 1))
    h1 = data.draw(st.integers(h0 + 1, n))
    pieces = data.draw(segmentation(payload, hole=(h0, h1)))
    got = reassemble(connection(pieces, n, cisn=cisn, server_ack=server_ack))
    assert got.gaps == [Gap(h0, h1 - h0, "gap", h0)]
    assert got.data == payload[:h0] + payload[h1:]


def test_bytes_cut_by_the_snaplen_are_missing_not_invented():
    payload = bytes(range(256)) * 2
    pieces = [((0, payload[:200]), 120), (200, payload[200:])]
    got = reassemble(connection(pieces, len(payload)))
    assert got.data == payload[:120] + payload[200:]
    assert got.gaps == [Gap(120, 80, "missing", 120)]


def test_memory_cap_gives_up_counted_never_silent(tmp_path):
    """Held out-of-order bytes past the per-direction cap: the hole is given up on
    (a gap), and the bytes that fill it later are counted as dropped."""
    import tcptrace

    payload = bytes(range(256)) * 40  # 10240 bytes
    pieces = [(off, payload[off:off + 1000]) for off in range(1000, len(payload), 1000)]
    pieces.append((0, payload[:1000]))  # the first 1000 bytes come last
    path = tmp_path / "cap.pcap"
    path.write_bytes(pcap(connection(pieces, len(payload))))
    with tcptrace.open(path) as cap:
        cap._enable_streams(messages=False, collect=0, max_held=4096)
        chunks = []
        while (got := cap._read_streams()) is not None:
            chunks += got[1]
        c = cap.stream_counters
    assert c["forced_gaps"] >= 1 and c["gap_bytes"] >= 1000 and c["dropped_bytes"] >= 1000
    gaps = [ch for ch in chunks if ch[2] == "gap"]
    assert gaps and gaps[0][3] == 0  # the hole at the start, reported as such
    data = b"".join(ch[6] for ch in chunks if ch[2] == "data")
    assert data == payload[gaps[0][4]:]  # nothing invented, nothing reordered
