"""Per-chat bounds and replies that never pass Telegram's limit: subscriptions and keywords
capped, listings paginated, the audit trail cut and pruned."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.pages import MESSAGE_LIMIT, PageError, page_argument, page_of, paginate
from readout.config import load_config
from readout.service import Service
from store.admin import AUDIT_ARGUMENTS_MAX
from store.maintenance import Maintenance
from store.store import Store
from store.subscriptions import MAX_KEYWORDS, MAX_SUBSCRIPTIONS, LimitReached, Target
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_telegram import USER, serving, until

ADMIN, STRANGER = 1000, 2000


def test_pages_cut_at_line_ends_under_the_limit_and_lose_nothing() -> None:
    lines = [f"• keyword <code>{n:03} {'x' * 90}</code>" for n in range(200)]
    pages = paginate("<b>This chat follows:</b>", lines)
    assert len(pages) > 1
    assert all(len(page) <= MESSAGE_LIMIT - 200 for page in pages)
    assert all(page.startswith("<b>This chat follows:</b>\n") for page in pages)
    shown = [line for page in pages for line in page.split("\n")[1:]]
    assert shown == lines


def test_a_line_longer_than_a_page_is_shortened_as_plain_text() -> None:
    (page,) = paginate("", ["<b>" + "&lt;" * 5000 + "</b>"])
    assert len(page) <= MESSAGE_LIMIT and page.endswith("…")
    assert "<b>" not in page and page.startswith("&lt;&lt;")


def test_page_footer_points_at_the_next_page() -> None:
    lines = ["y" * 1000] * 9
    first = page_of("recent", "", lines, None, given="putin")
    assert first.endswith("Page 1 of 3: /recent putin 2 for more.")
    assert page_of("recent", "", lines, "3").endswith("Page 3 of 3.")
    assert page_of("sources", "S", ["a"], None) == "S\na"
    with pytest.raises(
        PageError, match=r"Usage: /recent \[leader\] \[page\], with page from 1 to 3"
    ):
        page_of("recent", "", lines, "4", usage="[leader]")
    assert page_argument(["putin", "2"]) == (["putin"], "2")
    assert page_argument(["putin"]) == (["putin"], None)


def test_store_refuses_past_the_limits_and_changes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as store:
        subs = store.subscriptions
        subs.ensure_chat(1, "supergroup")
        for n in range(MAX_KEYWORDS):
            assert subs.add(Target(1, n % 3), "keyword", f"word {n}")
        with pytest.raises(LimitReached) as caught:
            subs.add(Target(1, 9), "keyword", "one too many")
        assert caught.value.kind == "keyword"
        assert not subs.add(Target(1), "keyword", "word 0")  # already there: not refused
        for n in range(MAX_SUBSCRIPTIONS - MAX_KEYWORDS):
            assert subs.add(Target(1), "source", f"source-{n}")
        with pytest.raises(LimitReached):
            subs.add(Target(1), "leader", "putin")
        count = store.db.execute("SELECT count(*) FROM subscriptions").fetchone()[0]
        assert count == MAX_SUBSCRIPTIONS
        subs.ensure_chat(2, "private")
        assert subs.add(Target(2), "leader", "putin")  # another chat has its own allowance


def plain(reply: dict) -> str:  # type: ignore[type-arg]
    return html.unescape(re.sub(r"<[^>]+>", "", str(reply["text"])))


async def test_full_chat_is_refused_politely_and_lists_in_pages(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path) as h:
        await h.command("/subscribe putin")
        keywords = [f"{n:03} " + "long keyword " * 7 for n in range(MAX_KEYWORDS)]
        with h.store() as store:
            for word in keywords:
                store.subscriptions.add(Target(USER), "keyword", word.strip())
        refused = await h.command("/keyword one more")
        assert plain(refused) == (
            "This chat already follows 100 keywords, the most Readout allows: /unkeyword one "
            "first. Nothing was changed."
        )
        first = await h.command("/subscriptions")
        match = re.search(r"Page 1 of (\d+): /subscriptions 2 for more\.$", first["text"])
        assert match, first["text"][-200:]
        pages = [first] + [
            await h.command(f"/subscriptions {n}") for n in range(2, int(match[1]) + 1)
        ]
        assert all(len(page["text"]) < MESSAGE_LIMIT for page in pages)
        listed = "\n".join(plain(page) for page in pages)
        assert all(word.strip() in listed for word in keywords)
        assert "leader Vladimir Putin (putin)" in listed and "one more" not in listed
        assert plain(await h.command("/subscriptions 99")).startswith("Usage: /subscriptions")
        with h.store() as store:
            assert len(store.subscriptions.of(Target(USER))) == MAX_KEYWORDS + 1


async def test_subscription_limit_refuses_subscribe_and_changes_nothing(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path) as h:
        await h.command("/sources")
        with h.store() as store:
            for n in range(MAX_SUBSCRIPTIONS):
                store.subscriptions.add(Target(USER), "source", f"gone-{n}")
        refused = plain(await h.command("/subscribe putin"))
        assert refused.startswith("This chat already follows 300 leaders, sources and keywords")
        with h.store() as store:
            assert all(s.target.startswith("gone-") for s in store.subscriptions.of(Target(USER)))


async def test_stranger_s_long_arguments_are_audited_cut(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path, f"admins = [{ADMIN}]\n") as h:
        junk = "x" * 3000
        for n in range(12):
            reply = await h.command(f"/addsource s{n} {junk}", chat_id=STRANGER, user_id=STRANGER)
            assert "admins only" in reply["text"]
        with h.store() as store:
            entries = store.admin.latest_audit(50)
        assert len(entries) == 12
        assert all(len(e.arguments) <= AUDIT_ARGUMENTS_MAX for e in entries)
        assert entries[0].arguments.startswith("s11 xxx") and entries[0].arguments.endswith("…")
        audit = await h.command("/audit", chat_id=ADMIN, user_id=ADMIN)
        assert len(audit["text"]) < MESSAGE_LIMIT
        assert "Latest admin actions" in audit["text"]


def test_prune_audit_deletes_only_rows_past_retention(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as store:
        store.admin.audit(1, "old", "pause", "x", "refused", False)
        store.db.execute("UPDATE audit SET at = ?", [old_stamp(100)])
        store.admin.audit(2, "new", "pause", "y", "refused", False)
        upkeep = Maintenance(store.db)
        assert upkeep.prune_audit(datetime.now(UTC) - timedelta(days=90)) == 1
        assert [e.user_name for e in store.admin.latest_audit()] == ["new"]


def old_stamp(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


async def test_upkeep_prunes_the_audit_with_the_deliveries_retention(
    site: FixtureSite, tmp_path: Path
) -> None:
    db = tmp_path / "r.db"
    with Store(db) as store:
        store.admin.audit(1, "stranger", "addsource", "x", "refused", False)
        store.db.execute("UPDATE audit SET at = ?", [old_stamp(31)])
        store.admin.audit(1, "stranger", "addsource", "y", "refused", False)
    site.add("/feed", atom((1, "Baseline")))
    config = tmp_path / "readout.toml"
    config.write_text(
        "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
        '[health]\nlisten = "127.0.0.1:0"\n'
        f'[store]\npath = "{db}"\nkeep_deliveries_days = 30\nmaintenance_interval = "1s"\n'
        f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/feed")}"\n'
    )
    service = Service(load_config(config, env={}))
    task = asyncio.create_task(service.run(handle_signals=False))
    try:
        with Store(db) as store:
            await until(lambda: len(store.admin.latest_audit()) == 1, 15, "the upkeep")
            assert store.admin.latest_audit()[0].arguments == "y"
    finally:
        service.stopping.set()
        assert await asyncio.wait_for(task, 10) == 0


async def test_sources_reply_comes_in_pages_and_recent_stays_whole(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    long_name = "Press office of a ministry with a very long name indeed " * 3
    sources = "".join(
        f'[[sources]]\nid = "s{n:02}"\nname = "{long_name}{n}"\n'
        f'url = "{site.url("/missing")}"\ninterval = "30d"\n'
        for n in range(30)
    )
    site.add("/feed", atom(*((n, f"Statement {n} " + "word " * 300) for n in range(1, 6))))
    async with serving(fake_telegram, site, tmp_path, sources) as h:
        first = await h.command("/sources")
        found = re.search(r"Page 1 of (\d+): /sources 2 for more\.$", first["text"])
        assert found, first["text"][-100:]
        pages = [first] + [await h.command(f"/sources {n}") for n in range(2, int(found[1]) + 1)]
        assert all(len(page["text"]) <= MESSAGE_LIMIT for page in pages)
        listed = "\n".join(page["text"] for page in pages)
        assert all(f"<code>s{n:02}</code>" in listed for n in range(30))
        assert plain(await h.command("/sources 0")).startswith("Usage: /sources [page]")
        recent = await h.command("/recent")  # titles are capped by the parser: one page
        assert len(recent["text"]) <= MESSAGE_LIMIT and "Page" not in recent["text"]
        assert all(f"Statement {n} word" in recent["text"] for n in range(1, 6))
