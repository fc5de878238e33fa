"""Storing a large poll happens beside the event loop, not on it: the loop keeps answering
(health probe, replies, the sender's writes) while a big batch is being stored."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analysis.matching import Matcher
from bot.routing import route
from readout.poll import LARGE_BODY, CollectorPause, poll_source, read_items
from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.model import Item, Source, published_at
from store.maintenance import probe_writable
from store.store import BURST, Routing, Store
from store.subscriptions import Subscription, Target
from tests.sitestub import FixtureSite

SOURCE = Source(id="kremlin-en", name="Kremlin", url="http://en.kremlin.ru/feed")
START = datetime(2026, 3, 1, tzinfo=UTC)


def item(n: int) -> Item:
    return Item(
        SOURCE.id,
        f"Item {n}",
        f"http://k.ru/{n}",
        published=published_at(START + timedelta(seconds=n)),
    )


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


def test_collector_is_held_off_only_while_large_bodies_are_parsed() -> None:
    pause = CollectorPause()
    with pause.during(LARGE_BODY - 1):
        assert gc.isenabled()
    with pause.during(LARGE_BODY):
        assert not gc.isenabled()
        with pause.during(LARGE_BODY):  # two sources parsing large bodies at once
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), pause.during(LARGE_BODY):
        raise ValueError("a parser bug")
    assert gc.isenabled()


def test_what_a_large_body_leaves_alive_is_promoted_without_a_collection() -> None:
    """A collection scanning every survivor stops every thread, the event loop's too."""
    collections: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    pause = CollectorPause()
    gc.callbacks.append(record)
    try:
        with pause.during(LARGE_BODY):
            kept = [[n] for n in range(20_000)]
        more = [[n] for n in range(100)]  # the allocations that would set one off
    finally:
        gc.callbacks.remove(record)
    assert collections == []
    oldest = {id(found) for found in gc.get_objects(generation=2)}
    assert all(id(batch) in oldest for batch in kept) and more


def test_cycles_made_during_a_pause_are_still_collected() -> None:
    """Survivors are promoted, not frozen for good: garbage among them is freed later."""

    class Node:
        other: object = None

    pause = CollectorPause()
    with pause.during(LARGE_BODY):
        node = Node()
        node.other = node
        gone = weakref.ref(node)
        del node
    gc.collect()
    assert gone() is None


def large_feed(entries: int = 100) -> bytes:
    """An RSS document of at least LARGE_BODY bytes: long descriptions, few entries."""
    lead = "word " * 4_000
    items = "".join(
        f"<item><title>Statement {n}</title><link>https://k.ru/{n}</link>"
        f"<description>{lead}</description></item>"
        for n in range(entries)
    )
    body = f'<rss version="2.0"><channel><title>K</title>{items}</channel></rss>'.encode()
    assert len(body) >= LARGE_BODY
    return body


def test_large_body_is_parsed_with_the_collector_back_on_afterwards() -> None:
    items = read_items(large_feed(), SOURCE, Matcher(()))
    assert len(items) == 100 and gc.isenabled()


async def test_a_large_body_is_stored_with_the_collector_held_off(
    site: FixtureSite, tmp_path: Path
) -> None:
    """Storing a large body's items is the other half of the work whose survivors a
    collection would scan; routing runs on the writer thread as each item is saved."""
    site.add("/big", large_feed())
    source = Source(id=SOURCE.id, name="Kremlin", url=site.url("/big"))
    collector_on: list[bool] = []

    def record(found: Item, subscriptions: Sequence[Subscription]) -> list[Target]:
        collector_on.append(gc.isenabled())
        return route(found, subscriptions)

    with Store(tmp_path / "r.db") as store:
        store.sync_sources([source])
        store.subscriptions.ensure_chat(1, "private")
        store.subscriptions.add(Target(1), "source", source.id)
        baseline = Item(source.id, "Baseline", "https://k.ru/baseline")
        await store.ingest(source.id, [baseline])  # so that what follows is new
        async with Fetcher(FetchPolicy(allow_private_addresses=True)) as fetcher:
            outcome = await poll_source(source, fetcher, store, Matcher(()), Routing(record))
    assert outcome.ok and len(outcome.new) == 100
    assert len(collector_on) == 100 and not any(collector_on)
    assert gc.isenabled()
