"""Wireshark field names over :class:`tcptrace.Segment`, formatted as tshark prints them.

The formatting is done in C (``csrc/fields.c``): ``tcptrace fields`` writes rows without
a Python object per segment, and :func:`row` gives the cells of one segment. An absent
field is an empty cell, as ``tshark -T fields`` prints it; a field with several
occurrences (``ip.src`` of a tunnelled packet, ``tcp.options.sack_le``) is joined with the
aggregator, or one occurrence is picked.
"""
from __future__ import annotations

import difflib
from typing import Iterable, List, Optional, Sequence

from . import _core
from ._core import Segment

#: Every field name tcptrace knows, in field-id order.
FIELD_NAMES = _core.field_names()
_ID = {name: i for i, name in enumerate(FIELD_NAMES)}


def format_time_ns(ns: int) -> str:
    """Nanoseconds as tshark prints a relative time: seconds with 9 decimals."""
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    return f"{sign}{ns // 1_000_000_000}.{ns % 1_000_000_000:09d}"


def known_fields() -> List[str]:
    """The field names, sorted."""
    return sorted(FIELD_NAMES)


def check_fields(names: Iterable[str]) -> None:
    """Raise ValueError naming every unknown field, with close matches."""
    bad = [n for n in names if n not in _ID]
    if bad:
        hints = []
        for b in bad:
            close = difflib.get_close_matches(b, FIELD_NAMES, n=3)
            hints.append(f"{b!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
        raise ValueError("unknown field: " + "; ".join(hints))


def field_ids(names: Sequence[str]) -> List[int]:
    """Field ids of names (ValueError for an unknown one)."""
    check_fields(names)
    return [_ID[n] for n in names]


# Fields read straight from the frame: a request for only these skips the TCP analysis
# (csrc/fields.c's table says which).
DECODE_ONLY_FIELDS = frozenset(n for n, a in zip(FIELD_NAMES, _core._field_needs_analysis()) if not a)


def needs_analysis(names: Sequence[str]) -> bool:
    """Whether any of the fields needs conversations and the TCP analysis."""
    return any(n not in DECODE_ONLY_FIELDS for n in names)


def occurrence_code(occurrence: str) -> int:
    """tshark's -E occurrence (a, f, l or a number) as the C formatter's code."""
    if occurrence == "a":
        return 0
    if occurrence == "f":
        return 1
    if occurrence == "l":
        return -1
    n = int(occurrence)
    if n < 1:
        raise ValueError(f"invalid occurrence {occurrence!r}")
    return n


def row(seg: Segment, names: Sequence[str], occurrence: str = "a", aggregator: str = ",",
        prev: Optional[Segment] = None) -> List[str]:
    """The cells of one segment for the named fields, as ``tshark -T fields`` prints them.

    ``prev`` is the segment shown before this one, which ``frame.time_delta_displayed``
    counts from (None: this is the first shown, the delta is 0)."""
    return _core._segment_fields(seg, field_ids(names), occurrence_code(occurrence), aggregator, prev)
