"""Finding stored items by the words a reader types, in any inflected form (/search).

The index (``items_search``, an FTS5 table made by migration 14) holds, per item, the
stems analysis.stemming gives the words of its title, lead and text, each stem once. The
stems are made in Python, so SQLite triggers cannot make them: ``Store`` indexes an item
where it inserts or edits its row (``index_items``, ``forget_item``), and a trigger drops
an item's entry when its row is deleted (retention), which needs no stems.

Newest first must not mean sorting every match: a common word matches most of the store,
and reading 200,000 rows to sort them takes a fifth of a second. So an entry's rowid is
not the item's id but its place in that order, ``order_key``: the second it was published
(0 when undated), then its id. FTS5 walks a match's rowids backwards and stops at the
page's end, whatever the number of matches; the item's id is kept beside it (``item``).
Items published in the same second are in id order (their fractions of a second aside).

A query is never FTS5 syntax: every word a reader typed becomes its stems, each quoted as
an FTS5 string, so quotes, ``*``, ``NEAR``, ``AND``, parentheses and any length of text are
plain words, and a query can neither fail to parse nor scan the table. Its first
``MAX_TERMS`` distinct words count; an item matches when it has every one of them.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import sqlite_utils

from analysis.stemming import index_terms, query_stems, words

MAX_TERMS = 8
# What of a query is read at all: a reader's 4 kB paste costs no more than its start.
MAX_QUERY = 512
# What of an item's text is indexed: a release is a few kB; a 1 MB page must not stall
# the writer (title and lead are always indexed whole).
MAX_TEXT = 20_000


def create_index(db: sqlite_utils.Database) -> None:
    """The table and its delete trigger, then every stored item indexed (migration 14).

    ``detail=none``: a query is an AND of stems, so positions are never asked for, and
    the index stays a fraction of the size; stems only have letters and digits, so each
    is one token and no phrase query is ever made.
    """
    db.execute(
        "CREATE VIRTUAL TABLE items_search USING fts5(item UNINDEXED, terms, "
        "tokenize = 'unicode61 remove_diacritics 0', detail = none)"
    )
    db.execute(
        "CREATE TRIGGER items_search_ad AFTER DELETE ON items BEGIN "  # noqa: S608 - fixed
        f"DELETE FROM items_search WHERE rowid = {_ORDER_KEY.format(row='old')}; END"
    )
    last = 0
    while True:
        rows = db.execute(
            "SELECT id, published_ts, title, summary, text FROM items WHERE id > ? "
            "ORDER BY id LIMIT 500",
            [last],
        ).fetchall()
        if not rows:
            return
        index_items(db, [(int(i), p, terms_of(t, s, x)) for i, p, t, s, x in rows])
        last = int(rows[-1][0])


def terms_of(title: str | None, summary: str | None, text: str | None) -> str:
    """What the index holds for an item: its stems, each once, space-separated (of its
    text, the first ``MAX_TEXT`` characters)."""
    parts = (title or "", summary or "", (text or "")[:MAX_TEXT])
    return " ".join(t for t in index_terms(parts) if _token(t))


def order_key(published_ts: float | None, item_id: int) -> int:
    """An entry's rowid: newest first is rowid order (the second published, then the id;
    ids below 2**31 and seconds below 2**32, the year 2106, keep it within 63 bits)."""
    seconds = int(published_ts) if published_ts is not None and math.isfinite(published_ts) else 0
    return (min(max(seconds, 0), _MAX_SECONDS) << 31) + item_id


_MAX_SECONDS = 2**32 - 1
# order_key in SQL, of a row of ``items`` (``old`` in a trigger).
_ORDER_KEY = (
    "((min(max(CAST(coalesce({row}.published_ts, 0) AS INTEGER), 0), 4294967295) << 31) + {row}.id)"
)


def index_items(db: sqlite_utils.Database, rows: Sequence[tuple[int, float | None, str]]) -> None:
    """Index ``(item id, published_ts, terms_of(...))`` rows of items not indexed now."""
    if rows:
        db.conn.executemany(
            "INSERT INTO items_search (rowid, item, terms) VALUES (?, ?, ?)",
            [(order_key(published, i), i, terms) for i, published, terms in rows],
        )


def forget_item(db: sqlite_utils.Database, item_id: int) -> None:
    """Drop an item's entry before its row changes (its key may be about to change)."""
    db.execute(
        "DELETE FROM items_search WHERE rowid = "  # noqa: S608 - a fixed expression
        f"(SELECT {_ORDER_KEY.format(row='items')} FROM items WHERE id = ?)",
        [item_id],
    )


def match_expression(query: str) -> str | None:
    """The FTS5 expression for what a reader typed, or None when it has no word: each of
    its first ``MAX_TERMS`` distinct words as its stems quoted and OR-ed, the words AND-ed."""
    groups = []
    for word in dict.fromkeys(words(query[:MAX_QUERY])):
        stems = sorted(s for s in query_stems(word) if _token(s))
        if stems:
            groups.append("(" + " OR ".join(_quoted(s) for s in stems) + ")")
        if len(groups) == MAX_TERMS:
            break
    return " AND ".join(groups) if groups else None


def find(db: sqlite_utils.Database, query: str, offset: int, limit: int) -> list[int]:
    """Ids of the items matching ``query``, newest first (by published, then id)."""
    expression = match_expression(query)
    if expression is None or limit <= 0:
        return []
    rows = db.execute(
        "SELECT item FROM items_search WHERE items_search MATCH ? "
        "ORDER BY rowid DESC LIMIT ? OFFSET ?",
        [expression, limit, max(offset, 0)],
    )
    return [int(row[0]) for row in rows.fetchall()]


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@lru_cache(maxsize=131072)
def _token(term: str) -> bool:
    """Whether FTS5's unicode61 reads ``term`` as one token (letters and digits only)."""
    return bool(term) and all(unicodedata.category(c)[0] in "LN" for c in term)


def indexed(db: sqlite_utils.Database, item_ids: Iterable[int]) -> set[int]:
    """Which of ``item_ids`` the index holds (for checks and tests)."""
    ids = list(item_ids)
    marks = ", ".join("?" * len(ids))
    rows = db.execute(f"SELECT item FROM items_search WHERE item IN ({marks})", ids)  # noqa: S608 - placeholders
    return {int(row[0]) for row in rows.fetchall()}
