"""What an inflected word and its other forms share: the stems /search and /keyword compare.

A reader asks for "газ" and the release says "поставки газа"; asks for "Токаев" and it
says "Тоқаевпен". Both sides are cut to stems here, the same way, and compared as stems.

A word's language is guessed from its letters alone (the Kazakh ә ғ қ ң ө ұ ү һ, the
Ukrainian ї є ґ, Cyrillic otherwise Russian, Latin English), and a guess can be wrong, so a
word gets every stem it plausibly has (itself among them) and two words match when any
of their stems do:

- Russian: the Snowball stemmer (PyStemmer), and a light cut of one noun or adjective
  ending, because Snowball reads surnames as verbs (it cuts Токаеву to "тока" but Токаев
  to "токаев"). Snowball has no Ukrainian and no Kazakh;
- Ukrainian: the light cut with Ukrainian endings, plus the alternations Ukrainian
  inflection makes in the last syllable (Київ, Києва; Америка, Америці);
- Kazakh: our own suffix rules. Kazakh stacks suffixes (plural, possessive, case:
  Президенттерімен), so they are cut off one at a time from the end, longest first,
  never leaving fewer than three letters;
- English: Snowball's English (Porter2).

A word with only Russian letters may still be Kazakh (Астанада): in a text that has
Kazakh letters elsewhere it also gets its Kazakh stem, and a query word always does, since
a query is too short to tell. Words of three letters or fewer are kept whole: an ending
cut from them would leave a different word.

Two unrelated words that share a stem collide (the fishing season путина and Путина;
выбор and выборы): that is the price of matching inflections without a dictionary.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

KAZAKH_LETTERS = frozenset("әғқңөұүһ")
UKRAINIAN_LETTERS = frozenset("їєґ")
MIN_STEM = 3
# The apostrophe inside a Ukrainian word (інтерв'ю, м'ясо) and its look-alikes.
_APOSTROPHES = "'\u2019\u02bc\u2018`"
_WORD = re.compile(f"[^\\W_]+(?:[{_APOSTROPHES}][^\\W_]+)*")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[a-z]")

_RUSSIAN = Stemmer.Stemmer("russian")
_ENGLISH = Stemmer.Stemmer("english")


def _longest_first(endings: str) -> tuple[str, ...]:
    return tuple(sorted(set(endings.split()), key=len, reverse=True))


# Noun and adjective endings of Russian and Ukrainian, one cut at most.
_SLAVIC_ENDINGS = _longest_first(
    # Russian nouns
    "а я о е ы и у ю ь й ой ей ою ею ом ем ам ям ах ях ами ями ов ев ью ия ие ий ию ии "
    "иям иях иями ией ье ьи ьев ьям ьях ьями "
    # Russian adjectives
    "ый ий ой ая яя ое ее ые ие ого его ому ему ым им ых их ыми ими ую юю "
    # Ukrainian
    "і ї є ів їв ові еві єві ою ею єю ій ії ія ію ією іям іях іями ого ього ому ьому "
    "им ім их іх ими іми ої ую ий ям ями"
)
# Kazakh case, possessive and plural suffixes (with their vowel-harmony and assimilation
# variants), cut from the end one at a time.
_KAZAKH_SUFFIXES = _longest_first(
    # genitive, dative, accusative, locative, ablative, instrumental
    "ның нің дың дің тың тің ға ге қа ке на не ны ні ды ді ты ті да де та те нда нде "
    "дан ден тан тен нан нен мен бен пен менен бенен пенен "
    # the relative -ғы after the locative (Астанадағы)
    "дағы дегі тағы тегі ндағы ндегі "
    # possessive
    "ым ім м ың ің ң ыңыз іңіз ңыз ңіз сы сі ы і мыз міз ымыз іміз "
    # plural
    "лар лер дар дер тар тер"
)
# Ukrainian consonants that alternate before -і in the dative and locative.
_UKRAINIAN_SOFTENED = {"ц": "к", "з": "г", "с": "х"}
_VOWELS = frozenset("аеиоуыэюяіїєёәөұүі")


def words(text: str) -> list[str]:
    """The words of ``text`` as stems are made from them: lower case, ё as е, without the
    apostrophe inside a Ukrainian word, without accents on Latin letters."""
    low = text.lower().replace("ё", "е")
    if not low.isascii():
        low = unicodedata.normalize("NFC", low)
    return [_unquoted(w) for w in _WORD.findall(low)]


@lru_cache(maxsize=131072)
def _unquoted(word: str) -> str:
    for mark in _APOSTROPHES:
        word = word.replace(mark, "")
    if not word.isascii() and not _CYRILLIC.search(word):
        decomposed = unicodedata.normalize("NFD", word)
        word = "".join(c for c in decomposed if not unicodedata.combining(c))
    return word


def languages_of(text: str) -> frozenset[str]:
    """The languages a text's letters show beyond Russian and English: "kk", "uk"."""
    kazakh = _KAZAKH_LETTER.search(text) is not None
    ukrainian = _UKRAINIAN_LETTER.search(text) is not None
    if not kazakh and not ukrainian:
        return _BOTH if _SHARED_LETTER.search(text) else _NEITHER  # і is a letter of both
    return frozenset(("kk",) * kazakh + ("uk",) * ukrainian)


_KAZAKH_LETTER = re.compile("[әғқңөұүһӘҒҚҢӨҰҮҺ]")
_UKRAINIAN_LETTER = re.compile("[їєґЇЄҐ]")
_SHARED_LETTER = re.compile("[іІ]")
_BOTH = frozenset(("kk", "uk"))
_NEITHER: frozenset[str] = frozenset()


@lru_cache(maxsize=131072)
def stems(word: str, hint: frozenset[str] = frozenset()) -> frozenset[str]:
    """Every stem ``word`` (one of ``words()``) may have, in a text whose other words show
    the languages ``hint``; a query word is given both ("kk", "uk")."""
    if len(word) <= MIN_STEM or not word.isalpha():
        return frozenset((word,))
    if not _CYRILLIC.search(word):
        if not _LATIN.search(word):
            return frozenset((word,))
        return frozenset((word, _ENGLISH.stemWord(word)))
    letters = set(word)
    found = {word}
    kazakh = bool(letters & KAZAKH_LETTERS)
    ukrainian = bool(letters & UKRAINIAN_LETTERS)
    if kazakh or ("і" in letters and not ukrainian) or "kk" in hint:
        found.add(kazakh_stem(word))
    if not kazakh:
        found |= ukrainian_stems(word) if ukrainian or "і" in letters else set()
        if not ukrainian and "і" not in letters:
            found.add(_RUSSIAN.stemWord(word))
            found |= slavic_stems(word)
            if "uk" in hint:
                found |= ukrainian_stems(word)
    return frozenset(s for s in found if s)


def query_stems(word: str) -> frozenset[str]:
    """The stems a word a reader typed may have: it may be of any of our languages."""
    return stems(word, QUERY_HINT)


QUERY_HINT = _BOTH


def text_stems(text: str) -> list[frozenset[str]]:
    """The stems of each word of ``text``, in order."""
    hint = languages_of(text)
    return [stems(w, hint) for w in words(text)]


def index_terms(texts: Iterable[str]) -> list[str]:
    """Every stem of every word of ``texts``, each once, sorted: what the search index
    holds for an item (order and counts do not matter to it)."""
    found: set[str] = set()
    for text in texts:
        if text:
            hint = languages_of(text)
            for word in words(text):
                found |= stems(word, hint)
    return sorted(found)


def slavic_stems(word: str) -> set[str]:
    """The word less each Russian or Ukrainian noun or adjective ending it may end in: which
    one it has is not known without a dictionary (Китая is Китай's, not an adjective's -ая)."""
    return {
        word[: -len(ending)]
        for ending in _SLAVIC_ENDINGS
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM
    }


def ukrainian_stems(word: str) -> set[str]:
    """The light stem, and its spellings before the alternations of the last syllable:
    Київ and Києва, Америці and Америка share a stem."""
    found = slavic_stems(word) | {word}
    for stem in list(found):
        if word.endswith("і") and stem != word and stem[-1:] in _UKRAINIAN_SOFTENED:
            found.add(stem[:-1] + _UKRAINIAN_SOFTENED[stem[-1]])
        # і (ї) in a closed last syllable is о or е (є) when an ending opens it.
        tail = len(stem)
        while tail > 0 and stem[tail - 1] not in _VOWELS:
            tail -= 1
        if 1 < tail < len(stem) and len(stem) - tail <= 2:
            vowel = stem[tail - 1]
            head, rest = stem[: tail - 1], stem[tail:]
            if vowel == "і":
                found |= {head + "о" + rest, head + "е" + rest}
            elif vowel == "ї":
                found.add(head + "є" + rest)
    return found


def kazakh_stem(word: str) -> str:
    """The word less its Kazakh suffixes, cut one at a time from the end, longest first,
    never below three letters (Тоқаевпен, Тоқаевтың: тоқаев; Президенттерімен: президент)."""
    for _ in range(6):
        for suffix in _KAZAKH_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
                word = word[: -len(suffix)]
                break
        else:
            return word
    return word
