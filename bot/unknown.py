"""What a private chat gets for text Readout does not understand: one line pointing at
/help, in the chat's language. Groups get nothing: there people talk to each other.

The pointer is registered in a handler group of its own, after every other, so PTB still
gives each update to the handlers of the other groups first, and the pointer decides only
when the update is in. It stays silent for any command that a CommandHandler of the
application knows (read from ``application.handlers`` at that moment, so commands other
modules register later count too, admin commands included, whatever their filters say), and
for any update another handler takes. A command addressed to another bot (``/x@other``) is
not ours to answer.
"""

from __future__ import annotations

import re

from telegram import Message, MessageEntity, Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.chat import reply, seen, texts_for

# After every other handler group (PTB's default is 0); ours alone in it.
POINTER_GROUP = 1000
# What Telegram accepts as a command name; anything else is not named back.
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


def register(application: Application) -> None:  # type: ignore[type-arg]
    private_text = filters.ChatType.PRIVATE & filters.TEXT & filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(private_text, pointer), group=POINTER_GROUP)


def command_of(message: Message, bot_username: str | None) -> str | None:
    """The command a message starts with (``subscribe`` of ``/Subscribe@ReadoutBot x``),
    ``""`` for one addressed to another bot, None for plain text."""
    entities = message.entities or ()
    first = next((e for e in entities if e.offset == 0), None)
    if first is None or first.type != MessageEntity.BOT_COMMAND or message.text is None:
        return None
    name, _, addressee = message.text[1 : first.length].partition("@")
    if addressee and (bot_username is None or addressee.casefold() != bot_username.casefold()):
        return ""
    return name.casefold()


def _known(application: Application, update: Update, command: str | None) -> bool:  # type: ignore[type-arg]
    for group, handlers in application.handlers.items():
        if group == POINTER_GROUP:
            continue
        for handler in handlers:
            if command and isinstance(handler, CommandHandler) and command in handler.commands:
                return True
            if handler.check_update(update) not in (None, False):
                return True
    return False


async def pointer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    command = command_of(message, context.bot.username)
    if command == "" or _known(context.application, update, command):
        return
    seen(update, context)
    _ = texts_for(update, context)
    if command is None:
        text = _("Readout answers commands only: /help lists them.")
    elif COMMAND_NAME.fullmatch(command):
        text = _("Readout has no /{command} command: /help lists them.").format(command=command)
    else:
        text = _("Readout has no such command: /help lists them.")
    await reply(update, text)
