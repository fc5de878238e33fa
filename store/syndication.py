"""The stored items a feed reader follows: the latest of one source, or of one leader.

Kept apart from the store's other queries because feeds ask for things alerts never need
(the identity key, when Readout last saw the item change), and ask often: ``version``
lets a rendered feed be reused until something is committed.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.store import Store, StoredItem


@dataclass(frozen=True)
class FeedEntry:
    """A stored item with the identity a feed entry keeps for ever, and its last change."""

    stored: StoredItem
    key: str
    first_seen: str
    updated_at: str


class Syndication:
    def __init__(self, store: Store) -> None:
        self.store = store

    def version(self) -> tuple[int, int]:
        """Changes whenever anything is committed, by this connection or another (the
        writer thread stores polls on its own): ``data_version`` counts the others',
        ``total_changes`` this one's."""
        (other,) = self.store.db.execute("PRAGMA data_version").fetchone()
        return int(other), self.store.db.conn.total_changes

    def of_source(self, source_id: str, limit: int) -> list[FeedEntry]:
        return self._entries("source_id = ?", [source_id], limit)

    def of_leader(self, leader_id: str, limit: int) -> list[FeedEntry]:
        """The items the leader takes part in: those that name them, and every item of an
        office whose principal they are (participants are the named leaders plus it)."""
        clause = (
            "id IN (SELECT item_id FROM item_leaders WHERE leader_id = ?) "
            "OR id IN (SELECT item_id FROM item_stories WHERE principal = ?)"
        )
        return self._entries(clause, [leader_id, leader_id], limit)

    def _entries(self, clause: str, values: list[str], limit: int) -> list[FeedEntry]:
        rows = self.store.db.execute(
            f"SELECT id, key, first_seen, updated_at FROM items WHERE {clause} "  # noqa: S608 - fixed clauses
            "ORDER BY coalesce(published_ts, 0) DESC, id DESC LIMIT ?",
            [*values, limit],
        ).fetchall()
        entries = []
        for item_id, key, first_seen, updated_at in rows:
            stored = self.store.stored_item(item_id)
            if stored is not None:
                entries.append(FeedEntry(stored, key, first_seen, updated_at or first_seen))
        return entries
