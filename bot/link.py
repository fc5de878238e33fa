"""Whether Telegram answers: one state, fed by every request the bots make.

PTB reports failures to whoever made the call, and successes to nobody: the updater's
polling loop retries a dead network silently, the sender sees only its own sends. So the
state is read where all of them pass, the HTTP request object (``WatchedRequest``): any
answer from the Bot API means Telegram is reachable; no answer (connection refused,
timeout) or a 5xx means it is not. Each change of state is logged once, whoever noticed
it, and wakes those waiting for Telegram to come back (the sender, which holds alerts in
the outbox meanwhile, rather than spend their retries on a dead line).

Two answers are states of their own: 401/404 means Telegram rejected the token (nothing
but a new token helps, so the service stops), and 409 to ``getUpdates`` means another
process polls with the same token (Telegram is up, but chat commands go to the other one).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)

NOT_CONNECTED = "not connected yet"


def _now() -> datetime:
    return datetime.now(UTC)


class TelegramLink:
    """Telegram reachable or not (since when, and why), rejected, or polled elsewhere."""

    def __init__(self) -> None:
        self.up = asyncio.Event()
        self.down = asyncio.Event()
        self.down.set()
        self.rejected = asyncio.Event()
        self.down_since: datetime | None = _now()
        self.reason = NOT_CONNECTED
        self.conflict_since: datetime | None = None
        self.on_up: list[Callable[[], None]] = []
        self._was_up = False

    def answered(self, method: str, status: int) -> None:
        """Telegram answered ``method`` with HTTP ``status``."""
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND):
            self.rejected.set()  # the service stops, saying so in one line
            return
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            self.failed(f"HTTP {status} from {method}")
            return
        self._reachable()
        if method == "getUpdates":
            self._polled(conflict=status == HTTPStatus.CONFLICT)

    def failed(self, reason: str) -> None:
        """No usable answer: the line (or Telegram) is down."""
        if not self._was_up and self.reason == NOT_CONNECTED:
            log.warning(
                "Telegram unreachable at start-up (%s): polling sources anyway, alerts wait "
                "in the outbox; retrying",
                reason,
            )
        if self.up.is_set():
            log.warning("Telegram unreachable (%s): alerts wait in the outbox", reason)
            self.down_since = _now()
            self.up.clear()
            self.down.set()
        if self.down_since is not None:
            self.reason = reason

    def _reachable(self) -> None:
        if self.up.is_set():
            return
        if self._was_up:
            assert self.down_since is not None
            lasted = int((_now() - self.down_since).total_seconds())
            log.warning("Telegram reachable again after %d s; sending what waited", lasted)
        self._was_up = True
        self.down_since, self.reason = None, ""
        self.down.clear()
        self.up.set()
        for listener in self.on_up:
            listener()

    def _polled(self, conflict: bool) -> None:
        if conflict and self.conflict_since is None:
            self.conflict_since = _now()
            log.error(
                "another process is polling this bot token (409 Conflict): chat commands go "
                "to it, not here, until it stops"
            )
        elif not conflict and self.conflict_since is not None:
            self.conflict_since = None
            log.warning("receiving chat commands again (the other poller stopped)")

    def problem(self) -> str | None:
        """What is wrong with the link, worded to follow "telegram" (/healthz, /status)."""
        if self.down_since is not None:
            return f"unreachable since {self.down_since.isoformat(timespec='seconds')}"
        if self.conflict_since is not None:
            since = self.conflict_since.isoformat(timespec="seconds")
            return f"polled by another process since {since} (409 Conflict)"
        return None


class WatchedRequest(HTTPXRequest):
    """PTB's httpx request, telling a ``TelegramLink`` how each call went.

    Never logs the URL: it carries the token.
    """

    def __init__(self, link: TelegramLink, **options: Any) -> None:
        super().__init__(**options)
        self.link = link

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        try:
            status, payload = await super().do_request(url, method, *args, **kwargs)
        except TimedOut as error:
            # A pool timeout is our own queue, not Telegram: the request never left.
            if "pool" not in error.message.lower():
                self.link.failed(f"{endpoint} timed out")
            raise
        except NetworkError as error:
            self.link.failed(f"{endpoint}: {error.message}")
            raise
        self.link.answered(endpoint, status)
        return status, payload
