"""Pictures: read where sources show them, and joining the language versions of one item.

Akorda numbers its ru, kz and en pages apart, but shows one thumbnail with every language
version of an item; a decree that names nobody but the Head of State has nothing else in
common across languages. The hard negatives are the pictures that are no item's: a stock
picture the site puts on many items, the site's logo, one picture on two different calls.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from analysis.stories import image_key
from readout.poll import match_items
from scrapers.model import Item, published_at
from scrapers.pages import parse_page
from scrapers.parsers import parse
from store.store import Store
from tests.conftest import SITES
from tests.sitestub import FixtureSite
from tests.test_pages import SOURCES, akorda
from tests.test_poll import Cli, config, json_lines
from tests.test_stories import MATCHER, PRINCIPALS, store_with_catalog

KEY = "akorda.kz/assets/media/q7lw.jpg"


@pytest.mark.parametrize(
    "address",
    [
        "https://www.akorda.kz/assets/media/q7lw_mediumThumb.jpg",
        "https://akorda.kz/assets/media/q7lw_mediumThumb.jpg?v=3",
        "HTTPS://WWW.AKORDA.KZ/assets/media/q7lw_bigThumb.jpg",
        "http://mirror.akorda.kz/assets/media/q7lw_smallThumb.jpg#top",
        "https://www.akorda.kz/assets/media/q7lw.jpg",
        "https://akorda.kz/assets/media/q7lw-800x450.jpg",
    ],
)
def test_one_picture_has_one_key_however_a_page_writes_it(address: str) -> None:
    assert image_key(address) == KEY


@pytest.mark.parametrize(
    "address",
    [
        "https://www.akorda.kz/assets/media/q7lx_mediumThumb.jpg",
        "https://www.akorda.kz/assets/media/2026/q7lw_mediumThumb.jpg",
        "https://kremlin.ru/assets/media/q7lw_mediumThumb.jpg",
        "https://www.akorda.kz/assets/media/q7lw_mediumThumb.png",
    ],
)
def test_another_picture_keeps_a_key_of_its_own(address: str) -> None:
    assert image_key(address) not in (None, KEY)


@pytest.mark.parametrize(
    "address",
    [
        "https://www.akorda.kz/assets/img/logo.png",
        "https://akorda.kz/assets/img/emblem.svg",
        "https://example.org/static/site-logo_mediumThumb.jpg",
        "https://example.org/images/placeholder.jpg",
        "https://example.org/img/no-image.png",
        "https://example.org/og-image.jpg",
        "https://example.org/default.jpg",
        "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
        "https://example.org/",
        "",
        None,
    ],
)
def test_a_sites_artwork_is_no_items_picture(address: str | None) -> None:
    assert image_key(address) is None


@pytest.mark.parametrize("layout", ["card", "table", "stream"])
def test_language_versions_on_akorda_pages_show_one_picture(layout: str) -> None:
    russian, english = akorda("ru", layout).items, akorda("en", layout).items
    # The first item of each is the same talks (2895622 and 2896021, 21 March 2026).
    assert russian[0].image and english[0].image
    assert image_key(russian[0].image) == image_key(english[0].image)
    keys = {image_key(item.image) for item in russian + english}
    assert None not in keys and len(keys) == 5


def test_a_cards_thumbnail_is_resolved_against_the_page() -> None:
    (talks, *_) = akorda("ru", "card").items
    assert talks.image == "https://www.akorda.kz/assets/media/kx81_mediumThumb.jpg"
    (talks, *_) = akorda("en", "card").items  # the card names it with the bare host
    assert talks.image == "https://akorda.kz/assets/media/kx81_mediumThumb.jpg"


@pytest.mark.parametrize("language", ["ru", "kz", "en"])
def test_the_2026_layout_shows_no_picture_beside_its_links_and_still_parses(language: str) -> None:
    """The sidebar's one picture belongs to an unlinked heading, not to a neighbour."""
    items = akorda(language, "2026").items
    assert len(items) == 3 and [item.image for item in items] == [None, None, None]


LIST = """<!DOCTYPE html><html><body>
<header><a href="/ru"><img src="/assets/img/emblem.png" alt=""></a></header>
<div class="hero"><img src="/assets/media/banner.jpg" alt=""></div>
<ol class="feed">{items}</ol></body></html>"""
ENTRY = '<li><a href="/ru/glava-gosudarstva-{n}-311000{n}">Глава государства подписал Указ {n}</a>'


def page(items: str) -> bytes:
    return LIST.format(items=items).encode()


def test_a_layout_with_no_pictures_parses_and_takes_no_chrome_or_banner() -> None:
    """A design no selector was written for: items by link pattern, none with a picture."""
    source = SOURCES["akorda-ru"]
    items = "".join(ENTRY.format(n=n) + "<span>25 ноября 2026 года</span></li>" for n in (1, 2))
    batch = parse_page(page(items), source, url=source.url)
    assert batch.fallback and len(batch.items) == 2
    assert [item.image for item in batch.items] == [None, None]


def test_a_pages_only_article_takes_only_a_picture_linked_to_it() -> None:
    source = SOURCES["akorda-ru"]
    alone = ENTRY.format(n=1) + "</li>"
    (item,) = parse_page(page(alone), source, url=source.url).items
    assert item.image is None  # the banner is in the article's block, which is the page
    linked = alone.replace(
        "</li>",
        '<a href="/ru/glava-gosudarstva-1-3110001"><img src="/assets/media/d1_mediumThumb.jpg"'
        ' alt=""></a></li>',
    )
    (item,) = parse_page(page(linked), source, url=source.url).items
    assert item.image == "https://www.akorda.kz/assets/media/d1_mediumThumb.jpg"


def test_a_lazy_loaded_thumbnail_is_read_from_its_data_attribute() -> None:
    source = SOURCES["akorda-ru"]
    body = (
        (SITES / "akorda-ru.html")
        .read_bytes()
        .replace(
            b'src="/assets/media/kx81_mediumThumb.jpg"',
            b'src="data:image/gif;base64,R0lGOD" data-src="/assets/media/kx81_mediumThumb.jpg"',
        )
    )
    (talks, *_) = parse_page(body, source, url=source.url).items
    assert talks.image == "https://www.akorda.kz/assets/media/kx81_mediumThumb.jpg"


FEED_SOURCE = replace(SOURCES["kremlin-en"], url="https://example.org/news/feed")


def feed(item: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
        f"<channel><title>T</title><item><title>A</title><link>/n/1</link>{item}</item>"
        "</channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ('<media:thumbnail url="/media/1_small.jpg"/>', "https://example.org/media/1_small.jpg"),
        (
            '<media:content url="https://cdn.example.org/1.jpg" medium="image"/>',
            "https://cdn.example.org/1.jpg",
        ),
        (
            '<enclosure url="https://example.org/1.jpg" type="image/jpeg" length="1"/>',
            "https://example.org/1.jpg",
        ),
        ('<enclosure url="https://example.org/1.mp3" type="audio/mpeg" length="1"/>', None),
        ('<media:content url="https://example.org/1.mp4" medium="video"/>', None),
        ('<media:thumbnail url="javascript:alert(1)"/>', None),
        ("", None),
    ],
)
def test_a_feed_entrys_picture(media: str, expected: str | None) -> None:
    (item,) = parse(feed(media), FEED_SOURCE)
    assert item.image == expected


ALMATY = ZoneInfo("Asia/Almaty")
ALIYEV_CALL = "Глава государства провел телефонный разговор с Ильхамом Алиевым"


def version(
    source: str, title: str, number: int, picture: str | None, day: int = 25, month: int = 11
) -> Item:
    """An Akorda item as a poll makes it: the principal among participants, dated a day."""
    language = source.removeprefix("akorda-")
    raw = Item(
        source,
        title,
        f"https://www.akorda.kz/{language}/item-{3110000 + number}",
        published=published_at(datetime(2026, month, day, tzinfo=ALMATY), date_only=True),
        text=title,
        image=picture,
    )
    (item,) = match_items([raw], MATCHER, PRINCIPALS[source])
    return item


def picture(code: str, size: str = "mediumThumb") -> str:
    return f"https://www.akorda.kz/assets/media/{code}_{size}.jpg"


def stories(store: Store, *items: Item) -> list[int]:
    """Each item's story; every item has one (its address numbers it), if only its own."""
    found = []
    for item in items:
        (saved,) = store.save_items(item.source, [item]).new
        assert saved.story is not None
        found.append(saved.story)
    return found


BUDGET = [
    ("akorda-ru", "Глава государства подписал Закон о республиканском бюджете"),
    ("akorda-en", "Head of State signs Law on the republican budget"),
    ("akorda-kz", "Мемлекет басшысы республикалық бюджет туралы Заңға қол қойды"),
]


def test_versions_showing_one_picture_join_one_story(tmp_path: Path) -> None:
    shown = [
        picture("q7lw"),
        "https://akorda.kz/assets/media/q7lw_mediumThumb.jpg?v=3",
        picture("q7lw", "bigThumb"),
    ]
    with store_with_catalog(tmp_path / "with.db") as store:
        found = stories(
            store,
            *(version(s, t, 2501 + n, shown[n]) for n, (s, t) in enumerate(BUDGET)),
        )
        assert found[0] is not None and found == [found[0]] * 3
        (row,) = store.db.execute("SELECT image FROM items WHERE url LIKE '%/kz/%'").fetchall()
        assert row[0] == shown[2]
        (kazakh,) = [x for x in store.recent(limit=3) if x.item.source == "akorda-kz"]
        assert kazakh.item.image == shown[2]
    with store_with_catalog(tmp_path / "without.db") as store:
        found = stories(store, *(version(s, t, 2501 + n, None) for n, (s, t) in enumerate(BUDGET)))
        assert len(set(found)) == 3  # nothing else joins them: the picture does


def test_readout_check_shows_the_story_a_version_would_join(tmp_path: Path) -> None:
    russian = version(*BUDGET[0], 2501, picture("q7lw"))
    english = version(*BUDGET[1], 2502, picture("q7lw"))
    with store_with_catalog(tmp_path / "s.db") as store:
        (story,) = stories(store, russian)
        assert store.story_for(english) == story
        assert store.story_for(replace(english, image=picture("m2cd"))) != story


def test_two_decrees_of_one_day_with_pictures_of_their_own_stay_apart(tmp_path: Path) -> None:
    with store_with_catalog(tmp_path / "s.db") as store:
        ambassador_ru, relief_ru, ambassador_en, relief_en = stories(
            store,
            version(
                "akorda-ru",
                "Глава государства подписал Указ о назначении Посла",
                1,
                picture("m2cd"),
            ),
            version(
                "akorda-ru", "Глава государства подписал Указ об освобождении", 2, picture("v5rn")
            ),
            version(
                "akorda-en", "Head of State signs decree appointing Ambassador", 3, picture("m2cd")
            ),
            version(
                "akorda-en", "Head of State signs decree relieving Chairman", 4, picture("v5rn")
            ),
        )
    assert ambassador_ru == ambassador_en and relief_ru == relief_en
    assert ambassador_ru != relief_ru


def test_a_picture_shown_on_two_days_is_a_stock_picture_and_joins_nothing(tmp_path: Path) -> None:
    stock = picture("g0k1")
    with store_with_catalog(tmp_path / "s.db") as store:
        found = stories(
            store,
            version("akorda-ru", "Глава государства выразил соболезнования", 1, stock, day=25),
            version("akorda-en", "Head of State signs decree on awards", 2, stock, day=26),
            # Seen once per source so far, but on two days: the day alone tells.
            version(
                "akorda-kz",
                "Мемлекет басшысы сессияны шақыру туралы Жарлыққа қол қойды",
                3,
                stock,
                day=26,
            ),
            version("akorda-ru", "Глава государства подписал Указ о наградах", 4, stock, day=29),
            version(
                "akorda-en", "Head of State signs decree convening a session", 5, stock, day=29
            ),
        )
    assert len(set(found)) == 5


def test_a_picture_one_source_shows_with_two_items_is_a_stock_picture(tmp_path: Path) -> None:
    stock = picture("p0rt")
    with store_with_catalog(tmp_path / "s.db") as store:
        found = stories(
            store,
            version("akorda-ru", "Глава государства подписал Указ о созыве сессии", 1, stock),
            version("akorda-ru", "Глава государства подписал Указ о наградах", 2, stock),
            version("akorda-en", "Head of State signs decree convening a session", 3, stock),
        )
    assert len(set(found)) == 3


def test_the_sites_logo_joins_nothing(tmp_path: Path) -> None:
    logo = "https://www.akorda.kz/assets/img/logo.png"
    with store_with_catalog(tmp_path / "s.db") as store:
        found = stories(
            store,
            version("akorda-ru", "Глава государства подписал Указ о воинских званиях", 1, logo),
            version("akorda-en", "Head of State signs decree on the State Commission", 2, logo),
        )
    assert found[0] != found[1]


def test_one_picture_on_two_different_calls_does_not_join_them(tmp_path: Path) -> None:
    shared = picture("x4tt")
    with store_with_catalog(tmp_path / "s.db") as store:
        japarov, aliyev = stories(
            store,
            version(
                "akorda-ru",
                "Глава государства провел телефонный разговор с Садыром Жапаровым",
                1,
                shared,
            ),
            version("akorda-en", "Head of State holds phone talk with Ilham Aliyev", 2, shared),
        )
    assert japarov != aliyev


def test_a_picture_joins_no_item_of_another_kind(tmp_path: Path) -> None:
    shared = picture("k1nd")
    with store_with_catalog(tmp_path / "s.db") as store:
        decree, greeting = stories(
            store,
            version("akorda-ru", "Глава государства подписал Указ о наградах", 1, shared),
            version("akorda-en", "Head of State sends congratulations to the people", 2, shared),
        )
    assert decree != greeting


def test_the_same_picture_on_another_day_joins_nothing(tmp_path: Path) -> None:
    shared = picture("d4ys")
    with store_with_catalog(tmp_path / "s.db") as store:
        first, second = stories(
            store,
            version("akorda-ru", "Глава государства подписал Указ о наградах", 1, shared, day=2),
            version("akorda-en", "Head of State signs decree on awards", 2, shared, day=3),
        )
    assert first != second


def test_a_call_and_its_versions_join_on_picture_where_one_names_nobody(tmp_path: Path) -> None:
    """The Kazakh version names the counterpart in a form the matcher may not know: the
    picture still joins it, since the one side without parties is no contradiction."""
    shared = picture("c4ll")
    with store_with_catalog(tmp_path / "s.db") as store:
        russian, kazakh = stories(
            store,
            version("akorda-ru", ALIYEV_CALL, 1, shared),
            version("akorda-kz", "Мемлекет басшысы телефон арқылы сөйлесті", 2, shared),
        )
    assert russian == kazakh


CARD = """  <div class="col-lg-4 col-md-6">
    <div class="card">
      <img class="card-img-top" src="{picture}" alt="">
      <div class="card-body">
        <h3><a href="/{language}/{slug}">{title}</a></h3>
        <h5>{day}</h5>
      </div>
    </div>
  </div>
"""
DECREE = {
    "ru": (
        "glava-gosudarstva-podpisal-ukaz-o-sozyve-sessii-3113001",
        "Глава государства подписал Указ о созыве внеочередной сессии Парламента",
        "https://www.akorda.kz/assets/media/s3ss_mediumThumb.jpg",
        "30 ноября 2026 года",
    ),
    "en": (
        "head-of-state-signs-decree-convening-session-3113002",
        "Head of State signs decree convening an extraordinary session of Parliament",
        "https://akorda.kz/assets/media/s3ss_mediumThumb.jpg",
        "30 november 2026 year",
    ),
}


def with_decree(language: str) -> bytes:
    body = (SITES / f"akorda-{language}.html").read_text(encoding="utf-8")
    slug, title, shown, day = DECREE[language]
    card = CARD.format(picture=shown, language=language, slug=slug, title=title, day=day)
    first = '  <div class="col-lg-4 col-md-6">'
    return body.replace(first, card + first, 1).encode()


def test_polled_language_versions_of_a_decree_share_one_story(
    site: FixtureSite, cli: Cli, tmp_path: Path
) -> None:
    for language in DECREE:
        site.add(f"/{language}/events", (SITES / f"akorda-{language}.html").read_bytes())
    cfg = config(tmp_path, {f"akorda-{x}": site.url(f"/{x}/events") for x in DECREE})
    assert cli("--config", str(cfg), "poll").code == 0  # the baseline
    for language in DECREE:
        site.add(f"/{language}/events", with_decree(language))
    polled = cli("--config", str(cfg), "poll", "--json")
    assert polled.code == 0, polled.err
    new = json_lines(polled.out)
    assert sorted(item["source"] for item in new) == ["akorda-en", "akorda-ru"]
    assert new[0]["story"] is not None and new[0]["story"] == new[1]["story"]
    assert new[0]["participants"] == ["tokayev"]
    # The item shape SPEC gives for --json names its fields; the picture is not one of them.
    assert all("image" not in item for item in new)
    with Store(tmp_path / "readout.db") as store:
        shown = {row["source_id"]: row["image"] for row in store.items() if "3113" in row["url"]}
    assert shown == {"akorda-ru": DECREE["ru"][2], "akorda-en": DECREE["en"][2]}
