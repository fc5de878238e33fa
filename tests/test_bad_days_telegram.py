"""Bad days on the Telegram side: unreachable at start-up or mid-run, a rejected token, a
second poller, an alert flood wait, a flooding user. The real service, PTB and the fake
Bot API over loopback; the rate and link logic on its own with plain values."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from telegram.error import RetryAfter

from bot.application import SLOW_DOWN
from bot.flood import FloodGate, TelegramLimits
from bot.link import TelegramLink
from bot.quota import BURST, CommandQuota, Verdict
from bot.reader import Reader
from readout.config import build_config
from readout.operations import Operations
from readout.registry import Registry
from readout.service import connect_delay
from scrapers.fetch import Fetcher
from store.store import Store
from store.subscriptions import Target
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_service import Process
from tests.test_telegram import USER, Harness, serving, until

OTHER_USER = 1001
ALERT = "Talks with Putin in the Kremlin"
SLOW_DOWN_START = SLOW_DOWN.split("{", 1)[0]


@pytest_asyncio.fixture
async def up(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> AsyncIterator[Harness]:
    """The service, connected to a Telegram that answers."""
    async with serving(fake_telegram, site, tmp_path) as harness:
        yield harness


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def subscribe_in_store(db: Path, chat_id: int = USER) -> None:
    """A chat that subscribed on a day Telegram was up."""
    with Store(db) as store:
        store.subscriptions.ensure_chat(chat_id, "private", "Analyst")
        store.subscriptions.add(Target(chat_id), "leader", "putin", chat_id)


async def healthz(harness: Harness) -> httpx.Response:
    assert harness.service.endpoint is not None
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://{harness.service.endpoint.address}/healthz")


async def metric(harness: Harness, name: str) -> float:
    assert harness.service.endpoint is not None
    async with httpx.AsyncClient() as client:
        body = (await client.get(f"http://{harness.service.endpoint.address}/metrics")).text
    (line,) = [x for x in body.splitlines() if x.startswith(name + " ")]
    return float(line.split()[1])


async def health_says(harness: Harness, text: str, timeout: float = 20) -> httpx.Response:
    answers: list[httpx.Response] = []

    async def check() -> bool:
        answers.append(await healthz(harness))
        return text in answers[-1].text

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, f"/healthz never said {text!r}: {answers[-1].text!r}"
    return answers[-1]


def alerts(fake: FakeTelegram, title: str = ALERT) -> list[dict]:
    return [m for m in fake.sent if title in m["text"]]


@pytest.mark.parametrize("outage", ["5xx", "port closed"])
async def test_telegram_down_at_boot_polls_stores_queues_then_delivers_once(
    outage: str, site: FixtureSite, tmp_path: Path
) -> None:
    subscribe_in_store(tmp_path / "r.db")
    fake = FakeTelegram()
    port = free_port()
    if outage == "5xx":
        await fake.start(port)
        fake.outage = 502
    api = f"http://127.0.0.1:{port}/bot"
    try:
        async with serving(fake, site, tmp_path, api_url=api, connected=False) as harness:
            site.add("/feed", atom((2, ALERT), (1, "Baseline item about Putin")))
            answer = await health_says(harness, "(1 waiting)")
            assert answer.status_code == 200
            assert answer.text.startswith("degraded: telegram unreachable since 20")
            assert await metric(harness, "readout_telegram_up") == 0
            with harness.store() as store:
                assert store.outbox.counts() == {"pending": 1}

            if outage == "5xx":
                fake.outage = None
            else:
                await fake.start(port)
            await fake.wait_sent(1, timeout=30)
            polls = len(site.hits("/feed"))
            await harness.polls(polls + 3)
            assert len(alerts(fake)) == 1 and alerts(fake)[0]["chat_id"] == USER
            assert (await health_says(harness, "ok")).text == "ok\n"
            assert await metric(harness, "readout_telegram_up") == 1
            reply = await harness.command("/subscriptions")  # and the bot answers commands
            assert "putin" in reply["text"]
    finally:
        await fake.stop()


async def test_telegram_going_away_mid_run_holds_alerts_then_sends_each_once(
    up: Harness,
) -> None:
    await up.command("/subscribe putin")
    up.fake.outage = 503
    up.publish((2, ALERT), (1, "Baseline item about Putin"))
    answer = await health_says(up, "(1 waiting)")
    assert answer.status_code == 200 and "telegram unreachable since" in answer.text
    assert alerts(up.fake) == []
    up.fake.outage = None
    await until(lambda: len(alerts(up.fake)) == 1, 30, "the held alert")
    await up.polls(len(up.site.hits("/feed")) + 3)
    assert len(alerts(up.fake)) == 1
    assert (await health_says(up, "ok")).text == "ok\n"


def test_a_token_rejected_after_an_outage_stops_run_with_one_line(
    site: FixtureSite, tmp_path: Path
) -> None:
    fake = FakeTelegram(token="999:OTHER").start_in_thread()  # TOKEN is not its token
    try:
        fake.threadsafe(lambda: setattr(fake, "outage", 502))
        site.add("/feed", atom((1, "Baseline item")))
        (tmp_path / "readout.toml").write_text(
            f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{fake.bot_url}"\n'
            "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
            f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/feed")}"\ninterval = "1s"\n'
        )
        service = Process(tmp_path)
        service.wait_for("Telegram unreachable at start-up")
        assert service.popen.poll() is None  # an outage is no reason to stop
        fake.threadsafe(lambda: setattr(fake, "outage", None))
        assert service.popen.wait(timeout=30) == 1
    finally:
        fake.stop_thread()
    assert service.popen.stdout is not None
    rest = []
    while not service.lines.empty():
        rest.append(service.lines.get())
    output = "".join(rest)
    assert output.count("rejected the bot token") == 1, output
    assert "Traceback" not in output and TOKEN not in output
    (rejected,) = [line for line in rest if "rejected" in line]
    assert rejected.startswith("readout: Telegram rejected the bot token (telegram.token)")
    assert "@BotFather" in rejected and "READOUT_TELEGRAM_TOKEN" in rejected


async def test_a_second_poller_is_one_line_per_change_not_a_crash_loop(
    up: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    conflict = "Conflict: terminated by other getUpdates request"
    up.fake.fail_next("getUpdates", 409, conflict, times=4)
    before = len(up.fake.sent)
    up.fake.push_text("/help")  # ends the long poll in flight: the next ones meet the conflict
    answer = await health_says(up, "409 Conflict", timeout=30)
    assert answer.status_code == 200 and "polled by another process since" in answer.text
    await health_says(up, "ok\n", timeout=30)  # the other poller went away
    await up.fake.wait_sent(before + 1)
    reply = await up.command("/help")  # and commands come here again
    assert "Readout" in reply["text"]
    assert not up.service.stopping.is_set()
    lines = [r.getMessage() for r in caplog.records if r.name.startswith(("bot", "readout"))]
    assert len([x for x in lines if "another process is polling" in x]) == 1, lines
    assert len([x for x in lines if "receiving chat commands again" in x]) == 1, lines
    assert not [r for r in caplog.records if r.name.startswith("telegram") and r.exc_info]


async def test_replies_are_not_held_by_an_alert_flood_wait(up: Harness) -> None:
    await up.command("/subscribe putin")
    flood = {"retry_after": 30}
    up.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", flood)
    up.publish((2, ALERT), (1, "Baseline item about Putin"))
    await until(
        lambda: any(c.status == 429 for c in up.fake.calls if c.method == "sendMessage"),
        10,
        "the alert's flood wait",
    )
    reply = await up.command("/help", chat_id=OTHER_USER, user_id=OTHER_USER)
    assert reply["chat_id"] == OTHER_USER and "Readout" in reply["text"]
    own = await up.command("/sources")  # the flooded chat's own replies too
    assert own["chat_id"] == USER
    assert alerts(up.fake) == []  # answered while the alert still sits out its wait


async def test_a_flooding_user_delays_no_one_and_is_refused_once(up: Harness) -> None:
    fake = up.fake
    for _ in range(500):
        fake.push_text("/help", chat_id=OTHER_USER, user_id=OTHER_USER)
    fake.push_text("/help")
    await until(lambda: any(m["chat_id"] == USER for m in fake.sent), 30, "the other's reply")
    (reply,) = [m for m in fake.sent if m["chat_id"] == USER]
    before = [m for m in fake.sent[: fake.sent.index(reply)] if m["chat_id"] == OTHER_USER]
    assert len(before) <= BURST + 1  # not behind the 500
    await fake.wait_confirmed(fake.push_text("/sources", chat_id=OTHER_USER, user_id=USER))
    application = up.service.application
    assert application is not None
    await until(
        lambda: (
            application.update_queue.empty()
            and application.update_processor.current_concurrent_updates == 0
        ),
        30,
        "every update handled",
    )
    to_flooder = [m["text"] for m in fake.sent if m["chat_id"] == OTHER_USER]
    refusals = [t for t in to_flooder if t.startswith(SLOW_DOWN_START)]
    assert len(refusals) == 1, to_flooder[-5:]
    assert refusals[0].endswith(" s.")
    helps = [t for t in to_flooder if t.startswith("<b>Readout</b>")]
    assert BURST <= len(helps) < BURST + 10  # the burst, and the refill while flooding


def test_quota_refuses_once_per_burst_and_forgives_a_calm_user() -> None:
    now = [0.0]
    quota = CommandQuota(burst=3, period=3.0, clock=lambda: now[0])
    assert [quota.take(7) for _ in range(3)] == [Verdict.ALLOW] * 3
    assert quota.take(7) is Verdict.REFUSE
    assert quota.retry_in(7) == 1
    assert [quota.take(7) for _ in range(50)] == [Verdict.IGNORE] * 50
    assert quota.take(8) is Verdict.ALLOW  # others are not affected
    now[0] += 1.0  # one back: served, but still not forgiven
    assert [quota.take(7), quota.take(7)] == [Verdict.ALLOW, Verdict.IGNORE]
    now[0] += 10.0  # calm for a while: full again, a new flood is told again
    assert [quota.take(7) for _ in range(4)] == [Verdict.ALLOW] * 3 + [Verdict.REFUSE]


def test_quota_table_stays_bounded_and_forgets_idle_users_first() -> None:
    now = [0.0]
    quota = CommandQuota(burst=2, period=10.0, max_users=100, clock=lambda: now[0])
    quota.take(1)
    quota.take(1)
    quota.take(1)  # the flooder: refused
    for user in range(2, 10_000):
        quota.take(user)
        if user % 50 == 0:
            assert quota.take(1) is Verdict.IGNORE  # the flooder goes on, and is remembered
        now[0] += 0.0001
        assert len(quota) <= 100


def test_link_logs_each_change_of_state_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.link")

    async def scenario() -> TelegramLink:
        link = TelegramLink()
        woken: list[str] = []
        link.on_up.append(lambda: woken.append("up"))
        link.failed("getMe: connection refused")  # at start-up
        link.failed("getMe: connection refused")
        assert (link.problem() or "").startswith("unreachable since")
        link.answered("getMe", 200)
        assert link.problem() is None and link.up.is_set() and woken == ["up"]
        for _ in range(5):
            link.answered("sendMessage", 502)
        assert not link.up.is_set() and link.down.is_set()
        link.answered("sendMessage", 429)  # an answer all the same
        for _ in range(5):
            link.answered("getUpdates", 409)
        assert "409" in (link.problem() or "")
        link.answered("getUpdates", 200)
        link.answered("sendMessage", 401)
        assert link.rejected.is_set() and woken == ["up", "up"]
        return link

    asyncio.run(scenario())
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 5, lines
    assert lines[0].startswith("Telegram unreachable at start-up (getMe: connection refused)")
    assert lines[1].startswith("Telegram unreachable (HTTP 502 from sendMessage)")
    assert lines[2].startswith("Telegram reachable again after")
    assert "409 Conflict" in lines[3] and "receiving chat commands again" in lines[4]


def test_reconnect_delay_doubles_to_a_minute_with_jitter() -> None:
    for attempt, step in [(0, 1), (1, 2), (2, 4), (5, 32), (6, 60), (40, 60)]:
        delays = [connect_delay(attempt) for _ in range(200)]
        assert step / 2 <= min(delays) and max(delays) <= step
        assert max(delays) - min(delays) > step / 10  # jittered, not in step


async def test_a_flood_wait_holds_its_own_chat_only() -> None:
    gate = FloodGate(TelegramLimits(), max_retries=1)
    calls: list[int] = []

    async def send(chat: int) -> bool:
        calls.append(chat)
        if chat == 1 and calls.count(1) == 1:
            raise RetryAfter(timedelta(seconds=30))
        return True

    def request(chat: int) -> asyncio.Task[object]:
        data = {"chat_id": chat}
        return asyncio.create_task(
            gate.process_request(send, (chat,), {}, "sendMessage", data, None)
        )

    flooded = request(1)
    await until(lambda: calls == [1], 5, "the flood wait")
    again = request(1)  # the same chat: held too
    assert await asyncio.wait_for(request(2), 5) is True  # another chat: not held
    assert await asyncio.wait_for(request(-100), 5) is True
    assert not flooded.done() and not again.done() and calls == [1, 2, -100]
    assert gate.on_wire == 0  # waiting is not sending: a stop may cancel these
    for task in (flooded, again):
        task.cancel()


async def test_status_says_whether_telegram_is_up(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path, "admins = [42]\n") as harness:
        reply = await harness.command("/status")
    assert "\nTelegram: up\n" in reply["text"]

    config = build_config({}, {}, "test")
    with Store(tmp_path / "s.db") as store:
        async with Fetcher(config.settings.http.policy()) as fetcher:
            problem = "unreachable since 2026-03-21T10:00:00+00:00"
            ops = Operations(Registry(config, store), store, fetcher, 3, telegram=lambda: problem)
            header = ops.status_header(Reader())
    assert header.endswith(f"\nTelegram: ⚠️ {problem} (0 waiting)")


async def test_stopping_while_telegram_is_away_exits_0_without_tracebacks(
    up: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    up.fake.outage = 502  # noticed when the long poll in flight ends (10 s at most)
    await health_says(up, "telegram unreachable since", timeout=30)
    up.service.stopping.set()
    assert await asyncio.wait_for(up.task, 10) == 0
    noisy = [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert noisy == []


async def test_one_chat_s_commands_are_handled_in_the_order_sent(up: Harness) -> None:
    fake = up.fake
    commands = ["/subscribe putin", "/unsubscribe putin"] * 5
    before = len(fake.sent)
    for text in commands:
        fake.push_text(text)
    replies = [m["text"] for m in (await fake.wait_sent(before + len(commands)))[before:]]
    assert [r.split()[0] for r in replies] == ["Subscribed", "Unsubscribed"] * 5
    with up.store() as store:
        assert store.subscriptions.of(Target(USER)) == []


async def test_a_token_revoked_mid_run_stops_the_service_and_keeps_the_alert_owed(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path, exit_code=1) as harness:
        await harness.command("/subscribe putin")
        # Revoked while the alert goes out: Telegram answers its sendMessage 401.
        fake_telegram.fail_next("sendMessage", 401, "Unauthorized")
        harness.publish((2, ALERT), (1, "Baseline item about Putin"))
        assert await asyncio.wait_for(harness.task, 30) == 1
    with harness.store() as store:
        assert store.outbox.counts().get("failed", 0) == 0
        assert store.outbox.counts()["pending"] == 1  # sent by the next run, with a good token


def test_start_up_names_the_bot_and_says_to_send_it_start(
    site: FixtureSite, tmp_path: Path
) -> None:
    fake = FakeTelegram(token=TOKEN).start_in_thread()
    try:
        site.add("/feed", atom((1, "Baseline item")))
        (tmp_path / "readout.toml").write_text(
            f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{fake.bot_url}"\n'
            "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
            f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/feed")}"\ninterval = "1s"\n'
        )
        service = Process(tmp_path)
        line = service.wait_for("connected to Telegram as")
        service.popen.send_signal(signal.SIGTERM)
        assert service.popen.wait(timeout=30) == 0
    finally:
        fake.stop_thread()
    username = fake.bot_user["username"]
    assert f"@{username}: send it /start (https://t.me/{username})" in line
    assert "telegram.admins" in line and TOKEN not in line
