"""What admin commands do to the running service: the implementation of
``bot.admin.AdminOperations`` over the registry, the store and the fetcher."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.admin import AdminError, CheckReport
from readout import __version__
from readout.health import FALLBACK_TEXT
from readout.importer import import_outlines
from readout.poll import read_fetched, shape
from readout.registry import Registry
from scrapers.discovery import advertised_feeds, looks_like_html
from scrapers.errors import SourceError
from scrapers.fetch import Fetcher
from scrapers.model import Item, Source, SourceKind
from scrapers.opml import OpmlError, parse_opml, render_opml
from scrapers.telegram import is_channel_preview
from scrapers.text import shorten
from store.store import FetchState, Store


class Operations:
    def __init__(
        self,
        registry: Registry,
        store: Store,
        fetcher: Fetcher,
        threshold: int,
        telegram: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.registry = registry
        self.store = store
        self.fetcher = fetcher
        self.threshold = threshold
        self.telegram = telegram  # what is wrong with the link to Telegram, if anything
        self.started = time.monotonic()

    def _known(self, source_id: str) -> Source:
        source = self.registry.source(source_id)
        if source is None:
            known = ", ".join(s.id for s in self.registry.sources())
            raise AdminError(f"No source “{html.escape(source_id)}”. Known: {known}")
        return source

    async def _read(self, source: Source) -> tuple[Source, list[Item]]:
        """Fetch and parse; a page that advertises a feed is read through its feed."""
        try:
            fetched = await self.fetcher.fetch(source)
            if source.kind == "rss" and looks_like_html(fetched.body, fetched.content_type):
                feeds = advertised_feeds(fetched.body, fetched.url)
                if not feeds:
                    raise AdminError(
                        f"{html.escape(source.url)} is a web page that advertises no RSS or "
                        "Atom feed; give the feed's address."
                    )
                source = Source(id=source.id, name=source.name, url=feeds[0])
                fetched = await self.fetcher.fetch(source)
            items = (await read_fetched(fetched, source, self.registry.matcher())).items
        except SourceError as error:
            raise AdminError(f"{html.escape(source.url)} could not be read: {error}") from None
        return source, items

    async def add_source(self, source_id: str, url: str, name: str | None) -> tuple[str, int]:
        if self.registry.source(source_id) is not None:
            raise AdminError(f"A source “{source_id}” exists already; /removesource it first.")
        if not url.lower().startswith(("http://", "https://")):
            raise AdminError(f"“{html.escape(url)}” is not an http(s) URL.")
        kind: SourceKind = "telegram" if is_channel_preview(url) else "rss"
        new = Source(id=source_id, name=name or source_id, url=url, kind=kind)
        source, items = await self._read(new)
        if self.registry.source(source_id) is not None:  # added by another chat meanwhile
            raise AdminError(f"A source “{source_id}” exists already; /removesource it first.")
        if not items:
            raise AdminError(f"{html.escape(source.url)} gives no items, so it was not added.")
        self.store.admin.add_source(source)
        saved = await self.store.ingest(source.id, items)
        # No validators or body hash: the next poll parses afresh and finds these same
        # items already stored, so nothing from the baseline is ever alerted.
        self.store.record_success(
            source.id, etag=None, last_modified=None, body_hash=None, shape=shape(items)
        )
        self.registry.changed()
        return source.url, len(saved.new)

    def export_opml(self) -> bytes:
        return render_opml(self.registry.sources())

    async def import_opml(self, body: bytes) -> list[str]:
        """Add the feeds of an OPML file; a file that is not one changes nothing."""
        try:
            document = parse_opml(body)
        except OpmlError as error:
            raise AdminError(f"Not imported: {html.escape(str(error))}.") from None
        report = await import_outlines(document, self.registry.sources(), self.add_source)
        return report.lines()

    def remove_source(self, source_id: str) -> None:
        self._known(source_id)
        self.store.admin.remove_source(source_id)
        self.registry.changed()

    def set_paused(self, source_id: str, paused: bool) -> None:
        self._known(source_id)
        self.store.admin.set_paused(source_id, paused)
        self.registry.changed()

    async def check(self, source_id: str) -> CheckReport:
        source = self._known(source_id)
        try:
            _, items = await self._read(source)
        except AdminError as error:
            return CheckReport(0, [], str(error))
        newest = sorted(
            items, key=lambda i: i.published.timestamp() if i.published else 0, reverse=True
        )
        return CheckReport(len(items), newest)

    def add_leader(self, leader_id: str, name: str) -> None:
        if any(leader.id == leader_id for leader in self.registry.leaders()):
            raise AdminError(f"A leader “{leader_id}” exists already; use /alias to add names.")
        self.store.admin.add_leader(leader_id, name)
        self.registry.changed()

    def add_alias(self, leader_id: str, alias: str) -> str:
        leader = next((x for x in self.registry.leaders() if x.id == leader_id), None)
        if leader is None:
            raise AdminError(f"No leader “{html.escape(leader_id)}”; see /leaders.")
        self.store.admin.add_alias(leader_id, alias)
        self.registry.changed()
        return leader.name

    def status_header(self) -> str:
        queue = self.store.outbox.counts()
        uptime = timedelta(seconds=int(time.monotonic() - self.started))
        pending = queue.get("pending", 0)
        problem = self.telegram()
        link = "up" if problem is None else f"⚠️ {html.escape(problem)} ({pending} waiting)"
        return (
            f"<b>Readout {__version__}</b> · up {uptime} · queue: "
            f"{pending} pending, {queue.get('failed', 0)} failed, "
            f"{queue.get('sent', 0)} sent\nTelegram: {link}"
        )

    def status_lines(self) -> list[str]:
        states = self.store.states()
        recent = self.store.items_since(datetime.now(UTC) - timedelta(hours=24))
        lines = []
        for source in self.registry.sources():
            state = states.get(source.id)
            count = recent.get(source.id, 0)
            name = f"<code>{html.escape(source.id)}</code>"
            if not source.enabled:
                lines.append(f"⏸ {name} paused")
                continue
            if state is None or state.last_attempt is None:
                lines.append(f"… {name} not polled yet")
                continue
            last = _short_time(state.last_success)
            if state.consecutive_failures >= self.threshold:
                reason = html.escape(shorten(state.last_error or "", 120))
                lines.append(
                    f"⚠️ {name} failing since {_short_time(state.failing_since)} "
                    f"({state.consecutive_failures}×): {reason} · last ok {last}"
                )
            elif state.fallback_since is not None:
                lines.append(
                    f"⚠️ {name} {FALLBACK_TEXT} (since {_short_time(state.fallback_since)}) "
                    f"· last ok {last} · {count} new/24h"
                )
            elif state.announced == "layout":
                lines.append(f"⚠️ {name} layout changed? · last ok {last} · {count} new/24h")
            else:
                failures = (
                    f" · {state.consecutive_failures} failed" if state.consecutive_failures else ""
                )
                lines.append(
                    f"✅ {name} ok · last {last} · {count} new/24h{failures}{_reading(state)}"
                )
        return lines

    def audit_lines(self, limit: int) -> list[str]:
        lines = []
        for entry in self.store.admin.latest_audit(limit):
            who = html.escape(entry.user_name or str(entry.user_id))
            what = html.escape(f"/{entry.command} {entry.arguments}".strip())
            result = html.escape(shorten(entry.result, 120))
            mark = "✅" if entry.ok else "⛔"
            lines.append(f"{mark} {_short_time(entry.at)} {who}: {what} → {result}")
        return lines


def _reading(state: FetchState) -> str:
    """What the last parse left out, and where a moved feed is being read."""
    notes = ""
    if state.last_skipped:
        reason = html.escape(shorten(state.skipped_reason or "", 80))
        notes += f" · {state.last_skipped} skipped ({reason})"
    if state.moved_to:
        notes += f" · moved: reading {html.escape(state.moved_to)}"
    return notes


def _short_time(iso: str | None) -> str:
    if not iso:
        return "never"
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%m-%d %H:%M UTC")
