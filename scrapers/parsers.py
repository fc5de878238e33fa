"""The one entry point from bytes to items, whatever kind of source served them."""

from __future__ import annotations

from scrapers.feeds import parse_feed
from scrapers.model import Batch, Item, Source
from scrapers.pages import parse_page


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
        return parse_page(body, source, url=url)
    return Batch(parse_feed(body, source, url=url, content_type=content_type))
