"""Readout's Telegram side end to end: the real service, python-telegram-bot, the fake Bot
API server and the local fixture site, all over loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from readout.config import load_config
from readout.service import Service
from store.store import Store
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom

USER = 42


@dataclass
class Harness:
    fake: FakeTelegram
    site: FixtureSite
    service: Service
    db: Path
    task: asyncio.Task[int]

    def publish(self, *entries: tuple[int, str]) -> None:
        self.site.add("/feed", atom(*entries))

    async def polls(self, n: int, timeout: float = 10) -> None:
        """Wait until the source has been fetched ``n`` times in all (an event, not a nap)."""
        await until(lambda: len(self.site.hits("/feed")) >= n, timeout, f"{n} polls")

    async def command(self, text: str, **options: object) -> dict:
        before = len(self.fake.sent)
        self.fake.push_text(text, **options)  # type: ignore[arg-type]
        return (await self.fake.wait_sent(before + 1))[before]

    def store(self) -> Store:
        return Store(self.db)


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def serving(
    fake: FakeTelegram,
    site: FixtureSite,
    folder: Path,
    extra: str = "",
    api_url: str | None = None,
    connected: bool = True,
    exit_code: int = 0,
) -> AsyncIterator[Harness]:
    """``readout run`` in this event loop against the fake Bot API and the fixture site.

    ``api_url`` points it elsewhere (a port nothing listens on yet); with ``connected``
    False it yields after the first poll, not waiting for the bot to reach Telegram.
    """
    if "/feed" not in site.routes:
        site.add("/feed", atom((1, "Baseline item about Putin")))
    config = folder / "readout.toml"
    config.write_text(
        f'[telegram]\ntoken = "{fake.token}"\napi_base_url = "{api_url or fake.bot_url}"\n'
        f"{extra}"
        "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
        '[health]\nlisten = "127.0.0.1:0"\n'
        f'[store]\npath = "{folder / "r.db"}"\n'
        f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/feed")}"\ninterval = "1s"\n'
    )
    service = Service(load_config(config, env={}))
    task = asyncio.create_task(service.run(handle_signals=False))
    harness = Harness(fake, site, service, folder / "r.db", task)
    try:
        if connected:
            await fake.wait_call("getUpdates")
        await harness.polls(1)
        with harness.store() as store:  # fetched, and stored (off the loop) and recorded
            polled = lambda: store.fetch_state("kremlin-en").last_attempt is not None  # noqa: E731
            await until(polled, 10, "the first poll recorded")
        yield harness
    finally:
        service.stopping.set()
        assert await asyncio.wait_for(task, 10) == exit_code


@pytest_asyncio.fixture
async def running(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> AsyncIterator[Harness]:
    async with serving(fake_telegram, site, tmp_path) as harness:
        yield harness


async def test_subscribe_then_one_alert_per_new_item(running: Harness) -> None:
    reply = await running.command("/subscribe Путин")
    assert reply["text"] == "Subscribed to Vladimir Putin (<code>putin</code>)."
    assert reply["chat_id"] == USER and reply["parse_mode"] == "HTML"
    start = len(running.site.hits("/feed"))
    running.publish((2, "Talks with Putin and Tokayev"), (1, "Baseline item about Putin"))
    (alert,) = [m for m in await running.fake.wait_sent(2) if "Talks with" in m["text"]]
    assert alert["chat_id"] == USER
    assert "Talks with <b>Putin</b> and <b>Tokayev</b>" in alert["text"]
    assert alert["link_preview_options"] == {"is_disabled": True}
    await running.polls(start + 3)
    assert len(running.fake.sent) == 2  # the baseline item was never alerted, nor repeated


async def test_unrelated_item_and_unsubscribed_chat_get_nothing(running: Harness) -> None:
    await running.command("/subscribe zelenskyy")
    await running.command("/subscribe putin")
    reply = await running.command("/unsubscribe putin")
    assert reply["text"].startswith("Unsubscribed from Vladimir Putin")
    sent = len(running.fake.sent)
    running.publish((2, "Meeting with Putin"))
    await running.polls(len(running.site.hits("/feed")) + 3)
    assert len(running.fake.sent) == sent


async def test_unknown_name_gets_suggestions(running: Harness) -> None:
    reply = await running.command("/subscribe putn")
    assert "could mean" in reply["text"] and "<code>putin</code>" in reply["text"]
    reply = await running.command("/subscribe")
    assert reply["text"].startswith("Usage: /subscribe")


async def test_only_group_admins_change_group_subscriptions(running: Harness) -> None:
    group = -100500
    running.fake.set_member(group, 7, "member")
    running.fake.set_member(group, 8, "administrator")
    refused = await running.command(
        "/subscribe putin", chat_id=group, user_id=7, chat_type="supergroup"
    )
    assert refused["text"] == "Only this group's administrators can change its subscriptions."
    accepted = await running.command(
        "/subscribe putin", chat_id=group, user_id=8, chat_type="supergroup"
    )
    assert accepted["text"].startswith("Subscribed to")
    with running.store() as store:
        assert [(s.chat_id, s.target) for s in store.subscriptions.active()] == [(group, "putin")]


async def test_forum_topic_subscription_delivers_to_the_topic(running: Harness) -> None:
    group = -100600
    running.fake.set_member(group, 9, "creator")
    await running.command(
        "/subscribe kremlin-en", chat_id=group, user_id=9, chat_type="supergroup", thread_id=77
    )
    running.publish((2, "Statement"))
    alert = (await running.fake.wait_sent(2))[1]
    assert (alert["chat_id"], alert["message_thread_id"]) == (group, 77)


async def test_keyword_subscription(running: Harness) -> None:
    reply = await running.command("/keyword Grain Exports")
    assert reply["text"] == "Following keyword <code>grain exports</code>."
    running.publish((2, "Agreement on grain exports signed"), (3, "Unrelated ceremony"))
    alert = (await running.fake.wait_sent(2))[1]
    assert "Agreement on grain exports signed" in alert["text"]
    await running.polls(len(running.site.hits("/feed")) + 2)
    assert len(running.fake.sent) == 2


async def test_429_delivers_once_after_retry_after(running: Harness) -> None:
    await running.command("/subscribe putin")
    running.fake.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1}, times=5
    )
    running.publish((2, "Putin under flood control"))
    alerts = await running.fake.wait_sent(2, timeout=20)
    assert "flood control" in alerts[1]["text"]
    await running.polls(len(running.site.hits("/feed")) + 3)
    assert len(running.fake.sent) == 2
    with running.store() as store:
        assert store.outbox.counts() == {"sent": 1}


async def test_5xx_is_retried_until_delivered(running: Harness) -> None:
    await running.command("/subscribe putin")
    running.fake.fail_next("sendMessage", 502, "Bad Gateway", times=1)
    running.publish((2, "Putin after an outage"))
    alerts = await running.fake.wait_sent(2, timeout=20)
    assert "after an outage" in alerts[1]["text"]


async def test_blocked_chat_is_paused(running: Harness) -> None:
    await running.command("/subscribe putin")
    running.fake.block_chat(USER)
    running.publish((2, "Putin speaks"))
    await running.fake.wait_call("sendMessage", n=2)
    with running.store() as store:
        await until(lambda: store.subscriptions.chat_status(USER) == "paused", 5, "pause")
        assert store.outbox.counts() == {"skipped": 1}


async def test_migrated_group_is_followed(running: Harness) -> None:
    group, supergroup = -500, -100777
    running.fake.set_member(group, 8, "administrator")
    await running.command("/subscribe putin", chat_id=group, user_id=8, chat_type="group")
    running.fake.migrate_chat(group, supergroup)
    running.publish((2, "Putin in the supergroup"))
    (alert,) = [m for m in await running.fake.wait_sent(2) if "supergroup" in m["text"]]
    assert alert["chat_id"] == supergroup
    with running.store() as store:
        assert [s.chat_id for s in store.subscriptions.active()] == [supergroup]


async def test_edited_item_edits_the_alert_in_place(running: Harness) -> None:
    await running.command("/subscribe putin")
    running.publish((2, "Putin meets governors"))
    alert = (await running.fake.wait_sent(2))[1]
    running.publish((2, "Putin meets regional governors"))
    (edit,) = await running.fake.wait_edited(1)
    assert edit["message_id"] == alert["message_id"] and edit["chat_id"] == USER
    assert "Putin</b> meets regional governors" in edit["text"]
    assert len(running.fake.sent) == 2


async def test_hostile_item_is_delivered_as_valid_html(running: Harness) -> None:
    await running.command("/subscribe kremlin-en")
    hostile = "&lt;b&gt;Putin &amp;amp; &amp;quot;friends&amp;quot;&lt;/i&gt;" + " x" * 30_000
    running.publish((2, hostile))
    alert = (await running.fake.wait_sent(2))[1]
    # An Atom text title keeps its literal "&amp;": shown as typed, escaped once more.
    assert "&lt;b&gt;<b>Putin</b> &amp;amp; &amp;quot;friends&amp;quot;&lt;/i&gt;" in alert["text"]
    assert len(alert["text"]) <= 4096


async def test_leaders_buttons_toggle_subscriptions(running: Harness) -> None:
    listing = await running.command("/leaders")
    buttons = [b for row in listing["reply_markup"]["inline_keyboard"] for b in row]
    assert {"text": "Vladimir Putin", "callback_data": "toggle:leader:putin"} in buttons
    running.fake.push_callback("toggle:leader:putin", message_id=listing["message_id"])
    await running.fake.wait_call("answerCallbackQuery")
    with running.store() as store:
        assert [s.target for s in store.subscriptions.active()] == ["putin"]


@pytest.mark.parametrize("command", ["/start", "/help", "/sources", "/subscriptions", "/recent"])
async def test_informational_commands_answer(running: Harness, command: str) -> None:
    reply = await running.command(command)
    assert reply["text"]


async def test_command_menu_is_registered_in_each_language(running: Harness) -> None:
    menus = {c.get("language_code", ""): c for c in running.fake.calls_of("setMyCommands")}
    assert sorted(menus) == ["", "kk", "ru"]
    names = [c["command"] for c in menus[""]["commands"]]
    assert {"subscribe", "unsubscribe", "keyword", "leaders", "recent", "help"} <= set(names)
    assert [c["command"] for c in menus["ru"]["commands"]] == names
    described = {c["command"]: c["description"] for c in menus["ru"]["commands"]}
    assert described["help"] == "Как работает Readout"


async def test_rejected_html_is_resent_as_plain_text(running: Harness) -> None:
    await running.command("/subscribe putin")
    running.fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities: oops")
    running.publish((2, "Putin and the parser"))
    plain = (await running.fake.wait_sent(2))[1]
    assert "parse_mode" not in plain and "Putin and the parser" in plain["text"]
    assert "<b>" not in plain["text"]


async def test_permanent_error_is_recorded_and_not_retried(running: Harness) -> None:
    await running.command("/subscribe putin")
    running.fake.fail_next("sendMessage", 400, "Bad Request: chat not found")
    running.publish((2, "Putin to nowhere"))
    await running.fake.wait_call("sendMessage", n=2)
    await running.polls(len(running.site.hits("/feed")) + 3)
    assert len(running.fake.calls_of("sendMessage")) == 2
    with running.store() as store:
        assert store.outbox.counts() == {"failed": 1}
