"""A source that serves many new items at once: one summary per chat, one notice per admin,
every item stored, through the durable outbox (store level, then end to end)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.bursts import render_summary
from bot.routing import route
from scrapers.model import Item, Source, published_at
from store.store import BURST, Routing, Store, StoreClosed, StoredItem
from store.subscriptions import Target
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_telegram import USER, serving

SOURCE = Source(id="kremlin-en", name="Kremlin", url="http://en.kremlin.ru/feed")
ADMIN, GROUP, OTHER = 1000, -100900, 43
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def item(n: int, leaders: tuple[str, ...] = ()) -> Item:
    return Item(
        source=SOURCE.id,
        title=f"Item {n}",
        url=f"http://k.ru/{n}",
        published=published_at(START + timedelta(minutes=n)),
        leaders=leaders,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "r.db") as opened:
        opened.sync_sources([SOURCE])
        for chat in (1, 2):
            opened.subscriptions.ensure_chat(chat, "private")
        opened.save_items(SOURCE.id, [item(0)], route=route)  # the baseline
        yield opened


def kinds(store: Store) -> list[tuple[str, int]]:
    return sorted((d.kind, d.chat_id) for d in store.outbox.due())


def test_burst_owes_one_summary_per_chat_and_one_notice_per_admin(store: Store) -> None:
    store.subscriptions.add(Target(1), "source", SOURCE.id)
    store.subscriptions.add(Target(2), "leader", "putin")
    items = [item(n, ("putin",) if n % 10 == 0 else ()) for n in range(1, 31)]
    routing = Routing(route, burst_limit=5, admins=(ADMIN, 1))
    result = store.save_items(SOURCE.id, items, route=routing)
    assert len(result.new) == 30
    # chat 1 follows the source (30 items: a burst); chat 2 follows Putin (3: alerts)
    assert kinds(store) == [
        ("alert", 2),
        ("alert", 2),
        ("alert", 2),
        ("burst", 1),
        ("burst-notice", 1),
        ("burst-notice", ADMIN),
    ]
    (summary,) = [d for d in store.outbox.due() if d.kind == BURST]
    detail = json.loads(summary.detail or "")
    assert (detail["count"], detail["total"]) == (30, 30)
    newest = [store.stored_item(i) for i in detail["newest"]]
    assert [s.item.title for s in newest if s] == [f"Item {n}" for n in (30, 29, 28, 27, 26)]
    assert len(store.items(SOURCE.id)) == 31  # every item stored
    assert store.save_items(SOURCE.id, items, route=routing).queued == 0  # never twice


def test_burst_rows_survive_a_restart_and_are_due_once(tmp_path: Path, store: Store) -> None:
    store.subscriptions.add(Target(1), "source", SOURCE.id)
    routing = Routing(route, burst_limit=3, admins=(ADMIN,))
    store.save_items(SOURCE.id, [item(n) for n in range(1, 10)], route=routing)
    with Store(tmp_path / "r.db") as reopened:
        assert kinds(reopened) == [("burst", 1), ("burst-notice", ADMIN)]
        for delivery in reopened.outbox.due():
            reopened.outbox.sent(delivery.id, 1)
        assert reopened.outbox.due() == []


def test_an_edited_item_does_not_edit_the_summary_naming_it(store: Store) -> None:
    store.subscriptions.add(Target(1), "source", SOURCE.id)
    routing = Routing(route, burst_limit=2)
    store.save_items(SOURCE.id, [item(n) for n in range(1, 5)], route=routing)
    (summary,) = store.outbox.due()
    store.outbox.sent(summary.id, 77)
    edited = Item(**{**item(4).__dict__, "title": "Item 4 (corrected)"})
    store.save_items(SOURCE.id, [edited], route=routing)
    assert store.outbox.due() == []


def test_at_the_limit_each_item_is_alerted(store: Store) -> None:
    store.subscriptions.add(Target(1), "source", SOURCE.id)
    store.save_items(SOURCE.id, [item(n) for n in range(1, 6)], route=Routing(route, 5, (ADMIN,)))
    assert kinds(store) == [("alert", 1)] * 5


def test_a_plain_router_still_bursts_at_the_default_limit(store: Store) -> None:
    store.subscriptions.add(Target(1), "source", SOURCE.id)
    store.save_items(SOURCE.id, [item(n) for n in range(1, 22)], route=route)
    assert kinds(store) == [("burst", 1)]


class _CrashingStore(Store):
    """Stops (as a SIGKILL or a close would) after ``after`` items of a batch are written."""

    after = 0

    def _save_item(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.after -= 1
        if self.after == 0:
            self._stopping.set()
        return super()._save_item(*args, **kwargs)


def test_a_baseline_cut_short_is_a_baseline_again(tmp_path: Path) -> None:
    items = [item(n) for n in range(1, 1300)]
    with _CrashingStore(tmp_path / "c.db") as crashing:
        crashing.sync_sources([SOURCE])
        crashing.subscriptions.ensure_chat(1, "private")
        crashing.subscriptions.add(Target(1), "source", SOURCE.id)
        crashing.after = 700
        with pytest.raises(StoreClosed):
            crashing.save_items(SOURCE.id, items, route=route)
    with Store(tmp_path / "c.db") as store:
        assert store.fetch_state(SOURCE.id).baselined_at is None
        assert 0 < len(store.items(SOURCE.id)) < len(items)
        result = store.save_items(SOURCE.id, items, route=route)
        assert result.baseline and result.queued == 0
        assert len(store.items(SOURCE.id)) == len(items)


def test_a_burst_cut_short_is_still_announced(tmp_path: Path) -> None:
    with _CrashingStore(tmp_path / "c.db") as crashing:
        crashing.sync_sources([SOURCE])
        crashing.subscriptions.ensure_chat(1, "private")
        crashing.subscriptions.add(Target(1), "source", SOURCE.id)
        crashing.save_items(SOURCE.id, [item(0)], route=route)
        crashing._stopping = threading.Event()
        crashing.after = 600
        with pytest.raises(StoreClosed):
            crashing.save_items(SOURCE.id, [item(n) for n in range(1, 1300)], route=route)
    with Store(tmp_path / "c.db") as store:
        (summary,) = store.outbox.due()
        assert summary.kind == BURST and json.loads(summary.detail or "")["count"] == 1299


def test_summary_is_escaped_and_under_the_limit() -> None:
    hostile = [
        StoredItem(
            n,
            Item(SOURCE.id, "<script>&" + "x" * 5000, f"http://k.ru/{n}?a=1&b=<2>"),
            "Kremlin <b>",
        )
        for n in range(5)
    ]
    text = render_summary("Kremlin <b>", 40, 2000, hostile)
    assert len(text) < 4096
    assert text.startswith("<b>Kremlin &lt;b&gt;</b> published 2,000 new items at once, 40 of")
    assert "<script>" not in text and "&lt;script&gt;&amp;" in text
    assert 'href="http://k.ru/0?a=1&amp;b=&lt;2&gt;"' in text
    assert text.endswith("Every one of them is stored: see /recent.")


async def test_flood_sends_each_chat_one_summary_and_admins_one_notice(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    extra = f"admins = [{ADMIN}]\nburst_limit = 5\n"
    async with serving(fake_telegram, site, tmp_path, extra) as h:
        fake_telegram.set_member(GROUP, 8, "administrator")
        await h.command("/subscribe kremlin-en")
        await h.command("/subscribe kremlin-en", chat_id=GROUP, user_id=8, chat_type="group")
        await h.command("/subscribe tokayev", chat_id=OTHER, user_id=OTHER)
        replies = len(fake_telegram.sent)
        flood = [(n, f"Decree number {n}") for n in range(2, 11)]
        h.publish((1, "Baseline item about Putin"), *flood, (11, "Tokayev and Putin talk"))
        await fake_telegram.wait_sent(replies + 4, timeout=30)
        await h.polls(len(h.site.hits("/feed")) + 3)
        news = {m["chat_id"]: m for m in fake_telegram.sent[replies:]}
        assert len(fake_telegram.sent) == replies + 4
        assert set(news) == {USER, GROUP, ADMIN, OTHER}
        for chat in (USER, GROUP):
            summary = news[chat]["text"]
            assert summary.startswith("<b>Kremlin (en)</b> published 10 new items at once.")
            assert "the 5 newest:" in summary and "Decree number 9</a>" in summary
            assert summary.endswith("see /recent.")
        notice = news[ADMIN]["text"]
        assert "served 10 new items in one poll" in notice and "for 2 chats" in notice
        assert "<b>Tokayev</b>" in news[OTHER]["text"]  # few items: alerts as usual
        with h.store() as store:
            assert len(store.items("kremlin-en")) == 11
            assert store.outbox.due() == []
        recent = await h.command("/recent")
        assert "Decree number 9" in recent["text"]
