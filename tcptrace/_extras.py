"""The optional dependencies and the extra that installs each: one table, for every
"this needs X" message (the CLI's and the API's)."""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar

# module -> the extra of `pip install 'tcptrace[EXTRA]'` that brings it
EXTRA_OF = {"pandas": "pandas", "numpy": "pandas", "matplotlib": "plot", "pyarrow": "parquet",
            "tqdm": "progress", "dask": "dask", "distributed": "dask", "tomli": "check"}

F = TypeVar("F", bound=Callable[..., Any])


def hint(e: BaseException, what: str = "this") -> Optional[str]:
    """The sentence for a missing optional module, or None when e is not one."""
    if not isinstance(e, ModuleNotFoundError) or not e.name:
        return None
    top = e.name.split(".")[0]
    if top not in EXTRA_OF:
        return None
    return f"{what} needs {top}: pip install 'tcptrace[{EXTRA_OF[top]}]'"


def needs_extras(what: str) -> Callable[[F], F]:
    """Turn a missing optional module inside the function into an ImportError that says
    which extra to install (the original error chained)."""
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except ModuleNotFoundError as e:
                sentence = hint(e, what)
                if sentence is None:
                    raise
                raise ImportError(sentence, name=e.name) from e
        return inner  # type: ignore[return-value]
    return wrap
