"""The text as matching reads it: composed, without invisible marks, in one alphabet.

Names hide behind soft hyphens and zero-width characters (Пу\u00adтин), decomposed
letters and stress marks, look-alike letters from the other alphabet (Путiн with a
Latin i), the Uzbek turned comma inside a word (Erdoʻgʻan) and accents an alias lacks
(Tokáyev; ``analysis.forms.fold`` takes them off both sides). All of that is undone
once per text, here, and the way back to the caller's offsets is kept so a match can
point at the text exactly as it was given.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

from analysis.forms import fold

WORD = re.compile(r"\w+")
APOSTROPHES = "'"  # its look-alikes (U+2019, U+02BC, U+2018, U+02BB) are folded to it
# Invisible characters that split a word without showing (Пу\u00adтин), and combining
# accents left after NFC (stress marks on Russian vowels): dropped before matching.
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_STRAY_MARKS = "\u0300-\u036f\u0483-\u0487"
# The Uzbek letters oʻ and gʻ are written with a turned comma (U+2018 or U+02BB) that
# belongs to the letter: Erdoʻgʻan is Erdogan, Toʻqayev is Toqayev. It is dropped there.
_UZBEK_MARK = "(?<=[oOgG])[\u2018\u02bb](?=[^\\W\\d_])"
_NEEDS_CLEANING = re.compile(f"[{_INVISIBLE}{_STRAY_MARKS}]")
_UZBEK = re.compile(_UZBEK_MARK)
_CLUSTER = re.compile(f"[^{_STRAY_MARKS}]?[{_INVISIBLE}{_STRAY_MARKS}]+|{_UZBEK_MARK}")
_DROP = re.compile(f"[{_INVISIBLE}{_STRAY_MARKS}]")
_INVISIBLE_ONLY = re.compile(f"[{_INVISIBLE}]")
# A Latin letter next to a Cyrillic one: a word typed with a look-alike from the other
# alphabet (Путiн with a Latin i, common in Ukrainian text).
_MIXED = re.compile("[a-z][\u0400-\u04ff]|[\u0400-\u04ff][a-z]")
# Letters that look alike in the other alphabet, in lower case (т for T, н for H).
_LATIN_TO_CYRILLIC = str.maketrans("aceiopxyktbhm", "асеіорхуктвнм")
_CYRILLIC_TO_LATIN = str.maketrans("асеіорхуктвнм", "aceiopxyktbhm")
_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
_LATIN_LETTER = re.compile("[a-z]")


class NormalisedText:
    """The text as matching reads it, and the way back to the caller's offsets.

    ``clean`` is the caller's text composed and without invisible characters; ``low`` is
    ``clean`` folded (same length), the string every index and guard reads.
    """

    __slots__ = ("_clean_ends", "_clean_starts", "_origin_ends", "_origin_starts", "clean", "low")

    def __init__(self, text: str) -> None:
        # Where each rewritten cluster is in the cleaned text and in the caller's.
        self._clean_starts: list[int] = []
        self._clean_ends: list[int] = []
        self._origin_starts: list[int] = []
        self._origin_ends: list[int] = []
        clean = text
        if not text.isascii() and (
            not unicodedata.is_normalized("NFC", text)
            or _NEEDS_CLEANING.search(text)
            or (("\u2018" in text or "\u02bb" in text) and _UZBEK.search(text))
        ):
            clean = self._cleaned(text)
        self.clean = clean
        low = fold(clean)
        if not low.isascii() and _MIXED.search(low):
            low = WORD.sub(_unmix, low)
        self.low = low

    def _cleaned(self, text: str) -> str:
        """NFC without invisible characters, remembering where each cluster came from.

        Only the clusters that change are rebuilt (a letter and the marks or invisible
        characters after it); the text between them is copied by ``re.sub`` in C, so even
        a megabyte of decomposed letters is one linear pass.
        """
        removed = 0

        def rebuild(cluster: re.Match[str]) -> str:
            nonlocal removed
            text = cluster.group()
            if text in "\u2018\u02bb":  # the mark of Uzbek oʻ, gʻ
                fixed = ""
            else:
                fixed = _DROP.sub("", unicodedata.normalize("NFC", _INVISIBLE_ONLY.sub("", text)))
            start, end = cluster.span()
            self._clean_starts.append(start - removed)
            self._clean_ends.append(start - removed + len(fixed))
            self._origin_starts.append(start)
            self._origin_ends.append(end)
            removed += end - start - len(fixed)
            return fixed

        return _CLUSTER.sub(rebuild, text)

    def origin(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the caller's text for ``start:end`` in the cleaned text."""
        if not self._clean_starts:
            return start, end
        return self._origin_of(start, at_end=False), self._origin_of(end - 1, at_end=True)

    def _origin_of(self, index: int, at_end: bool) -> int:
        cluster = bisect.bisect_right(self._clean_starts, index) - 1
        if cluster < 0:
            return index + at_end
        if index < self._clean_ends[cluster]:  # inside a rebuilt cluster: all of it
            return self._origin_ends[cluster] if at_end else self._origin_starts[cluster]
        shift = self._origin_ends[cluster] - self._clean_ends[cluster]
        return index + shift + at_end


def _unmix(word: re.Match[str]) -> str:
    """A word written in two alphabets, put in the one most of its letters are in."""
    text = word.group()
    cyrillic = len(_CYRILLIC_LETTER.findall(text))
    if not cyrillic:
        return text
    latin = len(_LATIN_LETTER.findall(text))
    if not latin:
        return text
    if cyrillic >= latin:
        return text.translate(_LATIN_TO_CYRILLIC)
    return text.translate(_CYRILLIC_TO_LATIN)
