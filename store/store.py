"""Everything Readout keeps, behind one object: nothing else touches SQL.

Items are keyed by ``store.identity.item_key``; saving a batch tells new items from
edited and unchanged ones, and owes the alerts of the new ones in the same transactions
as the items, so no item is ever stored unannounced (``Store.save_items`` says how a
large batch is cut into chunks without losing anything on a crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from scrapers.model import Item, KeptEntry, Published, Skipped, Source
from store import entries
from store.admin import AdminRecords
from store.entries import EntryWrites
from store.identity import key_of
from store.outbox import Outbox
from store.preferences import ChatPreferences
from store.schema import migrate
from store.search import find, forget_item, index_items, terms_of
from store.stamps import Stamps
from store.stories import Stories
from store.subscriptions import Subscription, Subscriptions, Target

Router = Callable[[Item, Sequence[Subscription]], Iterable[Target]]
"""Who is owed an alert for a new item, given every active subscription (bot.routing)."""

_T = TypeVar("_T")

CHUNK = 500
CHUNK_SECONDS = 0.05
WRITER_PAUSE = 0.025
BURST, BURST_NOTICE = "burst", "burst-notice"
"""Outbox kinds beside an item's alert: a burst's summary to a chat, the notice to admins."""
NEWEST_IN_SUMMARY = 5


class StoreClosed(Exception):
    """The store was closed while a batch was being saved; the rest is saved next poll."""


@dataclass(frozen=True)
class Routing:
    """Who is owed each new item, and when that many at once become one summary.

    A source that suddenly serves a backlog (a redesign that re-dates its archive, a new
    feed with thousands of entries) would otherwise page every subscribed chat thousands
    of times; a bot that floods a channel gets removed from it.
    """

    route: Router
    burst_limit: int = 20
    admins: tuple[int, ...] = ()


@dataclass(frozen=True)
class Burst:
    """What one chat is owed from one poll beyond the limit: how many, and the newest."""

    count: int
    newest: tuple[str, ...]


@dataclass(frozen=True)
class BurstPlan:
    """The chats of one poll that get a summary, decided before anything is written."""

    bursts: Mapping[Target, Burst]
    total: int = 0
    limit: int = 0
    newest: str = ""

    @property
    def anchors(self) -> set[str]:
        """The items the summaries name: written first, with the summaries themselves."""
        return {key for burst in self.bursts.values() for key in burst.newest}


def plan_bursts(
    batch: Sequence[tuple[str, Item]], owed: Mapping[str, Sequence[Target]], limit: int
) -> BurstPlan:
    """Which targets are owed more than ``limit`` new items of this batch (0: no limit)."""
    if limit <= 0 or not owed:
        return BurstPlan({})
    newest_first = sorted(
        (entry for entry in batch if entry[0] in owed),
        key=lambda entry: entry[1].published.timestamp() if entry[1].published else float("-inf"),
        reverse=True,
    )
    per_target: dict[Target, list[str]] = {}
    for key, _ in newest_first:
        for target in owed[key]:
            per_target.setdefault(target, []).append(key)
    bursts = {
        target: Burst(len(keys), tuple(keys[:NEWEST_IN_SUMMARY]))
        for target, keys in per_target.items()
        if len(keys) > limit
    }
    if not bursts:
        return BurstPlan({})
    plan = BurstPlan(bursts, total=len(owed), limit=limit)
    anchors = plan.anchors
    newest = next(key for key, _ in newest_first if key in anchors)
    return BurstPlan(bursts, total=len(owed), limit=limit, newest=newest)


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


@dataclass
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


class _Database(sqlite_utils.Database):
    """sqlite-utils with transactions that take the write lock as they begin.

    The service writes through two connections (the loop's, and the writer thread's that
    stores polls). A deferred ``BEGIN`` that reads before it writes holds a snapshot; if
    the other connection commits meanwhile, its first write fails at once with "database
    is locked" (SQLITE_BUSY_SNAPSHOT), without waiting out ``busy_timeout``. ``BEGIN
    IMMEDIATE`` waits for the lock instead, and then reads what is current.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        if self.conn.in_transaction:
            with super().atomic() as nested:
                yield nested
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


class Store:
    """The SQLite file, opened in WAL mode with foreign keys, migrated to the current schema."""

    def __init__(self, path: str | Path, stopping: threading.Event | None = None) -> None:
        self._path = str(path)
        self._stopping = stopping or threading.Event()
        self._writer: ThreadPoolExecutor | None = None
        self._writer_store: Store | None = None
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db: sqlite_utils.Database = _Database(path)
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
        self.stories = Stories(self.db)
        self.preferences = ChatPreferences(self.db)
        self._stamps = Stamps(self.db)

    def close(self) -> None:
        """Close the connection, after the writer thread's (a save in progress stops at its
        next chunk; what it had not stored is stored by the next poll)."""
        self._stopping.set()
        if self._writer is not None:
            self._writer.submit(self._close_writer).result()
            self._writer.shutdown(wait=True)
            self._writer = None
        self._stamps.close()
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
            known = {
                str(row[0]): tuple(row[1:])
                for row in self.db.execute("SELECT id, name, url, kind, definition FROM sources")
            }
            for source in sources:
                definition = _definition(source)
                existing = known.get(source.id)
                known[source.id] = (source.name, source.url, source.kind, definition)
                if existing is None:
                    self.db.execute(
                        "INSERT INTO sources (id, name, url, kind, origin, definition, added_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [source.id, source.name, source.url, source.kind, origin, definition, now],
                    )
                    continue
                if existing == known[source.id]:
                    continue
                self.db.execute(
                    "UPDATE sources SET name = ?, url = ?, kind = ?, definition = ? WHERE id = ?",
                    [source.name, source.url, source.kind, definition, source.id],
                )
                if existing[3] != definition:
                    self.db.execute(
                        "UPDATE source_state SET etag = NULL, last_modified = NULL, "
                        "body_hash = NULL WHERE source_id = ?",
                        [source.id],
                    )

    def fetch_state(self, source_id: str) -> FetchState:
        row = self.db.execute(f"{_READ_STATES} WHERE source_id = ?", [source_id]).fetchone()
        return self._stamped(FetchState(source_id) if row is None else FetchState(*row))

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
        """One statement, prepared once per set of columns: a 304 costs its fetch and this.

        sqlite-utils' ``upsert`` reads the table's schema on every call, which was a fifth
        of an unchanged source's poll. A stamp still waiting for this source is written
        first, so that what follows it is written after it, as it happened.
        """
        if self._stamps.get(source_id) is not None:
            self._stamps.write(source_id)
        columns = tuple(values)
        statement = _STATE_UPSERTS.get(columns)
        if statement is None:
            unknown = set(columns) - _STATE_COLUMNS
            if unknown:
                raise ValueError(f"not a source_state column: {sorted(unknown)}")
            names = ", ".join(("source_id", *columns))
            marks = ", ".join("?" * (len(columns) + 1))
            updates = ", ".join(f"{c} = excluded.{c}" for c in columns) or "source_id = source_id"
            statement = _STATE_UPSERTS[columns] = (
                f"INSERT INTO source_state ({names}) VALUES ({marks}) "  # noqa: S608 - checked names
                f"ON CONFLICT(source_id) DO UPDATE SET {updates}"
            )
        self.db.execute(statement, [source_id, *values.values()])

    # -- items ---------------------------------------------------------------------------

    def save_items(
        self,
        source_id: str,
        items: Sequence[Item],
        at: datetime | None = None,
        route: Router | Routing | None = None,
        pause: float = 0.0,
        kept: Sequence[KeptEntry] = (),
    ) -> SaveResult:
        """Store a source's current items and owe their alerts.

        The first batch with any item is the source's baseline and owes nothing. After
        that, ``route`` decides who is owed each new item; a chat owed more than the burst
        limit gets one summary instead (``Routing``), and admins one notice of the burst.
        An edited item marks the alerts already sent for it to be edited in place.

        The work goes in transactions of at most ``CHUNK`` items or ``CHUNK_SECONDS``, so
        a 100k-item feed never holds SQLite's write lock for long, and ``pause`` between
        them lets other writers (replies, the sender, the health probe) in: SQLite has no
        queue for its lock, and a waiter that polls for it would otherwise find it taken
        again every time (the writer thread pauses; a save on the loop does not, it would
        only stall the loop). What must not be half done is placed so that a crash
        between chunks loses nothing. The baseline mark goes with the last chunk, so a
        first poll cut short is a baseline again next time and none of it is alerted.
        Burst summaries and the admins' notice go with the first chunk, beside the newest
        items they name; items a crash kept from being stored are new at the next poll and
        owed again, which may repeat an announcement but never drops one.

        ``kept`` are the feed's entries that were not read again because they are stored
        as served (store.entries): they are marked seen first, as saving them whole would
        have, in transactions of the same size; the entries the feed no longer serves are
        forgotten with the last chunk.
        """
        routing = Routing(route) if callable(route) else route
        moment = _iso(at or utc_now())
        batch = _unique(items)
        baseline = bool(batch) and self.fetch_state(source_id).baselined_at is None
        stored = self._stored_keys([key for key, _ in batch])
        owed: dict[str, list[Target]] = {}
        if routing is not None and not baseline:
            subscriptions = self.subscriptions.active()
            for index, (key, item) in enumerate(batch):
                if index % CHUNK == 0:
                    self._stop_if_closing()
                if key not in stored:
                    owed[key] = sorted(set(routing.route(item, subscriptions)), key=_target_order)
        plan = plan_bursts(batch, owed, routing.burst_limit if routing else 0)
        first = [entry for entry in batch if entry[0] in plan.anchors]
        queue = first + [entry for entry in batch if entry[0] not in plan.anchors]
        result = SaveResult(baseline=baseline)
        for start in range(0, len(kept), CHUNK):
            with self.db.atomic():
                entries.keep(self.db, source_id, kept[start : start + CHUNK], moment)
            self._stop_if_closing()
            if pause and start + CHUNK < len(kept):
                time.sleep(pause)
        ids: dict[str, int] = {}
        position = 0
        while True:
            with self.db.atomic():
                began = time.monotonic()
                end = len(first) if position == 0 and first else position + CHUNK
                chunk = _Chunk(self._existing([key for key, _ in queue[position:end]]))
                while position < min(end, len(queue)):
                    key, item = queue[position]
                    position += 1
                    self._save_one(key, item, moment, baseline, owed, plan, ids, result, chunk)
                    if not first and time.monotonic() - began > CHUNK_SECONDS:
                        break
                self._write_chunk(chunk)
                if position == len(first) and plan.bursts and routing is not None:
                    result.queued += self._owe_bursts(source_id, plan, ids, routing.admins)
                    first = []
                done = position >= len(queue)
                if done and baseline:
                    self._upsert_state(source_id, baselined_at=moment)
                if done:
                    entries.drop_unserved(self.db, source_id, moment)
            if done:
                break
            self._stop_if_closing()
            if pause:
                time.sleep(pause)
        order = {key: position for position, (key, _) in enumerate(batch)}
        result.new.sort(key=lambda item: order[key_of(item)])
        return result

    async def ingest(
        self,
        source_id: str,
        items: Sequence[Item],
        route: Router | Routing | None = None,
        kept: Sequence[KeptEntry] = (),
    ) -> SaveResult:
        """``save_items`` off the event loop, for the service's polls.

        Storing a 100k-item feed takes seconds of SQL and hashing; on the loop it would
        stall /healthz and every chat reply for as long. It runs instead on one worker
        thread with a connection of its own, opened in that thread (sqlite3 binds a
        connection to the thread that made it, and that check stays on, so no connection
        is ever shared). One worker means saves never race each other for the same item
        key, and WAL lets the loop's connection read while it writes; ``save_items``
        commits in chunks, so the loop's own writes wait at most one chunk. An in-memory
        store has nothing a second connection could share, so it saves in place.
        """
        if self._path == ":memory:":
            return self.save_items(source_id, items, route=route, kept=kept)
        return await self._on_writer(
            lambda store: store.save_items(
                source_id, items, route=route, pause=WRITER_PAUSE, kept=kept
            )
        )

    async def succeeded(self, source_id: str, **fields: Any) -> None:
        """``record_success`` on the writer thread, after a changed source's ``ingest``:
        on the loop it waits out whatever save the writer is in (``busy_timeout``), and
        every fetch of the cycle waits with it. (An unchanged source records on the loop:
        a thread hop would cost it more than its whole fetch.)"""
        if self._path == ":memory:":
            self.record_success(source_id, **fields)
            return
        await self._on_writer(lambda store: store.record_success(source_id, **fields))

    async def unchanged(self, items: Sequence[Item]) -> list[bool]:
        """``stored_as_is`` off the event loop, for the same reason as ``ingest``: a large
        feed's keys and hashes take as long to read as to store."""
        if self._path == ":memory:":
            return self.stored_as_is(items)
        return await self._on_writer(lambda store: store.stored_as_is(items))

    def known_entries(self, source_id: str, digests: Sequence[str]) -> dict[str, KeptEntry]:
        """Which of a feed's entries (by digest) this source served before, read as an
        item that is stored as it was then (store.entries)."""
        return entries.known(self.db, source_id, digests)

    async def entries_known(self, source_id: str, digests: Sequence[str]) -> dict[str, KeptEntry]:
        """``known_entries`` on the writer thread, which stored them: on the loop it would
        wait out whatever save the writer is in."""
        if self._path == ":memory:" or not digests:
            return self.known_entries(source_id, digests)
        return await self._on_writer(lambda store: store.known_entries(source_id, digests))

    async def _on_writer(self, work: Callable[[Store], _T]) -> _T:
        """``work`` run with the writer thread's own store (opened there, on first use)."""
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")

        def run() -> _T:
            if self._writer_store is None:
                self._writer_store = Store(self._path, stopping=self._stopping)
            return work(self._writer_store)

        return await asyncio.get_running_loop().run_in_executor(self._writer, run)

    def _close_writer(self) -> None:
        if self._writer_store is not None:
            self._writer_store.close()
            self._writer_store = None

    def _stop_if_closing(self) -> None:
        """A close waits for the writer: a batch in progress gives way at its next step
        (what it had not stored is stored by the next poll), so stopping stays quick."""
        if self._stopping.is_set():
            raise StoreClosed("the store was closed while a batch was being saved")

    def stored_as_is(self, items: Sequence[Item]) -> list[bool]:
        """For each item, whether it is stored already with this very content, so what
        is derived from its text (leaders, tags) need not be read again."""
        keyed = [(key_of(item), _content_hash(item)) for item in items]
        stored = self._stored_rows([key for key, _ in keyed])
        return [key in stored and stored[key][1] == digest for key, digest in keyed]

    def _stored_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` are stored already."""
        return set(self._stored_rows(keys))

    def _stored_rows(self, keys: Sequence[str]) -> dict[str, tuple[int, str, int]]:
        """The stored rows of ``keys``, read in slices under SQLite's variable cap."""
        found: dict[str, tuple[int, str, int]] = {}
        for start in range(0, len(keys), CHUNK):
            self._stop_if_closing()
            found.update(self._existing(keys[start : start + CHUNK]))
        return found

    def _owe_bursts(
        self, source_id: str, plan: BurstPlan, ids: Mapping[str, int], admins: Sequence[int]
    ) -> int:
        """One summary per chat in a burst, and one notice per admin for the whole burst."""
        queued = 0
        for target, burst in plan.bursts.items():
            detail = {
                "source": source_id,
                "count": burst.count,
                "total": plan.total,
                "newest": [ids[key] for key in burst.newest],
            }
            queued += self.outbox.enqueue_message(
                ids[burst.newest[0]], target, BURST, json.dumps(detail)
            )
        notice = {
            "source": source_id,
            "total": plan.total,
            "chats": len({target.chat_id for target in plan.bursts}),
            "limit": plan.limit,
        }
        for admin in admins:
            queued += self.outbox.enqueue_message(
                ids[plan.newest], Target(admin), BURST_NOTICE, json.dumps(notice)
            )
        return queued

    def _existing(self, keys: Sequence[str]) -> dict[str, tuple[int, str, int]]:
        """(id, content hash, revision) of the stored ``keys``: one query for a chunk."""
        if not keys:
            return {}
        marks = ", ".join("?" * len(keys))
        rows = self.db.execute(
            f"SELECT key, id, content_hash, revision FROM items WHERE key IN ({marks})",  # noqa: S608 - placeholders
            list(keys),
        )
        return {str(key): (int(i), str(h), int(r or 0)) for key, i, h, r in rows.fetchall()}

    def _save_one(
        self,
        key: str,
        item: Item,
        moment: str,
        baseline: bool,
        owed: Mapping[str, Sequence[Target]],
        plan: BurstPlan,
        ids: dict[str, int],
        result: SaveResult,
        chunk: _Chunk,
    ) -> None:
        outcome, item_id = self._save_item(key, item, moment, baseline, chunk)
        ids[key] = item_id
        if outcome == "new":
            result.new.append(replace(item, story=self.stories.place(item_id, item, moment)))
            targets = [t for t in owed.get(key, ()) if t not in plan.bursts]
            result.queued += self.outbox.enqueue(item_id, targets)
        elif outcome == "updated":
            result.updated.append(replace(item, story=self.stories.refresh(item_id, item)))
            self.outbox.mark_edited(item_id)

    def _save_item(
        self, key: str, item: Item, moment: str, baseline: bool, chunk: _Chunk
    ) -> tuple[str, int]:
        """A new row now (its id is owed alerts); what hangs off rows goes in ``chunk``."""
        content_hash = _content_hash(item)
        published = item.published
        date_only = int(published.date_only) if published else 0
        fields = (
            item.guid,
            item.url,
            item.title,
            item.summary,
            item.text,
            published.at.isoformat() if published else None,
            published.timestamp() if published else None,
            date_only,
            moment,
            content_hash,
            json.dumps(list(item.tags)),
            item.image,
        )
        row = chunk.existing.get(key)
        if row is None:
            cursor = self.db.execute(
                _INSERT_ITEM, (key, item.source, moment, moment, int(baseline), *fields)
            )
            item_id = cursor.lastrowid
            assert isinstance(item_id, int)
            chunk.existing[key] = (item_id, content_hash, 0)
            if item.entry is not None:
                chunk.entries.remember(item.source, item_id, item.entry, moment)
            chunk.links += [(item_id, leader) for leader in item.leaders]
            chunk.indexed.append(
                (item_id, fields[6], terms_of(item.title, item.summary, item.text))
            )
            return "new", item_id
        item_id, old_hash, revision = row
        if old_hash == content_hash:
            # Whether a date is only a day is not an edit; rows stored before that was
            # known are corrected here for free.
            chunk.seen.append((moment, date_only, item_id))
            if item.entry is not None:
                chunk.entries.remember(item.source, item_id, item.entry, moment)
            return "unchanged", item_id
        forget_item(self.db, item_id)
        self.db.execute(_UPDATE_ITEM, (*fields, moment, revision + 1, item_id))
        chunk.existing[key] = (item_id, content_hash, revision + 1)
        chunk.entries.edit(item_id, item.entry)
        if item.entry is not None:
            chunk.entries.remember(item.source, item_id, item.entry, moment)
        chunk.relinked.append(item_id)
        chunk.links += [(item_id, leader) for leader in item.leaders]
        chunk.indexed.append((item_id, fields[6], terms_of(item.title, item.summary, item.text)))
        return "updated", item_id

    def _write_chunk(self, chunk: _Chunk) -> None:
        """What a chunk's items carry besides their rows, each kind in one statement."""
        if chunk.seen:
            self.db.conn.executemany(
                "UPDATE items SET last_seen = ?, published_date_only = ? WHERE id = ?",
                chunk.seen,
            )
        if chunk.relinked:
            self.db.conn.executemany(
                "DELETE FROM item_leaders WHERE item_id = ?", [(i,) for i in chunk.relinked]
            )
        if chunk.links:
            self.db.conn.executemany(
                "INSERT INTO item_leaders (item_id, leader_id) VALUES (?, ?)", chunk.links
            )
        index_items(self.db, chunk.indexed)
        chunk.entries.write(self.db)

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

    def story_for(self, item: Item) -> int | None:
        """The story of ``item`` as stored, else the one it would join (readout check stores
        nothing, yet shows where a parsed item belongs)."""
        row = self.db.execute("SELECT id FROM items WHERE key = ?", [key_of(item)]).fetchone()
        if row is not None:
            return self.stories.story_of(int(row[0]))
        return self.stories.would_join(item, _iso(utc_now()))

    def items_since(self, since: datetime) -> dict[str, int]:
        """New items per source since ``since`` (for /status)."""
        rows = self.db.execute(
            "SELECT source_id, count(*) FROM items WHERE first_seen >= ? GROUP BY source_id",
            [_iso(since)],
        )
        return {str(source): int(n) for source, n in rows.fetchall()}

    def states(self) -> dict[str, FetchState]:
        states = (FetchState(*row) for row in self.db.execute(_READ_STATES).fetchall())
        if len(self._stamps):
            states = (self._stamped(state) for state in states)
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

    def search(self, query: str, offset: int = 0, limit: int = 5) -> list[StoredItem]:
        """The items matching the words of ``query`` in any inflected form, newest first
        (store.search)."""
        ids = find(self.db, query, offset, limit)
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        return self._stored_items(f"WHERE i.id IN ({marks})", ids, len(ids))

    def _stored_items(self, where: str, params: list[Any], limit: int) -> list[StoredItem]:
        rows = self.db.execute(
            f"""
            SELECT i.id, i.source_id, i.title, i.url, i.guid, i.published, i.summary, i.text,
                   s.name, (SELECT group_concat(leader_id) FROM item_leaders l
                            WHERE l.item_id = i.id) AS leaders, i.tags, i.published_date_only,
                   x.participants, x.principal, x.story_id, i.image
            FROM items i JOIN sources s ON s.id = i.source_id
            LEFT JOIN item_stories x ON x.item_id = i.id
            {where}
            ORDER BY coalesce(i.published_ts, 0) DESC, i.id DESC LIMIT ?
            """,  # noqa: S608 - ``where`` is one of the fixed clauses above
            [*params, limit],
        )
        found = []
        for row in rows.fetchall():
            item_id, source, title, url, guid, published, summary, text, name = row[:9]
            leaders, tags, date_only, participants, principal, story, image = row[9:]
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
                participants=tuple(json.loads(participants)) if participants else (),
                principal=principal,
                story=story,
                image=image,
            )
            found.append(StoredItem(item_id, item, name))
        return found

    # -- unchanged polls -----------------------------------------------------------------

    def record_unchanged(
        self,
        source_id: str,
        state: FetchState,
        *,
        etag: str | None,
        last_modified: str | None,
        at: datetime | None = None,
    ) -> None:
        """A poll that found the source as it was (a 304, or the same bytes), ``state``
        being what the poll read as it began.

        For a healthy source whose validators stay the same, only its times change, and
        they are written with other sources' (store.stamps): most of a cycle's sources,
        and a transaction each was most of what storing an unchanged poll cost. Anything
        more to record (a failure run ending, new validators) is written at once.
        """
        moment = _iso(at or utc_now())
        quiet = (
            state.last_success is not None
            and state.last_error is None
            and state.consecutive_failures == 0
            and state.failing_since is None
            and (state.etag, state.last_modified) == (etag, last_modified)
        )
        if quiet and self._stamps.hold(source_id, moment):
            return
        self.record_success(
            source_id,
            etag=etag,
            last_modified=last_modified,
            body_hash=state.body_hash,
            at=at,
        )

    def write_stamps(self) -> None:
        """Write the unchanged polls' times still waiting, for a poll that ends and must
        leave the store as it says (``readout poll``, then ``readout sources``)."""
        self._stamps.write()

    def _stamped(self, state: FetchState) -> FetchState:
        """``state`` with the times of an unchanged poll not yet written, as if it were."""
        moment = self._stamps.get(state.source_id)
        if moment is None:
            return state
        return replace(
            state,
            last_attempt=max(state.last_attempt or "", moment),
            last_success=max(state.last_success or "", moment),
        )


_ITEM_FIELDS = (
    "guid, url, title, summary, text, published, published_ts, published_date_only, "
    "last_seen, content_hash, tags, image"
)
_INSERT_ITEM = (
    "INSERT INTO items (key, source_id, first_seen, updated_at, is_baseline, "  # noqa: S608
    f"{_ITEM_FIELDS}) VALUES ({', '.join('?' * 17)})"
)
_UPDATE_ITEM = (
    "UPDATE items SET "  # noqa: S608 - fixed column names
    + ", ".join(f"{name.strip()} = ?" for name in _ITEM_FIELDS.split(","))
    + ", updated_at = ?, revision = ? WHERE id = ?"
)


@dataclass
class _Chunk:
    """One transaction's worth of a batch: the stored rows it may touch, read in one
    query, and the writes that hang off its items, made together when it ends."""

    existing: dict[str, tuple[int, str, int]]
    links: list[tuple[int, str]] = field(default_factory=list)
    relinked: list[int] = field(default_factory=list)
    seen: list[tuple[str, int, int]] = field(default_factory=list)
    indexed: list[tuple[int, Any, str]] = field(default_factory=list)
    entries: EntryWrites = field(default_factory=EntryWrites)


_STATE_COLUMNS = frozenset(FetchState.__dataclass_fields__) - {"source_id"}
_STATE_UPSERTS: dict[tuple[str, ...], str] = {}
# Every column in FetchState's order, so that a row is a FetchState's arguments.
_READ_STATES = f"SELECT {', '.join(FetchState.__dataclass_fields__)} FROM source_state"  # noqa: S608


def _unique(items: Sequence[Item]) -> list[tuple[str, Item]]:
    """Each item once, by identity, in feed order (a feed may list an entry twice)."""
    seen: dict[str, Item] = {}
    for item in items:
        seen.setdefault(key_of(item), item)
    return list(seen.items())


def _target_order(target: Target) -> tuple[int, int]:
    return target.chat_id, target.thread_id


def _published(stored: str | None, date_only: bool) -> Published | None:
    if not stored:
        return None
    moment = datetime.fromisoformat(stored)
    return Published(moment if moment.tzinfo else moment.replace(tzinfo=UTC), date_only)


def _content_hash(item: Item) -> str:
    """What an edit at the source changes; leaders are derived, so they are not part of it."""
    published = item.published.at.isoformat() if item.published else None
    payload = json.dumps([item.title, item.summary, item.text, item.url, published])
    return hashlib.sha256(payload.encode()).hexdigest()


def _definition(source: Source) -> str:
    """What decides the bytes fetched and how they are read (not the name or interval)."""
    parts = (source.url, source.kind, source.selectors, source.language, source.timezone)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
