"""The durable outbox: every alert owed to a chat, until Telegram has taken it.

Deliveries are written in the same transaction as the item they announce, so a crash
can never leave an item stored but unannounced. The (item, chat, topic) key is unique:
an item is owed to a chat once, however many of its subscriptions match and however
often the item is re-served. A delivery is ``pending`` until sent, ``sent`` with the
message id (kept so an edited item can edit its alert), ``failed`` when Telegram refused
it for good, or ``skipped`` when its chat stopped receiving alerts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from store.subscriptions import Target


@dataclass(frozen=True)
class Delivery:
    id: int
    item_id: int
    chat_id: int
    thread_id: int
    attempts: int
    message_id: int | None
    edit_pending: bool
    kind: str = "alert"
    detail: str | None = None
    held: str | None = None  # what it waits for, if anything (store.digests)

    @property
    def target(self) -> Target:
        return Target(self.chat_id, self.thread_id)


def _iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")


_COLUMNS = "id, item_id, chat_id, thread_id, attempts, message_id, edit_pending, kind, detail, held"


class Outbox:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def enqueue(self, item_id: int, targets: Iterable[Target]) -> int:
        """Owe ``item_id`` to each target once; returns how many were newly owed."""
        now = _iso()
        added = 0
        for target in targets:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO deliveries "
                "(item_id, chat_id, thread_id, status, attempts, created_at, next_attempt_at, "
                "edit_pending) VALUES (?, ?, ?, 'pending', 0, ?, ?, 0)",
                [item_id, target.chat_id, target.thread_id, now, now],
            )
            added += cursor.rowcount
        return added

    def enqueue_message(self, item_id: int, target: Target, kind: str, detail: str) -> int:
        """Owe ``target`` one message of another ``kind`` than an alert (a burst summary,
        an admin notice) about ``item_id``; its text is made from ``detail`` when sent."""
        now = _iso()
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO deliveries "
            "(item_id, chat_id, thread_id, status, attempts, created_at, next_attempt_at, "
            "edit_pending, kind, detail) VALUES (?, ?, ?, 'pending', 0, ?, ?, 0, ?, ?)",
            [item_id, target.chat_id, target.thread_id, now, now, kind, detail],
        )
        return cursor.rowcount

    def mark_edited(self, item_id: int) -> None:
        """The item changed at its source: alerts already sent must be edited in place
        (a summary that names it stays as it is)."""
        self.db.execute(
            "UPDATE deliveries SET edit_pending = 1 WHERE item_id = ? AND status = 'sent' "
            "AND message_id IS NOT NULL AND kind = 'alert'",
            [item_id],
        )

    def due(self, now: datetime | None = None, limit: int = 100) -> list[Delivery]:
        """Deliveries to send or edit now, oldest first."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM deliveries "  # noqa: S608 - fixed column list
            "WHERE (status = 'pending' AND next_attempt_at <= ?) "
            "OR (status = 'sent' AND edit_pending = 1 AND next_attempt_at <= ?) "
            "ORDER BY id LIMIT ?",
            [_iso(now), _iso(now), limit],
        )
        return [
            Delivery(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], r[8], r[9])
            for r in rows.fetchall()
        ]

    def next_due_at(self) -> datetime | None:
        row = self.db.execute(
            "SELECT min(next_attempt_at) FROM deliveries "
            "WHERE status = 'pending' OR (status = 'sent' AND edit_pending = 1)"
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def sent(self, delivery_id: int, message_id: int | None) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?, "
                "edit_pending = 0, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                [message_id, _iso(), delivery_id],
            )

    def edited(self, delivery_id: int, error: str | None = None) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET edit_pending = 0, last_error = ? WHERE id = ?",
                [error, delivery_id],
            )

    def retry_at(self, delivery_id: int, when: datetime, error: str) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?, "
                "last_error = ? WHERE id = ?",
                [_iso(when), error, delivery_id],
            )

    def failed(self, delivery_id: int, error: str) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET status = 'failed', attempts = attempts + 1, "
                "last_error = ?, edit_pending = 0 WHERE id = ?",
                [error, delivery_id],
            )

    def hold(self, delivery_id: int, until: datetime, reason: str) -> None:
        """Not yet, and not a failed attempt: the alert waits for another one (the first
        alert of its story in that chat), so its retries are not spent."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET next_attempt_at = ?, last_error = ? WHERE id = ?",
                [_iso(until), reason, delivery_id],
            )

    def skip(self, delivery_id: int, reason: str) -> None:
        """This one alert is not sent, on purpose, and why is noted."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET status = 'skipped', last_error = ? WHERE id = ?",
                [reason, delivery_id],
            )

    def skip_chat(self, chat_id: int, reason: str) -> None:
        """The chat no longer receives alerts: what is still owed to it is dropped, noted."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET status = 'skipped', last_error = ? "
                "WHERE chat_id = ? AND status = 'pending'",
                [reason, chat_id],
            )

    def skip_topic(self, target: Target, reason: str) -> int:
        """One forum topic no longer receives alerts: what is owed to it is dropped, noted."""
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE deliveries SET status = 'skipped', last_error = ? "
                "WHERE chat_id = ? AND thread_id = ? AND status = 'pending'",
                [reason, target.chat_id, target.thread_id],
            )
            return cursor.rowcount

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT status, count(*) FROM deliveries GROUP BY status")
        return {str(status): int(n) for status, n in rows.fetchall()}

    def to_chat(self, chat_id: int) -> list[tuple[int, str, int | None]]:
        """(item id, status, message id) of every delivery to a chat, for inspection."""
        rows = self.db.execute(
            "SELECT item_id, status, message_id FROM deliveries WHERE chat_id = ? ORDER BY id",
            [chat_id],
        )
        return [(int(a), str(b), c) for a, b, c in rows.fetchall()]
