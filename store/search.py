"""Finding stored items by the words a reader types, in any inflected form (/search).

The index (``items_search``, an FTS5 table made by migration 14) holds, per item, the
stems analysis.stemming gives the words of its title, lead and text, each stem once. The
stems are made in Python, so SQLite triggers cannot make them: ``Store`` indexes an item
where it inserts or edits its row (``index_items``), and a trigger drops an item's entry
when its row is deleted (retention), which needs no stems.

A query is never FTS5 syntax: every word a reader typed becomes its stems, each quoted as
an FTS5 string, so quotes, ``*``, ``NEAR``, ``AND``, parentheses and any length of text are
plain words, and a query can neither fail to parse nor scan the table. Its first
``MAX_TERMS`` distinct words count; an item matches when it has every one of them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import sqlite_utils

from analysis.stemming import index_terms, query_stems, words

TABLE = "items_search"
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
        "CREATE VIRTUAL TABLE items_search USING fts5("
        "terms, tokenize = 'unicode61 remove_diacritics 0', detail = none)"
    )
    db.execute(
        "CREATE TRIGGER items_search_ad AFTER DELETE ON items BEGIN "
        "DELETE FROM items_search WHERE rowid = old.id; END"
    )
    last = 0
    while True:
        rows = db.execute(
            "SELECT id, title, summary, text FROM items WHERE id > ? ORDER BY id LIMIT 500",
            [last],
        ).fetchall()
        if not rows:
            return
        index_items(db, [(int(i), terms_of(t, s, x)) for i, t, s, x in rows], replace=False)
        last = int(rows[-1][0])


def terms_of(title: str | None, summary: str | None, text: str | None) -> str:
    """What the index holds for an item: its stems, each once, space-separated (of its
    text, the first ``MAX_TEXT`` characters)."""
    parts = (title or "", summary or "", (text or "")[:MAX_TEXT])
    return " ".join(t for t in index_terms(parts) if _token(t))


def index_items(
    db: sqlite_utils.Database, rows: Sequence[tuple[int, str]], *, replace: bool
) -> None:
    """Index ``(item id, terms_of(...))`` rows; ``replace`` for items indexed before (edits)."""
    if not rows:
        return
    if replace:
        db.conn.executemany(f"DELETE FROM [{TABLE}] WHERE rowid = ?", [(i,) for i, _ in rows])  # noqa: S608 - fixed name
    db.conn.executemany(f"INSERT INTO [{TABLE}] (rowid, terms) VALUES (?, ?)", rows)  # noqa: S608 - fixed name


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
        f"SELECT i.id FROM [{TABLE}] s JOIN items i ON i.id = s.rowid "  # noqa: S608 - fixed name
        f"WHERE [{TABLE}] MATCH ? "
        "ORDER BY coalesce(i.published_ts, 0) DESC, i.id DESC LIMIT ? OFFSET ?",
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
    rows = db.execute(f"SELECT rowid FROM [{TABLE}] WHERE rowid IN ({marks})", ids)  # noqa: S608 - placeholders
    return {int(row[0]) for row in rows.fetchall()}
