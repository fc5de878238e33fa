"""``readout poll`` and ``readout check`` end to end: local server, real SQLite file."""

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from store.store import Store
from tests.conftest import Run
from tests.sitestub import FixtureSite


def atom(*entries: tuple[int, str]) -> str:
    body = "".join(
        f"""<entry><title>{title}</title><id>http://en.kremlin.ru/events/president/news/{n}</id>
        <link rel="alternate" type="text/html" href="http://en.kremlin.ru/events/president/news/{n}"/>
        <published>2026-11-2{n % 10}T12:00:00+03:00</published><summary type="html"/>
        <content type="html">&lt;p&gt;{title}.&lt;/p&gt;</content></entry>"""
        for n, title in entries
    )
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>{body}</feed>'


def config(tmp_path: Path, sources: dict[str, str], extra: str = "", timeout: str = "1s") -> Path:
    lines = [
        "[catalog]\nenabled = false\n",
        f'[http]\nallow_private_addresses = true\ntimeout = "{timeout}"\n',
        f'[store]\npath = "{tmp_path / "readout.db"}"\n',
        extra,
    ]
    for source_id, url in sources.items():
        lines.append(f'[[sources]]\nid = "{source_id}"\nurl = "{url}"\n')
    path = tmp_path / "readout.toml"
    path.write_text("\n".join(lines))
    return path


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


Cli = Callable[..., Run]


def test_first_poll_is_baseline_then_only_new_items_print(
    site: FixtureSite, cli: Cli, tmp_path: Path
) -> None:
    url = site.add("/feed", atom((1, "Meeting with Tokayev"), (2, "Address")), etag='"v1"')
    cfg = config(tmp_path, {"kremlin-en": url})
    first = cli("--config", str(cfg), "poll", "--json")
    assert first.code == 0, first.err
    assert [i["title"] for i in json_lines(first.out)] == ["Meeting with Tokayev", "Address"]
    assert json_lines(first.out)[0] == {
        "source": "kremlin-en",
        "title": "Meeting with Tokayev",
        "url": "http://en.kremlin.ru/events/president/news/1",
        "published": "2026-11-21T12:00:00+03:00",
        "summary": "Meeting with Tokayev.",
        "leaders": ["tokayev"],
        "tags": ["meeting"],
        "participants": ["putin", "tokayev"],
        "story": 1,
    }
    assert "2 new (2 baseline)" in first.err

    unchanged = cli("--config", str(cfg), "poll", "--json")
    assert unchanged.out == "" and "0 new, 0 updated" in unchanged.err
    assert site.hits("/feed")[-1].headers.get("If-None-Match") == '"v1"'

    site.add(
        "/feed",
        atom(
            (3, "Telephone conversation with Putin"),
            (1, "Meeting with Tokayev"),
            (2, "Address (corrected)"),
        ),
        etag='"v2"',
    )
    later = cli("--config", str(cfg), "poll", "--json")
    assert [i["title"] for i in json_lines(later.out)] == ["Telephone conversation with Putin"]
    assert "1 new, 1 updated" in later.err
    with Store(tmp_path / "readout.db") as store:
        rows = {r["title"]: r for r in store.items()}
    assert rows["Telephone conversation with Putin"]["is_baseline"] == 0
    assert rows["Address (corrected)"]["revision"] == 1 and len(rows) == 3


def test_identical_body_without_validators_is_not_parsed_again(
    site: FixtureSite, cli: Cli, tmp_path: Path
) -> None:
    url = site.add("/feed", atom((1, "One")))
    cfg = config(tmp_path, {"kremlin-en": url})
    cli("--config", str(cfg), "poll")
    with Store(tmp_path / "readout.db") as store:
        first_hash = store.fetch_state("kremlin-en").body_hash
        store.db.execute("UPDATE items SET title = 'tampered'")
        store.db.conn.commit()
    assert cli("--config", str(cfg), "poll").code == 0
    with Store(tmp_path / "readout.db") as store:
        assert store.fetch_state("kremlin-en").body_hash == first_hash
        assert store.items()[0]["title"] == "tampered"


@pytest.fixture
def hostile(site: FixtureSite) -> dict[str, str]:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"<item>" * 10_000

    return {
        "good": site.add("/good", atom((1, "Fine item"))),
        "slow": site.add("/slow", atom((1, "Late")), delay=30),
        "error": site.add("/error", "boom", status=500),
        "html": site.add(
            "/html", "<!doctype html><html><body>Blocked</body></html>", content_type="text/html"
        ),
        "loop": site.add("/loop", status=302, headers={"Location": "/loop"}),
        "huge": site.add("/huge", chunks=endless),
        "bomb": site.add(
            "/bomb", gzip.compress(b" " * 50_000_000), headers={"Content-Encoding": "gzip"}
        ),
    }


def test_broken_sources_fail_alone(hostile: dict[str, str], cli: Cli, tmp_path: Path) -> None:
    # A deadline that a busy machine still meets for the bomb; the slow source sleeps 30 s.
    cfg = config(tmp_path, hostile, timeout="4s")
    run = cli("--config", str(cfg), "poll")
    assert run.code == 1
    assert "polled 7 sources: 1 ok, 6 failing; 1 new" in run.out
    with Store(tmp_path / "readout.db") as store:
        assert [r["title"] for r in store.items()] == ["Fine item"]
        errors = {sid: store.fetch_state(sid).last_error for sid in hostile}
    assert errors["good"] is None
    assert "timed out" in errors["slow"]  # type: ignore[operator]
    assert errors["error"] == "HTTP 500 Internal Server Error"
    assert errors["html"] == (
        "served an HTML page, not a feed; no feed found where it may have moved"
    )
    assert "too many redirects" in errors["loop"]  # type: ignore[operator]
    assert "larger than 5000000 bytes" in errors["huge"]  # type: ignore[operator]
    assert "larger than 5000000 bytes" in errors["bomb"]  # type: ignore[operator]
    for sid in hostile:
        if sid != "good":
            assert f"{sid}: failing: " in run.out


def test_failures_accumulate_and_recover(site: FixtureSite, cli: Cli, tmp_path: Path) -> None:
    url = site.add("/feed", "down", status=503)
    cfg = config(tmp_path, {"kremlin-en": url})
    for _ in range(3):
        assert cli("--config", str(cfg), "poll").code == 1
    with Store(tmp_path / "readout.db") as store:
        assert store.fetch_state("kremlin-en").consecutive_failures == 3
    site.add("/feed", atom((1, "Back")))
    assert cli("--config", str(cfg), "poll").code == 0
    with Store(tmp_path / "readout.db") as store:
        state = store.fetch_state("kremlin-en")
    assert (state.consecutive_failures, state.failing_since, state.last_error) == (0, None, None)


def test_poll_only_named_sources(site: FixtureSite, cli: Cli, tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        {
            "kremlin-en": site.add("/a", atom((1, "A"))),
            "kremlin-ru": site.add("/b", atom((2, "B"))),
        },
    )
    run = cli("--config", str(cfg), "poll", "--source", "kremlin-ru", "--json")
    assert [i["source"] for i in json_lines(run.out)] == ["kremlin-ru"]
    assert site.hits("/a") == []


def test_check_stores_nothing(site: FixtureSite, cli: Cli, tmp_path: Path) -> None:
    cfg = config(tmp_path, {"kremlin-en": site.add("/feed", atom((1, "Talks with Aliyev")))})
    run = cli("--config", str(cfg), "check", "kremlin-en", "--json")
    assert run.code == 0
    assert [(i["title"], i["leaders"]) for i in json_lines(run.out)] == [
        ("Talks with Aliyev", ["aliyev"])
    ]
    assert not (tmp_path / "readout.db").exists()


def test_check_reads_a_file_or_another_url(site: FixtureSite, cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "saved.atom"
    feed.write_text(atom((5, "From a file")))
    assert "From a file" in cli("check", "kremlin-en", "--file", str(feed)).out
    cfg = tmp_path / "local.toml"
    cfg.write_text("[http]\nallow_private_addresses = true\n")
    other = site.add("/other", atom((6, "From elsewhere")))
    run = cli("--config", str(cfg), "check", "kremlin-en", "--url", other)
    assert "From elsewhere" in run.out and "kremlin-en: 1 item" in run.out


def test_check_of_a_broken_source_is_one_line_and_exit_1(
    site: FixtureSite, cli: Cli, tmp_path: Path
) -> None:
    cfg = config(tmp_path, {"kremlin-en": site.add("/feed", "nope", status=500)})
    run = cli("--config", str(cfg), "check", "kremlin-en")
    assert run.code == 1
    assert run.err.strip() == "kremlin-en: HTTP 500 Internal Server Error"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["poll", "--source", "nowhere"], "unknown source 'nowhere'"),
        (["check", "nowhere"], "unknown source 'nowhere'"),
        (["check"], "the following arguments are required: ID"),
        (["check", "kremlin-en", "--url", "ftp://x"], "is not an http(s) URL"),
        (["check", "kremlin-en", "--file", "/no/such/file"], "No such file"),
        (["check", "kremlin-en", "--save", "/dev/null"], "exists and is not a folder"),
        (["frobnicate"], "invalid choice"),
        ([], "required: COMMAND"),
        (["poll", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2_in_one_line(
    cli: Cli, tmp_path: Path, args: list[str], message: str
) -> None:
    run = cli(*args)
    assert run.code == 2
    assert message in run.err and len(run.err.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()


def test_bad_config_exits_2_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[store]\npath = "{tmp_path / "x.db"}"\n[scheduler]\ninterval = "often"\n')
    run = cli("--config", str(bad), "poll")
    assert run.code == 2
    assert run.err.strip() == (
        "readout: config: scheduler.interval: 'often' is not a duration "
        "(use e.g. 90s, 5m, 1h or seconds)"
    )
    assert not (tmp_path / "x.db").exists()


def test_sources_and_leaders_list_ids(cli: Cli) -> None:
    sources = json_lines(cli("sources", "--json").out)
    assert {"kremlin-en", "akorda-kz", "whitehouse"} <= {s["id"] for s in sources}
    leaders = cli("leaders").out
    assert "putin" in leaders and "Тоқаев" in leaders


def test_unusable_store_is_one_line_and_exit_1(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "occupied").mkdir()
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[store]\npath = "{tmp_path / "occupied"}"\n')
    run = cli("--config", str(cfg), "poll", "--source", "kremlin-en")
    assert run.code == 1
    assert run.err.startswith("readout: store: ") and len(run.err.strip().splitlines()) == 1
