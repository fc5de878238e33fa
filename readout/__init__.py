"""Readout: official press releases to SQLite to the people who watch leaders.

``__version__`` is looked up on first use (PEP 562), not on import: importlib.metadata
and the scan of installed distributions cost 30-40 ms, which is most of what
``readout --help`` would otherwise spend before printing anything.
"""

from __future__ import annotations

import functools


@functools.cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("readout")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
