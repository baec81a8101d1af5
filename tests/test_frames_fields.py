"""tcptrace.segments: the DataFrame equals the `tcptrace fields` text (tshark -T fields),
through the column -> field table of tests/frames_fields_map.py; and both comparisons
(with the Segment iteration too) over the shared captures when they are there."""
import time

import pytest

pytest.importorskip("pandas")

import tcptrace
from tcptrace.frames import ALL_COLUMNS

from conftest import golden_captures
from frame_compare import (
    KNOWN_DIFFERENCES, SHARED, compare_with_fields, compare_with_segments, known_columns, read_frame,
    shared_captures,
)
from frames_fields_map import FIELD_MAP, NO_FIELD, Mapping, fields_needed


@pytest.mark.parametrize("capture", golden_captures(), ids=lambda p: p.name)
def test_dataframe_equals_fields_output(capture):
    c = compare_with_fields(capture)
    assert c.differences == []
    if c.rows:
        assert c.cells == c.rows * len(FIELD_MAP)


def test_every_column_has_a_field_or_a_reason():
    mapped = {m.column for m in FIELD_MAP}
    assert mapped | set(NO_FIELD) == set(ALL_COLUMNS)
    assert not mapped & set(NO_FIELD)
    assert set(fields_needed()) <= set(tcptrace.fields.FIELD_NAMES)


def test_a_wrong_mapping_is_caught(seed_capture):
    # seq is relative, tcp.seq_raw is not: every row but none must differ.
    wrong = [Mapping("seq", ("tcp.seq_raw",), int)]
    c = compare_with_fields(seed_capture, wrong)
    assert c.cells == 13
    assert {d.frame for d in c.differences} == set(range(1, 14))
    assert c.differences[0].dataframe == 0 and c.differences[0].other == 991713799


def test_a_changed_cell_is_caught_against_both(seed_capture, monkeypatch):
    import frame_compare

    df, err = read_frame(seed_capture)
    df.loc[4, "ack_rtt"] = 0.5  # frame 5: 0.127691 s in both other readings
    monkeypatch.setattr(frame_compare, "read_frame", lambda path: (df, err))
    for c in (compare_with_fields(seed_capture), compare_with_segments(seed_capture)):
        assert [(d.frame, d.column, d.dataframe) for d in c.differences] == [(5, "ack_rtt", 0.5)], c.against
        assert c.differences[0].other == pytest.approx(0.127691)


def test_a_missing_value_is_not_zero(seed_capture, monkeypatch):
    import frame_compare

    df, err = read_frame(seed_capture)
    df["mss"] = df["mss"].fillna(0)  # absent MSS options written as 0
    monkeypatch.setattr(frame_compare, "read_frame", lambda path: (df, err))
    c = compare_with_fields(seed_capture, [m for m in FIELD_MAP if m.column == "mss"])
    assert len(c.differences) == 11 and {d.other for d in c.differences} == {None}


SHARED_CAPTURES = shared_captures()


@pytest.mark.skipif(not SHARED_CAPTURES, reason=f"no shared captures at {SHARED}/captures "
                    "(a developer machine's folder next to the repository; CI has none)")
def test_shared_captures_sweep():
    # The whole of tools/frame_sweep.py as a test: about 15 s for ~146 captures.
    start = time.monotonic()
    unexpected = []
    cells = 0
    for capture in SHARED_CAPTURES:
        for c in (compare_with_segments(capture), compare_with_fields(capture)):
            cells += c.cells
            differing = {d.column for d in c.differences}
            if differing != known_columns(capture, c.against):
                unexpected.append((str(capture), c.against, c.differences[:3]))
    assert unexpected == []
    assert cells > 1_000_000  # the captures were read, not skipped
    print(f"{len(SHARED_CAPTURES)} captures, {cells} cells, {time.monotonic() - start:.1f} s")


def test_known_differences_name_shared_captures():
    # A typo in KNOWN_DIFFERENCES would silently expect nothing.
    for rel, by in KNOWN_DIFFERENCES.items():
        assert set(by) <= {"segments", "fields"}
        if SHARED_CAPTURES:
            assert (SHARED / "captures" / rel).is_file(), rel
