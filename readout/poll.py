"""One poll of one source, end to end: fetch, parse, match, store, record health.

This is where a source's failure is contained. Whatever the network or the bytes do, the
outcome is a value: a success with its new and edited items, or a failure with a reason
that is recorded against that source only, so one broken site never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from analysis.matching import Matcher
from analysis.participants import take_part
from analysis.tags import event_tags
from readout import relocation
from scrapers import telegram
from scrapers.errors import SourceError
from scrapers.feeds import read_document
from scrapers.fetch import Fetched, Fetcher, Validators
from scrapers.model import Batch, Item, KeptEntry, Skipped, Source
from scrapers.parsers import parse_batch, parse_prepared
from store.identity import key_of
from store.store import FetchState, Router, Routing, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceOutcome:
    """One source's poll. ``parsed`` counts the document's entries made items, ``kept``
    those of them served as last read and so not read again (store.entries)."""

    source: Source
    new: list[Item] = field(default_factory=list)
    updated: list[Item] = field(default_factory=list)
    parsed: int = 0
    kept: int = 0
    dated: int = 0
    linked: int = 0
    unchanged: bool = False
    baseline: bool = False
    queued: int = 0
    fallback: bool = False
    error: str | None = None
    skipped: tuple[Skipped, ...] = ()
    moved_to: str | None = None
    moved_back: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PollReport:
    """A whole poll, told as it ends: each source's outcome without its items (they were
    handed over as that source finished, and released), and the totals."""

    outcomes: list[SourceOutcome]
    seconds: float
    new: int = 0
    baseline: int = 0
    updated: int = 0

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if not o.ok]

    def summary(self) -> str:
        """The one line a poll prints: sources ok/failing, items new/updated, time taken."""
        ok = len(self.outcomes) - len(self.failed)
        new_text = f"{self.new} new" + (f" ({self.baseline} baseline)" if self.baseline else "")
        return (
            f"polled {len(self.outcomes)} sources: {ok} ok, {len(self.failed)} failing; "
            f"{new_text}, {self.updated} updated in {self.seconds:.1f}s"
        )


def shape(items: Sequence[Item], kept: Sequence[KeptEntry] = ()) -> tuple[int, int, int]:
    """How many items, how many dated, how many linked: what a broken parser loses first.
    The entries kept from the last poll count as the items they were read as."""
    dated = sum(1 for item in items if item.published is not None)
    dated += sum(1 for entry in kept if entry.mark.published is not None)
    linked = sum(1 for item in items if item.url is not None)
    linked += sum(1 for entry in kept if entry.linked)
    return len(items) + len(kept), dated, linked


def match_items(
    items: Sequence[Item], matcher: Matcher, principal: str | None = None
) -> list[Item]:
    """Each item with the leaders it mentions, who takes part (``principal`` is the
    source's), and the kind of event it reports."""
    return [
        take_part(
            replace(
                item,
                leaders=matcher.leaders_in(item.text or item.title),
                tags=event_tags(item.title, item.text),
            ),
            matcher,
            principal,
        )
        for item in items
    ]


LARGE_BODY = 2_000_000


class CollectorPause:
    """Holds Python's cyclic garbage collector off while a large body's items are made
    and stored, and keeps its scans off them afterwards.

    A collection stops every thread, the event loop's too, while it scans the objects of
    the generations it collects; parsing a 100k-entry feed keeps millions of them alive,
    so collections set off during the parse grow to seconds each (measured: 1 s at 40k
    entries, stalls of 4.6 s at 100k with /healthz waiting). So the collector is off from
    the parse to the end of the save (reference counting still frees what the work
    drops), and when the last large body is done, what survived is moved to the oldest
    generation without being scanned (``gc.freeze()`` then ``gc.unfreeze()``: two list
    splices). Re-enabling it with those survivors still young, as this class first did,
    made the very next young collection scan them all: 0.3-0.5 s stalls with a 100k
    batch, and a full collection of 0.4 s on the writer thread soon after. Promoted,
    they are scanned again only by a full collection, which CPython starts when the
    oldest generation has grown by a quarter through collections, by which time the
    batch is long gone. Cyclic garbage made meanwhile is promoted with the rest and freed
    by that collection: nothing is kept for good. (It also means Readout never uses
    ``gc.freeze()`` for good at start-up: this would undo it.)

    Small bodies, the usual case, are parsed and stored with the collector running.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0

    @contextlib.contextmanager
    def during(self, size: int) -> Iterator[None]:
        """Held while the items of a body of ``size`` bytes are made or stored."""
        if size < LARGE_BODY:
            yield
            return
        with self._lock:
            self._holders += 1
            gc.disable()
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if not self._holders:
                    gc.freeze()
                    gc.unfreeze()
                    gc.enable()


_collector = CollectorPause()


def read_batch(body: bytes, source: Source, matcher: Matcher, **where: str | None) -> Batch:
    """Parse and match in one step, so it can run off the event loop as a unit."""
    batch = _parse(body, source, **where)
    return replace(batch, items=match_items(batch.items, matcher, source.leader))


def read_items(body: bytes, source: Source, matcher: Matcher, **where: str | None) -> list[Item]:
    return read_batch(body, source, matcher, **where).items


def _parse(body: bytes, source: Source, **where: str | None) -> Batch:
    with _collector.during(len(body)):
        return parse_batch(body, source, **where)


async def parse_fetched(fetched: Fetched, source: Source, store: Store | None = None) -> Batch:
    """Parsing is CPU work (bs4 on a 1 MB page takes a while): off the event loop with it.

    A feed's entries that ``store`` holds as they are served now are kept, not read again
    (store.entries): a feed that gained two entries costs the reading of two. Should a
    read entry turn out to be the same item as a kept one (a feed listing an entry twice,
    in two forms), the document is read whole, which settles which of them counts.
    """
    if source.kind != "rss" or store is None:
        return await asyncio.to_thread(
            _parse, fetched.body, source, url=fetched.url, content_type=fetched.content_type
        )
    with _collector.during(len(fetched.body)):
        document = await asyncio.to_thread(
            read_document, fetched.body, source, url=fetched.url, content_type=fetched.content_type
        )
        spans = document.spans or []
        known = await store.entries_known(source.id, [span.digest for span in spans])
        batch = await asyncio.to_thread(parse_prepared, document, source, known)
        if batch.kept and {key_of(i) for i in batch.items} & {k.key for k in batch.kept}:
            batch = await asyncio.to_thread(parse_prepared, document, source)
    return batch


async def read_fetched(fetched: Fetched, source: Source, matcher: Matcher) -> Batch:
    """Parsed and matched off the event loop, every item: what /check shows."""
    return await asyncio.to_thread(
        read_batch,
        fetched.body,
        source,
        matcher,
        url=fetched.url,
        content_type=fetched.content_type,
    )


async def match_fresh(batch: Batch, source: Source, store: Store, matcher: Matcher) -> Batch:
    """The batch with leaders and tags read for the items not stored as they are.

    A changed feed is mostly entries already stored unchanged; what they mention was read
    when they were new and is not used again (saving them only marks them seen), so of a
    typical change only the one or two new entries are matched.
    """
    items = batch.items
    as_is = await store.unchanged(items)
    fresh = [item for item, same in zip(items, as_is, strict=True) if not same]
    if not fresh:
        return batch
    matched = iter(await asyncio.to_thread(match_items, fresh, matcher, source.leader))
    return replace(
        batch,
        items=[item if same else next(matched) for item, same in zip(items, as_is, strict=True)],
    )


@dataclass(frozen=True)
class _Read:
    """What one poll got: from where, the response, and its items (None: unchanged)."""

    url: str
    fetched: Fetched
    batch: Batch | None
    body_hash: str | None


async def poll_source(
    source: Source,
    fetcher: Fetcher,
    store: Store,
    matcher: Matcher,
    route: Router | Routing | None = None,
) -> SourceOutcome:
    state = store.fetch_state(source.id)
    try:
        read = await _fetch_and_read(source, state, fetcher, store)
        batch = None
        if read.batch is not None:
            # Matching a large body makes as many objects as parsing it: the same pause.
            with _collector.during(len(read.fetched.body)):
                batch = await match_fresh(read.batch, source, store, matcher)
    except SourceError as error:
        return _failed(store, source, str(error))
    except Exception as error:  # a parser bug on hostile input must not end the poll
        log.debug("source %s: unexpected error", source.id, exc_info=True)
        return _failed(
            store, source, f"internal error while reading: {type(error).__name__}: {error}"
        )
    moved_to, moved_back = relocation.settle(store, source, state, read.url)
    fetched = read.fetched
    if batch is None:
        store.record_unchanged(
            source.id, state, etag=fetched.etag, last_modified=fetched.last_modified
        )
        return SourceOutcome(source, unchanged=True, moved_to=moved_to, moved_back=moved_back)
    items = batch.items
    with _collector.during(len(fetched.body)):
        saved = await store.ingest(source.id, items, route=route, kept=batch.kept)
    count, dated, linked = shape(items, batch.kept)
    await store.succeeded(
        source.id,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        body_hash=read.body_hash,
        shape=(count, dated, linked),
        skipped=batch.skipped,
    )
    return SourceOutcome(
        source,
        new=saved.new,
        updated=saved.updated,
        parsed=count,
        kept=len(batch.kept),
        dated=dated,
        linked=linked,
        baseline=saved.baseline,
        queued=saved.queued,
        skipped=batch.skipped,
        moved_to=moved_to,
        moved_back=moved_back,
        fallback=batch.fallback,
    )


async def _fetch_and_read(
    source: Source, state: FetchState, fetcher: Fetcher, store: Store
) -> _Read:
    """The configured address first, always; a feed that moved is followed from there.

    While an alternate is in use its validators are the stored ones, so the configured
    address is asked unconditionally (it is expected to fail, and must not be answered 304
    with validators that belong to another URL).
    """
    moved = relocation.remembered(source, state) is not None
    validators = Validators() if moved else Validators(state.etag, state.last_modified)
    fetched: Fetched | None = None
    try:
        fetched = await fetcher.fetch(source, validators)
        if fetched.not_modified:
            return _Read(source.url, fetched, None, None)
        read = await _read_new(source.url, fetched, source, state, store)
        if source.kind == "telegram":
            read = await _older_posts(read, source, state, fetcher)
        return read
    except SourceError as error:
        found = await relocation.follow(
            source,
            state,
            fetcher,
            parse_fetched,
            error,
            fetched,
        )
        if found is None:
            raise
        if found.fetched.not_modified:
            return _Read(found.url, found.fetched, None, None)
        body_hash = hashlib.sha256(found.fetched.body).hexdigest()
        batch = None if body_hash == state.body_hash else found.batch
        return _Read(found.url, found.fetched, batch, body_hash)


async def _read_new(
    url: str, fetched: Fetched, source: Source, state: FetchState, store: Store
) -> _Read:
    body_hash = hashlib.sha256(fetched.body).hexdigest()
    if body_hash == state.body_hash:
        return _Read(url, fetched, None, body_hash)
    return _Read(url, fetched, await parse_fetched(fetched, source, store), body_hash)


async def _older_posts(read: _Read, source: Source, state: FetchState, fetcher: Fetcher) -> _Read:
    """A channel's preview shows only its newest posts; when even the oldest of them is
    newer than the last successful poll, some may have been missed, so older pages are
    read too ("before=" links), at most ``MAX_PAGES`` in all. A first poll reads one page:
    that is the baseline."""
    if read.batch is None or state.last_success is None:
        return read
    since = datetime.fromisoformat(state.last_success)
    page, items = read.fetched, list(read.batch.items)
    this_page = items
    for _ in range(telegram.MAX_PAGES - 1):
        dated = [item.published.at for item in this_page if item.published is not None]
        older = telegram.older_page(page.body, page.url) if dated else None
        if older is None or min(dated) <= since:
            break
        try:
            page = await fetcher.fetch(source, url=older)
            this_page = (await parse_fetched(page, source)).items
        except SourceError as error:  # what was read stands; the next poll tries again
            log.info("%s: older posts at %s: %s", source.id, older, error)
            break
        items = this_page + items
    return replace(read, batch=replace(read.batch, items=items))


def _failed(store: Store, source: Source, reason: str) -> SourceOutcome:
    failures = store.record_failure(source.id, reason).consecutive_failures
    log.info("%s failed (%d in a row): %s", source.id, failures, reason)
    return SourceOutcome(source, error=reason)


async def poll_sources(
    sources: Sequence[Source],
    fetcher: Fetcher,
    store: Store,
    matcher: Matcher,
    on_outcome: Callable[[SourceOutcome], None] | None = None,
) -> PollReport:
    """Poll ``sources`` concurrently, handing each outcome to ``on_outcome`` as its source
    finishes and keeping none of its items afterwards.

    The fetcher bounds how many are fetched at once; this bounds how many are between
    their fetch and their stored items (twice as many, so fetching goes on while the
    store's one writer works), so memory stays what a few sources cost, however many
    there are and however much they bring (1,000 feeds of 50 new items each held 1 GB
    until the end when every outcome was kept whole).
    """
    started = time.monotonic()
    store.sync_sources(sources)
    in_progress = asyncio.Semaphore(2 * fetcher.policy.concurrency)
    outcomes: list[SourceOutcome] = []
    totals = {"new": 0, "baseline": 0, "updated": 0}

    async def one(source: Source) -> None:
        async with in_progress:
            outcome = await poll_source(source, fetcher, store, matcher)
        totals["new"] += len(outcome.new)
        totals["baseline"] += len(outcome.new) if outcome.baseline else 0
        totals["updated"] += len(outcome.updated)
        if on_outcome is not None:
            on_outcome(outcome)
        outcomes.append(
            replace(outcome, new=[], updated=[]) if outcome.new or outcome.updated else outcome
        )

    try:
        await asyncio.gather(*(one(source) for source in sources))
    finally:  # what the report says is stored when it is returned, or the poll stops
        store.write_stamps()
    order = {source.id: index for index, source in enumerate(sources)}
    outcomes.sort(key=lambda outcome: order[outcome.source.id])
    return PollReport(outcomes, time.monotonic() - started, **totals)
