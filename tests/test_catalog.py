"""Every built-in source against a fixture that imitates its real markup (SOURCES.md).

Each catalogue id has a file ``tests/fixtures/sites/{id}.*`` and a row in ``EXPECTED``;
a source added to the catalogue without both fails ``test_every_source_has_a_fixture``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest

from analysis.leaders import LEADERS
from analysis.matching import Matcher
from readout.poll import read_items
from scrapers.catalog import CATALOG
from scrapers.model import Item
from scrapers.parsers import parse
from store.store import Store
from tests.conftest import SITES, Run, write_config
from tests.sitestub import FixtureSite


class Expected(NamedTuple):
    title: str
    url: str
    published: str
    leaders: tuple[str, ...]


KREMLIN_EN = "http://en.kremlin.ru/events/president/news/"
KREMLIN_RU = "http://kremlin.ru/events/president/news/"
AKORDA = "https://www.akorda.kz/"
PRESIDENT_AZ = "https://president.az/en/articles/view/"
PRESIDENT_UA = "https://www.president.gov.ua/"
WHITEHOUSE = "https://www.whitehouse.gov/"
UN_NEWS = "https://news.un.org/en/story/2026/03/"
MID = "https://mid.ru/ru/foreign_policy/news/"
PM_AM = "https://www.primeminister.am/en/press-release/item/2026/03/"
TG_AKORDA = "https://t.me/aqorda_resmi/"
TG_ZELENSKYY = "https://t.me/V_Zelenskiy_official/"

EXPECTED: dict[str, list[Expected]] = {
    "kremlin-en": [
        Expected(
            "Telephone conversation with President of Kazakhstan Kassym-Jomart Tokayev",
            KREMLIN_EN + "80512",
            "2026-03-21T17:40:00+03:00",
            ("tokayev", "putin"),
        ),
        Expected(
            "Meeting with Government members",
            KREMLIN_EN + "80509",
            "2026-03-20T12:15:00+03:00",
            ("putin",),
        ),
        Expected(
            "Greetings to participants of the International Forum of Young Scientists",
            KREMLIN_EN + "80505",
            "2026-03-19T09:00:00+03:00",
            (),
        ),
    ],
    "kremlin-ru": [
        Expected(
            "Телефонный разговор с Президентом Азербайджана Ильхамом Алиевым",
            KREMLIN_RU + "80514",
            "2026-03-21T19:00:00+03:00",
            ("aliyev", "putin"),
        ),
        Expected(
            "Встреча с Президентом Казахстана Касым-Жомартом Токаевым",
            KREMLIN_RU + "80510",
            "2026-03-20T15:30:00+03:00",
            ("tokayev", "putin"),
        ),
        Expected(
            "Поздравление с Днём работника культуры",
            KREMLIN_RU + "80506",
            "2026-03-19T10:00:00+03:00",
            (),
        ),
    ],
    "akorda-en": [
        Expected(
            "Head of State holds talks with President of Azerbaijan Ilham Aliyev",
            AKORDA + "en/head-of-state-holds-talks-with-president-of-azerbaijan-2896021",
            "2026-03-21T00:00:00+05:00",
            ("aliyev",),
        ),
        Expected(
            "Kassym-Jomart Tokayev’s speech at the third meeting of the National Kurultai "
            "«Fair Kazakhstan – Our Common Goal»",
            AKORDA + "en/1-1525938",
            "2024-03-15T00:00:00+05:00",
            ("tokayev",),
        ),
        Expected(  # Almaty was UTC+6 until 2024-03-01
            "President receives credentials of newly appointed ambassadors",
            AKORDA + "en/president-receives-credentials-of-newly-appointed-ambassadors-1512299/",
            "2024-02-28T00:00:00+06:00",
            (),
        ),
    ],
    "akorda-ru": [
        Expected(
            "Глава государства провёл переговоры с Президентом Азербайджана Ильхамом Алиевым",
            AKORDA + "ru/glava-gosudarstva-provel-peregovory-s-prezidentom-azerbaydzhana-2895622",
            "2026-03-21T00:00:00+05:00",
            ("aliyev",),
        ),
        Expected(
            "Касым-Жомарт Токаев принял участие в форуме «Астана» – 2026",
            AKORDA + "ru/kasym-zhomart-tokaev-prinyal-uchastie-v-forume-astana-2895590",
            "2026-03-20T00:00:00+05:00",
            ("tokayev",),
        ),
        Expected(
            "Телефонный разговор с Президентом Узбекистана Шавкатом Мирзиёевым",
            AKORDA + "ru/telefonnyy-razgovor-s-prezidentom-uzbekistana-31115115",
            "2026-03-02T00:00:00+05:00",
            ("mirziyoyev",),
        ),
    ],
    "akorda-kz": [
        Expected(
            "Мемлекет басшысы Ильхам Әлиевпен телефон арқылы сөйлесті",
            AKORDA + "kz/memleket-basshysy-ilham-alievpen-telefon-arqyly-soylesti-2896014",
            "2026-06-12T00:00:00+05:00",
            ("aliyev",),
        ),
        Expected(
            "Қасым-Жомарт Тоқаев Шавкат Мирзиёевпен кездесті",
            AKORDA + "kz/qasym-zhomart-toqaev-shavkat-mirziyoevpen-kezdesti-2895990",
            "2026-06-09T00:00:00+05:00",
            ("tokayev", "mirziyoyev"),
        ),
        Expected(
            "Президент Ұлттық құрылтайдың отырысына қатысты – «Әділетті Қазақстан»",
            AKORDA + "kz/prezident-ulttyq-quryltaydyn-otyrysyna-qatysty-555737",
            "2026-06-01T00:00:00+05:00",
            (),
        ),
    ],
    "president-az": [
        Expected(
            "Ilham Aliyev had a phone conversation with President of Kazakhstan "
            "Kassym-Jomart Tokayev",
            PRESIDENT_AZ + "71244",
            "2026-03-21T16:20:00+04:00",
            ("aliyev", "tokayev"),
        ),
        Expected(
            "Ilham Aliyev received a delegation led by the Secretary-General of the "
            "Organization of Turkic States",
            PRESIDENT_AZ + "71239",
            "2026-03-20T11:05:00+04:00",
            ("aliyev",),
        ),
        Expected(
            "Novruz holiday greetings to the people of Azerbaijan",
            PRESIDENT_AZ + "71230",
            "2026-03-19T20:00:00+04:00",
            (),
        ),
    ],
    "president-ua": [
        Expected(
            "Володимир Зеленський провів телефонну розмову з Президентом Азербайджану "
            "Ільхамом Алієвим",
            PRESIDENT_UA
            + "news/volodimir-zelenskij-proviv-telefonnu-rozmovu-z-prezidentom-a-98771",
            "2026-04-02T10:15:00+03:00",
            ("zelenskyy", "aliyev"),
        ),
        Expected(
            "Зустріч Президента України з Генеральним секретарем ООН Антоніу Гутеррешем",
            PRESIDENT_UA + "news/zustrich-prezidenta-ukrayini-z-generalnim-sekretarem-oon-98765",
            "2026-03-21T18:40:00+02:00",
            ("guterres", "zelenskyy"),
        ),
        Expected(
            "Звернення Володимира Зеленського з нагоди Дня добровольця",
            PRESIDENT_UA + "news/zvernennya-volodimira-zelenskogo-z-nagodi-dnya-dobrovolcya-98750",
            "2026-03-14T21:30:00+02:00",
            ("zelenskyy",),
        ),
    ],
    "president-ua-en": [
        Expected(
            "Volodymyr Zelenskyy had a phone call with President of the United States Donald Trump",
            PRESIDENT_UA
            + "en/news/volodimir-zelenskij-proviv-telefonnu-rozmovu-z-prezidentom-s-98772",
            "2026-03-30T23:05:00+03:00",
            ("zelenskyy", "trump"),
        ),
        Expected(
            "President of Ukraine met with UN Secretary-General António Guterres in Kyiv",
            PRESIDENT_UA
            + "en/news/prezident-ukrayini-zustrivsya-z-generalnim-sekretarem-oon-98766",
            "2026-03-21T18:55:00+02:00",
            ("guterres", "zelenskyy"),
        ),
        Expected(
            "Decree on awarding state honours to defenders of Ukraine",
            PRESIDENT_UA + "en/news/ukaz-pro-vidznachennya-derzhavnimi-nagorodami-98740",
            "2026-03-13T12:00:00+02:00",
            (),
        ),
    ],
    "whitehouse": [
        Expected(
            "Readout of President Trump’s Call with President Zelenskyy of Ukraine",
            WHITEHOUSE + "briefings-statements/2026/03/"
            "readout-of-president-trumps-call-with-president-zelenskyy-of-ukraine/",
            "2026-03-21T02:10:00+00:00",
            ("trump", "zelenskyy"),
        ),
        Expected(
            "Fact Sheet: President Donald J. Trump Secures Trade & Investment Commitments "
            "from Central Asia",
            WHITEHOUSE + "fact-sheets/2026/03/fact-sheet-president-donald-j-trump-secures-"
            "trade-investment-commitments-from-central-asia/",
            "2026-03-20T21:45:31+00:00",
            ("trump", "tokayev", "mirziyoyev"),
        ),
        Expected(
            "Nominations Sent to the Senate",
            WHITEHOUSE + "briefings-statements/2026/03/nominations-sent-to-the-senate-12/",
            "2026-03-19T18:00:02+00:00",
            (),
        ),
    ],
    "un-news": [
        Expected(
            "Guterres urges Armenia and Azerbaijan to seize ‘historic chance’ for lasting peace",
            UN_NEWS + "1161288",
            "2026-03-20T16:45:12+00:00",
            ("guterres", "pashinyan", "aliyev"),
        ),
        Expected(
            "World News in Brief: Sahel food crisis, cholera in Yemen, ocean treaty milestone",
            UN_NEWS + "1161270",
            "2026-03-20T12:02:40+00:00",
            (),
        ),
        Expected(
            "Security Council: Secretary-General briefs on Black Sea shipping",
            UN_NEWS + "1161251",
            "2026-03-19T20:30:00+00:00",
            ("guterres",),
        ),
    ],
    "mid-ru": [
        Expected(
            "О встрече Министра иностранных дел Российской Федерации с Министром иностранных "
            "дел Армении",
            MID + "2001287/",
            "2026-03-21T18:02:00+03:00",
            ("pashinyan",),
        ),
        Expected(
            "Заявление МИД России в связи с «санкционными» мерами Евросоюза",
            MID + "2001279/",
            "2026-03-21T11:30:00+03:00",
            (),
        ),
        Expected(
            "О телефонном разговоре Президента Российской Федерации В.В.Путина с Президентом "
            "Турецкой Республики Р.Т.Эрдоганом",
            MID + "2001266/",
            "2026-03-20T22:47:00+03:00",
            ("putin", "erdogan"),
        ),
    ],
    "primeminister-am": [
        Expected(
            "Nikol Pashinyan and Ilham Aliyev discussed the peace agenda",
            PM_AM + "21/Nikol-Pashinyan-Ilham-Aliyev-meeting/",
            "2026-03-21T00:00:00+04:00",
            ("pashinyan", "aliyev"),
        ),
        Expected(
            "The regular Cabinet sitting was held under the chairmanship of the Prime Minister",
            PM_AM + "20/Cabinet-meeting/",
            "2026-03-20T00:00:00+04:00",
            (),
        ),
        Expected(
            "Prime Minister congratulates President of Kazakhstan on Nauryz",
            PM_AM + "18/Nikol-Pashinyan-Tokayev-phone-call/",
            "2026-03-18T00:00:00+04:00",
            ("pashinyan", "tokayev"),
        ),
    ],
    "akorda-telegram": [
        Expected(
            "Мемлекет басшысы Қасым-Жомарт Тоқаев Ресей Президенті Владимир Путинмен телефон "
            "арқылы сөйлесті.",
            TG_AKORDA + "3101",
            "2026-03-21T12:40:00+00:00",
            ("tokayev", "putin"),
        ),
        Expected(
            "Глава государства принял председателя Правления Национального банка",
            TG_AKORDA + "3102",
            "2026-03-21T14:05:00+00:00",
            (),
        ),
    ],
    "president-ua-telegram": [
        Expected(
            "Провів розмову з Президентом Франції Емманюелем Макроном.",
            TG_ZELENSKYY + "15001",
            "2026-03-20T18:30:00+00:00",
            ("macron",),
        ),
        Expected("Video", TG_ZELENSKYY + "15002", "2026-03-20T19:00:00+00:00", ()),
    ],
}

SOURCES = {source.id: source for source in CATALOG}
CONTENT_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


def fixture_of(source_id: str) -> Path:
    found = sorted(SITES.glob(f"{source_id}.*"))
    assert len(found) == 1, f"{source_id}: expected one fixture, found {found}"
    return found[0]


@cache
def parsed(source_id: str) -> tuple[Item, ...]:
    source = SOURCES[source_id]
    return tuple(parse(fixture_of(source_id).read_bytes(), source, url=source.url))


def test_every_source_has_a_fixture_and_expectations() -> None:
    assert set(EXPECTED) == set(SOURCES)
    for source_id in SOURCES:
        assert fixture_of(source_id).suffix in CONTENT_TYPES


@pytest.mark.parametrize("source_id", SOURCES)
def test_titles_are_read_clean(source_id: str) -> None:
    assert [item.title for item in parsed(source_id)] == [e.title for e in EXPECTED[source_id]]


@pytest.mark.parametrize("source_id", SOURCES)
def test_links_are_absolute_article_urls(source_id: str) -> None:
    urls = [item.url for item in parsed(source_id)]
    assert all(url and url.startswith(("http://", "https://")) for url in urls)
    assert urls == [e.url for e in EXPECTED[source_id]]


@pytest.mark.parametrize("source_id", SOURCES)
def test_dates_keep_the_source_offset(source_id: str) -> None:
    published = [
        item.published.at.isoformat() if item.published else None for item in parsed(source_id)
    ]
    assert published == [e.published for e in EXPECTED[source_id]]


@pytest.mark.parametrize(
    "source_id",
    list(SOURCES),
)
def test_leaders_are_found(source_id: str) -> None:
    source = SOURCES[source_id]
    body = fixture_of(source_id).read_bytes()
    items = read_items(body, source, Matcher(LEADERS), url=source.url)
    assert [item.leaders for item in items] == [e.leaders for e in EXPECTED[source_id]]


@pytest.mark.parametrize(
    "origin", ["https://akorda.kz", "https://mirror.akorda.kz", "http://127.0.0.1:8080"]
)
def test_akorda_cards_are_read_on_any_host(origin: str) -> None:
    body = fixture_of("akorda-ru").read_bytes()
    items = parse(body, SOURCES["akorda-ru"], url=origin + "/ru/events")
    assert [item.url for item in items] == [
        e.url.replace("https://www.akorda.kz", origin) for e in EXPECTED["akorda-ru"]
    ]


def serve_catalog(site: FixtureSite) -> dict[str, str]:
    """Each catalogue source's fixture under /{id}/{its real path}, so relative links differ."""
    urls = {}
    for source_id, source in SOURCES.items():
        fixture = fixture_of(source_id)
        path = f"/{source_id}/" + source.url.split("/", 3)[3]
        urls[source_id] = site.add(
            path, fixture.read_bytes(), content_type=CONTENT_TYPES[fixture.suffix]
        )
    return urls


def test_poll_reads_every_catalogue_source_into_the_store(
    site: FixtureSite, cli: Callable[..., Run], tmp_path: Path
) -> None:
    db = tmp_path / "r.db"
    overrides = "".join(
        f'[[sources]]\nid = "{source_id}"\nurl = "{url}"\nenabled = true\n\n'
        for source_id, url in serve_catalog(site).items()
    )
    cfg = write_config(
        tmp_path / "readout.toml",
        f'[http]\nallow_private_addresses = true\n\n[store]\npath = "{db}"\n\n{overrides}',
    )

    run = cli("--config", str(cfg), "poll", "--json")

    assert run.code == 0, run.err
    lines = [json.loads(line) for line in run.out.splitlines()]
    assert Counter(line["source"] for line in lines) == {
        source_id: len(rows) for source_id, rows in EXPECTED.items()
    }
    assert all(line["url"].startswith(("http://", "https://")) for line in lines)
    printed = {(line["source"], line["title"]): sorted(line["leaders"]) for line in lines}
    with Store(db) as store:
        for source_id, rows in EXPECTED.items():
            stored = store.items(source_id)
            assert sorted((i["title"], i["published"]) for i in stored) == sorted(
                (e.title, e.published) for e in rows
            ), source_id
            assert all(i["is_baseline"] for i in stored)
            assert {(source_id, i["title"]): i["leaders"] for i in stored} == {
                key: leaders for key, leaders in printed.items() if key[0] == source_id
            }
