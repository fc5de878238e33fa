"""A reader's first session, as a transcript: the real service, PTB and the fake Bot API.

A Russian-speaking user (Telegram ``language_code`` "ru") who never chose a language gets
every reply in Russian, times in the zone they chose, and a pointer to /help for what the
bot does not understand; the same in Kazakh, shorter. /start tells a user their Telegram id
and whether they are an admin.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from telegram import Update
from telegram.ext import CommandHandler

from bot.i18n import texts
from bot.pages import plain_text
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_telegram import USER, Harness, serving

ADMIN = 7001
RU, KK = texts("ru"), texts("kk")
# Three Latin words in a row: an English sentence (or a part of one) left untranslated.
LATIN_RUN = re.compile(r"(?<![\w/.@-])[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")


def feed(*entries: tuple[int, str, str]) -> str:
    """An Atom feed whose entries carry their own times (no placeholder clock)."""
    body = "".join(
        f"""<entry><title>{title}</title><id>http://kremlin.ru/events/president/news/{n}</id>
        <link rel="alternate" type="text/html" href="http://kremlin.ru/events/president/news/{n}"/>
        <published>{published}</published><summary type="html"/>
        <content type="html">&lt;p&gt;{title}.&lt;/p&gt;</content></entry>"""
        for n, title, published in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Новости</title>{body}</feed>"
    )


def english_in(text: str) -> list[str]:
    """Runs of English words in a reply, leaving out what is not a sentence: code spans,
    links, commands, and the names at the start of a listing line (``• Name — id``)."""
    text = re.sub(r"<code>.*?</code>|<a [^>]*>.*?</a>", " ", text, flags=re.S)
    text = re.sub(r"^• [^\n]*? — ", "• ", plain_text(text), flags=re.M)
    text = re.sub(r"/\w+", " ", text)
    return LATIN_RUN.findall(text)


@pytest_asyncio.fixture
async def russian(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> AsyncIterator[Harness]:
    site.add(
        "/feed",
        feed(
            (1, "Путин провёл переговоры о поставках газа", "2026-11-21T09:15:00+00:00"),
            (2, "Телефонный разговор с Токаевым", "2026-11-20T16:40:00+00:00"),
        ),
    )
    fake_telegram.set_language(USER, "ru")
    async with serving(fake_telegram, site, tmp_path, f"admins = [{ADMIN}]\n") as harness:
        yield harness


async def say(h: Harness, text: str, **options: object) -> str:
    """Send ``text`` and return the reply, checked for English left in it."""
    reply = await h.command(text, **options)
    assert not english_in(reply["text"]), (text, reply["text"])
    return str(reply["text"])


async def test_a_russian_speaking_user_s_first_session(russian: Harness) -> None:
    h = russian
    start = await say(h, "/start")
    assert start.startswith("Здравствуйте, User 42! Ваш id в Telegram — <code>42</code>")
    assert "telegram.admins" in start and "администратор этого Readout" not in start
    assert (
        RU("<b>Readout</b> sends official statements by heads of state as they are published.")
        in start
    )
    assert "/subscribe <i>лидер или источник</i> — подписаться" in start

    help_text = await say(h, "/help")
    assert help_text.startswith("<b>Readout</b> присылает официальные сообщения глав государств")
    assert "Длинные списки разбиты на страницы" in help_text and "не более чем за 300" in help_text
    assert "/timezone <i>Регион/Город</i>" in help_text and "/addsource" not in help_text

    leaders = await h.command("/leaders")
    assert leaders["text"].startswith("<b>Отслеживаемые лидеры</b> (нажмите, чтобы подписаться")
    assert not english_in(leaders["text"])

    assert (
        await say(h, "/subscribe путин")
        == "Подписка оформлена: Vladimir Putin (<code>putin</code>)."
    )
    assert await say(h, "/keyword газ") == (
        "Теперь этот чат следит за ключевым словом <code>газ</code>."
    )
    assert (
        await say(h, "/frobnicate") == "У Readout нет команды /frobnicate: список команд — в /help."
    )
    assert await say(h, "привет, что ты умеешь?") == (
        "Readout понимает только команды: их список — в /help."
    )
    zone = await say(h, "/timezone Europe/Moscow")
    assert zone.startswith("Теперь время в этом чате показывается по часовому поясу Europe/Moscow")
    assert zone.endswith("Europe/Moscow.")

    recent = await say(h, "/recent")
    lines = [line for line in recent.splitlines() if line.startswith("•")]
    assert [line.split(" · ")[0] for line in lines] == [
        "• 21 нояб. 2026, 12:15 Europe/Moscow",
        "• 20 нояб. 2026, 19:40 Europe/Moscow",
    ]
    assert await say(h, "/recent путин 9") == (
        "Использование: /recent [лидер] [страница], номер страницы от 1 до 1."
    )
    with h.store() as store:
        chosen = store.preferences.of(USER)
    assert (chosen.language, chosen.seen_language, chosen.timezone) == (None, "ru", "Europe/Moscow")


async def test_a_kazakh_speaking_user_is_answered_in_kazakh(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    fake_telegram.set_language(USER, "kk-KZ")
    async with serving(fake_telegram, site, tmp_path) as h:
        start = await say(h, "/start")
        assert start.startswith("Сәлеметсіз бе, User 42! Сіздің Telegram id-іңіз — <code>42</code>")
        assert await say(h, "/subscribe Токаев") == (
            "Жазылым ресімделді: Kassym-Jomart Tokayev (<code>tokayev</code>)."
        )
        assert await say(h, "/keyword") == KK(
            "Usage: /{command} <i>text</i> ({least}–{most} characters), e.g. /{command} sanctions"
        ).format(command="keyword", least=2, most=100)
        assert (
            await say(h, "сәлем")
            == "Readout тек командаларға жауап береді: олардың тізімі — /help."
        )
        zone = await say(h, "/timezone asia/almaty")
        assert zone.startswith("Енді бұл чатта уақыт Asia/Almaty белдеуі бойынша көрсетіледі")
        calls = await say(h, "/calls")
        assert calls == "Әзірге сақталған әңгіме не кездесу жоқ."


async def test_start_tells_an_admin_they_are_one(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path, f"admins = [{ADMIN}]\n") as h:
        stranger = (await h.command("/start"))["text"]
        assert "Your Telegram id is <code>42</code>" in stranger
        assert "admins" in stranger and "You are one of this Readout's admins" not in stranger
        admin = (await h.command("/start", chat_id=ADMIN, user_id=ADMIN))["text"]
        assert f"Your Telegram id is <code>{ADMIN}</code>" in admin
        assert "You are one of this Readout's admins: /help lists your commands too." in admin


async def later(update: Update, context: object) -> None:
    """A command a module registers after start-up."""
    if update.effective_message is not None:
        await update.effective_message.reply_text("later")


async def test_the_help_pointer_is_for_private_chats_and_unknown_commands_only(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    group = -100777
    async with serving(fake_telegram, site, tmp_path, f"admins = [{ADMIN}]\n") as h:
        application = h.service.application
        assert application is not None
        application.add_handler(CommandHandler("later", later))  # type: ignore[arg-type]
        before = len(fake_telegram.sent)
        in_group = {"chat_id": group, "user_id": USER, "chat_type": "supergroup"}
        fake_telegram.push_text("hello there", **in_group)  # type: ignore[arg-type]
        fake_telegram.push_text("/frobnicate", **in_group)  # type: ignore[arg-type]
        fake_telegram.push_text("/help", **in_group)  # type: ignore[arg-type]
        fake_telegram.push_text("/status", chat_id=ADMIN, user_id=ADMIN)  # an admin command
        for text in [
            "/later",
            "/frobnicate@someone_elses_bot",
            "/HELP",
            "/nope@readout_test_bot x",
        ]:
            fake_telegram.push_text(text)
        sent = (await fake_telegram.wait_sent(before + 5))[before:]
        by_chat: dict[int, list[str]] = {}
        for message in sent:
            by_chat.setdefault(message["chat_id"], []).append(message["text"])
        # One chat's updates are handled in order, so the group's /help came after the rest.
        (group_help,) = by_chat[group]
        assert group_help.startswith("<b>Readout</b>")
        assert len(by_chat[ADMIN]) == 1 and "Readout has no" not in by_chat[ADMIN][0]
        later_reply, user_help, pointer = by_chat[USER]
        assert later_reply == "later" and user_help.startswith("<b>Readout</b>")
        assert pointer == "Readout has no /nope command: /help lists them."
