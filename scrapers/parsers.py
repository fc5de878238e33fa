"""The one entry point from bytes to items, whatever kind of source served them.

Whatever parser read a document, its items leave through here: every text field cleaned
(scrapers.text.clean) and a constant placeholder time read as a date, so no parser can
forget either.
"""

from __future__ import annotations

from dataclasses import replace

from scrapers.charset import decode
from scrapers.dates import placeholder_times
from scrapers.feeds import parse_feed
from scrapers.model import Batch, Item, Source
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
        batch = parse_feed(body, source, url=url, content_type=content_type)
    items = placeholder_times([clean_item(item) for item in batch.items])
    return replace(batch, items=items)
