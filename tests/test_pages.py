"""HTML list pages read by selectors, and by link pattern when the selectors find nothing.

Every Akorda language is read in four layouts we wrote (tests/fixtures/sites/akorda-*):
the card layout third-party scrapers describe, the 2026 paragraph pairs seen on the real
site, and two designs no selector was written for (a table with ``<time datetime>`` and
a flat stream with the date after the link). Each carries the traps a real page has: a
header menu with the asset-declaration link, the language switcher, a footer link shaped
like an article, pagination, a declaration item in the list and another language's link.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

import pytest

from readout.config import ConfigError, build_config
from scrapers.catalog import CATALOG
from scrapers.errors import ParseError
from scrapers.model import Batch, Item, Selectors, Source
from scrapers.pages import parse_page
from tests.conftest import SITES

SOURCES = {source.id: source for source in CATALOG}


class Story(NamedTuple):
    path: str
    title: str
    day: str
    offset: str
    lead: str


STORIES: dict[str, list[Story]] = {
    "ru": [
        Story(
            "ru/glava-gosudarstva-provel-peregovory-s-prezidentom-azerbaydzhana-2895622",
            "Глава государства провёл переговоры с Президентом Азербайджана Ильхамом Алиевым",
            "2026-03-21",
            "+05:00",
            "Переговоры в узком и расширенном составах прошли в Акорде",
        ),
        Story(
            "ru/kasym-zhomart-tokaev-prinyal-uchastie-v-forume-astana-2895590",
            "Касым-Жомарт Токаев принял участие в форуме «Астана» – 2026",
            "2026-03-20",
            "+05:00",
            "Президент выступил на пленарном заседании форума",
        ),
        Story(
            "ru/telefonnyy-razgovor-s-prezidentom-uzbekistana-31115115",
            "Телефонный разговор с Президентом Узбекистана Шавкатом Мирзиёевым",
            "2026-03-02",
            "+05:00",
            "Главы государств обсудили подготовку",
        ),
    ],
    "kz": [
        Story(
            "kz/memleket-basshysy-ilham-alievpen-telefon-arqyly-soylesti-2896014",
            "Мемлекет басшысы Ильхам Әлиевпен телефон арқылы сөйлесті",
            "2026-06-12",
            "+05:00",
            "Тараптар екіжақты ынтымақтастықтың",
        ),
        Story(
            "kz/qasym-zhomart-toqaev-shavkat-mirziyoevpen-kezdesti-2895990",
            "Қасым-Жомарт Тоқаев Шавкат Мирзиёевпен кездесті",
            "2026-06-09",
            "+05:00",
            "Кездесу барысында сауда-экономикалық",
        ),
        Story(
            "kz/prezident-ulttyq-quryltaydyn-otyrysyna-qatysty-555737",
            "Президент Ұлттық құрылтайдың отырысына қатысты – «Әділетті Қазақстан»",
            "2026-06-01",
            "+05:00",
            "Мемлекет басшысы құрылтай мүшелеріне",
        ),
    ],
    "en": [
        Story(
            "en/head-of-state-holds-talks-with-president-of-azerbaijan-2896021",
            "Head of State holds talks with President of Azerbaijan Ilham Aliyev",
            "2026-03-21",
            "+05:00",
            "The talks in narrow and extended formats",
        ),
        Story(
            "en/1-1525938",
            "Kassym-Jomart Tokayev’s speech at the third meeting of the National Kurultai "
            "«Fair Kazakhstan – Our Common Goal»",
            "2024-03-15",
            "+05:00",
            "The President addressed the members",
        ),
        Story(  # Almaty was UTC+6 until 2024-03-01
            "en/president-receives-credentials-of-newly-appointed-ambassadors-1512299/",
            "President receives credentials of newly appointed ambassadors",
            "2024-02-28",
            "+06:00",
            "Ambassadors of eleven countries",
        ),
    ],
}


class Layout(NamedTuple):
    suffix: str
    host: str  # where the layout's links point (relative ones resolve to the list's host)
    selectors_match: bool
    has_leads: bool


LAYOUTS = {
    "card": Layout("", "https://www.akorda.kz/", True, False),
    "2026": Layout("-2026", "https://www.akorda.kz/", True, False),
    "table": Layout("-table", "https://akorda.kz/", False, True),
    "stream": Layout("-stream", "https://www.akorda.kz/", False, True),
}


def akorda(language: str, layout: str) -> Batch:
    source = SOURCES[f"akorda-{language}"]
    body = (SITES / f"akorda-{language}{LAYOUTS[layout].suffix}.html").read_bytes()
    return parse_page(body, source, url=source.url)


def published(item: Item) -> str | None:
    """The date as ``--json`` prints it; a printed day with no time reads as the day alone
    or as local midnight (both forms are accepted, see ``day``)."""
    return item.published.isoformat() if item.published else None


def day(value: str | None) -> str | None:
    """``2026-03-21T00:00:00+04:00`` and ``2026-03-21`` both say the day the page printed."""
    if value is None:
        return None
    date, _, clock = value.partition("T")
    return date if clock in ("", "00:00:00+04:00", "00:00:00+05:00", "00:00:00+06:00") else value


def day_in_almaty(story: Story) -> tuple[str, ...]:
    """Akorda prints a day: read as Almaty midnight, or as the date alone."""
    return (story.day, f"{story.day}T00:00:00{story.offset}")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", STORIES)
def test_akorda_items_are_read_in_every_layout(language: str, layout: str) -> None:
    parsed = akorda(language, layout)
    stories = STORIES[language]
    assert [item.title for item in parsed.items] == [story.title for story in stories]
    assert [item.url for item in parsed.items] == [
        LAYOUTS[layout].host + story.path for story in stories
    ]
    for item, story in zip(parsed.items, stories, strict=True):
        assert published(item) in day_in_almaty(story), item.title


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", STORIES)
def test_no_trap_becomes_an_item(language: str, layout: str) -> None:
    """Menu, switcher, footer, pagination, declarations, other languages: none is news."""
    urls = [item.url or "" for item in akorda(language, layout).items]
    assert all(re.match(rf"https://(www\.)?akorda\.kz/{language}/", url) for url in urls)
    assert not [url for url in urls if "deklarac" in url or "page=" in url]
    assert not [url for url in urls if re.search(r"-100001\d$", url)]  # the footer links
    assert len(set(urls)) == len(urls)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", STORIES)
def test_fallback_is_reported_for_layouts_the_selectors_miss(language: str, layout: str) -> None:
    parsed = akorda(language, layout)
    assert parsed.fallback is not LAYOUTS[layout].selectors_match
    assert parsed.skipped == ()


@pytest.mark.parametrize("layout", [name for name, shape in LAYOUTS.items() if shape.has_leads])
@pytest.mark.parametrize("language", STORIES)
def test_the_lead_beside_a_link_is_its_summary(language: str, layout: str) -> None:
    items = akorda(language, layout).items
    for item, story in zip(items, STORIES[language], strict=True):
        assert item.summary.startswith(story.lead), item.summary
        assert item.title not in item.summary


@pytest.mark.parametrize("layout", [name for name, shape in LAYOUTS.items() if not shape.has_leads])
@pytest.mark.parametrize("language", STORIES)
def test_a_neighbours_heading_is_never_a_lead(language: str, layout: str) -> None:
    """The 2026 blocks put another story's <h3> right after a link: it is not its lead."""
    assert [item.summary for item in akorda(language, layout).items] == ["", "", ""]


@pytest.mark.parametrize("language", STORIES)
def test_an_akorda_source_never_takes_another_languages_links(language: str) -> None:
    """Every layout of every language read by one language's source: only its own items."""
    for other in STORIES:
        for layout in LAYOUTS:
            source = SOURCES[f"akorda-{language}"]
            body = (SITES / f"akorda-{other}{LAYOUTS[layout].suffix}.html").read_bytes()
            try:
                items = parse_page(body, source, url=source.url).items
            except ParseError:
                items = []
            assert all(f"akorda.kz/{language}/" in (item.url or "") for item in items)
            if other != language:
                assert len(items) <= 1, (other, layout)  # at most the switcher-like link


@pytest.mark.parametrize(
    "slug",
    [
        "deklaracii-2895601",
        "deklaraciya-2895602",
        "deklaraciya-svedeniy-31115201",
        "deklaraciya-malimetteri-31115115",
        "deklaratsii-o-dokhodakh-2895603",
    ],
)
def test_declaration_pages_are_never_items(slug: str) -> None:
    source = SOURCES["akorda-ru"]
    page = f"""<main><ul>
      <li><a href="/ru/{slug}">Декларации</a> <span>20 марта 2026 года</span></li>
      <li><a href="/ru/glava-gosudarstva-podpisal-deklaraciyu-o-druzhbe-2895611">Глава
        государства подписал декларацию о дружбе</a> <span>20 марта 2026 года</span></li>
    </ul></main>"""
    items = parse_page(page.encode(), source, url=source.url).items
    assert [item.url for item in items] == [
        "https://www.akorda.kz/ru/glava-gosudarstva-podpisal-deklaraciyu-o-druzhbe-2895611"
    ]


PATTERN_ONLY = Source(
    id="office",
    name="Office",
    url="https://office.example/news/",
    kind="html",
    timezone="Asia/Yerevan",
    selectors=Selectors(link_pattern=r"^https://(www\.)?office\.example/news/\d{4}/[\w-]+(#.*)?$"),
)


def read(page: str, source: Source = PATTERN_ONLY) -> Batch:
    return parse_page(page.encode(), source, url=source.url)


def test_page_chrome_is_not_news_but_an_articles_own_header_is() -> None:
    """HTML-AAM: a <header> inside an <article> is that article's, not the page's banner."""
    parsed = read(
        """<body><header><a href="/news/0001/menu-story">Menu story</a></header>
        <div role="navigation"><a href="/news/0002/aria-menu">Aria menu</a></div>
        <main><article><header><h2><a href="/news/0003/real-story">Real story</a></h2>
        <time datetime="2026-03-21T10:30:00+04:00">21 March</time></header>
        <p>The prime minister chaired the regular cabinet sitting in Yerevan today.</p>
        </article></main>
        <footer><a href="/news/0004/footer-story">Footer story</a></footer></body>"""
    )
    assert [(i.title, published(i)) for i in parsed.items] == [
        ("Real story", "2026-03-21T10:30:00+04:00")
    ]
    assert parsed.items[0].summary.startswith("The prime minister chaired")
    assert parsed.fallback is False  # no selectors configured: reading by pattern is the plan


def test_a_card_linking_twice_gives_one_item_titled_by_its_heading() -> None:
    parsed = read(
        """<div class="x"><div><a href="/news/0001/a"><img alt="photo"></a>
        <h3><a href="https://www.office.example/news/0001/a">The heading title</a></h3>
        <a href="/news/0001/a#more">Read more</a><small>21.03.2026</small></div>
        <div><a href="/news/0002/b"><img alt="Only a picture"></a><small>20.03.2026</small>
        </div></div>"""
    )
    assert [(i.title, i.url, day(published(i))) for i in parsed.items] == [
        ("The heading title", "https://office.example/news/0001/a", "2026-03-21"),
        ("Only a picture", "https://office.example/news/0002/b", "2026-03-20"),
    ]


@pytest.mark.parametrize(
    ("page", "dates"),
    [
        pytest.param(
            "<div><b>21.03.2026</b><a href='/news/0001/a'>A</a><b>20.03.2026</b>"
            "<a href='/news/0002/b'>B</a></div>",
            ["2026-03-21", "2026-03-20"],
            id="dates-before-links",
        ),
        pytest.param(
            "<div><a href='/news/0001/a'>A</a><b>21.03.2026</b>"
            "<a href='/news/0002/b'>B</a><b>20.03.2026</b></div>",
            ["2026-03-21", "2026-03-20"],
            id="dates-after-links",
        ),
        pytest.param(
            "<section><h2>21.03.2026</h2><ul><li><a href='/news/0001/a'>A</a></li>"
            "<li><a href='/news/0002/b'>B</a></li></ul></section>",
            ["2026-03-21", "2026-03-21"],
            id="day-heading",
        ),
        pytest.param(
            "<table><tr><td><a href='/news/0001/a'>A</a></td><td>21.03.2026</td></tr>"
            "<tr><td><a href='/news/0002/b'>B</a></td><td></td></tr></table>",
            ["2026-03-21", None],
            id="table-cells",
        ),
        pytest.param(
            "<ol><li><time>21 марта 2026</time> <a href='/news/0001/a'>A</a></li>"
            "<li><a href='/news/0002/b'>B</a><time datetime='2026-03-20T09:15:00+04:00'>"
            "сегодня</time></li></ol>",
            ["2026-03-21", "2026-03-20T09:15:00+04:00"],
            id="time-element-text-or-datetime",
        ),
        pytest.param(
            "<ul><li><a href='/news/0001/a'>Address of 1 September 2025</a></li>"
            "<li><a href='/news/0002/b'>B</a> <i>20 March 2026</i></li></ul>",
            [None, "2026-03-20"],
            id="a-date-in-a-title-is-not-its-date",
        ),
    ],
)
def test_the_date_is_the_nearest_in_the_block(page: str, dates: list[str | None]) -> None:
    items = read(page).items
    assert [day(published(i)) for i in items] == dates


def test_pagination_and_rel_next_are_not_items() -> None:
    items = read(
        """<main><p><a href="/news/0001/a">A story</a> 21.03.2026</p>
        <a rel="next" href="/news/0002/page-two">Next</a></main>"""
    ).items
    assert [i.title for i in items] == ["A story"]


def test_a_page_neither_selectors_nor_pattern_read_fails_naming_both() -> None:
    source = SOURCES["akorda-ru"]
    with pytest.raises(ParseError) as caught:
        parse_page(b"<html><body>Access denied</body></html>", source, url=source.url)
    message = str(caught.value)
    assert "'div.card, p.date_main_block'" in message and "link_pattern" in message


def test_selectors_that_match_keep_the_fallback_out() -> None:
    """A page the selectors read is read by them only: a pattern link elsewhere is not added."""
    pattern = r"^https://office\.example/news/\d{4}/[\w-]+$"
    source = replace(
        PATTERN_ONLY, selectors=Selectors(item="li.n", title="a", link_pattern=pattern)
    )
    parsed = read(
        """<ul><li class="n"><a href="/news/0001/a">Listed</a> 21.03.2026</li></ul>
        <aside><a href="/news/0002/b">Most read</a></aside>""",
        source,
    )
    assert ([i.title for i in parsed.items], parsed.fallback) == (["Listed"], False)


def test_a_hostile_page_nesting_deeply_is_read() -> None:
    page = "<div>" * 5000 + "<a href='/news/0001/a'>Deep</a> 21.03.2026" + "</div>" * 5000
    assert [i.title for i in read(page).items] == ["Deep"]


PM_CARDS = """<!DOCTYPE html><html lang="en"><body>
<header class="site-header"><nav><a href="/en/press-release/item/2026/03/01/Menu/">Menu</a>
</nav></header>
<main><div class="news-grid">
  <article class="news-card">
    <a class="news-card__img" href="/en/press-release/item/2026/03/21/Pashinyan-Aliyev/">
      <img src="/static/a.jpg" alt=""></a>
    <header><h2><a href="/en/press-release/item/2026/03/21/Pashinyan-Aliyev/">Nikol Pashinyan
      and Ilham Aliyev discussed the peace agenda</a></h2></header>
    <p>The sides discussed the delimitation of the border and the next round of talks.</p>
    <footer class="news-card__meta"><span>21.03.2026</span></footer>
  </article>
  <article class="news-card">
    <header><h2><a href="/en/press-release/item/2026/03/20/Cabinet/">The regular Cabinet
      sitting was held</a></h2></header>
    <footer class="news-card__meta"><span>20.03.2026</span></footer>
  </article>
</div>
<div class="pagination"><a href="/en/press-release/page/2/">2</a></div></main>
<footer><a href="/en/press-release/item/2026/01/01/Footer/">Footer</a></footer>
</body></html>"""


def test_primeminister_am_redesign_is_read_by_pattern() -> None:
    source = SOURCES["primeminister-am"]
    parsed = parse_page(PM_CARDS.encode(), source, url=source.url)
    base = "https://www.primeminister.am/en/press-release/item/2026/03/"
    assert parsed.fallback is True
    assert [(i.title, i.url, day(published(i))) for i in parsed.items] == [
        (
            "Nikol Pashinyan and Ilham Aliyev discussed the peace agenda",
            base + "21/Pashinyan-Aliyev/",
            "2026-03-21",
        ),
        ("The regular Cabinet sitting was held", base + "20/Cabinet/", "2026-03-20"),
    ]
    assert parsed.items[0].summary.startswith("The sides discussed the delimitation")


def test_config_takes_a_pattern_only_source_and_an_exclude_list() -> None:
    config = build_config(
        {
            "sources": [
                {
                    "id": "office",
                    "url": "https://office.example/news/",
                    "kind": "html",
                    "selectors": {
                        "link_pattern": r"/news/\d{4}/",
                        "exclude": ["deklarac", "/news/0000/"],
                    },
                }
            ]
        },
        {},
        "test",
    )
    source = config.source("office")
    assert source is not None and source.selectors is not None
    assert source.selectors.item is None
    drop = re.compile(source.selectors.exclude or "")
    assert drop.search("/ru/deklaraciya-1") and drop.search("/news/0000/x")
    assert not drop.search("/news/0001/x")


@pytest.mark.parametrize(
    ("selectors", "message"),
    [
        ({"item": "li"}, "sources[0].selectors: item and title go together"),
        ({"date": "time"}, "sources[0].selectors: give link_pattern, or item and title"),
        ({"link_pattern": "(", "item": "li", "title": "a"}, "is not a regular expression"),
        ({"exclude": ["ok", "("], "link_pattern": "x"}, "is not a regular expression"),
    ],
)
def test_config_refuses_page_sources_it_cannot_read(
    selectors: dict[str, object], message: str
) -> None:
    raw = {
        "sources": [
            {"id": "office", "url": "https://o.example/", "kind": "html", "selectors": selectors}
        ]
    }
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_config(raw, {}, "test")


def test_a_card_without_a_title_is_skipped_with_its_position() -> None:
    source = SOURCES["akorda-ru"]
    page = """<main><div class="card"><h3><a href="/ru/bez-zagolovka-2895700"></a></h3>
      <h5>21 марта 2026 года</h5></div>
      <div class="card"><h3><a href="/ru/s-zagolovkom-2895701">С заголовком</a></h3>
      <h5>21 марта 2026 года</h5></div></main>"""
    batch = parse_page(page.encode(), source, url=source.url)
    assert [i.title for i in batch.items] == ["С заголовком"]
    assert [(s.position, s.reason) for s in batch.skipped] == [
        (1, "https://www.akorda.kz/ru/bez-zagolovka-2895700: its title is empty")
    ]
