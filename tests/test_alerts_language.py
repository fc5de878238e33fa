"""What Readout sends on its own speaks the receiving chat's language and zone, and says why
the chat got it: alerts, admin replies and admin notices, end to end through the service,
PTB, the fake Bot API and the store file.

The fake Bot API's users carry no Telegram language, so each chat's language and zone are
chosen in the store, as /language and /timezone would."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest_asyncio

from bot.alerts import MAX_MESSAGE, WHY_ROOM, reasons, render_alert, why_lines
from bot.bursts import render_notice, render_summary
from bot.i18n import texts
from bot.reader import Reader
from bot.threads import heading
from scrapers.model import Item, Published
from store.store import StoredItem
from store.stories import Thread
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_telegram import Harness, serving, until

USER, OTHER, ADMIN = 42, 43, 1000
# tests.test_poll.atom publishes entry n at 2026-11-2n 12:00 +03:00, 09:00 UTC.


def choose(h: Harness, chat_id: int, **choices: str) -> None:
    """What /language and /timezone store (the chat recorded first, as any command does)."""
    with h.store() as store:
        store.subscriptions.ensure_chat(chat_id, "private")
        assert store.preferences.choose(chat_id, **choices)


def text_of(message: dict[str, object]) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", str(message["text"])))


async def alert_for(h: Harness, chat_id: int, title: str, n: int = 1) -> list[dict[str, object]]:
    """The first ``n`` messages to ``chat_id`` whose text names ``title``."""

    def found() -> list[dict[str, object]]:
        return [m for m in h.fake.sent if m["chat_id"] == chat_id and title in str(m["text"])]

    await until(lambda: len(found()) >= n, 15, f"the alert {title!r} to {chat_id}")
    return found()[:n]


@pytest_asyncio.fixture
async def served(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> AsyncIterator[Harness]:
    async with serving(fake_telegram, site, tmp_path) as harness:
        yield harness


@pytest_asyncio.fixture
async def admin(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> AsyncIterator[Harness]:
    extra = f'admins = [{ADMIN}]\n[scheduler]\ninterval = "1s"\n'
    async with serving(fake_telegram, site, tmp_path, extra) as harness:
        yield harness


async def test_an_alert_to_a_russian_chat_is_in_russian_in_its_zone(served: Harness) -> None:
    await served.command("/subscribe putin")
    choose(served, USER, language="ru", timezone="Asia/Almaty")
    served.publish((2, "Talks with Putin and Tokayev"))
    (alert,) = await alert_for(served, USER, "Talks with")
    lines = text_of(alert).splitlines()
    assert lines[0] == "Kremlin (en) · 22 нояб. 2026, 14:00 Asia/Almaty"
    assert "Лидеры: Vladimir Putin, Kassym-Jomart Tokayev" in lines
    assert lines[-1] == "Вы следите за: Vladimir Putin"
    assert "<i>Лидеры:</i>" in str(alert["text"]) and alert["parse_mode"] == "HTML"


async def test_an_alert_to_a_kazakh_chat_is_in_kazakh(served: Harness) -> None:
    await served.command("/subscribe kremlin-en")
    choose(served, USER, language="kk", timezone="Asia/Almaty")
    served.publish((2, "Statement on Putin's visit"))
    (alert,) = await alert_for(served, USER, "Statement on")
    lines = text_of(alert).splitlines()
    assert lines[0] == "Kremlin (en) · 22 қар. 2026, 14:00 Asia/Almaty"
    assert "Көшбасшылар: Vladimir Putin" in lines
    assert lines[-1] == "Көз: kremlin-en"


async def test_the_chats_language_follows_whoever_last_wrote_in_it(served: Harness) -> None:
    await served.command("/subscribe putin")
    with served.store() as store:
        store.preferences.seen(USER, "ru-RU")  # what seen() keeps of a Russian Telegram
    served.publish((2, "Putin opens the forum"))
    (alert,) = await alert_for(served, USER, "opens the forum")
    assert text_of(alert).splitlines()[0] == "Kremlin (en) · 22 нояб. 2026, 09:00 UTC"


async def test_one_item_fanned_out_reads_in_each_chats_language(served: Harness) -> None:
    await served.command("/subscribe putin")
    await served.command("/keyword grain", chat_id=OTHER)
    choose(served, OTHER, language="ru", timezone="Europe/Moscow")
    served.publish((2, "Putin on grain exports"))
    (english,) = await alert_for(served, USER, "grain exports")
    (russian,) = await alert_for(served, OTHER, "grain exports")
    assert text_of(english).splitlines()[0] == "Kremlin (en) · 22 Nov 2026, 09:00 UTC"
    assert text_of(english).splitlines()[-1] == "You follow Vladimir Putin"
    assert "Leaders: Vladimir Putin" in text_of(english)
    assert text_of(russian).splitlines()[0] == "Kremlin (en) · 22 нояб. 2026, 12:00 Europe/Moscow"
    assert text_of(russian).splitlines()[-1] == "Ключевое слово: grain"


async def test_the_why_line_names_every_subscription_that_matched(served: Harness) -> None:
    await served.command("/subscribe putin")
    await served.command("/subscribe kremlin-en")
    await served.command("/keyword gas")
    await served.command("/keyword Gas supplies", chat_id=OTHER)
    await served.command("/keyword putin", chat_id=OTHER)
    served.publish((2, "Putin on gas supplies"))
    (everything,) = await alert_for(served, USER, "Putin on gas supplies")
    (keywords,) = await alert_for(served, OTHER, "Putin on gas supplies")
    assert text_of(everything).splitlines()[-1] == (
        "You follow Vladimir Putin · Source: kremlin-en · Keyword: gas"
    )
    assert text_of(keywords).splitlines()[-1] == "Keywords: gas supplies, putin"


async def test_a_date_only_item_shows_a_date_in_any_zone(served: Harness) -> None:
    await served.command("/subscribe kremlin-en")
    choose(served, USER, language="ru", timezone="America/Los_Angeles")
    feed = atom((2, "Decree signed")).replace(
        "<published>2026-11-22T12:00:00+03:00</published>", "<published>2026-11-22</published>"
    )
    served.site.add("/feed", feed)
    (alert,) = await alert_for(served, USER, "Decree signed")
    assert text_of(alert).splitlines()[0] == "Kremlin (en) · 22 нояб. 2026"


async def test_the_plain_text_fallback_keeps_the_language_and_the_why_line(
    served: Harness,
) -> None:
    await served.command("/subscribe putin")
    choose(served, USER, language="ru", timezone="Asia/Almaty")
    served.fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities: oops")
    served.publish((2, "Putin and the parser"))
    (plain,) = await alert_for(served, USER, "Putin and the parser")
    assert "parse_mode" not in plain and "<" not in str(plain["text"])
    lines = str(plain["text"]).splitlines()
    assert lines[0] == "Kremlin (en) · 22 нояб. 2026, 14:00 Asia/Almaty"
    assert "Лидеры: Vladimir Putin" in lines and lines[-1] == "Вы следите за: Vladimir Putin"


async def test_status_and_audit_in_a_russian_admin_chat_in_its_zone(admin: Harness) -> None:
    await admin.command("/pause kremlin-en", chat_id=ADMIN, user_id=ADMIN)
    choose(admin, ADMIN, language="ru", timezone="Asia/Almaty")
    resumed = await admin.command("/resume kremlin-en", chat_id=ADMIN, user_id=ADMIN)
    assert text_of(resumed) == "Источник kremlin-en снова включён; опрос продолжается."
    await admin.polls(len(admin.site.hits("/feed")) + 1)
    status = text_of(await admin.command("/status", chat_id=ADMIN, user_id=ADMIN))
    assert "работает" in status and "очередь: ожидают 0" in status
    (line,) = [x for x in status.splitlines() if "kremlin-en" in x]
    assert line.startswith("✅ kremlin-en в порядке · последний опрос ")
    assert "Asia/Almaty" in line and "UTC" not in line
    audit = text_of(await admin.command("/audit", chat_id=ADMIN, user_id=ADMIN))
    lines = audit.splitlines()
    assert lines[0] == "Последние действия администраторов"
    assert re.search(
        r"^✅ \d+ \w+\.? 20\d\d, \d\d:\d\d Asia/Almaty .*/pause kremlin-en", audit, re.M
    )
    usage = text_of(await admin.command("/check", chat_id=ADMIN, user_id=ADMIN))
    assert usage == "Как пользоваться: /check <id>"
    refused = await admin.command("/status", chat_id=USER, user_id=USER)
    assert "for Readout's admins only" in str(refused["text"])  # the stranger's own language


async def test_a_failing_source_is_announced_in_the_admins_language(admin: Harness) -> None:
    choose(admin, ADMIN, language="ru")
    admin.site.add("/feed", "down", status=503)
    await until(lambda: any("сбоит" in str(m["text"]) for m in admin.fake.sent), 30, "notice")
    (notice,) = [m for m in admin.fake.sent if "сбоит" in str(m["text"])]
    assert notice["chat_id"] == ADMIN
    assert text_of(notice).startswith(
        "⚠️ Kremlin (en) (kremlin-en) сбоит: неудачных опросов подряд — 3."
    )
    assert "HTTP 503" in text_of(notice)


def test_the_why_line_fits_however_long_what_matched() -> None:
    """The alert is rendered once for every chat reading its language and zone, with room
    kept for each chat's own line: with the longest line, it still fits."""
    hostile = Item("x", "<T>" * 2000, "http://x.org/", summary="&" * 50_000, leaders=("putin",))
    stored = StoredItem(1, hostile, "S")
    body = render_alert(stored, {}, limit=MAX_MESSAGE - WHY_ROOM, reader=Reader("ru"))
    why = reasons(["<Vladimir & Putin>" * 50], ["kremlin-en"], ["&" * 300], texts("ru"))
    marked, plain = why_lines(why)
    assert len(marked) <= WHY_ROOM and len(plain) <= WHY_ROOM
    assert len(body + marked) <= MAX_MESSAGE
    assert marked.startswith("\n<i>Вы следите за: &lt;Vladimir &amp; Putin&gt;")
    assert marked.endswith("</i>") and "&amp;" in marked


def test_a_date_only_item_is_never_moved_to_another_day() -> None:
    """Midnight in Almaty is the evening before in Los Angeles: a date alone stays the date."""
    almaty_midnight = datetime.fromisoformat("2026-03-21T00:00:00+05:00")
    item = Item("akorda-ru", "Глава государства", None, published=Published(almaty_midnight, True))
    first = render_alert(
        StoredItem(1, item, "Akorda"), {}, reader=Reader("kk", "America/Los_Angeles")
    )
    assert first.splitlines()[0] == "<b>Akorda</b> · 21 нау. 2026"


def test_a_burst_summary_and_its_admin_notice_in_russian() -> None:
    at = datetime.fromisoformat("2026-11-22T12:00:00+03:00")
    newest = [
        StoredItem(i, Item("kremlin-en", f"Item {i}", None, published=Published(at)), "K")
        for i in range(5)
    ]
    reader = Reader("ru", "Asia/Almaty")
    summary = render_summary("Kremlin (en)", 40, 2000, newest, reader=reader)
    assert summary.startswith(
        "<b>Kremlin (en)</b> опубликовал сразу 2,000 новых записей, из них для этого чата — 40. "
        "Вместо оповещения о каждой — 5 самых новых:"
    )
    assert "• 22 нояб. 2026, 14:00 Asia/Almaty · Item 0" in summary
    assert summary.endswith("Все они сохранены: смотрите /recent.")
    notice = render_notice("Kremlin (en)", "kremlin-en", 2000, 3, 20, Reader("kk"))
    assert notice.startswith("Kremlin (en) (kremlin-en) бір сұрауда 2,000 жаңа жазба берді")


def test_a_thread_heading_in_the_chats_language() -> None:
    thread = Thread(story=1, kind="call", office="akorda", earlier=())
    assert heading(thread, "Akorda (en)", "kremlin", texts("ru")) == (
        "Akorda: сообщение о том же телефонном разговоре"
    )
    assert heading(thread, "Akorda (en)", "kremlin", texts("en")) == (
        "Akorda's readout of the same call"
    )
    assert heading(thread, "Akorda (ru)", "akorda", texts("kk")) == "Akorda (ru) нұсқасы"
