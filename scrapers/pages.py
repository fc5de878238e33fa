"""HTML list pages, for sources with no feed (Akorda): read by selectors, else by links.

A source's ``[sources.selectors]`` names the item element and, inside it, the title,
link, date and summary; its ``link_pattern`` says what an article's address looks like.
Government sites change their markup without notice, so when the selectors find nothing
the page is read by the pattern alone (scrapers.links) and the result says so, for admins
to hear that the layout changed. A page where neither finds anything fails loudly instead
of reading as "no news".
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from scrapers.dates import parse_date, zone
from scrapers.errors import ParseError
from scrapers.links import (
    ArticleLink,
    Neighbourhood,
    is_chrome,
    link_key,
    picture_in,
    read_links,
)
from scrapers.model import (
    SUMMARY_CHARS,
    TEXT_CHARS,
    TITLE_CHARS,
    Batch,
    Item,
    Published,
    Selectors,
    Skipped,
    Source,
)
from scrapers.text import plain_text, shorten
from scrapers.urls import absolute_url


def parse_page(body: bytes, source: Source, *, url: str | None = None) -> Batch:
    """Items of a list page in page order, one per distinct article."""
    selectors = source.selectors
    if selectors is None or (selectors.item is None and selectors.link_pattern is None):
        raise ParseError(f"source {source.id} is an HTML source without selectors or link_pattern")
    soup = BeautifulSoup(body, "html.parser")
    base_tag = soup.find("base", href=True)
    base = url or source.url
    if isinstance(base_tag, Tag):
        base = absolute_url(base, str(base_tag["href"])) or base
    cards = soup.select(selectors.item) if selectors.item else []
    if cards:
        items, skipped = _by_selectors(soup, cards, selectors, source, base)
        if items:
            return Batch(items, skipped)
    items, skipped = read_links(soup, source, base)
    if items:
        return Batch(items, skipped, fallback=selectors.item is not None)
    if cards:
        return Batch([], skipped)
    looked = [f"the item selector {selectors.item!r}"] if selectors.item else []
    if selectors.link_pattern:
        looked.append(f"the link_pattern {selectors.link_pattern!r}")
    raise ParseError(
        f"nothing on the page matches {' or '.join(looked)} "
        "(page layout changed, or a block page was served)"
    )


def _by_selectors(
    soup: BeautifulSoup, cards: list[Tag], selectors: Selectors, source: Source, base: str
) -> tuple[list[Item], tuple[Skipped, ...]]:
    """Items of the cards the selectors found; a date or lead the selectors miss is looked
    for around the card's link (the 2026 Akorda blocks print the date beside the item).
    The card's picture is its thumbnail (Akorda's ``img.card-img-top``)."""
    keep = re.compile(selectors.link_pattern) if selectors.link_pattern else None
    drop = re.compile(selectors.exclude) if selectors.exclude else None
    found: list[tuple[Tag, ArticleLink]] = []
    skipped: list[Skipped] = []
    for number, card in enumerate(cards, 1):
        if is_chrome(card):
            continue
        title_el = card.select_one(selectors.title) if selectors.title else None
        link_el = _link_element(card, title_el, selectors)
        title = plain_text(title_el.get_text(" ")) if title_el is not None else ""
        url = absolute_url(base, str(link_el.get("href"))) if link_el is not None else None
        if url is None or (keep and not keep.search(url)) or (drop and drop.search(url)):
            continue
        if not title or link_el is None:
            why = "its title is empty" if title_el is not None else "no title element"
            skipped.append(Skipped(number, f"{url}: {why}"))
            continue
        found.append(
            (card, ArticleLink(link_el, url, link_key(url), title, title_el or link_el, 3))
        )
    around = Neighbourhood(soup, [link for _, link in found], zone(source.timezone))
    items: list[Item] = []
    seen: set[str] = set()
    for card, link in found:
        if link.key in seen:
            continue
        seen.add(link.key)
        title = shorten(link.title, TITLE_CHARS)
        summary = _text(card, selectors.summary) or around.lead(link.tag, link.title_tag)
        summary = shorten(summary, SUMMARY_CHARS)
        items.append(
            Item(
                source=source.id,
                title=title,
                url=link.url,
                published=_date(card, selectors.date, source) or around.date(link.tag),
                summary=summary,
                text=shorten(" ".join(p for p in (title, summary) if p), TEXT_CHARS),
                image=picture_in(card, base),
            )
        )
    return items, tuple(skipped)


def _link_element(card: Tag, title_el: Tag | None, selectors: Selectors) -> Tag | None:
    if selectors.link:
        return card.select_one(selectors.link)
    if title_el is not None:
        if title_el.name == "a" and title_el.has_attr("href"):
            return title_el
        for candidate in (title_el.find("a", href=True), title_el.find_parent("a", href=True)):
            if isinstance(candidate, Tag):
                return candidate
    if card.name == "a" and card.has_attr("href"):
        return card
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
