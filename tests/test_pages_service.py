"""A page source whose selectors stop matching, end to end: the service, the fake Bot API,
the fixture site and the store; and ``readout check --save/--url`` as a user runs it."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from readout.health import FALLBACK_TEXT, fallback_change
from readout.poll import SourceOutcome
from scrapers.catalog import CATALOG
from scrapers.model import Selectors
from store.store import FetchState, Store
from tests.conftest import SITES, run_cli, write_config
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_admin import ADMIN, as_admin
from tests.test_telegram import Harness, serving, until

EVENTS = "/ru/events"
NEW_STORY = (
    '  <h4 class="headline"><a href="https://www.akorda.kz/ru/'
    'glava-gosudarstva-provel-telefonnyy-razgovor-s-vladimirom-putinym-2896100">'
    "Глава государства провёл телефонный разговор с Владимиром Путиным</a></h4>\n"
    '  <span class="meta">22 марта 2026 года</span>\n'
)


def layout(name: str) -> bytes:
    return (SITES / f"akorda-ru{name}.html").read_bytes()


def with_new_story() -> bytes:
    page = layout("-stream").decode()
    return page.replace('  <div class="more">', NEW_STORY + '  <div class="more">').encode()


def extra(site: FixtureSite) -> str:
    site.add(EVENTS, layout("-table"), content_type="text/html; charset=utf-8")
    return (
        f'admins = [{ADMIN}]\n[scheduler]\ninterval = "1s"\n'
        f'[[sources]]\nid = "akorda-ru"\nurl = "{site.url(EVENTS)}"\ninterval = "1s"\n'
    )


def notices(fake: FakeTelegram, words: str) -> list[str]:
    """Messages saying ``words``, except /status replies (which repeat what is wrong)."""
    texts = [html.unescape(str(m["text"])) for m in fake.sent]
    return [t for t in texts if words in t and not t.startswith("<b>Readout")]


async def polls(h: Harness, more: int) -> None:
    target = len(h.site.hits(EVENTS)) + more
    await until(lambda: len(h.site.hits(EVENTS)) >= target, 20, f"{more} polls of {EVENTS}")


async def test_fallback_is_announced_once_shown_in_status_and_cleared(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    fake = fake_telegram
    async with serving(fake, site, tmp_path, extra(site)) as h:
        await until(lambda: bool(notices(fake, FALLBACK_TEXT)), 20, "the fallback notice")
        (notice,) = notices(fake, FALLBACK_TEXT)
        assert notice == f"⚠️ Akorda (ru) (akorda-ru): {FALLBACK_TEXT}."
        assert fake.sent[0]["chat_id"] == ADMIN
        assert "subscribed" in (await as_admin(h, "/subscribe akorda-ru")).lower()
        # Another layout no selector matches, with a new story: alerted, no second notice.
        site.add(EVENTS, with_new_story(), content_type="text/html; charset=utf-8")
        alert = "провёл телефонный разговор с"
        await until(lambda: bool(notices(fake, alert)), 20, "the new story's alert")
        await polls(h, 3)
        assert len(notices(fake, FALLBACK_TEXT)) == 1
        status = await as_admin(h, "/status")
        (line,) = [x for x in status.splitlines() if "akorda-ru" in x]
        assert FALLBACK_TEXT in line and "since" in line
    with Store(h.db) as store:
        assert store.fetch_state("akorda-ru").fallback_since is not None

    async with serving(fake, site, tmp_path, extra(site)) as h:
        await polls(h, 3)  # a restart neither repeats the notice nor forgets it
        assert len(notices(fake, FALLBACK_TEXT)) == 1
        assert FALLBACK_TEXT in await as_admin(h, "/status")
        # The card layout again, its relative links written as the real site's host.
        cards = layout("").replace(b'href="/ru/', b'href="https://www.akorda.kz/ru/')
        site.add(EVENTS, cards, content_type="text/html; charset=utf-8")
        again = "its selectors match again"
        await until(lambda: bool(notices(fake, again)), 20, "the all-clear")
        await polls(h, 3)
        assert len(notices(fake, again)) == 1
        status = await as_admin(h, "/status")
        assert FALLBACK_TEXT not in status
        assert re.search(r"✅ akorda-ru ok", status)
    assert len(notices(fake, FALLBACK_TEXT)) == 1


def check_config(tmp_path: Path, site: FixtureSite, http: str = "") -> Path:
    return write_config(
        tmp_path / "readout.toml",
        f"[http]\nallow_private_addresses = true\n{http}[catalog]\nenabled = false\n"
        f'[[sources]]\nid = "akorda-ru"\nurl = "{site.url("/nowhere")}"\n'
        f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/nowhere")}"\n',
    )


def test_check_save_writes_the_response_beside_what_was_parsed(
    site: FixtureSite, tmp_path: Path
) -> None:
    page = layout("-stream")
    url = site.add(
        EVENTS,
        page,
        content_type="text/html; charset=utf-8",
        headers={"Set-Cookie": "session=secret", "X-Served-By": "node2"},
    )
    folder = tmp_path / "report"
    run = run_cli(
        "--config",
        str(check_config(tmp_path, site)),
        "check",
        "akorda-ru",
        "--url",
        url,
        "--save",
        str(folder),
        cwd=tmp_path,
    )
    assert run.code == 0, run.err
    assert f"akorda-ru: {FALLBACK_TEXT}" in run.err
    assert (folder / "body.html").read_bytes() == page
    meta = json.loads((folder / "response.json").read_text())
    assert (meta["status"], meta["url"], meta["body_bytes"]) == (200, url, len(page))
    headers = dict(meta["headers"])
    assert headers["X-Served-By"] == "node2" and headers["Set-Cookie"] == "(withheld)"
    parsed = json.loads((folder / "parsed.json").read_text())
    assert (parsed["fallback"], parsed["error"], parsed["skipped"]) == (True, None, [])
    assert [item["url"].rsplit("-", 1)[1] for item in parsed["items"]] == [
        "2895622",
        "2895590",
        "31115115",
    ]
    assert all(item["published"].startswith("2026-03-") for item in parsed["items"])


def test_check_save_keeps_the_block_page_of_a_refusal(site: FixtureSite, tmp_path: Path) -> None:
    url = site.add(
        "/blocked", "<html><body>Access Denied</body></html>", status=403, content_type="text/html"
    )
    folder = tmp_path / "report"
    config = str(check_config(tmp_path, site))
    run = run_cli(
        "--config", config, "check", "akorda-ru", "--url", url, "--save", str(folder), cwd=tmp_path
    )
    assert run.code == 1
    assert "akorda-ru: HTTP 403 Forbidden" in run.err
    assert b"Access Denied" in (folder / "body.html").read_bytes()
    assert json.loads((folder / "response.json").read_text())["status"] == 403
    parsed = json.loads((folder / "parsed.json").read_text())
    assert (parsed["error"], parsed["items"]) == ("HTTP 403 Forbidden", [])


def test_check_url_reads_a_feed_source_too(site: FixtureSite, tmp_path: Path) -> None:
    feed = (SITES / "kremlin-en.atom").read_bytes()
    url = site.add("/mirror/feed", feed, content_type="application/atom+xml")
    folder = tmp_path / "feed-report"
    config = str(check_config(tmp_path, site))
    run = run_cli(
        "--config",
        config,
        "check",
        "kremlin-en",
        "--url",
        url,
        "--json",
        "--save",
        str(folder),
        cwd=tmp_path,
    )
    assert run.code == 0, run.err
    printed = [json.loads(line) for line in run.out.splitlines()]
    assert len(printed) == 3 and all(item["source"] == "kremlin-en" for item in printed)
    assert (folder / "body.xml").read_bytes() == feed
    assert json.loads((folder / "parsed.json").read_text())["items"] == printed


def test_check_file_with_url_resolves_links_against_that_url(
    site: FixtureSite, tmp_path: Path
) -> None:
    saved = tmp_path / "page.html"
    saved.write_bytes(layout("-2026"))
    config = str(check_config(tmp_path, site))
    run = run_cli(
        "--config",
        config,
        "check",
        "akorda-ru",
        "--file",
        str(saved),
        "--url",
        "https://mirror.akorda.kz/ru/events",
        "--json",
        cwd=tmp_path,
    )
    assert run.code == 0, run.err
    urls = [json.loads(line)["url"] for line in run.out.splitlines()]
    assert len(urls) == 3 and all(u.startswith("https://mirror.akorda.kz/ru/") for u in urls)


AKORDA = next(source for source in CATALOG if source.id == "akorda-ru")
NOW = "2026-12-01T10:00:00+00:00"


@pytest.mark.parametrize(
    ("since", "outcome", "said"),
    [
        (None, SourceOutcome(AKORDA, parsed=3, fallback=True), FALLBACK_TEXT),
        (NOW, SourceOutcome(AKORDA, parsed=3, fallback=True), None),
        (NOW, SourceOutcome(AKORDA, parsed=3), "its selectors match again"),
        (NOW, SourceOutcome(AKORDA, unchanged=True), None),
        (NOW, SourceOutcome(AKORDA, error="HTTP 503"), None),
        (NOW, SourceOutcome(AKORDA, parsed=0), None),  # an empty page proves nothing
        (None, SourceOutcome(AKORDA, error="HTTP 503"), None),
    ],
)
def test_fallback_notices_follow_the_selectors_only(
    since: str | None, outcome: SourceOutcome, said: str | None
) -> None:
    change = fallback_change(FetchState("akorda-ru", fallback_since=since), outcome, NOW)
    if said is None:
        assert change is None
    else:
        assert change is not None and said in change.text
        assert change.since == (NOW if outcome.fallback else None)


def test_a_source_configured_to_be_read_by_pattern_is_cleared_silently() -> None:
    pattern_only = replace(AKORDA, selectors=Selectors(link_pattern=r"/ru/"))
    before = FetchState("akorda-ru", fallback_since=NOW)
    change = fallback_change(before, SourceOutcome(pattern_only, parsed=3), NOW)
    assert change is not None and (change.since, change.text) == (None, "")


def test_check_save_of_a_timeout_keeps_only_the_error(site: FixtureSite, tmp_path: Path) -> None:
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "body.html").write_text("an earlier capture")
    (folder / "response.json").write_text("{}")
    url = site.add("/slow", "late", delay=5, content_type="text/html")
    config = check_config(tmp_path, site, http='timeout = "1s"\n')
    run = run_cli(
        "--config",
        str(config),
        "check",
        "akorda-ru",
        "--url",
        url,
        "--save",
        str(folder),
        cwd=tmp_path,
    )
    site.released.set()
    assert run.code == 1 and "timed out after 1s" in run.err
    assert sorted(p.name for p in folder.iterdir()) == ["parsed.json"]
    parsed = json.loads((folder / "parsed.json").read_text())
    assert parsed["error"] == "timed out after 1s" and parsed["items"] == []
