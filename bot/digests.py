"""Alerts held for a chat's quiet hours or digest, and the digest messages that carry them.

Whether an alert waits is decided when it falls due, in the sender (``held_back``), from
what the chat chose now: a chat that turned on quiet hours or a digest after the alert
was owed still gets its quiet night. The holds are in the store (store.digests), so a
restart keeps them; none is a failed attempt, so no retry is spent.

- A chat with a digest: its alerts wait until the digest's fire time (the service's cron
  job, or its catch-up at start, makes them due); then one message, or several split
  between items under Telegram's limit, lists them grouped by story, newest first.
- A chat in its quiet hours: its alerts wait until the hours end; then more than
  ``QUIET_DIGEST_OVER`` go as one digest, fewer one by one. ``/quiet off`` makes them due
  at once.

A digest's deliveries are marked sent only once Telegram accepted the message listing
them, message by message: a crash in between resends that one message, as the sender does
for alerts. Flood control, 5xx and network errors keep the rest held and due again later.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.bursts import burst_message
from bot.clock import moment, published
from bot.flood import retry_after_seconds
from bot.hours import quiet_until
from bot.i18n import Texts, texts
from bot.reader import Reader, reader_of
from scrapers.text import shorten
from store.digests import COLLECTED, DIGEST, DUE, QUIET, Held, HeldDeliveries
from store.outbox import Delivery
from store.preferences import DIGEST_OFF, Preferences
from store.store import BURST, Store, StoredItem
from store.subscriptions import Target

log = logging.getLogger(__name__)

MAX_MESSAGE = 4096
# More than this many alerts waiting when quiet hours end go as one digest (issue 14).
QUIET_DIGEST_OVER = 3
# A digest lists at most this many alerts and counts the rest ("and 12 more"): a heavy day
# for a chat that follows every leader is a few hundred, and 500 is about 25 messages.
MAX_DIGEST_ITEMS = 500
# Each listed item stays a few hundred characters, so a message holds a dozen or more.
TITLE_CHARACTERS, URL_CHARACTERS, MAX_SIDES_SHOWN = 300, 1000, 8
RETRY_SECONDS, RETRY_CAP_SECONDS = 5.0, 900.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class Entry:
    """One alert a digest lists: its delivery, its item, and its story's sides."""

    delivery_id: int
    stored: StoredItem
    story: int | None = None
    sides: tuple[str, ...] = ()
    summary: str | None = None  # a burst's summary (bot.bursts), listed as it is


@dataclass(frozen=True)
class Page:
    """One digest message and the deliveries it carries (marked sent once it is taken)."""

    html: str
    delivery_ids: tuple[int, ...]


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _newest_first(entry: Entry) -> tuple[float, int]:
    when = entry.stored.item.published
    return (when.timestamp() if when is not None else 0.0, entry.stored.id)


def _item_html(entry: Entry, zone_name: str | None, _: Texts, first_of_story: bool) -> str:
    if entry.summary is not None:
        # A burst's summary is a few short lines; should it ever not fit in a digest
        # message, its first line (how many, from where) still does, whole.
        fits = len(entry.summary) <= MAX_MESSAGE // 2
        return entry.summary if fits else entry.summary.split("\n", 1)[0]
    item = entry.stored.item
    when = published(item.published, zone_name, _.language) or _("date not given")
    title = _e(shorten(item.title, TITLE_CHARACTERS))
    if item.url and len(item.url) <= URL_CHARACTERS:
        title = f'<a href="{html.escape(item.url, quote=True)}">{title}</a>'
    bullet = "•" if first_of_story else "  ◦"
    lines = [f"{bullet} <b>{_e(entry.stored.source_name)}</b> · {_e(when)}", f"{title}"]
    if first_of_story and len(entry.sides) > 1:
        sides = ", ".join(shorten(side, 80) for side in entry.sides[:MAX_SIDES_SHOWN])
        lines.append("<i>" + _e(_("One story, reported by: {sides}").format(sides=sides)) + "</i>")
    return "\n".join(lines)


def render_digest(
    entries: Sequence[Entry],
    zone_name: str | None,
    language: str,
    at: datetime,
    quiet: bool = False,
    limit: int = MAX_MESSAGE,
    most: int = MAX_DIGEST_ITEMS,
) -> list[Page]:
    """The digest of ``entries`` as messages of at most ``limit`` characters of raw HTML
    (never fewer than Telegram counts), split only between items, so no item and no tag
    is ever cut: grouped by story, the stories and items newest first; beyond ``most``
    items, one line counts the rest, whose deliveries go with the last message."""
    _ = texts(language)
    ordered = sorted(entries, key=_newest_first, reverse=True)
    groups: dict[object, list[Entry]] = {}
    for entry in ordered:  # a story sits where its newest item is
        alone = entry.story is None or entry.summary is not None
        groups.setdefault(("item", entry) if alone else entry.story, []).append(entry)
    listed = [(entry, index == 0) for group in groups.values() for index, entry in enumerate(group)]
    shown, rest = listed[:most], listed[most:]
    title = _("Held during quiet hours") if quiet else _("Digest")
    count = _.ngettext("{count} alert", "{count} alerts", len(entries)).format(count=len(entries))
    head = f"<b>{_e(title)}</b> · {_e(moment(at, zone_name, language))} · {_e(count)}"
    blocks: list[tuple[str, tuple[int, ...]]] = [
        (_item_html(e, zone_name, _, first), (e.delivery_id,)) for e, first in shown
    ]
    if rest:
        more = _.ngettext("…and {count} more.", "…and {count} more.", len(rest))
        blocks.append((_e(more.format(count=len(rest))), tuple(e.delivery_id for e, _f in rest)))
    # Room for the header and a "part 12 of 25" mark.
    room = limit - len(head) - 40
    pages: list[list[tuple[str, tuple[int, ...]]]] = [[]]
    used = 0
    for block in blocks:
        size = len(block[0]) + 2
        if pages[-1] and used + size > room:
            pages.append([])
            used = 0
        pages[-1].append(block)
        used += size
    out = []
    for number, page in enumerate(pages, 1):
        mark = ""
        if len(pages) > 1:
            mark = " · " + _e(_("part {page} of {pages}").format(page=number, pages=len(pages)))
        text = head + mark + "\n\n" + "\n\n".join(block for block, _ids in page)
        out.append(Page(text, tuple(i for _b, ids in page for i in ids)))
    return out


# ------------------------------------------------------------------------ sending


class DeliversAlerts(Protocol):
    """What the hook needs of bot.sender's Sender."""

    store: Store
    bot: Bot

    async def _pace(self, chat_id: int) -> None: ...


def entries_of(store: Store, target: Target, why: str, reader: Reader) -> list[Entry]:
    held = HeldDeliveries(store.db)
    found = []
    sides: dict[int, tuple[str, ...]] = {}
    for waiting in held.waiting(target, why):
        if waiting.kind == BURST:
            burst = burst_message(store, _as_delivery(waiting, target), reader)
            if burst is not None:
                found.append(Entry(waiting.delivery_id, burst.stored, summary=burst.html))
            continue
        stored = store.stored_item(waiting.item_id)
        if stored is None:
            continue
        story = waiting.story
        if story and story not in sides:
            sides[story] = tuple(dict.fromkeys(s.source_name for s in store.stories.sides(story)))
        found.append(Entry(waiting.delivery_id, stored, story, sides[story] if story else ()))
    return found


def _as_delivery(waiting: Held, target: Target) -> Delivery:
    return Delivery(
        waiting.delivery_id,
        waiting.item_id,
        target.chat_id,
        target.thread_id,
        0,
        None,
        False,
        waiting.kind,
        waiting.detail,
    )


def _waiting_ids(store: Store, target: Target, why: str) -> list[int]:
    return [held.delivery_id for held in HeldDeliveries(store.db).waiting(target, why)]


async def post(
    store: Store,
    bot: Bot,
    target: Target,
    why: str,
    pace: Callable[[int], Awaitable[None]],
    now: datetime | None = None,
) -> str:
    """Send the digest of what ``target`` holds for ``why`` (``due`` or ``quiet``); the
    outcome: "sent", "retried" or "failed"."""
    now = now or datetime.now(UTC)
    held = HeldDeliveries(store.db)
    reader = reader_of(store, target.chat_id)
    entries = entries_of(store, target, why, reader)
    gone = set(_waiting_ids(store, target, why)) - {e.delivery_id for e in entries}
    held.failed(sorted(gone), "item no longer stored")
    if not entries:
        return "sent"
    pages = render_digest(entries, reader.zone, reader.language, now, quiet=why == QUIET)
    for page in pages:
        await pace(target.chat_id)
        try:
            await bot.send_message(
                target.chat_id,
                page.html,
                parse_mode=ParseMode.HTML,
                message_thread_id=target.thread_id or None,
                link_preview_options=NO_PREVIEW,
            )
        except RetryAfter as error:
            seconds = retry_after_seconds(error)
            return _later(store, target, why, seconds + 0.5, f"flood control: {seconds:g}s")
        except ChatMigrated as error:
            store.subscriptions.move_chat(target.chat_id, error.new_chat_id)
            return "retried"
        except Forbidden as error:
            store.subscriptions.pause_chat(target.chat_id, error.message)
            store.outbox.skip_chat(target.chat_id, f"chat paused: {error.message}")
            return "failed"
        except BadRequest as error:  # permanent for this message: its items are not lost
            log.warning("digest to %s refused: %s", target.chat_id, error.message)
            held.failed(page.delivery_ids, error.message)
            continue
        except TelegramError as error:  # 5xx, network, timeouts: all of it waits
            return _later(store, target, why, RETRY_SECONDS, error.message)
        held.carried(page.delivery_ids)
    return "sent"


def _later(store: Store, target: Target, why: str, seconds: float, error: str) -> str:
    ids = _waiting_ids(store, target, why)
    when = datetime.now(UTC) + timedelta(seconds=min(seconds, RETRY_CAP_SECONDS))
    HeldDeliveries(store.db).retry_at(ids, when, error)
    log.info("digest to %s waits: %s", target.chat_id, error)
    return "retried"


async def held_back(sender: DeliversAlerts, delivery: Delivery, chosen: Preferences) -> bool:
    """The sender's hook: True when ``delivery`` is not the sender's to send now (it
    waits for quiet hours or a digest, or a digest has just carried it). ``chosen`` is the
    chat's preferences as the sender read them this round: most chats keep neither quiet
    hours nor a digest, and their alerts pass without a query."""
    if delivery.edit_pending:
        return False  # an edit rings no bell
    if delivery.held is None and chosen.quiet is None and chosen.digest == DIGEST_OFF:
        return False  # nothing held it, nothing will: no digest can have carried it
    store = sender.store
    held = HeldDeliveries(store.db)
    state = held.state(delivery.id)
    if state is None or state[0] != "pending":
        return True
    why = state[1]
    if why == DUE:
        await post(store, sender.bot, delivery.target, DUE, sender._pace)
        return True
    now = datetime.now(UTC)
    if delivery.kind in COLLECTED and chosen.digest != DIGEST_OFF:
        held.hold(delivery.id, DIGEST, None)
        return True
    end = quiet_until(chosen.quiet, chosen.timezone, now)
    if end is not None:
        held.hold(delivery.id, QUIET, end)
        return True
    if why == QUIET:
        if delivery.kind in COLLECTED and len(held.waiting(delivery.target, QUIET)) > (
            QUIET_DIGEST_OVER
        ):
            await post(store, sender.bot, delivery.target, QUIET, sender._pace)
            return True
        held.unhold(delivery.id)
    return False
