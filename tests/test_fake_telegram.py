"""The fake Bot API server, proven against the real python-telegram-bot.

If these pass, a Readout test that passes against the fake exercises PTB the way Telegram
would: the same wire encoding, polling offsets, and error-to-exception mapping.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import re
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

if TYPE_CHECKING:
    from tests.fake_telegram import FakeTelegram

# The fake_telegram fixtures come from tests/conftest.py's pytest_plugins.


def build_app(
    fake: FakeTelegram, limiter: AIORateLimiter | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    builder = (
        Application.builder().token(fake.token).base_url(fake.bot_url).base_file_url(fake.file_url)
    )
    if limiter is None:
        return builder.build()
    return builder.rate_limiter(limiter).build()


@asynccontextmanager
async def polling(app: Application[Any, Any, Any, Any, Any, Any]) -> AsyncIterator[None]:
    """Manual mode, as Readout's `run` embeds it: no signal handlers, stop on exit."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    who = " ".join(context.args or [])
    await update.effective_message.reply_html(f"Subscribed to <b>{html.escape(who)}</b>")


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake_telegram.token, base_url=fake_telegram.bot_url) as bot:
        yield bot


# ------------------------------------------------------------------- application round trip


async def test_subscribe_round_trip_through_polling(fake_telegram: FakeTelegram) -> None:
    app = build_app(fake_telegram)
    app.add_handler(CommandHandler("subscribe", subscribe))
    async with polling(app):
        fake_telegram.push_text("/subscribe Putin", chat_id=42)
        (sent,) = await fake_telegram.wait_sent(1)
        assert sent["chat_id"] == 42
        assert sent["text"] == "Subscribed to <b>Putin</b>"
        assert sent["parse_mode"] == "HTML"
        # "/subscribe@readout_test_bot" is ours too: getMe's username is what PTB compares.
        fake_telegram.push_text(
            "/subscribe@readout_test_bot Xi & Co", chat_id=-5, chat_type="group"
        )
        second = (await fake_telegram.wait_sent(2))[1]
        assert second["chat_id"] == -5
        assert second["text"] == "Subscribed to <b>Xi &amp; Co</b>"
        await fake_telegram.wait_call("getUpdates", 3)
    methods = [c.method for c in fake_telegram.calls]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    polls = fake_telegram.calls_of("getUpdates")
    assert polls[0]["offset"] == 0
    # After stop, PTB confirms what it handled with a last timeout=0 poll.
    assert polls[-1] == {**polls[-1], "offset": 3, "timeout": 0}
    assert fake_telegram.updates == []
    assert [m["message_id"] for m in fake_telegram.sent] == [2, 2]  # per chat, after the command


async def test_each_update_is_delivered_once(fake_telegram: FakeTelegram) -> None:
    seen: list[int] = []
    all_seen = asyncio.Event()

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)
        if len(seen) == 3:
            all_seen.set()

    app = build_app(fake_telegram)
    app.add_handler(MessageHandler(filters.ALL, record))
    first = fake_telegram.push_text("queued before start")
    async with polling(app):
        await fake_telegram.wait_confirmed(first)
        second = fake_telegram.push_text("pushed while polling")
        third = fake_telegram.push_text("and another")
        await fake_telegram.wait_confirmed(third)
        await asyncio.wait_for(all_seen.wait(), 5)
    assert seen == [first, second, third]
    assert fake_telegram.updates == []
    offsets = [p["offset"] for p in fake_telegram.calls_of("getUpdates")]
    assert offsets == sorted(offsets) and offsets[0] == 0 and offsets[-1] == third + 1


# PTB 22.8 warns about int-vs-timedelta in RetryAfter.__init__ itself, on every 429.
IGNORE_RETRY_AFTER_WARNING = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@IGNORE_RETRY_AFTER_WARNING
async def test_rate_limiter_waits_out_429_and_delivers_once(fake_telegram: FakeTelegram) -> None:
    app = build_app(fake_telegram, AIORateLimiter(max_retries=2))
    app.add_handler(CommandHandler("subscribe", subscribe))
    fake_telegram.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1}
    )
    async with polling(app):
        fake_telegram.push_text("/subscribe Putin")
        await fake_telegram.wait_sent(1)
    attempts = fake_telegram.times_of("sendMessage")
    assert len(attempts) == 2
    assert attempts[1] - attempts[0] >= 1.0
    assert [c.status for c in fake_telegram.calls if c.method == "sendMessage"] == [429, 200]
    assert len(fake_telegram.sent) == 1


async def test_update_builders_parse_in_ptb(fake_telegram: FakeTelegram) -> None:
    got: dict[str, Any] = {}

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        got["callback"] = (query.data, query.message.chat.id, query.message.message_id)
        await query.answer()
        await query.edit_message_text("<i>done</i>", parse_mode="HTML")

    async def on_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        got["member"] = update.my_chat_member.new_chat_member.status

    async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        got.setdefault("migrate", []).append(
            (update.message.migrate_to_chat_id, update.message.migrate_from_chat_id)
        )

    async def on_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        got["topic"] = (update.message.message_thread_id, update.message.is_topic_message)
        await update.message.reply_text("in topic")

    app = build_app(fake_telegram)
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    app.add_handler(CommandHandler("topic", on_topic))
    async with polling(app):
        button = InlineKeyboardButton("Putin", callback_data="sub:putin")
        message = await app.bot.send_message(
            7, "Pick one", reply_markup=InlineKeyboardMarkup([[button]])
        )
        fake_telegram.push_callback("sub:putin", chat_id=7)
        await fake_telegram.wait_edited(1)
        fake_telegram.push_my_chat_member(7, new_status="kicked")
        fake_telegram.push_migration(-77, -1000000000077)
        fake_telegram.push_text(
            "/topic", chat_id=-1000000000088, chat_type="supergroup", thread_id=5
        )
        await fake_telegram.wait_sent(2)
        await fake_telegram.wait_call("answerCallbackQuery")
        with pytest.raises(ChatMigrated):  # push_migration also redirects later sends
            await app.bot.send_message(-77, "old group")
    assert got["callback"] == ("sub:putin", 7, message.message_id)
    assert fake_telegram.edited[0]["message_id"] == message.message_id
    assert fake_telegram.messages[7, message.message_id]["text"] == "done"
    assert got["member"] == "kicked"
    assert got["migrate"] == [(-1000000000077, None), (None, -77)]
    assert got["topic"] == (5, True)
    assert fake_telegram.sent[-1]["message_thread_id"] == 5  # reply_text stays in the topic


# ------------------------------------------------------------------- wire format


async def test_form_fields_keep_their_types(fake_telegram: FakeTelegram, bot: Bot) -> None:
    from telegram import LinkPreviewOptions

    topic = fake_telegram.create_topic(-1000000000042, "News")
    message = await bot.send_message(
        -1000000000042,
        "123",
        disable_notification=True,
        message_thread_id=topic,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    params = fake_telegram.sent[0]
    assert params["text"] == "123"  # a string, though it decodes as JSON
    assert params["chat_id"] == -1000000000042
    assert params["disable_notification"] is True
    assert params["message_thread_id"] == topic
    assert params["link_preview_options"] == {"is_disabled": True}
    assert message.text == "123" and message.message_thread_id == topic
    assert fake_telegram.calls_of("getMe") == [{}]


async def test_json_query_and_multipart_bodies(fake_telegram: FakeTelegram) -> None:
    url = f"{fake_telegram.bot_url}{fake_telegram.token}"
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{url}/sendMessage", json={"chat_id": 1, "text": "json"})
        assert r.json()["result"]["text"] == "json"
        r = await client.get(f"{url}/sendMessage", params={"chat_id": "2", "text": "true"})
        assert r.json()["result"]["text"] == "true"
        r = await client.post(
            f"{url}/sendDocument",
            data={"chat_id": "3", "caption": "42"},
            files={"document": ("a.txt", b"hello", "text/plain")},
        )
        document = r.json()["result"]["document"]
        assert (document["file_name"], document["file_size"]) == ("a.txt", 5)
        r = await client.post(f"{url}/getFile", data={"file_id": document["file_id"]})
        path = r.json()["result"]["file_path"]
        r = await client.get(f"{fake_telegram.file_url}{fake_telegram.token}/{path}")
        assert r.content == b"hello"
        r = await client.post(f"{url.replace('TEST', 'WRONG')}/getMe")
        assert r.status_code == 401
        assert r.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    doc = fake_telegram.calls_of("sendDocument")[0]
    assert doc["chat_id"] == 3 and doc["caption"] == "42"
    assert doc["document"]["data"] == b"hello"
    assert [s["chat_id"] for s in fake_telegram.sent] == [1, 2]


async def test_wrong_token_is_invalid_token(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=fake_telegram.bot_url):
            pass


# ------------------------------------------------------------------- validation


TRICKY = 'Tom & Jerry <3 "x" it\'s'  # html.escape gives &amp; &lt; &quot; &#x27;


@pytest.mark.parametrize(
    ("text", "plain", "entity"),
    [
        ("<b>" + html.escape(TRICKY) + "</b>", TRICKY, "bold"),
        ('<a href="https://e.org/?a=1&amp;b=2">link</a>', "link", "text_link"),
        ("<a>https://e.org/</a>", "https://e.org/", "text_link"),  # tdlib: the text is the URL
        ("<blockquote expandable>q</blockquote>", "q", "expandable_blockquote"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", "pre"),
        ('<code class="language-python">x</code>', "x", "code"),
        ('<span class="tg-spoiler">s</span> &#128512; &#x1F600; a > b', "s 😀 😀 a > b", "spoiler"),
        ("<B>upper</><tg-spoiler></tg-spoiler>", "upper", "bold"),
        ('<tg-time unix="1700000000" format="wDT">then</tg-time>', "then", "date_time"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", "custom_emoji"),
    ],
)
async def test_valid_html(
    fake_telegram: FakeTelegram, bot: Bot, text: str, plain: str, entity: str
) -> None:
    message = await bot.send_message(42, text, parse_mode="HTML")
    assert message.text == plain
    assert [e.type for e in message.entities] == [entity]
    if entity == "pre":
        assert message.entities[0].language == "python"
    if entity in ("bold", "text_link", "pre", "spoiler"):
        # PTB rebuilds HTML from our UTF-16 offsets; it must parse back to the same message.
        # (PTB's text_html puts a link's URL into href= unescaped, "&" and all: Telegram
        # takes a bare "&" as text.)
        again = await bot.send_message(42, message.text_html, parse_mode="HTML")
        assert (again.text, again.entities) == (message.text, message.entities)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("Привет <x>", 'Unsupported start tag "x" at byte offset 13'),  # bytes, not chars
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href='x'", "Unclosed start tag"),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
    ],
)
async def test_bad_html_is_bad_request(
    fake_telegram: FakeTelegram, bot: Bot, text: str, reason: str
) -> None:
    with pytest.raises(BadRequest, match="(?i)" + re.escape(f"Can't parse entities: {reason}")):
        await bot.send_message(42, text, parse_mode="HTML")
    assert fake_telegram.sent == []
    assert fake_telegram.calls[-1].status == 400


async def test_lenient_ampersands_like_telegram(fake_telegram: FakeTelegram, bot: Bot) -> None:
    message = await bot.send_message(42, "Tom & Jerry &nbsp; &amp &lt;", parse_mode="HTML")
    assert message.text == "Tom & Jerry &nbsp; & <"
    linked = await bot.send_message(42, '<a href="https://e.org/?a=1&b=2">x</a>', parse_mode="HTML")
    assert linked.entities[0].url == "https://e.org/?a=1&b=2"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Tom & Jerry", 'Character "&" must be escaped as "&amp;" at byte offset 4'),
        ("&nbsp;", 'Character "&" must be escaped'),
        ('<a href="/?a=1&b=2">x</a>', 'Character "&" in tag "a" must be escaped'),
    ],
)
async def test_strict_html_is_an_opt_in_audit_of_escaping(
    fake_telegram: FakeTelegram, bot: Bot, text: str, reason: str
) -> None:
    await bot.send_message(42, text, parse_mode="HTML")  # Telegram takes it as text
    fake_telegram.strict_html = True
    with pytest.raises(BadRequest, match="(?i)" + re.escape(f"Can't parse entities: {reason}")):
        await bot.send_message(42, text, parse_mode="HTML")
    assert len(fake_telegram.sent) == 1


@pytest.mark.parametrize(
    ("href", "url"),
    [
        ("https://e.org", "https://e.org/"),
        ("HTTP://E.org:8080?q=1", "http://e.org:8080/?q=1"),
        ("e.org/news", "http://e.org/news"),  # no scheme: http
        ("tg://resolve?domain=readout", "tg://resolve?domain=readout"),
        ("javascript:alert(1)", None),
        ("JavaScript:void(0)", None),
        ("data:text/html,hi", None),
        ("ftp://e.org/file", None),
        ("http://localhost/x", None),  # a host without a dot
        ("http://e.org:99999/", None),
        ("", None),  # an empty href links the text, which is not an address here
    ],
)
async def test_links_telegram_cannot_open_stay_plain_text(
    bot: Bot, href: str, url: str | None
) -> None:
    message = await bot.send_message(
        42, f'see <a href="{html.escape(href)}">the text</a>', parse_mode="HTML"
    )
    assert message.text == "see the text"  # never refused: tdlib drops the link silently
    assert [e.url for e in message.entities] == ([url] if url else [])


async def test_length_is_counted_after_parsing_in_utf16(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    await bot.send_message(42, "x" * 4096)
    await bot.send_message(42, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(42, "&amp;" * 4096, parse_mode="HTML")
    await bot.send_message(42, "😀" * 2048)
    for too_long in ("x" * 4097, "😀" * 2049):
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(42, too_long)
    for empty in ("", "<b></b>", "  "):
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(42, empty, parse_mode="HTML")
    assert len(fake_telegram.sent) == 4


async def test_edit_message_text(fake_telegram: FakeTelegram, bot: Bot) -> None:
    message = await bot.send_message(42, "<b>v1</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<b>v1</b>", 42, message.message_id, parse_mode="HTML")
    edited = await bot.edit_message_text("v1", 42, message.message_id)  # entities differ
    assert isinstance(edited, type(message)) and edited.text == "v1"
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", 42, 999)
    assert [e["text"] for e in await fake_telegram.wait_edited(1)] == ["v1"]


async def test_chat_id_is_required_and_names_must_exist(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message("@nobody", "hi")
    with pytest.raises(BadRequest, match="Chat_id is empty"):
        await bot.send_message("", "hi")


# ------------------------------------------------------------------- errors


@IGNORE_RETRY_AFTER_WARNING
async def test_429_raises_retry_after(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1}
    )
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(42, "x")
    assert caught.value.retry_after in (1, dtm.timedelta(seconds=1))
    await bot.send_message(42, "x")  # only the next call failed
    assert len(fake_telegram.sent) == 1
    assert [c.status for c in fake_telegram.calls if c.method == "sendMessage"] == [429, 200]


async def test_status_codes_pick_exceptions(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Forbidden, match="bot was blocked"):
        await bot.send_message(42, "x")
    fake_telegram.fail_next("sendMessage", 500, "Internal Server Error", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(42, "x")
        assert not isinstance(caught.value, BadRequest)
    fake_telegram.fail_next(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": -100123},
    )
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-5, "x")
    assert migrated.value.new_chat_id == -100123
    await bot.send_message(42, "x")
    assert len(fake_telegram.sent) == 1


async def test_injected_failures_can_target_a_chat(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.fail_next("sendMessage", 502, "Bad Gateway", where={"chat_id": 43})
    fake_telegram.fail_next(
        "sendMessage", 403, "Forbidden: x", where={"chat_id": 44, "message_thread_id": None}
    )
    await bot.send_message(42, "not this one")
    with pytest.raises(NetworkError):
        await bot.send_message(43, "this one")
    await bot.send_message(43, "only once")
    with pytest.raises(Forbidden):
        await bot.send_message(44, "General")
    assert [s["chat_id"] for s in fake_telegram.sent] == [42, 43]


async def test_per_chat_rules(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.block_chat(42)
    fake_telegram.migrate_chat(-5, -1000000000005)
    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(42, "x")
        with pytest.raises(ChatMigrated) as migrated:
            await bot.send_message(-5, "x")
        assert migrated.value.new_chat_id == -1000000000005
    await bot.send_message(-1000000000005, "new home")
    await bot.send_message(43, "other chat")
    fake_telegram.unblock_chat(42)
    await bot.send_message(42, "back")
    assert [s["chat_id"] for s in fake_telegram.sent] == [-1000000000005, 43, 42]
    assert len(fake_telegram.calls_of("sendMessage")) == 7


async def test_delayed_answer_times_out_after_delivery(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.delay_next("sendMessage", 2)
    with pytest.raises(TimedOut):
        await bot.send_message(42, "maybe", read_timeout=0.3)
    assert fake_telegram.sent[0]["text"] == "maybe"  # delivered anyway: the ambiguous case


# ------------------------------------------------------------------- chats and members


async def test_get_chat_and_members(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.set_chat("@readout_news", id=-1000000000555, type="channel", title="News")
    chat = await bot.get_chat("@readout_news")
    assert (chat.id, chat.type, chat.title, chat.username) == (
        -1000000000555,
        "channel",
        "News",
        "readout_news",
    )
    assert (await bot.get_chat(-1000000000555)).title == "News"
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat("@missing")

    me = bot.id
    fake_telegram.set_member("@readout_news", me, "administrator")
    admin = await bot.get_chat_member("@readout_news", me)
    assert isinstance(admin, ChatMemberAdministrator) and admin.can_post_messages
    fake_telegram.set_member(-1000000000555, me, "administrator", can_post_messages=False)
    admin = await bot.get_chat_member(-1000000000555, me)
    assert isinstance(admin, ChatMemberAdministrator) and not admin.can_post_messages
    fake_telegram.set_member(-1000000000555, 1, "creator")
    expected = {
        1: ChatMemberOwner,
        2: ChatMemberMember,  # the default
        3: ChatMemberBanned,
        4: ChatMemberLeft,
        5: ChatMemberRestricted,
    }
    fake_telegram.set_member(-1000000000555, 3, "kicked")
    fake_telegram.set_member(-1000000000555, 4, "left")
    fake_telegram.set_member(-1000000000555, 5, "restricted")
    for user_id, cls in expected.items():
        member = await bot.get_chat_member(-1000000000555, user_id)
        assert type(member) is cls and member.user.id == user_id
    admins = await bot.get_chat_administrators("@readout_news")
    assert {type(a) for a in admins} == {ChatMemberAdministrator, ChatMemberOwner}


# ------------------------------------------------------------------- long polling


async def test_long_poll_returns_on_push_and_on_timeout(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    asyncio.get_running_loop().call_later(0.2, fake_telegram.push_text, "wake up")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert [u.message.text for u in updates if u.message] == ["wake up"]
    assert time.monotonic() - started < 2
    started = time.monotonic()
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 3


async def test_allowed_updates_filter(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.push_callback("x")
    text = fake_telegram.push_text("hello")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.update_id for u in updates] == [text]


async def test_stop_ends_a_long_poll_promptly() -> None:
    from tests.fake_telegram import FakeTelegram

    async with FakeTelegram() as fake, Bot(fake.token, base_url=fake.bot_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await fake.wait_call("getUpdates")  # arrived, and waiting
        started = time.monotonic()
        await fake.stop()
        assert time.monotonic() - started < 2
        assert await poll == ()


async def test_wait_helpers_fail_with_what_they_saw(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Forbidden):
        await bot.send_message(42, "x")
    with pytest.raises(AssertionError, match=r"(?s)1 sent message.*sendMessage -> 403"):
        await fake_telegram.wait_sent(1, timeout=0.2)


# ------------------------------------------------------------------- thread mode


def test_thread_mode_from_sync_code(fake_telegram_thread: FakeTelegram) -> None:
    fake = fake_telegram_thread
    url = f"{fake.bot_url}{fake.token}"
    update_id = fake.push_text_threadsafe("/subscribe Putin", chat_id=9)
    updates = httpx.post(f"{url}/getUpdates", data={"timeout": "5"}).json()["result"]
    assert [u["update_id"] for u in updates] == [update_id]
    assert updates[0]["message"]["entities"][0] == {
        "type": "bot_command",
        "offset": 0,
        "length": 10,
    }

    sender = threading.Timer(
        0.2, httpx.post, (f"{url}/sendMessage",), {"data": {"chat_id": "9", "text": "ok"}}
    )
    sender.start()
    (sent,) = fake.wait_sent_threadsafe(1, timeout=5)
    sender.join()
    assert sent == {"chat_id": 9, "text": "ok", "message_id": 2}
    assert fake.wait_call_threadsafe("getUpdates")[0] == {"timeout": 5}
    with pytest.raises(RuntimeError, match="threadsafe"):
        fake.push_text("not from this thread")


# ------------------------------------------------------------------- Telegram's limits


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d[:20], callback_data=d)] for d in data])


async def test_callback_data_is_one_to_64_bytes(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fits = "я" * 32  # 64 bytes in UTF-8, though 32 characters
    message = await bot.send_message(42, "ok", reply_markup=keyboard("x" * 64, fits))
    assert message.reply_markup == keyboard("x" * 64, fits)
    for data in ("x" * 65, "я" * 32 + "x", ""):
        with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
            await bot.send_message(42, "refused whole", reply_markup=keyboard("ok", data))
        with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
            await bot.edit_message_text(
                "new text", 42, message.message_id, reply_markup=keyboard(data)
            )
        with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
            await bot.edit_message_reply_markup(42, message.message_id, reply_markup=keyboard(data))
    assert len(fake_telegram.sent) == 1
    assert fake_telegram.edited == fake_telegram.edited_markup == []
    assert fake_telegram.messages[42, message.message_id]["text"] == "ok"


async def test_a_keyboard_has_at_most_100_buttons(fake_telegram: FakeTelegram, bot: Bot) -> None:
    hundred = [str(n) for n in range(100)]
    message = await bot.send_message(42, "ok", reply_markup=keyboard(*hundred))
    with pytest.raises(BadRequest, match="Reply markup is too long"):
        await bot.send_message(42, "no", reply_markup=keyboard(*hundred, "one more"))
    with pytest.raises(BadRequest, match="Reply markup is too long"):
        await bot.edit_message_reply_markup(
            42, message.message_id, reply_markup=keyboard(*hundred, "one more")
        )
    assert len(fake_telegram.sent) == 1


async def test_inline_button_needs_an_action(fake_telegram: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "just text"}]]}
    async with httpx.AsyncClient() as client:
        r = await client.post(
            f"{fake_telegram.bot_url}{fake_telegram.token}/sendMessage",
            json={"chat_id": 42, "text": "x", "reply_markup": markup},
        )
    assert (r.status_code, r.json()["description"]) == (
        400,
        "Bad Request: text buttons are unallowed in the inline keyboard",
    )


async def pressed(fake: FakeTelegram, bot: Bot, data: str = "go") -> str:
    """The id of a fresh button press, as the bot receives it."""
    await bot.send_message(42, "press", reply_markup=keyboard(data))
    fake.push_callback(data)
    (update,) = await bot.get_updates()
    await bot.get_updates(offset=update.update_id + 1)
    assert update.callback_query is not None
    return update.callback_query.id


async def test_callback_answer_is_at_most_200_characters_once(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    query = await pressed(fake_telegram, bot)
    with pytest.raises(BadRequest, match=r"^Message_too_long$"):
        await bot.answer_callback_query(query, "x" * 201)
    assert await bot.answer_callback_query(query, "ы" * 200)  # the refusal left it open
    with pytest.raises(BadRequest, match="Query is too old and response timeout expired"):
        await bot.answer_callback_query(query, "again")
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("999", "never asked")
    assert [a["text"] for a in fake_telegram.answers] == ["ы" * 200]


async def test_a_press_must_match_a_button(fake_telegram: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(42, "press", reply_markup=keyboard("a"))
    with pytest.raises(AssertionError, match="no button with data 'b'"):
        fake_telegram.push_callback("b")
    await bot.send_message(42, "no keyboard")
    with pytest.raises(AssertionError, match="no button"):
        fake_telegram.push_callback("a")


async def test_edit_message_reply_markup(fake_telegram: FakeTelegram, bot: Bot) -> None:
    message = await bot.send_message(42, "pick", reply_markup=keyboard("a"))
    edited = await bot.edit_message_reply_markup(42, message.message_id, reply_markup=keyboard("b"))
    assert isinstance(edited, type(message)) and edited.reply_markup == keyboard("b")
    assert edited.text == "pick"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(42, message.message_id, reply_markup=keyboard("b"))
    removed = await bot.edit_message_reply_markup(42, message.message_id)
    assert isinstance(removed, type(message)) and removed.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(42, message.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_reply_markup(42, 999, reply_markup=keyboard("c"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_reply_markup(43, message.message_id, reply_markup=keyboard("c"))
    fake_telegram.push_text("a user's message", chat_id=42)
    theirs = max(m for c, m in fake_telegram.messages if c == 42)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_reply_markup(42, theirs, reply_markup=keyboard("c"))
    assert len(fake_telegram.edited_markup) == 2
    assert "reply_markup" not in fake_telegram.messages[42, message.message_id]


async def test_an_edit_that_changes_only_the_formatting_is_applied(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    message = await bot.send_message(42, "<b>v1</b>", parse_mode="HTML")
    for text, mode in (("<i>v1</i>", "HTML"), ("v1", None), ("<b><i>v1</i></b>", "HTML")):
        edited = await bot.edit_message_text(text, 42, message.message_id, parse_mode=mode)
        assert isinstance(edited, type(message)) and edited.text == "v1"
    with pytest.raises(BadRequest, match="Message is not modified"):  # the same entities
        await bot.edit_message_text("<i><b>v1</b></i>", 42, message.message_id, parse_mode="HTML")
    assert [e["text"] for e in fake_telegram.edited] == ["<i>v1</i>", "v1", "<b><i>v1</i></b>"]


async def test_editing_text_without_a_keyboard_removes_it(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    message = await bot.send_message(42, "same", reply_markup=keyboard("a"))
    edited = await bot.edit_message_text("same", 42, message.message_id)
    assert isinstance(edited, type(message)) and edited.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("same", 42, message.message_id)


async def test_forum_topics_and_their_deletion(fake_telegram: FakeTelegram, bot: Bot) -> None:
    forum = -1000000000123
    fake_telegram.set_chat(forum, type="supergroup", title="Desk", is_forum=True)
    topic = await bot.create_forum_topic(forum, "Kremlin")
    assert topic.name == "Kremlin" and topic.message_thread_id in fake_telegram.topics[forum]
    posted = await bot.send_message(forum, "in topic", message_thread_id=topic.message_thread_id)
    assert posted.message_thread_id == topic.message_thread_id and posted.is_topic_message
    assert await bot.delete_forum_topic(forum, topic.message_thread_id)
    for thread in (topic.message_thread_id, 4242):  # deleted, and never there
        with pytest.raises(BadRequest, match=r"^Message thread not found$"):
            await bot.send_message(forum, "lost", message_thread_id=thread)
    with pytest.raises(BadRequest, match="Message to edit not found"):  # gone with its topic
        await bot.edit_message_text("x", forum, posted.message_id)
    await bot.send_message(forum, "General is still there")
    with pytest.raises(AssertionError, match="was deleted"):
        fake_telegram.push_text("/help", chat_id=forum, thread_id=topic.message_thread_id)
    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await bot.create_forum_topic(42, "private")
    # A message from a topic the fake has not seen proves that the topic exists.
    fake_telegram.push_text("/help", chat_id=-1000000000456, chat_type="supergroup", thread_id=9)
    assert (await bot.send_message(-1000000000456, "ok", message_thread_id=9)).is_topic_message
    assert [s["text"] for s in fake_telegram.sent] == ["in topic", "General is still there", "ok"]


async def test_a_second_poller_gets_409_conflict(fake_telegram: FakeTelegram, bot: Bot) -> None:
    async with Bot(fake_telegram.token, base_url=fake_telegram.bot_url) as other:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await fake_telegram.wait_call("getUpdates")
        second = asyncio.create_task(other.get_updates(timeout=5))
        with pytest.raises(Conflict) as caught:
            await first
        assert caught.value.message == (
            "Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running"
        )
        fake_telegram.push_text("for the survivor")
        assert [u.message.text for u in await second if u.message] == ["for the survivor"]
    assert [c.status for c in fake_telegram.calls if c.method == "getUpdates"] == [409, 200]


async def test_get_updates_is_refused_while_a_webhook_is_set(bot: Bot) -> None:
    assert await bot.set_webhook("https://e.org/hook")
    assert (await bot.get_webhook_info()).url == "https://e.org/hook"
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()
