"""One malformed item never costs the others, end to end: the fixture site serves a feed
with a trap in one entry, ``readout run`` polls it, and the fake Bot API must receive the
good item's alert, correctly decoded, with nothing unsafe in any message."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from scrapers.catalog import CATALOG
from scrapers.parsers import parse
from store.store import Store
from tests.conftest import SITES, Run
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import config as poll_config
from tests.test_telegram import serving, until

ADMIN = 1000
GOOD = "Путин провёл совещание"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def entry(n: int, title: bytes) -> bytes:
    url = f"http://en.kremlin.ru/events/president/news/{n}".encode()
    return (
        b"<entry><title>" + title + b"</title><id>" + url + b"</id>"
        b'<link rel="alternate" href="' + url + b'"/>'
        b"<published>2026-11-2"
        + str(n % 10).encode()
        + b"T1"
        + str(n % 10).encode()
        + b":05:00+03:00"
        b"</published></entry>"
    )


def feed(*entries: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>News</title>" + b"".join(entries) + b"</feed>"
    )


BASELINE = entry(1, b"Baseline item about Putin")


@pytest.mark.parametrize(
    ("trap", "shown"),
    [
        pytest.param(b"Putin at the \xff summit", "Putin at the \ufffd summit", id="invalid-byte"),
        pytest.param(b"Putin at the &#xD800; summit", "Putin at the summit", id="surrogate"),
        pytest.param(
            "Putin at the \u202etimmus\u202c summit".encode(),
            "Putin at the timmus summit",
            id="bidi",
        ),
        pytest.param(b"Putin at the \x00 summit", "Putin at the summit", id="nul"),
    ],
)
async def test_trap_costs_only_itself_end_to_end(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path, trap: bytes, shown: str
) -> None:
    site.add("/feed", feed(BASELINE))
    async with serving(fake_telegram, site, tmp_path) as running:
        await running.command("/subscribe putin")
        running.site.add("/feed", feed(entry(3, GOOD.encode()), entry(2, trap), BASELINE))
        sent = await running.fake.wait_sent(3)
        alerts = [html.unescape(re.sub(r"<[^>]+>", "", m["text"])) for m in sent[1:]]
        assert any(GOOD in text for text in alerts), alerts
        assert any(shown in text for text in alerts), alerts
        assert not [text for text in alerts if UNSAFE.search(text)]
        with running.store() as store:
            titles = sorted(row["title"] for row in store.items())
            state = store.fetch_state("kremlin-en")
        assert titles == sorted(["Baseline item about Putin", shown, GOOD])
        assert state.last_error is None and state.last_skipped == 0


async def test_skipped_entry_is_counted_in_status(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    site.add("/feed", feed(BASELINE))
    async with serving(fake_telegram, site, tmp_path, f"admins = [{ADMIN}]\n") as running:
        running.site.add("/feed", feed(entry(3, GOOD.encode()), b"<entry></entry>", BASELINE))
        with running.store() as store:
            await until(
                lambda: store.fetch_state("kremlin-en").last_skipped == 1, 10, "a skipped entry"
            )
            assert GOOD in [r["title"] for r in store.items()]
        reply = await running.command("/status", chat_id=ADMIN, user_id=ADMIN)
        assert "1 skipped (entry 2: no title, text or link)" in html.unescape(reply["text"])


def test_check_prints_why_an_entry_was_skipped(cli: Callable[..., Run], tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(feed(entry(3, GOOD.encode()), b"<entry></entry>", BASELINE))
    run = cli("check", "kremlin-en", "--file", str(path))
    assert run.code == 0
    assert run.err == "kremlin-en: skipped entry 2: no title, text or link\n"
    assert GOOD in run.out and run.out.rstrip().endswith("kremlin-en: 2 items")


def test_bad_bytes_never_reach_the_store(
    site: FixtureSite, cli: Callable[..., Run], tmp_path: Path
) -> None:
    """Every trap at once, polled from a server into a real SQLite file."""
    traps = [b"\xff", b"&#xD800;", "\u202e".encode(), b"\x00", b"&#x1B;", b"&#xDFFF;"]
    body = feed(*(entry(n, b"Item " + t + b" " + GOOD.encode()) for n, t in enumerate(traps)))
    url = site.add("/feed", body)
    config = poll_config(tmp_path, {"kremlin-en": url})
    run = cli("--config", str(config), "poll")
    assert run.code == 0, run.err
    with Store(tmp_path / "readout.db") as store:
        rows = store.items()
    assert len(rows) == len(traps)
    assert all(GOOD in row["title"] and not UNSAFE.search(row["title"]) for row in rows)
    assert all(row["leaders"] == ["putin"] for row in rows)


@pytest.mark.parametrize("language", ["ru", "kz"])
def test_one_invalid_byte_in_a_page_costs_only_itself(language: str) -> None:
    source = next(s for s in CATALOG if s.id == f"akorda-{language}")
    clean_page = (SITES / f"akorda-{language}.html").read_bytes()
    broken = clean_page.replace(b"<body", b"\xff\xfe<body", 1)
    assert broken != clean_page
    expected = [(i.title, i.url) for i in parse(clean_page, source, url=source.url)]
    assert (
        expected and [(i.title, i.url) for i in parse(broken, source, url=source.url)] == expected
    )


def test_unusable_addresses_cost_only_their_own_links(
    site: FixtureSite, cli: Callable[..., Run], tmp_path: Path
) -> None:
    """A port out of range or a broken IPv6 literal used to fail the whole batch when the
    store took the address apart to key the item."""
    entries = [
        b"<entry><title>Bad port</title><id>http://e.org:99999/1</id>"
        b'<link href="http://e.org:99999/1"/></entry>',
        b"<entry><title>Bad literal</title><id>http://[oops/2</id>"
        b'<link href="http://[oops/2"/></entry>',
        entry(3, GOOD.encode()),
    ]
    url = site.add("/feed", feed(*entries))
    config = poll_config(tmp_path, {"kremlin-en": url})
    run = cli("--config", str(config), "poll")
    assert run.code == 0, run.out + run.err
    with Store(tmp_path / "readout.db") as store:
        rows = {row["title"]: row["url"] for row in store.items()}
    assert rows == {
        "Bad port": None,
        "Bad literal": None,
        GOOD: "http://en.kremlin.ru/events/president/news/3",
    }
