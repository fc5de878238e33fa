"""Updates handled side by side, one chat at a time each, within each user's command quota.

PTB handles updates one after another by default, so one user's 500 commands held up
everyone's next reply. ``concurrent_updates`` alone would fix that but break the order
within a chat: ``/subscribe putin`` then ``/unsubscribe putin`` could land the wrong way
round. So: a lane per chat (updates of one chat in the order they came, chats in
parallel, at most ``max_concurrent_updates`` at once), and before a lane, the user's
``CommandQuota``. A refused or ignored update never enters its lane, so a flood is dropped
as fast as it arrives instead of queueing in front of the flooder's own later commands,
and it holds none of the slots other chats need.

Handlers share one SQLite connection on this one event loop. That is safe as long as no
transaction is open across an ``await``: the store's writes are synchronous
``with db.atomic()`` blocks, and the handlers await Telegram only between them.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.quota import CommandQuota, Verdict

Refusal = Callable[[Update, int], Awaitable[None]]
"""Tells the update's user to slow down, and in how many seconds they may try again."""


class _Lane:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class ChatLanes(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int, quota: CommandQuota, refuse: Refusal) -> None:
        super().__init__(max_concurrent_updates)
        self.quota = quota
        self.refuse = refuse
        self._lanes: dict[int, _Lane] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: lanes go when their last update is done."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if isinstance(update, Update) and (verdict := self._verdict(update)) is not Verdict.ALLOW:
            _discard(coroutine)
            if verdict is Verdict.REFUSE and update.effective_user is not None:
                await self.refuse(update, self.quota.retry_in(update.effective_user.id))
            return
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lane = self._lanes.setdefault(chat.id, _Lane())
        lane.users += 1
        try:
            async with lane.lock:
                await coroutine
        finally:
            lane.users -= 1
            if lane.users == 0:
                del self._lanes[chat.id]

    def _verdict(self, update: Update) -> Verdict:
        """Commands and button taps from a user count; Telegram's own notices never do."""
        user = update.effective_user
        counted = update.callback_query is not None or (
            update.message is not None and update.message.text is not None
        )
        if user is None or not counted:
            return Verdict.ALLOW
        return self.quota.take(user.id)


def _discard(coroutine: Awaitable[Any]) -> None:
    """The update's handler coroutine, never to be awaited: closed, so Python does not warn."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()
