"""One poll of one source, end to end: fetch, parse, match, store, record health.

This is where a source's failure is contained. Whatever the network or the bytes do, the
outcome is a value: a success with its new and edited items, or a failure with a reason
that is recorded against that source only, so one broken site never stops the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.matching import Matcher
from bot.tags import event_tags
from scrapers.errors import SourceError
from scrapers.fetch import Fetched, Fetcher, Validators
from scrapers.model import Item, Source
from scrapers.parsers import parse
from store.store import Router, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceOutcome:
    source: Source
    new: list[Item] = field(default_factory=list)
    updated: list[Item] = field(default_factory=list)
    parsed: int = 0
    dated: int = 0
    linked: int = 0
    unchanged: bool = False
    baseline: bool = False
    queued: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PollReport:
    outcomes: list[SourceOutcome]
    seconds: float

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if not o.ok]

    def summary(self) -> str:
        """The one line a poll prints: sources ok/failing, items new/updated, time taken."""
        new = sum(len(o.new) for o in self.outcomes)
        baseline = sum(len(o.new) for o in self.outcomes if o.baseline)
        updated = sum(len(o.updated) for o in self.outcomes)
        ok = len(self.outcomes) - len(self.failed)
        new_text = f"{new} new" + (f" ({baseline} baseline)" if baseline else "")
        return (
            f"polled {len(self.outcomes)} sources: {ok} ok, {len(self.failed)} failing; "
            f"{new_text}, {updated} updated in {self.seconds:.1f}s"
        )


def shape(items: Sequence[Item]) -> tuple[int, int, int]:
    """How many items, how many dated, how many linked: what a broken parser loses first."""
    dated = sum(1 for item in items if item.published is not None)
    linked = sum(1 for item in items if item.url is not None)
    return len(items), dated, linked


def match_items(items: Sequence[Item], matcher: Matcher) -> list[Item]:
    """Each item with the leaders it mentions and the kind of event it reports."""
    return [
        replace(
            item,
            leaders=matcher.leaders_in(item.text or item.title),
            tags=event_tags(item.title, item.text),
        )
        for item in items
    ]


def read_items(body: bytes, source: Source, matcher: Matcher, **where: str | None) -> list[Item]:
    """Parse and match in one step, so it can run off the event loop as a unit."""
    return match_items(parse(body, source, **where), matcher)


async def read_fetched(fetched: Fetched, source: Source, matcher: Matcher) -> list[Item]:
    """Parsing is CPU work (bs4 on a 1 MB page takes a while): off the event loop with it."""
    return await asyncio.to_thread(
        read_items,
        fetched.body,
        source,
        matcher,
        url=fetched.url,
        content_type=fetched.content_type,
    )


async def poll_source(
    source: Source,
    fetcher: Fetcher,
    store: Store,
    matcher: Matcher,
    route: Router | None = None,
) -> SourceOutcome:
    state = store.fetch_state(source.id)
    try:
        fetched = await fetcher.fetch(source, Validators(state.etag, state.last_modified))
        body_hash = hashlib.sha256(fetched.body).hexdigest() if not fetched.not_modified else None
        if fetched.not_modified or body_hash == state.body_hash:
            store.record_success(
                source.id,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                body_hash=state.body_hash,
            )
            return SourceOutcome(source, unchanged=True)
        items = await read_fetched(fetched, source, matcher)
    except SourceError as error:
        return _failed(store, source, str(error))
    except Exception as error:  # a parser bug on hostile input must not end the poll
        log.debug("source %s: unexpected error", source.id, exc_info=True)
        return _failed(
            store, source, f"internal error while reading: {type(error).__name__}: {error}"
        )
    saved = store.save_items(source.id, items, route=route)
    count, dated, linked = shape(items)
    store.record_success(
        source.id,
        etag=fetched.etag,
        last_modified=fetched.last_modified,
        body_hash=body_hash,
        shape=(count, dated, linked),
    )
    return SourceOutcome(
        source,
        new=saved.new,
        updated=saved.updated,
        parsed=len(items),
        dated=dated,
        linked=linked,
        baseline=saved.baseline,
        queued=saved.queued,
    )


def _failed(store: Store, source: Source, reason: str) -> SourceOutcome:
    failures = store.record_failure(source.id, reason).consecutive_failures
    log.info("%s failed (%d in a row): %s", source.id, failures, reason)
    return SourceOutcome(source, error=reason)


async def poll_sources(
    sources: Sequence[Source], fetcher: Fetcher, store: Store, matcher: Matcher
) -> PollReport:
    """Poll ``sources`` concurrently (the fetcher bounds how many at once)."""
    started = time.monotonic()
    store.sync_sources(sources)
    outcomes = await asyncio.gather(
        *(poll_source(source, fetcher, store, matcher) for source in sources)
    )
    return PollReport(list(outcomes), time.monotonic() - started)
