"""Leader and keyword matching: the evaluation set, inflection, guards, bad input."""

from __future__ import annotations

import os
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

from analysis import forms, guards, index, normalise, tags
from analysis.forms import word_forms
from analysis.leaders import CAVEATS, LEADERS, Leader
from analysis.matching import KeywordMatch, KeywordMatcher, Match, Matcher
from readout.config import build_config

EVAL = Path(__file__).parent / "eval" / "mentions.tsv"
# Written for issue 13 by someone outside the matcher, before the engine changes that
# answer it; a fourth column names the failure group each row probes.
INDEPENDENT = Path(__file__).parent / "eval" / "independent.tsv"
# The languages the issue names, plus every built-in leader's own.
REQUIRED_LANGUAGES = {"en", "ru", "kk", "uk", "be", "az", "tr", "uz", "ky", "tg", "tk", "hy"}
REQUIRED_LANGUAGES |= {"ka", "zh", "de", "fr", "it", "pt", "et", "hu"}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(LEADERS)


def eval_rows(path: Path = EVAL) -> list[tuple[str, frozenset[str], str]]:
    return [(lang, leaders, text) for lang, _, leaders, text in grouped_rows(path)]


def grouped_rows(path: Path) -> list[tuple[str, str, frozenset[str], str]]:
    """Rows as (language, group, leaders, text); the team's set is one group, "team"."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("lang\t"):
            continue
        fields = line.split("\t")
        lang, group, leaders, text = (
            fields if len(fields) == 4 else (fields[0], "team", *fields[1:])
        )
        expected = frozenset() if leaders == "-" else frozenset(leaders.split(","))
        rows.append((lang, group, expected, text))
    return rows


def _score(matcher: Matcher, path: Path) -> tuple[float, float]:
    """Precision and recall over (sentence, leader) pairs, by language and by group;
    ``pytest -s`` prints the table and every disagreement."""
    rows = grouped_rows(path)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    misses = []
    for lang, group, expected, text in rows:
        found = set(matcher.leaders_in(text))
        for key in (lang, f"[{group}]", "all"):
            row = counts[key]
            row[0] += 1
            row[1] += len(found & expected)
            row[2] += len(found - expected)
            row[3] += len(expected - found)
        if found != expected:
            misses.append(
                f"  {group} {lang} expected {sorted(expected)} got {sorted(found)}: {text}"
            )

    def ratio(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    print(f"\nleader matching on {len(rows)} sentences ({path.name})")
    print(f"{'lang':<11}{'sentences':>10}{'precision':>11}{'recall':>8}{'tp':>6}{'fp':>4}{'fn':>4}")
    for key in sorted(counts, key=lambda k: (k == "all", k.startswith("["), k)):
        n, tp, fp, fn = counts[key]
        print(
            f"{key:<11}{n:>10}{ratio(tp, tp + fp):>11.3f}{ratio(tp, tp + fn):>8.3f}"
            f"{tp:>6}{fp:>4}{fn:>4}"
        )
    if misses:
        print("disagreements:\n" + "\n".join(misses))
    _, tp, fp, fn = counts["all"]
    return ratio(tp, tp + fp), ratio(tp, tp + fn)


def test_evaluation_set_precision_and_recall(matcher: Matcher) -> None:
    """The team's set, written beside the matcher: it must not regress."""
    precision, recall = _score(matcher, EVAL)
    assert precision >= 0.995
    assert recall >= 0.995


def test_independent_evaluation_set_precision_and_recall(matcher: Matcher) -> None:
    """The set written for issue 13 before the code: the floors are what the engine
    reaches (before the changes: precision 0.884, recall 0.687), not the issue's goal
    of 0.995 and 0.99, which is judged on both sets together (bench/run.py)."""
    precision, recall = _score(matcher, INDEPENDENT)
    assert precision >= 0.97
    assert recall >= 0.985


def test_both_sets_together_meet_the_matching_goal(matcher: Matcher) -> None:
    """Issue 13's goal, on the team's set grown past 900 sentences with the independent
    one: precision 0.995 and recall 0.99 over every (sentence, leader) pair."""
    tp = fp = fn = 0
    for path in (EVAL, INDEPENDENT):
        for _, _, expected, text in grouped_rows(path):
            found = set(matcher.leaders_in(text))
            tp, fp, fn = (
                tp + len(found & expected),
                fp + len(found - expected),
                fn + len(expected - found),
            )
    assert tp / (tp + fp) >= 0.995
    assert tp / (tp + fn) >= 0.99


def test_independent_set_is_fresh_and_covers_every_group() -> None:
    rows = grouped_rows(INDEPENDENT)
    team = {text for _, _, text in eval_rows()}
    assert len(rows) >= 300 and len(rows) + len(team) >= 900
    assert not team & {text for *_, text in rows}
    assert {g for _, g, _, _ in rows} == {
        *("short", "accents", "script", "polish", "namesake", "casing", "plain"),
    }
    assert len({lang for lang, _, _, _ in rows}) >= 18
    assert sum(1 for _, _, expected, _ in rows if not expected) >= 100
    named = {leader for _, _, expected, _ in rows for leader in expected}
    assert named <= {leader.id for leader in LEADERS}


def test_evaluation_set_covers_every_leader_and_language() -> None:
    rows = eval_rows()
    assert len(rows) >= 300
    named = {leader for _, expected, _ in rows for leader in expected}
    assert {leader.id for leader in LEADERS} <= named
    assert named <= {leader.id for leader in LEADERS}
    assert {lang for lang, _, _ in rows} >= REQUIRED_LANGUAGES
    negatives = sum(1 for _, expected, _ in rows if not expected)
    assert negatives >= 80


def test_watchlist_is_at_least_thirty_leaders_with_unique_ids() -> None:
    ids = [leader.id for leader in LEADERS]
    assert len(ids) >= 30 and len(set(ids)) == len(ids)
    assert set(CAVEATS) <= set(ids)
    for leader in LEADERS:
        assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", leader.id)
        assert any(re.search("[а-яёіїєәқңғүұөһ]", a, re.I) for a in leader.names), leader.id


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("Встреча с Путиным", "Путиным"),
        ("Заява Путіна", "Путіна"),
        ("Путинмен телефон арқылы сөйлесті", "Путинмен"),
        ("Tokayev's visit", "Tokayev's"),
        ("Тоқаевпен кездесті", "Тоқаевпен"),
        ("Тоқаевтың жолдауы", "Тоқаевтың"),
        ("Токаєвим", "Токаєвим"),
        ("Tokayev'le görüştü", "Tokayev'le"),
        ("Tokayevlə görüşüb", "Tokayevlə"),
    ],
)
def test_a_configured_leader_is_found_inflected(text: str, form: str) -> None:
    """Only nominative aliases are configured; the forms are derived, whatever the alias."""
    leaders = (Leader("p", "P", ("Путин",)), Leader("t", "T", ("Tokayev", "Тоқаев", "Токаєв")))
    (match,) = Matcher(leaders, caveats={}).matches(text)
    assert match.form == form


def test_aliases_from_config_are_inflected_too() -> None:
    config = build_config(
        {
            "leaders": [
                {"id": "tokayev", "aliases": ["Тоқаевқа"]},
                {"id": "nauseda", "name": "Gitanas Nausėda", "aliases": ["Науседа"]},
            ]
        },
        {},
        "test",
    )
    matcher = Matcher(config.leaders)
    assert matcher.leaders_in("Встреча с Гитанасом Науседой и Шавкатом Мирзиёевым") == (
        "nauseda",
        "mirziyoyev",
    )
    assert matcher.leaders_in("Nausėdos kalba") == ()  # Lithuanian endings are not known
    assert matcher.leaders_in("Gitanas Nausėda spoke") == ("nauseda",)


def test_an_alias_added_later_is_matched_once_the_matcher_is_rebuilt() -> None:
    leader = Leader("merz", "Friedrich Merz", ("Merz",))
    assert Matcher([leader]).leaders_in("Переговоры с Мерцем") == ()
    extended = Leader(leader.id, leader.name, (*leader.aliases, "Мерц"))
    assert Matcher([extended]).leaders_in("Переговоры с Мерцем") == ("merz",)


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("Путин", {"путина", "путину", "путиным", "путине", "путинмен", "путиннің", "путинге"}),
        ("Токаев", {"токаева", "токаеву", "токаевым", "токаеве", "токаевпен", "токаевтың"}),
        ("Зеленский", {"зеленского", "зеленскому", "зеленским", "зеленском"}),
        ("Зеленський", {"зеленського", "зеленському", "зеленським", "зеленськім"}),
        ("Зяленскі", {"зяленскага", "зяленскаму", "зяленскім"}),
        ("Лукашенко", {"лукашенко", "лукашенка", "лукашенкові", "лукашенком", "лукашенкомен"}),
        ("Лукашэнка", {"лукашэнкі", "лукашэнку", "лукашэнкам"}),
        ("Пашинян", {"пашиняна", "пашиняну", "пашиняном", "пашиняне", "пашинянмен"}),
        ("Кобахидзе", {"кобахидзе", "кобахидземен", "кобахидзенің"}),
        ("Трамп", {"трампа", "трампом", "трампові", "трамппен", "трамптың", "трампқа"}),
        ("Эрдоган", {"эрдогана", "эрдоганом", "эрдогану"}),
        ("Мерц", {"мерца", "мерцем", "мерцпен"}),
        ("Кошта", {"кошты", "коште", "кошту", "коштой", "кошті", "коштою"}),
        ("Юлия", {"юлии", "юлию", "юлией"}),
        ("Такаеў", {"такаева", "такаеву", "такаевым"}),
        ("Жапаров", {"жапаровдун", "жапаровго", "жапаровду"}),
        ("Мирзиёев", {"мирзиёевнинг", "мирзиёевга", "мирзиеевым", "мирзиёевке"}),
        ("Əliyev", {"əliyevin", "əliyevə", "əliyevi", "əliyevdə", "əliyevdən", "əliyevlə"}),
        ("Putin", {"putinin", "putinə", "putinlə", "putinning", "putinga", "putins"}),
        ("Orbán", {"orbannal", "orbant", "orbannak"}),  # folded, like the text
        ("Berdimuhamedow", {"berdimuhamedowyn", "berdimuhamedowa"}),
        ("Փաշինյան", {"փաշինյանի", "փաշինյանը", "փաշինյանին", "փաշինյանով"}),
        ("კობახიძე", {"კობახიძემ", "კობახიძის", "კობახიძეს", "კობახიძესთან"}),
        ("ყაველაშვილი", {"ყაველაშვილმა", "ყაველაშვილის", "ყაველაშვილს"}),
    ],
)
def test_forms_are_generated_from_the_nominative(word: str, forms: set[str]) -> None:
    assert forms <= word_forms(word)


@pytest.mark.parametrize(
    ("word", "not_a_form"),
    [
        ("Зеленский", "зеленская"),  # Olena Zelenska
        ("Зеленський", "зеленська"),
        ("Алиев", "алиевой"),  # Mehriban Aliyeva's oblique cases
        ("Путин", "путинцев"),
        ("Трамп", "трамплин"),
        ("Xi", "xian"),
        ("Си", "сиа"),
    ],
)
def test_forms_that_name_somebody_else_are_not_generated(word: str, not_a_form: str) -> None:
    assert not_a_form not in word_forms(word)


@pytest.mark.parametrize(
    "text",
    [
        "Лыжники тренировались на трамплине, новый трамплин открыт.",
        "Футболист Путинцев забил гол.",
        "В Курилах началась путина.",
        "The new terminal opened in Zelenograd and in Зеленоград.",
        "The Xi'an museum and officials from Xinjiang; Xiamen port.",
        "The XI Forum of Regions; Louis XI; Pius XI.",
        "The Xi River flows through Guangdong.",
        "Mehriban Aliyeva and Heydar Aliyev International Airport.",
        "Мехрибан Алиева посетила аэропорт имени Гейдара Алиева.",
        "Мехрибан Әлиева және Гейдар Әлиев.",
        "Melania Trump, Donald Trump Jr. and Дональд Трамп-младший.",
        "The minister played his trump card.",
        "The president of Costa Rica and Коста-Рика.",
        "Aram Khachaturian's ballet; балет Арама Хачатуряна.",
        "Akylbek Japarov and Акылбек Жапаров.",
        "Gurbanguly Berdimuhamedov; Гурбангулы Бердымухамедов.",
        "Программа написана на языке Си. Единицы СИ.",
        "Олена Зеленська і Елена Зеленская відкрили виставку.",
        "Мерцание экрана и макронутриенты.",
        "Тоқаевка ауылында мектеп ашылды.",
        "Pere jalutas mere kallas.",
    ],
)
def test_distractors_are_not_leaders(matcher: Matcher, text: str) -> None:
    assert matcher.matches(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("President Xi said", ("xi",)),
        ("China's Xi warned", ("xi",)),
        ("Председатель КНР Си прибыл", ("xi",)),
        ("Голова КНР Сі прибув", ("xi",)),
        ("Xi said", ("xi",)),  # a headline's short name with its verb
        ("Си прибыл", ("xi",)),
        ("The talks ended and Xi said nothing", ()),
        ("Министры и Си прибыли", ()),
        ("Putin and Xi met", ("putin", "xi")),
        ("Путин и Си обсудили", ("putin", "xi")),
        ("Xi Jinping spoke. Later Xi said", ("xi",)),
        ("PRESIDENT XI SAID", ()),
        ("President Costa", ("costa",)),
        ("Costa said", ()),
        ("Президент Армении Хачатурян", ("khachaturyan",)),
        ("Хачатурян", ()),
    ],
)
def test_ambiguous_aliases_need_context(matcher: Matcher, text: str, expected: tuple) -> None:
    assert matcher.leaders_in(text) == expected


def test_a_match_explains_itself(matcher: Matcher) -> None:
    text = "Встреча с Президентом Казахстана Касым-Жомартом Токаевым и Путиным"
    assert matcher.matches(text) == [
        Match("tokayev", "Касым-Жомарт Токаев", "Касым-Жомартом Токаевым", 33, 56),
        Match("putin", "Путин", "Путиным", 59, 66),
    ]
    for match in matcher.matches(text):
        assert text[match.start : match.end] == match.form


def test_leaders_are_listed_once_in_order_of_first_mention(matcher: Matcher) -> None:
    text = "Trump called Putin. Putin thanked Trump and Tokayev."
    assert matcher.leaders_in(text) == ("trump", "putin", "tokayev")


@pytest.mark.parametrize(
    "text",
    [
        "Kassym-Jomart Tokayev",
        "Kassym Jomart Tokayev",
        "Касым-Жомартом Токаевым",
        "Pashinyan-Aliyev talks",
        "anti-Putin protests",
        "Erdoğan’s office",
        "d'Erdogan",
    ],
)
def test_hyphens_and_apostrophes_are_word_boundaries(matcher: Matcher, text: str) -> None:
    assert matcher.leaders_in(text)


@pytest.mark.parametrize(
    ("text", "leaders"),
    [
        ("", ()),
        (" \n\t ", ()),
        ("\x00\x01\x02Путин\x03", ("putin",)),
        ("Пу\u00adтин", ("putin",)),  # soft hyphen
        ("Зе\u200bлен\u200dський", ("zelenskyy",)),  # zero-width space and joiner
        ("\ufeffТоқаев\u2060пен", ("tokayev",)),
        (
            unicodedata.normalize("NFD", "Мирзиёев, Erdoğan, Əliyev"),
            ("mirziyoyev", "erdogan", "aliyev"),
        ),
        (unicodedata.normalize("NFD", "İlham Əliyev"), ("aliyev",)),
        ("Пу́тин", ("putin",)),  # a stress mark
        ("Путiн", ("putin",)),  # Latin i in a Cyrillic word
        ("Тrump", ("trump",)),  # Cyrillic Т in a Latin word
        ("ПУТИН И ТОКАЕВ", ("putin", "tokayev")),
        ("習近平习近平", ("xi",)),
    ],
)
def test_bad_input_does_not_break_matching(matcher: Matcher, text: str, leaders: tuple) -> None:
    assert matcher.leaders_in(text) == leaders


def test_positions_index_the_callers_text_after_cleaning(matcher: Matcher) -> None:
    text = "\u200bВстреча: Пу\u00adтин, " + unicodedata.normalize("NFD", "Мирзиёев") + " и Тоқаев"
    spans = [(m.leader, text[m.start : m.end], m.form) for m in matcher.matches(text)]
    assert spans == [
        ("putin", "Пу\u00adтин", "Путин"),
        ("mirziyoyev", unicodedata.normalize("NFD", "Мирзиёев"), "Мирзиёев"),
        ("tokayev", "Тоқаев", "Тоқаев"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Putin met Tokayev in Astana. " * 35_000,
        "П" * 1_000_000,
        "Си си СИ Xi'an Xi' " * 55_000,
        unicodedata.normalize("NFD", "Путин и Зеленський, Erdoğan. ") * 34_000,
        "Пу\u00adтин\u200b " * 125_000,
        "\u0301\u00ad" * 500_000,
        os.urandom(1_000_000).decode("utf-8", "replace"),
        os.urandom(1_000_000).decode("latin-1"),
    ],
    ids=["prose", "one-word", "short-aliases", "nfd", "soft-hyphens", "marks", "utf8", "latin1"],
)
def test_a_megabyte_of_anything_is_matched(matcher: Matcher, text: str) -> None:
    """Correctness only; ``bench/bench_matching.py`` times these same inputs."""
    found = matcher.matches(text)
    assert all(0 <= m.start < m.end <= len(text) for m in found)
    assert len(found) <= len(text) // 2


@pytest.mark.parametrize(
    "module", [normalise, index, guards, forms, tags], ids=lambda m: m.__name__
)
def test_no_pattern_can_backtrack_catastrophically(module: object) -> None:
    """Every regular expression matching and tagging use is flat: no repeated group holds
    another repetition, so none can take more than linear time whatever the text."""
    nested = re.compile(r"\((?:[^()]|\([^()]*\))*[*+}]\)?[^()]*\)[*+{]")
    assert all(nested.search(p) for p in ("(a+)+", r"(?:\w+\s)*", "(?:a|b+){2,}"))
    patterns = [v for v in vars(module).values() if isinstance(v, re.Pattern)]
    assert patterns
    for pattern in patterns:
        assert not nested.search(pattern.pattern), pattern.pattern


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Xi says China will open wider", ("xi",)),
        ("Xi: no force can stop China", ("xi",)),
        ("Analysts weighed Xi's speech", ("xi",)),
        ("Си заявил о готовности к диалогу", ("xi",)),
        ("Сі прибув до Астани", ("xi",)),
        ("Xi'an hosts the summit", ()),
        ("Xi River floods", ()),
        ("Louis XI said little", ()),
        ("Соната си минор", ()),
        ("Си-бемоль мажор прозвучал", ()),
    ],
)
def test_short_names_count_as_headlines_use_them(
    matcher: Matcher, text: str, expected: tuple
) -> None:
    assert matcher.leaders_in(text) == expected


@pytest.mark.parametrize(
    ("text", "leader"),
    [
        ("Tokáyev recibió al ministro", "tokayev"),
        ("Nikol Pashinián viajó a Bruselas", "pashinyan"),
        ("Emomali Rahmón se reunió con inversores", "rahmon"),
        ("ERDOĞAN SPOKE", "erdogan"),
        ("Orban bloqueó el paquete", "orban"),
    ],
)
def test_diacritics_are_folded_on_both_sides(matcher: Matcher, text: str, leader: str) -> None:
    assert matcher.leaders_in(text) == (leader,)


@pytest.mark.parametrize(
    ("text", "leader"),
    [
        ("Ալիեւը հայտարարել է", "aliyev"),  # ե + ւ
        ("Ալիևը հայտարարել է", "aliyev"),  # the ligature
        ("Erdoʻgʻan Toshkentga keldi", "erdogan"),  # U+02BB
        ("Erdo\u2018g\u2018anni kutib oldi", "erdogan"),  # U+2018
        ("Tokayev\u02bcs plan", "tokayev"),  # modifier letter apostrophe after the word
        ("Erdoğan\u02bcın açıklaması", "erdogan"),
        ("Toqaevtyń Joldaýy", "tokayev"),  # Kazakh, 2018 Latin alphabet
        ("Toqaev Pýtinmen sóılesti", "tokayev"),
        ("Trampqa alǵys aıtty", "trump"),
        ("Si Cinpin Bakıya gəlib", "xi"),  # Azerbaijani, respelt from Си Цзиньпин
        ("Si Szinpin O\u2018zbekistonga keladi", "xi"),  # Uzbek
        ("Fridrix Merts uchrashdi", "merz"),
        ("Irakli Kobajidze rechazó las críticas", "kobakhidze"),  # Spanish
    ],
)
def test_script_and_spelling_variants_are_normalised(
    matcher: Matcher, text: str, leader: str
) -> None:
    assert leader in matcher.leaders_in(text)


@pytest.mark.parametrize(
    ("word", "wanted"),
    [
        ("Putin", {"putina", "putinowi", "putinem", "putinie"}),
        ("Zełenski", {"zelenskiego", "zelenskiemu", "zelenskim"}),
        ("Łukaszenka", {"lukaszenki", "lukaszence", "lukaszenke", "lukaszenka"}),
        ("Tokajew", {"tokajewa", "tokajewem", "tokajewowi", "tokajewie"}),
        ("Jinping", {"jinpinga", "jinpingiem", "jinpingowi"}),
        ("Starmer", {"starmera", "starmerowi", "starmerze"}),
        ("Kaja", {"kaja", "kaje", "kajy"}),
    ],
)
def test_polish_case_endings_are_generated(word: str, wanted: set[str]) -> None:
    assert wanted <= word_forms(word)


def test_polish_spellings_of_the_watched_names(matcher: Matcher) -> None:
    text = "Łukaszenka, Paszynian, Mirzijojew, Dżaparow, Kobachidze i Miszustin"
    assert set(matcher.leaders_in(text)) == {
        *("lukashenko", "pashinyan", "mirziyoyev", "japarov", "kobakhidze", "mishustin"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "Midfielder Ramil Aliyev signed for Neftchi.",
        "Футболист Рамиль Алиев перешёл в «Нефтчи».",
        "Kazakh boxer Daniyar Tokayev won silver.",
        "The forward Diego Costa scored.",
        "Charlotte Merz ist Richterin.",
        "Виктор Лукашенко возглавил комитет.",
        "Córka prezydenta, Iwanka Trump, przyleciała.",
    ],
)
def test_a_different_given_name_before_the_surname_is_somebody_else(
    matcher: Matcher, text: str
) -> None:
    assert matcher.leaders_in(text) == ()


@pytest.mark.parametrize(
    ("text", "leader"),
    [
        ("Владимир Владимирович Путин провёл совещание", "putin"),
        ("Касым-Жомарт Кемелевич Токаев подписал указ", "tokayev"),
        ("Сердар Гурбангулыевич Бердымухамедов подписал постановление", "berdimuhamedov"),
        ("Prezydent Wołodymyr Zełenski spotkał się", "zelenskyy"),
        ("Kasim-Yomart Tokáyev anunció", "tokayev"),
        ("Ilhom Aliyev Toshkentga keldi", "aliyev"),
        ("Serdar Berdimuhamedow Wladimir Putin bilen gürleşdi", "putin"),
        ("Rusya Başbakanı Mişustin Ankara'da", "mishustin"),
        ("Bundeskanzler Merz reist nach Astana", "merz"),
        ("Президент Казахстана Токаев прибыл", "tokayev"),
        ("Zelensky Thanks Trump For Support", "trump"),
        ("Встреча Путина с губернаторами", "putin"),
        ("Wizyta Alijewa w Warszawie", "aliyev"),
        ("On Monday Putin said the talks would go on", "putin"),
        ("премьер-министр Армении Пашинян прибыл", "pashinyan"),
        ("Herr Merz sagte", "merz"),
        ("Tayyip Erdogan met the delegation", "erdogan"),
    ],
)
def test_the_leaders_own_names_titles_and_headlines_before_the_surname_are_allowed(
    matcher: Matcher, text: str, leader: str
) -> None:
    assert leader in matcher.leaders_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "Путина-2026 стартует на Камчатке",
        "ПУТИНА В ПРИМОРЬЕ: ЛОСОСЬ ИДЁТ НА НЕРЕСТ",
        "Путина началась: сейнеры вышли в море",
        "Первый вице-президент Алиева посетила выставку",
        "HOPE TRUMPS FEAR AT THE BALLOT BOX",
        "Hearts Trumps And Spades: A Beginner's Guide",
        "Keep Your Trump Card For The Last Round",
    ],
)
def test_a_form_that_reads_as_an_ordinary_word_is_not_a_name(matcher: Matcher, text: str) -> None:
    assert matcher.leaders_in(text) == ()


@pytest.mark.parametrize(
    "text",
    [
        *("Путина поздравили с днём рождения", "Администрация Трампа объявила"),
        *("О В.В.Путине", "Putins Rede wurde übertragen", "TRUMP'S TARIFFS HIT STEEL"),
    ],
)
def test_oblique_forms_at_a_sentence_start_still_name_the_leader(
    matcher: Matcher, text: str
) -> None:
    assert matcher.leaders_in(text)


def test_keywords_are_case_insensitive_and_whole_words() -> None:
    keywords = KeywordMatcher(["Sanctions", "peace talks", "U.S.", "C++", "COP29"])
    text = "SANCTIONS lifted; peace-talks resume; the U.S. team; C++ and cop29; sanctionsless"
    assert keywords.matches(text) == [
        KeywordMatch("Sanctions", "SANCTIONS", 0, 9),
        KeywordMatch("peace talks", "peace-talks", 18, 29),
        KeywordMatch("U.S.", "U.S.", 42, 46),
        KeywordMatch("C++", "C++", 53, 56),
        KeywordMatch("COP29", "cop29", 61, 66),
    ]


def test_keywords_do_not_shadow_each_other() -> None:
    keywords = KeywordMatcher(["peace", "peace talks", "Peace"])
    assert keywords.keywords == ("peace", "peace talks", "Peace")
    assert keywords.keywords_in("Peace talks began") == ("peace talks", "peace", "Peace")


@pytest.mark.parametrize(
    ("keyword", "text", "plain", "inflected"),
    [
        ("санкция", "новые санкцией", False, True),
        ("Астана", "саммит в Астане", False, True),
        ("Астана", "Астанада өтті", False, True),
        ("газ", "Газпром", False, False),
        ("Kazakhstan", "Kazakhstan's", True, True),
        ("Путин", "путиным", False, True),
    ],
)
def test_keyword_inflection_is_optional(
    keyword: str, text: str, plain: bool, inflected: bool
) -> None:
    assert bool(KeywordMatcher([keyword]).matches(text)) is plain
    assert bool(KeywordMatcher([keyword], inflect=True).matches(text)) is inflected


def test_keywords_in_unspaced_scripts_and_of_punctuation_are_substrings() -> None:
    keywords = KeywordMatcher(["一带一路", "++"])
    assert keywords.keywords_in("推进一带一路建设 i++") == ("一带一路", "++")


def test_no_keywords_match_nothing() -> None:
    assert KeywordMatcher([]).matches("anything") == []
    assert KeywordMatcher(["  "]).keywords == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trump Tower in Baku was never completed", set()),
        ("A Putin Street was renamed after the dispute", set()),
        ("The Erdogan Stadium will host the final", set()),
        ("Trump towers over his rivals in the polls", {"trump"}),
        ("Putin met Erdogan in Sochi", {"putin", "erdogan"}),
    ],
)
def test_a_surname_before_a_building_street_or_event_names_the_place(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert set(matcher.leaders_in(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La Poutine Week revient à Montréal", set()),
        ("Une poutine géante a été servie", set()),
        ("Le président Poutine a reçu son homologue", {"putin"}),
        ("La visite de Poutine à Astana", {"putin"}),
    ],
)
def test_a_romance_article_right_before_a_surname_makes_it_a_common_noun(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert set(matcher.leaders_in(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Love Trumps Hate rally draws thousands to the square", set()),
        ("Trumps Rede in Davos sorgte für Kritik", {"trump"}),
        ("Trump's speech in Davos drew criticism", {"trump"}),
    ],
)
def test_an_s_without_apostrophe_is_a_genitive_in_german_text_only(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert set(matcher.leaders_in(text)) == expected


def test_a_given_name_of_the_other_gender_is_someone_else(matcher: Matcher) -> None:
    assert list(matcher.leaders_in("Giorgio Meloni, un omonimo, gestisce una pizzeria")) == []
    assert list(matcher.leaders_in("Giorgia Meloni ha incontrato il presidente")) == ["meloni"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maria Aliyeva, a tennis player from Baku, won the final", set()),
        ("Aliyev and Pashinyan met in Brussels", {"aliyev", "pashinyan"}),
        ("Визит Алиева в Москву", {"aliyev"}),
    ],
)
def test_english_declines_no_surname_so_an_inflected_form_is_someone_else(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert set(matcher.leaders_in(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Отец премьера Владимир Мишустин был инженером", set()),
        ("Президент Казахстана Токаев прибыл в Москву", {"tokayev"}),
        ("премьер-министр Армении Пашинян заявил", {"pashinyan"}),
    ],
)
def test_a_nominative_given_name_after_a_title_is_not_the_country_of_the_title(
    matcher: Matcher, text: str, expected: set[str]
) -> None:
    assert set(matcher.leaders_in(text)) == expected
