"""The feed entries each stored item was last read from, by fingerprint (scrapers.entries).

A row says: this source served an entry with these bytes, read as this stored item, with
this id and date. A poll that finds the same bytes again keeps the item instead of
reading the entry again (scrapers.feeds.parse_document). So a row is only ever true of
the item's current content: an item that is edited, however it was read, keeps only the
row of the entry it was edited from, and an item that is deleted takes its rows with it
(a foreign key, which store.maintenance follows). Rows of entries a source no longer
serves are dropped after each of its saves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from scrapers.model import EntryMark, KeptEntry, Published

SLICE = 500  # digests per query: under SQLite's variable cap


@dataclass
class EntryWrites:
    """What one transaction of a save writes here, gathered and written at once."""

    remembered: list[tuple[object, ...]] = field(default_factory=list)
    edited: list[tuple[int, str]] = field(default_factory=list)

    def remember(self, source_id: str, item_id: int, mark: EntryMark, moment: str) -> None:
        published = mark.published
        self.remembered.append(
            (
                source_id,
                mark.digest,
                item_id,
                mark.id,
                int(mark.trusted),
                published.at.isoformat() if published else None,
                int(published.date_only) if published else 0,
                moment,
            )
        )

    def edit(self, item_id: int, mark: EntryMark | None) -> None:
        """The item's content changed: rows of other entries no longer tell what it is."""
        self.edited.append((item_id, mark.digest if mark else ""))

    def write(self, db: sqlite_utils.Database) -> None:
        if self.edited:
            db.conn.executemany(
                "DELETE FROM feed_entries WHERE item_id = ? AND digest != ?", self.edited
            )
        if self.remembered:
            db.conn.executemany(_REMEMBER, self.remembered)


def known(
    db: sqlite_utils.Database, source_id: str, digests: Sequence[str]
) -> dict[str, KeptEntry]:
    """The entries of ``digests`` this source served before and whose items are stored."""
    found: dict[str, KeptEntry] = {}
    unique = list(dict.fromkeys(digests))
    for start in range(0, len(unique), SLICE):
        part = unique[start : start + SLICE]
        marks = ", ".join("?" * len(part))
        rows = db.execute(
            "SELECT f.digest, f.item_id, f.entry_id, f.trusted, f.published, f.date_only, "  # noqa: S608 - placeholders
            "i.key, i.url IS NOT NULL FROM feed_entries f JOIN items i ON i.id = f.item_id "
            f"WHERE f.source_id = ? AND f.digest IN ({marks})",
            [source_id, *part],
        )
        for digest, item_id, entry_id, trusted, published, date_only, key, linked in rows:
            when = (
                Published(datetime.fromisoformat(published), bool(date_only)) if published else None
            )
            mark = EntryMark(str(digest), str(entry_id), bool(trusted), when)
            found[str(digest)] = KeptEntry(mark, int(item_id), str(key), bool(linked))
    return found


def keep(db: sqlite_utils.Database, source_id: str, kept: Sequence[KeptEntry], moment: str) -> None:
    """Kept entries were seen: their items' ``last_seen`` (what retention reads) and
    their date's mark are what saving them whole would have made them."""
    if not kept:
        return
    db.conn.executemany(
        "UPDATE items SET last_seen = ?, published_date_only = ? WHERE id = ?",
        [(moment, int(entry.date_only), entry.item_id) for entry in kept],
    )
    db.conn.executemany(
        "UPDATE feed_entries SET seen = ? WHERE source_id = ? AND digest = ?",
        [(moment, source_id, entry.mark.digest) for entry in kept],
    )


def drop_unserved(db: sqlite_utils.Database, source_id: str, moment: str) -> None:
    """The rows of entries this source's save at ``moment`` did not serve."""
    db.execute("DELETE FROM feed_entries WHERE source_id = ? AND seen < ?", [source_id, moment])


_REMEMBER = (
    "INSERT INTO feed_entries (source_id, digest, item_id, entry_id, trusted, published, "
    "date_only, seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source_id, digest) DO UPDATE "
    "SET item_id = excluded.item_id, entry_id = excluded.entry_id, trusted = excluded.trusted, "
    "published = excluded.published, date_only = excluded.date_only, seen = excluded.seen"
)
