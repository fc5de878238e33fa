"""RSS and Atom, read with feedparser into items.

feedparser is forgiving by design: it returns *something* for almost any bytes. The
work here is deciding what that something means: a feed with entries (use them, even if
``bozo``), an empty feed (fine), or not a feed at all (an HTML error page, a WAF challenge,
truncated XML), which must fail the source with a reason instead of looking empty.

Two things are settled before feedparser sees the bytes, because it settles them for the
whole document at once: the encoding (scrapers.charset: one bad byte must not re-read the
feed as a code page) and character references XML forbids (one ``&#xD800;`` makes
feedparser's loose parser raise, losing every entry). After that, each entry is read on
its own, and one that still fails is skipped with its reason while the others are kept.
"""

from __future__ import annotations

import calendar
import io
import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import feedparser

from scrapers import entries
from scrapers.charset import decode
from scrapers.dates import parse_date
from scrapers.entries import Span
from scrapers.errors import ParseError
from scrapers.media import feed_picture
from scrapers.model import (
    SUMMARY_CHARS,
    TEXT_CHARS,
    TITLE_CHARS,
    Batch,
    EntryMark,
    Item,
    KeptEntry,
    Published,
    Skipped,
    Source,
)
from scrapers.text import clean, normalize_space, plain_text, shorten
from scrapers.urls import absolute_url

log = logging.getLogger(__name__)

# Exceptions feedparser raises for feeds it could still read completely.
_HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
# The document is handed over as UTF-8, and said to be; its own declaration must agree.
_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""", re.I)
_UTF8 = {"content-type": "application/xml; charset=utf-8"}
_REFERENCE = r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));"
_REFERENCES = re.compile(f"{_REFERENCE}(?:{_REFERENCE})?")
# feedparser rewrites every relative address inside a description's markup, a fifth of
# the parse of a feed with rich descriptions; only their text is kept here, so the
# addresses are thrown away anyway (entry links are resolved apart from this, below).
RESOLVE_MARKUP_URIS = False


@dataclass(frozen=True)
class FeedDocument:
    """A feed's bytes made ready for feedparser, and where its entries lie in them."""

    body: bytes
    xml: bytes
    base: str
    spans: list[Span] | None


def read_document(
    body: bytes, source: Source, *, url: str | None = None, content_type: str | None = None
) -> FeedDocument:
    """The document decoded, made readable XML, and split into its entries (when it can
    be: scrapers.entries), without reading any entry yet."""
    base = url or source.url
    document = decode(body, content_type, language=source.language)
    if document.repaired:
        log.debug("%s: %d invalid bytes replaced", source.id, document.repaired)
    xml = _readable_xml(document.text)
    context = "\0".join((source.kind, base, source.language, source.timezone))
    return FeedDocument(body, xml, base, entries.split(xml, context))


def parse_feed(
    body: bytes, source: Source, *, url: str | None = None, content_type: str | None = None
) -> Batch:
    """Items of an RSS/Atom document, newest first as the feed orders them."""
    return parse_document(read_document(body, source, url=url, content_type=content_type), source)


def parse_document(
    document: FeedDocument, source: Source, known: Mapping[str, KeptEntry] | None = None
) -> Batch:
    """The items of the entries not in ``known`` (by digest), which are ``kept`` instead.

    feedparser reads the document without the known entries, so a feed that gained two
    entries costs two entries' reading. What is judged over the whole feed still is: an
    id is trusted when no other entry, read or kept, has it (a kept entry whose trust
    that changes is read again with all the others, whole, as is a document whose
    entries feedparser counts otherwise than the split).
    """
    spans = document.spans
    kept_at = {i for i, span in enumerate(spans or ()) if known and span.digest in known}
    # No content-location: feedparser would resolve opaque guids into fake URLs against it.
    # Links are made absolute here instead.
    parsed = feedparser.parse(
        io.BytesIO(entries.without(document.xml, spans or [], kept_at)),
        response_headers=_UTF8,
        resolve_relative_uris=RESOLVE_MARKUP_URIS,
    )
    found = parsed.entries
    read_at = [i for i in range(len(spans or ())) if i not in kept_at]
    if spans is None or len(found) != len(read_at):
        if kept_at:
            return parse_document(document, source)
        spans, read_at = None, list(range(len(found)))
    if not found and not kept_at:
        _raise_unless_empty_feed(parsed, document.body)
        return Batch()
    kept = [known[spans[i].digest] for i in sorted(kept_at)] if known and spans else []
    ids = [str(entry.get("id", "")).strip() for entry in found]
    trusted_ids = _trusted_ids(parsed, [*ids, *(k.mark.id for k in kept)])
    if any((k.mark.id in trusted_ids) != k.mark.trusted for k in kept):
        return parse_document(document, source)
    items: list[Item] = []
    skipped: list[Skipped] = []
    for index, entry in enumerate(found):
        position = read_at[index] + 1
        try:
            item = _item(entry, source, document.base, trusted_ids)
        except Exception as error:  # one entry's surprise must not cost the others
            log.debug("%s: entry %d unreadable", source.id, position, exc_info=True)
            reason = f"unreadable: {type(error).__name__}: {clean(str(error))[:200]}"
            skipped.append(Skipped(position, reason))
            continue
        if item is None:
            skipped.append(Skipped(position, "no title, text or link"))
            continue
        if spans is not None:
            mark = EntryMark(
                spans[read_at[index]].digest, ids[index], ids[index] in trusted_ids, item.published
            )
            item = replace(item, entry=mark)
        items.append(item)
    # Freed all at once, a 100k-entry result is millions of objects deallocated in one go
    # with the GIL held, which stops every other thread (the service's event loop) for a
    # second; entry by entry, the interpreter can switch threads in between.
    while found:
        found.pop()
    return Batch(items, tuple(skipped), kept=tuple(kept))


def _readable_xml(text: str) -> bytes:
    """The document as UTF-8 that declares itself UTF-8, with no character XML forbids.

    Control characters and lone surrogates, raw or written as references, would each
    make feedparser fall back to its loose parser or raise; they are dropped here, and a
    surrogate pair written as two references becomes the one character it stands for.
    """
    text = _DECLARED_ENCODING.sub(r'\g<1>"utf-8"', clean(text), count=1)
    return _REFERENCES.sub(_allowed_references, text).encode("utf-8")


def _allowed_references(match: re.Match[str]) -> str:
    first = _code_point(match[1], match[2])
    second = _code_point(match[3], match[4]) if match[3] or match[4] else None
    if second is not None and 0xD800 <= first <= 0xDBFF and 0xDC00 <= second <= 0xDFFF:
        return f"&#x{0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00):X};"
    return "".join(
        f"&#x{code:X};" for code in (first, second) if code is not None and _xml_char(code)
    )


def _code_point(hexadecimal: str | None, decimal: str | None) -> int:
    return int(hexadecimal, 16) if hexadecimal else int(decimal or "0")


def _xml_char(code: int) -> bool:
    """XML 1.0's Char production, less what ``clean`` strips anyway (bidi controls)."""
    if code in (0x9, 0xA, 0xD):
        return True
    if 0x7F <= code <= 0x9F or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return False
    return 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


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


def _trusted_ids(parsed: Any, every_id: list[str]) -> frozenset[str]:
    """Entry ids that really identify one entry, of the ids of every entry of the feed.

    Some feeds give every entry the same guid, or the feed's own address; those ids say
    nothing, so items fall back to their link.
    """
    ids = Counter(every_id)
    feed_addresses = {str(parsed.feed.get("link", "")).strip(), str(parsed.get("href", ""))}
    return frozenset(i for i, n in ids.items() if i and n == 1 and i not in feed_addresses)


def _item(entry: Any, source: Source, base: str, trusted_ids: frozenset[str]) -> Item | None:
    summary = _text_of(entry, "summary")
    content = " ".join(
        plain_text(str(part.get("value", ""))) for part in entry.get("content", []) or []
    ).strip()
    if content == summary:
        content = ""
    title = shorten(_text_of(entry, "title") or shorten(summary or content, 120), TITLE_CHARS)
    link = _link(entry, base)
    if not title and link is None:
        return None
    guid = str(entry.get("id", "")).strip() or None
    return Item(
        source=source.id,
        title=title or "(untitled)",
        url=link,
        guid=guid if guid in trusted_ids else None,
        published=_published(entry),
        summary=shorten(summary or content, SUMMARY_CHARS),
        text=shorten(" ".join(p for p in (title, summary, content) if p), TEXT_CHARS),
        image=feed_picture(entry, base),
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


def _published(entry: Any) -> Published | None:
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
                return Published(datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC))
            except (OverflowError, ValueError, OSError):
                continue
    return None
