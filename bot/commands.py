"""The chat commands everyone can use: one small handler per command (docs/commands.md).

Handlers read what they need from a ``Readout`` object in ``bot_data``: the store, the
current leaders and sources, and the sender to wake. In groups only the group's
administrators may change its subscriptions; a subscription made inside a forum topic
belongs to that topic.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence

from telegram import (
    BotCommand,
    CallbackQuery,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import hours
from bot.admin import (
    ADMIN_ACTIONS,
    AdminError,
    admin_command,
    can_post,
    record,
)
from bot.buttons import KEYBOARD_BUTTONS, answer_text, keyboard_leaders, pressed_leader, toggle_data
from bot.calls import story_html
from bot.chat import (
    Readout,
    argument,
    may_change,
    readout_of,
    reply,
    seen,
    target_of,
)
from bot.i18n import N_, SOURCE_LANGUAGE, texts
from bot.pages import PageError, page_argument, page_of, paginate, plain_text
from bot.resolve import Choice, resolve
from bot.routing import normalize_keyword
from store.subscriptions import MAX_KEYWORDS, MAX_SUBSCRIPTIONS, LimitReached, Target

log = logging.getLogger(__name__)

KEYWORD_MIN, KEYWORD_MAX = 2, 100
RECENT_COUNT = 5
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("subscribe", N_("Follow a leader or source: /subscribe putin")),
    ("unsubscribe", N_("Stop following a leader or source")),
    ("keyword", N_("Follow a keyword: /keyword sanctions")),
    ("unkeyword", N_("Stop following a keyword")),
    ("subscriptions", N_("What this chat follows: /subscriptions [page]")),
    ("leaders", N_("The watched leaders, with buttons to follow them")),
    ("sources", N_("The sources Readout reads")),
    ("recent", N_("The latest items: /recent [leader]")),
    ("calls", N_("Who talked to whom: /calls [leader]")),
    ("quiet", N_("No alerts at night: /quiet 22:00-07:00 or /quiet off")),
    ("digest", N_("One message a period: /digest off|hourly|daily 09:00")),
    ("help", N_("How Readout works")),
)

HELP = (
    "<b>Readout</b> sends official statements by heads of state as they are published.\n\n"
    "/subscribe <i>leader or source</i> — follow (by id or any name: putin, Путин, kremlin-en)\n"
    "/unsubscribe <i>leader or source</i> — stop following\n"
    "/keyword <i>text</i> · /unkeyword <i>text</i> — follow free-text keywords\n"
    "/subscriptions — what this chat follows\n"
    "/leaders — watched leaders, with one-tap buttons\n"
    "/sources — the sources read\n"
    "/recent [<i>leader</i>] — the latest items\n"
    "/calls [<i>leader</i>] — the latest calls, meetings and summits, and which sides "
    "published them\n\n"
    "Each item is sent once per chat, with the leaders it mentions; the other side's "
    "readout of a call or meeting you were alerted to comes as a reply to that alert. A "
    "source that publishes a flood of items at once sends one summary instead. In groups, "
    "only administrators can "
    "change subscriptions. In a forum, subscriptions belong to the topic they were made in.\n\n"
    "Long lists come in pages: add the page number, e.g. /subscriptions 2. A chat follows "
    "at most 300 leaders, sources and keywords (100 keywords)."
)


def register(application: Application, readout: Readout) -> None:  # type: ignore[type-arg]
    """Every user-facing handler, in one place."""
    application.bot_data["readout"] = readout
    handlers = {
        "start": start,
        "help": help_command,
        "subscribe": subscribe,
        "unsubscribe": unsubscribe,
        "keyword": keyword,
        "unkeyword": unkeyword,
        "subscriptions": subscriptions,
        "leaders": leaders,
        "sources": sources,
        "recent": recent,
        "calls": calls,
    }
    for name, callback in handlers.items():
        application.add_handler(CommandHandler(name, callback))
    for name, action in ADMIN_ACTIONS.items():
        handler = admin_command(
            name,
            lambda c: readout_of(c).ops,
            lambda c: readout_of(c).admins,
            lambda c: readout_of(c).store.admin,
            action,
        )
        application.add_handler(CommandHandler(name, handler))
    application.add_handler(CallbackQueryHandler(toggle_button, pattern=r"^toggle:"))
    application.add_handler(CallbackQueryHandler(more_calls, pattern=r"^calls:"))
    application.add_handler(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
    hours.register(application)


def bot_commands(language: str = SOURCE_LANGUAGE) -> list[BotCommand]:
    """The command menu in ``language``: Telegram shows each user the menu set for their
    own language, and the English one to everyone else."""
    _ = texts(language)
    return [BotCommand(name, _(text)) for name, text in COMMANDS]


async def _reply_page(
    update: Update,
    command: str,
    header: str,
    lines: Sequence[str],
    wanted: str | None,
    usage: str = "",
    given: str = "",
    **options: object,
) -> None:
    """One page of a listing (bot.pages): never over Telegram's limit, never dropped."""
    try:
        text = page_of(command, header, lines, wanted, usage=usage, given=given)
    except PageError as error:
        await reply(update, str(error))
        return
    await reply(update, text, **options)


def _wanted_page(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    return context.args[0] if context.args else None


def _full(error: LimitReached, chat: str = "This chat") -> str:
    """The polite refusal when a chat follows as much as it may."""
    if error.kind == "keyword" and error.limit == MAX_KEYWORDS:
        return (
            f"{chat} already follows {MAX_KEYWORDS} keywords, the most Readout allows: "
            "/unkeyword one first. Nothing was changed."
        )
    return (
        f"{chat} already follows {MAX_SUBSCRIPTIONS} leaders, sources and keywords, the "
        "most Readout allows: /unsubscribe from one first. Nothing was changed."
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    seen(update, context)
    await reply(update, HELP)


ADMIN_HELP = (
    "\n\n<b>Admin commands</b>\n"
    "/addsource <i>id url [name]</i> · /removesource <i>id</i> · /pause <i>id</i> · "
    "/resume <i>id</i> · /check <i>id</i>\n"
    "/status [<i>page</i>] · /audit [<i>page</i>]\n"
    "/addleader <i>id full name</i> · /alias <i>leader alias</i>\n"
    "/export — the sources as an OPML file · /import — as a reply to an OPML file, adds its "
    "feeds\n"
    "/subscribe <i>leader or source</i> <i>@channel or chat id</i>"
)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    is_admin = user is not None and user.id in readout_of(context).admins
    await reply(update, HELP + (ADMIN_HELP if is_admin else ""))


def _describe(choice: Choice) -> str:
    return f"{html.escape(choice.label)} (<code>{html.escape(choice.id)}</code>)"


async def _choose(update: Update, context: ContextTypes.DEFAULT_TYPE, verb: str) -> Choice | None:
    readout = readout_of(context)
    wanted = argument(context)
    if not wanted:
        await reply(update, f"Usage: /{verb} <i>leader or source</i>, e.g. /{verb} putin")
        return None
    found = resolve(wanted, readout.leaders(), readout.sources())
    if found.choice is not None:
        return found.choice
    shown = html.escape(wanted)
    if found.candidates:
        options = "\n".join(f"• {_describe(c)}" for c in found.candidates)
        await reply(update, f"“{shown}” could mean several things. Did you mean:\n{options}")
    else:
        await reply(update, f"No leader or source is called “{shown}”. See /leaders and /sources.")
    return None


def _elsewhere(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The ``@channel`` or chat id an admin names as a last argument, if any."""
    args = context.args or []
    if len(args) >= 2 and re.fullmatch(r"@\w{4,}|-?\d{5,}", args[-1]):
        return args[-1]
    return None


async def _subscribe_elsewhere(
    update: Update, context: ContextTypes.DEFAULT_TYPE, where: str
) -> None:
    """An admin subscribes a channel or group in which the bot can post."""
    readout = readout_of(context)
    user = update.effective_user
    if user is None or user.id not in readout.admins:
        await reply(update, "Subscribing another chat is for Readout's admins only.")
        return
    context.args = (context.args or [])[:-1]
    choice = await _choose(update, context, "subscribe")
    if choice is None:
        return
    try:
        target, chat_type, title = await can_post(context, where)
    except AdminError as error:
        result, ok = str(error), False
    else:
        readout.store.subscriptions.ensure_chat(target.chat_id, chat_type, title)
        try:
            added = readout.store.subscriptions.add(target, choice.kind, choice.id, user.id)
        except LimitReached as full:
            result, ok = _full(full, html.escape(title)), False
        else:
            readout.on_subscribed()
            verb = "Subscribed" if added else "Already subscribed"
            result, ok = f"{verb} {html.escape(title)} to {_describe(choice)}.", True
    record(
        readout.store.admin, user, "subscribe", " ".join([*(context.args or []), where]), result, ok
    )
    await reply(update, result)


async def _changeable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Target | None:
    """Where this command changes subscriptions, or None (refused, with a reply)."""
    seen(update, context)
    message = update.effective_message
    if message is None:
        return None
    if not await may_change(update, context):
        await reply(update, "Only this group's administrators can change its subscriptions.")
        return None
    return target_of(message)


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    where = _elsewhere(context)
    if where is not None:
        seen(update, context)
        await _subscribe_elsewhere(update, context, where)
        return
    target = await _changeable(update, context)
    if target is None:
        return
    choice = await _choose(update, context, "subscribe")
    if choice is None:
        return
    readout = readout_of(context)
    user = update.effective_user
    try:
        added = readout.store.subscriptions.add(
            target, choice.kind, choice.id, user.id if user else None
        )
    except LimitReached as full:
        await reply(update, _full(full))
        return
    readout.on_subscribed()
    verb = "Subscribed to" if added else "Already subscribed to"
    await reply(update, f"{verb} {_describe(choice)}.")


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    target = await _changeable(update, context)
    if target is None:
        return
    choice = await _choose(update, context, "unsubscribe")
    if choice is None:
        return
    removed = readout_of(context).store.subscriptions.remove(target, choice.kind, choice.id)
    verb = "Unsubscribed from" if removed else "This chat was not subscribed to"
    await reply(update, f"{verb} {_describe(choice)}.")


async def _keyword_change(update: Update, context: ContextTypes.DEFAULT_TYPE, add: bool) -> None:
    target = await _changeable(update, context)
    if target is None:
        return
    readout = readout_of(context)
    verb = "keyword" if add else "unkeyword"
    text = normalize_keyword(argument(context))
    if not KEYWORD_MIN <= len(text) <= KEYWORD_MAX:
        await reply(
            update,
            f"Usage: /{verb} <i>text</i> ({KEYWORD_MIN}–{KEYWORD_MAX} characters), "
            f"e.g. /{verb} sanctions",
        )
        return
    store = readout.store.subscriptions
    shown = f"<code>{html.escape(text)}</code>"
    if add:
        user = update.effective_user
        try:
            done = store.add(target, "keyword", text, user.id if user else None)
        except LimitReached as full:
            await reply(update, _full(full))
            return
        await reply(update, f"{'Following' if done else 'Already following'} keyword {shown}.")
    else:
        done = store.remove(target, "keyword", text)
        await reply(update, f"{'Stopped following' if done else 'Not following'} keyword {shown}.")


async def keyword(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _keyword_change(update, context, add=True)


async def unkeyword(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _keyword_change(update, context, add=False)


async def subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    readout = seen(update, context)
    message = update.effective_message
    if message is None:
        return
    mine = readout.store.subscriptions.of(target_of(message))
    if not mine:
        await reply(update, "This chat follows nothing yet. Try /subscribe putin or /leaders.")
        return
    leaders = {leader.id: leader.name for leader in readout.leaders()}
    sources_by_id = {source.id: source.name for source in readout.sources()}
    lines = []
    for sub in mine:
        if sub.kind == "keyword":
            lines.append(f"• keyword <code>{html.escape(sub.target)}</code>")
            continue
        names = leaders if sub.kind == "leader" else sources_by_id
        label = names.get(sub.target, sub.target)
        lines.append(f"• {sub.kind} {_describe(Choice(sub.kind, sub.target, label))}")
    header = "<b>This chat follows:</b>"
    await _reply_page(update, "subscriptions", header, lines, _wanted_page(context))


def _leader_keyboard(readout: Readout, target: Target) -> InlineKeyboardMarkup:
    followed = {s.target for s in readout.store.subscriptions.of(target) if s.kind == "leader"}
    buttons = [
        InlineKeyboardButton(
            ("✓ " if leader.id in followed else "") + leader.name,
            callback_data=toggle_data(leader.id),
        )
        for leader in keyboard_leaders(readout.leaders(), followed)
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def leaders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    readout = seen(update, context)
    message = update.effective_message
    if message is None:
        return
    lines = [
        f"• {html.escape(leader.name)} — <code>{html.escape(leader.id)}</code>"
        for leader in readout.leaders()
    ]
    if len(readout.leaders()) > KEYBOARD_BUTTONS:
        lines.append(
            f"\nButtons for {KEYBOARD_BUTTONS} of them, those this chat follows first; "
            "/subscribe <i>id</i> follows any other."
        )
    await _reply_page(
        update,
        "leaders",
        "<b>Watched leaders</b> (tap to follow or unfollow):",
        lines,
        _wanted_page(context),
        reply_markup=_leader_keyboard(readout, target_of(message)),
    )


async def toggle_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Follow or unfollow the pressed leader, show it on the keyboard, then say so.

    The keyboard is refreshed before the press is answered, and each step survives the
    other's refusal: whatever Telegram says, the keyboard shows what the store holds.
    """
    query = update.callback_query
    readout = seen(update, context)
    if query is None or not isinstance(query.message, Message) or query.data is None:
        return
    if not await may_change(update, context):
        await _answer(query, "Only this group's administrators can change its subscriptions.")
        return
    target = target_of(query.message)
    leader = pressed_leader(query.data, readout.leaders())
    if leader is None:
        note = "That button is out of date: that leader is no longer watched."
    else:
        store = readout.store.subscriptions
        user_id = update.effective_user.id if update.effective_user else None
        if store.remove(target, "leader", leader.id):
            note = f"Unsubscribed from {leader.name}"
        else:
            try:
                store.add(target, "leader", leader.id, user_id)
            except LimitReached as full:
                await _answer(query, plain_text(_full(full)))
                return
            readout.on_subscribed()
            note = f"Subscribed to {leader.name}"
    try:
        await query.edit_message_reply_markup(_leader_keyboard(readout, target))
    except BadRequest as error:
        if "not modified" not in error.message.lower():  # already showing the truth
            log.warning("could not refresh the /leaders keyboard: %s", error.message)
    except TelegramError as error:
        log.warning("could not refresh the /leaders keyboard: %s", error.message)
    await _answer(query, note)


async def _answer(query: CallbackQuery, text: str) -> None:
    """Answer a press (it stops the button's spinner); a refused answer changes nothing."""
    try:
        await query.answer(answer_text(text))
    except TelegramError as error:
        log.warning("could not answer a button press: %s", error.message)


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    readout = seen(update, context)
    lines = [
        f"• {html.escape(source.name)} — <code>{html.escape(source.id)}</code>"
        + (f" · {html.escape(source.leader)}" if source.leader else "")
        for source in readout.sources()
        if source.enabled
    ]
    await _reply_page(update, "sources", "<b>Sources</b>:", lines, _wanted_page(context))


async def recent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    readout = seen(update, context)
    arguments, page = page_argument(context.args or [])
    wanted = " ".join(arguments).strip()
    known, leader_id = await _leader_argument(update, readout, arguments)
    if not known:
        return
    items = readout.store.recent(leader_id, RECENT_COUNT)
    if not items:
        await reply(update, "Nothing stored yet.")
        return
    lines = []
    for stored in items:
        item = stored.item
        when = item.published.shown() if item.published else "undated"
        title = html.escape(item.title)
        linked = f'<a href="{html.escape(item.url, quote=True)}">{title}</a>' if item.url else title
        story = f" · story {item.story}" if item.story is not None else ""
        lines.append(f"• {when} · {html.escape(stored.source_name)}{story}\n  {linked}")
    await _reply_page(
        update,
        "recent",
        "",
        lines,
        page,
        usage="[leader]",
        given=wanted,
        link_preview_options=NO_PREVIEW,
    )


CALLS_PER_PAGE = 5
CALLS_PAGES = 20


async def calls(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The latest stories of a leader, five at a time; a button brings the next five."""
    readout = seen(update, context)
    known, leader_id = await _leader_argument(update, readout, context.args or [])
    if known:
        await _send_calls(update, readout, leader_id, 0)


async def _leader_argument(
    update: Update, readout: Readout, words: Sequence[str]
) -> tuple[bool, str | None]:
    """The leader an optional argument names (None: no argument, every leader); False
    after telling the chat that no leader has that name."""
    wanted = " ".join(words).strip()
    if not wanted:
        return True, None
    found = resolve(wanted, readout.leaders(), [])
    if found.choice is None:
        await reply(update, f"No leader is called “{html.escape(wanted)}”. See /leaders.")
        return False, None
    return True, found.choice.id


async def more_calls(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button under a page of /calls: the next page, as a new message."""
    query = update.callback_query
    readout = seen(update, context)
    if query is None or query.data is None:
        return
    _, leader_id, page = [*query.data.split(":"), "", ""][:3]
    known = {leader.id for leader in readout.leaders()}
    number = int(page) if page.isdigit() else 0
    await _answer(query, "")
    if (leader_id and leader_id not in known) or not 0 < number < CALLS_PAGES:
        await reply(update, "That button is out of date: send /calls again.")
        return
    await _send_calls(update, readout, leader_id or None, number)


async def _send_calls(update: Update, readout: Readout, leader_id: str | None, page: int) -> None:
    found = readout.store.stories.latest(
        leader_id, CALLS_PER_PAGE + 1, offset=page * CALLS_PER_PAGE
    )
    if not found:
        await reply(update, "No calls or meetings stored yet." if page == 0 else "No more.")
        return
    shown = found[:CALLS_PER_PAGE]
    header = "<b>Calls and meetings</b>" + (f" of {html.escape(leader_id)}" if leader_id else "")
    lines = [story_html(story, leader_id) for story in shown]
    text = paginate(f"{header}:", lines)[0]
    markup = None
    if len(found) > CALLS_PER_PAGE and page + 1 < CALLS_PAGES:
        data = f"calls:{leader_id or ''}:{page + 1}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data=data)]])
    await reply(update, text, reply_markup=markup, link_preview_options=NO_PREVIEW)


async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was blocked, kicked or re-added: pause or resume that chat's alerts."""
    change = update.my_chat_member
    if change is None:
        return
    store = readout_of(context).store
    chat = change.chat
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        store.subscriptions.ensure_chat(chat.id, chat.type, chat.title or chat.full_name)
        store.subscriptions.pause_chat(chat.id, f"bot {status}")
        store.outbox.skip_chat(chat.id, f"chat paused: bot {status}")
    elif status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
        store.subscriptions.ensure_chat(chat.id, chat.type, chat.title or chat.full_name)
        store.subscriptions.resume_chat(chat.id)


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: its subscriptions follow it to the new id."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id:
        readout_of(context).store.subscriptions.move_chat(
            message.chat_id, message.migrate_to_chat_id
        )
