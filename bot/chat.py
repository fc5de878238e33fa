"""What every chat handler shares: the ``Readout`` it serves, where a message came from
and goes back to, who may change a chat's subscriptions, and the reader's language.

Handlers live in modules named for what they own (bot.commands, bot.admin and the rest);
each starts from ``seen()``, which records the chat and the writer's Telegram language, and
answers through ``reply()`` in the language ``texts_for()`` picks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from telegram import ChatMember, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from analysis.leaders import Leader
from bot.admin import AdminOperations
from bot.i18n import Texts, choose_language, texts
from scrapers.model import Source
from store.preferences import Preferences
from store.store import Store
from store.subscriptions import Target

log = logging.getLogger(__name__)


@dataclass
class Readout:
    """What the handlers share, kept in ``application.bot_data["readout"]``."""

    store: Store
    leaders: Callable[[], Sequence[Leader]]
    sources: Callable[[], Sequence[Source]]
    on_subscribed: Callable[[], None] = lambda: None
    admins: frozenset[int] = frozenset()
    ops: AdminOperations | None = None


def readout_of(context: ContextTypes.DEFAULT_TYPE) -> Readout:
    value = context.bot_data["readout"]
    assert isinstance(value, Readout)
    return value


def target_of(message: Message) -> Target:
    thread = message.message_thread_id if message.is_topic_message else None
    return Target(message.chat_id, thread or 0)


async def reply(update: Update, text: str, **options: object) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, parse_mode=ParseMode.HTML, **options)  # type: ignore[arg-type]


def seen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Readout:
    """Record the chat; a chat (or forum topic) that talks to us again receives alerts
    again: a message from a topic proves that the topic exists."""
    readout = readout_of(context)
    chat, message = update.effective_chat, update.effective_message
    if chat is not None:
        store = readout.store.subscriptions
        store.ensure_chat(chat.id, chat.type, chat.title or chat.full_name)
        user = update.effective_user
        if user is not None and not user.is_bot:
            readout.store.preferences.seen(chat.id, user.language_code)
        if store.chat_status(chat.id) == "paused":
            store.resume_chat(chat.id)
        if message is not None:
            target = target_of(message)
            if target.thread_id and store.resume_topic(target):
                log.info("topic %s of chat %s resumed", target.thread_id, chat.id)
    return readout


async def may_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Private chats always; groups only for their administrators."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous administrator
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError:
        return False
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def argument(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or []).strip()


def preferences(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Preferences:
    """The effective chat's choices (the defaults outside a chat)."""
    chat = update.effective_chat
    store = readout_of(context).store
    return store.preferences.of(chat.id) if chat is not None else Preferences()


def texts_for(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Texts:
    """The messages in the language this chat reads: its /language choice, else the
    language of the user writing now, else that of whoever last wrote in it (``seen()``
    records it, for the alerts no user asked for), else English."""
    chosen = preferences(update, context)
    user = update.effective_user
    writer = user.language_code if user is not None else None
    return texts(choose_language(chosen.language, writer or chosen.seen_language))
