"""The form index: every alias as the sets of word forms it may be written in, and the scan.

Every alias is split into words and each word expanded into its inflected forms
(``analysis.forms``), so a leader configured only as ``Путин`` is found as Путиным,
Путіна or Путинмен. The text is cut into words once, the words are intersected with the
first words of all aliases (a set operation, whatever the size of the watchlist), and
only those hits are checked in place: the following words of a multi-word alias,
capitalisation, an apostrophe suffix (Erdoğan'ın, Xi's). No regular expression here can
backtrack: the only patterns are word runs and fixed-width checks, so time grows
linearly with the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from analysis.forms import UNSPACED, apostrophe_tails, fold, spelling_variants, word_forms
from analysis.guards import has_title_before, title_case
from analysis.normalise import APOSTROPHES, WORD, NormalisedText

_WORD_SPLIT = re.compile(r"(\w+)")
# What may stand between the words of a name: a space, a hyphen (Kassym-Jomart), the dot
# of an initial (Donald J. Trump).
_NAME_GAP = re.compile(r"[\s\-\u2010\u2011.]{1,3}")
_KEYWORD_GAP = re.compile(r"[\s\-\u2010\u2011]{1,3}")


@dataclass(frozen=True)
class Spelling:
    """One alias made ready to match: the forms of each word and the rules it obeys."""

    owner: str
    alias: str
    words: tuple[frozenset[str], ...]
    capitals: tuple[bool, ...]  # per word: must the text capitalise it (names do)
    gaps: tuple[re.Pattern[str], ...]  # what may stand between word i and word i + 1
    tails: frozenset[str]
    before: str = ""  # punctuation a keyword starts or ends with: "#" of #tag, "++" of C++
    after: str = ""
    substring: bool = False  # unspaced script (习近平): found anywhere, no word boundaries
    needs_context: bool = False
    namesake: bool = False
    strict_case: bool = False
    short: bool = False  # one word of up to three letters (Xi, Си): headline use counts


@dataclass(frozen=True)
class Found:
    """A place in the folded text where a spelling stands, before the guards rule on it."""

    spelling: Spelling
    start: int
    end: int
    confirmed: bool


class FormIndex:
    """The word index and the scan shared by leaders and keywords."""

    def __init__(self, spellings: Iterable[Spelling]) -> None:
        self._index: dict[str, list[Spelling]] = {}
        unspaced = []
        for spelling in spellings:
            if spelling.substring:
                unspaced.append(spelling)
                continue
            for form in spelling.words[0]:
                self._index.setdefault(form, []).append(spelling)
        self._first = frozenset(self._index)
        self._unspaced = tuple(unspaced)
        # Short words (си, xi, li) turn up inside many longer ones: a regex skips those in C.
        self._short = {
            key: re.compile(rf"(?<!\w){re.escape(key)}(?!\w)")
            for key in self._first
            if len(key) <= 3
        }

    def find(self, text: str) -> tuple[NormalisedText, list[Found]]:
        read = NormalisedText(text)
        return read, self.scan(read.low, read.clean)

    def scan(self, low: str, clean: str) -> list[Found]:
        """Every candidate in ``low`` (the folded ``clean`` text, same length)."""
        found: list[Found] = []
        for key in self._first.intersection(WORD.findall(low)):
            spellings = self._index[key]
            width = len(key)
            short = self._short.get(key)
            starts = [m.start() for m in short.finditer(low)] if short else _starts(low, key)
            for at in starts:
                end = at + width
                capitalised = clean[at].isupper()
                following: str | None = None
                for spelling in spellings:
                    if not capitalised and spelling.capitals[0]:
                        continue
                    if len(spelling.words) > 1:
                        if following is None:
                            following = _next_word(spelling.gaps[0], low, end)
                        if following not in spelling.words[1]:
                            continue
                    hit = _extend(spelling, low, clean, at, end)
                    if hit is not None:
                        found.append(hit)
        if not self._unspaced or low.isascii() or not UNSPACED.search(low):
            return found
        for spelling in self._unspaced:
            (form,) = spelling.words[0]
            at = low.find(form)
            while at != -1:
                found.append(Found(spelling, at, at + len(form), True))
                at = low.find(form, at + len(form))
        return found


def _next_word(gap: re.Pattern[str], low: str, end: int) -> str:
    """The word after ``end`` if only a name gap separates them, else ""."""
    space = gap.match(low, end)
    word = WORD.match(low, space.end()) if space is not None else None
    return word.group() if word is not None else ""


def _starts(low: str, word: str) -> list[int]:
    """Where ``word`` stands as a whole word in ``low``."""
    starts = []
    size = len(low)
    at = low.find(word)
    while at != -1:
        end = at + len(word)
        if (at == 0 or not _is_word(low[at - 1])) and (end == size or not _is_word(low[end])):
            starts.append(at)
        at = low.find(word, at + 1)
    return starts


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _extend(spelling: Spelling, low: str, clean: str, start: int, end: int) -> Found | None:
    """The whole alias from its first word at ``start:end``, or None where it is not."""
    if spelling.strict_case and not title_case(clean[start:end]):
        return None
    for index in range(1, len(spelling.words)):
        gap = spelling.gaps[index - 1].match(low, end)
        if gap is None:
            return None
        word = WORD.match(low, gap.end())
        if word is None or word.group() not in spelling.words[index]:
            return None
        if spelling.capitals[index] and not clean[word.start()].isupper():
            return None
        end = word.end()
    if end < len(low) and low[end] in APOSTROPHES:
        tail = WORD.match(low, end + 1)
        if tail is not None:
            if tail.group() in spelling.tails:
                end = tail.end()
            elif spelling.needs_context:
                return None  # Xi'an is a city, not Xi
    if spelling.before or spelling.after:
        if not low.startswith(spelling.after, end):
            return None
        if not low.endswith(spelling.before, 0, start):
            return None
        start, end = start - len(spelling.before), end + len(spelling.after)
    confirmed = not spelling.needs_context or has_title_before(low, start)
    return Found(spelling, start, end, confirmed)


def spelling_of(
    owner: str,
    alias: str,
    *,
    inflect: bool,
    names: bool,
    needs_context: bool = False,
    namesake: bool = False,
    short: bool = False,
) -> Spelling:
    """An alias ready to match; one in an unspaced script (or of punctuation alone, a
    keyword such as ``++``) is a single substring to find, its only "word" the whole."""
    folded = fold(" ".join(alias.split()))
    pieces = _WORD_SPLIT.split(folded)
    words = pieces[1::2] if len(pieces) > 1 else []
    if not words or UNSPACED.search(folded):
        return Spelling(
            owner,
            alias,
            (frozenset({folded}),),
            (False,),
            (),
            frozenset(),
            namesake=namesake,
            substring=True,
        )
    originals = WORD.findall(" ".join(alias.split()))
    if inflect:
        forms = tuple(word_forms(w) for w in originals)
    else:
        forms = tuple(frozenset(spelling_variants(w)) for w in words)
    gaps = tuple(_NAME_GAP if names else _keyword_gap(gap) for gap in pieces[2:-1:2])
    return Spelling(
        owner=owner,
        alias=alias,
        words=forms,
        capitals=tuple(names and w[:1].isupper() for w in originals),
        gaps=gaps,
        tails=apostrophe_tails(originals[-1]) if inflect else frozenset({"s"}),
        before="" if names else pieces[0].strip(),
        after="" if names else pieces[-1].strip(),
        needs_context=needs_context,
        namesake=namesake,
        strict_case=needs_context,
        short=short,
    )


def _keyword_gap(gap: str) -> re.Pattern[str]:
    """Spaces and hyphens between a keyword's words match each other; other punctuation
    (the dots of U.S.) must be there as written."""
    literal = gap.strip(" -\u2010\u2011")
    if not literal:
        return _KEYWORD_GAP
    return re.compile(r"\s{0,2}" + re.escape(literal) + r"\s{0,2}")
