"""Every date form SOURCES.md records, read with its offset; anything incomplete is None."""

from __future__ import annotations

from datetime import UTC, tzinfo

import pytest

from scrapers.dates import parse_date, placeholder_times, zone
from scrapers.model import Item

ALMATY, MOSCOW, KYIV, YEREVAN = (
    zone("Asia/Almaty"),
    zone("Europe/Moscow"),
    zone("Europe/Kyiv"),
    zone("Asia/Yerevan"),
)


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        # Akorda /ru list cards: day, genitive month, year, optional "года"
        ("21 марта 2026 года", ALMATY, "2026-03-21T00:00:00+05:00"),
        ("21 марта 2026", ALMATY, "2026-03-21T00:00:00+05:00"),
        ("\n   20\xa0марта 2026 года\n  ", ALMATY, "2026-03-20T00:00:00+05:00"),
        ("1 января 2026 года", ALMATY, "2026-01-01T00:00:00+05:00"),
        ("31 декабря 2025 года", ALMATY, "2025-12-31T00:00:00+05:00"),
        # Akorda /kz: year first, "жылғы", zero-padded day, nominative month
        ("2026 жылғы 12 маусым", ALMATY, "2026-06-12T00:00:00+05:00"),
        ("2026 жылғы 09 маусым", ALMATY, "2026-06-09T00:00:00+05:00"),
        ("2026 12 маусым", ALMATY, "2026-06-12T00:00:00+05:00"),
        ("12 маусым 2026 жылғы", ALMATY, "2026-06-12T00:00:00+05:00"),
        ("2026 жылғы 3 қаңтар", ALMATY, "2026-01-03T00:00:00+05:00"),
        ("2026 жылғы 28 ақпан", ALMATY, "2026-02-28T00:00:00+05:00"),
        ("2026 жылғы 5 сәуір", ALMATY, "2026-04-05T00:00:00+05:00"),
        ("2026 жылғы 17 қыркүйек", ALMATY, "2026-09-17T00:00:00+05:00"),
        ("2026 ЖЫЛҒЫ 1 ЖЕЛТОҚСАН", ALMATY, "2026-12-01T00:00:00+05:00"),
        # Akorda /en: lowercase month, literal "year"; Almaty was UTC+6 before 2024-03-01
        ("15 march 2024 year", ALMATY, "2024-03-15T00:00:00+05:00"),
        ("28 february 2024 year", ALMATY, "2024-02-28T00:00:00+06:00"),
        ("15 march 2024", ALMATY, "2024-03-15T00:00:00+05:00"),
        # English forms (president.az, mfa.am)
        ("15 March 2024", UTC, "2024-03-15T00:00:00+00:00"),
        ("March 15, 2024", UTC, "2024-03-15T00:00:00+00:00"),
        ("Friday, March 15, 2024", UTC, "2024-03-15T00:00:00+00:00"),
        ("15 Sept 2025", UTC, "2025-09-15T00:00:00+00:00"),
        # Ukrainian genitive months
        ("12 березня 2026", KYIV, "2026-03-12T00:00:00+02:00"),
        ("1 травня 2026 року", KYIV, "2026-05-01T00:00:00+03:00"),
        ("24 серпня 2025", KYIV, "2025-08-24T00:00:00+03:00"),
        ("3 листопада 2025", KYIV, "2025-11-03T00:00:00+02:00"),
        # a time of day, before or after the date
        ("21 марта 2026 года, 14:30", MOSCOW, "2026-03-21T14:30:00+03:00"),
        ("14:30, 21 марта 2026 года", MOSCOW, "2026-03-21T14:30:00+03:00"),
        ("2026 жылғы 12 маусым 09:05:30", ALMATY, "2026-06-12T09:05:30+05:00"),
        # DD.MM.YYYY (primeminister.am, mid.ru date + time)
        ("21.03.2026", YEREVAN, "2026-03-21T00:00:00+04:00"),
        (" 05.01.2026 ", YEREVAN, "2026-01-05T00:00:00+04:00"),
        ("21.03.2026 14:30", MOSCOW, "2026-03-21T14:30:00+03:00"),
        ("18:05 21.03.2026", MOSCOW, "2026-03-21T18:05:00+03:00"),
        # RFC 822 (RSS pubDate): the printed offset wins over the source's zone
        ("Sat, 21 Mar 2026 18:40:00 +0200", KYIV, "2026-03-21T18:40:00+02:00"),
        ("Thu, 02 Apr 2026 10:15:00 +0300", ALMATY, "2026-04-02T10:15:00+03:00"),
        ("Fri, 20 Mar 2026 21:45:31 +0000", UTC, "2026-03-20T21:45:31+00:00"),
        ("Fri, 20 Mar 2026 21:45:31 GMT", MOSCOW, "2026-03-20T21:45:31+00:00"),
        ("Sat, 21 Mar 2026 16:20:00 +0400", UTC, "2026-03-21T16:20:00+04:00"),
        ("20 Mar 2026 11:05:00 -0500", UTC, "2026-03-20T11:05:00-05:00"),
        # RFC 3339 (Atom): offsets as given, Z is UTC, a bare date takes the zone
        ("2026-03-21T17:40:00+03:00", UTC, "2026-03-21T17:40:00+03:00"),
        ("2026-03-21T17:40:00+04:00", MOSCOW, "2026-03-21T17:40:00+04:00"),
        ("2026-03-21T14:40:00Z", MOSCOW, "2026-03-21T14:40:00+00:00"),
        ("2026-03-21T14:40:00.250Z", UTC, "2026-03-21T14:40:00.250000+00:00"),
        ("2026-03-21 14:40:00+05:00", UTC, "2026-03-21T14:40:00+05:00"),
        ("2026-03-21", ALMATY, "2026-03-21T00:00:00+05:00"),
    ],
)
def test_date_is_read_with_its_offset(text: str, tz: tzinfo, expected: str) -> None:
    parsed = parse_date(text, tz)
    assert parsed is not None
    assert parsed.at.isoformat() == expected
    # Every form above that prints no clock time is a day, and says only the day.
    assert parsed.date_only == (":" not in text)
    assert parsed.isoformat() == (expected[:10] if parsed.date_only else expected)


def test_naive_date_defaults_to_utc() -> None:
    parsed = parse_date("21 марта 2026 года")
    assert parsed is not None
    assert parsed.at.isoformat() == "2026-03-21T00:00:00+00:00"


def test_day_is_shown_without_a_time() -> None:
    day = parse_date("21 марта 2026 года", ALMATY)
    timed = parse_date("21 марта 2026 года, 14:30", MOSCOW)
    assert day is not None and timed is not None
    assert (day.shown(), day.isoformat(), day.moment) == ("2026-03-21", "2026-03-21", None)
    assert timed.shown() == "2026-03-21 14:30 UTC+03:00"
    assert timed.moment == timed.at


def _dated(*stamps: str) -> list[Item]:
    return [
        Item("s", f"Item {n}", f"http://e.org/{n}", published=parse_date(stamp))
        for n, stamp in enumerate(stamps)
    ]


def test_constant_time_of_day_is_a_placeholder() -> None:
    items = _dated(
        "Sat, 21 Mar 2026 12:00:00 +0000",
        "Fri, 20 Mar 2026 12:00:00 +0000",
        "Thu, 19 Mar 2026 12:00:00 +0000",
    )
    read = placeholder_times([*items, Item("s", "undated", None)])
    assert [i.published.isoformat() if i.published else None for i in read] == [
        "2026-03-21",
        "2026-03-20",
        "2026-03-19",
        None,
    ]


@pytest.mark.parametrize(
    "stamps",
    [
        # real times vary
        (
            "Sat, 21 Mar 2026 12:00:00 +0000",
            "Fri, 20 Mar 2026 12:00:01 +0000",
            "Thu, 19 Mar 2026 12:00:00 +0000",
        ),
        # the same clock time in two offsets is two different instants of the day
        (
            "Sat, 21 Mar 2026 12:00:00 +0000",
            "Fri, 20 Mar 2026 12:00:00 +0300",
            "Thu, 19 Mar 2026 12:00:00 +0000",
        ),
        # two items can share a time by chance
        ("Sat, 21 Mar 2026 12:00:00 +0000", "Fri, 20 Mar 2026 12:00:00 +0000"),
        # releases put out together on one day share a real time
        (
            "Sat, 21 Mar 2026 15:00:00 +0300",
            "Sat, 21 Mar 2026 15:00:00 +0300",
            "Sat, 21 Mar 2026 15:00:00 +0300",
        ),
    ],
)
def test_times_that_could_be_real_are_kept(stamps: tuple[str, ...]) -> None:
    read = placeholder_times(_dated(*stamps))
    assert all(i.published is not None and not i.published.date_only for i in read)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   \n\t",
        "31 февраля 2026",
        "29 февраля 2025 года",
        "31 апреля 2026",
        "0 марта 2026",
        "21 марта",
        "2026 жылғы маусым",
        "march 2024 year",
        "2026",
        "21 марта 2025 2026 года",
        "21 марта – 2 апреля 2026",
        "21.03.2026 – 22.03.2026",
        "32.01.2026",
        "21.13.2026",
        "2026-13-45T00:00:00Z",
        "Mon, 31 Feb 2026 10:00:00 +0000",
        "Лента новостей",
        "Глава государства провёл совещание",
        "random text",
        "page 2 of 17",
    ],
)
def test_incomplete_or_impossible_date_is_none(text: str | None) -> None:
    assert parse_date(text) is None
