"""What admins change from chat and must survive restarts: sources added, paused or
removed, leaders and aliases added; and the audit trail of every admin action."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from scrapers.model import Selectors, Source
from scrapers.text import shorten

# An audit row is a record of what was asked, not a copy of it: a stranger who sends
# /addsource with 4,000 characters of arguments a thousand times gets a thousand short rows.
AUDIT_ARGUMENTS_MAX = 200
AUDIT_RESULT_MAX = 300


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SourceFlags:
    paused: bool
    removed: bool


@dataclass(frozen=True)
class LeaderEntry:
    id: str
    name: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class AuditEntry:
    at: str
    user_id: int
    user_name: str | None
    command: str
    arguments: str
    result: str
    ok: bool


def _source_from_spec(spec: str) -> Source:
    fields: dict[str, Any] = json.loads(spec)
    if fields.get("selectors"):
        fields["selectors"] = Selectors(**fields["selectors"])
    return Source(**fields)


class AdminRecords:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- sources ---------------------------------------------------------------------------

    def added_sources(self) -> list[Source]:
        """Sources added in chat and not removed, in the order they were added."""
        rows = self.db.execute(
            "SELECT spec FROM sources WHERE spec IS NOT NULL AND removed_at IS NULL "
            "ORDER BY added_at, id"
        )
        return [_source_from_spec(row[0]) for row in rows.fetchall()]

    def flags(self) -> dict[str, SourceFlags]:
        rows = self.db.execute("SELECT id, paused, removed_at FROM sources")
        return {sid: SourceFlags(bool(p), r is not None) for sid, p, r in rows.fetchall()}

    def add_source(self, source: Source) -> None:
        """Keep a chat-added source; adding a removed id again brings it back."""
        spec = json.dumps(asdict(source), ensure_ascii=False)
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO sources (id, name, url, kind, origin, added_at, spec, paused) "
                "VALUES (?, ?, ?, ?, 'chat', ?, ?, 0) ON CONFLICT(id) DO UPDATE SET "
                "name = excluded.name, url = excluded.url, kind = excluded.kind, "
                "origin = 'chat', spec = excluded.spec, paused = 0, removed_at = NULL",
                [source.id, source.name, source.url, source.kind, _now(), spec],
            )

    def ensure_listed(self, source: Source) -> None:
        """A configured source gets a row, so pausing or removing it can be kept."""
        self.db.execute(
            "INSERT OR IGNORE INTO sources (id, name, url, kind, origin, added_at) "
            "VALUES (?, ?, ?, ?, 'config', ?)",
            [source.id, source.name, source.url, source.kind, _now()],
        )

    def remove_source(self, source_id: str) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE sources SET removed_at = ? WHERE id = ?", [_now(), source_id])

    def restore_source(self, source_id: str) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE sources SET removed_at = NULL WHERE id = ?", [source_id])

    def set_paused(self, source_id: str, paused: bool) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE sources SET paused = ? WHERE id = ?", [int(paused), source_id])

    # -- leaders ---------------------------------------------------------------------------

    def leader_entries(self) -> list[LeaderEntry]:
        rows = self.db.execute("SELECT id, name, aliases FROM leader_entries ORDER BY added_at")
        return [LeaderEntry(i, n, tuple(json.loads(a))) for i, n, a in rows.fetchall()]

    def add_leader(self, leader_id: str, name: str) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO leader_entries (id, name, aliases, added_at) VALUES (?, ?, '[]', ?) "
                "ON CONFLICT(id) DO UPDATE SET name = excluded.name",
                [leader_id, name, _now()],
            )

    def add_alias(self, leader_id: str, alias: str) -> None:
        with self.db.atomic():
            row = self.db.execute(
                "SELECT aliases FROM leader_entries WHERE id = ?", [leader_id]
            ).fetchone()
            aliases = list(json.loads(row[0])) if row else []
            if alias not in aliases:
                aliases.append(alias)
            self.db.execute(
                "INSERT INTO leader_entries (id, name, aliases, added_at) VALUES (?, NULL, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET aliases = excluded.aliases",
                [leader_id, json.dumps(aliases, ensure_ascii=False), _now()],
            )

    # -- audit -----------------------------------------------------------------------------

    def audit(
        self,
        user_id: int,
        user_name: str | None,
        command: str,
        arguments: str,
        result: str,
        ok: bool,
    ) -> None:
        """Who asked what and what they were told, each cut to a bounded length; rows go
        after ``store.keep_deliveries_days`` (store.maintenance)."""
        with self.db.atomic():
            self.db.table("audit").insert(
                {
                    "at": _now(),
                    "user_id": user_id,
                    "user_name": shorten(user_name, 64) if user_name else user_name,
                    "command": shorten(command, 64),
                    "arguments": shorten(arguments, AUDIT_ARGUMENTS_MAX),
                    "result": shorten(result, AUDIT_RESULT_MAX),
                    "ok": int(ok),
                }
            )

    def latest_audit(self, limit: int = 20) -> list[AuditEntry]:
        rows = self.db.execute(
            "SELECT at, user_id, user_name, command, arguments, result, ok FROM audit "
            "ORDER BY id DESC LIMIT ?",
            [limit],
        )
        return [AuditEntry(a, u, n, c, g, r, bool(o)) for a, u, n, c, g, r, o in rows.fetchall()]
