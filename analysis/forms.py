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
_ARMENIAN_SUFFIXES = ("ի", "ը", "ն", "ին", "ից", "ով", "ում")
_VOICELESS_LATIN = frozenset("çfhkpsşt")


def fold(text: str) -> str:
    """Lower case, keeping the length: Turkish İ would otherwise become two characters."""
    return text.replace("İ", "I").lower()


@lru_cache(maxsize=8192)
def word_forms(word: str) -> frozenset[str]:
    """Every form of one word of a name, folded, the word itself included.

    Words of one or two letters (Си, Xi, Li) and words with digits are taken as they are:
    an ending on them would make an everyday word. Cached (bounded, since chat keywords
    come through here too): every matcher rebuild asks again for the same aliases.
    """
    w = fold(word)
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
    return frozenset(variant for form in forms for variant in spelling_variants(form))


@lru_cache(maxsize=8192)
def apostrophe_tails(word: str) -> frozenset[str]:
    """What may follow a name after an apostrophe: English 's, Turkish case suffixes.

    Turkish writes suffixes on proper names after an apostrophe (Erdoğan'ın, Putin'le),
    harmonised with the name's last vowel and hardened after a voiceless consonant.
    """
    w = fold(word)
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
    return frozenset(tails)


def spelling_variants(form: str) -> set[str]:
    """The same form as sources also print it: ё as е, Latin without its diacritics."""
    variants = {form}
    if "ё" in form:
        variants.add(form.replace("ё", "е"))
    if not form.isascii() and _LATIN.search(form) and not _CYRILLIC.search(form):
        bare = "".join(
            c for c in unicodedata.normalize("NFD", form) if not unicodedata.combining(c)
        )
        variants.add(unicodedata.normalize("NFC", bare.replace("ı", "i")))
    return variants


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
    """Azerbaijani by its harmony rules, plus the Uzbek and Turkmen case suffixes."""
    forms = {w + s for s in _UZBEK_LATIN}
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
