"""The store's schema, as a numbered list of forward migrations.

``PRAGMA user_version`` holds the number of migrations applied. A database written by
an older Readout is brought forward on open, each step in its own transaction; a
database from a newer Readout is refused rather than silently misread.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from store.search import create_index


class SchemaError(Exception):
    """The database file is not one this version of Readout can use."""


def _v1_core(db: sqlite_utils.Database) -> None:
    db.table("sources").create(
        {
            "id": str,
            "name": str,
            "url": str,
            "kind": str,
            "origin": str,
            "definition": str,
            "added_at": str,
        },
        pk="id",
        not_null={"name", "url", "kind", "origin", "added_at"},
    )
    db.table("source_state").create(
        {
            "source_id": str,
            "etag": str,
            "last_modified": str,
            "body_hash": str,
            "last_attempt": str,
            "last_success": str,
            "last_error": str,
            "consecutive_failures": int,
            "failing_since": str,
            "baselined_at": str,
        },
        pk="source_id",
        foreign_keys=[("source_id", "sources", "id")],
        defaults={"consecutive_failures": 0},
        not_null={"consecutive_failures"},
    )
    db.table("items").create(
        {
            "id": int,
            "key": str,
            "source_id": str,
            "guid": str,
            "url": str,
            "title": str,
            "summary": str,
            "text": str,
            "published": str,
            "published_ts": float,
            "first_seen": str,
            "last_seen": str,
            "updated_at": str,
            "content_hash": str,
            "revision": int,
            "is_baseline": int,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
        not_null={"key", "source_id", "title", "first_seen", "last_seen", "content_hash"},
        defaults={"revision": 0, "is_baseline": 0, "summary": "", "text": ""},
    )
    db.table("items").create_index(["key"], unique=True)
    db.table("items").create_index(["source_id", "first_seen"])
    db.table("items").create_index(["published_ts"])
    db.table("item_leaders").create(
        {"item_id": int, "leader_id": str, "alias": str},
        pk=("item_id", "leader_id"),
        foreign_keys=[("item_id", "items", "id")],
    )
    db.table("item_leaders").create_index(["leader_id"])


def _v2_search(db: sqlite_utils.Database) -> None:
    """Full-text search over titles and leads, for /search and /recent."""
    db.table("items").enable_fts(["title", "summary"], create_triggers=True, tokenize="unicode61")


def _v3_delivery(db: sqlite_utils.Database) -> None:
    """Chats, their subscriptions, and the outbox of alerts owed to them.

    ``thread_id`` 0 means "no forum topic": SQLite treats NULLs as distinct in UNIQUE
    constraints, and the uniqueness of (item, chat, topic) is what stops double alerts.
    """
    db.table("chats").create(
        {
            "chat_id": int,
            "type": str,
            "title": str,
            "status": str,
            "status_reason": str,
            "created_at": str,
        },
        pk="chat_id",
        not_null={"type", "status", "created_at"},
        defaults={"status": "active"},
    )
    db.table("subscriptions").create(
        {
            "id": int,
            "chat_id": int,
            "thread_id": int,
            "kind": str,
            "target": str,
            "created_at": str,
            "created_by": int,
        },
        pk="id",
        foreign_keys=[("chat_id", "chats", "chat_id")],
        not_null={"chat_id", "thread_id", "kind", "target", "created_at"},
        defaults={"thread_id": 0},
    )
    db.table("subscriptions").create_index(["chat_id", "thread_id", "kind", "target"], unique=True)
    db.table("subscriptions").create_index(["kind", "target"])
    db.table("deliveries").create(
        {
            "id": int,
            "item_id": int,
            "chat_id": int,
            "thread_id": int,
            "status": str,
            "attempts": int,
            "next_attempt_at": str,
            "message_id": int,
            "last_error": str,
            "created_at": str,
            "sent_at": str,
            "edit_pending": int,
        },
        pk="id",
        foreign_keys=[("item_id", "items", "id")],
        not_null={
            "item_id",
            "chat_id",
            "thread_id",
            "status",
            "attempts",
            "created_at",
            "edit_pending",
        },
        defaults={"thread_id": 0, "status": "pending", "attempts": 0, "edit_pending": 0},
    )
    db.table("deliveries").create_index(["item_id", "chat_id", "thread_id"], unique=True)
    db.table("deliveries").create_index(["status", "next_attempt_at"])
    db.table("items").add_column("tags", str)


def _v4_administration(db: sqlite_utils.Database) -> None:
    """What admins change from chat, kept across restarts, and the record of who did it.

    A source added in chat keeps its whole definition in ``sources.spec``; any source can
    be paused or removed (its items stay). Health columns remember what admins were last
    told, so a failing source is announced once, not once per poll.
    """
    sources = db.table("sources")
    sources.add_column("spec", str)
    sources.add_column("paused", int, not_null_default=0)
    sources.add_column("removed_at", str)
    state = db.table("source_state")
    state.add_column("announced", str)
    state.add_column("last_parsed", int)
    state.add_column("last_dated", int)
    state.add_column("last_linked", int)
    db.table("leader_entries").create(
        {"id": str, "name": str, "aliases": str, "added_at": str},
        pk="id",
        not_null={"aliases", "added_at"},
    )
    db.table("audit").create(
        {
            "id": int,
            "at": str,
            "user_id": int,
            "user_name": str,
            "command": str,
            "arguments": str,
            "result": str,
            "ok": int,
        },
        pk="id",
        not_null={"at", "user_id", "command", "result", "ok"},
    )
    db.table("audit").create_index(["at"])


def _v5_heartbeat(db: sqlite_utils.Database) -> None:
    """One row the health check rewrites: ``GET /healthz`` proves the store takes writes."""
    db.table("heartbeat").create({"id": int, "at": str}, pk="id")


def _v6_what_sources_gave(db: sqlite_utils.Database) -> None:
    """Dates that are only days, entries a poll had to skip, and feeds that moved.

    ``published`` keeps the instant a day was read as (so keys, edit hashes and ordering of
    existing rows are unchanged); ``published_date_only`` says the time in it is not the
    source's. Existing rows start as 0 and are corrected when the source serves them again.
    ``moved_to`` is the address a feed was found at after ``moved_from`` (the configured
    one) stopped being a feed.
    """
    db.table("items").add_column("published_date_only", int, not_null_default=0)
    state = db.table("source_state")
    state.add_column("last_skipped", int)
    state.add_column("skipped_reason", str)
    state.add_column("moved_to", str)
    state.add_column("moved_from", str)


def _v7_paused_topics(db: sqlite_utils.Database) -> None:
    """Forum topics whose alerts are paused because Telegram says the topic is gone.

    A row pauses one topic of a chat, not the chat: the topic's subscriptions are kept, the
    rest of the chat keeps receiving alerts, and the row goes when the topic is heard from
    again. ``announced_at`` is when the chat (or the admins) were told, so they are told once.
    """
    db.table("paused_topics").create(
        {"chat_id": int, "thread_id": int, "reason": str, "paused_at": str, "announced_at": str},
        pk=("chat_id", "thread_id"),
        foreign_keys=[("chat_id", "chats", "chat_id")],
        not_null={"reason", "paused_at"},
    )


def _v8_layout_fallback(db: sqlite_utils.Database) -> None:
    """Since when a page source's selectors have found nothing and its items have been read
    by link pattern: admins are told once, and /status shows it until the selectors match."""
    db.table("source_state").add_column("fallback_since", str)


def _v9_bursts(db: sqlite_utils.Database) -> None:
    """Deliveries of other kinds than one item's alert: a burst's summary to a chat, and
    the notice to each admin that a burst happened (``detail`` holds what they say).

    They live in the outbox so they get its retries, pacing, pausing and restart safety.
    A summary names its newest item as ``item_id``, and an admin may also follow that item
    in their own chat, so the kind joins the key that stops an alert being owed twice.
    """
    deliveries = db.table("deliveries")
    deliveries.add_column("kind", str, not_null_default="alert")
    deliveries.add_column("detail", str)
    db.execute("DROP INDEX idx_deliveries_item_id_chat_id_thread_id")
    deliveries.create_index(["item_id", "chat_id", "thread_id", "kind"], unique=True)


def _v10_stories(db: sqlite_utils.Database) -> None:
    """Who takes part in each item, and the stories that join both sides' readouts.

    ``item_stories`` holds, per item, what linking compares (analysis.stories) beside the
    story it joined; it is a table of its own so placing an item never rewrites the item's
    row (and its full-text index). The index on key and start makes finding a new item's
    candidates one indexed range read however large the store grows. Items stored before
    this migration have no row and no story; they are not linked retroactively.
    """
    db.table("stories").create(
        {
            "id": int,
            "kind": str,
            "key": str,
            "initiator": str,
            "first_item_id": int,
            "created_at": str,
        },
        pk="id",
        not_null={"kind", "created_at"},
    )
    table = db.table("item_stories")
    table.create(
        {
            "item_id": int,
            "story_id": int,
            "source_id": str,
            "office": str,
            "principal": str,
            "participants": str,
            "parties": str,
            "link_key": str,
            "link_start": float,
            "link_end": float,
            "day": str,
            "ident": str,
        },
        pk="item_id",
        foreign_keys=[("item_id", "items", "id"), ("story_id", "stories", "id")],
        not_null={"source_id", "participants"},
    )
    table.create_index(["link_key", "link_start"])
    table.create_index(["ident"])
    table.create_index(["story_id"])


def _v11_pictures(db: sqlite_utils.Database) -> None:
    """The picture each item is shown with, and what linking compares of it.

    ``items.image`` is the address as the source gave it. ``item_stories.image`` is that
    picture's one key whatever size or host spelling a page used (analysis.stories), and
    ``kind`` what the item reports, so a picture joins only items of compatible kinds; the
    index finds a new item's fellow holders of one picture in one indexed read. Items stored
    before have no picture and are linked as they were.
    """
    db.table("items").add_column("image", str)
    table = db.table("item_stories")
    table.add_column("image", str)
    table.add_column("kind", str)
    table.create_index(["image"])


def _v12_search_follows_text(db: sqlite_utils.Database) -> None:
    """The search index is rewritten when an item's title or lead changes, not on every
    update of its row: every poll of a changed feed marks its unchanged items seen, and
    the trigger sqlite-utils made (on any update) re-indexed each of them every time,
    most of what storing a changed feed cost."""
    db.execute("DROP TRIGGER IF EXISTS items_au")
    db.execute(
        'CREATE TRIGGER "items_au" AFTER UPDATE OF "title", "summary" ON "items" BEGIN\n'
        '  INSERT INTO "items_fts" ("items_fts", rowid, "title", "summary") '
        'VALUES(\'delete\', old.rowid, old."title", old."summary");\n'
        '  INSERT INTO "items_fts" (rowid, "title", "summary") '
        'VALUES (new.rowid, new."title", new."summary");\n'
        "END"
    )


def _v13_chat_preferences(db: sqlite_utils.Database) -> None:
    """What each chat chose for itself (store.preferences): its language (or the Telegram
    language of whoever last wrote in it, the default until it chooses), its time zone,
    its quiet hours and its digest. Chats stored before keep the defaults: English, UTC,
    no quiet hours, no digest."""
    chats = db.table("chats")
    chats.add_column("language", str)
    chats.add_column("seen_language", str)
    chats.add_column("timezone", str)
    chats.add_column("quiet", str)
    chats.add_column("digest", str)


def _v14_stemmed_search(db: sqlite_utils.Database) -> None:
    """The search index /search reads: each item's words as stems (store.search), so a
    query finds their inflected forms (Токаеву finds Токаев). Items stored before are
    indexed here; from now on ``Store`` indexes what it saves and a trigger drops what is
    deleted. The v2 index (``items_fts``) stays as it is."""
    create_index(db)


def _v15_held_deliveries(db: sqlite_utils.Database) -> None:
    """Quiet hours and digests (store.digests): a delivery may be held for either, and is
    then kept out of the sender's way until its chat's quiet hours end or its digest is
    due; ``digest_marks`` remembers, per chat, the digest plan it was last scheduled by and
    since when its fire times are owed, so that a digest that fell due while the service
    was down is sent once after the start, and never twice."""
    deliveries = db.table("deliveries")
    deliveries.add_column("held", str)
    deliveries.create_index(["chat_id", "held", "status"])
    db.table("digest_marks").create(
        {"chat_id": int, "plan": str, "since": str}, pk="chat_id", if_not_exists=True
    )


def _v16_feed_entries(db: sqlite_utils.Database) -> None:
    """The feed entries each item was last read from, by fingerprint (store.entries), so
    a changed feed's poll reads only the entries it has not read in that form. Empty at
    first: each feed's next poll reads every entry once and fills it."""
    db.table("feed_entries").create(
        {
            "source_id": str,
            "digest": str,
            "item_id": int,
            "entry_id": str,
            "trusted": int,
            "published": str,
            "date_only": int,
            "seen": str,
        },
        pk=("source_id", "digest"),
        foreign_keys=[("item_id", "items", "id")],
        not_null={"source_id", "digest", "item_id", "seen"},
        if_not_exists=True,
    )
    db.table("feed_entries").create_index(["item_id"], if_not_exists=True)


MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _v1_core,
    _v2_search,
    _v3_delivery,
    _v4_administration,
    _v5_heartbeat,
    _v6_what_sources_gave,
    _v7_paused_topics,
    _v8_layout_fallback,
    _v9_bursts,
    _v10_stories,
    _v11_pictures,
    _v12_search_follows_text,
    _v13_chat_preferences,
    _v14_stemmed_search,
    _v15_held_deliveries,
    _v16_feed_entries,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations ``db`` has not seen; returns how many ran."""
    current: int = db.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise SchemaError(
            f"database schema version {current} is newer than this Readout's "
            f"({SCHEMA_VERSION}); upgrade Readout or use another store.path"
        )
    for version in range(current, SCHEMA_VERSION):
        with db.atomic():
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
    return SCHEMA_VERSION - current
