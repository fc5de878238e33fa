"""Admin commands and source health end to end: the service, PTB, the fake Bot API, the
fixture site and the store file."""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from readout.registry import Registry
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_telegram import Harness, serving, until

ADMIN, STRANGER = 1000, 2000


@pytest_asyncio.fixture
async def admin(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> AsyncIterator[Harness]:
    extra = f'admins = [{ADMIN}]\n[scheduler]\ninterval = "1s"\n'
    async with serving(fake_telegram, site, tmp_path, extra) as harness:
        yield harness


async def as_admin(h: Harness, text: str) -> str:
    """The reply's text as the admin reads it (HTML parsed)."""
    reply = await h.command(text, chat_id=ADMIN, user_id=ADMIN)
    assert reply.get("parse_mode") == "HTML"
    return html.unescape(re.sub(r"<[^>]+>", "", str(reply["text"])))


def feed(*titles: str) -> str:
    """A feed whose entries keep their ids whatever order they are served in."""
    return atom(*((zlib.crc32(t.encode()) % 100_000, t) for t in titles))


@pytest.mark.parametrize(
    "command",
    [
        "/addsource new http://example.org/feed",
        "/removesource kremlin-en",
        "/pause kremlin-en",
        "/resume kremlin-en",
        "/check kremlin-en",
        "/status",
        "/addleader ardern Jacinda Ardern",
        "/alias putin Владимир Владимирович",
        "/audit",
        "/subscribe putin @channelname",
    ],
)
async def test_non_admins_are_refused_and_nothing_changes(admin: Harness, command: str) -> None:
    reply = await admin.command(command, chat_id=STRANGER, user_id=STRANGER)
    assert "admins only" in reply["text"]
    with admin.store() as store:
        assert store.admin.leader_entries() == []
        assert store.admin.added_sources() == []
        assert not any(f.paused or f.removed for f in store.admin.flags().values())
        assert store.subscriptions.active() == []
        if not command.startswith("/subscribe"):
            (entry,) = store.admin.latest_audit()
            assert (entry.user_id, entry.ok) == (STRANGER, False)


async def test_addsource_by_feed_baselines_then_alerts_new_items(admin: Harness) -> None:
    url = admin.site.add("/un.xml", feed("Guterres opens session", "Statement on climate"))
    reply = await as_admin(admin, f"/addsource un {url} UN News")
    assert reply == (
        "Added source un. Its 2 current items are the baseline and will not be alerted; "
        "new ones will."
    )
    await admin.command("/subscribe un")
    admin.site.add(
        "/un.xml", feed("Guterres visits Astana", "Guterres opens session", "Statement on climate")
    )
    alert = (await admin.fake.wait_sent(3))[2]
    assert "Guterres visits Astana" in alert["text"] and alert["text"].startswith("<b>UN News</b>")
    await until(lambda: len(admin.site.hits("/un.xml")) >= 5, 10, "more polls")
    assert len(admin.fake.sent) == 3


async def test_addsource_by_page_discovers_its_feed(admin: Harness) -> None:
    feed_url = admin.site.add("/news/rss", feed("First"))
    admin.site.add(
        "/news",
        '<html><head><link rel="alternate" type="application/rss+xml" '
        'href="/news/rss"></head><body>News</body></html>',
        content_type="text/html",
    )
    reply = await as_admin(admin, f"/addsource page {admin.site.url('/news')}")
    assert f"feed found on the page: {feed_url}" in reply
    with admin.store() as store:
        assert [s.url for s in store.admin.added_sources()] == [feed_url]


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ("Bad!Id http://x.org/feed", "is not a valid source id"),
        ("kremlin-en http://x.org/feed", "exists already"),
        ("fresh ftp://x.org/feed", "is not an http(s) URL"),
        ("fresh", "Usage: /addsource"),
        ("fresh /nowhere", "is not an http(s) URL"),
    ],
)
async def test_addsource_refuses_with_the_reason(
    admin: Harness, arguments: str, reason: str
) -> None:
    assert reason in await as_admin(admin, f"/addsource {arguments}")
    with admin.store() as store:
        assert store.admin.added_sources() == []


async def test_addsource_refuses_what_yields_no_items(admin: Harness) -> None:
    empty = admin.site.add("/empty", atom())
    page = admin.site.add(
        "/plain", "<html><body>No feed here</body></html>", content_type="text/html"
    )
    broken = admin.site.add("/broken", "nope", status=500)
    assert "gives no items" in await as_admin(admin, f"/addsource a {empty}")
    assert "advertises no RSS or Atom feed" in await as_admin(admin, f"/addsource b {page}")
    assert "HTTP 500" in await as_admin(admin, f"/addsource c {broken}")
    with admin.store() as store:
        assert store.admin.added_sources() == []


async def test_pause_resume_and_remove(admin: Harness) -> None:
    other = admin.site.add("/other", feed("x"))
    await as_admin(admin, f"/addsource other {other}")
    assert "Paused" in await as_admin(admin, "/pause kremlin-en")
    paused_at = len(admin.site.hits("/feed"))
    await until(lambda: len(admin.site.hits("/other")) >= 4, 10, "polls of the other source")
    assert len(admin.site.hits("/feed")) <= paused_at + 1  # at most one already under way
    assert "Resumed" in await as_admin(admin, "/resume kremlin-en")
    await admin.polls(paused_at + 3)
    assert "Removed source" in await as_admin(admin, "/removesource other")
    removed_at = len(admin.site.hits("/other"))
    await admin.polls(len(admin.site.hits("/feed")) + 3)
    assert len(admin.site.hits("/other")) <= removed_at + 1
    with admin.store() as store:
        assert store.items("other")  # history is kept
    assert "No source" in await as_admin(admin, "/pause other")


async def test_check_reports_without_storing_or_alerting(admin: Harness) -> None:
    await admin.command("/subscribe putin")
    admin.site.add("/feed", atom((7, "Putin checks in"), (1, "Baseline item about Putin")))
    admin.site.add("/checked", feed("Putin checked item"))
    await as_admin(admin, f"/addsource checked {admin.site.url('/checked')}")
    admin.site.add("/checked", feed("Putin new one", "Putin checked item"))
    reply = await as_admin(admin, "/check checked")
    assert reply.startswith("checked: 2 items parsed (nothing stored or alerted).")
    assert "Putin new one" in reply


async def test_status_shows_sources_queue_and_uptime(admin: Harness) -> None:
    reply = await as_admin(admin, "/status")
    assert reply.startswith("Readout ") and "queue: 0 pending" in reply
    assert "✅ kremlin-en ok" in reply
    assert "Usage: /status [page]" in await as_admin(admin, "/status 9")


async def test_leaders_and_aliases_take_effect_and_survive_restart(admin: Harness) -> None:
    added = await as_admin(admin, "/addleader ardern Jacinda Ardern")
    assert "Watching Jacinda Ardern" in added
    aliased = await as_admin(admin, "/alias putin Владимир Владимирович")
    assert "now also means Vladimir Putin" in aliased
    await admin.command("/subscribe ardern")
    await admin.command("/subscribe putin")
    admin.publish(
        (8, "Jacinda Ardern calls"),
        (9, "Владимир Владимирович выступил"),
        (1, "Baseline item about Putin"),
    )
    alerts = (await admin.fake.wait_sent(6))[4:]
    titles = {html.unescape(re.sub(r"<[^>]+>", "", a["text"])).split("\n")[1] for a in alerts}
    assert titles == {"Jacinda Ardern calls", "Владимир Владимирович выступил"}
    # What a restart reads back: the configuration plus what the store kept.
    with admin.store() as store:
        registry = Registry(admin.service.config, store)
        leaders = {leader.id: leader for leader in registry.leaders()}
    assert leaders["ardern"].name == "Jacinda Ardern"
    assert "Владимир Владимирович" in leaders["putin"].aliases


async def test_audit_lists_who_did_what(admin: Harness) -> None:
    await as_admin(admin, "/pause kremlin-en")
    await admin.command("/pause kremlin-en", chat_id=STRANGER, user_id=STRANGER)
    reply = await as_admin(admin, "/audit")
    lines = reply.splitlines()
    assert lines[0] == "Latest admin actions"
    assert "⛔" in lines[1] and "/pause kremlin-en" in lines[1]
    assert "✅" in lines[2] and "Paused" in lines[2]


async def test_failing_source_is_announced_once_and_its_recovery_once(admin: Harness) -> None:
    admin.site.add("/feed", "down", status=503)
    start = len(admin.site.hits("/feed"))
    notice = await admin.fake.wait_sent(1, timeout=20)
    assert notice[0]["chat_id"] == ADMIN
    assert "kremlin-en) is failing: 3 polls in a row" in notice[0]["text"]
    assert "HTTP 503" in notice[0]["text"]
    await admin.polls(start + 5, timeout=30)
    assert len(admin.fake.sent) == 1
    admin.site.add("/feed", atom((1, "Baseline item about Putin")))
    recovered = (await admin.fake.wait_sent(2, timeout=30))[1]
    assert "is working again" in recovered["text"]
    await admin.polls(len(admin.site.hits("/feed")) + 3)
    assert len(admin.fake.sent) == 2


async def test_layout_change_is_announced(admin: Harness) -> None:
    admin.site.add("/feed", feed("One", "Two", "Three"))
    await admin.polls(len(admin.site.hits("/feed")) + 2)
    admin.site.add("/feed", atom())
    notice = (await admin.fake.wait_sent(1))[0]
    assert "layout changed? it returned no items (it used to return 3)" in notice["text"]


async def test_channel_subscription_needs_the_bot_to_post_there(admin: Harness) -> None:
    fake = admin.fake
    fake.set_chat("@newsroom", id=-1001, type="channel", title="Newsroom")
    fake.set_member(-1001, fake.bot_user["id"], "member")
    refused = await as_admin(admin, "/subscribe putin @newsroom")
    assert "I cannot post in Newsroom" in refused
    fake.set_member(-1001, fake.bot_user["id"], "administrator", can_post_messages=True)
    accepted = await as_admin(admin, "/subscribe putin @newsroom")
    assert accepted.startswith("Subscribed Newsroom to Vladimir Putin")
    admin.site.add("/feed", atom((5, "Putin on the channel"), (1, "Baseline item about Putin")))
    alert = [m for m in await fake.wait_sent(3) if m["chat_id"] == -1001]
    assert alert and "Putin</b> on the channel" in alert[0]["text"]


async def test_help_lists_admin_commands_to_admins_only(admin: Harness) -> None:
    assert "/addsource" in await as_admin(admin, "/help")
    stranger = await admin.command("/help", chat_id=STRANGER, user_id=STRANGER)
    assert "/addsource" not in stranger["text"]


async def test_addsource_refuses_private_addresses_unless_allowed(
    site: FixtureSite, tmp_path: Path
) -> None:
    from bot.admin import AdminError
    from readout.config import build_config
    from readout.operations import Operations
    from scrapers.fetch import Fetcher
    from store.store import Store

    url = site.add("/private", feed("Inside"))
    config = build_config({}, {}, "test")
    with Store(tmp_path / "p.db") as store:
        async with Fetcher(config.settings.http.policy()) as fetcher:
            ops = Operations(Registry(config, store), store, fetcher, 3)
            with pytest.raises(AdminError, match="private"):
                await ops.add_source("inside", url, None)
        assert store.admin.added_sources() == []
    assert site.requests == []
