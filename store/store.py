"""Everything Readout keeps, behind one object: nothing else touches SQL.

Items are keyed by ``store.identity.item_key``; saving a batch tells new items from
edited and unchanged ones in one transaction, so a crash mid-poll leaves either the
whole batch or none of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from scrapers.model import Item, Published, Skipped, Source
from store.admin import AdminRecords
from store.identity import item_key
from store.outbox import Outbox
from store.schema import migrate
from store.subscriptions import Subscription, Subscriptions, Target

Router = Callable[[Item, Sequence[Subscription]], Iterable[Target]]
"""Who is owed an alert for a new item, given every active subscription (bot.routing)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class FetchState:
    """What the last polls of a source left behind: validators, and how healthy it is."""

    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_attempt: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    failing_since: str | None = None
    baselined_at: str | None = None
    announced: str | None = None
    last_parsed: int | None = None
    last_dated: int | None = None
    last_linked: int | None = None
    last_skipped: int | None = None
    skipped_reason: str | None = None
    moved_to: str | None = None
    moved_from: str | None = None
    fallback_since: str | None = None


@dataclass(frozen=True)
class SaveResult:
    """What one batch changed: ``new`` items (all baseline on a first poll) and edits."""

    new: list[Item] = field(default_factory=list)
    updated: list[Item] = field(default_factory=list)
    baseline: bool = False
    queued: int = 0


@dataclass(frozen=True)
class StoredItem:
    """An item as kept, with what an alert about it needs besides the item itself."""

    id: int
    item: Item
    source_name: str


class Store:
    """The SQLite file, opened in WAL mode with foreign keys, migrated to the current schema."""

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(path)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA busy_timeout = 5000")
        # WAL with synchronous=NORMAL survives a crash of the process intact; only a power
        # loss can drop the last commits, which the next poll fetches again.
        self.db.execute("PRAGMA synchronous = NORMAL")
        if str(path) != ":memory:":
            self.db.enable_wal()
        migrate(self.db)
        self.subscriptions = Subscriptions(self.db)
        self.outbox = Outbox(self.db)
        self.admin = AdminRecords(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sources -------------------------------------------------------------------------

    def sync_sources(self, sources: Iterable[Source], origin: str = "config") -> None:
        """Record the configured sources; a changed address or parser forgets the cache.

        The body hash and validators belong to what was fetched, from where, read how; when
        the definition changes, the next poll must parse afresh.
        """
        now = _iso(utc_now())
        with self.db.atomic():
            for source in sources:
                definition = _definition(source)
                existing = self._row("sources", source.id)
                if existing is None:
                    self.db.table("sources").insert(
                        {
                            "id": source.id,
                            "name": source.name,
                            "url": source.url,
                            "kind": source.kind,
                            "origin": origin,
                            "definition": definition,
                            "added_at": now,
                        }
                    )
                    continue
                self.db.table("sources").update(
                    source.id,
                    {
                        "name": source.name,
                        "url": source.url,
                        "kind": source.kind,
                        "definition": definition,
                    },
                )
                if existing["definition"] != definition and self._row("source_state", source.id):
                    self.db.table("source_state").update(
                        source.id, {"etag": None, "last_modified": None, "body_hash": None}
                    )

    def fetch_state(self, source_id: str) -> FetchState:
        row = self._row("source_state", source_id)
        return FetchState(**row) if row else FetchState(source_id)

    def record_success(
        self,
        source_id: str,
        *,
        etag: str | None,
        last_modified: str | None,
        body_hash: str | None,
        at: datetime | None = None,
        shape: tuple[int, int, int] | None = None,
        skipped: Sequence[Skipped] | None = None,
    ) -> None:
        """A good poll. ``shape`` (items, with dates, with links) is kept when the body was
        parsed, so a parser that suddenly finds less can be noticed (readout.health), and
        with it how many entries had to be skipped and why the first one was."""
        moment = _iso(at or utc_now())
        shape_fields: dict[str, Any] = {}
        if shape is not None:
            shape_fields = dict(
                zip(("last_parsed", "last_dated", "last_linked"), shape, strict=True)
            )
            shape_fields["last_skipped"] = len(skipped or ())
            shape_fields["skipped_reason"] = (
                f"entry {skipped[0].position}: {skipped[0].reason}" if skipped else None
            )
        self._upsert_state(
            source_id,
            etag=etag,
            last_modified=last_modified,
            body_hash=body_hash,
            last_attempt=moment,
            last_success=moment,
            last_error=None,
            consecutive_failures=0,
            failing_since=None,
            **shape_fields,
        )

    def record_move(self, source_id: str, configured: str, moved_to: str | None) -> None:
        """Where a moved feed is being read now instead of ``configured``; None: it is not."""
        self._upsert_state(
            source_id, moved_to=moved_to, moved_from=configured if moved_to else None
        )

    def set_announced(self, source_id: str, announced: str | None) -> None:
        """What admins were last told about this source (None: that it is fine)."""
        self._upsert_state(source_id, announced=announced)

    def set_fallback(self, source_id: str, since: str | None) -> None:
        """Since when a page source has been read by link pattern (None: by its selectors)."""
        self._upsert_state(source_id, fallback_since=since)

    def record_failure(self, source_id: str, error: str, at: datetime | None = None) -> FetchState:
        """Count one more consecutive failure; ``failing_since`` marks where the run began."""
        moment = _iso(at or utc_now())
        state = self.fetch_state(source_id)
        self._upsert_state(
            source_id,
            last_attempt=moment,
            last_error=error,
            consecutive_failures=state.consecutive_failures + 1,
            failing_since=state.failing_since or moment,
        )
        return self.fetch_state(source_id)

    def _upsert_state(self, source_id: str, **values: Any) -> None:
        self.db.table("source_state").upsert({"source_id": source_id, **values}, pk="source_id")

    # -- items ---------------------------------------------------------------------------

    def save_items(
        self,
        source_id: str,
        items: Sequence[Item],
        at: datetime | None = None,
        route: Router | None = None,
    ) -> SaveResult:
        """Store a source's current items and owe their alerts, in one transaction.

        The first batch with any item is the source's baseline and owes nothing. After
        that, ``route`` decides who is owed each new item; an edited item marks the alerts
        already sent for it to be edited in place.
        """
        moment = _iso(at or utc_now())
        new: list[Item] = []
        updated: list[Item] = []
        queued = 0
        with self.db.atomic():
            baseline = bool(items) and self.fetch_state(source_id).baselined_at is None
            if baseline:
                self._upsert_state(source_id, baselined_at=moment)
            subscriptions: list[Subscription] | None = None
            seen: set[str] = set()
            for item in items:
                key = _key(item)
                if key in seen:
                    continue
                seen.add(key)
                outcome, item_id = self._save_item(key, item, moment, baseline)
                if outcome == "new":
                    new.append(item)
                    if route is not None and not baseline:
                        if subscriptions is None:
                            subscriptions = self.subscriptions.active()
                        queued += self.outbox.enqueue(item_id, route(item, subscriptions))
                elif outcome == "updated":
                    updated.append(item)
                    self.outbox.mark_edited(item_id)
        return SaveResult(new=new, updated=updated, baseline=baseline, queued=queued)

    def _save_item(self, key: str, item: Item, moment: str, baseline: bool) -> tuple[str, int]:
        content_hash = _content_hash(item)
        row = self.db.execute(
            "SELECT id, content_hash, revision FROM items WHERE key = ?", [key]
        ).fetchone()
        fields = {
            "guid": item.guid,
            "url": item.url,
            "title": item.title,
            "summary": item.summary,
            "text": item.text,
            "published": item.published.at.isoformat() if item.published else None,
            "published_ts": item.published.timestamp() if item.published else None,
            "published_date_only": int(item.published.date_only) if item.published else 0,
            "last_seen": moment,
            "content_hash": content_hash,
            "tags": json.dumps(list(item.tags)),
        }
        if row is None:
            item_id = (
                self.db.table("items")
                .insert(
                    {
                        "key": key,
                        "source_id": item.source,
                        "first_seen": moment,
                        "updated_at": moment,
                        "is_baseline": int(baseline),
                        **fields,
                    }
                )
                .last_pk
            )
            assert isinstance(item_id, int)
            self._link_leaders(item_id, item.leaders)
            return "new", item_id
        item_id, old_hash, revision = row
        if old_hash == content_hash:
            # Whether a date is only a day is not an edit; rows stored before that was
            # known are corrected here for free.
            self.db.table("items").update(
                item_id,
                {"last_seen": moment, "published_date_only": fields["published_date_only"]},
            )
            return "unchanged", item_id
        self.db.table("items").update(
            item_id, {**fields, "updated_at": moment, "revision": revision + 1}
        )
        self._link_leaders(item_id, item.leaders)
        return "updated", item_id

    def _link_leaders(self, item_id: int, leaders: Sequence[str]) -> None:
        self.db.execute("DELETE FROM item_leaders WHERE item_id = ?", [item_id])
        if leaders:
            self.db.table("item_leaders").insert_all(
                {"item_id": item_id, "leader_id": leader} for leader in leaders
            )

    def items(self, source_id: str | None = None) -> list[dict[str, Any]]:
        """Stored items with their leader ids, newest first (for inspection and tests)."""
        where = "WHERE i.source_id = ?" if source_id else ""
        rows = self.db.execute(
            f"""
            SELECT i.*, group_concat(l.leader_id) AS leaders
            FROM items i LEFT JOIN item_leaders l ON l.item_id = i.id
            {where}
            GROUP BY i.id ORDER BY coalesce(i.published_ts, 0) DESC, i.id DESC
            """,  # noqa: S608 - the only interpolation is a fixed clause
            [source_id] if source_id else [],
        )
        columns = [c[0] for c in rows.description]
        result = []
        for values in rows.fetchall():
            row = dict(zip(columns, values, strict=True))
            row["leaders"] = sorted(row["leaders"].split(",")) if row["leaders"] else []
            result.append(row)
        return result

    def items_since(self, since: datetime) -> dict[str, int]:
        """New items per source since ``since`` (for /status)."""
        rows = self.db.execute(
            "SELECT source_id, count(*) FROM items WHERE first_seen >= ? GROUP BY source_id",
            [_iso(since)],
        )
        return {str(source): int(n) for source, n in rows.fetchall()}

    def states(self) -> dict[str, FetchState]:
        rows = self.db.execute("SELECT * FROM source_state")
        columns = [c[0] for c in rows.description]
        states = [FetchState(**dict(zip(columns, r, strict=True))) for r in rows.fetchall()]
        return {state.source_id: state for state in states}

    def stored_item(self, item_id: int) -> StoredItem | None:
        found = self._stored_items("WHERE i.id = ?", [item_id], 1)
        return found[0] if found else None

    def recent(self, leader: str | None = None, limit: int = 5) -> list[StoredItem]:
        """The newest items, optionally only those mentioning ``leader``."""
        if leader is None:
            return self._stored_items("", [], limit)
        return self._stored_items(
            "WHERE i.id IN (SELECT item_id FROM item_leaders WHERE leader_id = ?)",
            [leader],
            limit,
        )

    def _stored_items(self, where: str, params: list[Any], limit: int) -> list[StoredItem]:
        rows = self.db.execute(
            f"""
            SELECT i.id, i.source_id, i.title, i.url, i.guid, i.published, i.summary, i.text,
                   s.name, (SELECT group_concat(leader_id) FROM item_leaders l
                            WHERE l.item_id = i.id) AS leaders, i.tags, i.published_date_only
            FROM items i JOIN sources s ON s.id = i.source_id
            {where}
            ORDER BY coalesce(i.published_ts, 0) DESC, i.id DESC LIMIT ?
            """,  # noqa: S608 - ``where`` is one of the fixed clauses above
            [*params, limit],
        )
        found = []
        for row in rows.fetchall():
            item_id, source, title, url, guid, published, summary, text, name = row[:9]
            leaders, tags, date_only = row[9:]
            item = Item(
                source=source,
                title=title,
                url=url,
                guid=guid,
                published=_published(published, bool(date_only)),
                summary=summary or "",
                text=text or "",
                leaders=tuple(leaders.split(",")) if leaders else (),
                tags=tuple(json.loads(tags)) if tags else (),
            )
            found.append(StoredItem(item_id, item, name))
        return found

    def _row(self, table: str, pk: str) -> dict[str, Any] | None:
        try:
            return dict(self.db.table(table).get(pk))
        except sqlite_utils.db.NotFoundError:
            return None


def _published(stored: str | None, date_only: bool) -> Published | None:
    if not stored:
        return None
    moment = datetime.fromisoformat(stored)
    return Published(moment if moment.tzinfo else moment.replace(tzinfo=UTC), date_only)


def _key(item: Item) -> str:
    # The instant, not what is shown: marking a date as a day must not make it a new item.
    published = item.published.at.isoformat() if item.published else None
    return item_key(item.source, item.guid, item.url, item.title, published)


def _content_hash(item: Item) -> str:
    """What an edit at the source changes; leaders are derived, so they are not part of it."""
    published = item.published.at.isoformat() if item.published else None
    payload = json.dumps([item.title, item.summary, item.text, item.url, published])
    return hashlib.sha256(payload.encode()).hexdigest()


def _definition(source: Source) -> str:
    """What decides the bytes fetched and how they are read (not the name or interval)."""
    parts = (source.url, source.kind, source.selectors, source.language, source.timezone)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
