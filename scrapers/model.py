"""The values that flow from a source to the store: what a source is, and what it yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

SourceKind = Literal["rss", "html", "telegram"]

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


# What a fetch calls itself unless the source or the config says otherwise. Here rather
# than in scrapers.fetch so that reading the config, which shows it, needs no httpx.
DEFAULT_USER_AGENT = "Readout/0.1 (press-release monitor; +https://github.com/readout/readout)"


@dataclass(frozen=True)
class Source:
    """One place Readout polls, built-in or configured.

    ``timezone`` is where naive dates are read (Akorda prints bare dates meaning Almaty
    midnight); ``language`` picks the month names a page's dates are written with.
    ``fallbacks`` are other addresses the same feed is known to live at, tried when
    ``url`` stops being a feed (readout.relocation). ``leader`` is the office's principal:
    Akorda's "Глава государства" is Tokayev without naming him, so every item of the
    source counts him among its participants.
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
    fallbacks: tuple[str, ...] = ()
    leader: str | None = None


@dataclass(frozen=True)
class Published:
    """When a source says an item appeared, and whether it said the time of day at all.

    Akorda prints only a day; UN News stamps every item 12:00:00 +0000. Showing "00:00
    UTC+05:00" or "12:00 UTC" would claim a precision the source never gave, so such a
    value is ``date_only``: shown and exported as the day alone, and never used to time
    how late an alert was. ``at`` still holds the instant that day was read as (local
    midnight, or the placeholder), so ordering, identity and edit detection are the same
    whichever way a value is marked.
    """

    at: datetime
    date_only: bool = False

    @property
    def day(self) -> date:
        return self.at.date()

    @property
    def moment(self) -> datetime | None:
        """The instant, when the source really gave one."""
        return None if self.date_only else self.at

    def timestamp(self) -> float:
        return self.at.timestamp()

    def isoformat(self, timespec: str = "auto") -> str:
        """ISO 8601: the date alone (``2026-03-21``), or date, time and offset."""
        return self.day.isoformat() if self.date_only else self.at.isoformat(timespec=timespec)

    def shown(self) -> str:
        """What people read: ``2026-03-21``, or ``2026-03-21 14:05 UTC+03:00``."""
        if self.date_only:
            return self.day.isoformat()
        offset = self.at.strftime("%z")
        zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
        return f"{self.at:%Y-%m-%d %H:%M} {zone}"

    def as_day(self) -> Published:
        return Published(self.at, date_only=True)


def published_at(moment: datetime, date_only: bool = False) -> Published:
    """A Published from an aware datetime; a naive one is taken as UTC."""
    return Published(moment if moment.tzinfo else moment.replace(tzinfo=UTC), date_only)


@dataclass(frozen=True)
class EntryMark:
    """What a feed entry was read as, beyond its item: kept beside the item in the store,
    because an entry that is not read again still counts in what is judged over the
    whole feed (which ids identify one entry, whether every time is a placeholder).

    ``digest`` fingerprints the entry's bytes and what decides their reading; ``id`` is
    the entry's own id as the feed gave it ("" for none), ``trusted`` whether it was
    unique in its feed; ``published`` the date as read, before a placeholder time was
    taken for a day (scrapers.dates.placeholder_times).
    """

    digest: str
    id: str
    trusted: bool
    published: Published | None


@dataclass(frozen=True)
class KeptEntry:
    """An entry served again exactly as it was last read: its stored item stands as it is
    and is only marked seen. ``date_only`` is what the item's date is to be marked now,
    which the whole feed decides (a placeholder time may appear or go)."""

    mark: EntryMark
    item_id: int
    key: str
    linked: bool
    date_only: bool = False


@dataclass(frozen=True)
class Item:
    """One press release as a source serves it, before and after leaders are matched.

    ``guid`` is the source's own identifier when it has a trustworthy one; ``text`` is the
    whole plain text the matcher reads (title, lead and body), ``summary`` only the lead.
    ``participants`` are ``leaders`` plus the source's principal; ``parties`` the ones the
    title names beside the principal (who a call or meeting was between, where the body
    also names others), else ``participants``. ``story`` is given by the store.
    ``image`` is the picture the source shows with the item (a card's thumbnail, a feed's
    media thumbnail), as an absolute URL: an office shows one picture for every language
    version of an item, so it tells versions apart from other items of the same day.
    """

    source: str
    title: str
    url: str | None
    guid: str | None = None
    published: Published | None = None
    summary: str = ""
    text: str = ""
    leaders: tuple[str, ...] = field(default=())
    tags: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    principal: str | None = None
    parties: tuple[str, ...] = ()
    story: int | None = None
    image: str | None = None
    # How the feed entry this item was read from looked (scrapers.entries), so the next
    # poll that finds the same bytes keeps the stored item instead of reading it again.
    # Not part of what the item is: two items equal in every field are the same item.
    entry: EntryMark | None = field(default=None, compare=False, repr=False)

    def as_json(self) -> dict[str, object]:
        """The machine-readable shape docs/commands.md gives for ``--json``."""
        return {
            "source": self.source,
            "title": self.title,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "summary": self.summary,
            "leaders": list(self.leaders),
            "tags": list(self.tags),
            "participants": list(self.participants or self.leaders),
            "story": self.story,
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

    A bad entry costs only itself; the skipped ones are kept so ``readout check`` can say
    which and why, and /status can count them. ``fallback`` says a page's selectors found
    nothing and its items were read by link pattern: the layout changed, and admins are
    told once (readout.health). ``kept`` are the feed entries served again as they were
    last read, which were not read again: they are in the document, but not in ``items``.
    """

    items: list[Item] = field(default_factory=list)
    skipped: tuple[Skipped, ...] = ()
    fallback: bool = False
    kept: tuple[KeptEntry, ...] = ()
