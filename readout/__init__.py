"""Readout: official press releases to SQLite to the people who watch leaders."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("readout")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
