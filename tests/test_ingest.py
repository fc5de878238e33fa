"""Storing a large poll happens beside the event loop, not on it: the loop keeps answering
(health probe, replies, the sender's writes) while a big batch is being stored."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.routing import route
from scrapers.model import Item, Source
from store.maintenance import probe_writable
from store.store import BURST, Routing, Store
from store.subscriptions import Target

SOURCE = Source(id="kremlin-en", name="Kremlin", url="http://en.kremlin.ru/feed")
START = datetime(2026, 3, 1, tzinfo=UTC)


def item(n: int) -> Item:
    return Item(SOURCE.id, f"Item {n}", f"http://k.ru/{n}", published=START + timedelta(seconds=n))


async def test_loop_answers_while_a_large_batch_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with Store(path) as store:
        store.sync_sources([SOURCE])
        store.subscriptions.ensure_chat(1, "private")
        store.subscriptions.add(Target(1), "source", SOURCE.id)
        await store.ingest(SOURCE.id, [item(0)], route=route)  # the baseline
        batch = [item(n) for n in range(1, 20_001)]
        storing = asyncio.create_task(store.ingest(SOURCE.id, batch, route=Routing(route)))
        answered_meanwhile = 0
        while not storing.done():
            # What /healthz and a chat command do: a write through a connection of its
            # own, then a write and a read on the loop's connection.
            await asyncio.to_thread(probe_writable, path)
            store.admin.audit(1, "someone", "status", "", "ok", True)
            store.subscriptions.of(Target(1))
            if not storing.done():
                answered_meanwhile += 1
            await asyncio.sleep(0.01)
        result = await storing
        assert answered_meanwhile > 0  # on the loop, the batch would finish first
        assert len(result.new) == len(batch)
        assert len(store.items(SOURCE.id)) == len(batch) + 1
        (summary,) = store.outbox.due()
        assert summary.kind == BURST  # 20,000 at once: one summary, not 20,000 alerts


async def test_writer_thread_owns_its_connection_and_closes_with_the_store(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "r.db") as store:
        store.sync_sources([SOURCE])
        await store.ingest(SOURCE.id, [item(1)])
        writers = [t for t in threading.enumerate() if t.name.startswith("store-writer")]
        assert writers
    assert not any(t.is_alive() for t in writers)


async def test_in_memory_store_saves_in_place() -> None:
    with Store(":memory:") as store:
        store.sync_sources([SOURCE])
        result = await store.ingest(SOURCE.id, [item(1), item(2)])
        assert result.baseline and len(store.items()) == 2
