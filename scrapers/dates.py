"""Publication dates as the sources print them, read into timezone-aware values.

Feeds give machine dates (RFC 3339 in Atom, RFC 822 in RSS) that carry their own offset.
HTML pages print dates for people, in their own language and word order: Akorda writes
``21 марта 2026 года`` on /ru, ``2026 жылғы 12 маусым`` on /kz and ``15 march 2024 year``
on /en, with no time and meaning local midnight. So a page date is read as a bag of parts
(a month word or number, a day, a four-digit year, an optional HH:MM) in any order, and
placed in the source's timezone. A date printed without a time stays a date
(``Published.date_only``); so does a batch whose every item carries the same time of day,
which is a placeholder (UN News stamps everything 12:00:00 +0000), not a publication time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from scrapers.model import Item, Published

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "январь", "января", "січень", "січня", "қаңтар", "yanvar"),
    2: ("february", "feb", "февраль", "февраля", "лютий", "лютого", "ақпан", "fevral"),
    3: ("march", "mar", "март", "марта", "березень", "березня", "наурыз", "mart"),
    4: ("april", "apr", "апрель", "апреля", "квітень", "квітня", "сәуір", "aprel"),
    5: ("may", "май", "мая", "травень", "травня", "мамыр", "may"),
    6: ("june", "jun", "июнь", "июня", "червень", "червня", "маусым", "iyun"),
    7: ("july", "jul", "июль", "июля", "липень", "липня", "шілде", "iyul"),
    8: ("august", "aug", "август", "августа", "серпень", "серпня", "тамыз", "avqust"),
    9: (
        "september",
        "sep",
        "sept",
        "сентябрь",
        "сентября",
        "вересень",
        "вересня",
        "қыркүйек",
        "sentyabr",
    ),
    10: ("october", "oct", "октябрь", "октября", "жовтень", "жовтня", "қазан", "oktyabr"),
    11: ("november", "nov", "ноябрь", "ноября", "листопад", "листопада", "қараша", "noyabr"),
    12: ("december", "dec", "декабрь", "декабря", "грудень", "грудня", "желтоқсан", "dekabr"),
}
MONTHS: dict[str, int] = {name: n for n, names in _MONTH_NAMES.items() for name in names}

_WORD = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"(?<![\d:])(\d{1,4})(?![\d:])")
_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:.]([0-5]\d)(?::([0-5]\d))?(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4})(?!\d)")
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")
_ISO_DAY_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Fewer items than this sharing one time of day may share it by chance.
PLACEHOLDER_MINIMUM = 3


def zone(name: str) -> tzinfo:
    """The tzinfo for an IANA name; UTC is spelt out so it needs no tz database."""
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def parse_date(text: str | None, tz: tzinfo = UTC) -> Published | None:
    """Read any date form a source prints; naive dates are placed in ``tz``.

    Returns None when no complete date (day, month, year) can be found: a wrong date is
    worse than none, because alerts show it. A date with no time of day is ``date_only``.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    day_only = bool(_ISO_DAY_ONLY.match(text)) or (
        not _ISO_DATE.match(text) and _CLOCK.search(_NUMERIC_DATE.sub(" ", text)) is None
    )
    parsed = _machine_date(text) or _human_date(text)
    if parsed is None:
        return None
    moment = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)
    return Published(moment, date_only=day_only)


def placeholder_clock(dates: Sequence[Published | None]) -> bool:
    """Whether ``dates``, a whole batch's, all carry one placeholder time (see below)."""
    timed = [p for p in dates if p is not None and not p.date_only]
    if len(timed) < PLACEHOLDER_MINIMUM or len({p.day for p in timed}) < 2:
        return False
    return len({(p.at.time(), p.at.utcoffset()) for p in timed}) == 1


def placeholder_times(items: Sequence[Item]) -> list[Item]:
    """The batch with a constant time of day read as what it is: no time at all.

    A source that gives every item the same clock time and offset (12:00:00 +0000 at UN
    News, 00:00 at a CMS that stores days) says nothing about when each item appeared.
    Judged per batch from the data, so no site is named here and a source that starts
    giving real times is believed again at once. Batches too small to tell are left alone,
    and so are items of one day: several releases put out at the same moment are real.
    """
    if not placeholder_clock([item.published for item in items]):
        return list(items)
    return [
        replace(item, published=item.published.as_day()) if item.published else item
        for item in items
    ]


def _machine_date(text: str) -> datetime | None:
    if _ISO_DATE.match(text):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            pass
    if "," in text[:5] or re.search(r"\d{1,2} [A-Za-z]{3} \d{4} \d", text):
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return None


def _human_date(text: str) -> datetime | None:
    """A date printed for people, as parts in any order; a range or a stray year is None.

    ``21.03.2026`` also reads as the clock ``21:03`` followed by ``.2026``, so a numeric
    date is taken out of the text before a time of day is looked for.
    """
    lowered = text.casefold()
    numerics = _NUMERIC_DATE.findall(lowered)
    if len(numerics) > 1:
        return None
    rest = _NUMERIC_DATE.sub(" ", lowered)
    clock = _CLOCK.search(rest)
    at = time(int(clock[1]), int(clock[2]), int(clock[3] or 0)) if clock else time()
    without_clock = _CLOCK.sub(" ", rest) if clock else rest

    if numerics:
        day, month_number, year = (int(part) for part in numerics[0])
        return _build(year, month_number, day, at)

    month = next((MONTHS[w] for w in _WORD.findall(without_clock) if w in MONTHS), None)
    if month is None:
        return None
    numbers = [int(n) for n in _NUMBER.findall(without_clock)]
    years = [n for n in numbers if n >= 1000]
    days = [n for n in numbers if 1 <= n <= 31]
    if len(years) != 1 or len(days) != 1:
        return None
    return _build(years[0], month, days[0], at)


def _build(year: int, month: int, day: int, at: time) -> datetime | None:
    try:
        return datetime.combine(datetime(year, month, day).date(), at)
    except ValueError:
        return None
