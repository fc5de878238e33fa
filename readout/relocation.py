"""Following a feed that moved, so a redesign does not silently stop a source.

Offices move their feeds when their sites are rebuilt: the old address starts answering
404 or 410, or the site's new HTML where the XML was. The site usually still says where
the feed is (a ``<link rel="alternate">`` on the page it sent, or on its home page), and
the catalogue knows a few addresses the same feed has lived at (``Source.fallbacks``).
The first of those that reads as a feed with items is polled instead, and admins are told
once. The configured address is still fetched first on every poll, so configuration
always wins: pinning the new address, or the old one coming back, ends the detour.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from bot import notices as said
from bot.reader import Wording
from scrapers.discovery import advertised_feeds, looks_like_html
from scrapers.errors import ParseError, SourceError, StatusError
from scrapers.fetch import GONE_STATUSES, Fetched, Fetcher, Validators
from scrapers.model import Batch, Source
from store.store import FetchState, Store

log = logging.getLogger(__name__)

Reader = Callable[[Fetched, Source], Awaitable[Batch]]
"""How fetched bytes become items (readout.poll.parse_fetched)."""

# Addresses tried per poll at most: a hostile page listing a thousand feeds costs little.
MAX_CANDIDATES = 6


@dataclass(frozen=True)
class Gone:
    """The configured address no longer serves the feed: the page it answered with."""

    url: str
    body: bytes
    content_type: str | None


@dataclass(frozen=True)
class Found:
    """The alternate that works; ``batch`` is empty when it answered 304."""

    url: str
    fetched: Fetched
    batch: Batch


def gone(source: Source, error: SourceError, fetched: Fetched | None = None) -> Gone | None:
    """Whether ``error`` means the feed moved, rather than a site that is down or blocking.

    Only 404/410 and an HTML page where a feed was qualify: a timeout, a 403 or a 5xx says
    nothing about the address, only about the site, and passes with the site's trouble.
    """
    if source.kind != "rss":
        return None
    if isinstance(error, StatusError) and error.status in GONE_STATUSES:
        return Gone(error.url, error.body, error.content_type)
    if (
        isinstance(error, ParseError)
        and fetched is not None
        and looks_like_html(fetched.body, None)
    ):
        return Gone(fetched.url, fetched.body, fetched.content_type)
    return None


async def follow(
    source: Source,
    state: FetchState,
    fetcher: Fetcher,
    read: Reader,
    error: SourceError,
    fetched: Fetched | None,
) -> Found | None:
    """Where the feed went, if ``error`` says it moved: None when it does not say so.

    Raises SourceError (the original reason, and that nothing was found) when the feed
    moved but no alternate reads; an alternate in use is tried first, with its validators.
    """
    where = gone(source, error, fetched)
    if where is None:
        return None
    alternate = remembered(source, state)
    validators = Validators(state.etag, state.last_modified) if alternate else None
    found = await find_feed(source, fetcher, read, where, validators, first=alternate)
    if found is None:
        raise SourceError(f"{error}; no feed found where it may have moved") from error
    return found


def settle(store: Store, source: Source, state: FetchState, url: str) -> tuple[str | None, bool]:
    """Record where this poll read the feed: (an address newly moved to, or whether the
    configured address has just taken over again from an alternate)."""
    before = remembered(source, state)
    if url != source.url:
        if url == before:
            return None, False
        store.record_move(source.id, source.url, url)
        log.warning("source %s moved: reading %s instead of %s", source.id, url, source.url)
        return url, False
    if state.moved_to:
        store.record_move(source.id, source.url, None)
    return None, before is not None


def remembered(source: Source, state: FetchState) -> str | None:
    """The alternate found earlier for this very configured address, if any."""
    if state.moved_to and state.moved_from == source.url:
        return state.moved_to
    return None


async def find_feed(
    source: Source,
    fetcher: Fetcher,
    read: Reader,
    where: Gone,
    validators: Validators | None = None,
    first: str | None = None,
) -> Found | None:
    """The first alternate address that reads as a feed with items, or None.

    ``first`` (the alternate that worked last time) is tried before any discovery, with
    the validators it left, so a moved feed that has not changed still costs a 304.
    """
    tried = {source.url, where.url}
    count = 0
    async for candidate in _candidates(source, fetcher, where, first):
        if candidate in tried:
            continue
        tried.add(candidate)
        count += 1
        if count > MAX_CANDIDATES:
            return None
        alternate = replace(source, url=candidate)
        try:
            fetched = await fetcher.fetch(
                alternate, validators if validators and candidate == first else Validators()
            )
            if fetched.not_modified:
                return Found(candidate, fetched, Batch())
            batch = await read(fetched, alternate)
        except SourceError:
            continue
        if batch.items:
            return Found(candidate, fetched, batch)
    return None


async def _candidates(
    source: Source, fetcher: Fetcher, where: Gone, first: str | None
) -> AsyncIterator[str]:
    """Alternates in the order they deserve trust: the one that worked before, what the
    answer itself links, what the site's home page links, then the catalogue's."""
    if first:
        yield first
    if looks_like_html(where.body, where.content_type):
        for url in advertised_feeds(where.body, where.url):
            yield url
    home = _home(source.url)
    if home not in (source.url, where.url):
        try:
            page = await fetcher.fetch(replace(source, url=home))
        except SourceError:
            page = None
        if page is not None and looks_like_html(page.body, page.content_type):
            for url in advertised_feeds(page.body, page.url):
                yield url
    for url in source.fallbacks:
        yield url


def _home(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def moved_notice(source: Source, url: str | None) -> Wording:
    """What admins read, once per move (in their language): where the feed is read now and
    how to pin it (``url`` None: the configured address works again, the detour has ended)."""
    if url is None:
        return Wording(said.MOVED_BACK_NOTICE, source=source.name, id=source.id, url=source.url)
    return Wording(said.MOVED_NOTICE, source=source.name, id=source.id, url=url)
