"""RSS and Atom, read with feedparser into items.

feedparser is forgiving by design: it returns *something* for almost any bytes. The
work here is deciding what that something means: a feed with entries (use them, even if
``bozo``), an empty feed (fine), or not a feed at all (an HTML error page, a WAF challenge,
truncated XML), which must fail the source with a reason instead of looking empty.
"""

from __future__ import annotations

import calendar
import io
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import feedparser

from scrapers.dates import parse_date
from scrapers.errors import ParseError
from scrapers.model import SUMMARY_CHARS, TEXT_CHARS, TITLE_CHARS, Item, Source
from scrapers.text import normalize_space, plain_text, shorten
from scrapers.urls import absolute_url

# Exceptions feedparser raises for feeds it could still read completely.
_HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def parse_feed(
    body: bytes, source: Source, *, url: str | None = None, content_type: str | None = None
) -> list[Item]:
    """Items of an RSS/Atom document, newest first as the feed orders them."""
    base = url or source.url
    # No content-location: feedparser would resolve opaque guids into fake URLs against it.
    # Links are made absolute here instead.
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    entries = parsed.entries
    if not entries:
        _raise_unless_empty_feed(parsed, body)
        return []
    trusted_ids = _trusted_ids(parsed)
    items = [_item(entry, source, base, trusted_ids) for entry in entries]
    # Freed all at once, a 100k-entry result is millions of objects deallocated in one go
    # with the GIL held, which stops every other thread (the service's event loop) for a
    # second; entry by entry, the interpreter can switch threads in between.
    while entries:
        entries.pop()
    return items


def _raise_unless_empty_feed(parsed: Any, body: bytes) -> None:
    problem = parsed.get("bozo_exception")
    if not body.strip():
        raise ParseError("empty response, not a feed")
    if not parsed.version:
        head = body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
            raise ParseError("served an HTML page, not a feed")
        raise ParseError(f"not an RSS or Atom feed ({_describe(problem)})")
    if parsed.bozo and not isinstance(problem, _HARMLESS_BOZO):
        raise ParseError(f"broken feed with no readable entries ({_describe(problem)})")


def _describe(problem: object) -> str:
    if problem is None:
        return "no feed element"
    return normalize_space(str(problem))[:200] or type(problem).__name__


def _trusted_ids(parsed: Any) -> frozenset[str]:
    """Entry ids that really identify one entry.

    Some feeds give every entry the same guid, or the feed's own address; those ids say
    nothing, so items fall back to their link.
    """
    ids = Counter(str(e.get("id", "")).strip() for e in parsed.entries)
    feed_addresses = {str(parsed.feed.get("link", "")).strip(), str(parsed.get("href", ""))}
    return frozenset(i for i, n in ids.items() if i and n == 1 and i not in feed_addresses)


def _item(entry: Any, source: Source, base: str, trusted_ids: frozenset[str]) -> Item:
    summary = _text_of(entry, "summary")
    content = " ".join(
        plain_text(str(part.get("value", ""))) for part in entry.get("content", []) or []
    ).strip()
    if content == summary:
        content = ""
    title = shorten(_text_of(entry, "title") or shorten(summary or content, 120), TITLE_CHARS)
    title = title or "(untitled)"
    guid = str(entry.get("id", "")).strip() or None
    return Item(
        source=source.id,
        title=title,
        url=_link(entry, base),
        guid=guid if guid in trusted_ids else None,
        published=_published(entry),
        summary=shorten(summary or content, SUMMARY_CHARS),
        text=shorten(" ".join(p for p in (title, summary, content) if p), TEXT_CHARS),
    )


def _text_of(entry: Any, field: str) -> str:
    value = str(entry.get(field, "") or "")
    detail = entry.get(f"{field}_detail") or {}
    if detail.get("type", "text/html") == "text/plain":
        return normalize_space(value)
    return plain_text(value)


def _link(entry: Any, base: str) -> str | None:
    candidates = [entry.get("link")]
    candidates += [
        link.get("href") for link in entry.get("links", []) or [] if link.get("rel") == "alternate"
    ]
    if entry.get("guidislink"):
        candidates.append(entry.get("id"))
    for candidate in candidates:
        if isinstance(candidate, str) and (absolute := absolute_url(base, candidate)):
            return absolute
    return None


def _published(entry: Any) -> datetime | None:
    """The entry's own date with its own offset; feedparser's parsed tuples are UTC only."""
    for field in ("published", "updated", "created"):
        raw = entry.get(field)
        if isinstance(raw, str):
            when = parse_date(raw)
            if when is not None:
                return when
        parsed = entry.get(f"{field}_parsed")
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None
