import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils

from scrapers.model import Item, Published, Source
from store.schema import MIGRATIONS, SCHEMA_VERSION, SchemaError
from store.store import Store

SOURCE = Source(id="kremlin-en", name="Kremlin", url="http://en.kremlin.ru/feed")
MSK = timezone(timedelta(hours=3))


def item(n: int, **changes: object) -> Item:
    fields: dict[str, object] = {
        "source": SOURCE.id,
        "title": f"Meeting number {n}",
        "url": f"http://en.kremlin.ru/events/president/news/{n}",
        "guid": f"http://en.kremlin.ru/events/president/news/{n}",
        "published": Published(datetime(2026, 11, 20, 12, n % 60, tzinfo=MSK)),
        "summary": "Lead.",
        "text": f"Meeting number {n}. Lead.",
        "leaders": ("putin",),
    }
    fields.update(changes)
    return Item(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Store(tmp_path / "readout.db") as opened:
        opened.sync_sources([SOURCE])
        yield opened


def test_first_batch_is_baseline_and_later_items_are_not(store: Store) -> None:
    first = store.save_items(SOURCE.id, [item(1), item(2)])
    second = store.save_items(SOURCE.id, [item(1), item(2), item(3)])
    assert first.baseline and len(first.new) == 2
    assert not second.baseline and [i.title for i in second.new] == ["Meeting number 3"]
    flags = {row["title"]: row["is_baseline"] for row in store.items()}
    assert flags == {"Meeting number 1": 1, "Meeting number 2": 1, "Meeting number 3": 0}


def test_empty_first_poll_sets_no_baseline(store: Store) -> None:
    assert not store.save_items(SOURCE.id, []).baseline
    assert store.save_items(SOURCE.id, [item(1)]).baseline


def test_edited_item_is_not_new(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1)])
    edited = item(1, title="Meeting number 1 (corrected)", summary="Better lead.")
    result = store.save_items(SOURCE.id, [edited])
    assert result.new == [] and [i.title for i in result.updated] == [edited.title]
    (row,) = store.items()
    assert row["title"] == edited.title and row["summary"] == "Better lead."
    assert row["revision"] == 1 and row["is_baseline"] == 1


def test_unchanged_item_is_neither_new_nor_updated(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1)])
    result = store.save_items(SOURCE.id, [item(1)])
    assert result.new == [] and result.updated == []


@pytest.mark.parametrize(
    "variant",
    [
        {"url": "https://www.en.kremlin.ru/events/president/news/1/?utm_source=x", "guid": None},
        {"guid": "https://en.kremlin.ru/events/president/news/1#comments"},
    ],
)
def test_reserved_variant_of_an_item_is_the_same_item(store: Store, variant: dict) -> None:
    store.save_items(SOURCE.id, [item(1, guid=None)])
    result = store.save_items(SOURCE.id, [item(1, **variant)])
    assert result.new == []
    assert len(store.items()) == 1


def test_duplicates_within_one_batch_are_stored_once(store: Store) -> None:
    result = store.save_items(SOURCE.id, [item(1), item(1, title="again")])
    assert len(result.new) == 1 and len(store.items()) == 1


def test_leaders_follow_an_edit(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1, leaders=("putin",))])
    store.save_items(SOURCE.id, [item(1, title="With Tokayev", leaders=("putin", "tokayev"))])
    assert store.items()[0]["leaders"] == ["putin", "tokayev"]


def test_published_keeps_its_offset(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1)])
    assert store.items()[0]["published"] == "2026-11-20T12:01:00+03:00"


def test_a_failing_batch_stores_nothing(store: Store) -> None:
    stranger = item(2, source="not-a-known-source")
    with pytest.raises(sqlite3.IntegrityError):
        store.save_items(SOURCE.id, [item(1), stranger])
    assert store.items() == []
    assert store.fetch_state(SOURCE.id).baselined_at is None


def test_failures_count_until_a_success(store: Store) -> None:
    start = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    store.record_failure(SOURCE.id, "HTTP 500", at=start)
    state = store.record_failure(SOURCE.id, "timed out", at=start + timedelta(minutes=5))
    assert state.consecutive_failures == 2
    assert state.failing_since == "2026-11-25T10:00:00+00:00"
    assert state.last_error == "timed out"
    store.record_success(SOURCE.id, etag='"v1"', last_modified=None, body_hash="h")
    state = store.fetch_state(SOURCE.id)
    assert (state.consecutive_failures, state.failing_since, state.last_error) == (0, None, None)
    assert state.etag == '"v1"'


def test_changed_source_definition_forgets_the_cache(store: Store) -> None:
    store.record_success(SOURCE.id, etag='"v1"', last_modified="x", body_hash="h")
    store.sync_sources([SOURCE])
    assert store.fetch_state(SOURCE.id).body_hash == "h"
    moved = Source(id=SOURCE.id, name="Kremlin", url="http://mirror.example/feed")
    store.sync_sources([moved])
    state = store.fetch_state(SOURCE.id)
    assert (state.etag, state.last_modified, state.body_hash) == (None, None, None)


def test_store_uses_wal_and_foreign_keys(store: Store) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_older_schema_is_migrated_keeping_its_items(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    MIGRATIONS[0](old)
    old.execute("PRAGMA user_version = 1")
    old["sources"].insert(
        {
            "id": "s",
            "name": "S",
            "url": "http://x.org",
            "kind": "rss",
            "origin": "config",
            "added_at": "2026-01-01",
        }
    )
    old["items"].insert(
        {
            "key": "url:http://x.org/1",
            "source_id": "s",
            "title": "Putin visits",
            "summary": "Old lead",
            "first_seen": "t",
            "last_seen": "t",
            "content_hash": "h",
        }
    )
    old.conn.commit()
    old.close()
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [r["title"] for r in store.items()] == ["Putin visits"]
        found = list(store.db["items"].search("Putin"))
        assert [r["title"] for r in found] == ["Putin visits"]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    future = sqlite_utils.Database(path)
    future.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    future.close()
    with pytest.raises(SchemaError, match="newer than this Readout"):
        Store(path)


def searched(store: Store, words: str) -> list[str]:
    rows = store.db.execute(
        "SELECT i.title FROM items_fts f JOIN items i ON i.id = f.rowid "
        "WHERE items_fts MATCH ? ORDER BY i.id",
        [words],
    )
    return [str(title) for (title,) in rows.fetchall()]


def test_search_follows_an_edited_title_and_ignores_marks_of_seen(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1), item(2)])
    store.save_items(SOURCE.id, [item(1), item(2, title="Talks on grain exports")])
    assert searched(store, "grain") == ["Talks on grain exports"]
    assert searched(store, "number") == [item(1).title]
    index = store.db.execute("SELECT count(*), sum(length(block)) FROM items_fts_data")
    before = index.fetchone()
    store.save_items(SOURCE.id, [item(1), item(2, title="Talks on grain exports")])
    # Both marked seen, and the search index not written at all.
    index = store.db.execute("SELECT count(*), sum(length(block)) FROM items_fts_data")
    assert index.fetchone() == before
    assert searched(store, "exports OR meeting") == [item(1).title, "Talks on grain exports"]
