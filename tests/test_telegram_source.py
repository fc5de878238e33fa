"""Telegram channels as sources: the t.me/s/<channel> preview (fixtures written by us in
its markup), its identity, edits, media-only posts, a redesign, a channel that is not
there, and the bounded reading of older pages, through the real poll and store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analysis.leaders import LEADERS
from analysis.matching import Matcher
from readout.config import ConfigError, build_config
from readout.poll import poll_source
from scrapers.errors import ParseError
from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.model import Source
from scrapers.parsers import parse_batch
from scrapers.telegram import MAX_PAGES, channel_name, is_channel_preview
from store.store import Store
from tests.sitestub import FixtureSite

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
CHANNEL = Source("akorda-tg", "Akorda (Telegram)", "https://t.me/s/aqorda_resmi", kind="telegram")
LOCAL = FetchPolicy(timeout=2.0, max_bytes=1_000_000, allow_private_addresses=True)
HTML = "text/html; charset=utf-8"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_every_post_is_an_item_with_its_permanent_link_and_time() -> None:
    batch = parse_batch(fixture("aqorda_resmi.html"), CHANNEL)
    assert not batch.fallback and batch.skipped == ()
    numbers = [item.url.rsplit("/", 1)[1] for item in batch.items if item.url]
    assert numbers == ["1202", "1203", "1204", "1205", "1208", "1209"]  # no service message
    first = batch.items[0]
    assert first.guid == first.url == "https://t.me/aqorda_resmi/1202"
    assert first.title == (
        "Глава государства провёл телефонный разговор с Президентом России Владимиром Путиным"
    )
    assert first.text.splitlines()[1] == (
        "Стороны обсудили вопросы торгово-экономического сотрудничества."
    )
    assert first.published is not None
    assert first.published.isoformat() == "2026-11-30T09:15:00+00:00"
    assert all("14.2K" not in item.text and "views" not in item.text for item in batch.items)


def test_forwarded_album_and_media_only_posts() -> None:
    items = {item.url: item for item in parse_batch(fixture("aqorda_resmi.html"), CHANNEL).items}
    forwarded = items["https://t.me/aqorda_resmi/1204"]
    assert forwarded.summary.startswith("Forwarded from МИД Казахстана. ")
    assert "МИД Казахстана" not in forwarded.text  # the matcher reads the post, not its origin
    album = items["https://t.me/aqorda_resmi/1205"]
    assert album.title == "Ақорда: Мемлекеттік наградаларды тапсыру рәсімі"
    assert "https://t.me/aqorda_resmi/1206" not in items  # an album's photos are one item
    assert items["https://t.me/aqorda_resmi/1208"].title == "Photo"
    assert items["https://t.me/aqorda_resmi/1209"].title == "Document: Указ №123.pdf"


def test_a_redesigned_preview_is_read_by_its_post_links() -> None:
    batch = parse_batch(fixture("redesigned.html"), CHANNEL)
    assert batch.fallback
    assert [(item.url, item.title) for item in batch.items] == [
        ("https://t.me/aqorda_resmi/1310", "Глава государства встретился с Премьер-министром."),
        (
            "https://t.me/aqorda_resmi/1311",
            "Тоқаев Ресей Президенті Владимир Путинмен телефон арқылы сөйлесті.",
        ),
    ]


@pytest.mark.parametrize(
    ("body", "url", "reason"),
    [
        (fixture("not_a_channel.html"), "https://t.me/no_such_office", "led to"),
        (fixture("not_a_channel.html"), "https://t.me/s/aqorda_resmi", "shows no posts"),
        (b"", "https://t.me/s/aqorda_resmi", "shows no posts"),
    ],
)
def test_a_missing_or_private_channel_is_one_clear_reason(
    body: bytes, url: str, reason: str
) -> None:
    with pytest.raises(ParseError, match=reason) as raised:
        parse_batch(body, CHANNEL, url=url)
    assert "does not exist, is private, or has no public preview" in str(raised.value)


def test_channel_addresses() -> None:
    assert channel_name("https://t.me/s/aqorda_resmi") == "aqorda_resmi"
    assert is_channel_preview("https://t.me/s/V_Zelenskiy_official/")
    assert not is_channel_preview("https://t.me/aqorda_resmi")  # the channel page, no posts
    assert not is_channel_preview("https://example.org/s/aqorda_resmi")
    assert not is_channel_preview("https://t.me/s/a")  # too short for a channel name


def test_config_telegram_source_needs_a_preview_url() -> None:
    entry = {"id": "tg", "url": "https://t.me/aqorda_resmi", "kind": "telegram"}
    with pytest.raises(ConfigError, match=r"sources\[0\]\.url: .*t\.me/s/<channel>"):
        build_config({"sources": [entry]}, {}, "test")
    entry["url"] = "https://t.me/s/aqorda_resmi"
    assert build_config({"sources": [entry]}, {}, "test").source("tg") is not None


# ------------------------------------------------------------------ through the poll


def post(number: int, text: str, at: datetime, edited: bool = False) -> str:
    mark = "edited &nbsp;" if edited else ""
    return f"""
<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message
 text_not_supported_wrap js-widget_message" data-post="aqorda_resmi/{number}">
<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_text js-message_text"
 dir="auto">{text}</div><div class="tgme_widget_message_footer compact js-message_footer">
<div class="tgme_widget_message_info short js-message_info"><span
 class="tgme_widget_message_views">1K</span><span class="tgme_widget_message_meta">{mark}<a
 class="tgme_widget_message_date" href="https://t.me/aqorda_resmi/{number}"><time
 datetime="{at.isoformat()}" class="time">{at:%H:%M}</time></a></span></div></div></div>
</div></div>"""


def page(*posts: str, before: int | None = None) -> bytes:
    more = (
        f'<a class="tme_messages_more js-messages_more" data-before="{before}" '
        f'href="/s/aqorda_resmi?before={before}"></a>'
        if before
        else ""
    )
    history = f'<section class="tgme_channel_history js-message_history">{more}{"".join(posts)}'
    return f"<html><body><main>{history}</section></main></body></html>".encode()


async def poll(site: FixtureSite, store: Store) -> tuple[list[str], list[str]]:
    source = Source(CHANNEL.id, CHANNEL.name, site.url("/s/aqorda_resmi"), kind="telegram")
    store.sync_sources([source])
    async with Fetcher(LOCAL) as fetcher:
        outcome = await poll_source(source, fetcher, store, Matcher(LEADERS))
    assert outcome.ok, outcome.error
    return [i.url or "" for i in outcome.new], [i.url or "" for i in outcome.updated]


OLD = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def test_an_edited_post_is_an_edit_and_views_are_not(
    site: FixtureSite, tmp_path: Path
) -> None:
    site.add("/s/aqorda_resmi", page(post(1, "Указ подписан", OLD)), content_type=HTML)
    with Store(tmp_path / "r.db") as store:
        assert await poll(site, store) == (["https://t.me/aqorda_resmi/1"], [])
        site.add(
            "/s/aqorda_resmi",
            page(post(1, "Указ подписан", OLD)).replace(b">1K<", b">2K<"),
            content_type=HTML,
        )
        assert await poll(site, store) == ([], [])
        site.add(
            "/s/aqorda_resmi",
            page(post(1, "Указ № 5 подписан", OLD, edited=True), post(2, "Новое", OLD)),
            content_type=HTML,
        )
        assert await poll(site, store) == (
            ["https://t.me/aqorda_resmi/2"],
            ["https://t.me/aqorda_resmi/1"],
        )
        (row,) = [r for r in store.items() if r["url"].endswith("/1")]
        assert row["title"] == "Указ № 5 подписан" and row["revision"] == 1


async def test_older_pages_are_read_only_while_every_post_is_new_and_bounded(
    site: FixtureSite, tmp_path: Path
) -> None:
    site.add("/s/aqorda_resmi", page(post(10, "Старый", OLD)), content_type=HTML)
    soon = datetime.now(UTC) + timedelta(minutes=5)
    with Store(tmp_path / "r.db") as store:
        await poll(site, store)  # the baseline: one page, whatever it links
        site.add(
            "/s/aqorda_resmi",
            page(post(30, "Третий", soon), post(31, "Четвёртый", soon), before=30),
            content_type=HTML,
        )
        site.add(
            "/s/aqorda_resmi?before=30",
            page(post(20, "Первый", soon), post(21, "Второй", soon), before=20),
            content_type=HTML,
        )
        site.add(
            "/s/aqorda_resmi?before=20",
            page(post(10, "Старый", OLD), before=10),
            content_type=HTML,
        )
        new, _ = await poll(site, store)
        assert sorted(int(url.rsplit("/", 1)[1]) for url in new) == [20, 21, 30, 31]
        assert len(site.hits("/s/aqorda_resmi?before=20")) == 1
        assert site.hits("/s/aqorda_resmi?before=10") == []  # an old post: nothing missed
        # A channel that seems to have nothing but new posts is read MAX_PAGES deep, no more.
        for number in range(100, 100 + 2 * MAX_PAGES, 2):
            site.add(
                f"/s/aqorda_resmi?before={number + 2}",
                page(post(number, "Ещё", soon), before=number),
                content_type=HTML,
            )
        site.add(
            "/s/aqorda_resmi",
            page(post(200, "Ещё", soon), before=100 + 2 * MAX_PAGES),
            content_type=HTML,
        )
        before = len(site.requests)
        await poll(site, store)
        assert len(site.requests) - before == MAX_PAGES
