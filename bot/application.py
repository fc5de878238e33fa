"""The python-telegram-bot objects Readout runs: built once, started and stopped by the
service beside its scheduler (so polling sources never depends on the bot).

Two bots on one token. The Application's bot answers chat commands; the alert sender has
a bot of its own (``build_alert_bot``), with its own connection pool and its own flood
waits, so that an alert flood wait, or a pool full of slow alert sends, never delays a
reply. Both draw on one ``TelegramLimits``, so together they stay within what Telegram
allows the token (bot.flood explains the split). Both report to one ``TelegramLink``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, Defaults, ExtBot

from bot.chat import Readout
from bot.commands import register
from bot.flood import FloodGate, TelegramLimits
from bot.i18n import N_, choose_language, texts
from bot.lanes import ChatLanes
from bot.link import TelegramLink, WatchedRequest
from bot.quota import CommandQuota

# The alert path waits out flood control this many times before the outbox reschedules.
RATE_LIMIT_RETRIES = 3
# A reply waits out one flood wait, then gives up: the user can ask again.
REPLY_RETRIES = 1
# Updates handled at once, across chats (one at a time within a chat: bot.lanes).
CONCURRENT_UPDATES = 64
# PTB's own defaults for the pools: many sends at once, one long poll.
POOL_SIZE, UPDATES_POOL_SIZE = 256, 1
SLOW_DOWN = N_("You are sending commands too fast: slow down, and try again in {seconds} s.")


# PTB 22 warns on every flood-control error that RetryAfter.retry_after will become a
# timedelta; the sender already reads both, so opt in to the future type now.
os.environ.setdefault("PTB_TIMEDELTA", "1")


def _defaults(link_previews: bool) -> Defaults:
    return Defaults(
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=not link_previews),
    )


def _urls(api_base_url: str) -> tuple[str, str]:
    base = api_base_url.rstrip("/")
    return base, base.removesuffix("/bot") + "/file/bot"


def build_application(
    token: str,
    api_base_url: str,
    readout: Readout,
    link_previews: bool = False,
    link: TelegramLink | None = None,
    limits: TelegramLimits | None = None,
    quota: CommandQuota | None = None,
) -> Application:  # type: ignore[type-arg]
    link = link or TelegramLink()
    base, files = _urls(api_base_url)
    application = (
        Application.builder()
        .token(token)
        .base_url(base)
        .base_file_url(files)
        .defaults(_defaults(link_previews))
        .request(WatchedRequest(link, connection_pool_size=POOL_SIZE))
        .get_updates_request(WatchedRequest(link, connection_pool_size=UPDATES_POOL_SIZE))
        .rate_limiter(FloodGate(limits or TelegramLimits(), max_retries=REPLY_RETRIES))
        .concurrent_updates(
            ChatLanes(CONCURRENT_UPDATES, quota or CommandQuota(), _slow_down(readout))
        )
        .job_queue(None)
        .build()
    )
    register(application, readout)
    return application


def build_alert_bot(
    token: str,
    api_base_url: str,
    link: TelegramLink,
    limits: TelegramLimits,
    link_previews: bool = False,
) -> ExtBot:  # type: ignore[type-arg]
    """The sender's bot: the same token and budget, its own pool and flood waits."""
    base, files = _urls(api_base_url)
    return ExtBot(
        token,
        base_url=base,
        base_file_url=files,
        defaults=_defaults(link_previews),
        request=WatchedRequest(link, connection_pool_size=POOL_SIZE),
        get_updates_request=WatchedRequest(link, connection_pool_size=UPDATES_POOL_SIZE),
        rate_limiter=FloodGate(limits, max_retries=RATE_LIMIT_RETRIES),
    )


def _slow_down(readout: Readout) -> Callable[[Update, int], Awaitable[None]]:
    """The one reply a flooding user gets, in the language the chat reads (its choice, else
    the user's); if even that fails, silence is the answer."""

    async def refuse(update: Update, seconds: int) -> None:
        chat, user = update.effective_chat, update.effective_user
        chosen = readout.store.preferences.of(chat.id).language if chat is not None else None
        language = choose_language(chosen, user.language_code if user is not None else None)
        await _tell_slow_down(update, texts(language)(SLOW_DOWN).format(seconds=seconds))

    return refuse


async def _tell_slow_down(update: Update, text: str) -> None:
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text, parse_mode=None)
    except TelegramError:
        return
