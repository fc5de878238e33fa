"""Which story an item joins: the rule that tells two readouts of one event from two events.

A call between Tokayev and Putin is published by both offices, hours apart, in up to five
languages; the two leaders also talk again the next day, and send each other greetings on
the same day they talk. An item's *event* is what the rule compares: its kind (a call; a
meeting, visit or talks; a summit; anything else), its parties, its time (a day, where the
source gives only the day), its office (the source's principal) and the identifier the
office's address gives it (the Kremlin and the Ukrainian presidency number a readout the
same in every language), and the picture it is shown with (Akorda numbers each language
apart, but shows one thumbnail for every language version of an item).

An item joins the story whose members fit it best, and no story holds two items of one
source. A member fits by the shared identifier of the same office, by the same picture of
the same office on the same day (see ``identifies`` for when a picture is one), or by the
same *key* (kind and parties, or summit and organisation) within 36 hours. Calls, meetings
and summits are joined across offices; other kinds (a greeting, a decree) only across the
language versions of one office, since two offices' greetings are two messages. The
language versions of one office are published on one day, so a member of the same office
from another day never fits (the same two leaders' calls on consecutive days).

Summits: an item is a summit when its title or lead names one (a summit, a "heads of state
council", the Supreme Eurasian Economic Council) and does not say it happened on its
sidelines ("on the sidelines", "на полях", "аясында"). A summit's key is the organisation
it names (the EAEU, the CIS, the SCO...), else its parties, so every office's readout of
the summit joins one story however few leaders each names; a bilateral meeting on its
sidelines is keyed by its two parties like any meeting, and is its own story.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from scrapers.model import Item

WINDOW = 36 * 3600.0
"""How far apart two readouts of one event may be published."""
DAY = 24 * 3600.0
CROSS_OFFICE = frozenset({"call", "meeting", "summit"})

_LEAD_CHARS = 400
_SUMMIT = re.compile(
    r"(?<!\w)(?:summit|саммит|саміт|sammit|zirve|heads\s+of\s+state|глав\s+государств"
    r"|глав\s+держав|мемлекет\s+басшылары|supreme\s+eurasian|высш\w*\s+евразийск"
    r"|жоғары\s+еуразиялық)",
    re.IGNORECASE,
)
_SIDELINES = re.compile(
    r"(?<!\w)(?:on\s+the\s+(?:sidelines|margins)|на\s+полях|в\s+кулуарах|у\s+кулуарах"
    r"|кулуар\w*|аясында)",
    re.IGNORECASE,
)
_ORGANISATIONS: Mapping[str, str] = {
    "eaeu": r"EAEU|ЕАЭС|ЕАЭО|ЄАЕС|Eurasian\s+Economic|Евразийск\w*\s+экономическ"
    r"|Еуразиялық\s+экономикалық",
    "cis": r"CIS|СНГ|ТМД|СНД|Commonwealth\s+of\s+Independent|Содружеств\w*\s+Независимых",
    "csto": r"CSTO|ОДКБ|ҰҚШҰ|Collective\s+Security\s+Treaty",
    "sco": r"SCO|ШОС|ШЫҰ|Shanghai\s+Cooperation|Шанхайск\w*",
    "brics": r"BRICS|БРИКС",
    "g20": r"G20|G-20|Группы\s+двадцати",
    "turkic": r"Turkic\s+States|ОТГ|тюркских\s+государств|Түркі\s+мемлекеттері",
    "cica": r"CICA|СВМДА|АӨСШК",
    "central-asia": r"Central\s+Asia|Центральной\s+Азии|Орталық\s+Азия",
    "nato": r"NATO|НАТО",
    "eu": r"European\s+Council|Европейского\s+совета|Європейської\s+ради",
}
_ORGANISATION = re.compile(
    "|".join(
        f"(?P<{re.sub(r'-', '_', key)}>(?<!\\w)(?:{cue}))" for key, cue in _ORGANISATIONS.items()
    )
)
_INITIATIVE = re.compile(
    r"at\s+the\s+initiative\s+of\s+(?:the\s+)?(?P<en2>[\w-]+)"
    r"|at\s+(?:the\s+)?(?P<en1>[\w-]+?)(?:'s)?\s+(?:side's\s+)?initiative"
    r"|по\s+инициативе\s+(?P<ru>\w+)"
    r"|з[а]?\s+ініціативи\s+(?P<uk>\w+)"
    r"|(?P<kk>\w+)\s+(?:тарапының\s+)?бастамасымен",
    re.IGNORECASE,
)
# Who a side is, by the beginning of the word the readout names it with.
_SIDES: Mapping[str, tuple[str, ...]] = {
    "tokayev": ("kazakh", "казахстан", "қазақ"),
    "putin": ("russia", "российск", "росси", "ресей"),
    "zelenskyy": ("ukrain", "украин", "україн"),
    "aliyev": ("azerbaijan", "азербайджан", "әзірбайжан"),
    "pashinyan": ("armenia", "армян", "армен", "вірмен"),
    "trump": ("americ", "us", "united", "американ", "сша", "америк"),
    "erdogan": ("turk", "türk", "турец", "түрік", "турецьк"),
    "japarov": ("kyrgyz", "кыргыз", "киргиз", "қырғыз"),
    "mirziyoyev": ("uzbek", "узбек", "өзбек"),
    "xi": ("chin", "китай", "қытай"),
    "macron": ("french", "france", "француз", "франц"),
    "lukashenko": ("belarus", "белорус", "беларус"),
}
# A readout says who initiated a call in its opening paragraphs; a 100k-character speech
# need not be read to the end for it.
_INITIATIVE_CHARS = 3000
# The word each of _INITIATIVE's forms must contain: most readouts name no initiative, and
# looking for these first spares them the pattern, whose leading word is tried at every
# position of the text.
_INITIATIVE_WORDS = ("initiative", "инициатив", "ініціатив", "бастамасымен")
_ID_IN_PATH = re.compile(r"(\d{4,})/?$")
_HOST_PREFIXES = ("www.", "en.", "ru.", "m.", "mirror.", "node2.")
# One picture at several sizes: Akorda's "_mediumThumb"/"_bigThumb", WordPress's "-300x200",
# "@2x"; the size is what follows the picture's own name, just before its extension.
_IMAGE_SIZE = re.compile(
    r"(?:[_-](?:small|medium|big|large|mini|full)?thumb(?:nail)?|[_-]\d{2,4}x\d{2,4}|@\dx)"
    r"(?=\.\w+$)",
    re.IGNORECASE,
)
# A site's own artwork (its logo, emblem, the picture shown when an item has none) is on
# every page and names no item; it is known by its name, or by being a vector drawing.
_SITE_ARTWORK = re.compile(
    r"(?<![a-z])(?:logo|emblem|favicon|placeholder|default|no[-_]?(?:image|photo|img)|blank"
    r"|spacer|og[-_]?image)(?![a-z])",
    re.IGNORECASE,
)
HOLDERS = 8
"""How many stored items of one picture are read: more than an office has languages means
the picture is generic, and reading no more keeps a stock picture's cost flat."""


@dataclass(frozen=True)
class Event:
    """What linking compares of an item. ``key`` is None when only an identifier links it."""

    source: str
    office: str
    key: str | None
    start: float
    end: float
    day: str
    ident: str | None = None
    image: str | None = None
    what: str = ""
    """What ``kind_of`` says, kept even where there is no key (a decree, a greeting)."""

    @property
    def kind(self) -> str:
        return self.key.partition(":")[0] if self.key else ""


@dataclass(frozen=True)
class Member:
    """A stored item of a candidate story."""

    story: int
    event: Event


def kind_of(item: Item) -> str:
    """A call, a summit, a meeting (meetings, visits and talks are one kind), or the
    item's first tag."""
    tags = item.tags or ("other",)
    if "call" in tags:
        return "call"
    lead = _lead(item)
    if _SUMMIT.search(lead) and not _SIDELINES.search(lead):
        return "summit"
    if "meeting" in tags or "visit" in tags:
        return "meeting"
    return "greeting" if "greeting" in tags else tags[0]


def organisation(text: str) -> str | None:
    """The organisation a summit is of (``eaeu``, ``cis``...), as the text first names one."""
    found = _ORGANISATION.search(text)
    return str(found.lastgroup).replace("_", "-") if found and found.lastgroup else None


def link_key(item: Item, kind: str | None = None) -> str | None:
    """What two readouts of one event share; None where parties are too few to tell.
    ``kind`` is ``kind_of(item)`` where the caller has it already."""
    kind = kind or kind_of(item)
    parties = item.parties or item.participants
    if kind == "summit":
        where = organisation(_lead(item))
        if where:
            return f"summit:{where}"
    if len(parties) < 2:
        return None
    return f"{kind}:{'+'.join(sorted(parties))}"


def identifier(url: str | None) -> str | None:
    """The office's own number for a readout, from its address (``kremlin.ru:80101``)."""
    if not url:
        return None
    parts = urlsplit(url)
    found = _ID_IN_PATH.search(parts.path)
    if not found or not parts.hostname:
        return None
    host = parts.hostname.lower()
    for prefix in _HOST_PREFIXES:
        host = host.removeprefix(prefix)
    return f"{host}:{found.group(1)}"


def image_key(url: str | None) -> str | None:
    """One picture however a page writes its address: host without ``www.`` and case,
    no scheme, query or fragment, one size (``akorda.kz/assets/media/x.jpg``); None for
    what names no item (the site's logo, a placeholder, a vector drawing, inline data)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    path = unquote(parts.path)
    folder, _, name = path.rpartition("/")
    if not name or _SITE_ARTWORK.search(path) or name.lower().endswith(".svg"):
        return None
    host = parts.hostname
    for prefix in _HOST_PREFIXES:
        host = host.removeprefix(prefix)
    return f"{host}{folder}/{_IMAGE_SIZE.sub('', name)}"


def identifies(event: Event, holders: Sequence[Event]) -> bool:
    """Whether ``event``'s picture tells which item it is, given the stored items already
    shown with it (at most ``HOLDERS``, read by picture).

    One item's picture is shown with its language versions and nothing else: one item per
    source, all on one day. A picture that one source shows with two items, or that is
    shown on two days, is a stock picture (a portrait on every decree, a site's default
    when an item has none) and identifies nothing, now or for any later item. The first
    items a stock picture is seen on (one day, one per source) cannot be told from one
    item's versions by the picture alone, so a picture never joins items of incompatible
    kinds or different parties (``pictured``).
    """
    if event.image is None or not event.day or len(holders) >= HOLDERS:
        return False
    sources = [holder.source for holder in holders]
    if event.source in sources or len(set(sources)) < len(sources):
        return False
    return all(holder.day == event.day for holder in holders)


def event_of(item: Item, seen: float) -> Event | None:
    """The event ``item`` reports, or None when nothing could ever link it to another."""
    kind = kind_of(item)
    key = link_key(item, kind)
    ident = identifier(item.url)
    image = image_key(item.image)
    if key is None and ident is None and image is None:
        return None
    if item.published is None:
        start = end = seen
        day = ""
    else:
        start = item.published.timestamp()
        end = start + DAY if item.published.date_only else start
        day = item.published.day.isoformat()
    office = item.principal or item.source
    return Event(item.source, office, key, start, end, day, ident, image, kind)


def choose_story(event: Event, members: Iterable[Member]) -> int | None:
    """The story ``event`` joins, or None for a new one: the closest fit wins."""
    stories: dict[int, list[Event]] = {}
    for member in members:
        stories.setdefault(member.story, []).append(member.event)
    best: tuple[tuple[int, float, float], int] | None = None
    for story, events in sorted(stories.items()):
        score = _fit(event, events)
        if score is not None and (best is None or score < best[0]):
            best = (score, story)
    return best[1] if best else None


def _fit(event: Event, events: Sequence[Event]) -> tuple[int, float, float] | None:
    if any(other.source == event.source for other in events):
        return None
    if any(other.office == event.office and other.day != event.day for other in events):
        return None
    if event.ident and any(
        other.ident == event.ident and other.office == event.office for other in events
    ):
        return (0, 0.0, 0.0)
    if event.image and any(pictured(event, other) for other in events):
        return (0, 0.0, 0.0)
    if event.key is None:
        return None
    fitting = [
        other
        for other in events
        if other.key == event.key and (event.kind in CROSS_OFFICE or other.office == event.office)
    ]
    if not fitting:
        return None
    gap = min(_gap(event, other) for other in fitting)
    if gap > WINDOW:
        return None
    middle = min(abs(_middle(event) - _middle(other)) for other in fitting)
    return (1, gap, middle)


def pictured(event: Event, other: Event) -> bool:
    """Whether two items are one by their picture: the same office's same picture on the
    same day, of compatible kinds ("other" is the tagger not knowing) and, where both name
    parties, the same ones. ``event``'s picture must already be known to identify it."""
    return (
        event.image is not None
        and other.image == event.image
        and other.office == event.office
        and other.day == event.day != ""
        and (other.what == event.what or "other" in (other.what, event.what))
        and (event.key is None or other.key is None or other.key == event.key)
    )


def _gap(one: Event, other: Event) -> float:
    return max(0.0, max(one.start, other.start) - min(one.end, other.end))


def _middle(event: Event) -> float:
    return (event.start + event.end) / 2


def window(event: Event) -> tuple[float, float]:
    """The ``start`` values a member within the window may have (for an indexed query)."""
    return event.start - WINDOW - DAY, event.end + WINDOW


def initiator(text: str, parties: Iterable[str]) -> str | None:
    """The party a readout says initiated the event ("at the Kazakh side's initiative",
    "по инициативе российской стороны", "Қырғыз тарапының бастамасымен")."""
    among = set(parties)
    lead = text[:_INITIATIVE_CHARS]
    folded = lead.casefold()
    if not any(word in folded for word in _INITIATIVE_WORDS):
        return None
    for found in _INITIATIVE.finditer(lead):
        word = next(value for value in found.groupdict().values() if value).casefold()
        for leader, stems in _SIDES.items():
            if leader in among and word.startswith(stems):
                return leader
    return None


def _lead(item: Item) -> str:
    text = item.text or ""
    if item.title and not text.startswith(item.title):
        text = f"{item.title}\n{text}"
    return text[:_LEAD_CHARS]
