"""Wireshark display filters (``-Y``) over the fields tcptrace knows.

    pred = dfilter.compile("tcp.analysis.retransmission || tcp.port == 443")
    hits = [seg for seg in tcptrace.open("x.pcap") if pred(seg)]

The syntax is Wireshark's for what a TCP analysis needs: a field alone tests that it is
present (``tcp.analysis.duplicate_ack``); comparisons ``==`` ``!=`` ``>`` ``<`` ``>=``
``<=`` (and ``eq`` ``ne`` ``gt`` ``lt`` ``ge`` ``le``) against numbers (decimal, ``0x``
hex, fractions), addresses and networks (``ip.addr == 10.0.0.0/8``), quoted strings and
booleans; ``contains`` for text (``_ws.col.Info contains "Dup ACK"``); ``and``/``&&``,
``or``/``||``, ``not``/``!`` and parentheses. As in Wireshark 4.0, a comparison holds when
any occurrence of the field matches, and ``a != b`` when none equals (``!(a == b)``).

It knows the fields of ``tcptrace fields`` (docs/fields.md: ``tcp.port``, the
``tcp.flags.*`` bits among them), the protocols alone (``tcp``, ``ip``, ``ipv6``,
``frame``) and Wireshark's two-sided ``ip.addr`` and ``ipv6.addr``. Filters are
evaluated in Python, one segment at a time: slower than the C paths, which a BPF filter
(``-f``) or pandas (``segments().query``) keep.
"""
from __future__ import annotations

import difflib
import ipaddress
import re
from typing import Any, Callable, List, Optional, Sequence, Tuple

from . import fields as fieldmod
from ._core import Segment

Predicate = Callable[[Segment], bool]

# Wireshark's fields that stand for two of ours (either side of the connection).
PAIRED = {"ip.addr": ("ip.src", "ip.dst"), "ipv6.addr": ("ipv6.src", "ipv6.dst")}
_OPS = {"==": "==", "eq": "==", "!=": "!=", "ne": "!=", ">": ">", "gt": ">", "<": "<", "lt": "<",
        ">=": ">=", "ge": ">=", "<=": "<=", "le": "<=", "contains": "contains"}
_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>==|!=|>=|<=|&&|\|\||[()!<>])'
                    r"|(?P<word>[A-Za-z0-9_.:/\-]+))")


class DisplayFilterError(ValueError):
    """A display filter that cannot be read, with where and why."""


def _tokens(text: str) -> List[str]:
    out: List[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise DisplayFilterError(f"display filter {text!r}: cannot read {text[pos:].strip()!r}")
        out.append(m.group("str") or m.group("op") or m.group("word"))
        pos = m.end()
    return out


def _field_values(name: str) -> Callable[[Segment], List[str]]:
    """A function giving every occurrence of a field in a segment, as text."""
    if name in ("tcp", "frame"):  # a protocol alone: present in every TCP segment
        return lambda seg: ["1"]
    if name in ("ip", "ipv6"):
        src = "ip.src" if name == "ip" else "ipv6.src"
        return lambda seg: _split(fieldmod.row(seg, [src]))
    if name in PAIRED:
        a, b = PAIRED[name]
        return lambda seg: _split(fieldmod.row(seg, [a, b]))
    if name not in fieldmod.FIELD_NAMES:
        known = list(fieldmod.FIELD_NAMES) + list(PAIRED)
        close = difflib.get_close_matches(name, known, n=3)
        raise DisplayFilterError(f"unknown field {name!r}" + (f" (did you mean {', '.join(close)}?)" if close
                                                             else "; docs/fields.md lists the fields"))
    return lambda seg: _split(fieldmod.row(seg, [name]))


def _split(cells: Sequence[str]) -> List[str]:
    return [v for cell in cells if cell for v in cell.split(",")]


def _literal(text: str) -> Tuple[str, Any]:
    """A value to compare with: ("num", float), ("net", network), ("str", text)."""
    if text.startswith('"'):
        return "str", re.sub(r"\\(.)", r"\1", text[1:-1])
    low = text.lower()
    if low in ("true", "false"):
        return "num", 1.0 if low == "true" else 0.0
    try:
        return "num", float(int(text, 16)) if low.startswith("0x") else float(text)
    except ValueError:
        pass
    try:
        return "net", ipaddress.ip_network(text, strict=False)
    except ValueError:
        return "str", text


def _matches(value: str, op: str, lit: Tuple[str, Any]) -> bool:
    kind, want = lit
    if op == "contains":
        return (want if kind == "str" else str(want)) in value
    if kind == "num":
        try:
            v = float(int(value, 16)) if value.lower().startswith("0x") else float(value)
        except ValueError:
            return False
        return bool({"==": v == want, "!=": v != want, ">": v > want, "<": v < want, ">=": v >= want,
                     "<=": v <= want}[op])
    if kind == "net":
        try:
            inside = ipaddress.ip_address(value) in want
        except ValueError:
            return False
        return inside if op == "==" else not inside if op == "!=" else False
    return value == want if op == "==" else value != want if op == "!=" else False


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.fields: List[str] = []

    def peek(self) -> Optional[str]:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise DisplayFilterError(f"display filter {self.text!r} ends too soon")
        self.i += 1
        return tok

    def parse(self) -> Predicate:
        if not self.toks:
            raise DisplayFilterError("empty display filter")
        pred = self.or_expr()
        if self.peek() is not None:
            raise DisplayFilterError(f"display filter {self.text!r}: unexpected {self.peek()!r}")
        return pred

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.peek() in ("or", "||"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda seg: any(p(seg) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.peek() in ("and", "&&"):
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda seg: all(p(seg) for p in parts))

    def not_expr(self) -> Predicate:
        if self.peek() in ("not", "!"):
            self.take()
            inner = self.not_expr()
            return lambda seg: not inner(seg)
        return self.primary()

    def primary(self) -> Predicate:
        tok = self.take()
        if tok == "(":
            pred = self.or_expr()
            if self.take() != ")":
                raise DisplayFilterError(f"display filter {self.text!r}: ')' expected")
            return pred
        if tok in _OPS or tok in (")", "&&", "||"):
            raise DisplayFilterError(f"display filter {self.text!r}: a field name expected, not {tok!r}")
        values = _field_values(tok)
        self.fields.append(tok)
        op = _OPS.get(self.peek() or "")
        if op is None:
            return lambda seg: bool(values(seg))
        self.take()
        lit = _literal(self.take())
        if op == "!=":  # Wireshark 4.0: none of the occurrences equals
            return lambda seg: bool(vs := values(seg)) and not any(_matches(v, "==", lit) for v in vs)
        return lambda seg: any(_matches(v, op, lit) for v in values(seg))


def compile(text: str) -> Predicate:
    """A predicate over Segments for a Wireshark display filter (DisplayFilterError,
    a ValueError, for one that cannot be read or names an unknown field)."""
    return _Parser(text).parse()


def fields_of(text: str) -> List[str]:
    """The fields a display filter reads (for deciding whether the analysis must run)."""
    p = _Parser(text)
    p.parse()
    out: List[str] = []
    for f in p.fields:
        out += list(PAIRED.get(f, (f,)))
    return out


__all__ = ["DisplayFilterError", "compile", "fields_of", "Predicate"]
