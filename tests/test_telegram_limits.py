"""Readout within Telegram's limits and refusals, against the faithful fake Bot API: the
/leaders keyboard's callback data (64 bytes), the answer to a press (200 characters), and
forum topics that are deleted while subscribed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from analysis.leaders import Leader
from bot.buttons import (
    CALLBACK_DATA_BYTES,
    answer_text,
    keyboard_leaders,
    pressed_leader,
    toggle_data,
)
from store.store import Store
from store.subscriptions import Target
from tests import test_telegram
from tests.fake_telegram import QUERY_INVALID, THREAD_NOT_FOUND, FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_telegram import USER, Harness, serving, until

LONG_ID = "l" + "o" * 62 + "g"  # 64 characters, the longest id a leader may have
LONG_NAME = "Nursultan " + "Abishevich " * 16 + "Longname"  # 194: a name may have 200
FORUM = -1000000000777
CREATOR = 9

running = test_telegram.running  # the service against the fake and the fixture site


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    return [b for row in message["reply_markup"]["inline_keyboard"] for b in row]


def current_buttons(fake: FakeTelegram, message_id: int, chat_id: int = USER) -> list[str]:
    """The button labels the message shows now (after any edits)."""
    return [b["text"] for b in buttons(fake.messages[chat_id, message_id])]


async def press(running: Harness, listing: dict[str, Any], label: str) -> dict[str, Any]:
    """Press the button labelled ``label`` (✓ or not) and return the answer Telegram took."""
    (button,) = [b for b in buttons(listing) if b["text"].removeprefix("✓ ") == label]
    answered = len(running.fake.answers)
    running.fake.push_callback(button["callback_data"], message_id=listing["message_id"])
    await until(lambda: len(running.fake.answers) > answered, 10, "the press answered")
    return running.fake.answers[-1]


def followed(running: Harness, target: Target | None = None) -> list[str]:
    with Store(running.db) as store:
        return [s.target for s in store.subscriptions.of(target or Target(USER))]


# ------------------------------------------------------------------- the /leaders keyboard


async def test_a_64_character_leader_id_gets_a_button_that_fits(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    leader = f'[[leaders]]\nid = "{LONG_ID}"\nname = "Long Id"\naliases = ["Longidov"]\n'
    async with serving(fake_telegram, site, tmp_path, leader) as running:
        listing = await running.command("/leaders")
        assert all(len(b["callback_data"].encode()) <= 64 for b in buttons(listing))
        assert {"text": "Vladimir Putin", "callback_data": "toggle:leader:putin"} in buttons(
            listing
        )
        answer = await press(running, listing, "Long Id")
        assert answer["text"] == "Subscribed to Long Id"
        assert followed(running) == [LONG_ID]
        assert "✓ Long Id" in current_buttons(fake_telegram, listing["message_id"])
        answer = await press(running, listing, "Long Id")
        assert answer["text"] == "Unsubscribed from Long Id"
        assert followed(running) == []


async def test_a_leader_added_in_chat_with_a_long_id_and_name_can_be_toggled(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path, f"admins = [{USER}]\n") as running:
        added = await running.command(f"/addleader {LONG_ID} {LONG_NAME}")
        assert added["text"].startswith("Watching")
        listing = await running.command("/leaders")
        answer = await press(running, listing, LONG_NAME)
        # "Subscribed to <name>" is over Telegram's 200 characters: cut, never refused.
        assert len(answer["text"]) <= 200 and answer["text"].startswith("Subscribed to Nursultan")
        assert answer["text"].endswith("…")
        assert followed(running) == [LONG_ID]
        assert f"✓ {LONG_NAME}" in current_buttons(fake_telegram, listing["message_id"])


async def test_the_keyboard_is_refreshed_even_when_the_answer_is_refused(
    running: Harness,
) -> None:
    listing = await running.command("/leaders")
    running.fake.fail_next("answerCallbackQuery", 400, QUERY_INVALID)
    (putin,) = [b for b in buttons(listing) if b["text"] == "Vladimir Putin"]
    running.fake.push_callback(putin["callback_data"], message_id=listing["message_id"])
    await running.fake.wait_call("answerCallbackQuery")
    assert followed(running) == ["putin"]
    assert "✓ Vladimir Putin" in current_buttons(running.fake, listing["message_id"])
    assert (await running.command("/subscriptions"))["text"].startswith("<b>This chat follows")


async def test_the_answer_is_given_even_when_the_keyboard_cannot_be_refreshed(
    running: Harness,
) -> None:
    listing = await running.command("/leaders")
    running.fake.fail_next("editMessageReplyMarkup", 400, "Bad Request: message to edit not found")
    answer = await press(running, listing, "Vladimir Putin")
    assert answer["text"] == "Subscribed to Vladimir Putin"
    assert followed(running) == ["putin"]


async def test_a_stale_button_is_answered_politely_and_replaced(running: Harness) -> None:
    # A keyboard sent before a leader stopped being watched (a config change, a restart).
    stale = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Gone", callback_data="toggle:leader:gone")]]
    )
    async with Bot(running.fake.token, base_url=running.fake.bot_url) as bot:
        old = await bot.send_message(USER, "Watched leaders", reply_markup=stale)
    running.fake.push_callback("toggle:leader:gone", message_id=old.message_id)
    await running.fake.wait_call("answerCallbackQuery")
    (answer,) = running.fake.answers
    assert answer["text"] == "That button is out of date: that leader is no longer watched."
    assert "Vladimir Putin" in current_buttons(running.fake, old.message_id)
    assert followed(running) == []


# ------------------------------------------------------------------- deleted forum topics


async def subscribe_in(running: Harness, thread: int, what: str = "putin") -> None:
    reply = await running.command(
        f"/subscribe {what}", chat_id=FORUM, user_id=CREATOR, chat_type="supergroup",
        thread_id=thread,
    )  # fmt: skip
    assert reply["text"].startswith("Subscribed to"), reply["text"]


def forum(fake: FakeTelegram) -> None:
    fake.set_chat(FORUM, type="supergroup", title="Desk", is_forum=True)
    fake.set_member(FORUM, CREATOR, "creator")


def sends_to(fake: FakeTelegram, thread: int | None, text: str) -> list[dict[str, Any]]:
    """Every sendMessage to the forum at ``thread`` (None: General) whose text has ``text``,
    refused ones included."""
    return [
        p
        for p in fake.calls_of("sendMessage")
        if p["chat_id"] == FORUM and p.get("message_thread_id") == thread and text in p["text"]
    ]


def notices(fake: FakeTelegram) -> list[dict[str, Any]]:
    return sends_to(fake, None, "are paused")


async def test_a_deleted_topic_pauses_only_that_topic_and_tells_the_chat_once(
    running: Harness,
) -> None:
    fake = running.fake
    forum(fake)
    gone, kept = fake.create_topic(FORUM, "Kremlin"), fake.create_topic(FORUM, "Desk news")
    await subscribe_in(running, gone)
    await subscribe_in(running, kept)
    await subscribe_in(running, gone, "kremlin-en")
    fake.delete_topic(FORUM, gone)
    running.publish((2, "Putin speaks"))
    await until(lambda: len(notices(fake)) == 1, 10, "the notice in General")
    (notice,) = notices(fake)
    assert f"Alerts to topic {gone} of this chat are paused" in notice["text"]
    assert "message thread not found" in notice["text"].lower()
    assert f"is kept (topic {gone}: Vladimir Putin, kremlin-en)" in notice["text"]
    await until(lambda: any("Putin speaks" in s["text"] for s in fake.sent), 10, "alert")
    assert [s.get("message_thread_id") for s in fake.sent if "Putin speaks" in s["text"]] == [kept]

    running.publish((3, "Putin speaks again"), (2, "Putin speaks"))
    await until(lambda: any("again" in s["text"] for s in fake.sent), 10, "the next alert")
    await running.polls(len(running.site.hits("/feed")) + 2)
    assert len(sends_to(fake, gone, "Putin speaks")) == 1  # tried once, never again
    assert len(notices(fake)) == 1  # told once
    with Store(running.db) as store:
        assert store.subscriptions.topic_paused(Target(FORUM, gone))
        assert not store.subscriptions.topic_paused(Target(FORUM, kept))
        assert store.subscriptions.chat_status(FORUM) == "active"
        assert [s.target for s in store.subscriptions.of(Target(FORUM, gone))] == [
            "putin",
            "kremlin-en",
        ]  # kept, for when it comes back
        assert sorted(status for _, status, _ in store.outbox.to_chat(FORUM)) == [
            "sent",
            "sent",
            "skipped",
        ]


async def test_topics_gone_together_are_announced_in_one_message(running: Harness) -> None:
    fake = running.fake
    forum(fake)
    first, second = fake.create_topic(FORUM, "One"), fake.create_topic(FORUM, "Two")
    await subscribe_in(running, first)
    await subscribe_in(running, second, "kremlin-en")
    fake.delete_topic(FORUM, first)
    fake.delete_topic(FORUM, second)
    running.publish((2, "Putin speaks"))
    await until(lambda: len(notices(fake)) == 1, 10, "the notice in General")
    await running.polls(len(running.site.hits("/feed")) + 2)
    (notice,) = notices(fake)
    assert f"Alerts to topics {first}, {second} of this chat are paused" in notice["text"]
    assert f"(topic {first}: Vladimir Putin; topic {second}: kremlin-en)" in notice["text"]


async def test_a_paused_topic_resumes_when_someone_talks_there(running: Harness) -> None:
    fake = running.fake
    forum(fake)
    topic = fake.create_topic(FORUM, "Kremlin")
    await subscribe_in(running, topic)
    fake.fail_next("sendMessage", 400, THREAD_NOT_FOUND)  # as Telegram said it, once
    running.publish((2, "Putin speaks"))
    await until(lambda: len(notices(fake)) == 1, 10, "the notice in General")
    with Store(running.db) as store:
        assert store.subscriptions.topic_paused(Target(FORUM, topic))
    await running.command(
        "/subscriptions", chat_id=FORUM, user_id=CREATOR, chat_type="supergroup", thread_id=topic
    )
    with Store(running.db) as store:
        assert not store.subscriptions.topic_paused(Target(FORUM, topic))
    running.publish((3, "Putin speaks again"), (2, "Putin speaks"))
    await until(
        lambda: any(s.get("message_thread_id") == topic for s in fake.sent if "again" in s["text"]),
        10,
        "the alert in the resumed topic",
    )


async def test_a_notice_telegram_could_not_take_is_sent_later(running: Harness) -> None:
    fake = running.fake
    forum(fake)
    topic = fake.create_topic(FORUM, "Kremlin")
    await subscribe_in(running, topic)
    general = await running.command(
        "/subscribe putin", chat_id=FORUM, user_id=CREATOR, chat_type="supergroup"
    )
    assert general["text"].startswith("Subscribed")
    fake.delete_topic(FORUM, topic)
    general = {"chat_id": FORUM, "message_thread_id": None}
    fake.fail_next("sendMessage", 502, "Bad Gateway", times=2, where=general)
    running.publish((2, "Putin speaks"))  # to the topic (refused) and to General (a 502)
    await until(lambda: len(notices(fake)) == 1, 10, "the notice tried")
    assert not any("are paused" in s["text"] for s in fake.sent)  # the 502 took it
    running.publish((3, "Putin speaks again"), (2, "Putin speaks"))
    await until(lambda: any("are paused" in s["text"] for s in fake.sent), 30, "the notice")
    assert len([s for s in fake.sent if "are paused" in s["text"]]) == 1
    assert len(sends_to(fake, topic, "Putin speaks")) == 1


async def test_admins_are_told_when_the_chat_cannot_be(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    admin = 5
    async with serving(fake_telegram, site, tmp_path, f"admins = [{admin}]\n") as running:
        forum(fake_telegram)
        topic = fake_telegram.create_topic(FORUM, "Kremlin")
        await subscribe_in(running, topic)
        fake_telegram.delete_topic(FORUM, topic)
        fake_telegram.fail_next(
            "sendMessage",
            400,
            "Bad Request: not enough rights to send text messages to the chat",
            where={"chat_id": FORUM, "message_thread_id": None},  # General refuses
        )
        running.publish((2, "Putin speaks"))
        await until(lambda: any(s["chat_id"] == admin for s in fake_telegram.sent), 10, "admin")
        (told,) = [s for s in fake_telegram.sent if s["chat_id"] == admin]
        assert f"Alerts to topic {topic} of “Desk” ({FORUM}) are paused" in told["text"]
        assert "could not be told: Not enough rights" in told["text"]


def test_paused_topics_are_not_routed_and_survive_a_reopen(tmp_path: Path) -> None:
    topic, general = Target(-100, 7), Target(-100)
    with Store(tmp_path / "r.db") as store:
        subs = store.subscriptions
        subs.ensure_chat(-100, "supergroup", "Desk")
        subs.add(topic, "leader", "putin")
        subs.add(general, "leader", "putin")
        assert subs.pause_topic(topic, "Message thread not found")
        assert not subs.pause_topic(topic, "again")  # once: the caller announces on True
        assert [s.destination for s in subs.active()] == [general]
    with Store(tmp_path / "r.db") as store:
        subs = store.subscriptions
        assert subs.topic_paused(topic)
        assert subs.unannounced_topics() == [(topic, "Message thread not found")]
        subs.topic_announced(topic)
        assert subs.unannounced_topics() == []
        assert subs.resume_topic(topic) and not subs.resume_topic(topic)
        assert {s.destination for s in subs.active()} == {general, topic}


async def test_a_watchlist_over_100_leaders_still_gets_a_keyboard(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    many = "".join(f'[[leaders]]\nid = "x{n:02}"\nname = "X{n:02}"\n' for n in range(70))
    async with serving(fake_telegram, site, tmp_path, many) as running:
        await running.command("/subscribe x69")
        listing = await running.command("/leaders")  # 103 leaders: Telegram takes 100 buttons
        labels = [b["text"] for b in buttons(listing)]
        assert len(labels) == 100 and labels[0] == "✓ X69"
        assert "/subscribe <i>id</i> follows any other" in listing["text"]
        answer = await press(running, listing, "X69")
        assert answer["text"] == "Unsubscribed from X69"
        assert followed(running) == []


# ------------------------------------------------------------------- the button rules


def test_toggle_data_fits_64_bytes_and_resolves_to_its_leader() -> None:
    leaders = [Leader("putin", "Vladimir Putin"), Leader(LONG_ID, "Long"), Leader("x" * 50, "X")]
    data = [toggle_data(leader.id) for leader in leaders]
    assert data[0] == "toggle:leader:putin"  # readable while it fits
    assert all(len(d.encode()) <= CALLBACK_DATA_BYTES for d in data)
    assert toggle_data(LONG_ID) == data[1]  # stable: the same every time and every restart
    assert [pressed_leader(d, leaders) for d in data] == leaders
    assert pressed_leader(data[1], leaders[:1]) is None  # no longer watched
    assert pressed_leader("toggle:leader:gone", leaders) is None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Subscribed to Vladimir Putin", "Subscribed to Vladimir Putin"),
        ("Subscribed to " + "y" * 186, "Subscribed to " + "y" * 186),  # exactly 200
        ("Subscribed to " + "y" * 187, "Subscribed to " + "y" * 185 + "…"),
        ("😀" * 150, "😀" * 99 + "…"),  # emoji are 2 UTF-16 code units each
    ],
)
def test_answers_are_cut_to_200(text: str, shown: str) -> None:
    assert answer_text(text) == shown
    assert len(shown.encode("utf-16-le")) // 2 <= 200


def test_keyboard_leaders_keep_the_followed_when_cut() -> None:
    leaders = [Leader(f"l{n}", f"L{n}") for n in range(150)]
    assert keyboard_leaders(leaders[:100], ["l3"]) == leaders[:100]
    chosen = keyboard_leaders(leaders, ["l120", "l7"])
    assert len(chosen) == 100
    assert [leader.id for leader in chosen[:3]] == ["l7", "l120", "l0"]


async def test_a_javascript_link_in_a_feed_never_becomes_a_link(running: Harness) -> None:
    await running.command("/subscribe kremlin-en")
    hostile = atom((2, "Putin and the script")).replace(
        'href="http://en.kremlin.ru/events/president/news/2"', 'href="javascript:alert(1)"'
    )
    running.site.add("/feed", hostile.replace("<id>http://en.kremlin.ru/", "<id>urn:x:"))
    await until(lambda: any("the script" in s["text"] for s in running.fake.sent), 10, "alert")
    (alert,) = [s for s in running.fake.sent if "the script" in s["text"]]
    assert "javascript" not in alert["text"].lower()
    stored = running.fake.messages[USER, alert["message_id"]]
    assert all(e["type"] != "text_link" for e in stored.get("entities", []))
