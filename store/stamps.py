"""When unchanged sources were last polled, held for a moment and written together.

A 304 changes nothing about a healthy source but two times (``last_attempt`` and
``last_success``); committing them one source at a time was a transaction per source
on the event loop, a third of what the store spent on an unchanged poll. Losing them
in a crash is harmless: the validators they would have sat beside are stored already,
so the next poll asks with the same ones and gets its 304 again. So they are kept here
and written in one transaction, ``STAMP_SECONDS`` after the first one waiting, when a
cycle ends, and when the store closes; meanwhile the store reads them over what is
stored (``Store.fetch_state``, ``Store.states``), so /status, health and relocation read
the same as if each had been written at once.

The write only ever moves a time forward, so a stamp written after a newer poll of its
source (stored meanwhile by the writer thread, which cannot see what waits here) never
takes that poll's time back.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import sqlite_utils

log = logging.getLogger(__name__)

# How long a stamp waits for others to be written with it: short beside any poll
# interval, long enough that a cycle's unchanged sources share a few transactions.
STAMP_SECONDS = 1.0

_WRITE = (
    "UPDATE source_state SET last_attempt = max(coalesce(last_attempt, ''), ?), "
    "last_success = max(coalesce(last_success, ''), ?) WHERE source_id = ?"
)


class Stamps:
    """The times of polls that found their source unchanged, not yet written."""

    def __init__(self, db: sqlite_utils.Database, delay: float = STAMP_SECONDS) -> None:
        self._db = db
        self._delay = delay
        self._waiting: dict[str, str] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    def __len__(self) -> int:
        return len(self._waiting)

    def hold(self, source_id: str, moment: str) -> bool:
        """Keep ``moment`` (an ISO time) as the source's last attempt and success, to be
        written soon; False when there is no event loop to write it later (the caller
        writes it at once)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._waiting[source_id] = max(moment, self._waiting.get(source_id, moment))
        if self._timer is None or self._timer_loop is not loop:
            self._timer = loop.call_later(self._delay, self._write_later)
            self._timer_loop = loop
        return True

    def get(self, source_id: str) -> str | None:
        """The time waiting for ``source_id``, if any."""
        return self._waiting.get(source_id)

    def write(self, source_id: str | None = None) -> None:
        """Write what waits (only ``source_id``'s, if given) in one transaction.

        On failure the stamps stay waiting, for the next write to try again.
        """
        if source_id is not None:
            moment = self._waiting.pop(source_id, None)
            if moment is not None:
                self._db.execute(_WRITE, [moment, moment, source_id])
            return
        self._cancel_timer()
        if not self._waiting:
            return
        waiting, self._waiting = self._waiting, {}
        try:
            with self._db.atomic():
                self._db.conn.executemany(
                    _WRITE, [(moment, moment, source) for source, moment in waiting.items()]
                )
        except BaseException:
            for source, moment in waiting.items():
                self._waiting[source] = max(moment, self._waiting.get(source, moment))
            raise

    def close(self) -> None:
        """Write what waits before the store closes; a failure loses only the stamps."""
        try:
            self.write()
        except sqlite3.Error as error:
            log.warning("could not store when %d sources were polled: %s", len(self), error)
        self._waiting.clear()

    def _write_later(self) -> None:
        self._timer = self._timer_loop = None
        try:
            self.write()
        except sqlite3.Error as error:  # harmless: the next write, or the close, tries again
            log.warning("could not store when %d sources were polled: %s", len(self), error)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._timer_loop = None
