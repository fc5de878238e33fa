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

from bot.i18n import N_, Texts
from bot.pages import MESSAGE_LIMIT, PageError, page_of, paginate, plain_text
from bot.reader import Reader, Wording
from scrapers.model import Item
from scrapers.opml import MAX_BYTES as OPML_MAX_BYTES
from store.admin import AdminRecords
from store.subscriptions import Target

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
NEWEST_SHOWN = 5
AUDIT_SHOWN = 100


class AdminError(Exception):
    """A refused admin action; the message is the reply (a ``Wording`` when it is raised
    where no reader is known, such as readout.operations: worded in the admin's language)."""

    def __init__(self, said: str | Wording) -> None:
        super().__init__(str(said))
        self.said = said

    def in_(self, _: Texts) -> str:
        return self.said.in_(_) if isinstance(self.said, Wording) else self.said


# What readout.operations says, worded here with the rest of the admins' replies.
NO_SOURCE = N_("No source “{source}”. Known: {known}")
NO_FEED_ON_PAGE = N_(
    "{url} is a web page that advertises no RSS or Atom feed; give the feed's address."
)
UNREADABLE = N_("{url} could not be read: {error}")
SOURCE_EXISTS = N_("A source “{source}” exists already; /removesource it first.")
NOT_HTTP = N_("“{url}” is not an http(s) URL.")
NO_ITEMS = N_("{url} gives no items, so it was not added.")
NOT_IMPORTED = N_("Not imported: {error}.")
LEADER_EXISTS = N_("A leader “{leader}” exists already; use /alias to add names.")
NO_LEADER = N_("No leader “{leader}”; see /leaders.")
# /status and /audit, built by readout.operations for the reader it is given.
STATUS_HEADER = N_(
    "<b>Readout {version}</b> · up {uptime} · queue: {pending} pending, {failed} failed, "
    "{sent} sent\nTelegram: {link}"
)
LINK_UP = N_("up")
LINK_DOWN = N_("⚠️ {problem} ({pending} waiting)")
NEVER = N_("never")
SOURCE_PAUSED = N_("⏸ {name} paused")
NOT_POLLED = N_("… {name} not polled yet")
SOURCE_FAILING = N_("⚠️ {name} failing since {since} ({count}×): {reason} · last ok {last}")
SOURCE_FALLBACK = N_(
    "⚠️ {name} layout changed; items read by link pattern; check the selectors (since "
    "{since}) · last ok {last} · {count} new/24h"
)
SOURCE_LAYOUT = N_("⚠️ {name} layout changed? · last ok {last} · {count} new/24h")
SOURCE_OK = N_("✅ {name} ok · last {last} · {count} new/24h{notes}")
FAILED_NOTE = N_(" · {count} failed")
SKIPPED_NOTE = N_(" · {count} skipped ({reason})")
MOVED_NOTE = N_(" · moved: reading {url}")


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
    def status_lines(self, reader: Reader) -> list[str]: ...
    def status_header(self, reader: Reader) -> str: ...
    def audit_lines(self, limit: int, reader: Reader) -> list[str]: ...
    def export_opml(self) -> bytes: ...
    async def import_opml(self, body: bytes, words: Texts | None = None) -> list[str]:
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
        # The chat and its writer's language are recorded as for any command, so notices
        # the bot sends an admin on its own (a source failing) come in their language.
        from bot.chat import seen  # bot.chat names this module's Protocol

        seen(update, context)
        _ = reader_for(update, context).texts
        reply: str | Document
        if user.id not in admins(context):
            refusal = _("/{command} is for Readout's admins only. Nothing was changed.")
            reply, ok = refusal.format(command=name), False
        else:
            try:
                reply, ok = await action(update, context, operations, arguments), True
            except AdminError as error:
                reply, ok = error.in_(_), False
        if isinstance(reply, Document):
            record(records(context), user, name, " ".join(arguments), reply.caption, ok)
            await message.reply_document(reply.data, filename=reply.filename, caption=reply.caption)
            return
        record(records(context), user, name, " ".join(arguments), reply, ok)
        # Listing actions reply one page (bot.pages); this only guards the others.
        for chunk in paginate("", reply.split("\n"), MESSAGE_LIMIT - 96):
            await message.reply_text(chunk)

    return handle


def reader_for(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Reader:
    """The admin's language (bot.chat.texts_for) and their chat's zone."""
    from bot.chat import preferences, texts_for  # bot.chat names this module's Protocol

    return Reader(texts_for(update, context).language, preferences(update, context).timezone)


def _need(arguments: list[str], count: int, usage: str, _: Texts) -> None:
    if len(arguments) < count:
        raise AdminError(_("Usage: {usage}").format(usage=html.escape(usage)))


def _id(value: str, what: str, _: Texts) -> str:
    if not ID_PATTERN.match(value):
        wrong = (
            _(
                "“{value}” is not a valid source id: use lowercase letters, digits, '-' or '_' "
                "(at most 64)."
            )
            if what == "source"
            else _(
                "“{value}” is not a valid leader id: use lowercase letters, digits, '-' or "
                "'_' (at most 64)."
            )
        )
        raise AdminError(wrong.format(value=html.escape(value)))
    return value


async def add_source(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _ = reader_for(update, context).texts
    _need(args, 2, "/addsource <id> <url> [name]", _)
    source_id, url = _id(args[0], "source", _), args[1]
    name = " ".join(args[2:]).strip() or None
    feed, count = await ops.add_source(source_id, url, name)
    if feed == url:
        added = _.ngettext(
            "Added source <code>{source}</code>. Its {count} current item is the baseline and "
            "will not be alerted; new ones will.",
            "Added source <code>{source}</code>. Its {count} current items are the baseline "
            "and will not be alerted; new ones will.",
            count,
        )
    else:
        added = _.ngettext(
            "Added source <code>{source}</code> (feed found on the page: {feed}). Its {count} "
            "current item is the baseline and will not be alerted; new ones will.",
            "Added source <code>{source}</code> (feed found on the page: {feed}). Its {count} "
            "current items are the baseline and will not be alerted; new ones will.",
            count,
        )
    return added.format(source=source_id, feed=html.escape(feed), count=count)


async def remove_source(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _ = reader_for(update, context).texts
    _need(args, 1, "/removesource <id>", _)
    ops.remove_source(args[0])
    removed = _("Removed source <code>{source}</code>. Its items are kept.")
    return removed.format(source=html.escape(args[0]))


async def pause(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _ = reader_for(update, context).texts
    _need(args, 1, "/pause <id>", _)
    ops.set_paused(args[0], True)
    paused = _("Paused <code>{source}</code>; /resume {source} polls it again.")
    return paused.format(source=html.escape(args[0]))


async def resume(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _ = reader_for(update, context).texts
    _need(args, 1, "/resume <id>", _)
    ops.set_paused(args[0], False)
    resumed = _("Resumed <code>{source}</code>; it is polled from now on.")
    return resumed.format(source=html.escape(args[0]))


async def check(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    reader = reader_for(update, context)
    _ = reader.texts
    _need(args, 1, "/check <id>", _)
    report = await ops.check(args[0])
    name = f"<code>{html.escape(args[0])}</code>"
    if report.error:
        unread = _("{source} could not be read: {error}")
        return unread.format(source=name, error=html.escape(report.error))
    parsed = _.ngettext(
        "{source}: {count} item parsed (nothing stored or alerted).",
        "{source}: {count} items parsed (nothing stored or alerted).",
        report.count,
    )
    lines = [parsed.format(source=name, count=report.count)]
    for item in report.newest[:NEWEST_SHOWN]:
        when = reader.published(item.published) or _("undated")
        leaders = f" [{', '.join(item.leaders)}]" if item.leaders else ""
        lines.append(f"• {when} {html.escape(item.title[:200])}{html.escape(leaders)}")
    return "\n".join(lines)


async def status(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    reader = reader_for(update, context)
    return _page("status", ops.status_header(reader), ops.status_lines(reader), args)


def _page(command: str, header: str, lines: list[str], args: list[str]) -> str:
    try:
        return page_of(command, header, lines, args[0] if args else None)
    except PageError as error:
        raise AdminError(str(error)) from None


async def add_leader(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _ = reader_for(update, context).texts
    _need(args, 2, "/addleader <id> <full name>", _)
    leader_id, name = _id(args[0], "leader", _), " ".join(args[1:]).strip()
    if not 2 <= len(name) <= 200:
        raise AdminError(_("A leader's name must be 2 to 200 characters."))
    ops.add_leader(leader_id, name)
    watching = _("Watching {name} (<code>{leader}</code>) from the next items on.")
    return watching.format(name=html.escape(name), leader=leader_id)


async def alias(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    _ = reader_for(update, context).texts
    _need(args, 2, "/alias <leader> <alias>", _)
    text = " ".join(args[1:]).strip()
    if not 2 <= len(text) <= 100:
        raise AdminError(_("An alias must be 2 to 100 characters."))
    leader = ops.add_alias(args[0], text)
    means = _("“{alias}” now also means {leader}, from the next items on.")
    return means.format(alias=html.escape(text), leader=html.escape(leader))


async def audit(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    reader = reader_for(update, context)
    _ = reader.texts
    lines = ops.audit_lines(AUDIT_SHOWN, reader)
    if not lines:
        return _("No admin actions yet.")
    return _page("audit", _("<b>Latest admin actions</b>"), lines, args)


async def export_sources(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> Document:
    _ = reader_for(update, context).texts
    data = ops.export_opml()
    caption = _("Readout's sources as OPML, for feed readers.")
    return Document("readout-sources.opml", data, caption)


async def import_sources(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ops: AdminOperations, args: list[str]
) -> str:
    """The file is the message replied to: Telegram gives a command no attachment."""
    _ = reader_for(update, context).texts
    message = update.effective_message
    original = message.reply_to_message if message is not None else None
    document = original.document if original is not None else None
    if document is None:
        raise AdminError(_("Usage: send the OPML file, then reply to it with /import."))
    if document.file_size is not None and document.file_size > OPML_MAX_BYTES:
        too_big = _(
            "Not imported: the file is {size} bytes; OPML files of at most {limit} are read."
        )
        raise AdminError(
            too_big.format(size=f"{document.file_size:,}", limit=f"{OPML_MAX_BYTES:,}")
        )
    try:
        file = await context.bot.get_file(document.file_id)
        body = bytes(await file.download_as_bytearray())
    except TelegramError as error:
        failed = _("Could not download the file: {error}")
        raise AdminError(failed.format(error=html.escape(error.message))) from None
    lines = await ops.import_opml(body, _)
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

    Returns the target, the chat's type and its title; raises AdminError with the reason,
    worded for whoever asked (``error.in_(_)``; ``str(error)`` is the English).
    """
    try:
        chat = await context.bot.get_chat(int(where) if re.fullmatch(r"-?\d+", where) else where)
    except TelegramError as error:
        unreachable = N_("Cannot reach {chat}: {error}.")
        raise AdminError(
            Wording(unreachable, chat=html.escape(where), error=html.escape(error.message))
        ) from None
    if chat.type == ChatType.PRIVATE:
        raise AdminError(Wording(N_("Give a channel or group, not a private chat.")))
    try:
        member = await context.bot.get_chat_member(chat.id, context.bot.id)
    except TelegramError as error:
        unchecked = N_("Cannot check my rights in {chat}: {error}.")
        raise AdminError(
            Wording(unchecked, chat=html.escape(where), error=html.escape(error.message))
        ) from None
    title = chat.title or where
    if chat.type == ChatType.CHANNEL:
        allowed = member.status == ChatMember.OWNER or (
            member.status == ChatMember.ADMINISTRATOR
            and bool(getattr(member, "can_post_messages", False))
        )
        if not allowed:
            not_admin = N_(
                "I cannot post in {chat}: make me an administrator of the channel with the "
                "right to post messages, then try again."
            )
            raise AdminError(Wording(not_admin, chat=html.escape(title)))
    elif member.status in (ChatMember.LEFT, ChatMember.BANNED) or (
        member.status == ChatMember.RESTRICTED and not getattr(member, "can_send_messages", True)
    ):
        not_member = N_("I cannot post in {chat}: add me to the group first.")
        raise AdminError(Wording(not_member, chat=html.escape(title)))
    return Target(chat.id), chat.type, title
