"""What keeps a found word from counting: case, context, overlap and namesakes.

The form index finds every place an alias could be; these rules decide which of those
places are the leader. An ambiguous alias (Xi, Си, Costa) needs a title before it, the
full name elsewhere in the text, or a confirmed name beside it; a short one (Xi, Си)
also counts the way headlines use it, opening a sentence with a verb, a colon or a
possessive (Xi says, Си заявил, Xi: ..., Xi's visit). A listed namesake (Mehriban
Aliyeva) claims its words so they never count as the leader, and so does any given name
right before a surname that is not one of the leader's own (Siim Kallas, Diego Costa).
Where two candidates overlap, the longer one is what the text says. A form that reads
as an ordinary word from its neighbours (Путина-2026, "Путина в разгаре": the fishing
season) is not a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from analysis.forms import declines, fold, word_forms
from analysis.normalise import WORD

if TYPE_CHECKING:
    from analysis.index import Found

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

# Capitalised words that stand before a surname without being a given name: titles in
# the languages the sources write (as word beginnings, like TITLE_STEMS), German and
# other compounds ending in a title (Kremlchef, Bundeskanzler), and the closed class of
# words a Title Case headline capitalises (With, And, Of).
_NOT_GIVEN = (
    *TITLE_STEMS,
    *("general", "representative", "commissioner", "vice", "madam", "mrs", "ms", "dr"),
    *("king", "queen", "prince", "sheikh", "emir", "sultan", "pope", "speaker", "envoy"),
    *("prasident", "prezident", "prezydent", "kanzler", "kanclerz", "kansler", "szef"),
    *("przewodnicz", "baskan", "cumhurbaskan", "reis", "ministr", "premyer", "rahbar"),
    *("sekreter", "basbakan", "bakan", "genel", "katib", "kotib", "vazir", "nazir"),
    *("herr", "frau", "monsieur", "madame", "senor", "signor", "sayin", "janob", "cenab"),
    *("sir", "lord", "dame", "генерал", "глав", "спикер", "посол", "король", "министр"),
    *("міністр", "мистер", "господар", "пані"),
)
_TITLE_ENDS = (
    *("chef", "chefin", "prasident", "prasidentin", "kanzler", "kanzlerin", "minister"),
    *("ministerin", "sekretar", "sekretarin", "kollege", "kollegin", "beauftragte"),
    *("vorsitzende", "vorsitzender"),
)
_FUNCTION_WORDS = frozenset(
    (
        *("the", "a", "an", "of", "in", "on", "at", "for", "with", "and", "or", "but", "to"),
        *("by", "from", "as", "after", "before", "when", "why", "how", "what", "who", "while"),
        *("if", "than", "over", "against", "about", "into", "via", "says", "said", "not"),
        *("your", "our", "his", "her", "their", "its", "this", "that", "these", "those"),
        *("where", "will", "can", "does", "did", "is", "was", "has", "had", "no", "new"),
        *("more", "all", "every", "only", "just", "now", "then", "here", "there", "why"),
        *("meanwhile", "earlier", "later", "also", "still", "today", "yesterday", "instead"),
        *("however", "so", "yet", "once", "since", "until", "unless", "although", "though"),
        *("because", "whether", "like", "even", "both", "either", "neither", "under"),
        *("between", "among", "without", "despite", "during", "through", "behind", "amid"),
        *("toward", "towards", "upon", "versus", "tonight", "monday", "tuesday"),
        *("wednesday", "thursday", "friday", "saturday", "sunday", "january", "february"),
        *("march", "april", "may", "june", "july", "august", "september", "october"),
        *("november", "december", "exclusive", "breaking", "watch", "live", "update"),
    )
)
_POSSESSIVES = frozenset(("my", "your", "his", "its", "our", "their"))
# A word a headline puts after a short name as its verb: English -s/-ed or an auxiliary;
# Russian and Ukrainian past, present and future endings (заявил, прибыл, посетит,
# заявив). Closed lists of endings and auxiliaries, not of verbs.
_ENGLISH_AUXILIARIES = frozenset(
    (
        *("to", "will", "would", "is", "was", "has", "had", "can", "could", "may", "must"),
        *("should", "said", "met", "held", "told", "made", "sent", "won", "took", "gave"),
        *("set", "hit", "put", "cut", "meet", "say", "wants", "says"),
    )
)
_SLAVIC_VERB_ENDS = (
    *("л", "ла", "ло", "ли", "лся", "лась", "лись", "ет", "ёт", "ит", "ут", "ют", "ят"),
    *("ат", "тся", "ив", "ів", "ув", "ав", "ов", "ює", "ить", "іть"),
)
# Words that tell English running text from German, where "Trumps Rede" is a genitive:
# English has no -s genitive without an apostrophe, so there "Trumps" is a verb or a
# plural ("Love Trumps Hate"). Function words only, each of one language alone.
_ENGLISH_ONLY = frozenset(
    ("the", "to", "of", "and", "at", "for", "on", "with", "as", "by", "from", "is", "are")
)
_GERMAN_ONLY = frozenset(
    ("der", "die", "das", "und", "für", "aus", "mit", "von", "zu", "ist", "ein", "eine", "dem")
)
# What a person's surname names when a capitalised one of these follows it: a building, a
# street, an event or a company called after someone (Trump Tower, Putin Street, Poutine
# Week, the Erdogan Stadium), not the person. Latin script: the other alphabets say it
# with a case ending or "имени", which the given-name rule reads.
_NAMED_AFTER = frozenset(
    (
        *("tower", "towers", "hotel", "street", "avenue", "square", "stadium", "airport"),
        *("foundation", "center", "centre", "university", "museum", "library", "prize"),
        *("week", "festival", "fest", "bridge", "park", "boulevard", "organization", "plaza"),
    )
)
# An article right before a surname makes it a common noun in the Romance languages ("la
# poutine", "une poutine"): a person is named there without one ("le président Poutine"
# puts it before the title, "de Poutine" is "of"). English "the" is not one of them: "the
# Trump administration" is about the man.
_ARTICLES = frozenset(("la", "le", "les", "une", "un", "una", "el", "il", "lo", "uma", "um"))
_SENTENCE_BREAKS = frozenset('.!?:;"«»“”„(—–|\n')
_AFTER = re.compile(r"[ \t\u00a0]{1,3}(\w+)")
_COLON = re.compile(r"[ \t\u00a0]{0,2}:")
_HYPHEN_NUMBER = re.compile(r"[-\u2010\u2011]\d")
# Letters that sound alike across the Latin spellings of one given name: Wołodymyr and
# Volodymyr, Kasim-Yomart and Kassym-Jomart, Mijaíl and Mikhail, Keyr and Keir.
_SOUND_ALIKE = (("kh", "h"), ("ch", "h"), ("sh", "s"), ("zh", "j"), ("x", "h"), ("w", "v"))
_SOUND_LETTERS = str.maketrans("yjqїіыйєэёґўқғңәөұүһ", "iikиииiееегвкгнаоуух", "'-ьъ")


class GivenNames:
    """The names a leader may be called by right before the surname, in every script:
    the words of the leader's multi-word aliases, their inflected forms and the listed
    patronymics. Latin spellings also match loosely (one edit in three letters, after
    sound-alike letters are merged), since every language respells given names."""

    __slots__ = ("_forms", "_scripts", "_sounds")

    def __init__(self, names: Iterable[str]) -> None:
        forms: set[str] = set()
        sounds: set[str] = set()
        for name in names:
            for word in WORD.findall(name):
                forms.update(word_forms(word))
                sounds.add(_sound(fold(word)))
        self._forms = frozenset(forms)
        self._sounds = tuple(sorted(sounds))
        self._scripts = frozenset(_script(sound[0]) for sound in self._sounds if sound)

    def own(self, word: str) -> bool:
        """Whether ``word`` (folded) is exactly one of these names, in any of its forms."""
        return word in self._forms

    def allow(self, word: str) -> bool:
        """Whether ``word`` (folded) can be one of these names, or this leader has none
        in its alphabet to compare with (then nothing is known against it)."""
        if word in self._forms or _script(word[0]) not in self._scripts:
            return True
        sound = _sound(word)
        return any(
            _near(sound, known) and not _other_gender(sound, known) for known in self._sounds
        )


def _script(char: str) -> str:
    """The alphabet of a letter, coarsely: enough to compare a given name with a leader's."""
    code = ord(char)
    if code < 0x250 or 0x1E00 <= code < 0x1F00:
        return "latin"
    if 0x400 <= code < 0x530:
        return "cyrillic"
    if 0x530 <= code < 0x590:
        return "armenian"
    if 0x10A0 <= code < 0x1100:
        return "georgian"
    return "other"


def _sound(word: str) -> str:
    for pair, one in _SOUND_ALIKE:
        word = word.replace(pair, one)
    word = word.translate(_SOUND_LETTERS)
    return "".join(c for i, c in enumerate(word) if i == 0 or c != word[i - 1])


def _other_gender(a: str, b: str) -> bool:
    """Giorgio and Giorgia, Mario and Maria: one ending of a and o is the other name of
    a pair, not another spelling of the same one."""
    return len(a) == len(b) > 3 and a[:-1] == b[:-1] and {a[-1], b[-1]} == {"a", "o"}


@lru_cache(maxsize=65536)
def _near(a: str, b: str) -> bool:
    """At most one edit per three letters between ``a`` and ``b`` (Levenshtein)."""
    limit = max(1, min(len(a), len(b)) // 3)
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def is_short(alias: str) -> bool:
    """One word of at most three letters (Xi, Си, Li): too common alone to trust."""
    words = alias.split()
    return len(words) == 1 and len(words[0]) <= 3


def title_case(written: str) -> bool:
    """An ambiguous alias counts only as written in the alias: Xi, not XI (a numeral)."""
    return written[:1].isupper() and written[1:] == written[1:].lower()


def has_title_before(low: str, start: int) -> bool:
    """Whether one of the two words before ``start`` is a title, a country or the like."""
    before = WORD.findall(low[max(0, start - 40) : start])[-2:]
    return any(word.startswith(TITLE_STEMS) for word in before)


def resolve(
    found: list[Found],
    low: str,
    clean: str,
    given: Mapping[str, GivenNames] | None = None,
    known: frozenset[str] = frozenset(),
) -> list[Found]:
    """Longest candidate wins where candidates overlap; a namesake wins a tie.

    Then namesakes are dropped (they only existed to claim their words), so is a surname
    with somebody else's given name before it (``given``: each owner's own names;
    ``known``: words of any watched name, which are no stranger's given name) and a
    form that reads as an ordinary word. An ambiguous alias with no title before it
    stays only if the same owner is also named unambiguously somewhere in the text
    ("Xi Jinping arrived… Xi said"), it stands in a pair with another confirmed name
    ("Путин и Си", "Trump and Xi"), or it is a short name used the way headlines use it.
    """
    found.sort(key=lambda f: (f.start, -(f.end - f.start), not f.spelling.namesake))
    kept: list[Found] = []
    reach = -1
    for candidate in found:
        if candidate.start >= reach:
            kept.append(candidate)
            reach = candidate.end
    kept = [
        f
        for f in kept
        if not f.spelling.namesake
        and not _ordinary_word(f, low, clean)
        and not (given and _after_another_given_name(f, low, clean, given, known))
    ]
    if given:
        kept = [_confirmed_by_own_name(f, low, given) for f in kept]
    named = {f.spelling.owner for f in kept if f.confirmed}
    return [
        f
        for index, f in enumerate(kept)
        if f.confirmed
        or f.spelling.owner in named
        or _paired(kept, index, low)
        or (f.spelling.short and _headline_use(f, low, clean))
    ]


def _confirmed_by_own_name(f: Found, low: str, given: Mapping[str, GivenNames]) -> Found:
    """An ambiguous surname right after one of the leader's own given names or
    patronymics is the leader (Сердар Гурбангулыевич Бердымухамедов)."""
    if f.confirmed:
        return f
    names = given.get(f.spelling.owner)
    before = _word_before(low, f.start)
    if names is None or before is None or not names.own(low[before[0] : before[1]]):
        return f
    return replace(f, confirmed=True)


def _word_before(low: str, at: int) -> tuple[int, int] | None:
    """Where the word is that ends one to three spaces before ``at``, if one does."""
    end = at
    while end > 0 and at - end < 3 and low[end - 1] in " \t\u00a0":
        end -= 1
    if end == at or end == 0 or not _is_word(low[end - 1]):
        return None
    start = end - 1
    while start > 0 and _is_word(low[start - 1]):
        start -= 1
    return start, end


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _starts_sentence(low: str, at: int) -> bool:
    """Whether only spaces and a sentence break (or nothing) stand before ``at``."""
    index = at - 1
    while index >= 0 and low[index] in " \t\u00a0":
        index -= 1
    if index < 0:
        return True
    if low[index] != ".":
        return low[index] in _SENTENCE_BREAKS
    initial = (
        index >= 1 and low[index - 1].isalpha() and (index < 2 or not low[index - 2].isalpha())
    )
    return index < at - 1 and not initial  # "В.В.Путина", "В. В. Путина": initials


def _headline_use(f: Found, low: str, clean: str) -> bool:
    """Xi's visit, Xi: …, or a sentence opening "Xi says" / "Си заявил" / "Сі прибув"."""
    if low.endswith("'s", f.start, f.end) or _COLON.match(low, f.end):
        return True
    if not _starts_sentence(low, f.start):
        return False
    after = _AFTER.match(low, f.end)
    if after is None:
        return False
    word = after.group(1)
    written = clean[after.start(1) : after.end(1)]
    if low[f.start].isascii():
        if written != word and not (written[:1].isupper() and written[1:].islower()):
            return False
        return word in _ENGLISH_AUXILIARIES or (
            len(word) > 3 and (word.endswith("ed") or _english_third_person(word))
        )
    return written == word and word.endswith(_SLAVIC_VERB_ENDS)


def _english_third_person(word: str) -> bool:
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))


def _english_common_noun(f: Found, low: str, clean: str) -> bool:
    """Your Trump Card (a possessive before a name makes it a noun), and an -s form with
    no apostrophe in an English headline, where it is a plural or a verb, not the German
    genitive it is generated for: TRUMPS in capitals, Trumps Of Hearts."""
    before = _word_before(low, f.start)
    if before is not None and low[before[0] : before[1]] in _POSSESSIVES:
        return True
    alias = fold(f.spelling.alias)
    if low[f.start : f.end] != alias + "s" or alias.endswith("s"):
        return False
    after = _AFTER.match(low, f.end)
    if after is None:
        return False
    next_word = clean[after.start(1) : after.end(1)]
    if clean[f.start : f.end].isupper() and next_word.isupper() and len(next_word) > 1:
        return True
    if _reads_english(low):
        return True
    return after.group(1) in _FUNCTION_WORDS and next_word[:1].isupper()


def _names_a_place(f: Found, low: str, clean: str) -> bool:
    """Trump Tower, Putin Street, Poutine Week: the surname names what is called after
    the person."""
    after = _AFTER.match(low, f.end)
    if after is None or after.group(1) not in _NAMED_AFTER:
        return False
    return clean[after.start(1)].isupper()


def _after_an_article(f: Found, low: str) -> bool:
    """La Poutine Week, une poutine: a Romance article makes the word a common noun."""
    before = _word_before(low, f.start)
    return before is not None and low[before[0] : before[1]] in _ARTICLES


def _inflected_in_english(f: Found, low: str) -> bool:
    """Maria Aliyeva in English text: English declines no surname, so a form other than
    the name itself (and its possessive) is a woman's surname or another language's
    word, not the leader."""
    form = low[f.start : f.end]
    alias = fold(f.spelling.alias)
    if form == alias or not form.startswith(alias) or not form.endswith("a"):
        return False
    return _reads_english(low)


def _reads_english(low: str) -> bool:
    words = set(WORD.findall(low))
    return bool(words & _ENGLISH_ONLY) and not words & _GERMAN_ONLY


def _ordinary_word(f: Found, low: str, clean: str) -> bool:
    """Путина-2026 (a season with its year); the -а form of a masculine surname opening
    a sentence that goes on with a preposition or a feminine past verb ("Путина в
    разгаре", "Путина началась"), or after a title in the nominative and before such a
    verb ("вице-президент Алиева посетила"): a feminine noun or a woman, not the leader.
    """
    if _HYPHEN_NUMBER.match(low, f.end):
        return True
    if len(f.spelling.words) != 1:
        return False
    if low[f.start].isascii():
        return (
            _english_common_noun(f, low, clean)
            or _names_a_place(f, low, clean)
            or _after_an_article(f, low)
            or _inflected_in_english(f, low)
        )
    if not low.endswith("а", f.start, f.end):
        return False
    if fold(f.spelling.alias).endswith("а"):
        return False
    after = _AFTER.match(low, f.end)
    if after is None:
        return False
    word = after.group(1)
    if _starts_sentence(low, f.start):
        return len(word) <= 2 or word.endswith(("ла", "лась"))
    before = _word_before(low, f.start)
    # "вице-президент Алиева посетила": a title in the nominative, so a woman is meant
    if before is None or not word.endswith("ла"):
        return False
    return low[before[0] : before[1]] in TITLE_STEMS


def _capitals_tell(word: str, form: str, f: Found) -> bool:
    """Whether a capitalised first word of a sentence can be read as a given name: only
    before a surname in its nominative (not "Wizyta Alijewa", "Визит Эрдогана"), and in
    Cyrillic only of a name that declines, so that the nominative shows (not "Заявление
    Кобахидзе"); in Latin text the function words that open sentences are known."""
    alias = fold(f.spelling.alias.split()[-1])
    if form != alias:
        return False
    script = _script(word[0])
    return script == "latin" or (script == "cyrillic" and declines(alias))


def _after_another_given_name(
    f: Found, low: str, clean: str, given: Mapping[str, GivenNames], known: frozenset[str]
) -> bool:
    """Whether the capitalised word right before this one-word surname is a given name
    that is not the leader's (Siim Kallas, Рамиль Алиев, Diego Costa).

    Not a given name: a title or a compound ending in one (President, Bundeskanzler),
    the country after a title ("президент Казахстана Токаев"), a word of any watched
    name, a headline's function word or verb (Talks With Putin, Zelensky Thanks Trump),
    and, in Cyrillic and other alphabets, the first word of a sentence, where its
    capital says nothing ("Встреча Путина"), unless the surname stands in the
    nominative of a name that declines (Виктор Лукашенко, not "Визит Эрдогана").
    """
    names = given.get(f.spelling.owner)
    if names is None or len(f.spelling.words) != 1 or f.spelling.substring:
        return False
    before = _word_before(low, f.start)
    if before is None:
        return False
    start, end = before
    word = low[start:end]
    written = clean[start:end]
    if len(word) < 3 or not written.isalpha() or not title_case(written):
        return False
    if _script(word[0]) != _script(low[f.start]):
        return False
    if word in known or word in _FUNCTION_WORDS or names.allow(word):
        return False
    if _starts_sentence(low, start) and not _capitals_tell(word, low[f.start : f.end], f):
        return False
    if word.startswith(_NOT_GIVEN) or word.endswith(_TITLE_ENDS):
        return False
    earlier = _word_before(low, start)
    if earlier is not None:
        if low[earlier[0] : earlier[1]].startswith(_NOT_GIVEN) and _may_be_genitive(word):
            return False  # президент Казахстана Токаев, Prime Minister of Armenia
        if word.isascii() and _english_third_person(word):
            return not clean[earlier[0]].isupper()  # Zelensky Thanks Trump
    return True


def _may_be_genitive(word: str) -> bool:
    """Whether a word after a title can be the country it is of (Казахстана, України,
    Armenia): in Cyrillic that genitive ends in a vowel, so "премьера Владимир Мишустин"
    names somebody's Vladimir, not a country."""
    return _script(word[0]) != "cyrillic" or word.endswith(tuple("аяиыіїуюе"))


def _paired(kept: list[Found], index: int, low: str) -> bool:
    this = kept[index]
    before = kept[index - 1] if index > 0 else None
    if before is not None and before.confirmed and _PAIR.fullmatch(low, before.end, this.start):
        return True
    if index + 1 < len(kept) and kept[index + 1].confirmed:
        return _PAIR.fullmatch(low, this.end, kept[index + 1].start) is not None
    return False
