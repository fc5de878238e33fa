"""Feeds that move: a 404, a 410 or an HTML page where the feed was sends Readout looking
for the feed the site links (on that page, then its home page) and the catalogue's
fallbacks; it reads the first that works, tells admins once, and keeps asking the
configured address first, so configuration always wins."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from analysis.leaders import LEADERS
from analysis.matching import Matcher
from readout.poll import SourceOutcome, poll_source
from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.model import Source
from store.store import Store
from tests.conftest import Run
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_telegram import serving

ADMIN = 1000


def page_linking(href: str, status_text: str = "Page not found") -> str:
    return (
        "<!DOCTYPE html><html><head><title>President</title>"
        f'<link rel="alternate" type="application/rss+xml" title="News" href="{href}">'
        f"</head><body><h1>{status_text}</h1><nav><a href='/'>Home</a></nav></body></html>"
    )


PLAIN_PAGE = "<!DOCTYPE html><html><head><title>New site</title></head><body>News</body></html>"


class Poller:
    def __init__(self, store: Store, fetcher: Fetcher) -> None:
        self.store, self.fetcher, self.matcher = store, fetcher, Matcher(LEADERS)

    async def __call__(self, source: Source) -> SourceOutcome:
        self.store.sync_sources([source])
        return await poll_source(source, self.fetcher, self.store, self.matcher)


@pytest_asyncio.fixture
async def poll(tmp_path: Path) -> AsyncIterator[Poller]:
    policy = FetchPolicy(timeout=3, allow_private_addresses=True)
    with Store(tmp_path / "r.db") as store:
        async with Fetcher(policy) as fetcher:
            yield Poller(store, fetcher)


def source_at(site: FixtureSite, path: str, *fallbacks: str) -> Source:
    return Source(
        id="president-ua",
        name="President of Ukraine",
        url=site.url(path),
        fallbacks=tuple(site.url(f) for f in fallbacks),
    )


async def test_404_page_linking_the_new_feed_is_followed(site: FixtureSite, poll: Poller) -> None:
    source = source_at(site, "/rss/news/all.rss")
    site.add("/rss/news/all.rss", atom((1, "Baseline")))
    assert (await poll(source)).baseline
    site.add("/rss/news/all.rss", page_linking("/rss/v2/news.xml"), status=404)
    site.add("/rss/v2/news.xml", atom((2, "Talks with Putin"), (1, "Baseline")), etag='"v2"')
    moved = await poll(source)
    assert moved.ok and moved.moved_to == site.url("/rss/v2/news.xml")
    assert [i.title for i in moved.new] == ["Talks with Putin"]
    assert moved.new[0].leaders == ("putin",)
    state = poll.store.fetch_state(source.id)
    assert (state.moved_to, state.moved_from) == (moved.moved_to, source.url)

    # Next poll: the configured address is asked first (unconditionally), the alternate
    # is remembered (no home-page discovery) and answers 304 to its own validators.
    configured, home = len(site.hits("/rss/news/all.rss")), len(site.hits("/"))
    again = await poll(source)
    assert again.ok and again.unchanged and again.moved_to is None
    assert len(site.hits("/rss/news/all.rss")) == configured + 1
    assert "If-None-Match" not in site.hits("/rss/news/all.rss")[-1].headers
    assert site.hits("/rss/v2/news.xml")[-1].headers.get("If-None-Match") == '"v2"'
    assert len(site.hits("/")) == home

    # The configured address works again: it wins, and the detour is forgotten.
    site.add("/rss/news/all.rss", atom((3, "Statement"), (2, "Talks with Putin")))
    back = await poll(source)
    assert back.ok and back.moved_back and [i.title for i in back.new] == ["Statement"]
    assert poll.store.fetch_state(source.id).moved_to is None


async def test_410_falls_back_to_the_catalogue_address(site: FixtureSite, poll: Poller) -> None:
    source = source_at(site, "/rss/news/all.rss", "/rss/news.rss")
    site.add("/rss/news/all.rss", "Gone", status=410, content_type="text/plain")
    site.add("/rss/news.rss", atom((1, "Address by the President")))
    outcome = await poll(source)
    assert outcome.ok and outcome.moved_to == site.url("/rss/news.rss")
    assert [i.title for i in outcome.new] == ["Address by the President"]
    assert len(site.hits("/")) == 1  # the home page was looked at before the fallback


async def test_html_instead_of_a_feed_is_followed_through_the_home_page(
    site: FixtureSite, poll: Poller
) -> None:
    source = source_at(site, "/en/rss")
    site.add("/en/rss", PLAIN_PAGE, content_type="text/html; charset=utf-8")
    site.add("/", page_linking("/en/feed.xml", "Welcome"), content_type="text/html")
    site.add("/en/feed.xml", atom((1, "Meeting with Aliyev")))
    outcome = await poll(source)
    assert outcome.ok and outcome.moved_to == site.url("/en/feed.xml")
    assert outcome.new[0].leaders == ("aliyev",)


async def test_nothing_found_fails_with_the_original_reason(
    site: FixtureSite, poll: Poller
) -> None:
    source = source_at(site, "/feed", "/also-gone.rss")
    site.add("/feed", page_linking("/dead.xml"), status=404)
    site.add("/dead.xml", PLAIN_PAGE, content_type="text/html")
    outcome = await poll(source)
    assert outcome.error == "HTTP 404 Not Found; no feed found where it may have moved"
    assert [len(site.hits(p)) for p in ("/dead.xml", "/", "/also-gone.rss")] == [1, 1, 1]
    assert poll.store.fetch_state(source.id).moved_to is None


def test_configured_fallbacks_are_tried(
    site: FixtureSite, cli: Callable[..., Run], tmp_path: Path
) -> None:
    site.add("/gone.rss", "Gone", status=410, content_type="text/plain")
    site.add("/also-gone.rss", "Not here", status=404, content_type="text/plain")
    site.add("/feeds/news.rss", atom((1, "Statement by the President")))
    config = tmp_path / "readout.toml"
    config.write_text(
        "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
        f'[store]\npath = "{tmp_path / "r.db"}"\n'
        f'[[sources]]\nid = "office"\nurl = "{site.url("/gone.rss")}"\n'
        f'fallbacks = ["{site.url("/also-gone.rss")}", "{site.url("/feeds/news.rss")}"]\n'
    )
    run = cli("--config", str(config), "poll")
    assert run.code == 0, run.out + run.err
    with Store(tmp_path / "r.db") as store:
        assert [row["title"] for row in store.items()] == ["Statement by the President"]
        assert store.fetch_state("office").moved_to == site.url("/feeds/news.rss")


@pytest.mark.parametrize("status", [403, 500, 503])
async def test_errors_that_say_nothing_about_the_address_are_not_followed(
    site: FixtureSite, poll: Poller, status: int
) -> None:
    source = source_at(site, "/feed", "/fallback.rss")
    site.add("/feed", page_linking("/linked.xml", "Access denied"), status=status)
    site.add("/linked.xml", atom((1, "Should not be read")))
    site.add("/fallback.rss", atom((1, "Should not be read")))
    outcome = await poll(source)
    assert outcome.error is not None and outcome.error.startswith(f"HTTP {status}")
    assert not site.hits("/linked.xml") and not site.hits("/fallback.rss") and not site.hits("/")


async def test_admins_hear_once_that_a_feed_moved(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path, f"admins = [{ADMIN}]\n") as running:
        await running.command("/subscribe putin")
        site.add("/feed", page_linking("/moved.xml"), status=404)
        site.add("/moved.xml", atom((2, "Talks with Putin"), (1, "Baseline item about Putin")))
        sent = await running.fake.wait_sent(3)
        notices = [m for m in sent if m["chat_id"] == ADMIN]
        alerts = [m for m in sent[1:] if m["chat_id"] != ADMIN]
        assert len(notices) == 1 and len(alerts) == 1
        url = site.url("/moved.xml")
        assert html.unescape(notices[0]["text"]) == (
            f"↪️ Kremlin (en) (kremlin-en) moved: now reading {url}; pin it with "
            f'url = "{url}" in [[sources]] (id = "kremlin-en").'
        )
        assert "Talks with <b>Putin</b>" in alerts[0]["text"]
        await running.polls(len(site.hits("/feed")) + 3)
        assert len(running.fake.sent) == 3
        reply = await running.command("/status", chat_id=ADMIN, user_id=ADMIN)
        assert f"moved: reading {url}" in reply["text"]
