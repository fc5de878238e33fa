"""What admin commands do to the running service: the implementation of
``bot.admin.AdminOperations`` over the registry, the store and the fetcher."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot import admin as said
from bot.admin import AdminError, CheckReport
from bot.i18n import Texts
from bot.reader import Reader, Wording
from readout import __version__
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
            raise AdminError(Wording(said.NO_SOURCE, source=html.escape(source_id), known=known))
        return source

    async def _read(self, source: Source) -> tuple[Source, list[Item]]:
        """Fetch and parse; a page that advertises a feed is read through its feed."""
        try:
            fetched = await self.fetcher.fetch(source)
            if source.kind == "rss" and looks_like_html(fetched.body, fetched.content_type):
                feeds = advertised_feeds(fetched.body, fetched.url)
                if not feeds:
                    raise AdminError(Wording(said.NO_FEED_ON_PAGE, url=html.escape(source.url)))
                source = Source(id=source.id, name=source.name, url=feeds[0])
                fetched = await self.fetcher.fetch(source)
            items = (await read_fetched(fetched, source, self.registry.matcher())).items
        except SourceError as error:
            raise AdminError(
                Wording(said.UNREADABLE, url=html.escape(source.url), error=html.escape(str(error)))
            ) from None
        return source, items

    async def add_source(self, source_id: str, url: str, name: str | None) -> tuple[str, int]:
        if self.registry.source(source_id) is not None:
            raise AdminError(Wording(said.SOURCE_EXISTS, source=source_id))
        if not url.lower().startswith(("http://", "https://")):
            raise AdminError(Wording(said.NOT_HTTP, url=html.escape(url)))
        kind: SourceKind = "telegram" if is_channel_preview(url) else "rss"
        new = Source(id=source_id, name=name or source_id, url=url, kind=kind)
        source, items = await self._read(new)
        if self.registry.source(source_id) is not None:  # added by another chat meanwhile
            raise AdminError(Wording(said.SOURCE_EXISTS, source=source_id))
        if not items:
            raise AdminError(Wording(said.NO_ITEMS, url=html.escape(source.url)))
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

    async def import_opml(self, body: bytes, words: Texts | None = None) -> list[str]:
        """Add the feeds of an OPML file, reported in ``words``' language; a file that is
        not one changes nothing."""
        try:
            document = parse_opml(body)
        except OpmlError as error:
            raise AdminError(Wording(said.NOT_IMPORTED, error=html.escape(str(error)))) from None
        report = await import_outlines(document, self.registry.sources(), self.add_source)
        return report.lines(words)

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
            raise AdminError(Wording(said.LEADER_EXISTS, leader=leader_id))
        self.store.admin.add_leader(leader_id, name)
        self.registry.changed()

    def add_alias(self, leader_id: str, alias: str) -> str:
        leader = next((x for x in self.registry.leaders() if x.id == leader_id), None)
        if leader is None:
            raise AdminError(Wording(said.NO_LEADER, leader=html.escape(leader_id)))
        self.store.admin.add_alias(leader_id, alias)
        self.registry.changed()
        return leader.name

    def status_header(self, reader: Reader) -> str:
        _ = reader.texts
        queue = self.store.outbox.counts()
        uptime = timedelta(seconds=int(time.monotonic() - self.started))
        pending = queue.get("pending", 0)
        problem = self.telegram()
        link = (
            _(said.LINK_UP)
            if problem is None
            else _(said.LINK_DOWN).format(problem=html.escape(problem), pending=pending)
        )
        return _(said.STATUS_HEADER).format(
            version=__version__,
            uptime=uptime,
            pending=pending,
            failed=queue.get("failed", 0),
            sent=queue.get("sent", 0),
            link=link,
        )

    def status_lines(self, reader: Reader) -> list[str]:
        """One line a source, its times in the reader's zone and language."""
        _ = reader.texts
        never = _(said.NEVER)
        states = self.store.states()
        recent = self.store.items_since(datetime.now(UTC) - timedelta(hours=24))
        lines = []
        for source in self.registry.sources():
            state = states.get(source.id)
            count = recent.get(source.id, 0)
            name = f"<code>{html.escape(source.id)}</code>"
            if not source.enabled:
                lines.append(_(said.SOURCE_PAUSED).format(name=name))
                continue
            if state is None or state.last_attempt is None:
                lines.append(_(said.NOT_POLLED).format(name=name))
                continue
            last = reader.when(state.last_success, never)
            if state.consecutive_failures >= self.threshold:
                reason = html.escape(shorten(state.last_error or "", 120))
                line = _(said.SOURCE_FAILING).format(
                    name=name,
                    since=reader.when(state.failing_since, never),
                    count=state.consecutive_failures,
                    reason=reason,
                    last=last,
                )
            elif state.fallback_since is not None:
                line = _(said.SOURCE_FALLBACK).format(
                    name=name,
                    since=reader.when(state.fallback_since, never),
                    last=last,
                    count=count,
                )
            elif state.announced == "layout":
                line = _(said.SOURCE_LAYOUT).format(name=name, last=last, count=count)
            else:
                failures = (
                    _(said.FAILED_NOTE).format(count=state.consecutive_failures)
                    if state.consecutive_failures
                    else ""
                )
                line = _(said.SOURCE_OK).format(
                    name=name, last=last, count=count, notes=failures + _reading(state, reader)
                )
            lines.append(line)
        return lines

    def audit_lines(self, limit: int, reader: Reader) -> list[str]:
        lines = []
        never = reader.texts(said.NEVER)
        for entry in self.store.admin.latest_audit(limit):
            who = html.escape(entry.user_name or str(entry.user_id))
            what = html.escape(f"/{entry.command} {entry.arguments}".strip())
            result = html.escape(shorten(entry.result, 120))
            mark = "✅" if entry.ok else "⛔"
            lines.append(f"{mark} {reader.when(entry.at, never)} {who}: {what} → {result}")
        return lines


def _reading(state: FetchState, reader: Reader) -> str:
    """What the last parse left out, and where a moved feed is being read."""
    _ = reader.texts
    notes = ""
    if state.last_skipped:
        reason = html.escape(shorten(state.skipped_reason or "", 80))
        notes += _(said.SKIPPED_NOTE).format(count=state.last_skipped, reason=reason)
    if state.moved_to:
        notes += _(said.MOVED_NOTE).format(url=html.escape(state.moved_to))
    return notes
