"""One scheduler per store: ``readout run`` holds an OS lock on a file beside the store.

Two services on one store would both poll every source and both drain the outbox, so
every alert could go out twice. SQLite itself is happy with several writers (WAL), which
is why ``readout poll``, ``check`` and ``backup`` take no lock and work beside a running
service; only ``run`` does.

The lock is ``flock`` on ``<store>.lock``, not a pid file judged by its existence: the
kernel drops it when the holder dies however it dies (SIGKILL, OOM, a power cut on the
host), so it is never stale and the next start succeeds at once. The file keeps the
holder's pid and host only so a refused start can say who holds it; it is left in place
on exit, since deleting it would race a starter that has just opened it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from pathlib import Path
from types import TracebackType
from typing import IO


class StoreLockedError(Exception):
    """Another process already runs the service on this store; the text says which."""


class StoreLock:
    """Held for as long as the ``with`` block runs; ``:memory:`` stores need none."""

    def __init__(self, store_path: str) -> None:
        self.store = store_path
        self.path = None if store_path == ":memory:" else Path(f"{store_path}.lock")
        self._file: IO[str] | None = None

    def __enter__(self) -> StoreLock:
        if self.path is None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Opened without truncating: the holder's pid must survive a refused start.
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            handle.close()
            raise StoreLockedError(
                f"{self.store} is in use by another 'readout run' ({holder})"
            ) from None
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        self._file = handle
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file is not None:
            self._file.close()  # closing the last descriptor releases the flock
            self._file = None


def _holder(handle: IO[str]) -> str:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        handle.seek(0)
        text = handle.read(200).strip()
        if text:
            return text
    return "pid unknown"
