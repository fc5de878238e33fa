"""How a chat wants Readout to speak to it: /language and /timezone.

A chat reads Readout in its Telegram user's language until it chooses one (bot.i18n), and
times in UTC until it chooses a zone (bot.clock). The choices are stored per chat
(store.preferences); a group's are its administrators' to change, like its subscriptions.
A bad argument gets one usage line in the chat's language and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import clock
from bot.chat import argument, may_change, preferences, readout_of, reply, seen, texts_for
from bot.hours import zone_changed
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Texts, choose_language, texts

log = logging.getLogger(__name__)

LANGUAGE_BUTTON = "language:"
# What /timezone shows as an example: a zone our readers live in.
EXAMPLE_ZONE = "Asia/Almaty"

Menu = Callable[[str], list[BotCommand]]


def register(application: Application, menu: Menu) -> None:  # type: ignore[type-arg]
    """The settings commands; ``menu`` is the command menu in a language, set for a chat
    that chooses one (Telegram otherwise shows each user the menu of their own)."""
    application.bot_data["menu"] = menu
    application.add_handler(CommandHandler("language", language))
    application.add_handler(CommandHandler("timezone", timezone))
    application.add_handler(CallbackQueryHandler(language_button, pattern=f"^{LANGUAGE_BUTTON}"))


def wanted_language(text: str) -> str | None:
    """The language ``text`` names: its code (``ru``) or its own name (``русский``)."""
    folded = text.strip().casefold()
    if folded in LANGUAGES:
        return folded
    return next((code for code, name in LANGUAGE_NAMES.items() if name.casefold() == folded), None)


def _language_keyboard(current: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✓ " if code == current else "") + LANGUAGE_NAMES[code],
            callback_data=LANGUAGE_BUTTON + code,
        )
        for code in LANGUAGES
    ]
    return InlineKeyboardMarkup([buttons])


def _language_text(_: Texts) -> str:
    return _(
        "Readout speaks {language} in this chat. Choose another: /language en, /language ru "
        "or /language kk, or tap a button."
    ).format(language=LANGUAGE_NAMES[_.language])


def _chosen(_: Texts, chosen: str) -> str:
    return _("Readout now speaks {language} in this chat.").format(language=LANGUAGE_NAMES[chosen])


def _refused(_: Texts) -> str:
    return _("Only this group's administrators can change its settings. Nothing was changed.")


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language: show the language with a button for each, or choose one."""
    seen(update, context)
    _ = texts_for(update, context)
    given = argument(context)
    if not given:
        await reply(update, _language_text(_), reply_markup=_language_keyboard(_.language))
        return
    chosen = wanted_language(given)
    if chosen is None:
        await reply(update, _("Usage: /language en|ru|kk, e.g. /language kk"))
        return
    if not await may_change(update, context):
        await reply(update, _refused(_))
        return
    said = await _choose_language(update, context, chosen)
    await reply(
        update,
        _chosen(said, chosen),
    )


async def _choose_language(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chosen: str
) -> Texts:
    """Store the chat's language and set its command menu to match; the new messages."""
    chat = update.effective_chat
    if chat is not None:
        readout_of(context).store.preferences.choose(chat.id, language=chosen)
        menu: Menu | None = context.bot_data.get("menu")
        if menu is not None:
            try:
                await context.bot.set_my_commands(menu(chosen), scope=BotCommandScopeChat(chat.id))
            except TelegramError as error:  # the menu is a convenience; the choice stands
                log.warning("could not set chat %s's command menu: %s", chat.id, error.message)
    return texts(choose_language(chosen, None))


async def language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A language button under /language: choose it, and redraw the message in it."""
    query = update.callback_query
    seen(update, context)
    if query is None or query.data is None or not isinstance(query.message, Message):
        return
    _ = texts_for(update, context)
    chosen = wanted_language(query.data.removeprefix(LANGUAGE_BUTTON))
    if chosen is None:
        await _answer(query, _("That button is out of date: send /language again."))
        return
    if not await may_change(update, context):
        await _answer(query, _refused(_))
        return
    said = await _choose_language(update, context, chosen)
    try:
        await query.edit_message_text(_language_text(said), reply_markup=_language_keyboard(chosen))
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            log.warning("could not redraw /language: %s", error.message)
    except TelegramError as error:
        log.warning("could not redraw /language: %s", error.message)
    await _answer(
        query,
        _chosen(said, chosen),
    )


async def _answer(query: CallbackQuery, text: str) -> None:
    try:
        await query.answer(text)
    except TelegramError as error:
        log.warning("could not answer a button press: %s", error.message)


async def timezone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timezone: show the chat's zone and the time there, or choose one."""
    seen(update, context)
    _ = texts_for(update, context)
    given = argument(context)
    now = datetime.now(UTC)
    if not given:
        zone = preferences(update, context).timezone
        text = _(
            "Times in this chat are shown in {zone} (it is {now}). Choose another: /timezone "
            "Area/City, e.g. /timezone {example}."
        )
        shown = clock.moment(now, zone, _.language)
        await reply(update, text.format(zone=zone, now=shown, example=EXAMPLE_ZONE))
        return
    zone_name = clock.zone_name(given)
    if zone_name is None:
        usage = _("Usage: /timezone Area/City (an IANA zone such as {example}) or /timezone UTC")
        await reply(update, usage.format(example=EXAMPLE_ZONE))
        return
    if not await may_change(update, context):
        await reply(update, _refused(_))
        return
    chat = update.effective_chat
    if chat is not None:
        readout_of(context).store.preferences.choose(chat.id, timezone=zone_name)
        zone_changed(context, chat.id)
    text = _("Times in this chat are now shown in {zone}: it is {now}.")
    await reply(update, text.format(zone=zone_name, now=clock.moment(now, zone_name, _.language)))
