"""How fast leader matching is, against the naive way of doing the same work.

    python bench/bench_matching.py [--items 10000] [--seed 7] [--repeat 3] [--pymorphy]
                                   [--baseline DIR]

Generates ``--items`` press-release-shaped items (a title and a lead of one to three
sentences, 300-900 characters, in the mix of languages the catalogue serves: Russian,
English, Kazakh, Ukrainian and a few others), names in them inflected the way sources
write them, about a third naming nobody. Then it matches every item against the full
built-in watchlist twice in the same process: with ``Matcher`` and with a naive baseline
that runs one compiled regular expression per alias (each alternation already holding
that alias's generated forms, so both find the same names), and prints items/second for
each, the ratio, and whether the two agreed.

``--baseline DIR`` (a checkout of an earlier commit, e.g. from ``git archive``) times
that checkout's ``Matcher`` on the same items in the same process and prints the ratio,
so a change to the engine is judged against the code before it on the same machine,
at the same moment.

It prints precision and recall by language and by failure group on both evaluation sets
(``tests/eval/mentions.tsv`` and ``tests/eval/independent.tsv``), and also times the
adversarial 1 MB texts the unit tests only feed for correctness (one
endless word, a megabyte of "Си", NFD text, soft hyphens, random bytes), since a unit
test that times itself fails on a slow machine rather than on slow code.

``--pymorphy`` (needs ``pip install pymorphy3 pymorphy3-dicts-ru pymorphy3-dicts-uk``,
which Readout itself does not) repeats the measurement behind ``analysis/forms.py``: the
evaluation set matched with Russian and Ukrainian forms from pymorphy3 instead of the
rule tables.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import forms
from analysis.leaders import LEADERS, Leader
from analysis.matching import Matcher

EVAL = Path(__file__).resolve().parents[1] / "tests" / "eval" / "mentions.tsv"
INDEPENDENT = EVAL.with_name("independent.tsv")

# Title and lead shapes per language; {a} and {b} are names in the case the slot needs.
TITLES = {
    "ru": (
        ("Телефонный разговор с Президентом {a:ins}", 1),
        ("Встреча с Президентом {a:ins}", 1),
        ("{a:nom} провёл переговоры с {b:ins}", 2),
        ("Поздравление {a:dat} с днём рождения", 1),
        ("Указ о награждении государственными наградами", 0),
        ("Совещание с членами Правительства", 0),
        ("О визите {a:gen} в Москву", 1),
    ),
    "en": (
        ("Telephone conversation with President {a:nom}", 1),
        ("{a:nom} held talks with {b:nom}", 2),
        ("Meeting with Government members", 0),
        ("{a:nom}'s address to the nation", 1),
        ("Greetings to participants of the international forum", 0),
        ("Statement by the Press Secretary on the visit of {a:nom}", 1),
    ),
    "kk": (
        ("Мемлекет басшысы {a:ins} телефон арқылы сөйлесті", 1),
        ("{a:nom} {b:ins} кездесті", 2),
        ("Мемлекет басшысы {a:dat} құттықтау жеделхатын жолдады", 1),
        ("Үкімет отырысы өтті", 0),
    ),
    "uk": (
        ("{a:nom} провів телефонну розмову з {b:ins}", 2),
        ("Звернення {a:gen} з нагоди Дня Незалежності", 1),
        ("Указ про відзначення державними нагородами", 0),
        ("Зустріч Президента України з {a:ins}", 1),
    ),
    "az": (("İlham Əliyev {a:ins} telefonla danışıb", 1), ("Nazirlər Kabinetinin iclası", 0)),
    "tr": (("Cumhurbaşkanı Erdoğan, {a:nom} ile görüştü", 1), ("Kabine toplantısı yapıldı", 0)),
}
LEADS = {
    "ru": (
        "Стороны обсудили актуальные вопросы двустороннего сотрудничества в торговой, "
        "энергетической и транспортной сферах.",
        "Состоялся обмен мнениями по международной повестке, включая ситуацию в регионе.",
        "Договорились продолжить контакты на различных уровнях.",
        "Глава государства поручил подготовить предложения до конца месяца.",
        "Особое внимание уделено реализации крупных инвестиционных проектов.",
    ),
    "en": (
        "The sides discussed current matters of bilateral cooperation in trade, energy and "
        "transport.",
        "They exchanged views on the international agenda, including the situation in the region.",
        "The leaders agreed to maintain contacts at various levels.",
        "Particular attention was paid to large joint investment projects.",
        "The President instructed the Government to submit proposals by the end of the month.",
    ),
    "kk": (
        "Тараптар екіжақты ынтымақтастықтың өзекті мәселелерін талқылады.",
        "Сауда-экономикалық байланыстарды нығайту жолдары қарастырылды.",
        "Мемлекет басшысы Үкіметке бірқатар тапсырма берді.",
    ),
    "uk": (
        "Сторони обговорили питання двостороннього співробітництва в енергетиці.",
        "Окрему увагу приділили посиленню протиповітряної оборони.",
        "Домовилися продовжити контакти на різних рівнях.",
    ),
    "az": ("Tərəflər ikitərəfli əməkdaşlığın perspektivlərini müzakirə ediblər.",),
    "tr": ("Görüşmede ikili ilişkiler ve bölgesel gelişmeler ele alındı.",),
}
LANGUAGE_SHARE = (("ru", 35), ("en", 35), ("kk", 10), ("uk", 12), ("az", 4), ("tr", 4))

# Names by language and case, as the sources print them.
NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "ru": {
        "nom": (
            "Владимир Путин",
            "Касым-Жомарт Токаев",
            "Ильхам Алиев",
            "Никол Пашинян",
            "Шавкат Мирзиёев",
            "Александр Лукашенко",
            "Си Цзиньпин",
            "Дональд Трамп",
            "Реджеп Тайип Эрдоган",
            "Эмомали Рахмон",
            "Садыр Жапаров",
        ),
        "gen": (
            "Владимира Путина",
            "Касым-Жомарта Токаева",
            "Ильхама Алиева",
            "Никола Пашиняна",
            "Шавката Мирзиёева",
            "Си Цзиньпина",
            "Дональда Трампа",
            "Эммануэля Макрона",
            "Антониу Гутерриша",
        ),
        "dat": (
            "Владимиру Путину",
            "Касым-Жомарту Токаеву",
            "Ильхаму Алиеву",
            "Садыру Жапарову",
            "Эмомали Рахмону",
            "Сердару Бердымухамедову",
        ),
        "ins": (
            "Владимиром Путиным",
            "Касым-Жомартом Токаевым",
            "Ильхамом Алиевым",
            "Николом Пашиняном",
            "Шавкатом Мирзиёевым",
            "Си Цзиньпином",
            "Дональдом Трампом",
            "Реджепом Тайипом Эрдоганом",
            "Ираклием Кобахидзе",
            "Фридрихом Мерцем",
            "Джорджей Мелони",
        ),
    },
    "en": {
        "nom": (
            "Vladimir Putin",
            "Kassym-Jomart Tokayev",
            "Ilham Aliyev",
            "Nikol Pashinyan",
            "Shavkat Mirziyoyev",
            "Alexander Lukashenko",
            "Xi Jinping",
            "Donald Trump",
            "Recep Tayyip Erdoğan",
            "Emmanuel Macron",
            "Keir Starmer",
            "Friedrich Merz",
            "António Guterres",
            "Volodymyr Zelenskyy",
            "Giorgia Meloni",
            "Viktor Orbán",
        ),
    },
    "kk": {
        "nom": ("Қасым-Жомарт Тоқаев", "Владимир Путин", "Шавкат Мирзиёев", "Ильхам Әлиев"),
        "ins": (
            "Владимир Путинмен",
            "Шавкат Мирзиёевпен",
            "Ильхам Әлиевпен",
            "Садыр Жапаровпен",
            "Си Цзиньпинмен",
            "Дональд Трамппен",
            "Режеп Тайып Ердоғанмен",
            "Эммануэль Макронмен",
        ),
        "dat": ("Владимир Путинге", "Шавкат Мирзиёевке", "Ильхам Әлиевке", "Эмомали Рахмонға"),
    },
    "uk": {
        "nom": ("Володимир Зеленський", "Дональд Трамп", "Ільхам Алієв", "Емманюель Макрон"),
        "gen": ("Володимира Зеленського", "Путіна", "Лукашенка"),
        "ins": (
            "Ільхамом Алієвим",
            "Дональдом Трампом",
            "Кіром Стармером",
            "Антоніу Гутеррешем",
            "Касимом-Жомартом Токаєвим",
            "Ердоганом",
        ),
    },
    "az": {"ins": ("Vladimir Putinlə", "Qasım-Jomart Tokayevlə", "Rəcəb Tayyib Ərdoğanla")},
    "tr": {"nom": ("Vladimir Putin", "İlham Aliyev", "Tokayev", "Zelenskiy", "Şi Cinping")},
}
_SLOT = re.compile(r"\{([ab]):(\w+)\}")


def generate_items(count: int, seed: int) -> list[str]:
    """``count`` items of title plus lead, reproducible for a given ``seed``."""
    rng = random.Random(seed)
    languages = [lang for lang, share in LANGUAGE_SHARE for _ in range(share)]
    items = []
    for _ in range(count):
        lang = rng.choice(languages)
        title, _names = rng.choice(TITLES[lang])

        def name(slot: re.Match[str], lang: str = lang) -> str:
            by_case = NAMES[lang]
            return rng.choice(by_case.get(slot.group(2)) or by_case[next(iter(by_case))])

        title = _SLOT.sub(name, title)
        lead = " ".join(rng.choice(LEADS[lang]) for _ in range(rng.randint(3, 7)))
        items.append(f"{title}. {lead}")
    return items


class NaiveMatcher:
    """One regular expression per alias, tried one after another over every item."""

    def __init__(self, leaders: Iterable[Leader]) -> None:
        self.patterns: list[tuple[str, re.Pattern[str]]] = []
        for leader in leaders:
            for alias in leader.names:
                words = alias.split()
                parts = [
                    "(?:"
                    + "|".join(sorted(map(re.escape, forms.word_forms(w)), key=len)[::-1])
                    + ")"
                    for w in words
                ]
                pattern = r"[\s\-.]{1,3}".join(parts)
                self.patterns.append(
                    (leader.id, re.compile(rf"(?<!\w){pattern}(?!\w)", re.IGNORECASE))
                )

    def leaders_in(self, text: str) -> tuple[str, ...]:
        text = forms.fold(text)  # the forms are folded (no diacritics), so is the text
        found = {leader for leader, pattern in self.patterns if pattern.search(text)}
        return tuple(sorted(found))


def items_per_second(match: Callable[[str], object], items: list[str], repeat: int) -> float:
    """The best of ``repeat`` passes over ``items`` (best, not mean: noise only slows)."""
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            match(item)
        rates.append(len(items) / (time.perf_counter() - started))
    return max(rates)


def adversarial_texts() -> dict[str, str]:
    mb = 1_000_000
    return {
        "1 MB prose with names": "Putin met Tokayev in Astana and discussed trade. " * (mb // 49),
        "1 MB one word": "П" * mb,
        "1 MB of 'Си си СИ'": "Си си СИ Ли ли " * (mb // 15),
        "1 MB of inflected names": "Путиным Тоқаевпен Xi Jinping Си Цзиньпин " * (mb // 42),
        "1 MB NFD": unicodedata.normalize("NFD", "Путин и Зеленський, Erdoğan. " * (mb // 29)),
        "1 MB soft hyphens": "Пу\u00adтин Зе\u200bленський " * (mb // 20),
        "1 MB combining marks": "\u0301" * mb,
        "1 MB random bytes": os.urandom(mb).decode("utf-8", "replace"),
        "1 MB of Xi'": "Xi'" * (mb // 3),
        "1 MB CJK": "习近平普京会谈" * (mb // 7),
    }


def pymorphy_report() -> None:
    try:
        import pymorphy3  # type: ignore[import-not-found]
    except ImportError:
        print(
            "\n--pymorphy: pymorphy3 is not installed (pip install pymorphy3 "
            "pymorphy3-dicts-ru pymorphy3-dicts-uk)"
        )
        return
    analyzers = [pymorphy3.MorphAnalyzer(lang="ru"), pymorphy3.MorphAnalyzer(lang="uk")]
    rules = forms._slavic

    def lexemes(word: str) -> set[str]:
        """What pymorphy3 declines a word into: its best surname or name reading."""
        found = set()
        for analyzer in analyzers:
            parses = analyzer.parse(word)
            named = [p for p in parses if {"Surn", "Name"} & set(p.tag.grammemes)]
            for parse in (named or parses)[:1]:
                found.update(f.word for f in parse.lexeme)
        return found

    rows = _eval_rows()
    for label, slavic in (("rule tables", rules), ("pymorphy3 for ru/uk/be", lexemes)):
        forms._slavic = slavic  # Turkic and other suffixes stay the rule tables' in both
        forms.word_forms.cache_clear()
        started = time.perf_counter()
        matcher = Matcher(LEADERS)
        built = time.perf_counter() - started
        by_language = _score(matcher, rows)
        print(f"\n{label}: matcher built in {built * 1000:.0f} ms")
        for lang in ("ru", "uk", "be", "kk", "ALL"):
            tp, fp, fn = by_language[lang]
            print(f"  {lang:<4} precision {_ratio(tp, tp + fp)}  recall {_ratio(tp, tp + fn)}")
    forms._slavic = rules
    forms.word_forms.cache_clear()


def _eval_rows(path: Path = EVAL) -> list[tuple[str, set[str], str, str]]:
    """(language, leaders, text, group) rows; the team's set has no group column."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("lang\t"):
            continue
        fields = line.split("\t")
        lang, group, leaders, text = (
            fields if len(fields) == 4 else (fields[0], "team", *fields[1:])
        )
        rows.append((lang, set() if leaders == "-" else set(leaders.split(",")), text, group))
    return rows


def _score(matcher: Matcher, rows: list[tuple[str, set[str], str, str]]) -> dict[str, list[int]]:
    scores: dict[str, list[int]] = {"ALL": [0, 0, 0]}
    for lang, expected, text, group in rows:
        got = set(matcher.leaders_in(text))
        for key in (lang, f"[{group}]", "ALL"):
            score = scores.setdefault(key, [0, 0, 0])
            score[0] += len(got & expected)
            score[1] += len(got - expected)
            score[2] += len(expected - got)
    return scores


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "  n/a"


def evaluation_report(matcher: Matcher) -> None:
    """Precision and recall per language and per group, on each evaluation set, then on
    both together (the figure the matching goal is judged on)."""
    both = [0, 0, 0]
    sentences = 0
    for path in (EVAL, INDEPENDENT):
        rows = _eval_rows(path)
        scores = _score(matcher, rows)
        print(f"\n{path.name}: {len(rows)} sentences")
        print(f"  {'':<11}{'precision':>10}{'recall':>8}{'tp':>6}{'fp':>5}{'fn':>5}")
        for key in sorted(scores, key=lambda k: (k == "ALL", k.startswith("["), k)):
            tp, fp, fn = scores[key]
            print(
                f"  {key:<11}{_ratio(tp, tp + fp):>10}{_ratio(tp, tp + fn):>8}{tp:>6}{fp:>5}{fn:>5}"
            )
        sentences += len(rows)
        both = [a + b for a, b in zip(both, scores["ALL"], strict=True)]
    tp, fp, fn = both
    print(
        f"\nboth sets: {sentences} sentences, precision {tp / max(tp + fp, 1):.4f} "
        f"recall {tp / max(tp + fn, 1):.4f} (tp {tp}, fp {fp}, fn {fn})"
    )


def baseline_matcher(directory: Path) -> Callable[[str], object]:
    """``leaders_in`` of the ``Matcher`` in another checkout, imported under its own names."""
    import importlib

    saved = {n: m for n, m in sys.modules.items() if n.split(".")[0] == "analysis"}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(directory.resolve()))
    try:
        leaders = importlib.import_module("analysis.leaders")
        matching = importlib.import_module("analysis.matching")
        matcher = matching.Matcher(leaders.LEADERS)
    finally:
        sys.path.pop(0)
        for name in [n for n in sys.modules if n.split(".")[0] == "analysis"]:
            del sys.modules[name]
        sys.modules.update(saved)
    leaders_in: Callable[[str], object] = matcher.leaders_in
    return leaders_in


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pymorphy", action="store_true")
    parser.add_argument(
        "--no-adversarial", action="store_true", help="skip the 1 MB inputs (quick runs)"
    )
    parser.add_argument("--baseline", type=Path, help="an earlier checkout to time against")
    args = parser.parse_args()

    items = generate_items(args.items, args.seed)
    chars = statistics.mean(len(item) for item in items)
    started = time.perf_counter()
    matcher = Matcher(LEADERS)
    built = time.perf_counter() - started
    naive = NaiveMatcher(LEADERS)
    aliases = sum(len(leader.names) for leader in LEADERS)
    print(
        f"{len(items)} items, {chars:.0f} characters on average; {len(LEADERS)} leaders, "
        f"{aliases} aliases; matcher built in {built * 1000:.0f} ms"
    )
    fast = items_per_second(matcher.leaders_in, items, args.repeat)
    slow = items_per_second(naive.leaders_in, items, args.repeat)
    mentioned = sum(1 for item in items if matcher.leaders_in(item))
    disagree = sum(
        1 for item in items if tuple(sorted(matcher.leaders_in(item))) != naive.leaders_in(item)
    )
    print(f"Matcher:   {fast:>10,.0f} items/s  ({fast * chars / 1e6:.1f} MB/s of text)")
    print(f"naive:     {slow:>10,.0f} items/s  (one regex per alias, {len(naive.patterns)})")
    print(f"ratio:     {fast / slow:>10.1f}x")
    print(f"items naming a leader: {mentioned}; items where the two disagree: {disagree}")
    if args.baseline is not None:
        # Turn about, one pass each, so that the load of a shared machine falls on both.
        baseline = baseline_matcher(args.baseline)
        now, before = 0.0, 0.0
        for _ in range(args.repeat):
            now = max(now, items_per_second(matcher.leaders_in, items, 1))
            before = max(before, items_per_second(baseline, items, 1))
        print(f"baseline:  {before:>10,.0f} items/s  ({args.baseline}, taking turns with")
        print(f"           {now:>10,.0f} items/s of this Matcher)")
        print(f"Matcher against baseline: {now / before:.2f}x")

    evaluation_report(matcher)

    if args.no_adversarial:
        return
    print("\nadversarial inputs (one pass each):")
    for label, text in adversarial_texts().items():
        started = time.perf_counter()
        found = matcher.matches(text)
        print(f"  {label:<26} {time.perf_counter() - started:6.3f} s  {len(found)} matches")

    if args.pymorphy:
        pymorphy_report()


if __name__ == "__main__":
    main()
