"""Items of a list page found by the shape of their links, whatever markup holds them.

Official sites are redesigned every few years, and selectors written for one design match
nothing in the next (Akorda's 2026 pages list news as pairs of paragraphs where the
selectors expected cards). What survives a redesign is the shape of an article's address:
Akorda's is ``/ru/<slug>-<id>`` in every design seen. So every link whose absolute URL
matches the source's ``link_pattern`` is an item, and its title, date and lead are found
by structure alone, never by class names:

- an article link's *block* is its largest ancestor that links no other article (a card, a
  table row, a list item). Its date is the date in the block nearest the link (a
  ``<time datetime>`` first), its lead the first run of prose in the block;
- a block without a date sits in a flat run of siblings (date, link, date, link): the date
  is the sibling on the side where that run prints its dates, which the run itself tells
  (the side of its first date), a level or two up for day headings;
- the page's chrome (``<nav>``, the page's own ``<header>``/``<footer>`` as HTML defines
  them, ARIA navigation/banner/contentinfo), pagination (``rel=next``) and the source's
  ``exclude`` pattern never give items; a card that links one article from its picture and
  its heading gives one item, titled by the heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import TypeAlias

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PageElement

from scrapers.dates import MONTHS, parse_date, zone
from scrapers.model import SUMMARY_CHARS, TEXT_CHARS, TITLE_CHARS, Item, Published, Skipped, Source
from scrapers.text import normalize_space, shorten
from scrapers.urls import absolute_url, canonical_url

# What scrapers.dates.parse_date gives: the one name to change if its type changes.
When: TypeAlias = Published

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = frozenset(
    {*HEADINGS, "div", "p", "ul", "ol", "li", "table", "tr", "td", "th", "section"}
    | {"article", "header", "footer", "figure", "figcaption", "dl", "dt", "dd", "blockquote"}
)
# Per HTML-AAM, a <header>/<footer> inside one of these belongs to it, not to the page.
_SECTIONING = frozenset({"article", "aside", "main", "nav", "section"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "menu", "menubar", "search"})
_UNSEEN = frozenset({"script", "style", "template", "noscript", "select", "button", "svg"})
# A heading is some item's title (or a section's), never the lead of the one beside it.
_NOT_LEADS = _UNSEEN | frozenset(HEADINGS)
_PAGING = frozenset({"next", "prev", "previous", "first", "last"})
# A date printed for people is short ("2026 жылғы 12 маусым", "21 марта 2026 года, 14:30");
# a longer text with a date in it is a title or a sentence, and its date is not the item's.
_DATE_CHARS = 48
_DATE_WORDS = 6
_LEAD_CHARS = 40
_WORD = re.compile(r"[^\W\d_]+")
# The words dates are printed with besides month names: "года", "year", "жылғы", "г.".
_DATE_FILLERS = frozenset({"года", "год", "г", "year", "жылғы", "жыл", "ж", "y"})
# A list page shows tens of items; a page linking more articles than this is hostile.
MAX_ARTICLES = 1000
# How far above an article's block a day heading may sit ("21 March" over a list of links).
_HEADING_LEVELS = 3
# Lazy-loading pages put the real address in a data attribute and a blank in ``src``.
_PICTURE_SOURCES = ("data-src", "data-original", "data-lazy-src", "src")
# A card shows one thumbnail; looking at a few pictures is enough, and bounds a hostile card.
_PICTURES_LOOKED_AT = 5


@dataclass(frozen=True)
class ArticleLink:
    """A link to an article where it appears on the page, and the element its title is in."""

    tag: Tag
    url: str
    key: str
    title: str
    title_tag: Tag
    rank: int


def link_key(url: str) -> str:
    """Two links are one article when they differ only in scheme, ``www.`` or a slash."""
    return canonical_url(url)


def is_chrome(tag: Tag) -> bool:
    """Whether ``tag`` is (in) the page's navigation, banner or footer: never news."""
    for element in (tag, *tag.parents):
        if element.name == "nav" or element.get("role") in _CHROME_ROLES:
            return True
        if element.name in ("header", "footer"):
            return not any(above.name in _SECTIONING for above in element.parents)
    return False


def picture_in(element: Tag, base: str) -> str | None:
    """The first picture inside ``element`` that is not page chrome, as an absolute URL."""
    pictures = [element] if element.name == "img" else []
    pictures += element.find_all("img", limit=_PICTURES_LOOKED_AT)
    for picture in pictures:
        if not isinstance(picture, Tag) or is_chrome(picture):
            continue
        for attribute in _PICTURE_SOURCES:
            value = picture.get(attribute)
            address = absolute_url(base, value) if isinstance(value, str) else None
            if address is not None:
                return address
    return None


def article_links(
    soup: BeautifulSoup, base: str, keep: re.Pattern[str], drop: re.Pattern[str] | None
) -> list[ArticleLink]:
    """Every link on the page that leads to an article, in page order (repeats included)."""
    found: list[ArticleLink] = []
    articles: set[str] = set()
    for tag in soup.find_all("a", href=True):
        if not isinstance(tag, Tag) or _PAGING.intersection(_rels(tag)):
            continue
        url = absolute_url(base, str(tag["href"]))
        if url is None or not keep.search(url) or (drop is not None and drop.search(url)):
            continue
        if is_chrome(tag):
            continue
        key = link_key(url)
        if key not in articles and len(articles) >= MAX_ARTICLES:
            break
        articles.add(key)
        title, title_tag, rank = link_title(tag)
        found.append(ArticleLink(tag, url, key, title, title_tag, rank))
    return found


def _rels(tag: Tag) -> list[str]:
    rel = tag.get("rel")
    if rel is None:
        return []
    return [str(r).lower() for r in ([rel] if isinstance(rel, str) else rel)]


def link_title(link: Tag) -> tuple[str, Tag, int]:
    """The article title a link carries, the element it is in, and how sure that is.

    A heading is surest. A link that wraps a whole card takes its heading, else its bold
    text, else its first line that is not a date. A picture link has no text of its own and
    takes the heading it sits in, else its ``title``/``alt`` text (rank 0: any heading
    elsewhere in the card wins when the links are merged).
    """
    if any(isinstance(child, Tag) and child.name in _BLOCKS for child in link.descendants):
        for names in (HEADINGS, ("strong", "b")):
            inner = link.find(list(names))
            if isinstance(inner, Tag) and (text := _text(inner)):
                return text, inner, 3 if names is HEADINGS else 2
        for inner in link.find_all(list(_BLOCKS)):
            text = _text(inner)
            if isinstance(inner, Tag) and text and not is_date_text(text):
                return text, inner, 1
    text = _text(link)
    heading = link.find_parent(list(HEADINGS))
    if text and not is_date_text(text):
        return text, link, 3 if heading is not None else 2
    if heading is not None and (text := _text(heading)) and not is_date_text(text):
        return text, heading, 2
    picture = link.find("img")
    for alt in (link.get("title"), picture.get("alt") if isinstance(picture, Tag) else None):
        if isinstance(alt, str) and (text := normalize_space(alt)):
            return text, link, 0
    return "", link, 0


def _text(tag: Tag) -> str:
    return normalize_space(tag.get_text(" "))


def is_date_text(text: str) -> bool:
    """Whether a link's or a paragraph's text is nothing but a date ("21 марта 2026 года"),
    so not a title or a lead; "Address of 1 September 2025" is a title."""
    words = _WORD.findall(text.casefold())
    return (
        len(text) <= _DATE_CHARS
        and all(word in MONTHS or word in _DATE_FILLERS for word in words)
        and parse_date(text) is not None
    )


@dataclass(frozen=True)
class _Run:
    """A parent's children as a run of article links and dates, read once per parent.

    ``dates_head`` says whether the run prints dates before its items (True), after them
    (False), or has no dates of its own (None): the side of its first date. ``date_before``
    holds, for each child, the nearest date-only child before it.
    """

    children: list[tuple[PageElement, set[str], When | None]]
    position: dict[int, int]
    dates_head: bool | None
    date_before: list[When | None]

    @classmethod
    def of(cls, children: list[tuple[PageElement, set[str], When | None]]) -> _Run:
        first_date = next((i for i, (_, keys, d) in enumerate(children) if d and not keys), None)
        first_link = next((i for i, (_, keys, _) in enumerate(children) if keys), None)
        heads = None if first_date is None or first_link is None else first_date < first_link
        before: list[When | None] = []
        last: When | None = None
        for _, keys, date in children:
            before.append(last)
            if date is not None and not keys:
                last = date
        position = {id(child): index for index, (child, _, _) in enumerate(children)}
        return cls(children, position, heads, before)


class Neighbourhood:
    """What surrounds each article link on one page: its block, date and lead.

    Built once per page from all its article links, because whether an ancestor is an
    item's block depends on which other articles it links.
    """

    def __init__(self, soup: BeautifulSoup, links: Sequence[ArticleLink], tz: tzinfo) -> None:
        self.tz = tz
        self.order = {id(node): index for index, node in enumerate(soup.descendants)}
        self.keys: dict[int, set[str]] = {}
        for link in links:
            self.keys.setdefault(id(link.tag), set()).add(link.key)
            for parent in link.tag.parents:
                self.keys.setdefault(id(parent), set()).add(link.key)
        # Titles are never dates, even "Address of 1 September 2025", nor leads.
        self.titles = {id(link.title_tag) for link in links}
        self.around_titles = {id(p) for link in links for p in link.title_tag.parents}
        self._runs: dict[int, _Run] = {}

    def block(self, link: Tag) -> Tag:
        """The largest element around ``link`` that links no other article: its card."""
        node = link
        while (parent := node.parent) is not None and parent.name not in ("body", "[document]"):
            if len(self.keys.get(id(parent), ())) > 1:
                break
            node = parent
        return node

    def date(self, link: Tag) -> When | None:
        """The date the page gives the article ``link`` leads to, or None: a wrong date is
        worse than none, so a date is only taken from the link's own block or run."""
        block = self.block(link)
        here = self.order.get(id(link), 0)
        spots = list(self._dates(block))
        if spots:
            best = min(spots, key=lambda s: (s[2], abs(self.order.get(id(s[0]), here) - here)))
            return best[1]
        node: Tag = block
        for _ in range(_HEADING_LEVELS):
            parent = node.parent
            if parent is None or parent.name == "[document]":
                return None
            found = self._sibling_date(parent, node)
            if found is not None:
                return found
            node = parent
        return None

    def lead(self, link: Tag, title: Tag) -> str:
        """The first prose in the block (or just after it, in a flat run) that is not the
        title or a date: a press release's lead."""
        block = self.block(link)
        places: list[PageElement] = [block]
        parent = block.parent
        flat = parent is not None and len(self.keys.get(id(parent), ())) > 1
        if flat and parent is not None and next(self._dates(block), None) is None:
            # A flat run (date, link, lead, date, link, lead): the lead follows the link,
            # up to the next item's link, or its date where dates head their items.
            mine = self.keys.get(id(block), set())
            heads = self._run(parent).dates_head
            for sibling in block.next_siblings:
                if isinstance(sibling, Tag) and not self.keys.get(id(sibling), set()) <= mine:
                    break
                if heads and isinstance(sibling, Tag) and next(self._dates(sibling), None):
                    break
                places.append(sibling)
        skip = self.titles | {id(title)}
        for place in places:
            for node in self._walk(place, skip, unseen=_NOT_LEADS):
                if not isinstance(node, NavigableString) or not node.strip():
                    continue
                holder = node.parent
                while holder is not None and holder.name not in _BLOCKS and holder is not place:
                    holder = holder.parent
                # Prose beside the link or its title in one element reads as just that prose.
                whole = (
                    holder is not None
                    and not self.keys.get(id(holder))
                    and id(holder) not in self.around_titles
                )
                text = normalize_space(holder.get_text(" ") if whole and holder else str(node))
                if len(text) >= _LEAD_CHARS and not is_date_text(text):
                    return text
        return ""

    def _sibling_date(self, parent: Tag, node: Tag) -> When | None:
        run = self._run(parent)
        at = run.position.get(id(node))
        if at is None or run.dates_head is None:
            return None
        if run.dates_head:  # dates head their items (or a day's items)
            return run.date_before[at]
        mine = self.keys.get(id(node), set())
        for _, keys, date in run.children[at + 1 :]:  # dates follow their items
            if keys and not keys <= mine:
                return None
            if date is not None and not keys:
                return date
        return None

    def _run(self, parent: Tag) -> _Run:
        """The parent's children as a run of links and dates; chrome counts as neither."""
        cached = self._runs.get(id(parent))
        if cached is not None:
            return cached
        children: list[tuple[PageElement, set[str], When | None]] = []
        for child in parent.children:
            if isinstance(child, Tag):
                if child.name in _UNSEEN or is_chrome(child):
                    continue
                first = next(self._dates(child), None)
                keys = self.keys.get(id(child), set())
                children.append((child, keys, first[1] if first else None))
            elif type(child) is NavigableString and (text := normalize_space(child)):
                children.append((child, set(), self._date_of_text(text)))
        run = self._runs[id(parent)] = _Run.of(children)
        return run

    def _dates(self, root: Tag) -> Iterator[tuple[PageElement, When, int]]:
        """Dates under ``root`` in page order, each with its kind: 0 machine, 1 printed."""
        if id(root) in self.titles:
            return
        for node in self._walk(root, skip=self.titles):
            if isinstance(node, Tag):
                if node.name == "time":
                    machine = str(node.get("datetime") or "")
                    value = parse_date(machine, self.tz) if machine else None
                    if value is None:
                        value = self._date_of_text(normalize_space(node.get_text(" ")))
                    if value is not None:
                        yield node, value, 0 if machine else 1
            elif (value := self._date_of_text(normalize_space(str(node)))) is not None:
                yield node, value, 1

    def _date_of_text(self, text: str) -> When | None:
        if not text or len(text) > _DATE_CHARS or len(text.split()) > _DATE_WORDS:
            return None
        if not any(c.isdigit() for c in text):
            return None
        return parse_date(text, self.tz)

    def _walk(
        self, root: PageElement, skip: set[int], unseen: frozenset[str] = _UNSEEN
    ) -> Iterator[PageElement]:
        """Visible elements and strings under ``root`` in page order, without recursion
        (a hostile page may nest ten thousand levels); ``<time>`` is not entered."""
        if type(root) is NavigableString:
            yield root
            return
        if not isinstance(root, Tag) or root.name in unseen:
            return
        stack: list[PageElement] = list(reversed(list(root.children)))
        while stack:
            node = stack.pop()
            if isinstance(node, Tag):
                if node.name in unseen or id(node) in skip:
                    continue
                yield node
                if node.name != "time":
                    stack.extend(reversed(list(node.children)))
            elif type(node) is NavigableString:
                yield node


def read_links(
    soup: BeautifulSoup, source: Source, base: str
) -> tuple[list[Item], tuple[Skipped, ...]]:
    """The page's items by link pattern, one per article, and why any link gave none."""
    selectors = source.selectors
    if selectors is None or selectors.link_pattern is None:
        return [], ()
    drop = re.compile(selectors.exclude) if selectors.exclude else None
    links = article_links(soup, base, re.compile(selectors.link_pattern), drop)
    around = Neighbourhood(soup, links, zone(source.timezone))
    by_key: dict[str, list[ArticleLink]] = {}
    for link in links:
        by_key.setdefault(link.key, []).append(link)
    items: list[Item] = []
    skipped: list[Skipped] = []
    for position, same in enumerate(by_key.values(), 1):
        best = max(same, key=lambda link: (link.rank, min(len(link.title), 200)))
        if not best.title:
            skipped.append(Skipped(position, f"{best.url}: the link has no title text"))
            continue
        published = next((d for link in same if (d := around.date(link.tag)) is not None), None)
        lead = next((t for link in same if (t := around.lead(link.tag, best.title_tag))), "")
        title = shorten(best.title, TITLE_CHARS)
        summary = shorten(lead, SUMMARY_CHARS)
        items.append(
            Item(
                source=source.id,
                title=title,
                url=same[0].url,
                published=published,
                summary=summary,
                text=shorten(" ".join(p for p in (title, summary) if p), TEXT_CHARS),
                image=_picture(same, around, base, alone=len(by_key) == 1),
            )
        )
    return items, tuple(skipped)


def _picture(
    same: Sequence[ArticleLink], around: Neighbourhood, base: str, alone: bool
) -> str | None:
    """The article's picture: one inside a link to it (a picture link), else the first in
    its block (a card's thumbnail beside its heading). A page's only article has the page
    for its block, whose pictures are anyone's, so it gets only a picture link's."""
    for link in same:
        if found := picture_in(link.tag, base):
            return found
    if alone:
        return None
    return next(
        (found for link in same if (found := picture_in(around.block(link.tag), base))), None
    )
