from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.routing import route
from scrapers.model import Item, Source
from store.store import Store
from store.subscriptions import Target

SOURCE = Source(id="kremlin-en", name="Kremlin", url="http://en.kremlin.ru/feed")


def item(n: int, title: str = "Talks", leaders: tuple[str, ...] = ("putin",)) -> Item:
    return Item(source=SOURCE.id, title=f"{title} {n}", url=f"http://k.ru/{n}", leaders=leaders)


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Store(tmp_path / "r.db") as opened:
        opened.sync_sources([SOURCE])
        for chat in (1, 2, 3):
            opened.subscriptions.ensure_chat(chat, "private")
        opened.save_items(SOURCE.id, [item(0)], route=route)  # the baseline
        yield opened


def test_stored_item_reads_back_for_its_alert(store: Store) -> None:
    tagged = Item(SOURCE.id, "Call", "http://k.ru/9", leaders=("putin",), tags=("call",))
    store.save_items(SOURCE.id, [tagged], route=route)
    (stored,) = [s for s in store.recent("putin", 10) if s.item.title == "Call"]
    assert stored.item == tagged and stored.source_name == "Kremlin"


def test_baseline_owes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "b.db") as store:
        store.sync_sources([SOURCE])
        store.subscriptions.ensure_chat(1, "private")
        store.subscriptions.add(Target(1), "leader", "putin")
        result = store.save_items(SOURCE.id, [item(1)], route=route)
        assert result.baseline and result.queued == 0 and store.outbox.due() == []


def test_new_item_is_owed_once_per_chat_and_topic(store: Store) -> None:
    subs = store.subscriptions
    subs.add(Target(1), "leader", "putin")
    subs.add(Target(1), "source", "kremlin-en")
    subs.add(Target(2), "source", "kremlin-en")
    subs.add(Target(2, 77), "leader", "putin")
    subs.add(Target(3), "leader", "trump")
    result = store.save_items(SOURCE.id, [item(1)], route=route)
    assert result.queued == 3
    assert {d.target for d in store.outbox.due()} == {Target(1), Target(2), Target(2, 77)}
    assert store.save_items(SOURCE.id, [item(1)], route=route).queued == 0


def test_paused_chat_is_not_owed_new_items(store: Store) -> None:
    store.subscriptions.add(Target(1), "leader", "putin")
    store.subscriptions.pause_chat(1, "bot was blocked by the user")
    assert store.save_items(SOURCE.id, [item(1)], route=route).queued == 0
    store.subscriptions.resume_chat(1)
    assert store.save_items(SOURCE.id, [item(2)], route=route).queued == 1


def test_edit_of_a_sent_alert_is_owed_as_an_edit(store: Store) -> None:
    store.subscriptions.add(Target(1), "leader", "putin")
    store.save_items(SOURCE.id, [item(1)], route=route)
    (delivery,) = store.outbox.due()
    store.outbox.sent(delivery.id, message_id=555)
    assert store.outbox.due() == []
    store.save_items(SOURCE.id, [item(1, title="Talks (corrected)")], route=route)
    (edit,) = store.outbox.due()
    assert edit.edit_pending and edit.message_id == 555
    store.outbox.edited(edit.id)
    assert store.outbox.due() == []


def test_retry_waits_until_it_is_due(store: Store) -> None:
    store.subscriptions.add(Target(1), "leader", "putin")
    store.save_items(SOURCE.id, [item(1)], route=route)
    (delivery,) = store.outbox.due()
    later = datetime.now(UTC) + timedelta(seconds=30)
    store.outbox.retry_at(delivery.id, later, "flood control")
    assert store.outbox.due() == []
    assert [d.id for d in store.outbox.due(now=later + timedelta(seconds=1))] == [delivery.id]


def test_migrated_chat_takes_subscriptions_and_pending_alerts(store: Store) -> None:
    store.subscriptions.ensure_chat(-5, "group", "Analysts")
    store.subscriptions.add(Target(-5), "leader", "putin")
    store.save_items(SOURCE.id, [item(1)], route=route)
    store.subscriptions.move_chat(-5, -1005)
    assert [d.chat_id for d in store.outbox.due()] == [-1005]
    assert [s.chat_id for s in store.subscriptions.active()] == [-1005]
    assert store.subscriptions.chat_status(-5) is None


def test_skipping_a_chat_drops_only_its_pending_alerts(store: Store) -> None:
    store.subscriptions.add(Target(1), "leader", "putin")
    store.subscriptions.add(Target(2), "leader", "putin")
    store.save_items(SOURCE.id, [item(1)], route=route)
    store.outbox.skip_chat(1, "chat paused")
    assert [d.chat_id for d in store.outbox.due()] == [2]
    assert store.outbox.counts() == {"pending": 1, "skipped": 1}
