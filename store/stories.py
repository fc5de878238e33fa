"""Stories in SQLite: placing a new item in one, and reading them back.

An item is placed once, when it is first stored (in the same transaction, so an item and
its story are never apart), and its story id never changes after: an edit that changes
who an item names keeps its story, because an alert may already have been sent for it as
part of that story and the thread in the chat must stay whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlite_utils

from analysis.stories import (
    HOLDERS,
    Event,
    Member,
    choose_story,
    event_of,
    identifies,
    image_key,
    initiator,
    window,
)
from scrapers.model import Item
from store.subscriptions import Target


@dataclass(frozen=True)
class Earlier:
    """An alert to one chat for another item of the same story."""

    delivery_id: int
    status: str
    message_id: int | None
    next_attempt_at: str
    office: str


@dataclass(frozen=True)
class Thread:
    """A story as one chat has seen it so far."""

    story: int
    kind: str
    office: str
    earlier: tuple[Earlier, ...]
    initiator: str | None = None


@dataclass(frozen=True)
class Side:
    """One item of a story, as lists of stories show it."""

    item_id: int
    source: str
    source_name: str
    title: str
    url: str | None
    published: str | None


@dataclass(frozen=True)
class Story:
    """One event as every source that reported it did: who, what kind, who initiated it."""

    id: int
    kind: str
    parties: tuple[str, ...]
    initiator: str | None
    sides: tuple[Side, ...]

    @property
    def published(self) -> str | None:
        found = [side.published for side in self.sides if side.published]
        return min(found) if found else None

    def as_json(self) -> dict[str, object]:
        return {
            "story": self.id,
            "kind": self.kind,
            "participants": list(self.parties),
            "initiator": self.initiator,
            "published": self.published,
            "sources": [side.source for side in self.sides],
            "items": [
                {"source": side.source, "title": side.title, "url": side.url} for side in self.sides
            ],
        }


class Stories:
    """The story side of the items table."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def place(self, item_id: int, item: Item, seen: str) -> int | None:
        """Record who takes part in a new item and the story it joins (None: no story)."""
        event = event_of(item, datetime.fromisoformat(seen).timestamp())
        row: dict[str, Any] = {
            "item_id": item_id,
            "source_id": item.source,
            "office": item.principal or item.source,
            "principal": item.principal,
            "participants": json.dumps(list(item.participants)),
            "parties": json.dumps(list(item.parties or item.participants)),
        }
        story: int | None = None
        if event is not None:
            story = choose_story(*self._candidates(event))
            opened_by = initiator(item.text or item.title, item.parties or item.participants)
            if story is None:
                story = self._open(event, item_id, seen, opened_by)
            elif opened_by:
                self.db.execute(
                    "UPDATE stories SET initiator = ? WHERE id = ? AND initiator IS NULL",
                    [opened_by, story],
                )
            row.update(
                story_id=story,
                link_key=event.key,
                link_start=event.start,
                link_end=event.end,
                day=event.day,
                ident=event.ident,
                image=event.image,
                kind=event.what,
            )
        self.db.execute(
            f"INSERT OR REPLACE INTO item_stories ({', '.join(row)}) "  # noqa: S608 - fixed names
            f"VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        return story

    def refresh(self, item_id: int, item: Item) -> int | None:
        """An edited item keeps its story; who it names and the picture it is shown with
        are brought up to date, for the items that arrive after the edit."""
        self.db.execute(
            "UPDATE item_stories SET participants = ?, image = coalesce(?, image)"
            " WHERE item_id = ?",
            [json.dumps(list(item.participants)), image_key(item.image), item_id],
        )
        return self.story_of(item_id)

    def story_of(self, item_id: int) -> int | None:
        row = self.db.execute(
            "SELECT story_id FROM item_stories WHERE item_id = ?", [item_id]
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def earlier_alerts(self, item_id: int, target: Target) -> Thread | None:
        """The story of ``item_id`` and the alerts ``target`` is owed or was sent for its
        other items, oldest first: what the thread in that chat is made of."""
        row = self.db.execute(
            "SELECT x.story_id, x.office, st.kind, st.initiator FROM item_stories x "
            "JOIN stories st ON st.id = x.story_id WHERE x.item_id = ?",
            [item_id],
        ).fetchone()
        if row is None:
            return None
        story, office, kind, opened_by = row
        rows = self.db.execute(
            """
            SELECT d.id, d.status, d.message_id, d.next_attempt_at, x.office
            FROM item_stories x JOIN deliveries d ON d.item_id = x.item_id
            WHERE x.story_id = ? AND x.item_id != ? AND d.chat_id = ? AND d.thread_id = ?
              AND d.kind = 'alert'
            ORDER BY d.id
            """,
            [story, item_id, target.chat_id, target.thread_id],
        ).fetchall()
        earlier = tuple(Earlier(*r) for r in rows)
        return Thread(int(story), str(kind), str(office), earlier, opened_by)

    def would_join(self, item: Item, seen: str) -> int | None:
        """The stored story ``item`` would join, without storing anything (readout check)."""
        event = event_of(item, datetime.fromisoformat(seen).timestamp())
        return None if event is None else choose_story(*self._candidates(event))

    def _open(self, event: Event, item_id: int, seen: str, opened_by: str | None) -> int:
        # Raw SQL: this runs once per new item on the save path, where sqlite-utils'
        # per-call schema introspection would cost more than the insert itself.
        cursor = self.db.execute(
            "INSERT INTO stories (kind, key, initiator, first_item_id, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [event.kind or "other", event.key, opened_by, item_id, seen],
        )
        story = cursor.lastrowid
        assert isinstance(story, int)
        return story

    def _candidates(self, event: Event) -> tuple[Event, list[Member]]:
        """Stored items that could share ``event``'s story: indexed reads by key within the
        window (the ``NEAREST`` in time), by identifier and by picture (at most ``HOLDERS``
        of one picture), so the cost grows neither with the store nor with a burst of alike
        readouts; and ``event`` without its picture where the picture's other holders show
        it to be generic."""
        rows: list[tuple[Any, ...]] = []
        if event.image is not None:
            held = self.db.execute(
                f"{_MEMBER} WHERE image = ? AND story_id IS NOT NULL LIMIT ?",
                [event.image, HOLDERS],
            ).fetchall()
            holders = [_member(row).event for row in held]
            if identifies(event, holders):
                rows += held
            else:
                event = replace(event, image=None)
        if event.key is not None:
            low, high = window(event)
            # The nearest before and the nearest after, each read in the index's order.
            half = NEAREST // 2
            rows += self.db.execute(
                f"{_MEMBER} WHERE link_key = ? AND link_start BETWEEN ? AND ?"
                " ORDER BY link_start DESC LIMIT ?",
                [event.key, low, event.start, half],
            ).fetchall()
            rows += self.db.execute(
                f"{_MEMBER} WHERE link_key = ? AND link_start > ? AND link_start <= ?"
                " ORDER BY link_start LIMIT ?",
                [event.key, event.start, high, half],
            ).fetchall()
        if event.ident is not None:
            rows += self.db.execute(f"{_MEMBER} WHERE ident = ?", [event.ident]).fetchall()
        return event, [_member(row) for row in rows if row[0] is not None]

    def sides(self, story: int) -> list[Side]:
        """The story's items, oldest first; a date the source gave as a day stays a day."""
        rows = self.db.execute(
            """
            SELECT i.id, i.source_id, s.name, i.title, i.url,
                   CASE WHEN i.published_date_only THEN substr(i.published, 1, 10)
                        ELSE i.published END
            FROM item_stories x JOIN items i ON i.id = x.item_id
            JOIN sources s ON s.id = i.source_id
            WHERE x.story_id = ? ORDER BY i.id
            """,
            [story],
        ).fetchall()
        return [Side(*row) for row in rows]

    def latest(self, leader: str | None = None, limit: int = 5, offset: int = 0) -> list[Story]:
        """The newest stories (of ``leader``), newest first: calls, meetings and summits.

        A leader's stories are those an item names the leader a party to (in its title, or
        as its office's principal), not every one whose text mentions the leader in passing.
        """
        where = "WHERE st.kind IN ('call', 'meeting', 'summit')"
        params: list[Any] = []
        if leader is not None:
            where += (
                " AND EXISTS (SELECT 1 FROM item_stories m WHERE m.story_id = st.id"
                " AND m.parties LIKE ?)"
            )
            params.append(f'%"{leader}"%')
        rows = self.db.execute(
            f"""
            SELECT st.id, st.kind, st.key, st.initiator FROM stories st {where}
            ORDER BY st.id DESC LIMIT ? OFFSET ?
            """,  # noqa: S608 - ``where`` is built from fixed clauses
            [*params, limit, offset],
        ).fetchall()
        return [self._story(row) for row in rows]

    def _story(self, row: Sequence[Any]) -> Story:
        story, kind, key, opened_by = row
        sides = tuple(self.sides(int(story)))
        parties: set[str] = set()
        for (named,) in self.db.execute(
            "SELECT parties FROM item_stories WHERE story_id = ?", [story]
        ).fetchall():
            parties.update(json.loads(named or "[]"))
        if key and not str(key).startswith("summit:"):
            parties = set(str(key).partition(":")[2].split("+"))
        return Story(int(story), str(kind), tuple(sorted(parties)), opened_by, sides)


# A burst of readouts with one key in one window (a feed re-serving thousands of "calls"
# between the same two leaders) made every new item read all the earlier ones: 13,000
# such items cost a second per 50 new. Real events have a handful of readouts, so the
# nearest few dozen in time are all that can be the same event.
NEAREST = 64

_MEMBER = (
    "SELECT story_id, source_id, office, link_key, link_start, link_end, day, ident, image,"
    " kind FROM item_stories"
)


def _member(row: Sequence[Any]) -> Member:
    story, source, office, key, start, end, day, ident, image, kind = row
    event = Event(
        str(source), str(office), key, float(start), float(end), str(day), ident, image, kind or ""
    )
    return Member(int(story), event)
