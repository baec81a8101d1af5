"""Agreement with tshark 4.0.17 on the fields that need no connection state, for
every capture in tests/data (golden tables committed beside them)."""
import pytest

from conftest import DECODE_FIELDS, disagreements, golden_captures


@pytest.mark.parametrize("capture", golden_captures(), ids=lambda p: p.name)
def test_decode_fields_match_tshark(capture):
    bad = disagreements(capture, "fields", DECODE_FIELDS)
    assert bad[:10] == [], f"{len(bad)} disagreements"
