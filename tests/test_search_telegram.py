"""/search and inflected /keyword end to end: the real service, the fake Bot API and the
fixture site."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest_asyncio

from scrapers.model import Item, Published
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_telegram import USER, Harness, serving

MSK = timezone(timedelta(hours=3))


@pytest_asyncio.fixture
async def running(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> AsyncIterator[Harness]:
    async with serving(fake_telegram, site, tmp_path) as harness:
        yield harness


def item(n: int, title: str) -> Item:
    return Item(
        source="kremlin-en",
        title=title,
        url=f"http://kremlin.example/news/{n}",
        guid=f"http://kremlin.example/news/{n}",
        published=Published(datetime(2026, 11, 1, 9, n, tzinfo=MSK)),
        summary="",
        text=f"{title}. Обсуждены поставки газа." if n % 2 else title,
    )


def stored(harness: Harness, *items: Item) -> None:
    with harness.store() as store:
        store.save_items("kremlin-en", list(items))


def buttons(message: dict) -> list[dict]:
    markup = message.get("reply_markup") or {"inline_keyboard": []}
    return [b for row in markup["inline_keyboard"] for b in row]


async def test_search_without_words_says_how(running: Harness) -> None:
    reply = await running.command("/search")
    assert reply["text"] == "Usage: /search <i>words</i>, for example /search gas supplies"


async def test_search_finds_inflected_forms_five_at_a_time(running: Harness) -> None:
    stored(running, *(item(n, f"Переговоры с Токаевым, часть {n}") for n in range(1, 8)))
    first = await running.command("/search Токаеву")
    lines = first["text"].splitlines()
    assert lines[0] == "Found for “Токаеву”, newest first:"
    assert len([line for line in lines if line.startswith("• ")]) == 5
    assert '<a href="http://kremlin.example/news/7">Переговоры с Токаевым, часть 7</a>' in lines[2]
    assert lines[1] == "• 1 Nov 2026, 06:07 UTC · Kremlin (en)"
    assert first["link_preview_options"] == {"is_disabled": True}
    (more,) = buttons(first)
    assert more["text"] == "More" and len(more["callback_data"].encode()) <= 64
    before = len(running.fake.sent)
    running.fake.push_callback(more["callback_data"], message_id=first["message_id"])
    second = (await running.fake.wait_sent(before + 1))[before]
    assert "часть 2" in second["text"] and "часть 1" in second["text"]
    assert "часть 3" not in second["text"] and buttons(second) == []


async def test_search_text_with_fts_syntax_is_plain_words(running: Harness) -> None:
    stored(running, item(1, "Переговоры с Токаевым"))
    for query in ('"Токаев*', "Токаев) OR (", "NEAR(Токаев", "Токаев " + "ж(" * 2000):
        reply = await running.command(f"/search {query}")
        assert reply["text"].startswith(("Found for", "Nothing stored matches")), reply["text"]
    reply = await running.command('/search "Токаев*')
    assert "Переговоры с Токаевым" in reply["text"]


async def test_nothing_found_and_stale_buttons_say_so(running: Harness) -> None:
    stored(running, *(item(n, f"Визит в Астану {n}") for n in range(1, 8)))
    reply = await running.command("/search газета")
    assert reply["text"] == "Nothing stored matches “газета”."
    first = await running.command("/search визит")
    (more,) = buttons(first)
    for n in range(10):  # ten newer searches: the first one's query is no longer kept
        await running.command(f"/search поиск{n}")
    before = len(running.fake.sent)
    running.fake.push_callback(more["callback_data"], message_id=first["message_id"])
    stale = (await running.fake.wait_sent(before + 1))[before]
    assert stale["text"] == "That button is out of date: send /search again."


async def test_search_speaks_the_chat_s_language_and_zone(running: Harness) -> None:
    await running.command("/search газ")
    with running.store() as store:
        assert store.preferences.choose(USER, language="ru", timezone="Asia/Almaty")
    stored(running, item(1, "Поставки газа в Китай"))
    reply = await running.command("/search газом")
    assert reply["text"].splitlines()[0] == "Найдено по запросу «газом», сначала новые:"
    assert "11:01 Asia/Almaty · Kremlin (en)" in reply["text"]
    assert (await running.command("/search"))["text"].startswith("Использование: /search")


async def test_keyword_alerts_inflected_forms(running: Harness) -> None:
    await running.command("/keyword газ")
    await running.command("/keyword санкции")
    before = len(running.fake.sent)
    running.publish(
        (2, "Обсуждены поставки газа"),
        (3, "Интервью газете"),
        (4, "Об отмене санкций"),
        (1, "Baseline item about Putin"),
    )
    alerts = await running.fake.wait_sent(before + 2)
    texts = [m["text"] for m in alerts[before:]]
    assert any("поставки газа" in t for t in texts) and any("санкций" in t for t in texts)
    await running.polls(len(running.site.hits("/feed")) + 2)
    assert not any("Интервью газете" in m["text"] for m in running.fake.sent)
