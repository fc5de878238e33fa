"""Who is owed an alert for an item: every chat subscribed to a leader taking part in it, its
source, or a keyword it contains, once per chat and topic however many of those match."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from analysis.keywords import StemmedKeywords
from analysis.matching import KeywordMatcher
from scrapers.model import Item
from scrapers.text import normalize_space
from store.subscriptions import Subscription, Target


def route(item: Item, subscriptions: Sequence[Subscription]) -> set[Target]:
    leaders = set(item.participants or item.leaders)
    keywords = frozenset(s.target for s in subscriptions if s.kind == "keyword")
    found = keywords_in(item.text or item.title, keywords) if keywords else set()
    return {
        s.destination
        for s in subscriptions
        if (s.kind == "leader" and s.target in leaders)
        or (s.kind == "source" and s.target == item.source)
        or (s.kind == "keyword" and s.target in found)
    }


def normalize_keyword(text: str) -> str:
    """The stored form of a keyword: what two spellings of the same keyword share."""
    return normalize_space(text).casefold()


def keywords_in(text: str, keywords: frozenset[str]) -> set[str]:
    """The stored keywords ``text`` contains, whole words in any case and any inflected form
    (``газ`` in "поставки газа", not in "газета"): by stem (analysis.keywords), and on the
    leader engine, which also finds keywords of punctuation and in scripts without spaces."""
    exact, stemmed = _keyword_matchers(keywords)
    found = (*exact.keywords_in(text), *stemmed.keywords_in(text))
    return {normalize_keyword(k) for k in found}


@lru_cache(maxsize=32)
def _keyword_matchers(keywords: frozenset[str]) -> tuple[KeywordMatcher, StemmedKeywords]:
    """Every routed item is checked against every chat's keywords: compile them once."""
    ordered = sorted(keywords)
    return KeywordMatcher(ordered), StemmedKeywords(ordered)
