"""The one entry point from bytes to items, whatever kind of source served them."""

from __future__ import annotations

from scrapers.feeds import parse_feed
from scrapers.model import Item, Parsed, Source
from scrapers.pages import parse_page


def read(
    body: bytes, source: Source, *, url: str | None = None, content_type: str | None = None
) -> Parsed:
    """What ``source``'s parser reads in ``body``, and how; raises ParseError if it can't."""
    if source.kind == "html":
        return parse_page(body, source, url=url)
    return Parsed(parse_feed(body, source, url=url, content_type=content_type))


def parse(
    body: bytes, source: Source, *, url: str | None = None, content_type: str | None = None
) -> list[Item]:
    """Items in ``body`` as ``source``'s parser reads them; raises ParseError if it can't."""
    return read(body, source, url=url, content_type=content_type).items
