"""Safe check expressions: parsing, evaluation, errors."""
import numpy as np
import pytest

from tcptrace.expr import ExprError, failing_rows, holds, parse

TABLE = {
    "state": np.array(["SF", "SF", "REJ"], dtype=object),
    "retransmissions": np.array([0, 2, 0]),
    "handshake_rtt": np.array([0.01, 0.03, np.nan]),
    "dport": np.array([80, 443, 22]),
    "zero_window": np.array([0, 0, 1]),
}


def ev(text):
    return parse(text).evaluate(TABLE)


def test_per_row_comparison_and_all():
    v = ev('state == "SF"')
    assert v.tolist() == [True, True, False]
    assert not holds(v) and failing_rows(v) == [2]
    assert ev('all(state == "SF")') is False
    assert ev('any(state == "REJ")') is True


def test_aggregates():
    assert ev("count(zero_window) == 0") is False
    assert ev("count(zero_window)") == 1
    assert ev("sum(retransmissions)") == 2
    assert ev("max(handshake_rtt)") == pytest.approx(0.03)  # NaN ignored
    assert ev("mean(dport)") == pytest.approx(181.6666, rel=1e-4)
    assert ev("len(dport)") == 3


def test_boolean_operators_and_membership():
    v = ev("dport in (80, 443) and retransmissions == 0")
    assert v.tolist() == [True, False, False]
    assert ev("not any(dport == 8080)") is True
    assert ev("dport not in [22]").tolist() == [True, True, False]


def test_chained_comparison_and_arithmetic():
    assert ev("0 <= max(handshake_rtt) * 1000 < 50") is True
    assert ev("sum(retransmissions) / len(dport) < 1") is True


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')",
    "state.__class__",
    "[x for x in dport]",
    "lambda: 1",
    "open('/etc/passwd')",
])
def test_unsafe_constructs_are_refused(text):
    with pytest.raises(ExprError):
        parse(text)


def test_unknown_name_lists_close_matches():
    with pytest.raises(ExprError, match="retransmisions.*retransmissions"):
        ev("retransmisions == 0")


def test_syntax_error_is_expr_error():
    with pytest.raises(ExprError, match="cannot parse"):
        parse("retransmissions ==")
