"""Finding the watched leaders an item mentions, and saying where.

One compiled alternation over every alias of every leader, so an item is scanned once
however long the watchlist grows. Names are matched whole-word and case-insensitively;
Cyrillic surnames also match with the common Russian, Ukrainian and Kazakh case endings
(Путина, Путіним, Тоқаевпен), because official texts rarely use the nominative. The
deeper rules (transliteration, distractors, short names needing context) extend the
pattern built by ``_alias_pattern`` without changing the interface.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.leaders import Leader
from scrapers.text import normalize_space

# Case endings and Kazakh postpositional suffixes, longest first so the regex prefers them.
_CYRILLIC_ENDINGS = sorted(
    {
        "а",
        "у",
        "ом",
        "ым",
        "ім",
        "им",
        "е",
        "і",
        "ой",
        "ы",
        "ых",
        "ыми",
        "ові",
        "еві",
        "тың",
        "тің",
        "дың",
        "дің",
        "ның",
        "нің",
        "қа",
        "ке",
        "ға",
        "ге",
        "та",
        "те",
        "да",
        "де",
        "пен",
        "бен",
        "мен",
        "ты",
        "ті",
        "ды",
        "ді",
        "ны",
        "ні",
        "тан",
        "тен",
        "дан",
        "ден",
        "нан",
        "нен",
        "ем",
        "єм",
    },
    key=len,
    reverse=True,
)
_ENDINGS = "(?:" + "|".join(_CYRILLIC_ENDINGS) + ")?"
# Adjectival surnames (Зеленский, Зеленський) decline like adjectives: Зеленського, -ому, -им.
_ADJECTIVAL_END = re.compile(r"(?:ськ|цьк|ск|цк)ий$", re.IGNORECASE)
_ADJECTIVAL_ENDINGS = "(?:ий|ого|ому|им|ім|ом)"
_CYRILLIC_CONSONANT_END = re.compile(r"[бвгджзйклмнпрстфхцчшщғқңһ]$", re.IGNORECASE)
_HAS_WORD_BREAKS = re.compile(r"[A-Za-z\u00C0-\u024F\u0370-\u052F\u0530-\u058F]")


@dataclass(frozen=True)
class Match:
    """One mention: which leader, by which alias, as which form, where in the text."""

    leader: str
    alias: str
    form: str
    start: int
    end: int


class Matcher:
    """Matches text against a fixed watchlist; build a new one when the watchlist changes."""

    def __init__(self, leaders: Iterable[Leader]) -> None:
        self._leaders = tuple(leaders)
        self._aliases: dict[str, str] = {}
        branches = []
        for index, leader in enumerate(self._leaders):
            names = sorted(leader.names, key=len, reverse=True)
            for name in names:
                self._aliases.setdefault(_fold(name), name)
            body = "|".join(_alias_pattern(name) for name in names if name.strip())
            if body:
                branches.append(f"(?P<L{index}>{body})")
        self._pattern = re.compile("|".join(branches), re.IGNORECASE) if branches else None

    def matches(self, text: str) -> list[Match]:
        """Every mention in ``text`` (normalised first), in reading order."""
        if self._pattern is None or not text:
            return []
        text = normalize_space(text)
        found = []
        for m in self._pattern.finditer(text):
            assert m.lastgroup is not None
            leader = self._leaders[int(m.lastgroup[1:])]
            form = m.group()
            alias = self._alias_of(leader, form)
            found.append(Match(leader.id, alias, form, m.start(), m.end()))
        return found

    def leaders_in(self, text: str) -> tuple[str, ...]:
        """Ids of the leaders ``text`` mentions, each once, in order of first mention."""
        return tuple(dict.fromkeys(m.leader for m in self.matches(text)))

    def _alias_of(self, leader: Leader, form: str) -> str:
        folded = _fold(form)
        for name in sorted(leader.names, key=len, reverse=True):
            if folded.startswith(_fold(name)):
                return name
        return self._aliases.get(folded, form)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _alias_pattern(alias: str) -> str:
    words = alias.split()
    core = r"\s+".join(re.escape(w) for w in words)
    if _ADJECTIVAL_END.search(alias):
        core = core[: -len("ий")] + _ADJECTIVAL_ENDINGS
    elif _CYRILLIC_CONSONANT_END.search(alias):
        core += _ENDINGS
    if not _HAS_WORD_BREAKS.search(alias):
        return core  # Chinese and other scripts written without spaces
    return rf"(?<!\w){core}(?![\w])"
