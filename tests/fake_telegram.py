"""A fake Telegram Bot API server that real python-telegram-bot can talk to over HTTP.

Why a server and not a mocked ``Bot``: it exercises what a mock hides — PTB's form encoding,
long polling and offsets, the status-code-to-exception mapping (429 → RetryAfter, 403 →
Forbidden, ``migrate_to_chat_id`` → ChatMigrated) and a clean shutdown. Point PTB at it with
``ApplicationBuilder().token(fake.token).base_url(fake.bot_url)``.

It refuses what Telegram refuses, with Telegram's words, because a fake more lenient than
Telegram lets real bugs pass: HTML that Telegram cannot parse, text over 4096 UTF-16 code
units after parsing, a keyboard with ``callback_data`` over 64 bytes (BUTTON_DATA_INVALID)
or over 100 buttons (the whole message refused), a callback answer over 200 characters
(MESSAGE_TOO_LONG) or to an unknown or already answered query, edits of messages that are
not there or not the bot's, an edit that changes nothing ("message is not modified"), a
``message_thread_id`` of a forum topic that does not exist (any more), a reply to a
message that is gone without ``allow_sending_without_reply`` ("message to be replied not
found"; with it, a plain message), and a second ``getUpdates`` poller (409 Conflict). Where Telegram
is lenient, so is the fake: a bare ``&`` is text, a link Telegram cannot open
(``javascript:``, ``data:``, a host without a dot) silently stays plain text, as tdlib's
HTML parser does, and an edit that changes only the formatting is applied. Methods it does
not model answer ``true``; numeric chat ids need no registration.

Async tests use the ``fake_telegram`` fixture (it runs in the test's event loop); sync tests
that drive a ``readout run`` subprocess use ``fake_telegram_thread`` (its own loop in a
thread) and the ``*_threadsafe`` helpers.
"""

# The wait_* helpers take a `timeout` on purpose: tests read better with it than wrapped in
# asyncio.timeout(), and the failure message can say what was awaited.

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from aiohttp import web

JSON = dict[str, Any]
ChatKey = int | str
T = TypeVar("T")

TOKEN = "123456:TEST"
BOT_ID = 123456
BOT_USERNAME = "readout_test_bot"
MAX_TEXT = 4096  # telegram.constants.MessageLimit.MAX_TEXT_LENGTH, in UTF-16 code units
MAX_CALLBACK_DATA = 64  # InlineKeyboardButton.callback_data: 1-64 bytes (UTF-8)
MAX_CALLBACK_ANSWER = 200  # answerCallbackQuery.text: 0-200 characters
MAX_INLINE_BUTTONS = 100  # more in one keyboard: "reply markup is too long"

# Parameters that are strings in the Bot API: PTB sends strings raw (not JSON-encoded), so
# "123" or "true" here must not be decoded into a number or a bool.
# fmt: off
STRING_PARAMS = frozenset({
    "text", "caption", "parse_mode", "url", "data", "callback_query_id", "inline_message_id",
    "title", "description", "short_description", "name", "custom_title", "query", "emoji",
    "language_code", "business_connection_id", "message_effect_id", "question", "explanation",
    "secret_token", "ip_address", "switch_inline_query", "first_name", "last_name",
    "phone_number", "vcard", "address", "foursquare_id", "payload", "currency",
    "start_parameter", "error_message", "result_id", "web_app_query_id",
})
# ChatFullInfo requires accepted_gift_types with all of these (PTB 22.8 raises without them).
GIFT_TYPES = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
              "gifts_from_channels")
# fmt: on
# Methods that deliver into a chat, so block_chat/migrate_chat rules apply to them.
SEND_PREFIXES = ("send", "edit", "copy", "forward")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
THREAD_NOT_FOUND = "Bad Request: message thread not found"
BLOCKED = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot is not a member of the channel chat",
}
# What getChatMember reports for an admin (a channel admin needs can_post_messages to post).
# fmt: off
ADMIN_RIGHTS: JSON = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": True, "can_edit_stories": True, "can_delete_stories": True,
    "can_post_messages": True, "can_edit_messages": True, "can_pin_messages": True,
    "can_manage_topics": False,
}
RESTRICTED_RIGHTS: JSON = {"is_member": True, "until_date": 0} | {
    f"can_{right}": False
    for right in (
        "change_info", "invite_users", "pin_messages", "send_messages", "send_polls",
        "send_other_messages", "add_web_page_previews", "manage_topics", "send_audios",
        "send_documents", "send_photos", "send_videos", "send_video_notes", "send_voice_notes",
        "edit_tag", "react_to_messages",
    )
}
# fmt: on


class ApiError(Exception):
    """An error answer: Telegram's JSON body with the real HTTP status, which PTB maps to an
    exception class (parameters first: migrate_to_chat_id, then retry_after)."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


# --------------------------------------------------------------------------- HTML parsing
# Modelled on tdlib's parse_html (td/telegram/MessageEntity.cpp), which is what the Bot API
# runs: same tags, same error texts, and the same leniency: a bare "&" (or "&nbsp;") is text,
# "&amp" without ";" is decoded, and a link whose address Telegram cannot open is dropped
# (its text stays). ``strict=True`` is an opt-in audit that refuses a bare "&": a test can
# use it to prove that every dynamic string was escaped, which Telegram cannot tell.

# Telegram's HTML tags and the MessageEntity type each becomes.
# fmt: off
_TAG_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-spoiler": "spoiler", "span": "spoiler", "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
# fmt: on
# tdlib's sort_entities orders entities on one span by these (MessageEntity.cpp), so
# "<b><i>x</i></b>" and "<i><b>x</b></i>" are the same message.
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:([a-zA-Z]+)|#([0-9]+)|#x([0-9a-fA-F]+))(;?)")
_VALUE = r"""(?:"[^"]*"|'[^']*'|[\w.-]*)"""  # quoted, or a name token
_ATTR = rf"""([^\s=>/"']+)(?:\s*=\s*({_VALUE}))?"""
_ATTRS_THEN_GT = re.compile(rf"""((?:\s*[^\s=>/"']+(?:\s*=\s*{_VALUE})?)*)\s*>""")
_END_TAG = re.compile(r"</([^\s>]*)\s*>")


def utf16_len(text: str) -> int:
    """Telegram counts lengths and entity offsets in UTF-16 code units (emoji count 2)."""
    return len(text.encode("utf-16-le")) // 2


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_PORT = re.compile(r"[0-9]{1,10}")
_HOST = re.compile(r"[\w.~-]+|\[[0-9A-Fa-f:.]+\]")  # a name (any script), or [IPv6]
_TG_HOST = re.compile(r"[A-Za-z0-9_-]+")


def check_link(url: str) -> str | None:
    """What tdlib's LinkManager::check_link makes of an ``<a href>``: the address Telegram
    links to, or None when it cannot open it (the tag then stays plain text, no error).

    http and https to a host with a dot (or an IPv6 address), tg:// and ton://; an address
    without a scheme is taken as http. javascript:, data:, ftp://, a bare word or a bad
    port are not links.
    """
    link = url.strip()
    lower = link.lower()
    for scheme in ("tg:", "ton:"):
        if lower.startswith(scheme):
            rest = link[len(scheme) :].removeprefix("//")
            host, tail = _authority(rest)
            if not _TG_HOST.fullmatch(host):
                return None
            return f"{scheme}//{host.lower()}{tail.removeprefix('/')}"
    scheme = "http"
    if (m := _SCHEME.match(link)) is not None:
        scheme = m[1].lower()
        if scheme not in ("http", "https"):
            return None
        link = link[m.end() :]
    authority, tail = _authority(link)
    userinfo, at, host_port = authority.rpartition("@")
    host, port = host_port, ""
    if not host_port.endswith("]") and ":" in host_port:
        host, port = host_port.rsplit(":", 1)
        if not _PORT.fullmatch(port) or not 0 < int(port) < 65536:
            return None
        port = f":{int(port)}"
    ipv6 = host.startswith("[")
    if not _HOST.fullmatch(host) or (not ipv6 and "." not in host.strip(".")):
        return None
    path = tail if tail.startswith("/") else "/" + tail
    return f"{scheme}://{userinfo}{at}{host.lower()}{port}{path}"


def _authority(link: str) -> tuple[str, str]:
    """``link`` split before its path, query or fragment."""
    end = next((i for i, ch in enumerate(link) if ch in "/?#"), len(link))
    return link[:end], link[end:]


def _entity_at(text: str, i: int, strict: bool) -> tuple[str, int] | None:
    """The character an HTML entity at text[i] stands for and where it ends, or None."""
    m = _ENTITY.match(text, i)
    if m is None or (strict and not m[4]):
        return None
    if m[1]:
        char = _NAMED.get(m[1])
        return None if char is None else (char, m.end())
    code = int(m[2], 10) if m[2] else int(m[3], 16)
    too_long = m.end(3 if m[3] else 2) - i >= 10  # tdlib's limit, e.g. "&#000000065;"
    if too_long or code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


def _unescape(value: str, strict: bool) -> str:
    """An attribute value with its entities decoded; ValueError for a bare "&" if strict."""
    out: list[str] = []
    i = 0
    while i < len(value):
        found = _entity_at(value, i, strict) if value[i] == "&" else None
        if value[i] == "&" and found is None and strict:
            raise ValueError
        char, i = found or (value[i], i + 1)
        out.append(char)
    return "".join(out)


def parse_html(text: str, strict: bool = False) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: (plain text, entities), or ApiError 400 "can't parse
    entities: ..." for an unknown tag, an unbalanced or crossed tag, or a bare ``<``."""
    out: list[str] = []
    pos = 0  # UTF-16 offset in the plain text
    stack: list[tuple[str, int, int, dict[str, str]]] = []  # tag, offset, len(out), attrs
    entities: list[JSON] = []
    i = 0

    def fail(reason: str, tail: str = "") -> ApiError:
        offset = len(text[:i].encode())
        return bad_request(f"can't parse entities: {reason} at byte offset {offset}{tail}")

    while i < len(text):
        ch = text[i]
        if ch == "&":
            found = _entity_at(text, i, strict)
            if found is None and strict:
                raise fail('Character "&" must be escaped as "&amp;"')
            ch, end = found or ("&", i + 1)
            out.append(ch)
            pos += utf16_len(ch)
            i = end
        elif ch == "<" and text.startswith("</", i):
            if not stack:
                raise fail("Unexpected end tag")
            m = _END_TAG.match(text, i)
            if m is None:
                raise fail("Unclosed end tag")
            name, (tag, start, start_index, tag_attrs) = m[1].lower(), stack.pop()
            if name and name != tag:
                raise fail("Unmatched end tag", f', expected "</{tag}>", found "</{name}>"')
            if pos > start:
                inner = "".join(out[start_index:])
                _add_entity(entities, tag, start, pos - start, tag_attrs, inner)
            i = m.end()
        elif ch == "<":
            j = i + 1
            while j < len(text) and not text[j].isspace() and text[j] != ">":
                j += 1
            if j >= len(text):
                raise fail("Unclosed start tag")
            tag = text[i + 1 : j].lower()
            if tag not in _TAG_TYPES:
                raise fail(f'Unsupported start tag "{tag}"')
            m = _ATTRS_THEN_GT.match(text, j)
            if m is None:
                raise fail(f'Unclosed start tag "{tag}"')
            attrs: dict[str, str] = {}
            for key, value in re.findall(_ATTR, m[1]):
                quoted = value[:1] in ("'", '"')
                try:
                    attrs[key] = _unescape(value[1:-1], strict) if quoted else value.lower()
                except ValueError:
                    raise fail(f'Character "&" in tag "{tag}" must be escaped') from None
            if tag == "span" and attrs.get("class") != "tg-spoiler":
                raise fail('Tag "span" must have class "tg-spoiler"')
            stack.append((tag, pos, len(out), attrs))
            i = m.end()
        else:
            out.append(ch)
            pos += utf16_len(ch)
            i += 1
    if stack:
        raise bad_request(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # only a <pre> keeps its code's language
    entities.sort(key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))
    return "".join(out), entities


def _add_entity(
    entities: list[JSON], tag: str, offset: int, length: int, attrs: dict[str, str], inner: str
) -> None:
    """Turn a closed, non-empty tag into a MessageEntity the way tdlib does."""
    entity: JSON = {"type": _TAG_TYPES[tag], "offset": offset, "length": length}
    last = entities[-1] if entities else {}
    same_span = (last.get("offset"), last.get("length")) == (offset, length)
    language = attrs.get("class", "").removeprefix("language-") if tag == "code" else ""
    if tag == "a":
        url = check_link(attrs.get("href") or inner)
        if url is None:
            return  # tdlib keeps the text and drops a link it cannot open, without a word
        entity["url"] = url
    elif tag == "code" and language:
        if same_span and last["type"] == "pre":  # <pre><code class="language-x">: one entity
            last["language"] = language
            return
        entity["language"] = language  # kept for a <pre> that closes around it
    elif tag == "pre" and same_span and last["type"] == "code" and last.get("language"):
        last["type"] = "pre"
        return
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        if not attrs.get("emoji-id", "").isdigit() or int(attrs["emoji-id"]) == 0:
            raise bad_request("can't parse entities: Invalid custom emoji identifier specified")
        entity["custom_emoji_id"] = attrs["emoji-id"]
    elif tag == "tg-time":
        if not attrs.get("unix", "").isdigit() or int(attrs["unix"]) == 0:
            return
        entity["unix_time"] = int(attrs["unix"])
        if attrs.get("format"):
            entity["date_time_format"] = attrs["format"]
    entities.append(entity)


def parse_text(params: JSON, field: str = "text", strict: bool = False) -> tuple[str, list[JSON]]:
    """Validate a message text the way sendMessage/editMessageText do."""
    raw = params.get(field)
    if not isinstance(raw, str):
        raw = "" if raw is None else json.dumps(raw)
    mode = params.get("parse_mode")
    if mode is None or mode == "":
        plain, entities = raw, list(params.get("entities") or [])
    elif str(mode).lower() == "html":
        plain, entities = parse_html(raw, strict)
    elif str(mode).lower() in ("markdown", "markdownv2"):
        plain, entities = raw, []  # not modelled: Readout sends HTML
    else:
        raise bad_request(f"unsupported parse_mode {mode}")
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, entities


# --------------------------------------------------------------------------- the server


@dataclass
class Call:
    """One request as received. ``status`` is None while it is in flight (a long poll)."""

    method: str
    params: JSON
    status: int | None
    at: float  # time.monotonic() on arrival, for rate measurements


def _decode_form_value(name: str, value: Any) -> Any:
    if isinstance(value, web.FileField):
        return {
            "filename": value.filename,
            "content_type": value.content_type,
            "data": value.file.read(),
        }
    if name in STRING_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # "@channelname", file ids, URLs: plain strings


async def read_params(request: web.Request) -> JSON:
    """PTB posts forms (multipart when files are attached) whose non-string values are
    JSON-encoded; other clients may post JSON or use a query string."""
    params: JSON = {k: _decode_form_value(k, v) for k, v in request.query.items()}
    if request.content_type == "application/json":
        body = await request.text()
        params.update(json.loads(body) if body.strip() else {})
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        params.update({k: _decode_form_value(k, v) for k, v in form.items()})
    return params


class FakeTelegram:
    """The fake Bot API: state, update builders, error injection and awaitable assertions.

    Drive it:    push_text / push_callback / push_my_chat_member / push_migration / push_update
    Shape it:    set_chat, set_member, fail_next, delay_next, block_chat, migrate_chat,
                 delete_message
    Inspect it:  calls (every request, in order), calls_of, times_of, sent, edited, messages
    Await it:    wait_sent, wait_edited, wait_call, wait_confirmed (AssertionError on timeout)
    Sync tests:  start_in_thread/stop_thread, threadsafe, *_threadsafe
    The push_*/set_* helpers are plain functions: call them from the loop that serves.
    """

    def __init__(self, token: str = TOKEN, strict_html: bool = False) -> None:
        self.token = token
        self.strict_html = strict_html  # True: also refuse a bare "&" (Telegram takes it as text)
        self.bot_user: JSON = {
            "id": int(token.split(":")[0]) if token.split(":")[0].isdigit() else BOT_ID,
            "is_bot": True,
            "first_name": "Readout Test",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.calls: list[Call] = []
        self.sent: list[JSON] = []  # successful sendMessage params + "message_id"
        self.edited: list[JSON] = []  # successful editMessageText params
        self.edited_markup: list[JSON] = []  # successful editMessageReplyMarkup params
        self.answers: list[JSON] = []  # successful answerCallbackQuery params
        self.documents: list[JSON] = []  # successful sendDocument params (file: its bytes)
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads
        self.updates: list[JSON] = []  # queued, not yet confirmed by a getUpdates offset
        self.messages: dict[tuple[ChatKey, int], JSON] = {}  # current state of each message
        self.chats: dict[ChatKey, JSON] = {}  # by id and by "@username"
        self.members: dict[tuple[ChatKey, int], JSON] = {}
        self.blocked: dict[ChatKey, str] = {}
        self.migrated: dict[ChatKey, int] = {}
        # Each user's Telegram language_code (None: the app sends none); "en" by default.
        self.languages: dict[int, str | None] = {}
        # Forum topics that exist now, by chat: thread id -> name. A deleted one is gone.
        self.topics: dict[ChatKey, dict[int, str]] = defaultdict(dict)
        self.deleted_topics: set[tuple[ChatKey, int]] = set()
        self.webhook_url = ""
        self._open_queries: set[str] = set()  # callback queries pushed and not yet answered
        self._poll_generation = 0  # bumped by each getUpdates: an older one is terminated
        self._failures: dict[str, deque[tuple[ApiError, JSON | None]]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)
        self._next_update = 1
        self._next_message: dict[ChatKey, int] = defaultdict(int)
        self._next_callback = 1
        # Re-armed on every change. An Event (not a Condition) so that sync code in the loop,
        # such as push_text(), can wake waiters without awaiting a lock.
        self._changed = asyncio.Event()
        self._closed = False
        # An HTTP status (e.g. 502) every method answers with while set: Telegram down.
        self.outage: int | None = None
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._methods: dict[str, Callable[[JSON], Coroutine[Any, Any, Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "getFile": self._get_file,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "createForumTopic": self._create_forum_topic,
            "deleteForumTopic": self._delete_forum_topic,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getMyCommands": self._empty_list,
            "getWebhookInfo": self._get_webhook_info,
        }

    # ---------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bot_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.base_url}/file/bot"

    async def start(self, port: int = 0) -> FakeTelegram:
        """Serve on ``port`` (0: a free one), e.g. one a service was told of before we came up."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._loop = asyncio.get_running_loop()
        return self

    async def stop(self) -> None:
        """Wake every long poll (they answer at once) and close the server. Idempotent."""
        self._closed = True
        self._notify()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def start_in_thread(self) -> FakeTelegram:
        """Serve from a daemon thread with its own loop, for sync tests (subprocesses)."""
        loop = asyncio.new_event_loop()
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            started.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-telegram", daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("fake Telegram server did not start")
        return self

    def stop_thread(self) -> None:
        if self._thread is None or self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def threadsafe(self, fn: Callable[[], T] | Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a callable or coroutine in the server's loop (thread mode) and return its result."""
        assert self._loop is not None, "server not started"
        if asyncio.iscoroutine(fn):
            return asyncio.run_coroutine_threadsafe(fn, self._loop).result(timeout)
        assert callable(fn)
        call = fn

        async def run() -> T:
            return call()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    def push_text_threadsafe(self, text: str, **kwargs: Any) -> int:
        return self.threadsafe(lambda: self.push_text(text, **kwargs))

    def wait_sent_threadsafe(self, n: int = 1, timeout: float = 10) -> list[JSON]:
        return self.threadsafe(self.wait_sent(n, timeout), timeout + 5)

    def wait_call_threadsafe(self, method: str, n: int = 1, timeout: float = 10) -> list[JSON]:
        return self.threadsafe(self.wait_call(method, n, timeout), timeout + 5)

    # ---------------------------------------------------------------- configuration

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        parameters: JSON | None = None,
        times: int = 1,
        where: JSON | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this error instead; with
        ``where``, only calls whose params have those values (None: the param is absent),
        e.g. ``where={"chat_id": -100, "message_thread_id": None}`` for a forum's General."""
        self._failures[method].extend(
            (ApiError(status, description, parameters), where) for _ in range(times)
        )

    def clear_failures(self) -> None:
        """Telegram is healthy again: drop every queued injected failure."""
        self._failures.clear()

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Process the next calls normally but answer late: a client timeout then leaves the
        message delivered (the ambiguous TimedOut case)."""
        self._delays[method].extend([seconds] * times)

    def block_chat(self, chat_id: ChatKey, description: str | None = None) -> None:
        """Every send to this chat fails with 403 until unblock_chat()."""
        chat = self._chat(chat_id)
        self.blocked[chat["id"]] = description or BLOCKED.get(chat["type"], BLOCKED["private"])

    def unblock_chat(self, chat_id: ChatKey) -> None:
        self.blocked.pop(self._chat(chat_id)["id"], None)

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """Every send to the old group fails with 400 + parameters.migrate_to_chat_id."""
        self.migrated[old_chat_id] = new_chat_id
        if new_chat_id not in self.chats:
            title = self._chat(old_chat_id, "group").get("title")
            self.set_chat(new_chat_id, type="supergroup", title=title)

    def set_chat(
        self,
        chat: ChatKey,
        *,
        id: int | None = None,
        type: str = "channel",
        title: str | None = None,
        username: str | None = None,
        is_forum: bool | None = None,
    ) -> JSON:
        """Make getChat (and sends to "@name") know a chat. ``chat`` is its id or "@name"."""
        if id is None:
            id = chat if isinstance(chat, int) else -1_000_000_000_000 - len(self.chats)
        if username is None and isinstance(chat, str):
            username = chat.removeprefix("@")
        info: JSON = {"id": id, "type": type}
        info["first_name" if type == "private" else "title"] = title or f"Chat {id}"
        if username:
            info["username"] = username
            self.chats[f"@{username}".lower()] = info
        if is_forum is not None:
            info["is_forum"] = is_forum
        self.chats[id] = info
        return info

    def set_language(self, user_id: int, language_code: str | None) -> None:
        """The language_code of the user's Telegram app, in every update they send."""
        self.languages[user_id] = language_code

    def set_member(self, chat_id: ChatKey, user_id: int, status: str, **fields: Any) -> None:
        """getChatMember's answer; ``fields`` override rights, e.g. can_post_messages=False."""
        self.members[self._chat(chat_id)["id"], user_id] = {"status": status, **fields}

    def create_topic(self, chat_id: ChatKey, name: str = "Topic") -> int:
        """Open a forum topic (the chat becomes a forum supergroup if it is not one) and
        return its message_thread_id: as on Telegram, the id of its first service message."""
        chat = self._forum(chat_id)
        creator = self._user(None, chat["id"])
        created = self._new_message(chat, None, creator)
        thread = int(created["message_id"])
        created.update(
            message_thread_id=thread,
            is_topic_message=True,
            forum_topic_created={"name": name, "icon_color": 7322096},
        )
        self.topics[chat["id"]][thread] = name
        return thread

    def delete_topic(self, chat_id: ChatKey, thread_id: int) -> None:
        """Delete a forum topic and its messages: sends to it now answer "message thread
        not found", edits of its messages "message to edit not found"."""
        key = self._chat(chat_id)["id"]
        self.topics[key].pop(thread_id, None)
        self.deleted_topics.add((key, thread_id))
        for where in [k for k, m in self.messages.items() if k[0] == key]:
            if self.messages[where].get("message_thread_id") == thread_id:
                del self.messages[where]

    def _forum(self, chat_id: ChatKey) -> JSON:
        chat = self._chat(chat_id, "supergroup", is_forum=True)
        if not chat.get("is_forum"):
            chat.update(type="supergroup", is_forum=True)
        return chat

    # ---------------------------------------------------------------- update builders

    def push_text(
        self,
        text: str,
        chat_id: int = 42,
        user_id: int | None = None,
        chat_type: str = "private",
        thread_id: int | None = None,
        is_topic_message: bool | None = None,
        title: str | None = None,
        reply_to: JSON | None = None,
    ) -> int:
        """Queue a text message (a channel_post for channels). A leading "/word" gets the
        bot_command entity that CommandHandler requires; ``reply_to`` is the message it
        answers (e.g. one from ``push_document``)."""
        chat = self._chat(chat_id, chat_type, title, is_forum=thread_id is not None or None)
        if thread_id is not None and (is_topic_message is None or is_topic_message):
            # Someone wrote in the topic, so it exists; Telegram delivers nothing from a
            # deleted one.
            if (chat["id"], thread_id) in self.deleted_topics:
                raise AssertionError(f"topic {thread_id} of chat {chat_id} was deleted")
            self._forum(chat["id"])
            self.topics[chat["id"]].setdefault(thread_id, f"Topic {thread_id}")
        message = self._new_message(chat, text, self._user(user_id, chat_id))
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True if is_topic_message is None else is_topic_message
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        kind = "channel_post" if chat["type"] == "channel" else "message"
        return self.push_update({kind: message})

    def push_document(
        self,
        data: bytes,
        file_name: str,
        chat_id: int = 42,
        user_id: int | None = None,
        mime_type: str = "application/octet-stream",
    ) -> JSON:
        """A message carrying a file (downloadable through getFile), to be answered with
        ``push_text(..., reply_to=message)``. It is not queued as an update of its own: the
        bot meets it only as the message a command replies to."""
        chat = self._chat(chat_id)
        message = self._new_message(chat, None, self._user(user_id, chat_id))
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = data
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return message

    def push_callback(
        self,
        data: str,
        chat_id: int = 42,
        user_id: int | None = None,
        message_id: int | None = None,
    ) -> int:
        """Queue a button press on a bot message (the last one sent to the chat by default).
        On a message the fake knows, ``data`` must be one of its buttons: Telegram sends only
        what a button carries."""
        chat = self._chat(chat_id)
        if message_id is None:
            message_id = max([m for c, m in self.messages if c == chat["id"]], default=1)
        message = dict(self.messages.get((chat["id"], message_id)) or {})
        if message:
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if data not in [b.get("callback_data") for row in rows for b in row]:
                raise AssertionError(f"message {message_id} has no button with data {data!r}")
        message = message or {"message_id": message_id, "date": int(time.time()), "chat": chat}
        self._open_queries.add(str(self._next_callback))
        query = {
            "id": str(self._next_callback),
            "from": self._user(user_id, chat_id),
            "chat_instance": f"ci{chat['id']}",
            "message": message,
            "data": data,
        }
        self._next_callback += 1
        return self.push_update({"callback_query": query})

    def push_my_chat_member(
        self,
        chat_id: int = 42,
        new_status: str = "kicked",
        old_status: str = "member",
        user_id: int | None = None,
        chat_type: str = "private",
        title: str | None = None,
    ) -> int:
        """Queue the bot's own membership change: "kicked" when a user blocks it or a group
        removes it, "member"/"administrator" when it is added. Also updates getChatMember."""
        chat = self._chat(chat_id, chat_type, title)
        bot = self.bot_user
        self.members[chat["id"], bot["id"]] = {"status": new_status}
        update = {
            "chat": chat,
            "from": self._user(user_id, chat_id),
            "date": int(time.time()),
            "old_chat_member": self._member(bot["id"], {"status": old_status}),
            "new_chat_member": self._member(bot["id"], {"status": new_status}),
        }
        return self.push_update({"my_chat_member": update})

    def push_migration(self, old_chat_id: int, new_chat_id: int, title: str | None = None) -> int:
        """Queue what Telegram sends when a group becomes a supergroup — a service message
        with migrate_to_chat_id in the old chat, then one with migrate_from_chat_id in the new
        one — and make sends to the old id fail from now on. Returns the first update's id."""
        old = self._chat(old_chat_id, "group", title)
        new = self.set_chat(new_chat_id, type="supergroup", title=old.get("title"))
        user = self._user(None, old_chat_id)
        first = self.push_update(
            {"message": {**self._new_message(old, None, user), "migrate_to_chat_id": new_chat_id}}
        )
        self.push_update(
            {"message": {**self._new_message(new, None, user), "migrate_from_chat_id": old_chat_id}}
        )
        self.migrated[old_chat_id] = new_chat_id
        return first

    def push_update(self, update: JSON) -> int:
        """Queue any raw update (its update_id is assigned here)."""
        if self._thread is not None and threading.current_thread() is not self._thread:
            raise RuntimeError("thread mode: use push_text_threadsafe() or threadsafe(...)")
        update_id = self._next_update
        self._next_update += 1
        self.updates.append({"update_id": update_id, **update})
        self._notify()
        return update_id

    # ---------------------------------------------------------------- assertions

    def calls_of(self, method: str) -> list[JSON]:
        """Params of every call of ``method`` in order, failed ones included."""
        return [c.params for c in self.calls if c.method == method]

    def times_of(self, method: str = "sendMessage") -> list[float]:
        """Monotonic arrival times of every call of ``method`` (for rate benchmarks)."""
        return [c.at for c in self.calls if c.method == method]

    async def wait_sent(self, n: int = 1, timeout: float = 10) -> list[JSON]:
        await self._wait_for(lambda: len(self.sent) >= n, timeout, f"{n} sent message(s)")
        return self.sent[:n]

    async def wait_edited(self, n: int = 1, timeout: float = 10) -> list[JSON]:
        await self._wait_for(lambda: len(self.edited) >= n, timeout, f"{n} edited message(s)")
        return self.edited[:n]

    async def wait_call(self, method: str, n: int = 1, timeout: float = 10) -> list[JSON]:
        """Wait until ``method`` has been called ``n`` times (counting arrivals: a long poll
        counts while it waits) and return their params."""
        await self._wait_for(
            lambda: len(self.calls_of(method)) >= n, timeout, f"{n} {method} call(s)"
        )
        return self.calls_of(method)[:n]

    async def wait_confirmed(self, update_id: int, timeout: float = 10) -> None:
        """Wait until a getUpdates with a higher offset arrived: PTB has fetched the update
        (and will not get it again), though its handler may still be running."""
        await self._wait_for(
            lambda: any(int(p.get("offset") or 0) > update_id for p in self.calls_of("getUpdates")),
            timeout,
            f"getUpdates to confirm update {update_id}",
        )

    def describe_calls(self) -> str:
        lines = [f"  {c.method} -> {c.status} {_short(c.params)}" for c in self.calls]
        return "\n".join(lines) or "  (no calls)"

    async def _wait_for(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        if not await self._until(done, timeout):
            raise AssertionError(
                f"fake Telegram: waited {timeout}s for {what}; sent={len(self.sent)}, "
                f"edited={len(self.edited)}, calls:\n{self.describe_calls()}"
            )

    async def _until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait for ``done()`` to hold, re-checking after every change; False on timeout."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not done():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or self._closed:
                return done()
            changed = self._changed
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                pass
        return True

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ---------------------------------------------------------------- HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = Call(method, await read_params(request), None, time.monotonic())
        self.calls.append(call)
        self._notify()
        try:
            if self.outage is not None:
                raise ApiError(self.outage, "Bad Gateway")
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            self._raise_injected(method, call.params)
            self._check_chat_rules(method, call.params)
            handler = self._methods.get(method, self._true)
            result = await handler(call.params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as e:
            status, body = e.status, e.body()
        call.status = status
        self._notify()
        if self._delays[method]:
            await self._until(lambda: False, self._delays[method].popleft())
        return web.json_response(body, status=status)

    def _raise_injected(self, method: str, params: JSON) -> None:
        queued = self._failures[method]
        for failure in queued:
            error, where = failure
            if where is None or all(params.get(k) == v for k, v in where.items()):
                queued.remove(failure)
                raise error

    def _check_chat_rules(self, method: str, params: JSON) -> None:
        if not method.startswith(SEND_PREFIXES) or params.get("chat_id") is None:
            return
        chat_id = self._target(params)["id"]
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat_id]},
            )
        if chat_id in self.blocked:
            raise ApiError(403, self.blocked[chat_id])

    # ---------------------------------------------------------------- methods

    async def _true(self, params: JSON) -> bool:
        return True

    async def _empty_list(self, params: JSON) -> list[Any]:
        return []

    async def _get_me(self, params: JSON) -> JSON:
        return self.bot_user

    async def _get_webhook_info(self, params: JSON) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    async def _set_webhook(self, params: JSON) -> bool:
        self.webhook_url = str(params.get("url") or "")
        return True

    async def _delete_webhook(self, params: JSON) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def _get_updates(self, params: JSON) -> list[JSON]:
        """Confirm updates below ``offset``, then long-poll up to ``timeout`` seconds.

        Telegram serves one poller per token: a getUpdates that arrives while another waits
        ends the waiting one with 409 Conflict, so two bot instances keep knocking each
        other off (PTB's own polls never overlap: each starts after the last has answered).
        """
        if self.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._poll_generation += 1
        mine = self._poll_generation
        self._notify()
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        allowed = params.get("allowed_updates") or None
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

        def ready() -> list[JSON]:
            kinds = (u for u in self.updates if allowed is None or _kind(u) in allowed)
            return list(kinds)[:limit]

        def superseded() -> bool:
            return self._poll_generation != mine

        timeout = float(params.get("timeout") or 0)
        await self._until(lambda: bool(ready()) or superseded(), timeout)
        if superseded():
            raise ApiError(409, CONFLICT)
        return ready()

    async def _send_message(self, params: JSON) -> JSON:
        chat = self._target(params)
        text, entities = parse_text(params, strict=self.strict_html)
        markup = _inline_markup(params)
        thread = params.get("message_thread_id")
        if thread is not None and int(thread) not in self.topics.get(chat["id"], {}):
            raise ApiError(400, THREAD_NOT_FOUND)
        replied = self._replied(chat, params)
        message = self._new_message(chat, text, self.bot_user)
        if replied is not None:
            message["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        if thread is not None:
            message["message_thread_id"] = int(thread)
            message["is_topic_message"] = True
        if entities:
            message["entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        self.sent.append({**params, "message_id": message["message_id"]})
        return message

    async def _send_document(self, params: JSON) -> JSON:
        chat = self._target(params)
        upload = params.get("document")
        if not isinstance(upload, dict):
            raise bad_request("there is no document in the request")
        message = self._new_message(chat, None, self.bot_user)
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = upload["data"]
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": upload["filename"],
            "file_size": len(upload["data"]),
        }
        if params.get("caption"):
            message["caption"] = params["caption"]
        self.documents.append({**params, "message_id": message["message_id"]})
        return message

    async def _get_file(self, params: JSON) -> JSON:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        size = len(self.files[file_id])
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": size,
            "file_path": f"documents/{file_id}",
        }

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

    async def _edit_message_text(self, params: JSON) -> JSON | bool:
        """Text, entities and keyboard are replaced together: an edit without reply_markup
        removes the keyboard, and one that changes only the formatting is an edit."""
        if params.get("inline_message_id"):
            parse_text(params, strict=self.strict_html)
            _inline_markup(params)
            self.edited.append(dict(params))
            return True
        message = self._editable(params)
        text, entities = parse_text(params, strict=self.strict_html)
        markup = _inline_markup(params)
        before = (message.get("text"), _canonical(message.get("entities")))
        if (text, _canonical(entities)) == before and markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        message.update(text=text, entities=entities, edit_date=int(time.time()))
        _set_markup(message, markup)
        if not entities:
            del message["entities"]
        self.edited.append(dict(params))
        return message

    async def _edit_message_reply_markup(self, params: JSON) -> JSON | bool:
        """Only the keyboard changes; none given removes it."""
        if params.get("inline_message_id"):
            _inline_markup(params)
            self.edited_markup.append(dict(params))
            return True
        message = self._editable(params)
        markup = _inline_markup(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        _set_markup(message, markup)
        message["edit_date"] = int(time.time())
        self.edited_markup.append(dict(params))
        return message

    def _replied(self, chat: JSON, params: JSON) -> JSON | None:
        """The message ``reply_parameters`` names, as Telegram finds it: one that is gone
        refuses the send ("message to be replied not found") unless
        ``allow_sending_without_reply`` is set, and then it is sent as a plain message."""
        reply = params.get("reply_parameters")
        if reply is None or reply == "":
            return None
        if isinstance(reply, str):
            try:
                reply = json.loads(reply)
            except ValueError:
                raise bad_request("can't parse reply parameters JSON object") from None
        if not isinstance(reply, dict) or "message_id" not in reply:
            raise bad_request("can't parse reply parameters JSON object")
        if reply.get("chat_id") not in (None, chat["id"], chat.get("username")):
            raise bad_request("replies to other chats are not modelled")
        original = self.messages.get((chat["id"], int(reply["message_id"])))
        if original is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return original

    def delete_message(self, chat_id: ChatKey, message_id: int) -> None:
        """Someone deleted a message in the chat: replies to it and edits of it now find
        nothing, as in Telegram."""
        self.messages.pop((self._chat(chat_id)["id"], message_id), None)

    def _editable(self, params: JSON) -> JSON:
        """The bot's own message that an edit addresses, as Telegram finds it."""
        chat = self._target(params)
        message = self.messages.get((chat["id"], int(params.get("message_id") or 0)))
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id", self.bot_user["id"]) != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    async def _answer_callback_query(self, params: JSON) -> bool:
        """Once per query, with at most 200 characters of text (Bot API reference)."""
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            raise ApiError(400, QUERY_INVALID)
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        self.answers.append(dict(params))
        return True

    async def _create_forum_topic(self, params: JSON) -> JSON:
        chat = self._target(params)
        if not chat.get("is_forum"):
            raise bad_request("the chat is not a forum")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        thread = self.create_topic(chat["id"], name)
        return {"message_thread_id": thread, "name": name, "icon_color": 7322096}

    async def _delete_forum_topic(self, params: JSON) -> bool:
        chat = self._target(params)
        thread = int(params.get("message_thread_id") or 0)
        if thread not in self.topics.get(chat["id"], {}):
            raise ApiError(400, THREAD_NOT_FOUND)
        self.delete_topic(chat["id"], thread)
        return True

    async def _get_chat(self, params: JSON) -> JSON:
        return {
            **self._target(params),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(GIFT_TYPES, False),
        }

    async def _get_chat_member(self, params: JSON) -> JSON:
        chat = self._target(params)
        user_id = int(params.get("user_id") or 0)
        if not user_id:
            raise bad_request("user_id is empty")
        return self._member(user_id, self.members.get((chat["id"], user_id)))

    async def _get_chat_administrators(self, params: JSON) -> list[JSON]:
        chat_id = self._target(params)["id"]
        return [
            self._member(uid, m)
            for (cid, uid), m in self.members.items()
            if cid == chat_id and m["status"] in ("creator", "administrator")
        ]

    # ---------------------------------------------------------------- object builders

    def _target(self, params: JSON) -> JSON:
        """The chat a method addresses: "@name" must be registered, numeric ids need not be."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            if chat_id.lower() not in self.chats:
                raise bad_request("chat not found")
            return self.chats[chat_id.lower()]
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        return self._chat(chat_id)

    def _chat(
        self,
        chat_id: ChatKey,
        chat_type: str | None = None,
        title: str | None = None,
        is_forum: bool | None = None,
    ) -> JSON:
        """The chat's dict, registered on first sight (so getChat knows chats it has seen)."""
        key = chat_id.lower() if isinstance(chat_id, str) else chat_id
        if key in self.chats:
            return self.chats[key]
        assert isinstance(chat_id, int), f"unknown chat {chat_id!r}: call set_chat() first"
        if chat_type is None:
            chat_type = (
                "private" if chat_id > 0 else "supergroup" if chat_id < -(10**12) else "group"
            )
        forum = is_forum if chat_type == "supergroup" else None
        return self.set_chat(chat_id, type=chat_type, title=title, is_forum=forum)

    def _user(self, user_id: int | None, chat_id: ChatKey) -> JSON:
        if user_id is None:
            user_id = chat_id if isinstance(chat_id, int) and chat_id > 0 else 4242
        user: JSON = {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User {user_id}",
            "username": f"user{user_id}",
        }
        language = self.languages.get(user_id, "en")
        if language is not None:
            user["language_code"] = language
        return user

    def _new_message(self, chat: JSON, text: str | None, sender: JSON) -> JSON:
        self._next_message[chat["id"]] += 1
        message: JSON = {
            "message_id": self._next_message[chat["id"]],
            "date": int(time.time()),
            "chat": chat,
        }
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = sender
        if text is not None:
            message["text"] = text
        self.messages[chat["id"], message["message_id"]] = message
        return message

    def _member(self, user_id: int, member: JSON | None) -> JSON:
        """A ChatMember with the fields PTB's subclass for that status requires."""
        user = self.bot_user if user_id == self.bot_user["id"] else self._user(user_id, user_id)
        member = member or {"status": "member"}
        defaults: JSON = {
            "creator": {"is_anonymous": False},
            "administrator": ADMIN_RIGHTS,
            "restricted": RESTRICTED_RIGHTS,
            "kicked": {"until_date": 0},
        }.get(member["status"], {})
        return {"user": user, **defaults, **member}


def _inline_markup(params: JSON) -> JSON | None:
    """The inline keyboard a method carries, validated as Telegram does: one bad button
    refuses the whole message. Reply keyboards are accepted but not kept (a Message only
    ever shows an inline one)."""
    markup = params.get("reply_markup")
    if markup is None or markup == "":
        return None
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request('can\'t find field "text"')
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(data.encode()) if isinstance(data, str) else 0
            if not 1 <= size <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
        elif len(button) == 1:
            raise bad_request("text buttons are unallowed in the inline keyboard")
    return markup


def _set_markup(message: JSON, markup: JSON | None) -> None:
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = markup


def _canonical(entities: list[JSON] | None) -> list[JSON]:
    """Entities in tdlib's order, so that the same formatting compares equal."""
    order = sorted(
        entities or [],
        key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50), str(e)),
    )
    return [dict(e) for e in order]


def _kind(update: JSON) -> str:
    return next(k for k in update if k != "update_id")


def _short(params: JSON, width: int = 160) -> str:
    text = json.dumps(params, ensure_ascii=False, default=repr)
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------- fixtures


@pytest_asyncio.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A FakeTelegram serving in the test's event loop."""
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def fake_telegram_thread() -> Iterator[FakeTelegram]:
    """A FakeTelegram serving from a background thread, for sync tests and subprocesses."""
    fake = FakeTelegram().start_in_thread()
    yield fake
    fake.stop_thread()
