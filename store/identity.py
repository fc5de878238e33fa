"""What makes two servings of a press release the same item.

Sources re-serve items with ``https`` one day and ``http`` the next, with and without
``www.``, with tracking parameters appended by a CDN or a share button, and they edit
titles after publication. An item's key must survive all of that, or users get the
same alert twice.
"""

from __future__ import annotations

import hashlib

from scrapers.model import Item
from scrapers.urls import canonical_url, is_web_url

__all__ = ["canonical_url", "item_key", "key_of"]


def key_of(item: Item) -> str:
    """The key ``item`` is stored under."""
    # The instant, not what is shown: marking a date as a day must not make it a new item.
    published = item.published.at.isoformat() if item.published else None
    return item_key(item.source, item.guid, item.url, item.title, published)


def item_key(
    source: str, guid: str | None, url: str | None, title: str, published: str | None
) -> str:
    """The stable key an item is stored under.

    A guid that is a web address is treated as one (the Kremlin's Atom ids are the
    article URLs), so the same article keeps its key across feeds. Other guids are only
    unique within their feed, so they are scoped to the source. Items with neither guid
    nor link are keyed by what they say and when.
    """
    if guid and guid.strip():
        if is_web_url(guid):
            return "url:" + canonical_url(guid)
        return f"guid:{source}:{guid.strip()}"
    if url and is_web_url(url):
        return "url:" + canonical_url(url)
    digest = hashlib.sha256("\x1f".join((source, title, published or "")).encode()).hexdigest()
    return f"hash:{source}:{digest[:32]}"
