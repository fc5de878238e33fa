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
from bot.reader import Reader
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


def burst_message(
    store: Store, delivery: Delivery, reader: Reader | None = None
) -> BurstMessage | None:
    """The message a burst delivery stands for, as the chat it goes to reads it (its
    language and zone), or None when its items are gone."""
    reader = reader or Reader()
    detail = json.loads(delivery.detail or "{}")
    anchor = store.stored_item(delivery.item_id)
    if anchor is None:
        return None
    if delivery.kind == BURST:
        newest = [s for i in detail.get("newest", []) if (s := store.stored_item(int(i)))]
        count, total = int(detail.get("count", 0)), int(detail.get("total", 0))
        return BurstMessage(
            anchor,
            render_summary(anchor.source_name, count, total, newest or [anchor], reader=reader),
            render_summary(
                anchor.source_name, count, total, newest or [anchor], markup=False, reader=reader
            ),
        )
    if delivery.kind == BURST_NOTICE:
        text = render_notice(
            anchor.source_name,
            anchor.item.source,
            int(detail.get("total", 0)),
            int(detail.get("chats", 0)),
            int(detail.get("limit", 0)),
            reader,
        )
        return BurstMessage(anchor, html.escape(text, quote=False), text)
    return None


def render_summary(
    source_name: str,
    count: int,
    total: int,
    newest: Sequence[StoredItem],
    markup: bool = True,
    reader: Reader | None = None,
) -> str:
    """One message for a chat owed too many items at once: how many, the newest, and where
    the rest are ("kremlin-en published 2,000 new items at once; the 5 newest: …")."""
    reader = reader or Reader()
    _ = reader.texts
    e = _escape if markup else _same
    name = f"<b>{e(source_name)}</b>" if markup else source_name
    if count >= total:
        said = _.ngettext(
            "{source} published {total} new item at once.",
            "{source} published {total} new items at once.",
            total,
        )
    else:
        said = _.ngettext(
            "{source} published {total} new item at once, {count} of them for this chat.",
            "{source} published {total} new items at once, {count} of them for this chat.",
            total,
        )
    rather = _.ngettext(
        "Rather than an alert for each, the newest:",
        "Rather than an alert for each, the {shown} newest:",
        len(newest),
    )
    lines = [
        said.format(source=name, total=f"{total:,}", count=f"{count:,}")
        + " "
        + rather.format(shown=len(newest))
    ]
    for stored in newest:
        item = stored.item
        when = reader.published(item.published) or _("undated")
        title = e(shorten(item.title, TITLE_SHOWN))
        if markup and item.url:
            title = f'<a href="{html.escape(item.url, quote=True)}">{title}</a>'
        elif item.url:
            title = f"{title}\n  {item.url}"
        lines.append(f"• {when} · {title}")
    lines.append(_("Every one of them is stored: see /recent."))
    return shorten("\n".join(lines), MAX_MESSAGE) if not markup else _fit("\n".join(lines))


def render_notice(
    source_name: str,
    source_id: str,
    total: int,
    chats: int,
    limit: int,
    reader: Reader | None = None,
) -> str:
    """The admins' word that a source flooded: once per burst, however many chats it hit."""
    _ = (reader or Reader()).texts
    return _.ngettext(
        "{source} ({id}) served {total} new items in one poll, more than "
        "telegram.burst_limit ({limit}) for {chats} chat: it got one summary instead of an "
        "alert per item. Every item is stored.",
        "{source} ({id}) served {total} new items in one poll, more than "
        "telegram.burst_limit ({limit}) for {chats} chats: each got one summary instead "
        "of an alert per item. Every item is stored.",
        chats,
    ).format(source=source_name, id=source_id, total=f"{total:,}", limit=limit, chats=chats)


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
