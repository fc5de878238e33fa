"""The thread in the chat: both sides' readouts of one call, end to end through the real
service, python-telegram-bot, the fake Bot API and the fixture site."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.threads import place
from store.stories import Earlier, Thread
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_telegram import Harness, serving, until

OTHER = 43
KREMLIN_CALL = (2, "Telephone conversation with US President Donald Trump")
WHITE_HOUSE_CALL = (2, "Readout of President Trump's Call with President Putin of Russia")
KREMLIN_RU_CALL = (2, "Телефонный разговор с Президентом США Дональдом Трампом")


def feed(host: str, *entries: tuple[int, str]) -> str:
    """A feed of another office (or language) numbering its items as the Kremlin's does."""
    return atom(*entries).replace("en.kremlin.ru", host)


@asynccontextmanager
async def three_sources(
    fake: FakeTelegram, site: FixtureSite, folder: Path
) -> AsyncIterator[Harness]:
    site.add("/wh", feed("www.whitehouse.gov", (1, "Baseline")))
    site.add("/ru", feed("kremlin.ru", (1, "Базовая запись")))
    extra = "".join(
        f'[[sources]]\nid = "{source}"\nurl = "{site.url(path)}"\ninterval = "1s"\n'
        for source, path in (("whitehouse", "/wh"), ("kremlin-ru", "/ru"))
    )
    async with serving(fake, site, folder, extra=extra) as running:
        await until(lambda: len(site.hits("/wh")) >= 1 and len(site.hits("/ru")) >= 1, 10, "polls")
        with running.store() as store:
            await until(
                lambda: all(
                    store.fetch_state(s).baselined_at for s in ("whitehouse", "kremlin-ru")
                ),
                10,
                "baselines",
            )
        yield running


def replied_to(message: dict) -> int | None:
    reply = message.get("reply_parameters")
    if isinstance(reply, str):
        reply = json.loads(reply)
    return int(reply["message_id"]) if reply else None


async def first_alert(running: Harness, fake: FakeTelegram) -> tuple[int, dict]:
    """Chat 42 follows Putin and gets the Kremlin's readout of the call: the messages sent
    before it, and that first alert of the story."""
    await running.command("/subscribe putin")
    count = len(fake.sent)
    running.publish(KREMLIN_CALL, (1, "Baseline item about Putin"))
    return count, (await sent_for(fake, 42, count + 1))[-1]


async def sent_for(fake: FakeTelegram, chat: int, count: int) -> list[dict]:
    await until(
        lambda: len([m for m in fake.sent if m["chat_id"] == chat and "text" in m]) >= count,
        15,
        f"{count} alerts to {chat}",
    )
    return [m for m in fake.sent if m["chat_id"] == chat]


async def test_the_other_side_answers_the_first_alert(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with three_sources(fake_telegram, site, tmp_path) as running:
        await running.command("/subscribe putin")
        await running.command("/subscribe kremlin-ru")
        fake_telegram.push_text("/subscribe putin", chat_id=OTHER)
        await sent_for(fake_telegram, OTHER, 1)
        before = {
            chat: len([m for m in fake_telegram.sent if m["chat_id"] == chat])
            for chat in (42, OTHER)
        }
        running.publish(KREMLIN_CALL, (1, "Baseline item about Putin"))
        first = (await sent_for(fake_telegram, 42, before[42] + 1))[-1]
        assert "Telephone conversation" in first["text"] and replied_to(first) is None
        site.add("/wh", feed("www.whitehouse.gov", WHITE_HOUSE_CALL, (1, "Baseline")))
        answer = (await sent_for(fake_telegram, 42, before[42] + 2))[-1]
        assert answer["text"].startswith("<i>The White House's readout of the same call</i>")
        assert replied_to(answer) == first["message_id"]
        stored = fake_telegram.messages[42, answer["message_id"]]
        assert stored["reply_to_message"]["message_id"] == first["message_id"]
        site.add("/ru", feed("kremlin.ru", KREMLIN_RU_CALL, (1, "Базовая запись")))
        version = (await sent_for(fake_telegram, 42, before[42] + 3))[-1]
        assert version["text"].startswith("<i>Kremlin (ru) version</i>")
        assert replied_to(version) == first["message_id"]
        other = await sent_for(fake_telegram, OTHER, before[OTHER] + 2)
        with running.store() as store:
            await until(
                lambda: "skipped" in {s for _, s, _ in store.outbox.to_chat(OTHER)},
                10,
                "the Russian version skipped for the chat that follows only Putin",
            )
        assert not any("Телефонный" in m["text"] for m in other)
        assert replied_to(other[-1]) == other[-2]["message_id"]


async def test_a_deleted_first_alert_leaves_a_normal_message(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with three_sources(fake_telegram, site, tmp_path) as running:
        count, first = await first_alert(running, fake_telegram)
        fake_telegram.delete_message(42, first["message_id"])
        site.add("/wh", feed("www.whitehouse.gov", WHITE_HOUSE_CALL, (1, "Baseline")))
        answer = (await sent_for(fake_telegram, 42, count + 2))[-1]
        assert replied_to(answer) == first["message_id"]
        assert "reply_to_message" not in fake_telegram.messages[42, answer["message_id"]]
        assert answer["text"].startswith("<i>The White House's readout")


async def test_the_answer_waits_for_a_first_alert_still_in_the_outbox(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with three_sources(fake_telegram, site, tmp_path) as running:
        await running.command("/subscribe putin")
        count = len(fake_telegram.sent)
        fake_telegram.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 2",
            {"retry_after": 2},
            where={"chat_id": 42},
        )
        running.publish(KREMLIN_CALL, (1, "Baseline item about Putin"))
        await fake_telegram.wait_call("sendMessage", len(fake_telegram.calls_of("sendMessage")) + 1)
        site.add("/wh", feed("www.whitehouse.gov", WHITE_HOUSE_CALL, (1, "Baseline")))
        sent = await sent_for(fake_telegram, 42, count + 2)
        first, answer = sent[-2], sent[-1]
        assert "Telephone conversation" in first["text"]
        assert replied_to(answer) == first["message_id"]


async def test_a_restart_between_the_two_sides_keeps_the_thread(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with three_sources(fake_telegram, site, tmp_path) as running:
        count, first = await first_alert(running, fake_telegram)
    async with three_sources(fake_telegram, site, tmp_path):
        site.add("/wh", feed("www.whitehouse.gov", WHITE_HOUSE_CALL, (1, "Baseline")))
        answer = (await sent_for(fake_telegram, 42, count + 2))[-1]
        assert replied_to(answer) == first["message_id"]


def earlier(delivery_id: int, status: str, office: str, message_id: int | None = 7) -> Earlier:
    return Earlier(delivery_id, status, message_id, "2026-11-03T12:00:00+00:00", office)


@pytest.mark.parametrize(
    ("before", "subscribed", "action", "reply_to"),
    [
        ((), False, "send", None),
        ((earlier(1, "sent", "putin"),), False, "send", 7),
        ((earlier(1, "pending", "putin"),), False, "hold", None),
        ((earlier(1, "failed", "putin", None),), False, "send", None),
        ((earlier(1, "sent", "trump"),), False, "skip", None),
        ((earlier(1, "sent", "trump"),), True, "send", 7),
        ((earlier(9, "pending", "putin"),), False, "send", None),
    ],
)
def test_placement(
    before: tuple[Earlier, ...], subscribed: bool, action: str, reply_to: int | None
) -> None:
    thread = Thread(1, "call", "trump", before)
    placed = place(5, thread, "The White House", subscribed)
    assert (placed.action, placed.reply_to) == (action, reply_to)


def test_an_edit_keeps_its_heading_and_is_never_held_or_skipped() -> None:
    thread = Thread(1, "call", "putin", (earlier(1, "sent", "putin"), earlier(2, "pending", "x")))
    placed = place(5, thread, "Kremlin (ru)", subscribed_to_source=False, editing=True)
    assert (placed.action, placed.heading) == ("send", "Kremlin (ru) version")


async def test_a_chat_that_unsubscribed_in_between_gets_nothing_more(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with three_sources(fake_telegram, site, tmp_path) as running:
        await first_alert(running, fake_telegram)
        await running.command("/unsubscribe putin")
        sent = len(fake_telegram.sent)
        site.add("/wh", feed("www.whitehouse.gov", WHITE_HOUSE_CALL, (1, "Baseline")))
        with running.store() as store:
            await until(
                lambda: any(
                    i["source_id"] == "whitehouse" and i["title"].startswith("Readout")
                    for i in store.items("whitehouse")
                ),
                10,
                "the White House readout stored",
            )
            await running.polls(len(site.hits("/feed")) + 2)
            assert store.outbox.to_chat(42)[-1][1] == "sent"
        assert len(fake_telegram.sent) == sent
