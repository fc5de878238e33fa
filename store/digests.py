"""Deliveries held for a chat's quiet hours or its digest, and when its digests are owed.

A held delivery stays ``pending`` (nothing is dropped, no retry is spent) with ``held``
saying why: ``quiet`` until its chat's quiet hours end (its due time is that end),
``digest`` while it waits for its chat's next digest (due never, until the digest's fire
time makes it ``due``), ``due`` once that digest is owed (due now). The sender decides
(bot.digests); this module only keeps the state, so a restart keeps every hold.

``digest_marks`` holds, per chat, the digest plan (``daily 09:00@Asia/Almaty``) its fire
times were counted by and the instant since which they are owed: a fire time after
``since`` that passed while the service was down is owed once, and marking it owed moves
``since`` to it in the same transaction, so it is never owed twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from store.subscriptions import Target

QUIET, DIGEST, DUE = "quiet", "digest", "due"
# What a digest collects: alerts, and the one summary a chat gets for a burst of items.
COLLECTED = ("alert", "burst")
# A digest's deliveries are due at no time the sender will reach: the digest's fire time
# makes them due. ISO strings compare as the instants they name.
NEVER = "9999-12-31T00:00:00.000+00:00"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Held:
    """A delivery waiting for its chat's hours or digest, with what a digest needs."""

    delivery_id: int
    item_id: int
    story: int | None
    created_at: str
    kind: str = "alert"
    detail: str | None = None


@dataclass(frozen=True)
class Mark:
    plan: str
    since: datetime


class HeldDeliveries:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def state(self, delivery_id: int) -> tuple[str, str | None] | None:
        """(status, held) as stored now: a delivery read a moment ago may since have been
        carried by a digest."""
        row = self.db.execute(
            "SELECT status, held FROM deliveries WHERE id = ?", [delivery_id]
        ).fetchone()
        return (str(row[0]), row[1]) if row else None

    def hold(self, delivery_id: int, why: str, until: datetime | None) -> None:
        """Hold a pending delivery for ``why`` until ``until`` (None: until its digest)."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET held = ?, next_attempt_at = ?, last_error = ? "
                "WHERE id = ? AND status = 'pending'",
                [why, NEVER if until is None else _iso(until), f"held: {why}", delivery_id],
            )

    def unhold(self, delivery_id: int) -> None:
        """Quiet hours are over and too few alerts waited for a digest: it goes alone."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET held = NULL, last_error = NULL WHERE id = ?",
                [delivery_id],
            )

    def waiting(self, target: Target, why: str) -> list[Held]:
        """Alerts (and burst summaries) held for ``why`` to one chat or forum topic, oldest
        first."""
        rows = self.db.execute(
            """
            SELECT d.id, d.item_id, x.story_id, d.created_at, d.kind, d.detail FROM deliveries d
            LEFT JOIN item_stories x ON x.item_id = d.item_id
            WHERE d.chat_id = ? AND d.thread_id = ? AND d.status = 'pending'
              AND d.held = ? AND d.kind IN ('alert', 'burst')
            ORDER BY d.id
            """,
            [target.chat_id, target.thread_id, why],
        ).fetchall()
        return [
            Held(int(a), int(b), None if c is None else int(c), str(d), str(e), f)
            for a, b, c, d, e, f in rows
        ]

    def count(self, chat_id: int, why: str) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM deliveries WHERE chat_id = ? AND status = 'pending' AND held = ?",
            [chat_id, why],
        ).fetchone()
        return int(row[0])

    def release(self, chat_id: int, whys: Sequence[str], now: datetime) -> int:
        """Everything held to a chat for ``whys`` is due now, as after quiet hours (so more
        than a few go as one digest); returns how many."""
        marks = ", ".join("?" * len(whys))
        with self.db.atomic():
            cursor = self.db.execute(
                f"UPDATE deliveries SET held = '{QUIET}', next_attempt_at = ? "  # noqa: S608
                f"WHERE chat_id = ? AND status = 'pending' AND held IN ({marks})",
                [_iso(now), chat_id, *whys],
            )
        return cursor.rowcount

    def carried(self, delivery_ids: Sequence[int]) -> None:
        """Telegram accepted the digest message that lists these: they are sent. No message
        id is kept: an edit of one item must not overwrite the digest that lists it."""
        self._update(
            "status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL, "
            "edit_pending = 0, message_id = NULL",
            [_iso(datetime.now(UTC))],
            delivery_ids,
        )

    def retry_at(self, delivery_ids: Sequence[int], when: datetime, error: str) -> None:
        """The digest's message could not go now (flood control, 5xx, network): its
        deliveries stay held as they were, due again at ``when``."""
        self._update(
            "attempts = attempts + 1, next_attempt_at = ?, last_error = ?",
            [_iso(when), error],
            delivery_ids,
        )

    def failed(self, delivery_ids: Sequence[int], error: str) -> None:
        self._update(
            "status = 'failed', attempts = attempts + 1, last_error = ?", [error], delivery_ids
        )

    def _update(self, assignments: str, values: list[str], delivery_ids: Sequence[int]) -> None:
        """One statement for the pending ones of ``delivery_ids`` (the assignments are
        this module's own text; every value is a parameter)."""
        if not delivery_ids:
            return
        marks = ", ".join("?" * len(delivery_ids))
        query = f"UPDATE deliveries SET {assignments} WHERE id IN ({marks}) AND status = 'pending'"  # noqa: S608
        with self.db.atomic():
            self.db.execute(query, [*values, *delivery_ids])

    # ------------------------------------------------------------ when digests are owed

    def digest_chats(self) -> list[tuple[int, str, str | None]]:
        """(chat id, digest, time zone) of every chat that takes a digest."""
        rows = self.db.execute(
            "SELECT chat_id, digest, timezone FROM chats "
            "WHERE digest IS NOT NULL AND digest != 'off' ORDER BY chat_id"
        ).fetchall()
        return [(int(a), str(b), c) for a, b, c in rows]

    def mark(self, chat_id: int) -> Mark | None:
        row = self.db.execute(
            "SELECT plan, since FROM digest_marks WHERE chat_id = ?", [chat_id]
        ).fetchone()
        return Mark(str(row[0]), datetime.fromisoformat(row[1])) if row else None

    def set_mark(self, chat_id: int, plan: str, since: datetime) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT OR REPLACE INTO digest_marks (chat_id, plan, since) VALUES (?, ?, ?)",
                [chat_id, plan, _iso(since)],
            )

    def owe(self, chat_id: int, plan: str, fired: datetime, now: datetime) -> int:
        """The digest that fired at ``fired`` is owed: what waited for it is due now, and
        ``since`` moves to ``fired``, together, so it is owed once; returns how many."""
        with self.db.atomic():
            cursor = self.db.execute(
                f"UPDATE deliveries SET held = '{DUE}', next_attempt_at = ? "  # noqa: S608
                f"WHERE chat_id = ? AND status = 'pending' AND held = '{DIGEST}'",
                [_iso(now), chat_id],
            )
            self.db.execute(
                "INSERT OR REPLACE INTO digest_marks (chat_id, plan, since) VALUES (?, ?, ?)",
                [chat_id, plan, _iso(fired)],
            )
        return cursor.rowcount
