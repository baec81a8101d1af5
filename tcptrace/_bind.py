"""The methods of the C types that are written in Python, attached at import.

The extension (``tcptrace._core``) only binds the C core: it never imports this
package. What a ``Segment`` or ``Connection`` method needs from Python (the sentences of
``explain()``, the stream reassembly behind ``payload()``) lives here and is set on the
C types when ``tcptrace`` is imported, so ``tcptrace.Segment`` and ``tcptrace._core.Segment``
stay one type. ``tcptrace/_core.pyi`` declares them with the rest of each type.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Tuple, Union

from . import _core

if TYPE_CHECKING:
    from .streams import Chunk, Message, Payload


def _explain(self: _core.Segment) -> List[str]:
    """explain() -> list of str

    Why each analysis flag was set: one sentence per flag, naming the rule and the
    values that decided it."""
    from .explain import explain

    return explain(self)


def _source(conn: _core.Connection) -> Tuple[Any, Optional[str]]:
    src = conn._source
    if src is None:
        raise ValueError("this Connection does not know its capture file")
    return src


def _payload(self: _core.Connection, direction: Union[int, str]) -> Payload:
    """payload(direction) -> Payload

    The reassembled bytes of one direction ('c2s' or 's2c') with a gap map; reads the
    capture file again (tcptrace.streams.payload)."""
    from . import streams

    return streams.payload(_source(self), self.stream, direction)  # type: ignore[arg-type]


def _chunks(self: _core.Connection) -> List[Chunk]:
    """chunks() -> list[Chunk]

    The conversation's ordered (direction, offset, bytes, frames) chunks."""
    from . import streams

    return streams.chunks(_source(self), self.stream)  # type: ignore[arg-type]


def _messages(self: _core.Connection) -> List[Message]:
    """messages() -> list[Message]

    HTTP/1.x and TLS messages of the connection, with their frames."""
    from . import streams

    return streams.conn_messages(_source(self), self.stream)  # type: ignore[arg-type]


def attach() -> None:
    """Set the Python-written methods on the C types (once, at ``import tcptrace``)."""
    for cls, name, fn in (
        (_core.Segment, "explain", _explain),
        (_core.Connection, "payload", _payload),
        (_core.Connection, "chunks", _chunks),
        (_core.Connection, "messages", _messages),
    ):
        fn.__name__ = fn.__qualname__ = name
        fn.__qualname__ = f"{cls.__name__}.{name}"
        setattr(cls, name, fn)
