"""The values that flow from a source to the store: what a source is, and what it yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SourceKind = Literal["rss", "html"]

# How much of an item is kept: enough for any real press release, bounded for hostile ones.
TITLE_CHARS = 500
SUMMARY_CHARS = 500
TEXT_CHARS = 100_000


@dataclass(frozen=True)
class Selectors:
    """What turns a list page into items, so a new HTML source is configuration.

    ``link_pattern`` (matched against a link's absolute URL) says what an article's address
    looks like, and is what survives a redesign; ``exclude`` drops links that match it
    (asset declarations). The CSS selectors refine that: every selector except ``item`` is
    evaluated inside one item element, and ``link`` defaults to the title element when that
    is an ``<a>``, else to the first ``a[href]`` of the item. A source may give only the
    pattern; one whose selectors find nothing is read by the pattern (scrapers.links).
    """

    item: str | None = None
    title: str | None = None
    link: str | None = None
    date: str | None = None
    summary: str | None = None
    link_pattern: str | None = None
    exclude: str | None = None


@dataclass(frozen=True)
class Source:
    """One place Readout polls, built-in or configured.

    ``timezone`` is where naive dates are read (Akorda prints bare dates meaning Almaty
    midnight); ``language`` picks the month names a page's dates are written with.
    """

    id: str
    name: str
    url: str
    kind: SourceKind = "rss"
    interval: float | None = None
    enabled: bool = True
    language: str = "en"
    timezone: str = "UTC"
    selectors: Selectors | None = None
    verify_tls: bool = True
    ca_bundle: str | None = None
    proxy: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Item:
    """One press release as a source serves it, before and after leaders are matched.

    ``guid`` is the source's own identifier when it has a trustworthy one; ``text`` is the
    whole plain text the matcher reads (title, lead and body), ``summary`` only the lead.
    """

    source: str
    title: str
    url: str | None
    guid: str | None = None
    published: datetime | None = None
    summary: str = ""
    text: str = ""
    leaders: tuple[str, ...] = field(default=())
    tags: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The machine-readable shape SPEC.md gives for ``--json``."""
        return {
            "source": self.source,
            "title": self.title,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "summary": self.summary,
            "leaders": list(self.leaders),
            "tags": list(self.tags),
        }


@dataclass(frozen=True)
class Skipped:
    """An entry of a document that could not be made into an item, and why.

    ``position`` counts entries from 1 in document order, so a user can find it in the
    raw document they attach to a bug report.
    """

    position: int
    reason: str


@dataclass(frozen=True)
class Batch:
    """What one document yielded: its items, the entries left out, and how it was read.

    ``fallback`` says a page's selectors found nothing and its items were read by link
    pattern: the layout changed, and admins are told once (readout.health).
    """

    items: list[Item] = field(default_factory=list)
    skipped: tuple[Skipped, ...] = ()
    fallback: bool = False
