"""Quiet hours and digests end to end: the real service on a real store, python-telegram-bot
and the fake Bot API. Time is not waited for: a quiet window is set around now, and a
digest's fire time is made to have passed by moving its stored mark into the past."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest_asyncio

from bot.hours import RESCHEDULE, next_digest_at
from readout.service import DIGEST_JOB_PREFIX, DIGEST_STORE
from store.digests import DIGEST, QUIET, HeldDeliveries
from store.store import Store
from tests.fake_telegram import FakeTelegram, parse_html
from tests.sitestub import FixtureSite
from tests.test_telegram import USER, Harness, serving, until


@pytest_asyncio.fixture
async def live(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> AsyncIterator[Harness]:
    async with serving(fake_telegram, site, tmp_path) as harness:
        yield harness


def _window_around_now(zone_hours: int = 0) -> str:
    now = datetime.now(UTC) + timedelta(hours=zone_hours)
    return f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(hours=1):%H:%M}"


def _window_not_now() -> str:
    now = datetime.now(UTC)
    return f"{now + timedelta(hours=3):%H:%M}-{now + timedelta(hours=4):%H:%M}"


async def _held(harness: Harness, why: str, n: int) -> None:
    with harness.store() as store:
        held = HeldDeliveries(store.db)
        await until(lambda: held.count(USER, why) >= n, 15, f"{n} alerts held for {why}")


def _putin(*numbers: int) -> list[tuple[int, str]]:
    return [(n, f"Putin item number {n}") for n in numbers]


def _is_digest(message: dict[str, object]) -> bool:
    return str(message["text"]).startswith("<b>Held during quiet hours</b>")


def _statuses(store: Store) -> list[str]:
    return [status for _, status, _ in store.outbox.to_chat(USER)]


async def _all_sent(harness: Harness, n: int) -> None:
    """Telegram has the message a moment before the store records what it carried."""
    with harness.store() as store:
        await until(lambda: _statuses(store) == ["sent"] * n, 10, f"{n} deliveries sent")


async def test_quiet_hours_hold_alerts_and_quiet_off_sends_them_as_one_digest(
    live: Harness,
) -> None:
    await live.command("/subscribe putin")
    window = _window_around_now()
    reply = await live.command(f"/quiet {window}")
    assert reply["text"] == (
        f"Quiet hours set: {window} (UTC). Alerts due then are sent when they end."
    )
    sent = len(live.fake.sent)
    live.publish(*_putin(2, 3, 4, 5, 6))
    await _held(live, QUIET, 5)
    assert len(live.fake.sent) == sent  # nothing rang
    with live.store() as store:
        assert _statuses(store) == ["pending"] * 5  # held, not failed
    live.fake.push_text("/quiet off")
    # The reply and the digest go side by side: either may come first.
    off, digest = sorted((await live.fake.wait_sent(sent + 2))[sent:], key=_is_digest)
    assert off["text"] == "Quiet hours are off; 5 alerts held for them are sent now."
    assert digest["text"].startswith("<b>Held during quiet hours</b>")
    assert [n for n in range(2, 7) if f"Putin item number {n}" in digest["text"]] == [2, 3, 4, 5, 6]
    await _all_sent(live, 5)
    await live.polls(len(live.site.hits("/feed")) + 2)
    assert len(live.fake.sent) == sent + 2


async def test_three_alerts_held_for_quiet_hours_go_one_by_one_when_they_end(
    live: Harness,
) -> None:
    await live.command("/subscribe putin")
    await live.command(f"/quiet {_window_around_now()}")
    sent = len(live.fake.sent)
    live.publish(*_putin(2, 3, 4))
    await _held(live, QUIET, 3)
    with live.store() as store:  # the hours end: as if the clock had reached their end
        store.preferences.choose(USER, quiet=_window_not_now())
        store.db.execute(
            "UPDATE deliveries SET next_attempt_at = ? WHERE held = 'quiet'",
            [(datetime.now(UTC) - timedelta(seconds=1)).isoformat()],
        )
    assert live.service.sender is not None
    live.service.sender.wake()
    alerts = (await live.fake.wait_sent(sent + 3))[sent:]
    assert ["Putin</b> item number" in a["text"] for a in alerts] == [True] * 3
    assert not any("quiet hours" in a["text"] for a in alerts)


async def test_quiet_hours_are_in_the_chats_zone(live: Harness) -> None:
    await live.command("/subscribe putin")
    with live.store() as store:  # as /timezone would have stored it
        store.preferences.choose(USER, timezone="Asia/Kamchatka")  # UTC+12, no summer time
    # Around now in UTC is not now in Kamchatka: the alert is not held.
    await live.command(f"/quiet {_window_around_now()}")
    sent = len(live.fake.sent)
    live.publish(*_putin(2))
    (alert,) = (await live.fake.wait_sent(sent + 1))[sent:]
    assert "Putin</b> item number 2" in alert["text"]
    reply = await live.command(f"/quiet {_window_around_now(12)}")
    assert "(Asia/Kamchatka)" in reply["text"]
    live.publish(*_putin(2, 3))
    await _held(live, QUIET, 1)


async def test_bad_arguments_get_a_usage_line_in_the_chats_language_and_change_nothing(
    live: Harness,
) -> None:
    await live.command("/quiet 22:00-07:00")
    await live.command("/digest daily 09:00")
    with live.store() as store:
        store.preferences.choose(USER, language="ru")
        before = store.preferences.of(USER)
    for bad in ("/quiet 25:00-07:00", "/quiet 22:00", "/quiet " + "x" * 4000):
        reply = await live.command(bad)
        assert reply["text"].startswith("Использование: /quiet ЧЧ:ММ-ЧЧ:ММ")
    for bad in ("/digest weekly", "/digest daily 9", "/digest daily 24:00"):
        reply = await live.command(bad)
        assert reply["text"].startswith("Использование: /digest off")
    with live.store() as store:
        assert store.preferences.of(USER) == before
    shown = await live.command("/quiet")
    assert shown["text"].startswith("Тихие часы: 22:00-07:00 (UTC)")


async def test_only_group_admins_change_a_groups_hours(live: Harness) -> None:
    group = -100700
    live.fake.set_member(group, 7, "member")
    live.fake.set_member(group, 8, "administrator")
    options = {"chat_id": group, "chat_type": "supergroup"}
    refused = await live.command("/digest hourly", user_id=7, **options)
    assert refused["text"] == "Only this group's administrators can change its hours."
    refused = await live.command("/quiet 22:00-07:00", user_id=7, **options)
    assert refused["text"] == "Only this group's administrators can change its hours."
    with live.store() as store:
        assert store.preferences.of(group).digest == "off"
        assert store.preferences.of(group).quiet is None
    accepted = await live.command("/digest hourly", user_id=8, **options)
    assert accepted["text"].startswith("One digest an hour, on the hour; the next at ")


def _owe_now(harness: Harness, days: float = 2) -> None:
    """As if the service had last looked ``days`` ago: the fire times since are owed."""
    with harness.store() as store:
        store.db.execute(
            "UPDATE digest_marks SET since = ? WHERE chat_id = ?",
            [(datetime.now(UTC) - timedelta(days=days)).isoformat(), USER],
        )


async def test_a_digest_missed_while_stopped_is_sent_once_after_the_restart(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    at = f"{datetime.now(UTC) + timedelta(hours=12):%H:%M}"
    async with serving(fake_telegram, site, tmp_path) as first:
        await first.command("/subscribe putin")
        reply = await first.command(f"/digest daily {at}")
        assert reply["text"].startswith(f"One digest a day at {at} (UTC); the next at ")
        sent = len(fake_telegram.sent)
        first.publish(*_putin(2, 3, 4), (1, "Baseline item about Putin"))
        await _held(first, DIGEST, 3)
        assert len(fake_telegram.sent) == sent
    _owe_now(first)  # stopped for two days: a fire time passed meanwhile
    async with serving(fake_telegram, site, tmp_path) as second:
        (digest,) = (await fake_telegram.wait_sent(sent + 1))[sent:]
        assert digest["text"].startswith("<b>Digest</b>")
        assert "3 alerts" in digest["text"]
        assert all(f"Putin item number {n}" in digest["text"] for n in (2, 3, 4))
        await _all_sent(second, 3)
    async with serving(fake_telegram, site, tmp_path) as third:
        await third.polls(len(site.hits("/feed")) + 3)
        assert third.service.scheduler is not None
        third.service.sync_digests(third.service.scheduler, Store(third.db))
        await third.polls(len(site.hits("/feed")) + 2)
    assert len(fake_telegram.sent) == sent + 1  # never twice


async def test_a_new_time_zone_sends_the_pending_digest_at_its_next_fire_time_there(
    live: Harness,
) -> None:
    await live.command("/subscribe putin")
    await live.command("/digest daily 09:00")
    sent = len(live.fake.sent)
    live.publish(*_putin(2, 3))
    await _held(live, DIGEST, 2)
    reply = await live.command("/timezone Asia/Almaty")
    assert "Asia/Almaty" in reply["text"]
    application = live.service.application
    assert application is not None and live.service.scheduler is not None
    scheduler = live.service.scheduler
    job_id = f"{DIGEST_JOB_PREFIX}{USER}"
    # The reschedule runs right after the reply, in the handler group after /timezone's.
    await until(
        lambda: getattr(scheduler.get_job(job_id, jobstore=DIGEST_STORE), "name", "").endswith(
            "Asia/Almaty"
        ),
        5,
        "the digest rescheduled in the new zone",
    )
    sent += 1  # the reply
    job = scheduler.get_job(job_id, jobstore=DIGEST_STORE)
    assert job is not None and job.name == "daily 09:00@Asia/Almaty"
    expected = next_digest_at("daily 09:00", "Asia/Almaty", datetime.now(UTC))
    assert job.next_run_time == expected
    assert len(live.fake.sent) == sent  # the change itself sends nothing
    with live.store() as store:
        assert HeldDeliveries(store.db).count(USER, DIGEST) == 2
    # That fire time comes (the mark moved to just before it, a day back):
    assert expected is not None
    with live.store() as store:
        store.db.execute(
            "UPDATE digest_marks SET since = ? WHERE chat_id = ?",
            [(expected - timedelta(days=1, seconds=1)).isoformat(), USER],
        )
    application.bot_data[RESCHEDULE](USER)
    (digest,) = (await live.fake.wait_sent(sent + 1))[sent:]
    assert "Asia/Almaty" in digest["text"] and "2 alerts" in digest["text"]


async def test_a_digest_telegram_refuses_for_now_is_sent_later_whole(live: Harness) -> None:
    await live.command("/subscribe putin")
    await live.command("/digest hourly")
    sent = len(live.fake.sent)
    live.publish(*_putin(2, 3, 4, 5))
    await _held(live, DIGEST, 4)
    live.fake.fail_next("sendMessage", 500, "Internal Server Error")
    _owe_now(live, days=0.5)
    application = live.service.application
    assert application is not None
    application.bot_data[RESCHEDULE](USER)
    await live.fake.wait_call("sendMessage", n=len(live.fake.calls_of("sendMessage")) + 1)
    (digest,) = (await live.fake.wait_sent(sent + 1, timeout=30))[sent:]
    assert all(f"Putin item number {n}" in digest["text"] for n in (2, 3, 4, 5))
    await _all_sent(live, 4)


async def test_a_digest_of_many_items_is_split_and_each_part_is_valid(live: Harness) -> None:
    await live.command("/subscribe putin")
    await live.command("/digest hourly")
    sent = len(live.fake.sent)
    # Fewer than telegram.burst_limit (20) in one poll, each with a long title.
    long = "Putin and the long agenda " + "of many words " * 16
    live.publish(*[(n, f"{long} number {n}") for n in range(2, 20)])
    await _held(live, DIGEST, 18)
    _owe_now(live, days=0.5)
    application = live.service.application
    assert application is not None
    application.bot_data[RESCHEDULE](USER)
    await until(
        lambda: any("part 1 of" in m["text"] for m in live.fake.sent[sent:]), 15, "a digest"
    )
    first = next(m for m in live.fake.sent[sent:] if "part 1 of" in m["text"])
    parts = int(first["text"].split("part 1 of ", 1)[1].split()[0])
    assert parts > 1
    messages = (await live.fake.wait_sent(sent + parts, timeout=30))[sent:]
    found = []
    for message in messages:
        assert len(message["text"]) <= 4096
        parse_html(message["text"], strict=True)
        found += [n for n in range(2, 20) if f" number {n}</a>" in message["text"]]
    assert sorted(found) == list(range(2, 20))


async def test_alerts_held_for_quiet_hours_stay_held_across_a_restart(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path) as first:
        await first.command("/subscribe putin")
        await first.command(f"/quiet {_window_around_now()}")
        sent = len(fake_telegram.sent)
        first.publish(*_putin(2, 3, 4, 5), (1, "Baseline item about Putin"))
        await _held(first, QUIET, 4)
    async with serving(fake_telegram, site, tmp_path) as second:
        await second.polls(len(site.hits("/feed")) + 2)
        assert len(fake_telegram.sent) == sent
        with second.store() as store:
            assert HeldDeliveries(store.db).count(USER, QUIET) == 4
        fake_telegram.push_text("/quiet off")
        _, digest = sorted((await fake_telegram.wait_sent(sent + 2))[sent:], key=_is_digest)
        assert all(f"Putin item number {n}" in digest["text"] for n in (2, 3, 4, 5))
        await _all_sent(second, 4)


async def test_a_burst_is_collected_into_the_digest_too(live: Harness) -> None:
    await live.command("/subscribe putin")
    await live.command("/digest hourly")
    sent = len(live.fake.sent)
    live.publish(*_putin(*range(2, 27)))  # 25 in one poll: more than telegram.burst_limit
    with live.store() as store:
        held = HeldDeliveries(store.db)
        await until(lambda: held.count(USER, DIGEST) >= 1, 15, "the burst summary held")
    assert len(live.fake.sent) == sent
    _owe_now(live, days=0.5)
    application = live.service.application
    assert application is not None
    application.bot_data[RESCHEDULE](USER)
    (digest,) = (await live.fake.wait_sent(sent + 1))[sent:]
    assert "published 25 new items at once" in digest["text"]
    assert digest["text"].startswith("<b>Digest</b>")


async def test_new_quiet_hours_that_do_not_hold_now_release_what_the_old_ones_held(
    live: Harness,
) -> None:
    await live.command("/subscribe putin")
    await live.command(f"/quiet {_window_around_now()}")
    sent = len(live.fake.sent)
    live.publish(*_putin(2, 3))
    await _held(live, QUIET, 2)
    await live.command(f"/quiet {_window_not_now()}")
    messages = (await live.fake.wait_sent(sent + 3))[sent:]
    alerts = [m["text"] for m in messages if "Putin</b> item number" in m["text"]]
    assert sorted("item number 2" in text for text in alerts) == [False, True]
    await _all_sent(live, 2)
