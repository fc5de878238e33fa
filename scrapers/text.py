"""Plain text out of the markup sources wrap their words in, safe to store and show."""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import replace

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.dammit import EntitySubstitution, UnicodeDammit

from scrapers.model import Item

# Soft hyphens and zero-width characters split names invisibly ("Пу\u00adтин").
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_MARKUP_HINT = re.compile(r"<[A-Za-z!/]|&[#\w]+;")
# What no reader wants and an attacker might: C0 and C1 controls (tab and newline are
# text), lone UTF-16 surrogates (SQLite and every encoder refuse them), the two
# non-characters, and bidi embeddings, overrides and isolates, which make
# "\u202egro.nilmerk" display as "kremlin.org" and reorder a title in an alert.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
# The markup feedparser hands back after sanitising: plain start and end tags with quoted
# or bare attributes, simple comments, named and numeric references ending in ";".
_TAG = re.compile(
    r"""</?[A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z_:][-\w:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>"""
    r"|<!--(?:[^-]|-(?!-))*-->"
)
_REFERENCE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]*));")
# Elements whose text is hidden or raw text to the HTML parser: left to BeautifulSoup.
_RAW_TEXT = re.compile(
    r"<\s*/?\s*(?:script|style|template|textarea|title|xmp|iframe|noembed|noframes|"
    r"noscript|plaintext)\b",
    re.IGNORECASE,
)


def clean(text: str) -> str:
    """``text`` without the characters above; a split surrogate pair is joined first.

    Every text field of every item passes here (``clean_item``), whatever parser read it,
    so this is the one place that decides what may reach the store and an alert.
    """
    if not _UNSAFE.search(text):
        return text
    if _SURROGATE.search(text):
        # "&#xD83D;&#xDE00;" is one emoji written as two references: keep it.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub("", text)


def clean_item(item: Item) -> Item:
    """The item with every text field cleaned; unchanged items are returned as they are."""
    cleaned = replace(
        item,
        title=clean(item.title),
        summary=clean(item.summary),
        text=clean(item.text),
        url=clean(item.url) if item.url is not None else None,
        guid=clean(item.guid) if item.guid is not None else None,
    )
    return item if cleaned == item else cleaned


def normalize_space(text: str) -> str:
    """One space between words, NFC, no invisible or unsafe characters: what matching and
    display want. Every summary and text of every changed feed passes here, so it takes
    the fast ways: str.split() splits on exactly the whitespace a regex's \\s matches,
    and most texts hold no invisible character to remove."""
    text = unicodedata.normalize("NFC", clean(text))
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def plain_text(markup: str) -> str:
    """Visible text of an HTML fragment, entities decoded.

    Feeds put escaped HTML in summaries and content, and some titles; text without any tag
    or entity skips the parser, which is most titles.
    """
    if not markup:
        return ""
    if not _MARKUP_HINT.search(markup):
        return normalize_space(markup)
    simple = _simple_text(markup)
    if simple is not None:
        return normalize_space(simple)
    return soup_text(markup)


def soup_text(markup: str) -> str:
    """Visible text as BeautifulSoup reads it: the way for markup of any shape, and the
    reference ``plain_text``'s faster reading of regular markup is held to."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "html.parser")
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    return normalize_space(soup.get_text(" "))


def _simple_text(markup: str) -> str | None:
    """What ``BeautifulSoup(markup).get_text(" ")`` gives, without building a tree, for the
    regular markup feedparser emits after sanitising; None for anything less regular.

    BeautifulSoup costs a fifth of a changed feed's poll, on descriptions feedparser has
    already parsed and re-serialised once. Tags and comments become the separator
    BeautifulSoup puts between strings; references are decoded with BeautifulSoup's own
    tables. Whatever this does not recognise exactly (a stray ``<`` or ``&``, a reference
    without ``;``, raw-text elements) goes to BeautifulSoup, so the output is the same
    either way (tests/test_feeds.py compares both on every fixture and corpus feed).
    """
    if _RAW_TEXT.search(markup):
        return None
    pieces = _TAG.split(markup)
    for index, piece in enumerate(pieces):
        if "<" in piece:
            return None
        if "&" in piece:
            decoded = _decode_references(piece)
            if decoded is None:
                return None
            pieces[index] = decoded
    return " ".join(pieces)


def _decode_references(text: str) -> str | None:
    parts: list[str] = []
    position = 0
    for found in _REFERENCE.finditer(text):
        parts.append(text[position : found.start()])
        decimal, hexadecimal, name = found.groups()
        if name is not None:
            character = EntitySubstitution.HTML_ENTITY_TO_CHARACTER.get(name)
            if character is None:
                return None
            parts.append(character)
        else:
            number = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
            parts.append(UnicodeDammit.numeric_character_reference(number)[0])
        position = found.end()
    rest = text[position:]
    if "&" in rest or any("&" in part for part in parts[::2]):
        return None
    parts.append(rest)
    return "".join(parts)


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary so a lead never ends mid-word; ``…`` marks the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"
