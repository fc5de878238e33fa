"""Keeping the store bounded and sound over months: retention, upkeep, backups, a write probe.

Retention must never make an old item new again. An item is only deleted once no source
has served it for ``keep_items_days``, and never while it is in a source's latest parsed
batch: a poll that finds the body unchanged does not touch ``last_seen``, so an item in a
feed that has not changed for a year still has an old ``last_seen``, and deleting it would
get it stored and alerted as new the next time that feed changes. The latest batch of a
source is recognisable because one save stamps all its items with the same ``last_seen``.
An item still owed an alert (or an edit of one) is kept as well.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

BATCH = 500
FINISHED = ("sent", "failed", "skipped")


class BackupError(Exception):
    """The backup could not be made; the message says why."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=days)


class Maintenance:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def prune_deliveries(self, older_than: datetime, limit: int = BATCH) -> int:
        """Delete up to ``limit`` deliveries that are over (sent and not awaiting an edit,
        failed, skipped) since before ``older_than``; one short transaction."""
        with self.db.atomic():
            rows = self.db.execute(
                "SELECT id FROM deliveries WHERE status IN (?, ?, ?) AND edit_pending = 0 "
                "AND coalesce(sent_at, created_at) < ? ORDER BY id LIMIT ?",
                [*FINISHED, _iso(older_than), limit],
            )
            return self._delete_where("deliveries", "id", [int(r[0]) for r in rows.fetchall()])

    def prune_audit(self, older_than: datetime, limit: int = BATCH) -> int:
        """Delete up to ``limit`` audit rows written before ``older_than``: refusals of
        strangers are recorded, so without this the trail grows with every attempt."""
        with self.db.atomic():
            rows = self.db.execute(
                "SELECT id FROM audit WHERE at < ? ORDER BY id LIMIT ?",
                [_iso(older_than), limit],
            )
            return self._delete_where("audit", "id", [int(r[0]) for r in rows.fetchall()])

    def prune_items(self, older_than: datetime, limit: int = BATCH) -> int:
        """Delete up to ``limit`` items no source has served since ``older_than`` and nobody
        is owed (see above), with every row that refers to them; one short transaction.

        The referring tables are read from the schema, so a table a later migration adds
        with a foreign key to ``items`` is cleaned up too instead of blocking the delete.
        """
        with self.db.atomic():
            rows = self.db.execute(
                """
                SELECT i.id FROM items i
                WHERE i.last_seen < ?
                  AND i.last_seen NOT IN (SELECT max(last_seen) FROM items GROUP BY source_id)
                  AND NOT EXISTS (
                      SELECT 1 FROM deliveries d
                      WHERE d.item_id = i.id AND (d.status = 'pending' OR d.edit_pending = 1))
                ORDER BY i.id LIMIT ?
                """,
                [_iso(older_than), limit],
            )
            ids = [int(row[0]) for row in rows.fetchall()]
            for table, column in self._references_to("items"):
                self._delete_where(table, column, ids)
            return self._delete_where("items", "id", ids)

    def tidy(self) -> int:
        """PRAGMA optimize, then fold the WAL back into the file and truncate it.

        Returns the WAL pages checkpointed (-1 when not in WAL mode). A checkpoint that a
        reader blocks (a backup running) is simply partial; the next pass finishes it.
        """
        self.db.execute("PRAGMA optimize")
        row = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return int(row[2]) if row else -1

    def _references_to(self, parent: str) -> list[tuple[str, str]]:
        found = []
        for name in self.db.table_names():
            for key in self.db.table(name).foreign_keys:
                if key.other_table == parent and name != parent and key.column:
                    found.append((name, key.column))
        return found

    def _delete_where(self, table: str, column: str, ids: Sequence[int]) -> int:
        if not ids:
            return 0
        marks = ", ".join("?" * len(ids))
        cursor = self.db.execute(
            f"DELETE FROM [{table}] WHERE [{column}] IN ({marks})",  # noqa: S608 - schema names
            list(ids),
        )
        return cursor.rowcount


def probe_writable(path: str | Path, timeout: float = 2.0) -> None:
    """Raise unless a write to the store file commits now, through a connection of its own.

    Catches what an orchestrator should hear about: the file removed or replaced, the disk
    full or read-only, another process holding the lock. ``mode=rw`` never creates a file,
    so a store that vanished is not silently replaced by an empty one.
    """
    uri = f"{Path(path).resolve().as_uri()}?mode=rw"
    connection = sqlite3.connect(uri, uri=True, timeout=timeout)
    with contextlib.closing(connection), connection:
        connection.execute(
            "INSERT OR REPLACE INTO heartbeat (id, at) VALUES (1, ?)", [_iso(datetime.now(UTC))]
        )


def backup(source: str | Path, target: str | Path) -> Path:
    """Copy the store at ``source`` to ``target`` with SQLite's online backup API.

    Safe while ``readout run`` writes: the copy is made in one step inside one read
    transaction, which in WAL mode never blocks the writer, so it is one consistent moment
    of the store. It is written beside ``target`` and renamed into place only after an
    integrity check, as a single file (journal mode DELETE) ready to be used as
    ``store.path``. A directory ``target`` gets a timestamped file name.
    """
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise BackupError(f"{source}: no store there")
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        target = target / f"{source.stem}-{stamp}.db"
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError(f"{target} is the store itself")
    partial = target.with_name(f".{target.name}.partial")
    try:
        reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=10)
        writer = sqlite3.connect(partial)
        with contextlib.closing(reader), contextlib.closing(writer):
            reader.backup(writer)
            writer.execute("PRAGMA journal_mode = DELETE")
            verdict = writer.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check: {verdict}")
        partial.replace(target)
    except (sqlite3.Error, OSError) as error:
        raise BackupError(str(error)) from error
    finally:
        partial.unlink(missing_ok=True)
    return target
