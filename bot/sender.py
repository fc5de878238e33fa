"""Draining the outbox into Telegram, within its limits, without losing or repeating alerts.

Each delivery ends in exactly one of: sent (message id kept), retried later (flood
control, 5xx, network), moved (the group became a supergroup), its chat paused (the bot
was blocked or kicked), its forum topic paused (Telegram says the topic no longer exists),
resent as plain text (Telegram rejected the HTML), or failed for good with the reason
recorded (anything else Telegram calls a bad request). Nothing is retried in a tight loop:
retries are scheduled in the store, so they survive restarts.

Delivery is at least once. A crash after Telegram accepted a message but before the store
recorded it resends that one message on restart; since each chat's deliveries are sent one
at a time, that is at most one duplicate per chat. A send that times out is ambiguous in
the same way and is retried.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from telegram import Bot, LinkPreviewOptions, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.alerts import (
    MAX_MESSAGE,
    WHY_ROOM,
    Highlighter,
    reasons,
    render_alert,
    render_plain,
    why_lines,
)
from bot.bursts import burst_message
from bot.digests import held_back
from bot.flood import retry_after_seconds
from bot.reader import Reader, reader_from, reader_of
from bot.routing import keywords_in
from bot.threads import place
from scrapers.text import shorten
from store.outbox import Delivery
from store.preferences import Preferences
from store.store import Store, StoredItem
from store.subscriptions import Subscription, Target

log = logging.getLogger(__name__)

PER_CHAT_INTERVAL = 1.0  # Telegram: about one message per second to the same chat
RETRY_BASE_SECONDS = 5.0
RETRY_CAP_SECONDS = 900.0
IDLE_CHECK_SECONDS = 30.0
BATCH = 500
MAX_ROUNDS = 50
NOTICE_CHARACTERS = 3500  # under Telegram's 4,096 however many topics a notice names


DeliveryHook = Callable[[str, float | None, StoredItem | None], None]
"""Told after each delivery attempt: its outcome ("sent", "edited", "retried", "failed" or
"skipped"), the seconds Telegram took (None if it was not asked), and the item."""


@dataclass(frozen=True)
class _Alert:
    """An item as stored, and its message in both forms Telegram may be sent."""

    stored: StoredItem
    html: str
    plain: str
    reply_to: int | None = None


class Sender:
    """Sends what the outbox owes; ``wake()`` after enqueueing so it starts at once."""

    def __init__(
        self,
        store: Store,
        bot: Bot,
        leader_names: Callable[[], Mapping[str, str]],
        highlight: Highlighter,
        link_previews: bool = False,
        concurrency: int = 16,
        on_attempt: DeliveryHook | None = None,
        admins: Iterable[int] = (),
        online: asyncio.Event | None = None,
    ) -> None:
        self.store = store
        self.admins = tuple(admins)
        # Set while Telegram answers (bot.link): while it is clear, alerts wait in the
        # outbox instead of spending their retries on a dead line; wake() when it is set.
        self.online = online
        self.on_attempt = on_attempt
        self.bot = bot
        self.leader_names = leader_names
        self.highlight = highlight
        self.previews = LinkPreviewOptions(is_disabled=not link_previews)
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._last_sent: dict[int, float] = {}
        self.sent_count = 0
        # Read once per drain round, however many alerts they serve: an item's message for
        # each language and zone, each chat's reader, and each target's subscriptions.
        self._alerts: dict[tuple[int, Reader], _Alert | None] = {}
        self._chosen: dict[int, Preferences] = {}
        self._followed: dict[Target, list[Subscription]] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until ``stop`` is set; sleeps until woken or the next retry is due."""
        while not stop.is_set():
            self._wake.clear()
            await self.drain()
            await self._sleep_until_due(stop)

    def _offline(self) -> bool:
        return self.online is not None and not self.online.is_set()

    async def _sleep_until_due(self, stop: asyncio.Event) -> None:
        next_due = self.store.outbox.next_due_at()
        timeout: float | None = IDLE_CHECK_SECONDS
        if self._offline():
            timeout = None  # until woken: Telegram is back
        elif next_due is not None:
            wait = (next_due - datetime.now(UTC)).total_seconds()
            timeout = max(0.0, min(IDLE_CHECK_SECONDS, wait))
        waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def drain(self) -> int:
        """Send everything due now; each chat's messages in order, chats side by side."""
        total = 0
        # Every outcome moves a delivery out of "due now" except a chat migration, which
        # makes it due again under the new id; the round limit is a guard, not a schedule.
        for _ in range(MAX_ROUNDS):
            if self._offline():
                break
            due = self.store.outbox.due(limit=BATCH)
            if not due:
                break
            # One item fans out to many chats: read and render it once per round for each
            # language and zone they read it in, not once per chat.
            self._alerts.clear()
            self._chosen.clear()
            self._followed.clear()
            by_chat: dict[int, list[Delivery]] = defaultdict(list)
            for delivery in due:
                by_chat[delivery.chat_id].append(delivery)
            await asyncio.gather(*(self._send_chat(batch) for batch in by_chat.values()))
            total += len(due)
        await self._announce_paused_topics()
        return total

    async def _send_chat(self, deliveries: list[Delivery]) -> None:
        async with self._slots:
            for delivery in deliveries:
                if self._offline():
                    return  # the rest stay due, for when Telegram answers again
                if self.store.subscriptions.chat_status(delivery.chat_id) == "paused":
                    self.store.outbox.skip_chat(delivery.chat_id, "chat paused")
                    return
                if delivery.thread_id and self.store.subscriptions.topic_paused(delivery.target):
                    self.store.outbox.skip_topic(delivery.target, "topic paused")
                    continue
                chosen = self._preferences(delivery.chat_id)
                if await held_back(self, delivery, chosen):  # quiet hours, digests
                    continue
                await self._pace(delivery.chat_id)
                await self._deliver(delivery)

    async def _pace(self, chat_id: int) -> None:
        last = self._last_sent.get(chat_id)
        if last is not None:
            wait = last + PER_CHAT_INTERVAL - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last_sent[chat_id] = time.monotonic()

    def _preferences(self, chat_id: int) -> Preferences:
        """The chat's choices (its language, zone, quiet hours, digest), read once per round."""
        if chat_id not in self._chosen:
            self._chosen[chat_id] = self.store.preferences.of(chat_id)
        return self._chosen[chat_id]

    def _reader(self, chat_id: int) -> Reader:
        """The chat's language and zone (bot.reader)."""
        return reader_from(self._preferences(chat_id))

    def _subscriptions(self, target: Target) -> list[Subscription]:
        if target not in self._followed:
            self._followed[target] = self.store.subscriptions.of(target)
        return self._followed[target]

    def _alert(self, item_id: int, reader: Reader) -> _Alert | None:
        """The item's alert as ``reader`` reads it, short enough for a why-line under it."""
        key = (item_id, reader)
        if key not in self._alerts:
            stored = self.store.stored_item(item_id)
            alert = None
            if stored is not None:
                names = self.leader_names()
                room = MAX_MESSAGE - WHY_ROOM
                alert = _Alert(
                    stored,
                    render_alert(stored, names, self.highlight, limit=room, reader=reader),
                    render_plain(stored, names, reader, limit=room),
                )
            self._alerts[key] = alert
        return self._alerts[key]

    def _burst(self, delivery: Delivery, reader: Reader) -> _Alert | None:
        found = burst_message(self.store, delivery, reader)
        return _Alert(found.stored, found.html, found.plain) if found else None

    def _why(self, target: Target, stored: StoredItem, reader: Reader) -> str:
        """Which of the target's subscriptions the item matched, as bot.routing matched
        them: a leader taking part, its source, a keyword in its text."""
        item = stored.item
        followed = self._subscriptions(target)
        taking_part = set(item.participants or item.leaders)
        names = self.leader_names()
        leaders = [
            names.get(s.target, s.target)
            for s in followed
            if s.kind == "leader" and s.target in taking_part
        ]
        sources = [s.target for s in followed if s.kind == "source" and s.target == item.source]
        keywords = frozenset(s.target for s in followed if s.kind == "keyword")
        found = sorted(keywords_in(item.text or item.title, keywords)) if keywords else []
        return reasons(leaders, sources, found, reader.texts)

    def _explained(self, delivery: Delivery, alert: _Alert, reader: Reader) -> _Alert:
        marked, plain = why_lines(self._why(delivery.target, alert.stored, reader))
        if not marked:
            return alert
        return replace(alert, html=alert.html + marked, plain=alert.plain + plain)

    async def _deliver(self, delivery: Delivery) -> None:
        reader = self._reader(delivery.chat_id)
        alert = (
            self._alert(delivery.item_id, reader)
            if delivery.kind == "alert"
            else self._burst(delivery, reader)
        )
        if alert is None:
            self.store.outbox.failed(delivery.id, "item no longer stored")
            self._report("failed", None, None)
            return
        if delivery.kind == "alert":
            threaded = self._threaded(delivery, alert, reader)
            if threaded is None:
                return
            alert = self._explained(delivery, threaded, reader)
        started = time.monotonic()
        outcome = await self._attempt(delivery, alert)
        self._report(outcome, time.monotonic() - started, alert.stored)

    def _threaded(self, delivery: Delivery, alert: _Alert, reader: Reader) -> _Alert | None:
        """The alert in its story's thread in that chat (bot.threads): a reply to the
        chat's first alert of the story with a heading, and who initiated it where a
        readout said so; None when it waits or is not sent at all."""
        stored = alert.stored
        thread = self.store.stories.earlier_alerts(stored.id, delivery.target)
        # Whether the chat follows this very source matters only beside an earlier alert
        # of the story; most alerts have none, and skip reading the chat's subscriptions.
        subscribed = bool(thread and thread.earlier) and any(
            s.kind == "source" and s.target == stored.item.source
            for s in self._subscriptions(delivery.target)
        )
        _ = reader.texts
        placement = place(
            delivery.id, thread, stored.source_name, subscribed, delivery.edit_pending, _
        )
        if placement.action == "hold" and placement.until is not None:
            self.store.outbox.hold(delivery.id, placement.until, placement.reason)
            return None
        if placement.action == "skip":
            self.store.outbox.skip(delivery.id, placement.reason)
            self._report("skipped", None, stored)
            return None
        names = self.leader_names()
        said = [placement.heading] if placement.heading else []
        if thread is not None and thread.initiator:
            initiator = names.get(thread.initiator, thread.initiator)
            said.append(_("Initiated by {leader}").format(leader=initiator))
        if not said:
            return alert
        lead = "".join(f"<i>{html.escape(line, quote=False)}</i>\n" for line in said)
        room = MAX_MESSAGE - WHY_ROOM - len(lead)
        return _Alert(
            stored,
            lead + render_alert(stored, names, self.highlight, limit=room, reader=reader),
            shorten("\n".join([*said, alert.plain]), MAX_MESSAGE - WHY_ROOM),
            placement.reply_to,
        )

    def _report(self, outcome: str, seconds: float | None, stored: StoredItem | None) -> None:
        if self.on_attempt is not None:
            try:
                self.on_attempt(outcome, seconds, stored)
            except Exception:  # counting must never stop sending
                log.exception("delivery hook failed")

    async def _attempt(self, delivery: Delivery, alert: _Alert) -> str:
        """Send (or edit) once; the outcome for the hook."""
        outbox = self.store.outbox
        try:
            return await self._transmit(delivery, alert.html, ParseMode.HTML, alert.reply_to)
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            outbox.retry_at(
                delivery.id, _after(wait + 0.5), f"flood control: retry after {wait:g}s"
            )
        except ChatMigrated as error:
            log.info("chat %s migrated to %s", delivery.chat_id, error.new_chat_id)
            self.store.subscriptions.move_chat(delivery.chat_id, error.new_chat_id)
        except Forbidden as error:
            self._pause(delivery.chat_id, error.message)
            return "skipped"
        except BadRequest as error:
            return await self._bad_request(delivery, alert, error)
        except NetworkError as error:  # 5xx, timeouts, connection trouble
            outbox.retry_at(delivery.id, _after(_backoff(delivery.attempts)), error.message)
        except InvalidToken as error:  # the service stops (bot.link); the alert stays owed
            outbox.retry_at(delivery.id, _after(_backoff(delivery.attempts)), error.message)
        except TelegramError as error:
            outbox.failed(delivery.id, error.message)
            return "failed"
        except Exception as error:  # a bug must not spin the loop: retry it later, logged
            log.exception("delivery %s failed unexpectedly", delivery.id)
            outbox.retry_at(delivery.id, _after(_backoff(delivery.attempts)), repr(error))
        return "retried"

    async def _bad_request(self, delivery: Delivery, alert: _Alert, error: BadRequest) -> str:
        reason = error.message.lower()
        outbox = self.store.outbox
        if delivery.edit_pending and "not modified" in reason:
            outbox.edited(delivery.id)
            return "edited"
        if delivery.thread_id and not delivery.edit_pending and "thread not found" in reason:
            self._pause_topic(delivery.target, error.message)
            return "skipped"
        if "can't parse entities" in reason or "can't find end" in reason:
            log.warning("alert for item %s rejected as HTML; sending plain", delivery.item_id)
            try:
                return await self._transmit(delivery, alert.plain, None, alert.reply_to)
            except TelegramError as again:
                return self._give_up(delivery, again.message)
        return self._give_up(delivery, error.message)

    def _give_up(self, delivery: Delivery, reason: str) -> str:
        if delivery.edit_pending:
            self.store.outbox.edited(delivery.id, f"edit failed: {reason}")
        else:
            self.store.outbox.failed(delivery.id, reason)
        log.warning("delivery %s to %s failed: %s", delivery.id, delivery.chat_id, reason)
        return "failed"

    def _pause(self, chat_id: int, reason: str) -> None:
        log.info("chat %s paused: %s", chat_id, reason)
        self.store.subscriptions.pause_chat(chat_id, reason)
        self.store.outbox.skip_chat(chat_id, f"chat paused: {reason}")

    def _pause_topic(self, target: Target, reason: str) -> None:
        """The topic is gone: every alert to it would fail the same way, so stop sending
        to it (not to the rest of its chat) and drop what it is owed."""
        if self.store.subscriptions.pause_topic(target, reason):
            log.warning("topic %s of chat %s paused: %s", target.thread_id, target.chat_id, reason)
        self.store.outbox.skip_topic(target, f"topic paused: {reason}")

    async def _announce_paused_topics(self) -> None:
        """Tell each chat once that topics of it stopped receiving alerts (one message for
        all of its topics paused since, in General, or to the bot's admins when the chat
        refuses it); when Telegram cannot take it now, the next round says it."""
        by_chat: dict[int, list[tuple[Target, str]]] = defaultdict(list)
        for target, reason in self.store.subscriptions.unannounced_topics():
            by_chat[target.chat_id].append((target, reason))
        for chat_id, topics in by_chat.items():
            try:
                await self._tell_topics_paused(chat_id, topics)
            except TelegramError as error:  # flood control, 5xx, network: say it later
                log.info("could not announce paused topics yet: %s", error.message)
                return
            except Exception:  # a bug must not stop the sender: logged, tried next round
                log.exception("announcing the paused topics of chat %s failed", chat_id)
                return
            for target, _ in topics:
                self.store.subscriptions.topic_announced(target)

    def _topics_paused(
        self, topics: list[tuple[Target, str]], reader: Reader, chat: tuple[str, int] | None = None
    ) -> str:
        """The notice, for the chat itself (``chat`` None) or for an admin, naming the chat
        by its title and id."""
        _ = reader.texts
        names = self.leader_names()
        kept = []
        for target, _reason in topics:
            followed = ", ".join(
                names.get(s.target, s.target) if s.kind == "leader" else s.target
                for s in self.store.subscriptions.of(target)
            )
            kept.append(
                _("topic {topic}: {followed}").format(
                    topic=target.thread_id, followed=followed or _("nothing")
                )
            )
        ids = ", ".join(str(target.thread_id) for target, _reason in topics)
        where = (
            _("this chat")
            if chat is None
            else _("“{title}” ({chat})").format(title=chat[0], chat=chat[1])
        )
        notice = _.ngettext(
            "Alerts to topic {topics} of {where} are paused: Telegram says “{reason}”. What it "
            "follows is kept ({kept}) and it resumes as soon as anyone uses a Readout command "
            "in that topic; to follow it elsewhere, /subscribe in another topic.",
            "Alerts to topics {topics} of {where} are paused: Telegram says “{reason}”. What "
            "they follow is kept ({kept}) and each resumes as soon as anyone uses a Readout "
            "command in it; to follow it elsewhere, /subscribe in another topic.",
            len(topics),
        ).format(topics=ids, where=where, reason=topics[0][1], kept="; ".join(kept))
        return shorten(notice, NOTICE_CHARACTERS)

    async def _tell_topics_paused(self, chat_id: int, topics: list[tuple[Target, str]]) -> None:
        try:
            await self._pace(chat_id)
            notice = self._topics_paused(topics, reader_of(self.store, chat_id))
            await self.bot.send_message(chat_id, html.escape(notice), parse_mode=ParseMode.HTML)
            return
        except (BadRequest, Forbidden) as error:  # the chat cannot be told; its admins can
            refusal = error.message
        chat = (self.store.subscriptions.chat_title(chat_id) or str(chat_id), chat_id)
        english = Reader()
        log.warning("%s", self._admins_told(topics, english, chat, refusal))
        for admin in self.admins:
            to_admin = self._admins_told(topics, reader_of(self.store, admin), chat, refusal)
            try:
                await self.bot.send_message(admin, html.escape(to_admin), parse_mode=ParseMode.HTML)
            except (BadRequest, Forbidden) as error:
                log.warning("could not tell admin %s: %s", admin, error.message)

    def _admins_told(
        self, topics: list[tuple[Target, str]], reader: Reader, chat: tuple[str, int], refusal: str
    ) -> str:
        _ = reader.texts
        return _("{notice} The chat could not be told: {reason}.").format(
            notice=self._topics_paused(topics, reader, chat), reason=refusal
        )

    async def _transmit(
        self, delivery: Delivery, text: str, mode: ParseMode | None, reply_to: int | None = None
    ) -> str:
        thread = delivery.thread_id or None
        if delivery.edit_pending and delivery.message_id is not None:
            await self.bot.edit_message_text(
                text,
                chat_id=delivery.chat_id,
                message_id=delivery.message_id,
                parse_mode=mode,
                link_preview_options=self.previews,
            )
            self.store.outbox.edited(delivery.id)
            return "edited"
        message = await self.bot.send_message(
            delivery.chat_id,
            text,
            parse_mode=mode,
            message_thread_id=thread,
            link_preview_options=self.previews,
            reply_parameters=(
                ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
            ),
        )
        self.store.outbox.sent(delivery.id, message.message_id)
        self.sent_count += 1
        return "sent"


def _after(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def _backoff(attempts: int) -> float:
    return float(min(RETRY_BASE_SECONDS * 2 ** min(attempts, 10), RETRY_CAP_SECONDS))
