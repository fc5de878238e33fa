"""Who wants what: chats, their subscriptions to leaders, sources and keywords.

A subscription belongs to a chat and, in forum supergroups, to one topic (``thread_id``;
0 is the chat itself). A paused chat (it blocked the bot, or kicked it) keeps its
subscriptions but receives nothing until it is resumed. A paused topic (Telegram says it
no longer exists) is the same for one topic: the rest of its chat is unaffected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlite_utils

SubscriptionKind = Literal["leader", "source", "keyword"]

# SPEC "Limits": what one chat may follow (all its topics together). Every routed item is
# matched against every keyword, and /subscriptions must stay readable.
MAX_SUBSCRIPTIONS = 300
MAX_KEYWORDS = 100


class LimitReached(Exception):
    """The chat follows as much as it may; nothing was added."""

    def __init__(self, kind: SubscriptionKind, limit: int) -> None:
        super().__init__(f"chat at its limit of {limit} {kind} subscriptions")
        self.kind = kind
        self.limit = limit


@dataclass(frozen=True)
class Target:
    """Where one alert goes: a chat, and a forum topic in it (0 for none)."""

    chat_id: int
    thread_id: int = 0


@dataclass(frozen=True)
class Subscription:
    chat_id: int
    thread_id: int
    kind: SubscriptionKind
    target: str

    @property
    def destination(self) -> Target:
        return Target(self.chat_id, self.thread_id)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Subscriptions:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def ensure_chat(self, chat_id: int, chat_type: str, title: str | None = None) -> None:
        """Record a chat the first time it talks to us; a returning chat is resumed."""
        with self.db.atomic():
            existing = self.db.execute(
                "SELECT status FROM chats WHERE chat_id = ?", [chat_id]
            ).fetchone()
            if existing is None:
                self.db.table("chats").insert(
                    {
                        "chat_id": chat_id,
                        "type": chat_type,
                        "title": title,
                        "status": "active",
                        "created_at": _now(),
                    }
                )
            else:
                self.db.table("chats").update(chat_id, {"type": chat_type, "title": title})

    def add(self, target: Target, kind: SubscriptionKind, what: str, by: int | None = None) -> bool:
        """Subscribe; False when the subscription already existed. Raises LimitReached,
        changing nothing, when the chat already follows the most it may."""
        with self.db.atomic():
            self._check_room(target, kind, what)
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO subscriptions "
                "(chat_id, thread_id, kind, target, created_at, created_by) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [target.chat_id, target.thread_id, kind, what, _now(), by],
            )
            return cursor.rowcount > 0

    def _check_room(self, target: Target, kind: SubscriptionKind, what: str) -> None:
        exists = self.db.execute(
            "SELECT 1 FROM subscriptions "
            "WHERE chat_id = ? AND thread_id = ? AND kind = ? AND target = ?",
            [target.chat_id, target.thread_id, kind, what],
        ).fetchone()
        if exists:
            return
        total, keywords = self.db.execute(
            "SELECT count(*), coalesce(sum(kind = 'keyword'), 0) FROM subscriptions "
            "WHERE chat_id = ?",
            [target.chat_id],
        ).fetchone()
        if kind == "keyword" and keywords >= MAX_KEYWORDS:
            raise LimitReached("keyword", MAX_KEYWORDS)
        if total >= MAX_SUBSCRIPTIONS:
            raise LimitReached(kind, MAX_SUBSCRIPTIONS)

    def remove(self, target: Target, kind: SubscriptionKind, what: str) -> bool:
        with self.db.atomic():
            cursor = self.db.execute(
                "DELETE FROM subscriptions "
                "WHERE chat_id = ? AND thread_id = ? AND kind = ? AND target = ?",
                [target.chat_id, target.thread_id, kind, what],
            )
            return cursor.rowcount > 0

    def of(self, target: Target) -> list[Subscription]:
        rows = self.db.execute(
            "SELECT chat_id, thread_id, kind, target FROM subscriptions "
            "WHERE chat_id = ? AND thread_id = ? ORDER BY kind, target",
            [target.chat_id, target.thread_id],
        )
        return [Subscription(*row) for row in rows.fetchall()]

    def active(self) -> list[Subscription]:
        """Every subscription of every chat and topic that currently receives alerts."""
        rows = self.db.execute(
            "SELECT s.chat_id, s.thread_id, s.kind, s.target FROM subscriptions s "
            "JOIN chats c ON c.chat_id = s.chat_id "
            "LEFT JOIN paused_topics p ON p.chat_id = s.chat_id AND p.thread_id = s.thread_id "
            "WHERE c.status = 'active' AND p.chat_id IS NULL"
        )
        return [Subscription(*row) for row in rows.fetchall()]

    def chat_status(self, chat_id: int) -> str | None:
        row = self.db.execute("SELECT status FROM chats WHERE chat_id = ?", [chat_id]).fetchone()
        return str(row[0]) if row else None

    def pause_chat(self, chat_id: int, reason: str) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE chats SET status = 'paused', status_reason = ? WHERE chat_id = ?",
                [reason, chat_id],
            )

    def resume_chat(self, chat_id: int) -> None:
        with self.db.atomic():
            self.db.execute(
                "UPDATE chats SET status = 'active', status_reason = NULL WHERE chat_id = ?",
                [chat_id],
            )

    def pause_topic(self, target: Target, reason: str) -> bool:
        """Stop alerting one forum topic; False when it was already paused."""
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO paused_topics (chat_id, thread_id, reason, paused_at) "
                "VALUES (?, ?, ?, ?)",
                [target.chat_id, target.thread_id, reason, _now()],
            )
            return cursor.rowcount > 0

    def unannounced_topics(self) -> list[tuple[Target, str]]:
        """Paused topics nobody has been told about yet (a crash in between included)."""
        rows = self.db.execute(
            "SELECT chat_id, thread_id, reason FROM paused_topics "
            "WHERE announced_at IS NULL ORDER BY paused_at"
        )
        return [(Target(int(c), int(t)), str(r)) for c, t, r in rows.fetchall()]

    def chat_title(self, chat_id: int) -> str | None:
        row = self.db.execute("SELECT title FROM chats WHERE chat_id = ?", [chat_id]).fetchone()
        return str(row[0]) if row and row[0] else None

    def topic_announced(self, target: Target) -> None:
        """The chat or the admins were told that this topic's alerts are paused."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE paused_topics SET announced_at = ? WHERE chat_id = ? AND thread_id = ?",
                [_now(), target.chat_id, target.thread_id],
            )

    def resume_topic(self, target: Target) -> bool:
        """The topic was heard from, so it exists: alert it again. False if it was not paused."""
        with self.db.atomic():
            cursor = self.db.execute(
                "DELETE FROM paused_topics WHERE chat_id = ? AND thread_id = ?",
                [target.chat_id, target.thread_id],
            )
            return cursor.rowcount > 0

    def topic_paused(self, target: Target) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM paused_topics WHERE chat_id = ? AND thread_id = ?",
            [target.chat_id, target.thread_id],
        ).fetchone()
        return row is not None

    def move_chat(self, old: int, new: int) -> None:
        """A group became a supergroup with a new id: everything it had follows it."""
        with self.db.atomic():
            row = self.db.execute(
                "SELECT type, title, status, created_at FROM chats WHERE chat_id = ?", [old]
            ).fetchone()
            if row is None:
                return
            self.db.execute(
                "INSERT OR IGNORE INTO chats (chat_id, type, title, status, created_at) "
                "VALUES (?, 'supergroup', ?, ?, ?)",
                [new, row[1], row[2], row[3]],
            )
            self.db.execute(
                "UPDATE OR IGNORE subscriptions SET chat_id = ? WHERE chat_id = ?", [new, old]
            )
            self.db.execute("DELETE FROM subscriptions WHERE chat_id = ?", [old])
            self.db.execute(
                "UPDATE OR IGNORE deliveries SET chat_id = ? WHERE chat_id = ?", [new, old]
            )
            self.db.execute(
                "UPDATE OR IGNORE paused_topics SET chat_id = ? WHERE chat_id = ?", [new, old]
            )
            self.db.execute("DELETE FROM paused_topics WHERE chat_id = ?", [old])
            self.db.execute("DELETE FROM chats WHERE chat_id = ?", [old])
