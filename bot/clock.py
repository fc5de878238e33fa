"""Times as a chat reads them: in its time zone, in its language, always naming the zone.

A chat chooses its zone with /timezone (an IANA name such as ``Asia/Almaty``; UTC until it
does). Every time shown to it — alerts, /recent, /status, /audit, digests — goes through
here, so no reply shows the source's zone in one place and UTC in another. A source that
gave only a day is shown a day: converting its placeholder midnight to another zone would
invent a time and could move the date.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_datetime

from scrapers.model import Published

UTC_NAME = "UTC"


@cache
def _known_zones() -> dict[str, str]:
    """IANA names as written, by their case-folded spelling (``asia/almaty`` works)."""
    return {name.casefold(): name for name in available_timezones()}


def zone_name(wanted: str) -> str | None:
    """The IANA zone ``wanted`` names (any case; ``UTC`` too), or None when it names none.

    Only real zone names count: no offsets (``+05:00`` says nothing about summer time) and
    no paths (``../../etc/passwd``)."""
    name = _known_zones().get(wanted.strip().casefold())
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def zone(name: str | None) -> ZoneInfo:
    """The zone a chat chose; UTC for none or one that no longer exists."""
    try:
        return ZoneInfo(name or UTC_NAME)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(UTC_NAME)


def _zone_label(name: str | None) -> str:
    return name if name and zone_name(name) else UTC_NAME


def moment(at: datetime, zone_choice: str | None, language: str) -> str:
    """An instant in the chat's zone and language: ``2 Dec 2026, 09:15 Asia/Almaty``."""
    local = at.astimezone(zone(zone_choice))
    shown = format_datetime(local, "d MMM y, HH:mm", locale=language)
    return f"{shown} {_zone_label(zone_choice)}"


def day(published: Published, language: str) -> str:
    """A date alone, as the source gave it: ``21 Mar 2026``."""
    return format_date(published.day, "d MMM y", locale=language)


def published(value: Published | None, zone_choice: str | None, language: str) -> str | None:
    """When an item was published, as the chat reads it; None when the source gave no date."""
    if value is None:
        return None
    if value.date_only:
        return day(value, language)
    return moment(value.at, zone_choice, language)
