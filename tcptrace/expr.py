"""Safe expressions over table columns, for regression checks.

    retransmissions == 0
    handshake_rtt < 0.05
    all(state == "SF")
    count(zero_window_c2s > 0) == 0
    max(rtt_max_c2s) < 0.2 and dport in (80, 443)
    delta.retransmissions > 0            (dotted names: tables keyed "delta.retransmissions")

An expression is parsed with :mod:`ast` and only a small whitelist of node types is
evaluated: comparisons, ``and``/``or``/``not``, arithmetic, names of columns, literals,
and the aggregate functions ``all any count sum min max mean len``. Nothing is passed to
``eval``. Names are columns of a table (one value per row, e.g. per connection); an
expression that is per row (``state == "SF"``) passes when it holds on every row.
"""
from __future__ import annotations

import ast
import difflib
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Sequence

import numpy as np


class ExprError(ValueError):
    """An expression that cannot be parsed or names something unknown."""


_CMP: Dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_BIN: Dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Mod: operator.mod, ast.FloorDiv: operator.floordiv,
}


def _as_array(v: Any) -> np.ndarray:
    if hasattr(v, "to_numpy"):
        v = v.to_numpy()
    return np.asarray(v)


def _count(v: Any) -> int:
    a = _as_array(v)
    if a.ndim == 0:
        return int(bool(a))
    if a.dtype == object:
        return int(sum(1 for x in a if x is not None and x == x and x))
    return int(np.count_nonzero(np.nan_to_num(a.astype(float), nan=0.0)) if a.dtype.kind == "f"
               else np.count_nonzero(a))


def _reduce(fn: Callable[[np.ndarray], Any], empty: Any) -> Callable[[Any], Any]:
    def go(v: Any) -> Any:
        a = _as_array(v)
        if a.ndim == 0:
            return a.item()
        if a.dtype.kind == "f":
            a = a[~np.isnan(a)]
        elif a.dtype == object:
            a = np.array([x for x in a if x is not None and x == x])
        return fn(a).item() if a.size else empty
    return go


FUNCTIONS: Dict[str, Callable[[Any], Any]] = {
    "all": lambda v: bool(np.all(_as_array(v).astype(bool))),
    "any": lambda v: bool(np.any(_as_array(v).astype(bool))),
    "count": _count,
    "len": lambda v: int(_as_array(v).size),
    "sum": _reduce(np.sum, 0),
    "min": _reduce(np.min, None),
    "max": _reduce(np.max, None),
    "mean": _reduce(np.mean, None),
    "abs": lambda v: np.abs(v) if isinstance(v, np.ndarray) else (None if v is None else abs(v)),
}


@dataclass
class Expr:
    """A parsed expression: ``text``, and the column names it reads."""

    text: str
    tree: ast.Expression
    names: List[str] = field(default_factory=list)

    def evaluate(self, table: Mapping[str, Any]) -> Any:
        """The value over ``table`` (column name -> sequence, or scalar)."""
        unknown = [n for n in self.names if n not in table]
        if unknown:
            raise ExprError(_unknown_message(unknown[0], list(table)))
        return _Eval(table).visit(self.tree.body)


def _unknown_message(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=4, cutoff=0.5)
    msg = f"unknown name {name!r}"
    if close:
        msg += f"; did you mean {', '.join(close)}?"
    return msg


_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
            ast.Compare, ast.BinOp, ast.Call, ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List,
            ast.In, ast.NotIn, ast.Attribute, *_CMP, *_BIN)


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` as text, for an Attribute chain over a Name; ExprError otherwise."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            raise ExprError(f"attribute {node.attr!r} is not allowed in an expression")
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise ExprError("only names may be dotted (after.retransmissions)")
    parts.append(node.id)
    return ".".join(reversed(parts))


def parse(text: str) -> Expr:
    """Parse and check an expression; raise ExprError saying what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ExprError(f"cannot parse {text!r}: {e.msg} at column {e.offset}") from None
    names: List[str] = []
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExprError(f"{type(node).__name__} is not allowed in an expression: {text!r}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                fname = getattr(node.func, "id", "?")
                raise ExprError(f"unknown function {fname!r}; known: {', '.join(sorted(FUNCTIONS))}")
            if len(node.args) != 1 or node.keywords:
                raise ExprError(f"{node.func.id}() takes one argument")
        elif isinstance(node, ast.Attribute):
            if id(node) not in inner:
                dotted = _dotted(node)
                if dotted not in names:
                    names.append(dotted)
        elif isinstance(node, ast.Name):
            if id(node) in inner:
                continue
            is_func = any(isinstance(p, ast.Call) and p.func is node for p in ast.walk(tree))
            if not is_func and node.id not in names:
                names.append(node.id)
        elif isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str, bool)):
            raise ExprError(f"constant {node.value!r} is not allowed")
    return Expr(text.strip(), tree, names)


class _Eval(ast.NodeVisitor):
    def __init__(self, table: Mapping[str, Any]):
        self.table = table

    def generic_visit(self, node: ast.AST) -> Any:  # pragma: no cover - parse() rejects these
        raise ExprError(f"{type(node).__name__} is not allowed")

    def visit_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def visit_Name(self, node: ast.Name) -> Any:
        v = self.table[node.id]
        if hasattr(v, "to_numpy") and getattr(v, "dtype", None) is not None and str(v.dtype) in ("category",):
            return v.astype(str).to_numpy()
        return v.to_numpy() if hasattr(v, "to_numpy") else v

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        v = self.table[_dotted(node)]
        return v.to_numpy() if hasattr(v, "to_numpy") else v

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        return tuple(self.visit(e) for e in node.elts)

    def visit_List(self, node: ast.List) -> Any:
        return tuple(self.visit(e) for e in node.elts)

    def visit_Call(self, node: ast.Call) -> Any:
        return FUNCTIONS[node.func.id](self.visit(node.args[0]))  # type: ignore[attr-defined]

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        v = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return np.logical_not(v) if isinstance(v, np.ndarray) else not v
        return -v if isinstance(node.op, ast.USub) else +v

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        return _BIN[type(node.op)](self.visit(node.left), self.visit(node.right))

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        vals = [self.visit(v) for v in node.values]
        if any(isinstance(v, np.ndarray) for v in vals):
            f = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            out = _as_bool(vals[0])
            for v in vals[1:]:
                out = f(out, _as_bool(v))
            return out
        if isinstance(node.op, ast.And):
            return all(bool(v) for v in vals)
        return any(bool(v) for v in vals)

    def visit_Compare(self, node: ast.Compare) -> Any:
        left = self.visit(node.left)
        result: Any = True
        for op, right_node in zip(node.ops, node.comparators):
            right = self.visit(right_node)
            r: Any
            if isinstance(op, (ast.In, ast.NotIn)):
                items = right if isinstance(right, tuple) else (right,)
                if isinstance(left, np.ndarray):
                    r = np.isin(left, np.array(items, dtype=left.dtype if left.dtype != object else object))
                else:
                    r = left in items
                if isinstance(op, ast.NotIn):
                    r = np.logical_not(r) if isinstance(r, np.ndarray) else not r
            else:
                if left is None or right is None:
                    r = False
                else:
                    r = _CMP[type(op)](left, right)
            result = np.logical_and(result, r) if isinstance(r, np.ndarray) or isinstance(result, np.ndarray) \
                else (result and r)
            left = right
        return result


def _as_bool(v: Any) -> Any:
    return v.astype(bool) if isinstance(v, np.ndarray) else bool(v)


def holds(value: Any) -> bool:
    """Whether an evaluated value passes: every row true for a per-row value."""
    if isinstance(value, np.ndarray):
        return bool(np.all(value.astype(bool))) if value.size else True
    return bool(value)


def failing_rows(value: Any) -> List[int]:
    """Row positions where a per-row value is false (empty for a scalar)."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return [int(i) for i in np.flatnonzero(~value.astype(bool))]
    return []
