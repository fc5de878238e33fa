"""Finding the watched leaders (or a chat's keywords) a text mentions, and saying where.

Every alias is split into words and each word expanded into its inflected forms
(``bot.forms``), so a leader configured only as ``Путин`` is found as Путиным, Путіна
or Путинмен. Matching is by whole words: the text is cut into words once, the words are
intersected with the first words of all aliases (a set operation, whatever the size of
the watchlist), and only those hits are checked in place: the following words of a
multi-word alias, capitalisation, an apostrophe suffix (Erdoğan'ın, Xi's), the context
an ambiguous alias needs, and the namesakes that must not count (Mehriban Aliyeva,
Heydar Aliyev). No regular expression here can backtrack: the only patterns are word
runs and fixed-width checks, so time grows linearly with the text.

Positions in a ``Match`` index the caller's string even when it had soft hyphens,
zero-width characters or decomposed (NFD) letters inside a name; ``form`` is the
matched text as read after that clean-up.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.forms import UNSPACED, apostrophe_tails, fold, spelling_variants, word_forms
from bot.leaders import CAVEATS, Caveats, Leader

_WORD = re.compile(r"\w+")
_WORD_SPLIT = re.compile(r"(\w+)")
# What may stand between the words of a name: a space, a hyphen (Kassym-Jomart), the dot
# of an initial (Donald J. Trump).
_NAME_GAP = re.compile(r"[\s\-\u2010\u2011.]{1,3}")
_KEYWORD_GAP = re.compile(r"[\s\-\u2010\u2011]{1,3}")
_APOSTROPHES = "'\u2019\u02bc"
# Invisible characters that split a word without showing (Пу\u00adтин), and combining
# accents left after NFC (stress marks on Russian vowels): dropped before matching.
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_STRAY_MARKS = "\u0300-\u036f\u0483-\u0487"
_NEEDS_CLEANING = re.compile(f"[{_INVISIBLE}{_STRAY_MARKS}]")
_CLUSTER = re.compile(f"[^{_STRAY_MARKS}]?[{_INVISIBLE}{_STRAY_MARKS}]+")
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
# What joins two names into a pair: "Putin and Xi", "Путин и Си", "Xi, Putin".
_PAIR = re.compile(r"[\s,]{0,3}(?:(?:and|with|и|с|і|та|й|з|және|мен|ve|və|und|et|e|y)\s{1,3})?")

# Words that give an ambiguous alias (Xi, Си, Costa) its context when one of the two words
# before it starts with them: a title, a country, "counterpart".
TITLE_STEMS = (
    *("president", "chairman", "premier", "leader", "mr", "comrade", "counterpart"),
    *("secretary", "chancellor", "prime", "minister", "china", "chinese", "beijing"),
    *("excellency", "presidente", "primeiro", "portugal", "armenia", "turkmen"),
    *("президент", "председател", "премьер", "лидер", "генсек", "генеральн", "секретар"),
    *("товарищ", "коллег", "колег", "канцлер", "кнр", "китай", "кита", "господин"),
    *("голов", "прем", "лідер", "товариш", "пан", "армени", "вірмен", "туркмен"),
    *("төраға", "қхр", "басшы", "көшбасшы", "хатшы", "прэзідэнт", "старшын"),
)


@dataclass(frozen=True)
class Match:
    """One mention: which leader, by which alias, as which form, where in the text."""

    leader: str
    alias: str
    form: str
    start: int
    end: int


@dataclass(frozen=True)
class KeywordMatch:
    """One keyword mention: the keyword as the chat gave it, the form found, where."""

    keyword: str
    form: str
    start: int
    end: int


@dataclass(frozen=True)
class _Spelling:
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


@dataclass(frozen=True)
class _Found:
    spelling: _Spelling
    start: int
    end: int
    confirmed: bool


class _Engine:
    """The word index and the scan shared by leaders and keywords."""

    def __init__(self, spellings: Iterable[_Spelling]) -> None:
        self._index: dict[str, list[_Spelling]] = {}
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

    def find(self, text: str) -> tuple[_Text, list[_Found]]:
        read = _Text(text)
        return read, self.scan(read.low, read.clean)

    def scan(self, low: str, clean: str) -> list[_Found]:
        """Every candidate in ``low`` (the folded ``clean`` text, same length)."""
        found: list[_Found] = []
        for key in self._first.intersection(_WORD.findall(low)):
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
                found.append(_Found(spelling, at, at + len(form), True))
                at = low.find(form, at + len(form))
        return found


def _next_word(gap: re.Pattern[str], low: str, end: int) -> str:
    """The word after ``end`` if only a name gap separates them, else ""."""
    space = gap.match(low, end)
    word = _WORD.match(low, space.end()) if space is not None else None
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


def _extend(spelling: _Spelling, low: str, clean: str, start: int, end: int) -> _Found | None:
    """The whole alias from its first word at ``start:end``, or None where it is not."""
    if spelling.strict_case and not _title_case(clean[start:end]):
        return None
    for index in range(1, len(spelling.words)):
        gap = spelling.gaps[index - 1].match(low, end)
        if gap is None:
            return None
        word = _WORD.match(low, gap.end())
        if word is None or word.group() not in spelling.words[index]:
            return None
        if spelling.capitals[index] and not clean[word.start()].isupper():
            return None
        end = word.end()
    if end < len(low) and low[end] in _APOSTROPHES:
        tail = _WORD.match(low, end + 1)
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
    confirmed = not spelling.needs_context or _has_title_before(low, start)
    return _Found(spelling, start, end, confirmed)


def _title_case(written: str) -> bool:
    """An ambiguous alias counts only as written in the alias: Xi, not XI (a numeral)."""
    return written[:1].isupper() and written[1:] == written[1:].lower()


def _has_title_before(low: str, start: int) -> bool:
    before = _WORD.findall(low[max(0, start - 40) : start])[-2:]
    return any(word.startswith(TITLE_STEMS) for word in before)


def _resolve(found: list[_Found], low: str) -> list[_Found]:
    """Longest candidate wins where candidates overlap; a namesake wins a tie.

    Then namesakes are dropped (they only existed to claim their words), and an
    ambiguous alias with no title before it stays only if the same owner is also named
    unambiguously somewhere in the text ("Xi Jinping arrived… Xi said") or it stands in
    a pair with another confirmed name ("Путин и Си", "Trump and Xi").
    """
    found.sort(key=lambda f: (f.start, -(f.end - f.start), not f.spelling.namesake))
    kept: list[_Found] = []
    reach = -1
    for candidate in found:
        if candidate.start >= reach:
            kept.append(candidate)
            reach = candidate.end
    kept = [f for f in kept if not f.spelling.namesake]
    named = {f.spelling.owner for f in kept if f.confirmed}
    return [
        f
        for index, f in enumerate(kept)
        if f.confirmed or f.spelling.owner in named or _paired(kept, index, low)
    ]


def _paired(kept: list[_Found], index: int, low: str) -> bool:
    this = kept[index]
    before = kept[index - 1] if index > 0 else None
    if before is not None and before.confirmed and _PAIR.fullmatch(low, before.end, this.start):
        return True
    if index + 1 < len(kept) and kept[index + 1].confirmed:
        return _PAIR.fullmatch(low, this.end, kept[index + 1].start) is not None
    return False


class _Text:
    """The text as matching reads it, and the way back to the caller's offsets."""

    __slots__ = ("_clean_ends", "_clean_starts", "_origin_ends", "_origin_starts", "clean", "low")

    def __init__(self, text: str) -> None:
        # Where each rewritten cluster is in the cleaned text and in the caller's.
        self._clean_starts: list[int] = []
        self._clean_ends: list[int] = []
        self._origin_starts: list[int] = []
        self._origin_ends: list[int] = []
        clean = text
        if not text.isascii() and (
            not unicodedata.is_normalized("NFC", text) or _NEEDS_CLEANING.search(text)
        ):
            clean = self._cleaned(text)
        self.clean = clean
        low = fold(clean)
        if not low.isascii() and _MIXED.search(low):
            low = _WORD.sub(_unmix, low)
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
            composed = unicodedata.normalize("NFC", _INVISIBLE_ONLY.sub("", cluster.group()))
            fixed = _DROP.sub("", composed)
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


def _spelling(
    owner: str,
    alias: str,
    *,
    inflect: bool,
    names: bool,
    needs_context: bool = False,
    namesake: bool = False,
) -> _Spelling:
    """An alias ready to match; one in an unspaced script (or of punctuation alone, a
    keyword such as ``++``) is a single substring to find, its only "word" the whole."""
    folded = fold(" ".join(alias.split()))
    pieces = _WORD_SPLIT.split(folded)
    words = pieces[1::2] if len(pieces) > 1 else []
    if not words or UNSPACED.search(folded):
        return _Spelling(
            owner,
            alias,
            (frozenset({folded}),),
            (False,),
            (),
            frozenset(),
            namesake=namesake,
            substring=True,
        )
    originals = _WORD.findall(" ".join(alias.split()))
    if inflect:
        forms = tuple(word_forms(w) for w in originals)
    else:
        forms = tuple(frozenset(spelling_variants(w)) for w in words)
    gaps = tuple(_NAME_GAP if names else _keyword_gap(gap) for gap in pieces[2:-1:2])
    return _Spelling(
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
    )


def _keyword_gap(gap: str) -> re.Pattern[str]:
    """Spaces and hyphens between a keyword's words match each other; other punctuation
    (the dots of U.S.) must be there as written."""
    literal = gap.strip(" -\u2010\u2011")
    if not literal:
        return _KEYWORD_GAP
    return re.compile(r"\s{0,2}" + re.escape(literal) + r"\s{0,2}")


def _is_short(alias: str) -> bool:
    """One word of at most three letters (Xi, Си, Li): too common alone to trust."""
    words = alias.split()
    return len(words) == 1 and len(words[0]) <= 3


class Matcher:
    """Matches text against a fixed watchlist; build a new one when the watchlist changes.

    Every alias of every leader, including those added by configuration or ``/alias``,
    is inflected here, so a leader only ever needs its names in the nominative. An alias
    of one short word, or one listed in ``caveats`` as context-only, counts only after a
    title (President Xi, Председатель КНР Си) or when the leader is also named in full;
    the ``caveats`` namesakes claim their words so they never count as the leader.
    """

    def __init__(self, leaders: Iterable[Leader], caveats: Mapping[str, Caveats] = CAVEATS) -> None:
        self._leaders = tuple(leaders)
        spellings: list[_Spelling] = []
        for leader in self._leaders:
            caveat = caveats.get(leader.id, Caveats())
            context_only = {fold(a) for a in caveat.context_only}
            for name in leader.names:
                needs_context = _is_short(name) or fold(name) in context_only
                spellings.append(
                    _spelling(
                        leader.id, name, inflect=True, names=True, needs_context=needs_context
                    )
                )
            spellings.extend(
                _spelling(leader.id, other, inflect=True, names=True, namesake=True)
                for other in caveat.namesakes
            )
        self._engine = _Engine(spellings)

    @property
    def leaders(self) -> tuple[Leader, ...]:
        return self._leaders

    def matches(self, text: str) -> list[Match]:
        """Every mention in ``text``, in reading order, each with its alias, form and place."""
        if not text:
            return []
        read, found = self._engine.find(text)
        result = []
        for f in _resolve(found, read.low):
            start, end = read.origin(f.start, f.end)
            form = read.clean[f.start : f.end]
            result.append(Match(f.spelling.owner, f.spelling.alias, form, start, end))
        return result

    def leaders_in(self, text: str) -> tuple[str, ...]:
        """Ids of the leaders ``text`` mentions, each once, in order of first mention."""
        if not text:
            return ()
        read, found = self._engine.find(text)
        return tuple(dict.fromkeys(f.spelling.owner for f in _resolve(found, read.low)))


class KeywordMatcher:
    """A chat's free-text keywords (``/keyword``) on the same engine as leaders.

    Case-insensitive and whole-word: ``sanctions`` does not fire inside ``sanctionsless``
    and a phrase matches across a space or a hyphen. With ``inflect=True`` each word also
    matches the forms ``bot.forms`` generates (санкция: санкции, санкцией; Астана: Астане,
    Астанада), which are made for names and singular nouns; give keywords in the
    nominative singular. Text in scripts written without spaces is matched as a substring.
    """

    def __init__(self, keywords: Iterable[str], *, inflect: bool = False) -> None:
        self.keywords = tuple(dict.fromkeys(" ".join(k.split()) for k in keywords if k.strip()))
        self._engine = _Engine(
            _spelling(keyword, keyword, inflect=inflect, names=False) for keyword in self.keywords
        )

    def matches(self, text: str) -> list[KeywordMatch]:
        """Every keyword mention in ``text``, in reading order.

        Keywords do not shadow each other: a chat following both "peace" and "peace talks"
        gets both from "peace talks".
        """
        if not text or not self.keywords:
            return []
        read, found = self._engine.find(text)
        found.sort(key=lambda f: (f.start, -(f.end - f.start)))
        result = []
        seen = set()
        for f in found:
            if (f.spelling.owner, f.start) in seen:
                continue
            seen.add((f.spelling.owner, f.start))
            start, end = read.origin(f.start, f.end)
            result.append(KeywordMatch(f.spelling.owner, read.clean[f.start : f.end], start, end))
        return result

    def keywords_in(self, text: str) -> tuple[str, ...]:
        """The keywords ``text`` mentions, each once, in order of first mention."""
        return tuple(dict.fromkeys(m.keyword for m in self.matches(text)))
