"""The inflected forms of a name, generated from the way it is written in the nominative.

Official sources rarely leave a name in the nominative: Путиным, Путіна, Тоқаевпен,
Əliyevlə, Փաշինյանի, კობახიძესთან. Listing those by hand would go stale the day an
admin adds an alias, so the matcher derives them here from rule tables: Russian,
Ukrainian and Belarusian declension classes chosen by the word's ending, and the case
suffixes of Kazakh, Kyrgyz, Uzbek, Tajik, Azerbaijani, Turkish, Turkmen, Hungarian,
Armenian and Georgian with their vowel and consonant harmony.

Rules rather than pymorphy3, because pymorphy3 has no Kazakh or other Turkic language,
guesses foreign surnames into the wrong word (Токаев as the genitive plural of
"токай", Пашинян as the plural of "пашинянин", Кошта as "кошт"), reads Ukrainian
Лукашенко as indeclinable, and brings in feminine forms (Зеленская), which name
somebody else. ``bench/bench_matching.py --pymorphy`` repeats that measurement.

The tables over-generate on purpose. A form is only ever compared with a whole word of
the text, and only where a capitalised name can stand, so a form no language uses (a
Ukrainian ending on a Russian spelling, both Kazakh harmony variants) costs nothing,
while a missing form loses a mention. What is never generated is a form that names
somebody else: feminine forms of surnames (Зеленская, Алиевой) and plurals.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CYRILLIC = re.compile("[\u0400-\u052f]")
_LATIN = re.compile("[a-z\u00df-\u024f\u0259]")
_ARMENIAN = re.compile("[\u0531-\u058f]")
_GEORGIAN = re.compile("[\u10a0-\u10ff]")
# Scripts written without spaces between words: a name there is found as a substring.
UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_CYRILLIC_VOWELS = frozenset("аәеёиоөуұүыіэюяєїӣӯ")
_RUSSIAN_ONLY = re.compile("[а-яё]+")
_LATIN_VOWELS = "aıoueəiöüyáéíóőúűâàèêîôûäã"

# Russian, Ukrainian and Belarusian endings by declension class. Masculine only: the
# feminine forms of a surname name the leader's wife or daughter (Алиева, Зеленська are
# left to the namesake lists because Алиева is also the genitive of Алиев).
_ADJECTIVAL = ("ого", "его", "ому", "ему", "им", "ом", "ем", "ім")  # Зеленского, Зеленським
_BELARUSIAN_ADJECTIVAL = ("ага", "аму", "ім")  # Зяленскага, Зяленскаму
_POSSESSIVE = ("а", "у", "ым", "им", "ом", "е", "ові", "еві", "і")  # Путина, Путіним, Токаєві
_CONSONANT = ("а", "у", "ом", "ем", "е", "ові", "еві", "і", "ю", "я")  # Трампом, Мерцем, Трампові
_SOFT = ("я", "ю", "ем", "е", "і", "еві")  # Эммануэля, Емманюелем
_JOT = ("я", "ю", "ем", "е", "и", "ї", "єм")  # Ираклия, Іраклієм
_A_STEM = ("ы", "и", "е", "у", "ой", "ою", "і", "о")  # Кошты, Коштой, Кошті
_YA_STEM = ("и", "е", "ю", "ей", "ею", "і", "ї", "єю")  # Юлии, Юлією
_UKRAINIAN_KO = ("а", "у", "ові", "ом", "і")  # Лукашенка, Лукашенкові
_BELARUSIAN_KA = ("і", "у", "ам")  # Лукашэнкі, Лукашэнкам
_POSSESSIVE_ENDS = ("ов", "ев", "ёв", "єв", "ин", "ын", "ін", "їн")
_ADJECTIVAL_ENDS = ("ский", "цкий", "ський", "цький", "ской", "ший", "жий", "чий", "щий")

# Kazakh case suffixes (genitive, dative, accusative, locative, ablative, instrumental)
# by the sound the word ends in; each pair is back-vowel/front-vowel. Names borrowed
# from Russian keep Russian suffixes whose vowel does not decide the harmony (Тоқаевқа
# but Әлиевке, both in -ев), so both variants are generated and the text picks one.
_KAZAKH = {
    "vowel": ("ның", "нің", "ға", "ге", "ны", "ні", "да", "де", "дан", "ден", "мен"),
    "sonorant": ("дың", "дің", "ға", "ге", "ды", "ді", "да", "де", "дан", "ден", "мен"),
    "sibilant": ("дың", "дің", "ға", "ге", "ды", "ді", "да", "де", "дан", "ден", "бен"),
    "nasal": ("ның", "нің", "ға", "ге", "ды", "ді", "да", "де", "нан", "нен", "мен"),
    "voiceless": ("тың", "тің", "қа", "ке", "ты", "ті", "та", "те", "тан", "тен", "пен"),
}
# Kyrgyz has four harmony variants (а/е/о/ө, ы/и/у/ү) and treats в as voiced (Жапаровдун).
_KYRGYZ_VOICED = {
    "vowel": ("н", "г", "н", "д", "д"),
    "voiced": ("д", "г", "д", "д", "д"),
    "voiceless": ("т", "к", "т", "т", "т"),
}
_KYRGYZ_CASES = (("ын", "ин", "ун", "үн"), ("а", "е", "о", "ө"), ("ы", "и", "у", "ү"))
_KYRGYZ_PLACE = (("а", "е", "о", "ө"), ("ан", "ен", "он", "өн"))
_UZBEK_CYRILLIC = ("нинг", "ни", "да", "дан", "дек", "гача", "га")
_TAJIK = ("ро", "и")

_AZERBAIJANI_FOUR = {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "ə": "i", "i": "i"}
_AZERBAIJANI_FOUR |= {"ö": "ü", "ü": "ü"}
_UZBEK_LATIN = ("ning", "ni", "da", "dan", "dek", "gacha", "ga")
_TURKMEN = ("yň", "iň", "nyň", "niň", "a", "e", "y", "i", "ny", "ni", "da", "de", "dan", "den")
# Kazakh in the Latin alphabet (Toqaevtyń, Putinmen, Trampqa), both harmonies and all
# three consonant grades, folded: the 2018 ń/ǵ and the 2021 ñ/ğ become one spelling.
_KAZAKH_LATIN = (
    *("nyń", "niń", "dyń", "diń", "tyń", "tiń", "ǵa", "ge", "qa", "ke", "ny", "ni", "dy"),
    *("di", "ty", "ti", "da", "de", "ta", "te", "nan", "nen", "dan", "den", "tan", "ten"),
    *("men", "ben", "pen"),
)
# Polish endings by the way the word ends: -ski declines as an adjective (Zełenskiego),
# -a and -o as Łukaszenka (Łukaszenki, Łukaszence, Łukaszenką), consonants as Putin
# (Putina, Putinowi, Putinem, Putinie; after k and g: Jinpingiem).
_POLISH_ADJECTIVAL = ("iego", "iemu", "im")
_POLISH_A_STEM = ("y", "i", "ę", "ą", "ie", "ce", "dze")
_POLISH_CONSONANT = ("a", "owi", "em", "ie", "u")
_ARMENIAN_SUFFIXES = ("ի", "ը", "ն", "ին", "ից", "ով", "ում")
_VOICELESS_LATIN = frozenset("çfhkpsşt")


class _Table:
    """One transliteration from Cyrillic: letters, two-letter clusters, the ye/yo an е/ё
    becomes after a vowel, and what ц becomes before a consonant (Цзиньпин)."""

    def __init__(
        self, letters: str, pairs: dict[str, str], after_vowel: str, ts_before_consonant: str
    ) -> None:
        cyrillic = "абвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыьэюяәі"
        latin = letters.split()
        assert len(latin) == len(cyrillic), (len(latin), len(cyrillic))
        self.letters = {c: "" if t == "-" else t for c, t in zip(cyrillic, latin, strict=True)}
        self.pairs = pairs
        self.after_vowel = dict(zip("её", after_vowel.split(), strict=True))
        self.ts_before_consonant = ts_before_consonant


# Per letter of абвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыьэюяәі ("-": dropped).
_TRANSLITERATIONS = (
    _Table(  # Azerbaijani: Si Cinpin, Mixail Mişustin, Fridrix Merts, Corca Meloni
        "a b v q ğ d e yo j z i y k q l m n n o ö p r s t u u ü f x h ts ç ş ş - ı - e yu ya ə i",
        {"цз": "c", "дж": "c", "ий": "i", "ый": "ı"},
        "ye yo",
        "ts",
    ),
    _Table(  # Uzbek: Si Szinpin, Irakliy Kobaxidze, Antoniu Guterrish, Qasim-Jomart Toqayev
        "a b v g g d e yo j z i y k q l m n ng o o p r s t u u u f x h ts ch sh sh - i - e yu"
        " ya a i",
        {"цз": "sz"},
        "ye yo",
        "s",
    ),
    _Table(  # Kazakh, 2018 alphabet: Toqaev, Pýtin, Erdoǵan, Álıev
        "a b v g ǵ d e ıo j z ı ı k q l m n ń o ó p r s t ý u ú f h h ts ch sh sh - y - e ıý ıa"
        " á i",
        {},
        "e ıo",
        "ts",
    ),
    _Table(  # Kazakh, 2021 alphabet: Putin, Erdoğan, Äliev
        "a b v g ğ d e io j z i i k q l m n ñ o ö p r s t u ū ü f h h ts ç ş ş - y - e iu ia ä ı",
        {},
        "e io",
        "ts",
    ),
    _Table(  # Spanish: Kobajidze, Mijaíl, Berdimujamédov, Tokáyev
        "a b v g g d e io zh z i i k k l m n n o o p r s t u u u f j j ts ch sh sh - y - e iu ia"
        " a i",
        {"ий": "i"},
        "ye yo",
        "ts",
    ),
)


def _latin_bases() -> dict[int, str]:
    """Each lower-case Latin letter with a diacritic, mapped to its bare letter (ó to o,
    ń to n, ş to s), plus the letters Unicode does not decompose (ł, ø, đ, ı); and the
    apostrophe look-alikes (U+02BC, U+02BB, U+2018, U+2019) mapped to the apostrophe."""
    table: dict[int, str] = {}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if char != base and base.isascii() and base.isalpha() and char.lower() == char:
            table[code] = base
    table |= {ord(k): v for k, v in zip("łøđıħŧ", "lodiht", strict=True)}
    table |= {ord(k): "'" for k in "\u02bc\u02bb\u2018\u2019"}
    return table


_LATIN_BASE = _latin_bases()
_NEEDS_FOLDING = re.compile("[" + "".join(map(chr, sorted(_LATIN_BASE))) + "]")


def fold(text: str) -> str:
    """Lower case without Latin diacritics, keeping the length (Turkish İ would otherwise
    become two characters): the text and every alias are folded the same way, so Tokáyev
    meets Tokayev and Erdoğan meets Erdogan whichever side carries the accent."""
    low = text.replace("İ", "I").lower()
    if low.isascii() or not _NEEDS_FOLDING.search(low):
        return low
    return low.translate(_LATIN_BASE)


@lru_cache(maxsize=8192)
def word_forms(word: str) -> frozenset[str]:
    """Every form of one word of a name, folded, the word itself included.

    Words of one or two letters (Си, Xi, Li) and words with digits are taken as they are:
    an ending on them would make an everyday word. Cached (bounded, since chat keywords
    come through here too): every matcher rebuild asks again for the same aliases. The
    endings are chosen on the word as written (its ı, ö, ə decide the harmony) and only
    then folded, the way the text is.
    """
    w = word.replace("İ", "I").lower()
    forms = {w}
    if len(w) > 2 and w.isalpha():
        if _CYRILLIC.search(w):
            for spelling in {w, ukrainian_spelling(w)}:
                forms.add(spelling)
                forms.update(_slavic(spelling))
                forms.update(_turkic_cyrillic(spelling))
        elif _ARMENIAN.search(w):
            forms.update(w + s for s in _ARMENIAN_SUFFIXES)
        elif _GEORGIAN.search(w):
            forms.update(_georgian(w))
        elif _LATIN.search(w):
            forms.add(w + "s")  # German genitive: Putins, Selenskyjs
            forms.update(_turkic_latin(w))
            forms.update(_hungarian(w))
            forms.update(_polish(w))
    return frozenset(variant for form in forms for variant in spelling_variants(form))


@lru_cache(maxsize=8192)
def apostrophe_tails(word: str) -> frozenset[str]:
    """What may follow a name after an apostrophe: English 's, Turkish case suffixes.

    Turkish writes suffixes on proper names after an apostrophe (Erdoğan'ın, Putin'le),
    harmonised with the name's last vowel and hardened after a voiceless consonant.
    """
    w = word.replace("İ", "I").lower()
    tails = {"s"}
    vowel = _last_vowel(w, "aıoueəiöü")
    if vowel is None or not w.isalpha():
        return frozenset(tails)
    four = _AZERBAIJANI_FOUR[vowel]
    two = "a" if vowel in "aıou" else "e"
    d = "t" if w[-1] in _VOICELESS_LATIN else "d"
    if w[-1] in _LATIN_VOWELS:
        tails.update(("n" + four + "n", "y" + two, "y" + four, "n" + four, "yl" + two))
    else:
        tails.update((four + "n", two, four, "l" + two))
    tails.update((d + two, d + two + "n"))
    return frozenset(fold(tail) for tail in tails)


def spelling_variants(form: str) -> set[str]:
    """The same form as sources also print it, folded: ё as е, Armenian և as ե+ւ (both
    in current use), Latin without its diacritics."""
    variants = {fold(form)}
    if "ё" in form:
        variants.add(fold(form.replace("ё", "е")))
    if "\u0587" in form:
        variants.add(fold(form.replace("\u0587", "\u0565\u0582")))
    elif "\u0565\u0582" in form:
        variants.add(fold(form.replace("\u0565\u0582", "\u0587")))
    return variants


def latin_spellings(alias: str) -> frozenset[str]:
    """A name written in Cyrillic, as Azerbaijani, Uzbek, Kazakh (2018 and 2021 Latin
    alphabets) and Spanish print it: Си Цзиньпин as Si Cinpin and Si Szinpin, Фридрих
    Мерц as Fridrix Merts, Тоқаев as Toqaev and Toqayev, Кобахидзе as Kobajidze.

    Those sources transliterate from Russian (or Kazakh) by fixed rules rather than take
    the English spelling, so the rules are applied here to every Cyrillic alias; each
    result keeps the alias's capitals, and its forms are folded like any other alias's.
    """
    if not _CYRILLIC.search(alias) or _LATIN.search(alias.lower()):
        return frozenset()
    spellings = set()
    for table in _TRANSLITERATIONS:
        words = [_transliterate(w, table) for w in alias.split()]
        spellings.add(" ".join(words))
    return frozenset(spellings)


def _transliterate(word: str, table: _Table) -> str:
    low = word.lower()
    out = []
    index = 0
    while index < len(low):
        pair = low[index : index + 2]
        if pair in table.pairs:
            out.append(table.pairs[pair])
            index += 2
            continue
        char = low[index]
        after_vowel = index == 0 or low[index - 1] in _CYRILLIC_VOWELS or low[index - 1] in "ьъ-"
        if char in "её" and after_vowel and index > 0:
            out.append(table.after_vowel[char])
        elif char == "ц" and index + 1 < len(low) and low[index + 1] not in _CYRILLIC_VOWELS:
            out.append(table.ts_before_consonant)
        else:
            out.append(table.letters.get(char, char))
        index += 1
    latin = "".join(out)
    if word[:1].isupper():
        latin = latin[:1].upper() + latin[1:]
    return latin


def declines(word: str) -> bool:
    """Whether a Cyrillic name has case endings of its own in Russian, Ukrainian or
    Belarusian (Путин, Лукашэнка do; Кобахидзе, Мелони do not)."""
    w = fold(word)
    return bool(_CYRILLIC.search(w)) and bool(_slavic(w))


def ukrainian_spelling(w: str) -> str:
    """How Ukrainian respells a name written the Russian way: Путин as Путін, Токаев as
    Токаєв, Эрдоган as Ердоган, Бердымухамедов as Бердимухамедов, Мирзиёев as Мірзійоєв.

    So an alias given only in Russian still finds Путіна and Токаєвим; a word with any
    letter Russian lacks (Kazakh Тоқаев, Ukrainian Путін) is left as it is.
    """
    if not _RUSSIAN_ONLY.fullmatch(w):
        return w
    out = []
    for index, c in enumerate(w):
        after_vowel = index == 0 or w[index - 1] in _CYRILLIC_VOWELS or w[index - 1] in "ьъ"
        if c == "и" and not (w.endswith("ий") and index == len(w) - 2):
            out.append("і")
        elif c == "ы":
            out.append("и")
        elif c == "э":
            out.append("е")
        elif c == "е" and after_vowel:
            out.append("є")
        elif c == "ё":
            out.append("йо" if after_vowel else "ьо")
        else:
            out.append(c)
    return "".join(out)


def _slavic(w: str) -> set[str]:
    if w.endswith(_ADJECTIVAL_ENDS):
        return {w[:-2] + e for e in _ADJECTIVAL}
    if w.endswith(("скі", "цкі")):
        return {w[:-1] + e for e in _BELARUSIAN_ADJECTIVAL}
    if w.endswith(_POSSESSIVE_ENDS):
        return {w + e for e in _POSSESSIVE}
    last = w[-1]
    stem = w[:-1]
    if last == "ў":  # Belarusian Такаеў declines as Такаева
        return {stem + "в"} | {stem + "в" + e for e in _POSSESSIVE}
    if last == "й":
        return {stem + e for e in _JOT}
    if last == "ь":
        return {stem + e for e in _SOFT}
    if last == "а":
        forms = {stem + e for e in _A_STEM}
        if w.endswith("ка"):
            forms.update(stem + e for e in _BELARUSIAN_KA)
        return forms
    if last == "я":
        return {stem + e for e in _YA_STEM}
    if w.endswith("ко"):  # indeclinable in Russian, declined in Ukrainian
        return {stem + e for e in _UKRAINIAN_KO}
    if last in _CYRILLIC_VOWELS:
        return set()  # Кобахидзе, Кавелашвили, Мелони, Антониу: indeclinable
    return {w + e for e in _CONSONANT}


def _turkic_cyrillic(w: str) -> set[str]:
    sound = w.rstrip("ьъ")[-1:] or w[-1]
    if sound in _CYRILLIC_VOWELS:
        kazakh, kyrgyz = "vowel", "vowel"
    elif sound in "лрйуў":
        kazakh, kyrgyz = "sonorant", "voiced"
    elif sound in "зж":
        kazakh, kyrgyz = "sibilant", "voiced"
    elif sound in "мнң":
        kazakh, kyrgyz = "nasal", "voiced"
    else:
        kazakh = "voiceless"
        kyrgyz = "voiced" if sound in "бвгдғ" else "voiceless"
    forms = {w + s for s in _KAZAKH[kazakh]}
    gen, dat, acc, loc, abl = _KYRGYZ_VOICED[kyrgyz]
    for harmony in range(4):
        forms.add(w + gen + _KYRGYZ_CASES[0][harmony])
        forms.add(w + dat + _KYRGYZ_CASES[1][harmony])
        forms.add(w + acc + _KYRGYZ_CASES[2][harmony])
        forms.add(w + loc + _KYRGYZ_PLACE[0][harmony])
        forms.add(w + abl + _KYRGYZ_PLACE[1][harmony])
    forms.update(w + s for s in _UZBEK_CYRILLIC)
    if sound in "кқ":
        forms.add(w + ("қа" if sound == "қ" else "ка"))
    forms.update(w + s for s in _TAJIK)
    return forms


def _turkic_latin(w: str) -> set[str]:
    """Azerbaijani by its harmony rules, plus the Uzbek, Turkmen and Kazakh (Latin
    alphabet) case suffixes."""
    forms = {w + s for s in _UZBEK_LATIN}
    forms.update(w + s for s in _KAZAKH_LATIN)
    if w[-1] in "kq":
        forms.add(w + w[-1] + "a")
    forms.update(w + s for s in _TURKMEN)
    vowel = _last_vowel(w, "aıoueəiöü")
    if vowel is None:
        return forms
    four = _AZERBAIJANI_FOUR[vowel]
    two = "a" if vowel in "aıou" else "ə"
    if w[-1] in _LATIN_VOWELS:
        forms.update(w + s for s in ("n" + four + "n", "y" + two, "n" + four, "yl" + two))
    else:
        forms.update(w + s for s in (four + "n", two, four, "l" + two))
    forms.update(w + s for s in ("d" + two, "d" + two + "n"))
    return forms


def _hungarian(w: str) -> set[str]:
    """Orbánnal, Orbánt, Putyinnal: a back vowel anywhere makes the suffix back (i and e
    are neutral), and -val/-vel takes on the last consonant (Orbán-nal, Trump-pal)."""
    back = any(c in "aáoóuú" for c in w)
    a, o, e = ("a", "ó", "o") if back else ("e", "ő", "e")
    with_ = (w[-1] if w[-1] not in _LATIN_VOWELS else "v") + a + "l"
    endings = ["t", "ot" if back else "et", "n" + a + "k", with_, "h" + e + "z"]
    endings += ["t" + o + "l", "r" + o + "l", "b" + a + "n", "n" + ("á" if back else "é") + "l"]
    return {w + ending for ending in endings}


def _polish(w: str) -> set[str]:
    if w.endswith(("ski", "cki", "dzki")):
        return {w[:-1] + e for e in _POLISH_ADJECTIVAL}
    last = w[-1]
    if last in "ao":
        stem = w[:-2] if w.endswith(("ka", "ga", "ko", "go")) else w[:-1]
        forms = {w[:-1] + e for e in _POLISH_A_STEM[:5]}
        return forms | {stem + e for e in _POLISH_A_STEM[5:]}
    if last in _LATIN_VOWELS or last in "yj":
        return set()  # Meloni, Kobachidze, Zelenskyy: not declined
    forms = {w + e for e in _POLISH_CONSONANT}
    if last in "kg":
        forms.add(w + "iem")
    if last == "r":
        forms.add(w[:-1] + "rze")  # Starmerze
    return forms


def _georgian(w: str) -> set[str]:
    """კობახიძე: -ს, -მ, -სთან, gen. კობახიძის; ყაველაშვილი: ყაველაშვილის, -მა, -ს."""
    if w.endswith("ი"):
        stem = w[:-1]
        return {stem + s for s in ("ის", "მა", "ს", "თან", "ით", "ზე", "ისთვის")}
    if w.endswith("ე"):
        stem = w[:-1]
        forms = {w + s for s in ("მ", "ს", "სთან", "ზე", "ც")}
        return forms | {stem + s for s in ("ის", "ით", "ისთვის")}
    return {w + s for s in ("მ", "ს", "სთან", "ზე")}


def _last_vowel(w: str, vowels: str) -> str | None:
    for c in reversed(w):
        if c in vowels:
            return c
    return None
