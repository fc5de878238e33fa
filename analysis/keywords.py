"""A chat's keywords matched by stem: ``/keyword газ`` fires for "поставки газа" and
``/keyword санкции`` for "санкций", but not for "газета" (analysis.stemming says which words
share a stem). A keyword of several words matches those words in that order, next to each
other, each in any of its forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from analysis.stemming import query_stems, text_stems, words


class StemmedKeywords:
    """Keywords compiled once: each word's stems, and the keywords each first stem starts."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = tuple(dict.fromkeys(" ".join(k.split()) for k in keywords if k.strip()))
        self._words: list[tuple[frozenset[str], ...]] = []
        self._starting: dict[str, list[int]] = {}
        for number, keyword in enumerate(self.keywords):
            parts = tuple(query_stems(w) for w in words(keyword))
            self._words.append(parts)
            for stem in parts[0] if parts else ():
                self._starting.setdefault(stem, []).append(number)

    def keywords_in(self, text: str) -> tuple[str, ...]:
        """The keywords ``text`` mentions, each once, in order of first mention."""
        if not text or not self._starting:
            return ()
        found: dict[int, None] = {}
        read = _stems_of(text)
        for place, stems in enumerate(read):
            for stem in stems:
                for number in self._starting.get(stem, ()):
                    parts = self._words[number]
                    if number not in found and _follows(parts, read, place):
                        found[number] = None
        return tuple(self.keywords[number] for number in found)


@lru_cache(maxsize=16)
def _stems_of(text: str) -> tuple[frozenset[str], ...]:
    """One item's words as stems, read once however many keyword sets are checked against
    it: routing checks every chat's keywords at once, the sender each alerted chat's
    again for the line that says why it got the alert."""
    return tuple(text_stems(text))


def _follows(parts: tuple[frozenset[str], ...], read: Sequence[frozenset[str]], place: int) -> bool:
    if place + len(parts) > len(read):
        return False
    return all(parts[k] & read[place + k] for k in range(1, len(parts)))
