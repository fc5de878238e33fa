"""HTML list pages read by declarative selectors, for sources with no feed (Akorda).

A source's ``[sources.selectors]`` names the item element and, inside it, the title,
link, date and summary. Government sites change their markup without notice, so a page
where the item selector matches nothing fails loudly instead of reading as "no news".
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from scrapers.dates import parse_date, zone
from scrapers.errors import ParseError
from scrapers.model import (
    SUMMARY_CHARS,
    TEXT_CHARS,
    TITLE_CHARS,
    Item,
    Published,
    Selectors,
    Source,
)
from scrapers.text import plain_text, shorten
from scrapers.urls import absolute_url


def parse_page(body: bytes, source: Source, *, url: str | None = None) -> list[Item]:
    """Items of a list page in page order, one per distinct link."""
    selectors = source.selectors
    if selectors is None:
        raise ParseError(f"source {source.id} is an HTML source without selectors")
    soup = BeautifulSoup(body, "html.parser")
    base_tag = soup.find("base", href=True)
    base = url or source.url
    if isinstance(base_tag, Tag):
        base = absolute_url(base, str(base_tag["href"])) or base
    cards = soup.select(selectors.item)
    if not cards:
        raise ParseError(
            f"no element matches the item selector {selectors.item!r} "
            "(page layout changed, or a block page was served)"
        )
    keep = re.compile(selectors.link_pattern) if selectors.link_pattern else None
    drop = re.compile(selectors.exclude) if selectors.exclude else None
    items: list[Item] = []
    seen: set[str] = set()
    for card in cards:
        item = _item(card, selectors, source, base)
        if item is None or item.url is None or item.url in seen:
            continue
        if (keep and not keep.search(item.url)) or (drop and drop.search(item.url)):
            continue
        seen.add(item.url)
        items.append(item)
    return items


def _item(card: Tag, selectors: Selectors, source: Source, base: str) -> Item | None:
    title_el = card.select_one(selectors.title)
    if title_el is None:
        return None
    title = shorten(plain_text(title_el.get_text(" ")), TITLE_CHARS)
    link_el = _link_element(card, title_el, selectors)
    url = absolute_url(base, str(link_el.get("href"))) if link_el is not None else None
    if not title or url is None:
        return None
    summary = _text(card, selectors.summary)
    return Item(
        source=source.id,
        title=title,
        url=url,
        published=_date(card, selectors.date, source),
        summary=shorten(summary, SUMMARY_CHARS),
        text=shorten(" ".join(p for p in (title, summary) if p), TEXT_CHARS),
    )


def _link_element(card: Tag, title_el: Tag, selectors: Selectors) -> Tag | None:
    if selectors.link:
        return card.select_one(selectors.link)
    if title_el.name == "a" and title_el.has_attr("href"):
        return title_el
    for candidate in (title_el.find("a", href=True), title_el.find_parent("a", href=True)):
        if isinstance(candidate, Tag):
            return candidate
    return card.select_one("a[href]")


def _text(card: Tag, selector: str | None) -> str:
    element = card.select_one(selector) if selector else None
    return plain_text(element.get_text(" ")) if element is not None else ""


def _date(card: Tag, selector: str | None, source: Source) -> Published | None:
    element = card.select_one(selector) if selector else None
    if element is None:
        return None
    machine = element.get("datetime")
    text = str(machine) if machine else element.get_text(" ")
    return parse_date(text, zone(source.timezone))
