"""/search's index over a real store: inflected words, hostile queries, edits, retention and
the migration that indexes a store written before it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils

from scrapers.model import Item, Published, Source
from store.maintenance import Maintenance
from store.schema import MIGRATIONS, SCHEMA_VERSION
from store.search import MAX_TERMS, find, indexed, match_expression
from store.store import Store

SOURCE = Source(id="akorda-ru", name="Akorda", url="http://akorda.kz/ru/feed")
ALMATY = timezone(timedelta(hours=5))


def item(n: int, title: str, text: str = "", **changes: object) -> Item:
    fields: dict[str, object] = {
        "source": SOURCE.id,
        "title": title,
        "url": f"http://akorda.kz/ru/{n}",
        "guid": f"http://akorda.kz/ru/{n}",
        "published": Published(datetime(2026, 11, 20, 12, n % 60, tzinfo=ALMATY)),
        "summary": "",
        "text": text,
    }
    fields.update(changes)
    return Item(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "readout.db") as opened:
        opened.sync_sources([SOURCE])
        yield opened


def titles(found: list[object]) -> list[str]:
    return [stored.item.title for stored in found]  # type: ignore[attr-defined]


def test_an_inflected_query_finds_the_item(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1, "Токаев провёл переговоры"), item(2, "Поставки зерна")])
    assert titles(store.search("Токаеву")) == ["Токаев провёл переговоры"]
    assert titles(store.search("переговорах Токаева")) == ["Токаев провёл переговоры"]
    assert store.search("газета") == []


def test_the_stored_text_is_searched_too(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1, "Телефонный разговор", "Обсуждены поставки газа.")])
    assert titles(store.search("газ")) == ["Телефонный разговор"]


def test_every_word_must_be_found(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1, "Поставки газа"), item(2, "Поставки нефти")])
    assert titles(store.search("поставка газ")) == ["Поставки газа"]


def test_newest_first_and_paginated(store: Store) -> None:
    store.save_items(SOURCE.id, [item(n, f"Встреча {n}") for n in range(1, 13)])
    first = titles(store.search("встречи", 0, 5))
    assert first == [f"Встреча {n}" for n in range(12, 7, -1)]
    assert titles(store.search("встречи", 10, 5)) == ["Встреча 2", "Встреча 1"]
    assert store.search("встречи", 15, 5) == []


def test_newest_published_first_whatever_the_order_stored(store: Store) -> None:
    undated = item(9, "Встреча без даты", published=None)
    store.save_items(SOURCE.id, [item(3, "Встреча 3"), undated, item(1, "Встреча 1")])
    store.save_items(SOURCE.id, [item(2, "Встреча 2")])
    assert titles(store.search("встреча")) == ["Встреча 3", "Встреча 2", "Встреча 1", undated.title]


def test_an_edit_of_the_date_moves_the_item_in_the_order(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1, "Встреча 1"), item(2, "Встреча 2")])
    later = Published(datetime(2026, 11, 21, 9, 0, tzinfo=ALMATY))
    store.save_items(
        SOURCE.id, [item(1, "Встреча 1", guid="http://akorda.kz/ru/1", published=later)]
    )
    found = titles(store.search("встреча"))
    assert found[0] == "Встреча 1" and sorted(found) == ["Встреча 1", "Встреча 2"]
    assert store.db.execute("SELECT count(*) FROM items_search").fetchone()[0] == 2


@pytest.mark.parametrize(
    "query",
    [
        'газ"',
        '"газ',
        "газ*",
        "*",
        "(газ",
        "газ) OR (",
        "газ NEAR нефть",
        "NEAR(газ нефть, 2)",
        "газ AND NOT",
        "газ -нефть",
        "^газ",
        "title:газ",
        "{title summary}: газ",
        "'; DROP TABLE items; --",
        "газ " + "(" * 2000,
        "газ " + "ж" * 4096,
        " ".join(["газ"] + [f"слово{n}" for n in range(700)]),
    ],
)
def test_fts_syntax_is_plain_words_never_an_error(store: Store, query: str) -> None:
    store.save_items(SOURCE.id, [item(1, "Поставки газа")])
    expression = match_expression(query)
    found = store.search(query)
    assert all(stored.item.title == "Поставки газа" for stored in found)
    assert expression is None or expression.count(" AND ") < MAX_TERMS


def test_operator_words_are_searched_as_words(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1, "Talks and trade near the border"), item(2, "Talks")])
    assert titles(store.search("NEAR")) == ["Talks and trade near the border"]
    assert titles(store.search('"talks" AND')) == ["Talks and trade near the border"]
    assert titles(store.search("talks OR")) == []


def test_a_query_without_words_finds_nothing(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1, "Поставки газа")])
    assert match_expression('"" () * ^ -') is None
    assert store.search('"" () * ^ -') == []


def test_a_long_query_reads_only_its_first_words(store: Store) -> None:
    expression = match_expression(" ".join(f"слово{n}" for n in range(1000)))
    assert expression is not None and expression.count(" AND ") == MAX_TERMS - 1
    assert len(expression) < 1000


def test_an_edit_re_indexes_the_item(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1, "Поставки газа")])
    store.save_items(SOURCE.id, [item(1, "Поставки нефти")])
    assert store.search("газ") == []
    assert titles(store.search("нефть")) == ["Поставки нефти"]


def test_retention_removes_items_from_the_index(store: Store) -> None:
    old = datetime.now(UTC) - timedelta(days=400)
    store.save_items(SOURCE.id, [item(1, "Поставки газа"), item(2, "Газ и нефть")], at=old)
    store.save_items(SOURCE.id, [item(3, "Поставки газа в Китай")], at=old + timedelta(days=1))
    ids = [int(r["id"]) for r in store.items()]
    assert Maintenance(store.db).prune_items(datetime.now(UTC) - timedelta(days=365)) == 2
    assert titles(store.search("газ")) == ["Поставки газа в Китай"]
    assert len(indexed(store.db, ids)) == 1
    count = store.db.execute("SELECT count(*) FROM items_search").fetchone()[0]
    assert count == 1


def test_the_migration_indexes_a_store_written_before_it(tmp_path: Path) -> None:
    path = tmp_path / "v13.db"
    old = sqlite_utils.Database(path)
    for version, step in enumerate(MIGRATIONS[:13], start=1):
        step(old)
        old.execute(f"PRAGMA user_version = {version}")
    old["sources"].insert(
        {"id": "s", "name": "S", "url": "http://x.org", "kind": "rss", "origin": "config",
         "added_at": "2026-01-01"}
    )  # fmt: skip
    for n in range(1, 1201):
        old["items"].insert(
            {
                "key": f"url:http://x.org/{n}",
                "source_id": "s",
                "title": "Встреча с Токаевым" if n % 600 == 0 else f"Заметка {n}",
                "summary": "",
                "text": "Обсуждены санкции." if n == 7 else "",
                "first_seen": "t",
                "last_seen": "t",
                "content_hash": f"h{n}",
                "published_ts": float(n),
            }
        )
    old.conn.commit()
    old.close()
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert titles(store.search("Токаев")) == ["Встреча с Токаевым"] * 2
        assert titles(store.search("санкций")) == ["Заметка 7"]
        assert store.db.execute("SELECT count(*) FROM items_search").fetchone()[0] == 1200


def test_find_returns_ids_newest_first(store: Store) -> None:
    store.save_items(SOURCE.id, [item(1, "Газ"), item(2, "Газа")])
    ids = find(store.db, "газ", 0, 10)
    assert [store.stored_item(i).item.title for i in ids] == ["Газа", "Газ"]  # type: ignore[union-attr]
