"""Atom out: the running service's ``/feeds/<id>.atom`` as a feed reader sees it, parsed
back with feedparser; and the renderer on plain values."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
import httpx

from readout.atom import LEADER_SCHEME, STORY_SCHEME, TAG_SCHEME, render_atom
from scrapers.model import Item, published_at
from store.store import StoredItem
from store.syndication import FeedEntry
from tests.test_telegram import Harness, running, until  # noqa: F401 - fixture


def feeds_url(h: Harness, name: str) -> str:
    assert h.service.endpoint is not None
    return f"http://{h.service.endpoint.address}/feeds/{name}"


async def test_a_leaders_feed_lists_the_items_naming_them(running: Harness) -> None:  # noqa: F811
    async with httpx.AsyncClient() as client:
        answer = await client.get(feeds_url(running, "putin.atom"))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.feed.title == "Readout: Vladimir Putin"
    (entry,) = parsed.entries
    assert entry.title == "Baseline item about Putin"
    assert entry.link == "http://en.kremlin.ru/events/president/news/1"
    assert entry.id == "urn:readout:item:url:http://en.kremlin.ru/events/president/news/1"
    with running.store() as store:
        (stored,) = store.recent()
    assert entry.author == stored.source_name
    assert entry.published_parsed[:5] == (2026, 11, 21, 9, 0)  # 12:00+03:00
    assert entry.updated_parsed is not None
    assert [(t.term, t.scheme, t.label) for t in entry.tags] == [
        ("putin", LEADER_SCHEME, "Vladimir Putin"),
        *((tag, TAG_SCHEME, None) for tag in stored.item.tags),
    ]


async def test_etag_answers_304_until_the_feed_changes(running: Harness) -> None:  # noqa: F811
    url = feeds_url(running, "kremlin-en.atom")
    async with httpx.AsyncClient() as client:
        first = await client.get(url)
        etag = first.headers["etag"]
        again = await client.get(url, headers={"If-None-Match": etag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        assert (
            await client.get(url, headers={"If-None-Match": f'W/{etag}, "x"'})
        ).status_code == 304
        running.publish((2, "Talks with Tokayev"), (1, "Baseline item about Putin"))
        with running.store() as store:
            await until(lambda: len(store.items("kremlin-en")) == 2, 10, "the new item stored")
        answer = await client.get(url, headers={"If-None-Match": etag})
    assert answer.status_code == 200 and answer.headers["etag"] != etag
    entries = feedparser.parse(answer.content).entries
    assert [e.title for e in entries] == ["Talks with Tokayev", "Baseline item about Putin"]
    assert entries[1].id == feedparser.parse(first.content).entries[0].id


async def test_a_principal_takes_part_in_every_item_of_their_office(
    running: Harness,  # noqa: F811
) -> None:
    running.publish((2, "Meeting with Government members"), (1, "Baseline item about Putin"))
    with running.store() as store:
        await until(lambda: len(store.items("kremlin-en")) == 2, 10, "the new item stored")
    async with httpx.AsyncClient() as client:
        answer = await client.get(feeds_url(running, "putin.atom"))
    titles = [entry.title for entry in feedparser.parse(answer.content).entries]
    assert titles == ["Meeting with Government members", "Baseline item about Putin"]


async def test_a_leader_with_no_items_is_a_valid_empty_feed(running: Harness) -> None:  # noqa: F811
    async with httpx.AsyncClient() as client:
        answer = await client.get(feeds_url(running, "zelenskyy.atom"))
        head = await client.head(feeds_url(running, "zelenskyy.atom"))
    parsed = feedparser.parse(answer.content)
    assert answer.status_code == 200 and not parsed.bozo
    assert parsed.version == "atom10" and parsed.entries == []
    assert head.status_code == 200 and head.headers["etag"] == answer.headers["etag"]


async def test_unknown_ids_and_other_paths_are_404(running: Harness) -> None:  # noqa: F811
    async with httpx.AsyncClient() as client:
        for name in ("nobody.atom", "putin.rss", "putin", "../healthz.atom", "putin.atom/x"):
            answer = await client.get(feeds_url(running, name))
            assert answer.status_code == 404, name
        assert (await client.post(feeds_url(running, "putin.atom"))).status_code == 405


def test_entries_carry_tags_and_date_only_days() -> None:
    item = Item(
        source="akorda-ru",
        title="Глава государства провёл телефонный разговор",
        url="https://www.akorda.kz/ru/talk-2895622",
        published=published_at(datetime(2026, 3, 20, 19, 0, tzinfo=UTC), date_only=True),
        summary="Разговор с Владимиром Путиным",
        leaders=("putin",),
        tags=("call",),
        participants=("putin", "tokayev"),
        principal="tokayev",
        story=12,
    )
    entry = FeedEntry(
        StoredItem(7, item, "Akorda (ru)"),
        "url:http://akorda.kz/ru/talk-2895622",
        "2026-03-21T08:00:00+00:00",
        "2026-03-21T09:30:00+00:00",
    )
    names = {"putin": "Putin", "tokayev": "Tokayev"}
    body = render_atom("source:akorda-ru", "Readout: Akorda (ru)", [entry], names)
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    (out,) = parsed.entries
    assert out.author == "Akorda (ru)" and out.summary == "Разговор с Владимиром Путиным"
    assert [(t.term, t.scheme, t.label) for t in out.tags] == [
        ("putin", LEADER_SCHEME, "Putin"),
        ("tokayev", LEADER_SCHEME, "Tokayev"),
        ("call", TAG_SCHEME, None),
        ("12", STORY_SCHEME, None),
    ]
    assert out.updated_parsed[:5] == (2026, 3, 21, 9, 30)
    assert parsed.feed.updated_parsed[:5] == (2026, 3, 21, 9, 30)
    # Rendering is a function of what is stored: the same entries give the same bytes.
    assert render_atom("source:akorda-ru", "Readout: Akorda (ru)", [entry], names) == body
