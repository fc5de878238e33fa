"""Quiet hours and digest times as plain values: parsing, the end of quiet hours, the next
fire time of a digest, in the chat's zone, across midnight and the summer-time change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.hours import (
    missed_digest,
    next_digest_at,
    parse_digest,
    parse_quiet,
    plan,
    quiet_until,
)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("22:00-07:00", "22:00-07:00"),
        ("9:05-17:30", "09:05-17:30"),
        (" 23:59 – 00:01 ", "23:59-00:01"),
        ("00:00-06:00", "00:00-06:00"),
    ],
)
def test_quiet_hours_are_read_and_normalised(text: str, stored: str) -> None:
    parsed = parse_quiet(text)
    assert parsed is not None and str(parsed) == stored


@pytest.mark.parametrize(
    "text",
    ["", "22:00", "24:00-07:00", "22:60-07:00", "07:00-07:00", "ten-seven", "22-07", "x" * 4000],
)
def test_bad_quiet_hours_are_refused(text: str) -> None:
    assert parse_quiet(text) is None


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("off", "off"),
        ("OFF", "off"),
        ("hourly", "hourly"),
        ("daily 09:00", "daily 09:00"),
        ("Daily   9:00", "daily 09:00"),
        ("daily 23:59", "daily 23:59"),
    ],
)
def test_digest_settings_are_read_and_normalised(text: str, stored: str) -> None:
    assert parse_digest(text) == stored


@pytest.mark.parametrize(
    "text", ["weekly", "daily", "daily 25:00", "daily 9", "hourly 5", "on", "daily 09:00 10:00"]
)
def test_bad_digest_settings_are_refused(text: str) -> None:
    assert parse_digest(text) is None


@pytest.mark.parametrize(
    ("now", "end"),
    [
        (utc(2026, 12, 2, 21, 59), None),  # before
        (utc(2026, 12, 2, 22, 0), utc(2026, 12, 3, 7, 0)),  # the first minute
        (utc(2026, 12, 2, 23, 30), utc(2026, 12, 3, 7, 0)),  # before midnight
        (utc(2026, 12, 3, 3, 0), utc(2026, 12, 3, 7, 0)),  # after midnight
        (utc(2026, 12, 3, 7, 0), None),  # the end is not quiet
        (utc(2026, 12, 3, 12, 0), None),
    ],
)
def test_quiet_hours_across_midnight(now: datetime, end: datetime | None) -> None:
    assert quiet_until("22:00-07:00", "UTC", now) == end


def test_quiet_hours_within_a_day() -> None:
    assert quiet_until("13:00-14:00", "UTC", utc(2026, 12, 2, 13, 30)) == utc(2026, 12, 2, 14)
    assert quiet_until("13:00-14:00", "UTC", utc(2026, 12, 2, 14, 30)) is None
    assert quiet_until(None, "UTC", utc(2026, 12, 2, 13, 30)) is None


def test_quiet_hours_are_in_the_chats_zone() -> None:
    # 22:00-07:00 in Almaty (UTC+5) is 17:00-02:00 UTC.
    assert quiet_until("22:00-07:00", "Asia/Almaty", utc(2026, 12, 2, 18)) == utc(2026, 12, 3, 2)
    assert quiet_until("22:00-07:00", "Asia/Almaty", utc(2026, 12, 2, 3)) is None
    assert quiet_until("22:00-07:00", "UTC", utc(2026, 12, 2, 18)) is None


def test_quiet_night_over_the_summer_time_change_ends_at_the_hour_set() -> None:
    # Kyiv moves from UTC+2 to UTC+3 on 29 March 2026 at 03:00: the night is an hour
    # shorter, and still ends at 07:00 on the clock (04:00 UTC, not 05:00).
    assert quiet_until("22:00-07:00", "Europe/Kyiv", utc(2026, 3, 28, 23)) == utc(2026, 3, 29, 4)
    # ... and back on 25 October: a night an hour longer, ending 07:00 at UTC+2.
    assert quiet_until("22:00-07:00", "Europe/Kyiv", utc(2026, 10, 24, 23)) == utc(2026, 10, 25, 5)
    assert quiet_until("22:00-07:00", "Europe/Kyiv", utc(2026, 10, 25, 4, 30)) == utc(
        2026, 10, 25, 5
    )


def test_next_daily_digest_in_the_chats_zone() -> None:
    now = utc(2026, 12, 2, 5)
    assert next_digest_at("daily 09:00", "UTC", now) == utc(2026, 12, 2, 9)
    assert next_digest_at("daily 09:00", "Asia/Almaty", now) == utc(2026, 12, 3, 4)
    assert next_digest_at("daily 09:00", "America/New_York", now) == utc(2026, 12, 2, 14)
    assert next_digest_at("off", "UTC", now) is None


def test_next_digest_is_strictly_after() -> None:
    assert next_digest_at("daily 09:00", "UTC", utc(2026, 12, 2, 9)) == utc(2026, 12, 3, 9)
    assert next_digest_at("hourly", "UTC", utc(2026, 12, 2, 9)) == utc(2026, 12, 2, 10)
    assert next_digest_at("hourly", "UTC", utc(2026, 12, 2, 9, 0, 30)) == utc(2026, 12, 2, 10)


def test_a_digest_chosen_a_moment_before_its_time_still_fires_then() -> None:
    just_before = utc(2026, 12, 2, 8, 59, 59) + timedelta(milliseconds=500)
    assert next_digest_at("daily 09:00", "UTC", just_before) == utc(2026, 12, 2, 9)
    assert missed_digest("daily 09:00", "UTC", just_before, utc(2026, 12, 2, 9, 0, 0)) == utc(
        2026, 12, 2, 9
    )


def test_hourly_digest_follows_a_half_hour_zone() -> None:
    # India is UTC+05:30: on the hour there is half past in UTC.
    assert next_digest_at("hourly", "Asia/Kolkata", utc(2026, 12, 2, 9, 10)) == utc(
        2026, 12, 2, 9, 30
    )


def test_daily_digest_keeps_its_wall_clock_hour_over_summer_time() -> None:
    # New York moves from UTC-5 to UTC-4 on 8 March 2026 at 02:00.
    before = next_digest_at("daily 09:00", "America/New_York", utc(2026, 3, 7, 12))
    after = next_digest_at("daily 09:00", "America/New_York", before or utc(2026, 1, 1))
    assert (before, after) == (utc(2026, 3, 7, 14), utc(2026, 3, 8, 13))


def test_a_digest_at_a_time_the_clocks_skip_fires_once_that_day() -> None:
    # 02:30 does not exist in New York on 8 March 2026; the digest comes at 03:30 EDT.
    fire = next_digest_at("daily 02:30", "America/New_York", utc(2026, 3, 8))
    assert fire == utc(2026, 3, 8, 7, 30)
    assert next_digest_at("daily 02:30", "America/New_York", fire or utc(2026, 1, 1)) == utc(
        2026, 3, 9, 6, 30
    )


def test_missed_digest_is_the_latest_fire_time_passed() -> None:
    since = utc(2026, 12, 1, 10)
    assert missed_digest("daily 09:00", "UTC", since, utc(2026, 12, 2, 8, 59)) is None
    assert missed_digest("daily 09:00", "UTC", since, utc(2026, 12, 2, 9)) == utc(2026, 12, 2, 9)
    # Down for three days: one digest owed, not three.
    assert missed_digest("daily 09:00", "UTC", since, utc(2026, 12, 5, 12)) == utc(2026, 12, 5, 9)
    assert missed_digest("daily 09:00", "UTC", utc(2026, 12, 5, 9), utc(2026, 12, 5, 12)) is None
    assert missed_digest("off", "UTC", since, utc(2026, 12, 5, 12)) is None


def test_a_plan_names_its_period_and_zone() -> None:
    assert plan("daily 09:00", "Asia/Almaty") != plan("daily 09:00", "UTC")
    assert plan("daily 09:00", None) == plan("daily 09:00", "UTC") == "daily 09:00@UTC"
