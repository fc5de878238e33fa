"""/language and /timezone end to end (the service, PTB, the fake Bot API), and the times
/calls shows, in a chat's zone and language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.calls import story_html
from bot.i18n import texts
from store.stories import Side, Story
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_first_hour import english_in
from tests.test_telegram import USER, Harness, serving

GROUP = -100900
MEMBER, OWNER = 71, 72


@pytest_asyncio.fixture
async def bot(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> AsyncIterator[Harness]:
    async with serving(fake_telegram, site, tmp_path) as harness:
        yield harness


def chosen(h: Harness, chat_id: int = USER) -> tuple[str | None, str]:
    with h.store() as store:
        found = store.preferences.of(chat_id)
    return found.language, found.timezone


async def test_language_overrides_the_telegram_language(bot: Harness) -> None:
    bot.fake.set_language(USER, "ru")
    assert (await bot.command("/help"))["text"].startswith("<b>Readout</b> присылает")
    english = await bot.command("/language en")
    assert english["text"] == "Readout now speaks English in this chat."
    assert (await bot.command("/help"))["text"].startswith("<b>Readout</b> sends")
    assert chosen(bot) == ("en", "UTC")
    (menu,) = [c for c in bot.fake.calls_of("setMyCommands") if c.get("scope", {}).get("chat_id")]
    assert menu["scope"] == {"type": "chat", "chat_id": USER}
    assert {"command": "help", "description": "How Readout works"} in menu["commands"]
    kazakh = await bot.command("/language Қазақша")
    assert kazakh["text"] == "Енді бұл чаттағы Readout тілі: Қазақша."
    assert chosen(bot) == ("kk", "UTC")


async def test_language_without_argument_offers_buttons(bot: Harness) -> None:
    shown = await bot.command("/language")
    assert shown["text"].startswith("Readout speaks English in this chat.")
    buttons = [b for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["✓ English", "Русский", "Қазақша"]
    before = len(bot.fake.edited)
    bot.fake.push_callback("language:ru", message_id=shown["message_id"])
    (answer,) = await bot.fake.wait_call("answerCallbackQuery")
    assert answer["text"] == "Теперь язык Readout в этом чате: Русский."
    edited = bot.fake.edited[before]
    assert edited["text"].startswith("Язык Readout в этом чате: Русский.")
    assert chosen(bot) == ("ru", "UTC")
    assert not english_in(edited["text"])


@pytest.mark.parametrize(
    "given", ["de", "ru kk", "english please", "x" * 4000, "<b>ru</b>", "ru-RU"]
)
async def test_a_bad_language_gets_the_usage_line_and_changes_nothing(
    bot: Harness, given: str
) -> None:
    bot.fake.set_language(USER, "ru")
    await bot.command("/language kk")
    reply = await bot.command(f"/language {given}")
    assert reply["text"] == "Қолданылуы: /language en|ru|kk, мысалы /language kk"
    assert chosen(bot) == ("kk", "UTC")


@pytest.mark.parametrize(
    "given",
    [
        "+05:00",
        "UTC+5",
        "Mars/Olympus",
        "../../etc/passwd",
        "Asia/Almaty extra",
        "Asia",
        "x" * 4000,
    ],
)
async def test_a_bad_timezone_gets_the_usage_line_and_changes_nothing(
    bot: Harness, given: str
) -> None:
    await bot.command("/timezone Asia/Almaty")
    reply = await bot.command(f"/timezone {given}")
    assert reply["text"] == (
        "Usage: /timezone Area/City (an IANA zone such as Asia/Almaty) or /timezone UTC"
    )
    assert chosen(bot) == (None, "Asia/Almaty")


async def test_timezone_shows_the_zone_and_accepts_utc(bot: Harness) -> None:
    shown = await bot.command("/timezone")
    assert shown["text"].startswith("Times in this chat are shown in UTC (it is ")
    assert " UTC). Choose another: /timezone Area/City" in shown["text"]
    await bot.command("/timezone europe/kyiv")
    assert chosen(bot) == (None, "Europe/Kyiv")
    assert "shown in Europe/Kyiv (it is" in (await bot.command("/timezone"))["text"]
    back = await bot.command("/timezone utc")
    assert back["text"].startswith("Times in this chat are now shown in UTC: it is ")
    assert chosen(bot) == (None, "UTC")


async def test_in_a_group_only_administrators_change_settings(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    fake_telegram.set_member(GROUP, MEMBER, "member")
    fake_telegram.set_member(GROUP, OWNER, "creator")
    fake_telegram.set_language(MEMBER, "ru")
    async with serving(fake_telegram, site, tmp_path) as h:
        member = {"chat_id": GROUP, "user_id": MEMBER, "chat_type": "supergroup"}
        refused = "Настройки этой группы могут менять только её администраторы. Ничего не изменено."
        assert (await h.command("/language kk", **member))["text"] == refused
        assert (await h.command("/timezone Asia/Almaty", **member))["text"] == refused
        assert chosen(h, GROUP) == (None, "UTC")
        shown = await h.command("/language", **member)  # anyone may look
        edits = len(fake_telegram.edited)
        fake_telegram.push_callback(
            "language:kk", chat_id=GROUP, user_id=MEMBER, message_id=shown["message_id"]
        )
        (answer,) = await fake_telegram.wait_call("answerCallbackQuery")
        assert answer["text"] == refused
        assert len(fake_telegram.edited) == edits and chosen(h, GROUP) == (None, "UTC")
        owner = {"chat_id": GROUP, "user_id": OWNER, "chat_type": "supergroup"}
        assert (await h.command("/timezone Asia/Almaty", **owner))["text"].startswith(
            "Times in this chat are now shown in Asia/Almaty"
        )
        assert (await h.command("/language kk", **owner))["text"].startswith("Енді")
        assert chosen(h, GROUP) == ("kk", "Asia/Almaty")
        # The group's choice now speaks to every member, whatever their Telegram says.
        assert (await h.command("/help", **member))["text"].startswith("<b>Readout</b> мемлекет")


def _story(*published: str | None) -> Story:
    sides = tuple(
        Side(n, f"src-{n}", f"Source {n}", "T", None, when) for n, when in enumerate(published)
    )
    return Story(7, "call", ("putin", "tokayev"), "tokayev", sides)


def test_calls_show_times_in_the_chat_s_zone_and_days_as_days() -> None:
    timed = story_html(_story("2026-11-21T21:30:00+00:00"), "putin", texts("ru"), "Asia/Almaty")
    assert timed.startswith("• 22 нояб. 2026, 02:30 Asia/Almaty · разговор · tokayev")
    assert "по инициативе: tokayev" in timed
    day = story_html(_story("2026-11-21"), "putin", texts("kk"), "America/New_York")
    assert day.startswith("• 21 қар. 2026 · әңгіме · tokayev · бастамашы: tokayev")
    undated = story_html(_story(None), None, texts("en"), None)
    assert undated.startswith("• undated · call · putin, tokayev · initiated by tokayev")


def test_the_english_check_finds_english() -> None:
    assert english_in("Subscribed to Vladimir Putin (<code>putin</code>).")
    assert not english_in("Подписка оформлена: Vladimir Putin (<code>putin</code>).")
