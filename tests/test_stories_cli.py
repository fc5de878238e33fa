"""Principals, participants and stories as users meet them: config, CLI and chat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readout.config import ConfigError, build_config
from tests.conftest import Run
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import Cli, atom, config, json_lines
from tests.test_telegram import serving

CALLS = [
    (2, "Telephone conversation with President of Kazakhstan Kassym-Jomart Tokayev"),
    (3, "Telephone conversation with President of Azerbaijan Ilham Aliyev"),
    (4, "Telephone conversation with Prime Minister of Armenia Nikol Pashinyan"),
    (5, "Telephone conversation with President of Uzbekistan Shavkat Mirziyoyev"),
    (6, "Telephone conversation with President of Belarus Alexander Lukashenko"),
    (7, "Telephone conversation with President of China Xi Jinping"),
]


def russian(*entries: tuple[int, str]) -> str:
    """The Russian feed numbers its items as the English one does, on its own host."""
    return atom(*entries).replace("en.kremlin.ru", "kremlin.ru")


def test_a_principal_must_be_a_leader() -> None:
    raw = {"sources": [{"id": "mine", "url": "https://example.org/feed", "leader": "nobody"}]}
    with pytest.raises(ConfigError, match=r"sources\[0\]\.leader: 'nobody' is not a leader id"):
        build_config(raw, {}, "test")
    raw["sources"][0]["leader"] = "tokayev"
    assert build_config(raw, {}, "test").source("mine").leader == "tokayev"  # type: ignore[union-attr]


def test_sources_show_the_principal(cli: Cli, tmp_path: Path) -> None:
    listed: Run = cli("sources", "--json")
    rows = {row["id"]: row for row in json_lines(listed.out)}
    assert rows["akorda-kz"]["leader"] == "tokayev"
    assert rows["un-news"]["leader"] is None
    assert "(principal: putin)" in next(
        line for line in cli("sources").out.splitlines() if line.startswith("kremlin-ru")
    )


def test_stories_lists_both_versions_of_one_call(
    site: FixtureSite, cli: Cli, tmp_path: Path
) -> None:
    site.add("/en", atom((9, "Address to the nation")))
    site.add("/ru", russian((9, "Обращение к гражданам")))
    cfg = config(tmp_path, {"kremlin-en": site.url("/en"), "kremlin-ru": site.url("/ru")})
    assert cli("--config", str(cfg), "poll").code == 0
    site.add("/en", atom((2, CALLS[0][1]), (9, "Address to the nation")))
    site.add("/ru", russian((2, "Телефонный разговор с Касым-Жомартом Токаевым"), (9, "Обращение")))
    polled = cli("--config", str(cfg), "poll", "--json")
    new = json_lines(polled.out)
    assert {item["source"] for item in new} == {"kremlin-en", "kremlin-ru"}
    assert new[0]["story"] is not None and new[0]["story"] == new[1]["story"]
    assert new[0]["participants"] == ["putin", "tokayev"]
    (story,) = json_lines(cli("--config", str(cfg), "stories", "--leader", "tokayev", "--json").out)
    assert story["kind"] == "call" and sorted(story["sources"]) == ["kremlin-en", "kremlin-ru"]
    listed = cli("--config", str(cfg), "stories", "--leader", "putin").out
    assert "tokayev" in listed and "sides: kremlin-" in listed
    checked = cli("--config", str(cfg), "check", "kremlin-en", "--url", site.url("/en"), "--json")
    assert json_lines(checked.out)[0]["story"] == story["story"]
    bad = cli("--config", str(cfg), "stories", "--leader", "nobody")
    assert bad.code == 2 and "nobody" in bad.err


async def test_calls_pages_five_at_a_time_with_a_button(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path) as running:
        empty = await running.command("/calls putin")
        assert empty["text"] == "No calls or meetings stored yet."
        start = len(running.site.hits("/feed"))
        running.publish(*CALLS)
        await running.polls(start + 2)
        with running.store() as store:
            assert len(store.stories.latest("putin", 10)) == 6
        first = await running.command("/calls Путин")
        assert first["text"].count("• ") == 5 and "call" in first["text"]
        (button,) = first["reply_markup"]["inline_keyboard"][0]
        before = len(fake_telegram.sent)
        fake_telegram.push_callback(button["callback_data"])
        second = (await fake_telegram.wait_sent(before + 1))[before]
        assert second["text"].count("• ") == 1 and "reply_markup" not in second
        assert "tokayev" in second["text"]
        sources = await running.command("/sources")
        assert "kremlin-en</code> · putin" in sources["text"]


def test_routing_alerts_a_principals_subscribers() -> None:
    from bot.routing import route
    from scrapers.model import Item
    from store.subscriptions import Subscription, Target

    item = Item(
        "akorda-ru",
        "Глава государства провел телефонный разговор",
        None,
        leaders=("putin",),
        participants=("putin", "tokayev"),
        principal="tokayev",
    )
    tokayev = Subscription(1, 0, "leader", "tokayev")
    assert route(item, [tokayev]) == {Target(1, 0)}
    assert json.loads(json.dumps(item.as_json()))["leaders"] == ["putin"]


def test_check_creates_no_store(site: FixtureSite, cli: Cli, tmp_path: Path) -> None:
    site.add("/en", atom((2, CALLS[0][1])))
    cfg = config(tmp_path, {"kremlin-en": site.url("/en")})
    checked = cli("--config", str(cfg), "check", "kremlin-en", "--json")
    assert checked.code == 0, checked.err
    (item,) = json_lines(checked.out)
    assert item["story"] is None and item["participants"] == ["putin", "tokayev"]
    assert not (tmp_path / "readout.db").exists()
