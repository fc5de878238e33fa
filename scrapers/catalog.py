"""The built-in sources: what ``readout poll`` reads with no configuration at all.

Each address and selector was checked against stored copies of the sites and the public
scrapers that read them; docs/sources.md says how each is read. The
Kremlin is reached over plain http (its https times out from many networks); Akorda has
no feed, so its event lists are read as HTML, and its certificate chain is incomplete,
so its entries do not verify TLS unless a CA bundle is configured for them.
"""

from __future__ import annotations

from dataclasses import replace

from scrapers.model import Selectors, Source

# Akorda answers 403 to obvious robots; a browser-like agent with a language is accepted.
BROWSER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36 Readout"
)

# Akorda's news has been printed two ways (both seen on the site): cards (``div.card`` with an
# ``h3 a`` title and an ``h5`` date, as scrapers of the older site read it) and, on the 2026
# site, paragraph pairs (``p.date_main_block_small`` with the date, then
# ``p.date_main_block`` with the link). The selectors read both; the date of a 2026 pair is
# found beside its paragraph (scrapers.links). What both share is the article address,
# ``/{lang}/{slug}-{id}``: that pattern reads whatever design comes next, and is per
# language, so the language switcher's links to the same story under another prefix are
# never taken. The host is open: Akorda links ``www.``, bare and ``mirror.``/``node2.``
# hosts, and an override may point the parser at a copy.
_AKORDA_SELECTORS = Selectors(
    item="div.card, p.date_main_block",
    title="h3 a, p.date_main_block > a",
    date="h5, time",
)
# Asset declarations ("deklaracii", /ru/deklaraciya-svedeniy-..., /kz/deklaraciya-malimetteri-...)
# share the article address shape, and the header menu links them on every page.
AKORDA_EXCLUDE = r"/deklara(?:c|ts)i"


def _akorda(language: str, name: str) -> Source:
    return Source(
        id=f"akorda-{language}",
        name=name,
        url=f"https://www.akorda.kz/{language}/events",
        kind="html",
        language=language,
        timezone="Asia/Almaty",
        selectors=replace(
            _AKORDA_SELECTORS,
            link_pattern=rf"^https?://[^/?#]+/{language}/[\w-]+-\d{{4,}}/?(?:[?#].*)?$",
            exclude=AKORDA_EXCLUDE,
        ),
        verify_tls=False,
        user_agent=BROWSER_AGENT,
        leader="tokayev",
    )


CATALOG: tuple[Source, ...] = (
    Source(
        id="kremlin-en",
        name="Kremlin (en)",
        url="http://en.kremlin.ru/events/president/news/feed",
        language="en",
        timezone="Europe/Moscow",
        leader="putin",
    ),
    Source(
        id="kremlin-ru",
        name="Kremlin (ru)",
        url="http://kremlin.ru/events/president/news/feed",
        language="ru",
        timezone="Europe/Moscow",
        leader="putin",
    ),
    _akorda("en", "Akorda (en)"),
    _akorda("ru", "Akorda (ru)"),
    _akorda("kz", "Akorda (kz)"),
    Source(
        id="president-az",
        name="President of Azerbaijan",
        url="https://president.az/en/rss",
        # The office's own pages advertised these feeds too (as archived in 2018).
        fallbacks=("https://president.az/news.rss",),
        language="en",
        timezone="Asia/Baku",
        leader="aliyev",
    ),
    Source(
        id="president-ua",
        name="President of Ukraine (uk)",
        url="https://www.president.gov.ua/rss/news/all.rss",
        fallbacks=("https://www.president.gov.ua/rss/news.rss",),
        language="uk",
        timezone="Europe/Kyiv",
        leader="zelenskyy",
    ),
    Source(
        id="president-ua-en",
        name="President of Ukraine (en)",
        url="https://www.president.gov.ua/en/rss/news/all.rss",
        language="en",
        timezone="Europe/Kyiv",
        leader="zelenskyy",
    ),
    Source(
        id="whitehouse",
        name="The White House",
        url="https://www.whitehouse.gov/news/feed/",
        language="en",
        timezone="America/New_York",
        leader="trump",
    ),
    Source(
        id="un-news",
        name="UN News",
        url="https://news.un.org/feed/subscribe/en/news/all/rss.xml",
        language="en",
    ),
    Source(
        id="mid-ru",
        name="Russian MFA",
        url="https://mid.ru/ru/rss.php",
        language="ru",
        timezone="Europe/Moscow",
        # mid.ru's firewall rejects browser-looking agents and accepts a plain one.
        user_agent="Readout/0.1",
    ),
    Source(
        id="primeminister-am",
        name="Prime Minister of Armenia",
        url="https://www.primeminister.am/en/press-release/",
        kind="html",
        language="en",
        timezone="Asia/Yerevan",
        selectors=Selectors(
            item="ul.search__list > li",
            title="div.search__text-wrapper > strong",
            link="a[href]",
            date="div.search__date",
            summary="div.search__text-wrapper > p",
            link_pattern=r"^https?://[^/?#]+/en/press-release/item/\d{4}/\d{2}/\d{2}/[^/?#]+/?$",
        ),
        leader="pashinyan",
    ),
    # The offices' Telegram channels, where some publish first: off until an admin enables
    # one (`enabled = true` on a [[sources]] entry with its id), since t.me may rate-limit.
    Source(
        id="akorda-telegram",
        name="Akorda (Telegram)",
        url="https://t.me/s/aqorda_resmi",
        kind="telegram",
        leader="tokayev",
        enabled=False,
        language="kz",
        timezone="Asia/Almaty",
    ),
    Source(
        id="president-ua-telegram",
        name="President of Ukraine (Telegram)",
        url="https://t.me/s/V_Zelenskiy_official",
        kind="telegram",
        leader="zelenskyy",
        enabled=False,
        language="uk",
        timezone="Europe/Kyiv",
    ),
)
