"""Flood control for the two ways Readout talks to Telegram: alerts and chat replies.

PTB's ``AIORateLimiter`` is one limiter per bot, and a ``RetryAfter`` anywhere pauses every
request of that bot: a 30 s flood wait on an alert held every chat reply for 30 s. Telegram's
limits are not all of that shape. Its overall budget (about 30 messages a second) and its
20 a minute per group are per token, so they must be shared by alerts and replies alike;
but a flood wait is mostly about one chat (one message a second each, 20 a minute per
group), so it should hold that chat and nothing else.

Hence ``TelegramLimits``, the budget one token has (shared), and ``FloodGate``, one
sending path's limiter (the alert sender's bot has one, the bot that answers commands
another): it draws on the shared budget and keeps its own flood waits, chat by chat. A
flood wait without a chat (a method that names none) holds only such methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Past this many per-group limiters (or remembered flood waits), idle ones are dropped:
# a group limiter with its full capacity back, a flood wait that has ended, remember nothing.
TABLE_BOUND = 512
Result = bool | dict[str, Any] | list[dict[str, Any]]
ChatKey = int | str | None


class TelegramLimits:
    """One bot token's budget: so many messages a second overall, so many a minute a group."""

    def __init__(
        self,
        per_second: float = FloodLimit.MESSAGES_PER_SECOND,
        per_group_per_minute: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
    ) -> None:
        self.overall = AsyncLimiter(per_second, 1)
        self.per_group_per_minute = per_group_per_minute
        self._groups: dict[int | str, AsyncLimiter] = {}

    def group(self, chat: int | str) -> AsyncLimiter:
        if len(self._groups) > TABLE_BOUND:
            for key, limiter in list(self._groups.items()):
                if key != chat and limiter.has_capacity(limiter.max_rate):
                    del self._groups[key]
        if chat not in self._groups:
            self._groups[chat] = AsyncLimiter(self.per_group_per_minute, 60)
        return self._groups[chat]


class FloodGate(BaseRateLimiter[int]):
    """A sending path's limiter over shared ``TelegramLimits``; flood waits held per chat.

    ``max_retries`` flood waits are waited out before ``RetryAfter`` reaches the caller
    (``rate_limit_args`` overrides it per call, as with ``AIORateLimiter``).
    """

    def __init__(
        self,
        limits: TelegramLimits,
        max_retries: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.max_retries = max_retries
        self.clock = clock
        self._resume_at: dict[ChatKey, float] = {}
        # Requests sent and not yet answered: while 0, cancelling the caller loses nothing
        # (a flood wait or a wait for budget sends nothing), so a stop need not wait.
        self.on_wire = 0

    async def initialize(self) -> None:
        """Nothing to set up: the limiters are created lazily on the running loop."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        chat = _chat_key(data.get("chat_id"))
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            await self._wait_out(chat)
            try:
                return await self._limited(chat, callback, args, kwargs)
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                self._hold(chat, wait)
                if attempt == retries:
                    raise
                log.info("flood control on %s for chat %s: waiting %g s", endpoint, chat, wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _limited(
        self,
        chat: ChatKey,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Result:
        """Within the budget: requests that name a chat count; a group's count twice."""
        async with contextlib.AsyncExitStack() as stack:
            if isinstance(chat, str) or (isinstance(chat, int) and chat < 0):
                await stack.enter_async_context(self.limits.group(chat))
            if chat is not None:
                await stack.enter_async_context(self.limits.overall)
            self.on_wire += 1
            try:
                return await callback(*args, **kwargs)
            finally:
                self.on_wire -= 1

    def _hold(self, chat: ChatKey, seconds: float) -> None:
        if len(self._resume_at) > TABLE_BOUND:
            now = self.clock()
            self._resume_at = {k: t for k, t in self._resume_at.items() if t > now}
        self._resume_at[chat] = max(self._resume_at.get(chat, 0.0), self.clock() + seconds + 0.1)

    async def _wait_out(self, chat: ChatKey) -> None:
        """Sleep until the chat's flood wait ends; read again on waking, since a request
        answered meanwhile may have pushed it further (a time to wait for, not an event)."""
        while (wait := self._resume_at.get(chat, 0.0) - self.clock()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)
        self._resume_at.pop(chat, None)


def _chat_key(chat_id: object) -> ChatKey:
    """``-100…`` and ``"-100…"`` are one chat; ``@name`` stays a name."""
    if chat_id is None:
        return None
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id)
    with contextlib.suppress(ValueError):
        return int(text)
    return text


def retry_after_seconds(error: RetryAfter) -> float:
    """Seconds Telegram asks to wait: a timedelta with PTB_TIMEDELTA (bot.application sets
    it), else a number."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
