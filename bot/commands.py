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

from bot import hours, settings, unknown
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
    preferences,
    readout_of,
    reply,
    seen,
    target_of,
    texts_for,
)
from bot.i18n import N_, SOURCE_LANGUAGE, Texts, texts
from bot.pages import PageError, page_argument, page_of, paginate, plain_text
from bot.resolve import Choice, resolve
from bot.routing import normalize_keyword
from bot.search import item_line
from bot.search import register as register_search
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
    ("search", N_("Find stored items in any word form: /search gas supplies")),
    ("language", N_("The language Readout speaks here: /language en|ru|kk")),
    ("timezone", N_("The time zone times are shown in: /timezone Asia/Almaty")),
    ("quiet", N_("No alerts at night: /quiet 22:00-07:00 or /quiet off")),
    ("digest", N_("One message a period: /digest off|hourly|daily 09:00")),
    ("help", N_("How Readout works")),
)

HELP_INTRO = N_("<b>Readout</b> sends official statements by heads of state as they are published.")
# One line per command, in the order /help shows them: a module that adds commands adds
# its lines here (marked N_, translated where shown).
HELP: list[str] = [
    N_("/subscribe <i>leader or source</i> — follow (by id or any name: putin, Путин, kremlin-en)"),
    N_("/unsubscribe <i>leader or source</i> — stop following"),
    N_("/keyword <i>text</i> · /unkeyword <i>text</i> — follow free-text keywords"),
    N_("/subscriptions — what this chat follows"),
    N_("/leaders — watched leaders, with one-tap buttons"),
    N_("/sources — the sources read"),
    N_("/recent [<i>leader</i>] — the latest items"),
    N_(
        "/calls [<i>leader</i>] — the latest calls, meetings and summits, and which sides "
        "published them"
    ),
    N_("/search <i>words</i> — stored items with these words, in any of their forms"),
    N_("/quiet <i>HH:MM-HH:MM</i> · /quiet off — hold alerts in those hours, send them after"),
    N_("/digest <i>off|hourly|daily HH:MM</i> — one message a period instead of each alert"),
    N_("/language <i>en|ru|kk</i> — the language Readout speaks in this chat"),
    N_("/timezone <i>Area/City</i> — the time zone times are shown in (UTC until chosen)"),
]
# The paragraphs after the commands ({subscriptions} and {keywords} are the limits).
HELP_NOTES: list[str] = [
    N_(
        "Each item is sent once per chat, with the leaders it mentions; the other side's "
        "readout of a call or meeting you were alerted to comes as a reply to that alert. A "
        "source that publishes a flood of items at once sends one summary instead. In "
        "groups, only administrators can change subscriptions and settings. In a forum, "
        "subscriptions belong to the topic they were made in."
    ),
    N_(
        "Long lists come in pages: add the page number, e.g. /subscriptions 2. A chat follows "
        "at most {subscriptions} leaders, sources and keywords ({keywords} keywords)."
    ),
]
ADMIN_HELP_TITLE = N_("<b>Admin commands</b>")
ADMIN_HELP: list[str] = [
    N_(
        "/addsource <i>id url [name]</i> · /removesource <i>id</i> · /pause <i>id</i> · "
        "/resume <i>id</i> · /check <i>id</i>"
    ),
    N_("/status [<i>page</i>] · /audit [<i>page</i>]"),
    N_("/addleader <i>id full name</i> · /alias <i>leader alias</i>"),
    N_(
        "/export — the sources as an OPML file · /import — as a reply to an OPML file, adds "
        "its feeds"
    ),
    N_("/subscribe <i>leader or source</i> <i>@channel or chat id</i>"),
]


def help_text(_: Texts, admin: bool = False, short: bool = False) -> str:
    """/help in the reader's language; ``short`` (for /start) leaves out the notes."""
    parts = [_(HELP_INTRO), "\n".join(_(line) for line in HELP)]
    if not short:
        limits = {"subscriptions": MAX_SUBSCRIPTIONS, "keywords": MAX_KEYWORDS}
        parts.extend(_(note).format(**limits) for note in HELP_NOTES)
    if admin:
        parts.append("\n".join([_(ADMIN_HELP_TITLE), *(_(line) for line in ADMIN_HELP)]))
    return "\n\n".join(parts)


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
    settings.register(application, bot_commands)
    application.add_handler(CallbackQueryHandler(toggle_button, pattern=r"^toggle:"))
    application.add_handler(CallbackQueryHandler(more_calls, pattern=r"^calls:"))
    application.add_handler(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
    register_search(application)
    hours.register(application)
    unknown.register(application)


def bot_commands(language: str = SOURCE_LANGUAGE) -> list[BotCommand]:
    """The command menu in ``language``: Telegram shows each user the menu set for their
    own language, and the English one to everyone else."""
    _ = texts(language)
    return [BotCommand(name, _(text)) for name, text in COMMANDS]


async def _reply_page(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    command: str,
    header: str,
    lines: Sequence[str],
    wanted: str | None,
    usage: str = "",
    given: str = "",
    **options: object,
) -> None:
    """One page of a listing (bot.pages): never over Telegram's limit, never dropped."""
    _ = texts_for(update, context)
    try:
        text = page_of(command, header, lines, wanted, usage=usage, given=given, words=_)
    except PageError as error:
        await reply(update, str(error))
        return
    await reply(update, text, **options)


def _wanted_page(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    return context.args[0] if context.args else None


def _full(_: Texts, error: LimitReached, chat: str | None = None) -> str:
    """The polite refusal when a chat (this one, or the ``chat`` an admin named) follows
    as much as it may."""
    if error.kind == "keyword" and error.limit == MAX_KEYWORDS:
        limit = MAX_KEYWORDS
        if chat is None:
            text = _.ngettext(
                "This chat already follows {limit} keyword, the most Readout allows: "
                "/unkeyword it first. Nothing was changed.",
                "This chat already follows {limit} keywords, the most Readout allows: "
                "/unkeyword one first. Nothing was changed.",
                limit,
            )
        else:
            text = _.ngettext(
                "{chat} already follows {limit} keyword, the most Readout allows: "
                "/unkeyword it first. Nothing was changed.",
                "{chat} already follows {limit} keywords, the most Readout allows: "
                "/unkeyword one first. Nothing was changed.",
                limit,
            )
        return text.format(limit=limit, chat=chat)
    limit = MAX_SUBSCRIPTIONS
    if chat is None:
        text = _.ngettext(
            "This chat already follows {limit} leader, source or keyword, the most "
            "Readout allows: /unsubscribe from it first. Nothing was changed.",
            "This chat already follows {limit} leaders, sources and keywords, the most "
            "Readout allows: /unsubscribe from one first. Nothing was changed.",
            limit,
        )
    else:
        text = _.ngettext(
            "{chat} already follows {limit} leader, source or keyword, the most "
            "Readout allows: /unsubscribe from it first. Nothing was changed.",
            "{chat} already follows {limit} leaders, sources and keywords, the most "
            "Readout allows: /unsubscribe from one first. Nothing was changed.",
            limit,
        )
    return text.format(limit=limit, chat=chat)


def _is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in readout_of(context).admins


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The first thing a new reader sees: hello, their Telegram id (what an operator puts
    in ``telegram.admins``), whether they are an admin, and the commands."""
    seen(update, context)
    _ = texts_for(update, context)
    user = update.effective_user
    parts = []
    if user is not None:
        parts.append(
            _(
                "Hello, {name}! Your Telegram id is <code>{id}</code>: that is the number "
                "<code>telegram.admins</code> in Readout's config lists for its admins."
            ).format(name=html.escape(user.first_name), id=user.id)
        )
        if _is_admin(update, context):
            parts.append(_("You are one of this Readout's admins: /help lists your commands too."))
    parts.append(help_text(_, short=True))
    parts.append(_("/help says more; /language and /timezone set how Readout speaks here."))
    await reply(update, "\n\n".join(parts))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    seen(update, context)
    await reply(update, help_text(texts_for(update, context), admin=_is_admin(update, context)))


def _describe(choice: Choice) -> str:
    return f"{html.escape(choice.label)} (<code>{html.escape(choice.id)}</code>)"


async def _choose(update: Update, context: ContextTypes.DEFAULT_TYPE, verb: str) -> Choice | None:
    readout = readout_of(context)
    _ = texts_for(update, context)
    wanted = argument(context)
    if not wanted:
        await reply(
            update,
            _("Usage: /{command} <i>leader or source</i>, e.g. /{command} putin").format(
                command=verb
            ),
        )
        return None
    found = resolve(wanted, readout.leaders(), readout.sources())
    if found.choice is not None:
        return found.choice
    shown = html.escape(wanted)
    if found.candidates:
        options = "\n".join(f"• {_describe(c)}" for c in found.candidates)
        text = _("“{name}” could mean several things. Did you mean:\n{options}")
        await reply(update, text.format(name=shown, options=options))
    else:
        text = _("No leader or source is called “{name}”. See /leaders and /sources.")
        await reply(update, text.format(name=shown))
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
    _ = texts_for(update, context)
    user = update.effective_user
    if user is None or user.id not in readout.admins:
        await reply(update, _("Subscribing another chat is for Readout's admins only."))
        return
    context.args = (context.args or [])[:-1]
    choice = await _choose(update, context, "subscribe")
    if choice is None:
        return
    try:
        target, chat_type, title = await can_post(context, where)
    except AdminError as error:
        result, ok = error.in_(_), False
    else:
        readout.store.subscriptions.ensure_chat(target.chat_id, chat_type, title)
        try:
            added = readout.store.subscriptions.add(target, choice.kind, choice.id, user.id)
        except LimitReached as full:
            result, ok = _full(_, full, html.escape(title)), False
        else:
            readout.on_subscribed()
            if added:
                text = _("Subscribed {chat} to {choice}.")
            else:
                text = _("Already subscribed {chat} to {choice}.")
            result, ok = text.format(chat=html.escape(title), choice=_describe(choice)), True
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
        _ = texts_for(update, context)
        await reply(update, _("Only this group's administrators can change its subscriptions."))
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
    _ = texts_for(update, context)
    user = update.effective_user
    try:
        added = readout.store.subscriptions.add(
            target, choice.kind, choice.id, user.id if user else None
        )
    except LimitReached as full:
        await reply(update, _full(_, full))
        return
    readout.on_subscribed()
    text = _("Subscribed to {choice}.") if added else _("Already subscribed to {choice}.")
    await reply(update, text.format(choice=_describe(choice)))


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    target = await _changeable(update, context)
    if target is None:
        return
    choice = await _choose(update, context, "unsubscribe")
    if choice is None:
        return
    _ = texts_for(update, context)
    removed = readout_of(context).store.subscriptions.remove(target, choice.kind, choice.id)
    if removed:
        text = _("Unsubscribed from {choice}.")
    else:
        text = _("This chat was not subscribed to {choice}.")
    await reply(update, text.format(choice=_describe(choice)))


async def _keyword_change(update: Update, context: ContextTypes.DEFAULT_TYPE, add: bool) -> None:
    target = await _changeable(update, context)
    if target is None:
        return
    readout = readout_of(context)
    _ = texts_for(update, context)
    verb = "keyword" if add else "unkeyword"
    text = normalize_keyword(argument(context))
    if not KEYWORD_MIN <= len(text) <= KEYWORD_MAX:
        usage = _(
            "Usage: /{command} <i>text</i> ({least}–{most} characters), e.g. /{command} sanctions"
        )
        await reply(update, usage.format(command=verb, least=KEYWORD_MIN, most=KEYWORD_MAX))
        return
    store = readout.store.subscriptions
    shown = f"<code>{html.escape(text)}</code>"
    if add:
        user = update.effective_user
        try:
            done = store.add(target, "keyword", text, user.id if user else None)
        except LimitReached as full:
            await reply(update, _full(_, full))
            return
        said = (
            _("Following keyword {keyword}.") if done else _("Already following keyword {keyword}.")
        )
    else:
        done = store.remove(target, "keyword", text)
        said = (
            _("Stopped following keyword {keyword}.")
            if done
            else _("Not following keyword {keyword}.")
        )
    await reply(update, said.format(keyword=shown))


async def keyword(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _keyword_change(update, context, add=True)


async def unkeyword(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _keyword_change(update, context, add=False)


async def subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    readout = seen(update, context)
    _ = texts_for(update, context)
    message = update.effective_message
    if message is None:
        return
    mine = readout.store.subscriptions.of(target_of(message))
    if not mine:
        await reply(update, _("This chat follows nothing yet. Try /subscribe putin or /leaders."))
        return
    leaders = {leader.id: leader.name for leader in readout.leaders()}
    sources_by_id = {source.id: source.name for source in readout.sources()}
    lines = []
    for sub in mine:
        if sub.kind == "keyword":
            shown = f"<code>{html.escape(sub.target)}</code>"
            lines.append(_("• keyword {keyword}").format(keyword=shown))
            continue
        names = leaders if sub.kind == "leader" else sources_by_id
        label = _describe(Choice(sub.kind, sub.target, names.get(sub.target, sub.target)))
        line = _("• leader {choice}") if sub.kind == "leader" else _("• source {choice}")
        lines.append(line.format(choice=label))
    header = _("<b>This chat follows:</b>")
    await _reply_page(update, context, "subscriptions", header, lines, _wanted_page(context))


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
    _ = texts_for(update, context)
    message = update.effective_message
    if message is None:
        return
    lines = [
        f"• {html.escape(leader.name)} — <code>{html.escape(leader.id)}</code>"
        for leader in readout.leaders()
    ]
    if len(readout.leaders()) > KEYBOARD_BUTTONS:
        note = _.ngettext(
            "A button for {count} of them, the one this chat follows first; /subscribe "
            "<i>id</i> follows any other.",
            "Buttons for {count} of them, those this chat follows first; /subscribe <i>id</i> "
            "follows any other.",
            KEYBOARD_BUTTONS,
        )
        lines.append("\n" + note.format(count=KEYBOARD_BUTTONS))
    await _reply_page(
        update,
        context,
        "leaders",
        _("<b>Watched leaders</b> (tap to follow or unfollow):"),
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
    _ = texts_for(update, context)
    if query is None or not isinstance(query.message, Message) or query.data is None:
        return
    if not await may_change(update, context):
        await _answer(query, _("Only this group's administrators can change its subscriptions."))
        return
    target = target_of(query.message)
    leader = pressed_leader(query.data, readout.leaders())
    if leader is None:
        note = _("That button is out of date: that leader is no longer watched.")
    else:
        store = readout.store.subscriptions
        user_id = update.effective_user.id if update.effective_user else None
        if store.remove(target, "leader", leader.id):
            note = _("Unsubscribed from {leader}").format(leader=leader.name)
        else:
            try:
                store.add(target, "leader", leader.id, user_id)
            except LimitReached as full:
                await _answer(query, plain_text(_full(_, full)))
                return
            readout.on_subscribed()
            note = _("Subscribed to {leader}").format(leader=leader.name)
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
    _ = texts_for(update, context)
    lines = [
        f"• {html.escape(source.name)} — <code>{html.escape(source.id)}</code>"
        + (f" · {html.escape(source.leader)}" if source.leader else "")
        for source in readout.sources()
        if source.enabled
    ]
    header = _("<b>Sources</b>:")
    await _reply_page(update, context, "sources", header, lines, _wanted_page(context))


async def recent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The latest items, each dated in the chat's zone and language (a day alone where the
    source gave only a day)."""
    readout = seen(update, context)
    _ = texts_for(update, context)
    arguments, page = page_argument(context.args or [])
    wanted = " ".join(arguments).strip()
    known, leader_id = await _leader_argument(update, context, arguments)
    if not known:
        return
    items = readout.store.recent(leader_id, RECENT_COUNT)
    if not items:
        await reply(update, _("Nothing stored yet."))
        return
    zone = preferences(update, context).timezone
    lines = [item_line(stored, _, zone) for stored in items]
    await _reply_page(
        update,
        context,
        "recent",
        "",
        lines,
        page,
        usage=_("[leader]"),
        given=wanted,
        link_preview_options=NO_PREVIEW,
    )


CALLS_PER_PAGE = 5
CALLS_PAGES = 20


async def calls(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The latest stories of a leader, five at a time; a button brings the next five."""
    readout = seen(update, context)
    known, leader_id = await _leader_argument(update, context, context.args or [])
    if known:
        await _send_calls(update, context, readout, leader_id, 0)


async def _leader_argument(
    update: Update, context: ContextTypes.DEFAULT_TYPE, words: Sequence[str]
) -> tuple[bool, str | None]:
    """The leader an optional argument names (None: no argument, every leader); False
    after telling the chat that no leader has that name."""
    wanted = " ".join(words).strip()
    if not wanted:
        return True, None
    found = resolve(wanted, readout_of(context).leaders(), [])
    if found.choice is None:
        _ = texts_for(update, context)
        text = _("No leader is called “{name}”. See /leaders.")
        await reply(update, text.format(name=html.escape(wanted)))
        return False, None
    return True, found.choice.id


async def more_calls(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button under a page of /calls: the next page, as a new message."""
    query = update.callback_query
    readout = seen(update, context)
    if query is None or query.data is None:
        return
    _ = texts_for(update, context)
    _kind, leader_id, page = [*query.data.split(":"), "", ""][:3]
    known = {leader.id for leader in readout.leaders()}
    number = int(page) if page.isdigit() else 0
    await _answer(query, "")
    if (leader_id and leader_id not in known) or not 0 < number < CALLS_PAGES:
        await reply(update, _("That button is out of date: send /calls again."))
        return
    await _send_calls(update, context, readout, leader_id or None, number)


async def _send_calls(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    readout: Readout,
    leader_id: str | None,
    page: int,
) -> None:
    _ = texts_for(update, context)
    found = readout.store.stories.latest(
        leader_id, CALLS_PER_PAGE + 1, offset=page * CALLS_PER_PAGE
    )
    if not found:
        await reply(update, _("No calls or meetings stored yet.") if page == 0 else _("No more."))
        return
    shown = found[:CALLS_PER_PAGE]
    if leader_id:
        header = _("<b>Calls and meetings</b> of {leader}:").format(leader=html.escape(leader_id))
    else:
        header = _("<b>Calls and meetings</b>:")
    zone = preferences(update, context).timezone
    lines = [story_html(story, leader_id, _, zone) for story in shown]
    text = paginate(header, lines)[0]
    markup = None
    if len(found) > CALLS_PER_PAGE and page + 1 < CALLS_PAGES:
        data = f"calls:{leader_id or ''}:{page + 1}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(_("More"), callback_data=data)]])
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
