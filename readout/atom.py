"""Atom 1.0 feeds of what Readout stored, for feed readers: ``/feeds/<leader>.atom`` (the
items a leader takes part in, from every office) and ``/feeds/<source>.atom``.

Entries keep the item's identity as their id, so a reader never shows an item twice and
an edit at the source arrives as an update of the same entry. The body of a feed depends
only on what is stored (its ``updated`` is its newest entry's), so its ETag changes only
when the feed does, and a rendered feed is reused until the store commits something.
feedgen is imported when the first feed is rendered, not when the CLI starts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from analysis.leaders import Leader
from readout import __version__
from readout.endpoint import Feed
from scrapers.model import Source
from store.store import Store
from store.syndication import FeedEntry, Syndication

FEED_SIZE = 50
SUMMARY_CHARS = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # an empty feed's ``updated``: stable, so its ETag is
LEADER_SCHEME, TAG_SCHEME, STORY_SCHEME = (
    "urn:readout:leader",
    "urn:readout:tag",
    "urn:readout:story",
)


class AtomFeeds:
    """What the endpoint asks for a feed by id: a leader's first, else a source's."""

    def __init__(
        self,
        store: Store,
        leaders: Callable[[], Sequence[Leader]],
        sources: Callable[[], Sequence[Source]],
    ) -> None:
        self.syndication = Syndication(store)
        self.leaders = leaders
        self.sources = sources
        # One entry per known id at most, so the cache is as bounded as the configuration.
        self._rendered: dict[str, tuple[tuple[int, int], Feed]] = {}

    def __call__(self, name: str) -> Feed | None:
        leaders = {leader.id: leader for leader in self.leaders()}
        leader = leaders.get(name)
        source = None if leader else next((s for s in self.sources() if s.id == name), None)
        if leader is None and source is None:
            return None
        version = self.syndication.version()
        cached = self._rendered.get(name)
        if cached is not None and cached[0] == version:
            return cached[1]
        names = {leader_id: known.name for leader_id, known in leaders.items()}
        if leader is not None:
            entries = self.syndication.of_leader(leader.id, FEED_SIZE)
            body = render_atom(f"leader:{leader.id}", f"Readout: {leader.name}", entries, names)
        else:
            assert source is not None
            entries = self.syndication.of_source(source.id, FEED_SIZE)
            body = render_atom(f"source:{source.id}", f"Readout: {source.name}", entries, names)
        feed = Feed(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
        self._rendered[name] = (version, feed)
        return feed


def render_atom(
    feed_id: str, title: str, entries: Sequence[FeedEntry], leader_names: Mapping[str, str]
) -> bytes:
    """The feed document; ``entries`` newest first, as the store gives them."""
    from feedgen.feed import FeedGenerator

    generator = FeedGenerator()
    generator.id(f"urn:readout:feed:{feed_id}")
    generator.title(title)
    generator.author({"name": "Readout"})
    generator.generator("Readout", version=__version__)
    updated = [_moment(entry.updated_at) for entry in entries]
    generator.updated(max(updated, default=EPOCH))
    for entry, changed in zip(entries, updated, strict=True):
        item = entry.stored.item
        out = generator.add_entry(order="append")
        out.id(f"urn:readout:item:{quote(entry.key, safe=':/')}")
        out.title(item.title or "(untitled)")
        out.updated(changed)
        if item.published is not None:
            out.published(item.published.at)
        if item.url:
            out.link(href=item.url, rel="alternate")
        out.author({"name": entry.stored.source_name})
        summary = item.summary or item.text
        if summary:
            out.summary(summary[:SUMMARY_CHARS])
        for leader_id in _participants(entry):
            out.category(
                term=leader_id, scheme=LEADER_SCHEME, label=leader_names.get(leader_id, leader_id)
            )
        for tag in item.tags:
            out.category(term=tag, scheme=TAG_SCHEME)
        story = _story(entry)
        if story is not None:
            out.category(term=story, scheme=STORY_SCHEME)
    return bytes(generator.atom_str(pretty=True))


def _participants(entry: FeedEntry) -> tuple[str, ...]:
    """The leaders taking part: those named, and the office's principal (an item stored
    before participants were kept has only the named ones)."""
    item = entry.stored.item
    return item.participants or item.leaders


def _story(entry: FeedEntry) -> str | None:
    """The story the item reports, shared by every item about the same event (both sides'
    readouts of one call), so a reader can group them."""
    story = entry.stored.item.story
    return None if story is None else str(story)


def _moment(iso: str) -> datetime:
    moment = datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
