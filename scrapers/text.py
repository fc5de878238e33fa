"""Plain text out of the markup sources wrap their words in."""

from __future__ import annotations

import re
import unicodedata
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

_SPACE = re.compile(r"\s+")
# Soft hyphens and zero-width characters split names invisibly ("Пу\u00adтин").
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_MARKUP_HINT = re.compile(r"<[A-Za-z!/]|&[#\w]+;")


def normalize_space(text: str) -> str:
    """One space between words, NFC, no invisible characters: what matching and display want."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
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
