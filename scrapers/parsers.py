"""The one entry point from bytes to items, whatever kind of source served them.

Whatever parser read a document, its items leave through here: every text field cleaned
(scrapers.text.clean) and a constant placeholder time read as a date, so no parser can
forget either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from scrapers.charset import decode
from scrapers.dates import placeholder_clock
from scrapers.feeds import FeedDocument, parse_document, read_document
from scrapers.model import Batch, Item, KeptEntry, Published, Source
from scrapers.pages import parse_page
from scrapers.telegram import parse_channel
from scrapers.text import clean_item

_UTF8_BOM = b"\xef\xbb\xbf"


def parse(
    body: bytes, source: Source, *, url: str | None = None, content_type: str | None = None
) -> list[Item]:
    """The items ``source``'s parser reads in ``body``; raises ParseError if it can't."""
    return parse_batch(body, source, url=url, content_type=content_type).items


def parse_batch(
    body: bytes, source: Source, *, url: str | None = None, content_type: str | None = None
) -> Batch:
    """The items, the entries skipped with their reasons, and whether a page fell back."""
    if source.kind == "html":
        # A byte-order mark outranks the page's own <meta charset> in BeautifulSoup, so
        # the page is read as decoded here, bad bytes repaired, never re-guessed.
        text = decode(body, content_type, language=source.language, is_html=True).text
        batch = parse_page(_UTF8_BOM + text.encode("utf-8"), source, url=url)
    elif source.kind == "telegram":
        batch = parse_channel(body, source, url=url)
    else:
        return parse_prepared(
            read_document(body, source, url=url, content_type=content_type), source
        )
    return _finished(batch)


def parse_prepared(
    document: FeedDocument, source: Source, known: Mapping[str, KeptEntry] | None = None
) -> Batch:
    """A feed's batch, its ``known`` entries (by digest) kept instead of read again."""
    return _finished(parse_document(document, source, known))


def _finished(batch: Batch) -> Batch:
    """Every item cleaned, and a placeholder time read as a day, judged over the whole
    feed: the items read and the entries kept alike."""
    items = [clean_item(item) for item in batch.items]
    dates = [item.published for item in items] + [entry.mark.published for entry in batch.kept]
    placeholder = placeholder_clock(dates)
    if placeholder:
        items = [replace(i, published=i.published.as_day()) if i.published else i for i in items]
    kept = tuple(
        replace(entry, date_only=_date_only(entry.mark.published, placeholder))
        for entry in batch.kept
    )
    return replace(batch, items=items, kept=kept)


def _date_only(published: Published | None, placeholder: bool) -> bool:
    return published is not None and (placeholder or published.date_only)
