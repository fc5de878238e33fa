"""OPML in and out: other readers' exports (Miniflux, NetNewsWire; written by us in their
formats), Readout's own round trip, hostile files, the CLI and the admin commands."""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path

import pytest

from readout.config import build_config
from readout.importer import import_outlines
from readout.operations import Operations
from readout.registry import Registry
from scrapers.fetch import Fetcher
from scrapers.model import Source
from scrapers.opml import MAX_BYTES, MAX_DEPTH, MAX_OUTLINES, OpmlError, parse_opml, render_opml
from store.store import Store
from tests.conftest import run_cli
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_admin import ADMIN, STRANGER, admin, as_admin, feed  # noqa: F401 - fixture
from tests.test_poll import config
from tests.test_telegram import Harness

FIXTURES = Path(__file__).parent / "fixtures" / "opml"


def fixture(name: str, site: str = "http://feeds.test") -> bytes:
    return (FIXTURES / name).read_text(encoding="utf-8").replace("{site}", site).encode()


def reader_export(name: str, site: FixtureSite) -> bytes:
    """A reader's export whose feeds live on the fixture site, each serving two items."""
    body = fixture(name, site.base)
    for url in re.findall(r'xmlUrl="([^"]+)"', body.decode()):
        path = url.removeprefix(site.base)
        site.add(path, feed(f"First of {path}", f"Second of {path}"))
    return body


# ------------------------------------------------------------------ reading other readers


def test_miniflux_export_is_read_through_its_categories() -> None:
    document = parse_opml(fixture("miniflux.opml"))
    assert [(o.title, o.xml_url) for o in document.outlines] == [
        ("Kremlin: news", "http://feeds.test/kremlin/feed"),
        ("Белый дом", "http://feeds.test/wh/feed/"),
        ("UN News & Stories", "http://feeds.test/un/rss.xml"),
    ]
    assert document.outlines[0].html_url == "http://en.kremlin.ru/events/president/news"
    assert all(o.source_id is None for o in document.outlines)


def test_netnewswire_export_keeps_top_level_feeds_and_folders() -> None:
    document = parse_opml(fixture("netnewswire.opml"))
    assert [o.title for o in document.outlines] == [
        "Akorda channel",
        "MFA Russia",
        "UN News & Stories",
    ]
    assert document.ignored == ("Empty folder: no xmlUrl, so not a feed",)


@pytest.mark.parametrize("reader", ["miniflux.opml", "netnewswire.opml"])
async def test_a_readers_export_round_trips_through_readout(
    reader: str, site: FixtureSite, tmp_path: Path
) -> None:
    body = reader_export(reader, site)
    wanted = {(o.title, o.xml_url) for o in parse_opml(body).outlines}
    cfg = build_config(
        {"catalog": {"enabled": False}, "http": {"allow_private_addresses": True}}, {}, "test"
    )
    with Store(tmp_path / "r.db") as store:
        async with Fetcher(cfg.settings.http.policy()) as fetcher:
            ops = Operations(Registry(cfg, store), store, fetcher, 3)
            first = await import_outlines(parse_opml(body), ops.registry.sources(), ops.add_source)
            assert (len(first.added), first.failed) == (len(wanted), [])
            exported = parse_opml(ops.export_opml())
            assert {(o.title, o.xml_url) for o in exported.outlines} == wanted
            assert all(o.kind == "rss" and o.source_id for o in exported.outlines)
            # Importing the same file, or our own export of it, again changes nothing.
            for again in (body, ops.export_opml()):
                report = await import_outlines(
                    parse_opml(again), ops.registry.sources(), ops.add_source
                )
                assert report.added == [] and len(report.skipped) >= len(wanted)
        rows = store.items()
        assert len(rows) == 2 * len(wanted) and all(row["is_baseline"] for row in rows)
        assert store.outbox.counts().get("pending", 0) == 0


def test_readouts_own_export_keeps_ids_and_kinds() -> None:
    sources = [
        Source("kremlin-en", "Kremlin (en)", "http://en.kremlin.ru/events/president/news/feed"),
        Source("akorda-ru", "Akorda & co", "https://www.akorda.kz/ru/events", kind="html"),
        Source("un", "UN", "https://news.un.org/feed", enabled=False),
    ]
    document = parse_opml(render_opml(sources))
    assert [(o.source_id, o.kind, o.url) for o in document.outlines] == [
        ("kremlin-en", "rss", "http://en.kremlin.ru/events/president/news/feed"),
        ("akorda-ru", "html", "https://www.akorda.kz/ru/events"),
        ("un", "rss", "https://news.un.org/feed"),
    ]
    assert document.outlines[1].xml_url is None and document.outlines[1].title == "Akorda & co"


# ------------------------------------------------------------------ hostile files


def outlines(n: int) -> bytes:
    body = "".join(f'<outline text="f{i}" xmlUrl="http://x.org/{i}"/>' for i in range(n))
    return f'<opml version="2.0"><head/><body>{body}</body></opml>'.encode()


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<opml version="2.0"><body><outline text="&lol3;" xmlUrl="http://x.org/f"/></body></opml>'
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b'<opml version="2.0"><body><outline text="&secret;" xmlUrl="http://x.org/f"/></body></opml>'
)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (LAUGHS, "declares XML entities"),
        (EXTERNAL, "declares XML entities"),
        (b"<opml>" + b" " * MAX_BYTES + b"</opml>", f"at most {MAX_BYTES:,}"),
        (outlines(MAX_OUTLINES + 1), f"more than {MAX_OUTLINES:,} outlines"),
        (
            b'<opml version="2.0"><body>'
            + b'<outline text="x">' * (MAX_DEPTH + 1)
            + b"</outline>" * (MAX_DEPTH + 1)
            + b"</body></opml>",
            f"nested more than {MAX_DEPTH} deep",
        ),
        (b"just some text", "not well-formed XML"),
        (b"<html><body><p>hello</p></body></html>", "not OPML (its root is <html>)"),
        (b'<rss version="2.0"><channel/></rss>', "not OPML (its root is <rss>)"),
        (b'<opml version="2.0"><head/></opml>', "has no <body>"),
    ],
    ids=[
        "billion-laughs",
        "external-entity",
        "too-big",
        "too-many",
        "too-deep",
        "not-xml",
        "html",
        "rss",
        "no-body",
    ],
)
def test_hostile_or_foreign_files_are_refused_with_the_reason(body: bytes, reason: str) -> None:
    with pytest.raises(OpmlError, match=re.escape(reason)):
        parse_opml(body)


def test_outlines_missing_attributes_are_skipped_with_the_reason() -> None:
    document = parse_opml(
        b'<opml version="1.0"><body><outline xmlUrl="https://x.org/feed"/>'
        b'<outline text="no url"/><outline text="bad" xmlUrl="javascript:alert(1)"/>'
        b"<outline/></body></opml>"
    )
    assert [(o.title, o.xml_url) for o in document.outlines] == [("", "https://x.org/feed")]
    assert document.ignored == (
        "no url: no xmlUrl, so not a feed",
        "bad: 'javascript:alert(1)' is not an http(s) URL",
        "(an outline without a title): no xmlUrl, so not a feed",
    )


async def test_one_import_adds_at_most_max_added_a_few_at_a_time() -> None:
    from readout.importer import AT_ONCE, MAX_ADDED

    running, peak, added = 0, 0, []

    async def add_source(source_id: str, url: str, name: str | None) -> tuple[str, int]:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0)  # a yield: every task that may run at once gets to start
        running -= 1
        added.append(source_id)
        return url, 1

    document = parse_opml(outlines(MAX_ADDED + 5))
    report = await import_outlines(document, [], add_source)
    assert (len(report.added), report.deferred) == (MAX_ADDED, 5)
    assert len(set(added)) == MAX_ADDED and peak == AT_ONCE
    assert report.lines()[-1].startswith("5 more were not tried")
    assert sum(line.startswith("+ ") for line in report.lines()) <= 41  # the reply is bounded


# ------------------------------------------------------------------ the CLI


def test_cli_exports_then_imports_idempotently(site: FixtureSite, tmp_path: Path) -> None:
    cfg = config(tmp_path, {"kremlin-en": site.url("/feed")})
    site.add("/feed", feed("Kremlin item"))
    exported = run_cli("--config", str(cfg), "sources", "--opml", cwd=tmp_path)
    assert exported.code == 0, exported.err
    assert [o.source_id for o in parse_opml(exported.out.encode()).outlines] == ["kremlin-en"]
    opml = tmp_path / "subscriptions.opml"
    opml.write_bytes(reader_export("netnewswire.opml", site))
    first = run_cli("--config", str(cfg), "sources", "--import", str(opml), cwd=tmp_path)
    assert first.code == 0, first.err
    assert first.out.splitlines()[0] == "Imported 3 of 4 subscriptions: 1 skipped, 0 failed."
    assert "+ akorda-channel: " in first.out
    again = run_cli("--config", str(cfg), "sources", "--import", str(opml), cwd=tmp_path)
    assert again.out.splitlines()[0] == "Imported 0 of 4 subscriptions: 4 skipped, 0 failed."
    listed = run_cli("--config", str(cfg), "sources", "--opml", cwd=tmp_path)
    ids = [o.source_id for o in parse_opml(listed.out.encode()).outlines]
    assert ids == ["kremlin-en", "akorda-channel", "mfa-russia", "un-news-stories"]


def test_cli_import_refuses_private_addresses_by_default(site: FixtureSite, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    cfg = tmp_path / "readout.toml"
    cfg.write_text(f'[catalog]\nenabled = false\n[store]\npath = "{db}"\n')
    opml = tmp_path / "in.opml"
    opml.write_bytes(reader_export("miniflux.opml", site))
    done = run_cli("--config", str(cfg), "sources", "--import", str(opml), cwd=tmp_path)
    assert done.code == 1
    assert done.out.splitlines()[0] == "Imported 0 of 3 subscriptions: 0 skipped, 3 failed."
    assert "private" in done.out and site.requests == []
    with Store(db) as store:
        assert store.admin.added_sources() == [] and store.items() == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [(LAUGHS, "declares XML entities"), (b"<rss/>", "not OPML"), (None, "No such file")],
)
def test_cli_import_of_a_bad_file_exits_2_and_stores_nothing(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    db = tmp_path / "r.db"
    cfg = tmp_path / "readout.toml"
    cfg.write_text(f'[catalog]\nenabled = false\n[store]\npath = "{db}"\n')
    opml = tmp_path / "in.opml"
    if content is not None:
        opml.write_bytes(content)
    done = run_cli("--config", str(cfg), "sources", "--import", str(opml), cwd=tmp_path)
    assert done.code == 2 and reason in done.err and len(done.err.splitlines()) == 1
    assert not db.exists()


# ------------------------------------------------------------------ chat


async def test_export_sends_the_sources_as_an_opml_document(admin: Harness) -> None:  # noqa: F811
    before = len(admin.fake.documents)
    admin.fake.push_text("/export", chat_id=ADMIN, user_id=ADMIN)
    await admin.fake.wait_call("sendDocument")
    (sent,) = admin.fake.documents[before:]
    assert sent["chat_id"] == ADMIN and sent["document"]["filename"] == "readout-sources.opml"
    document = parse_opml(sent["document"]["data"])
    assert [o.source_id for o in document.outlines] == ["kremlin-en"]
    with admin.store() as store:
        (entry,) = store.admin.latest_audit()
        assert (entry.command, entry.ok) == ("export", True)


async def test_import_as_a_reply_to_a_file_adds_its_feeds(admin: Harness) -> None:  # noqa: F811
    fake: FakeTelegram = admin.fake
    upload = fake.push_document(reader_export("miniflux.opml", admin.site), "miniflux.opml", ADMIN)
    reply = await as_admin_reply(admin, "/import", upload)
    assert reply.splitlines()[0] == "Imported 3 of 3 subscriptions: 0 skipped, 0 failed."
    with admin.store() as store:
        assert {s.id for s in store.admin.added_sources()} == {
            "kremlin-news",
            "127-0-0-1",
            "un-news-stories",
        }
    again = await as_admin_reply(admin, "/import", upload)
    assert again.splitlines()[0] == "Imported 0 of 3 subscriptions: 3 skipped, 0 failed."


async def test_import_without_a_file_or_of_a_bad_one_changes_nothing(
    admin: Harness,  # noqa: F811
) -> None:
    assert "reply to it with /import" in await as_admin(admin, "/import")
    upload = admin.fake.push_document(LAUGHS, "lol.opml", ADMIN)
    reply = await as_admin_reply(admin, "/import", upload)
    assert reply == "Not imported: the file declares XML entities or external references; refused."
    upload = admin.fake.push_document(outlines(3), "x.opml", STRANGER)
    stranger = await admin.command("/import", chat_id=STRANGER, user_id=STRANGER, reply_to=upload)
    assert "admins only" in stranger["text"]
    stranger = await admin.command("/export", chat_id=STRANGER, user_id=STRANGER)
    assert "admins only" in stranger["text"] and admin.fake.documents == []
    with admin.store() as store:
        assert store.admin.added_sources() == []


async def as_admin_reply(h: Harness, text: str, to: dict) -> str:
    reply = await h.command(text, chat_id=ADMIN, user_id=ADMIN, reply_to=to)
    return html.unescape(re.sub(r"<[^>]+>", "", str(reply["text"])))


def test_an_import_report_is_worded_in_the_reader_s_language() -> None:
    from bot.i18n import texts
    from bot.reader import Wording
    from readout.importer import ADDED, ID_EXISTS, ImportReport

    report = ImportReport(
        added=[Wording(ADDED, source="tass", feed="https://tass.ru/rss", count=3)],
        skipped=[Wording(ID_EXISTS, source="kremlin-en")],
    )
    english, russian = report.lines(), report.lines(texts("ru"))
    assert english[0] == "Imported 1 of 2 subscriptions: 1 skipped, 0 failed."
    assert russian[0] == "Импортировано 1 из 2: пропущено 1, с ошибкой 0."
    assert russian[1:] == [
        "+ tass: https://tass.ru/rss (материалов в базовой линии: 3)",
        "= kremlin-en: такой id уже есть",
    ]
