"""Plain text out of the markup sources wrap their words in, safe to store and show."""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import replace

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from scrapers.model import Item

_SPACE = re.compile(r"\s+")
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
    display want."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", clean(text)))
    return _SPACE.sub(" ", text).strip()


def plain_text(markup: str) -> str:
    """Visible text of an HTML fragment, entities decoded.

    Feeds put escaped HTML in summaries and content, and some titles; text without any tag
    or entity skips the parser, which is most titles.
    """
    if not markup:
        return ""
    if not _MARKUP_HINT.search(markup):
        return normalize_space(markup)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "html.parser")
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    return normalize_space(soup.get_text(" "))


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary so a lead never ends mid-word; ``…`` marks the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"
