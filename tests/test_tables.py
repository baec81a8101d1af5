"""One place for each fact: the analysis flags are one table (csrc/analysis_flags.h);
every list on the Python side that has one entry per flag is generated from it or
checked here against it, so a new flag cannot be forgotten in one of them."""
import tcptrace
from tcptrace import _core, expertinfo, explain, frames, plot

TABLE = _core.analysis_flags()
NAMES = tuple(row[0] for row in TABLE)


def test_table_rows_are_whole_and_unique():
    assert NAMES == _core.analysis_flag_names()
    assert len(set(NAMES)) == len(NAMES) == 15
    for name, field, label, severity, summary, title in TABLE:
        assert field == f"tcp.analysis.{name}"
        assert label.startswith("[TCP ") and label.endswith("] ")
        assert severity in ("chat", "note", "warning", "error")
        assert summary and title


def test_python_lists_cover_every_flag_once():
    assert tuple(frames.ANALYSIS_FLAGS) == NAMES
    assert sorted(explain.ORDER) == sorted(NAMES)
    assert set(explain.TITLES) == set(NAMES)
    assert sorted(expertinfo.EXPERT_FLAG_ORDER) == sorted(NAMES)
    assert set(plot._ANALYSIS_STYLE) == set(NAMES)
    flagged = [i.flag for i in expertinfo.ITEMS if i.flag]
    assert sorted(flagged) == sorted(NAMES)


def test_every_flag_has_an_explanation_sentence():
    for name in NAMES:
        assert callable(getattr(explain, f"_s_{name}", None)), name


def test_every_flag_is_a_field_and_a_column():
    from conftest import DATA

    from tcptrace import fields

    known = set(fields.known_fields())
    assert {f"tcp.analysis.{name}" for name in NAMES} <= known
    df = tcptrace.segments(str(DATA / "http_get_clean.pcap"))
    assert set(NAMES) <= set(df.columns)


def test_columns_table_drives_the_python_column_lists():
    specs = _core._column_specs()
    names = [s[0] for s in specs]
    assert len(set(names)) == len(names)
    assert frames._ANALYSIS_BASE == {s[0] for s in specs if s[3]}
    # every C column is reachable by name from segments(columns=...)
    assert set(names) <= set(frames.ALL_COLUMNS) | set(frames._SECONDS.values())
