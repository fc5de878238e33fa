"""Admin commands: sources, leaders, status and audit, for ``telegram.admins`` only.

Everyone else gets a refusal and nothing changes. Every admin command, refused or not, is
written to the audit trail with who, when, what and the result. The work itself (fetching,
storing, rescheduling) is done by the service through ``AdminOperations``; this module
parses arguments and words the replies.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from telegram import ChatMember, Update, User
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.pages import MESSAGE_LIMIT, PageError, page_of, paginate, plain_text
from scrapers.model import Item
from scrapers.opml import MAX_BYTES as OPML_MAX_BYTES
from store.admin import AdminRecords
from store.subscriptions import Target

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
NEWEST_SHOWN = 5
AUDIT_SHOWN = 100


class AdminError(Exception):
    """A refused admin action; the message is the reply."""


@dataclass(frozen=True)
class CheckReport:
    count: int
    newest: Sequence[Item]
    error: str | None = None


class AdminOperations(Protocol):
    """What the service does for admin commands (implemented in readout.operations)."""

    async def add_source(self, source_id: str, url: str, name: str | None) -> tuple[str, int]:
        """Add a source; returns the feed URL used and how many items form its baseline."""
        ...

    def remove_source(self, source_id: str) -> None: ...
    def set_paused(self, source_id: str, paused: bool) -> None: ...
    async def check(self, source_id: str) -> CheckReport: ...
    def add_leader(self, leader_id: str, name: str) -> None: ...
    def add_alias(self, leader_id: str, alias: str) -> str: ...
    def status_lines(self) -> list[str]: ...
    def status_header(self) -> str: ...
    def audit_lines(self, limit: int) -> list[str]: ...
    def export_opml(self) -> bytes: ...
    async def import_opml(self, body: bytes) -> list[str]:
        """Add an OPML file's feeds; the report's lines, plain text."""
        ...


@dataclass(frozen=True)
class Document:
    """A reply that is a file (``/export``); the caption is what the audit keeps."""

    filename: str
    data: bytes
    caption: str


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
AdminAction = Callable[
    [Update, ContextTypes.DEFAULT_TYPE, "AdminOperations", list[str]], Awaitable[str | Document]
]


def record(
    records: AdminRecords, user: User, command: str, arguments: str, reply: str, ok: bool
) -> None:
    """One line of the audit trail: who, what, and the reply as they read it (the store
    cuts each to its bound)."""
    name = user.username or user.full_name
    records.audit(user.id, name, command, arguments, plain_text(reply), ok)


def admin_command(
    name: str,
    ops: Callable[[ContextTypes.DEFAULT_TYPE], AdminOperations | None],
    admins: Callable[[ContextTypes.DEFAULT_TYPE], frozenset[int]],
    records: Callable[[ContextTypes.DEFAULT_TYPE], AdminRecords],
    action: AdminAction,
) -> Handler:
    """Wrap ``action`` with the admin check, the reply and the audit record."""

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user, message = update.effective_user, update.effective_message
        operations = ops(context)
        if message is None or user is None or operations is None:
            return
        arguments = list(context.args or [])
        reply: str | Document
        if user.id not in admins(context):
            reply, ok = f"/{name} is for Readout's admins only. Nothing was changed.", False
        else:
            try:
                reply, ok = await action(update, context, operations, arguments), True
            except AdminError as error:
                reply, ok = str(error), False
        if isinstance(reply, Document):
            record(records(context), user, name, " ".join(arguments), reply.caption, ok)
            await message.reply_document(reply.data, filename=reply.filename, caption=reply.caption)
            return
        record(records(context), user, name, " ".join(arguments), reply, ok)
        # Listing actions reply one page (bot.pages); this only guards the others.
        for chunk in paginate("", reply.split("\n"), MESSAGE_LIMIT - 96):
            await message.reply_text(chunk)

    return handle


def _need(arguments: list[str], count: int, usage: str) -> None:
    if len(arguments) < count:
        raise AdminError(f"Usage: {html.escape(usage)}")


def _id(value: str, what: str) -> str:
    if not ID_PATTERN.match(value):
        raise AdminError(
            f"“{html.escape(value)}” is not a valid {what} id: use lowercase letters, digits, "
            "'-' or '_' (at most 64)."
        )
    return value


async def add_source(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _need(args, 2, "/addsource <id> <url> [name]")
    source_id, url = _id(args[0], "source"), args[1]
    name = " ".join(args[2:]).strip() or None
    feed, count = await ops.add_source(source_id, url, name)
    via = "" if feed == url else f" (feed found on the page: {html.escape(feed)})"
    return (
        f"Added source <code>{source_id}</code>{via}. Its {count} current items are the "
        "baseline and will not be alerted; new ones will."
    )


async def remove_source(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _need(args, 1, "/removesource <id>")
    ops.remove_source(args[0])
    return f"Removed source <code>{html.escape(args[0])}</code>. Its items are kept."


async def pause(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _need(args, 1, "/pause <id>")
    ops.set_paused(args[0], True)
    shown = html.escape(args[0])
    return f"Paused <code>{shown}</code>; /resume {shown} polls it again."


async def resume(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _need(args, 1, "/resume <id>")
    ops.set_paused(args[0], False)
    return f"Resumed <code>{html.escape(args[0])}</code>; it is polled from now on."


async def check(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _need(args, 1, "/check <id>")
    report = await ops.check(args[0])
    name = f"<code>{html.escape(args[0])}</code>"
    if report.error:
        return f"{name} could not be read: {html.escape(report.error)}"
    lines = [f"{name}: {report.count} items parsed (nothing stored or alerted)."]
    for item in report.newest[:NEWEST_SHOWN]:
        when = item.published.shown() if item.published else "undated"
        leaders = f" [{', '.join(item.leaders)}]" if item.leaders else ""
        lines.append(f"• {when} {html.escape(item.title[:200])}{html.escape(leaders)}")
    return "\n".join(lines)


async def status(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    return _page("status", ops.status_header(), ops.status_lines(), args)


def _page(command: str, header: str, lines: list[str], args: list[str]) -> str:
    try:
        return page_of(command, header, lines, args[0] if args else None)
    except PageError as error:
        raise AdminError(str(error)) from None


async def add_leader(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _need(args, 2, "/addleader <id> <full name>")
    leader_id, name = _id(args[0], "leader"), " ".join(args[1:]).strip()
    if not 2 <= len(name) <= 200:
        raise AdminError("A leader's name must be 2 to 200 characters.")
    ops.add_leader(leader_id, name)
    return f"Watching {html.escape(name)} (<code>{leader_id}</code>) from the next items on."


async def alias(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _need(args, 2, "/alias <leader> <alias>")
    text = " ".join(args[1:]).strip()
    if not 2 <= len(text) <= 100:
        raise AdminError("An alias must be 2 to 100 characters.")
    leader = ops.add_alias(args[0], text)
    return f"“{html.escape(text)}” now also means {html.escape(leader)}, from the next items on."


async def audit(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    lines = ops.audit_lines(AUDIT_SHOWN)
    if not lines:
        return "No admin actions yet."
    return _page("audit", "<b>Latest admin actions</b>", lines, args)


async def export_sources(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> Document:
    data = ops.export_opml()
    return Document("readout-sources.opml", data, "Readout's sources as OPML, for feed readers.")


async def import_sources(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    """The file is the message replied to: Telegram gives a command no attachment."""
    message = update.effective_message
    original = message.reply_to_message if message is not None else None
    document = original.document if original is not None else None
    if document is None:
        raise AdminError("Usage: send the OPML file, then reply to it with /import.")
    if document.file_size is not None and document.file_size > OPML_MAX_BYTES:
        raise AdminError(
            f"Not imported: the file is {document.file_size:,} bytes; OPML files of at most "
            f"{OPML_MAX_BYTES:,} are read."
        )
    try:
        file = await context.bot.get_file(document.file_id)
        body = bytes(await file.download_as_bytearray())
    except TelegramError as error:
        raise AdminError(f"Could not download the file: {html.escape(error.message)}") from None
    lines = await ops.import_opml(body)
    return "\n".join(html.escape(line) for line in lines)


ADMIN_ACTIONS: dict[str, AdminAction] = {
    "addsource": add_source,
    "removesource": remove_source,
    "pause": pause,
    "resume": resume,
    "check": check,
    "status": status,
    "addleader": add_leader,
    "alias": alias,
    "audit": audit,
    "export": export_sources,
    "import": import_sources,
}


async def can_post(context: ContextTypes.DEFAULT_TYPE, where: str) -> tuple[Target, str, str]:
    """Resolve ``@channel`` or a chat id and make sure the bot may post there.

    Returns the target, the chat's type and its title; raises AdminError with the reason.
    """
    try:
        chat = await context.bot.get_chat(int(where) if re.fullmatch(r"-?\d+", where) else where)
    except TelegramError as error:
        raise AdminError(
            f"Cannot reach {html.escape(where)}: {html.escape(error.message)}."
        ) from None
    if chat.type == ChatType.PRIVATE:
        raise AdminError("Give a channel or group, not a private chat.")
    try:
        member = await context.bot.get_chat_member(chat.id, context.bot.id)
    except TelegramError as error:
        raise AdminError(
            f"Cannot check my rights in {html.escape(where)}: {html.escape(error.message)}."
        ) from None
    title = chat.title or where
    if chat.type == ChatType.CHANNEL:
        allowed = member.status == ChatMember.OWNER or (
            member.status == ChatMember.ADMINISTRATOR
            and bool(getattr(member, "can_post_messages", False))
        )
        if not allowed:
            raise AdminError(
                f"I cannot post in {html.escape(title)}: make me an administrator of the "
                "channel with the right to post messages, then try again."
            )
    elif member.status in (ChatMember.LEFT, ChatMember.BANNED) or (
        member.status == ChatMember.RESTRICTED and not getattr(member, "can_send_messages", True)
    ):
        raise AdminError(f"I cannot post in {html.escape(title)}: add me to the group first.")
    return Target(chat.id), chat.type, title
