"""What a burst says: one summary to a chat instead of an alert per item, and one notice to
each admin that a source flooded (store.store.plan_bursts decides when).

The outbox keeps only the numbers and the ids of the newest items (``Delivery.detail``);
the words are made here when the message is sent, escaped like an alert and kept under
Telegram's 4,096 characters however long the titles are.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.alerts import MAX_MESSAGE
from scrapers.text import shorten
from store.outbox import Delivery
from store.store import BURST, BURST_NOTICE, Store, StoredItem

TITLE_SHOWN = 300


@dataclass(frozen=True)
class BurstMessage:
    """A summary or notice in both forms Telegram may be sent, and the item it names first."""

    stored: StoredItem
    html: str
    plain: str


def burst_message(store: Store, delivery: Delivery) -> BurstMessage | None:
    """The message a burst delivery stands for, or None when its items are gone."""
    detail = json.loads(delivery.detail or "{}")
    anchor = store.stored_item(delivery.item_id)
    if anchor is None:
        return None
    if delivery.kind == BURST:
        newest = [s for i in detail.get("newest", []) if (s := store.stored_item(int(i)))]
        count, total = int(detail.get("count", 0)), int(detail.get("total", 0))
        return BurstMessage(
            anchor,
            render_summary(anchor.source_name, count, total, newest or [anchor]),
            render_summary(anchor.source_name, count, total, newest or [anchor], markup=False),
        )
    if delivery.kind == BURST_NOTICE:
        text = render_notice(
            anchor.source_name,
            anchor.item.source,
            int(detail.get("total", 0)),
            int(detail.get("chats", 0)),
            int(detail.get("limit", 0)),
        )
        return BurstMessage(anchor, html.escape(text, quote=False), text)
    return None


def render_summary(
    source_name: str,
    count: int,
    total: int,
    newest: Sequence[StoredItem],
    markup: bool = True,
) -> str:
    """One message for a chat owed too many items at once: how many, the newest, and where
    the rest are ("kremlin-en published 2,000 new items at once; the 5 newest: …")."""
    e = _escape if markup else _same
    share = "" if count >= total else f", {count:,} of them for this chat"
    name = f"<b>{e(source_name)}</b>" if markup else source_name
    lines = [
        f"{name} published {total:,} new items at once{share}. "
        f"Rather than an alert for each, the {len(newest)} newest:"
    ]
    for stored in newest:
        item = stored.item
        when = item.published.shown() if item.published else "undated"
        title = e(shorten(item.title, TITLE_SHOWN))
        if markup and item.url:
            title = f'<a href="{html.escape(item.url, quote=True)}">{title}</a>'
        elif item.url:
            title = f"{title}\n  {item.url}"
        lines.append(f"• {when} · {title}")
    lines.append("Every one of them is stored: see /recent.")
    return shorten("\n".join(lines), MAX_MESSAGE) if not markup else _fit("\n".join(lines))


def render_notice(source_name: str, source_id: str, total: int, chats: int, limit: int) -> str:
    """The admins' word that a source flooded: once per burst, however many chats it hit."""
    plural = "chat" if chats == 1 else "chats"
    return (
        f"{source_name} ({source_id}) served {total:,} new items in one poll, more than "
        f"telegram.burst_limit ({limit}) for {chats} {plural}: each got one summary instead "
        "of an alert per item. Every item is stored."
    )


def _fit(text: str) -> str:
    """Markup cannot be cut anywhere, so a summary too long drops whole lines from the
    end; five titles of at most 300 characters never come near the limit anyway."""
    lines = text.split("\n")
    while len("\n".join(lines)) > MAX_MESSAGE and len(lines) > 2:
        del lines[-2]
    return "\n".join(lines)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _same(text: str) -> str:
    return text
