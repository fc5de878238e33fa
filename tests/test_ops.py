"""Operating ``readout run``: health and metrics, restarts, logs, retention and backups."""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import re
import signal
import sqlite3
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.error import HTTPError

import httpx
import pytest

from readout import logs
from readout.config import ConfigError, build_config, env_name
from readout.endpoint import Endpoint
from scrapers.model import Item, Source
from store.maintenance import Maintenance, backup, probe_writable
from store.schema import SCHEMA_VERSION
from store.store import Store
from store.subscriptions import Target
from tests.conftest import run_cli
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_service import Process
from tests.test_telegram import serving

# A token shaped like a real one, so that its secret half is scrubbed on its own as well.
TOKEN = "123456789:AAHk3Fh2-ZsecretPartOfTheBotToken_x9"
SECRET = TOKEN.partition(":")[2]


def health_url(process: Process) -> str:
    line = process.wait_for("health and metrics on http://")
    found = re.search(r"http://\S+", line)
    assert found is not None, line
    return found.group(0)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def metric(text: str, name: str) -> float | None:
    """The value of one sample (``name`` with its labels) in a Prometheus exposition."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def stop(process: Process) -> float:
    """SIGTERM; the seconds until it exited (with status 0)."""
    started = time.monotonic()
    process.popen.send_signal(signal.SIGTERM)
    assert process.popen.wait(timeout=10) == 0
    return time.monotonic() - started


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait()


# ------------------------------------------------------------------ health and metrics


def test_run_without_config_serves_health_and_metrics_and_stops_on_sigterm(
    tmp_path: Path, processes: list[Process]
) -> None:
    """No config file at all: the built-in catalogue (failing offline, which is fine)."""
    process = Process(tmp_path)
    processes.append(process)
    base = health_url(process)
    assert get(base + "/healthz") == (200, "ok\n")
    polled = 'readout_polls_total{source="kremlin-en"}'
    wait_until(lambda: metric(get(base + "/metrics")[1], polled), 40, "a poll of kremlin-en")
    code, text = get(base + "/metrics")
    assert code == 200
    assert metric(text, 'readout_build_info{version="0.1.0"}') == 1
    assert metric(text, "readout_deliveries_pending") == 0
    assert "# TYPE readout_detection_seconds histogram" in text
    assert get(base + "/nothing-here")[0] == 404
    assert stop(process) < 10
    assert (tmp_path / "data" / "readout.db").is_file()


def test_healthz_is_503_while_the_store_file_is_gone(
    tmp_path: Path, processes: list[Process]
) -> None:
    (tmp_path / "readout.toml").write_text("[catalog]\nenabled = false\n")
    process = Process(tmp_path)
    processes.append(process)
    base = health_url(process)
    assert get(base + "/healthz") == (200, "ok\n")
    db = tmp_path / "data" / "readout.db"
    db.rename(tmp_path / "elsewhere.db")
    code, reason = get(base + "/healthz")
    assert code == 503
    assert reason.startswith("store not writable: unable to open database file")
    assert reason.count("\n") == 1
    (tmp_path / "elsewhere.db").rename(db)
    assert get(base + "/healthz") == (200, "ok\n")
    stop(process)


async def test_healthz_is_503_once_the_sender_has_died(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path) as harness:
        assert harness.service.endpoint is not None and harness.service.sender is not None
        url = f"http://{harness.service.endpoint.address}/healthz"
        async with httpx.AsyncClient() as client:
            assert (await client.get(url)).text == "ok\n"

            async def broken() -> int:
                raise RuntimeError("disk on fire")

            harness.service.sender.drain = broken  # type: ignore[method-assign]
            harness.service.sender.wake()
            answers: list[httpx.Response] = []

            async def unhealthy() -> bool:
                answers.append(await client.get(url))
                return answers[-1].status_code == 503

            deadline = time.monotonic() + 5
            while not await unhealthy():
                assert time.monotonic() < deadline, answers[-1].text
        assert answers[-1].text == "sender stopped: RuntimeError('disk on fire')\n"


async def test_metrics_count_polls_items_and_a_delivered_alert(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    async with serving(fake_telegram, site, tmp_path) as harness:
        await harness.command("/subscribe putin")
        harness.publish((2, "Putin met the press"), (1, "Baseline item about Putin"))
        await fake_telegram.wait_sent(2)
        assert harness.service.endpoint is not None
        url = f"http://{harness.service.endpoint.address}/metrics"
        sent = 'readout_deliveries_total{outcome="sent"}'
        async with httpx.AsyncClient() as client:
            answer = await client.get(url)
            deadline = time.monotonic() + 5
            while metric(answer.text, sent) != 1:  # counted just after Telegram answered
                assert time.monotonic() < deadline, answer.text
                await asyncio.sleep(0.05)
                answer = await client.get(url)
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    source = '{source="kremlin-en"}'
    assert metric(text, f"readout_items_new_total{source}") == 2  # the baseline, then one
    assert metric(text, f"readout_entries_kept_total{source}") == 1  # the baseline's entry
    assert (metric(text, f"readout_polls_total{source}") or 0) >= 2
    assert metric(text, f"readout_poll_failures_total{source}") == 0
    assert (metric(text, f"readout_source_last_success_timestamp_seconds{source}") or 0) > (
        time.time() - 60
    )
    assert metric(text, "readout_send_seconds_count") == 1
    assert metric(text, "readout_detection_seconds_count") == 1
    assert metric(text, "readout_deliveries_pending") == 0


async def test_each_service_has_its_own_metrics() -> None:
    from readout.metrics import Metrics

    first, second = Metrics(), Metrics()
    first.delivered("sent", 0.1, None)
    sent = 'readout_deliveries_total{outcome="sent"}'
    assert metric(first.exposition(None)[0].decode(), sent) == 1
    assert metric(second.exposition(None)[0].decode(), sent) == 0


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200),
        (b"GET /healthz?verbose=1 HTTP/1.0\r\n\r\n", 200),
        (b"GET /healthz HTTP/1.0\n\n", 400),  # bare LF: not HTTP
        (b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200),
        (b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
        (b"GET /admin HTTP/1.1\r\nHost: x\r\n\r\n", 404),
        (b"GET /feeds/putin.atom HTTP/1.1\r\nHost: x\r\n\r\n", 404),
        (b"GET /healthz HTTP/1.1\r\n\r\n", 400),  # HTTP/1.1 requires Host
        (b"hello\r\n\r\n", 400),
        (b"GET /" + b"x" * 20000 + b" HTTP/1.1\r\n\r\n", 400),
    ],
)
async def test_endpoint_answers_what_it_serves_and_refuses_garbage(
    request_bytes: bytes, status: int
) -> None:
    async def healthy() -> None:
        return None

    endpoint = Endpoint("127.0.0.1:0", healthy, lambda accept: (b"m 1\n", "text/plain"))
    async with endpoint:
        answer = await _exchange(endpoint.address, request_bytes)
        after = await _exchange(endpoint.address, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1."), answer
    assert int(answer.split(b" ", 2)[1]) == status, answer
    if request_bytes.startswith(b"HEAD"):
        assert answer.endswith(b"\r\n\r\n")
    assert after.startswith(b"HTTP/1.1 200 OK") and after.endswith(b"\r\n\r\nok\n")


async def _exchange(address: str, request_bytes: bytes) -> bytes:
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request_bytes)
    try:
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 5)
    except ConnectionResetError:  # the server hung up on unread garbage
        answer = b""
    writer.close()
    return answer


@pytest.mark.parametrize("sent", [b"", b"GET /healthz HTTP/1.1\r\nHo"])
async def test_endpoint_closes_connections_that_never_finish_a_request(sent: bytes) -> None:
    from readout.endpoint import READ_TIMEOUT

    async def healthy() -> None:
        return None

    async with Endpoint("127.0.0.1:0", healthy, lambda accept: (b"", "text/plain")) as endpoint:
        host, port = endpoint.address.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(sent)
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), READ_TIMEOUT + 5) == b""
        writer.close()


async def test_endpoint_on_a_taken_port_is_one_clear_error() -> None:
    from readout.endpoint import EndpointError

    async def healthy() -> None:
        return None

    first = Endpoint("127.0.0.1:0", healthy, lambda accept: (b"", "text/plain"))
    async with first:
        with pytest.raises(EndpointError, match=r"health.listen 127.0.0.1:\d+: .*in use"):
            async with Endpoint(first.address, healthy, lambda accept: (b"", "text/plain")):
                pass


# ------------------------------------------------------------------ restarts


def test_restart_keeps_the_schedule_and_the_outbox(
    fake_telegram_thread: FakeTelegram,
    site: FixtureSite,
    tmp_path: Path,
    processes: list[Process],
) -> None:
    """Sources paused and added in chat keep their state, and an alert owed when the
    service stopped is sent once after it starts again."""
    fake = fake_telegram_thread
    for path in ("/a", "/b", "/c"):
        site.add(path, atom((1, "Baseline item")))
    (tmp_path / "readout.toml").write_text(
        f'[telegram]\ntoken = "{fake.token}"\napi_base_url = "{fake.bot_url}"\nadmins = [42]\n'
        "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
        '[scheduler]\ninterval = "1s"\n'
        f'[[sources]]\nid = "a"\nurl = "{site.url("/a")}"\n'
        f'[[sources]]\nid = "b"\nurl = "{site.url("/b")}"\n'
    )
    first = Process(tmp_path)
    processes.append(first)
    first.wait_for("alerts go to Telegram chats")
    for command in ("/subscribe putin", "/pause b", f"/addsource c {site.url('/c')}"):
        fake.push_text_threadsafe(command)
    fake.wait_sent_threadsafe(3)
    wait_until(lambda: len(site.hits("/c")) >= 2, 10, "the added source to be polled")
    fake.threadsafe(lambda: fake.fail_next("sendMessage", 500, "Internal Server Error", times=99))
    site.add("/a", atom((2, "Putin before the restart"), (1, "Baseline item")))
    fake.wait_call_threadsafe("sendMessage", n=4)  # the alert's first, failed attempt
    stop(first)
    fake.threadsafe(fake.clear_failures)

    paused_hits = len(site.hits("/b"))
    second = Process(tmp_path)
    processes.append(second)
    base = health_url(second)
    (*_, alert) = fake.wait_sent_threadsafe(4, timeout=30)
    assert "Putin</b> before the restart" in alert["text"]
    polls = {path: len(site.hits(path)) for path in ("/a", "/c")}
    wait_until(
        lambda: all(len(site.hits(path)) >= n + 3 for path, n in polls.items()),
        10,
        "a and c polled on their interval",
    )
    assert len(site.hits("/b")) == paused_hits
    text = get(base + "/metrics")[1]
    assert metric(text, 'readout_polls_total{source="b"}') is None
    assert (metric(text, 'readout_polls_total{source="c"}') or 0) >= 3
    assert metric(text, 'readout_deliveries_total{outcome="sent"}') == 1
    assert len(fake.sent) == 4
    stop(second)


# ------------------------------------------------------------------ logs


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_token_never_appears_in_the_logs(
    log_format: str, site: FixtureSite, tmp_path: Path, processes: list[Process]
) -> None:
    """At -vv httpx logs every Bot API URL, which carries the token; a rejected token is
    in python-telegram-bot's own exception message. Neither may reach the output."""
    fake = FakeTelegram(token=TOKEN).start_in_thread()
    try:
        site.add("/feed", atom((1, "Baseline item")))
        (tmp_path / "readout.toml").write_text(
            f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{fake.bot_url}"\n'
            f'[log]\nformat = "{log_format}"\n'
            "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
            f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/feed")}"\ninterval = "1s"\n'
        )
        fake.threadsafe(lambda: fake.fail_next("getMe", 401, "Unauthorized"))
        rejected = Process(tmp_path, "-vv")
        processes.append(rejected)
        output = _read_until(rejected, "rejected the bot token")
        assert rejected.popen.wait(timeout=20) == 1

        service = Process(tmp_path, "-vv")
        processes.append(service)
        output += _read_until(service, "alerts go to Telegram chats")
        fake.push_text_threadsafe("/subscribe putin")
        fake.wait_sent_threadsafe(1)
        wait_until(lambda: len(site.hits("/feed")) >= 2, 10, "the baseline poll")
        site.add("/feed", atom((2, "Putin spoke"), (1, "Baseline item")))
        fake.wait_sent_threadsafe(2)
        stop(service)
        output += _read_until(service, "stopped")
    finally:
        fake.stop_thread()
    assert "rejected the bot token" in output
    assert "HTTP Request: POST" in output and f"/bot{logs.REDACTED}/sendMessage" in output
    assert TOKEN not in output and SECRET not in output
    if log_format == "json":
        for line in output.splitlines():
            entry = json.loads(line)
            assert {"time", "level", "logger", "message"} <= entry.keys()
        assert any(
            "InvalidToken" in json.loads(line).get("exception", "") for line in output.splitlines()
        )


def _read_until(process: Process, text: str, timeout: float = 20) -> str:
    """Every line up to and including the first that contains ``text``."""
    lines: list[str] = []
    while not lines or text not in lines[-1]:
        try:
            lines.append(process.lines.get(timeout=timeout))
        except queue.Empty:
            raise AssertionError(f"{text!r} never appeared in {lines}") from None
    return "".join(lines)


@pytest.fixture
def captured_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let a test call configure_logging without leaving its set-up behind."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(logs, "_format", logs._format)
    level = root.level
    yield
    root.setLevel(level)
    logging.captureWarnings(False)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_traceback_is_readable_and_its_message_one_line_with_the_token_scrubbed(
    log_format: logs.LogFormat, captured_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.redact(TOKEN)
    logs.configure_logging(0, "info", log_format)
    try:
        raise ValueError(f"GET https://api.telegram.org/bot{TOKEN}/getMe\nfailed")
    except ValueError:
        logging.getLogger("somewhere").exception("request for %s\nfailed", TOKEN)
    sys.excepthook(*_raised(RuntimeError(f"uncaught with {SECRET}")))
    logs.status(f"status with {TOKEN}")
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert TOKEN not in err and SECRET not in err
    if log_format == "json":
        assert len(lines) == 3
        first = json.loads(lines[0])
        assert first["level"] == "error" and first["logger"] == "somewhere"
        assert first["message"] == "request for <token>\nfailed"
        assert first["exception"].startswith("Traceback (most recent call last):\n")
        assert "bot<token>/getMe\nfailed" in first["exception"]
        assert "RuntimeError: uncaught with <token>" in json.loads(lines[1])["exception"]
        assert json.loads(lines[2])["message"] == "status with <token>"
        return
    # The message stays on its line (a newline in it cannot start a forged one) ...
    assert lines[0].endswith(" ERROR somewhere: request for <token>\\nfailed")
    # ... and the traceback follows as Python prints it, one frame per line.
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[2].startswith('  File "') and "test_ops.py" in lines[2]
    value_error = lines.index("ValueError: GET https://api.telegram.org/bot<token>/getMe")
    assert lines[value_error + 1] == "failed"
    uncaught = next(n for n, line in enumerate(lines) if " CRITICAL readout: uncaught" in line)
    assert uncaught > value_error + 1
    assert lines[uncaught + 1] == "Traceback (most recent call last):"
    assert "RuntimeError: uncaught with <token>" in lines
    assert lines[-1] == "readout: status with <token>"


def test_a_failing_source_logs_each_failure_once_and_each_change_of_state_once(
    tmp_path: Path, site: FixtureSite, processes: list[Process]
) -> None:
    """At -v each failed poll is one INFO line; a WARNING is said only when the source
    starts failing and when it recovers (without a token: no second copy of it)."""
    site.add("/feed", "down", status=500)
    (tmp_path / "readout.toml").write_text(
        "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
        "[scheduler]\nfailures_before_alert = 2\n"
        f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/feed")}"\ninterval = "1s"\n'
    )
    process = Process(tmp_path, "-v")
    processes.append(process)
    process.wait_for("kremlin-en failed (3 in a row)")
    site.add("/feed", atom((1, "Back")))
    process.wait_for("is working again")
    stop(process)
    process.pumped.join(timeout=10)
    lines = process.output
    failures = [line for line in lines if "kremlin-en failed (" in line]
    assert len(failures) >= 3
    assert all(" INFO readout.poll: " in line for line in failures), failures
    counts = [re.search(r"failed \((\d+) in a row\)", line) for line in failures]
    assert [int(found.group(1)) for found in counts if found] == list(range(1, len(failures) + 1))
    failing = [line for line in lines if "is failing" in line]
    recovered = [line for line in lines if "is working again" in line]
    assert len(failing) == 1 and " WARNING readout.service: ⚠️ " in failing[0], failing
    assert len(recovered) == 1 and " WARNING readout.service: ✅ " in recovered[0], recovered
    warnings = [line for line in lines if " WARNING " in line]
    assert warnings == failing + recovered


def _raised(error: BaseException) -> tuple[type[BaseException], BaseException, object]:
    try:
        raise error
    except BaseException as caught:
        return type(caught), caught, caught.__traceback__


# ------------------------------------------------------------------ config by environment


def test_every_table_key_can_come_from_the_environment_and_wins() -> None:
    env = {
        env_name("store", "path"): "/data/readout.db",
        env_name("health", "listen"): "0.0.0.0:9090",
        env_name("log", "format"): "json",
        env_name("telegram", "admins"): "1, 2",
        env_name("http", "allow_private_addresses"): "true",
        env_name("scheduler", "interval"): "90s",
        "READOUT_UNRELATED_THING": "ignored",
        env_name("store", "keep_items_days"): "",  # empty: not set
    }
    settings = build_config({"store": {"path": "file.db"}}, env, "test").settings
    assert settings.store.path == "/data/readout.db"
    assert settings.health.listen == "0.0.0.0:9090"
    assert settings.log.format == "json"
    assert settings.telegram.admins == (1, 2)
    assert settings.http.allow_private_addresses is True
    assert settings.scheduler.interval == 90
    assert settings.store.keep_items_days == 365


def test_a_bad_value_from_the_environment_names_its_variable() -> None:
    with pytest.raises(ConfigError, match=r"^health.listen \(from READOUT_HEALTH_LISTEN\): "):
        build_config({}, {"READOUT_HEALTH_LISTEN": "8080"}, "test")


# ------------------------------------------------------------------ retention and upkeep


def _item(n: int, source: str = "kremlin-en") -> Item:
    return Item(source=source, title=f"Item {n}", url=f"http://example.org/{source}/{n}")


def _aged(store: Store, titles_days: dict[str, int]) -> None:
    """Pretend the items with these titles were last seen that many days ago."""
    for title, days in titles_days.items():
        moment = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
        store.db.execute("UPDATE items SET last_seen = ? WHERE title = ?", [moment, title])


def _opened(path: Path) -> Store:
    store = Store(path)
    store.sync_sources(
        Source(id=source, name=source, url=f"http://example.org/{source}")
        for source in ("kremlin-en", "akorda-en")
    )
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with _opened(tmp_path / "r.db") as opened:
        yield opened


def test_retention_deletes_items_no_source_serves_any_more(store: Store) -> None:
    old = datetime.now(UTC) - timedelta(days=400)
    store.save_items("kremlin-en", [_item(1), _item(2)], at=old)
    store.save_items("kremlin-en", [_item(2), _item(3)], at=old + timedelta(days=1))
    store.save_items("kremlin-en", [_item(3), _item(4)], at=old + timedelta(days=2))
    store.db.execute("INSERT INTO item_leaders (item_id, leader_id) SELECT id, 'putin' FROM items")
    deleted = Maintenance(store.db).prune_items(datetime.now(UTC) - timedelta(days=365))
    assert deleted == 2
    assert [row["title"] for row in store.items()] == ["Item 4", "Item 3"]
    assert store.db.execute("SELECT count(*) FROM item_leaders").fetchone()[0] == 2
    assert store.db.execute("SELECT count(*) FROM items_fts").fetchone()[0] == 2


def test_retention_keeps_a_source_s_latest_batch_however_old(store: Store) -> None:
    """An unchanged feed leaves last_seen alone: deleting its items would make them new."""
    old = datetime.now(UTC) - timedelta(days=900)
    store.save_items("kremlin-en", [_item(1), _item(2)], at=old)
    store.save_items("akorda-en", [_item(9, "akorda-en")], at=old)
    assert Maintenance(store.db).prune_items(datetime.now(UTC) - timedelta(days=1)) == 0
    again = store.save_items("kremlin-en", [_item(1), _item(2)])
    assert again.new == []


def test_retention_keeps_items_still_owed_an_alert(store: Store) -> None:
    old = datetime.now(UTC) - timedelta(days=400)
    store.save_items("kremlin-en", [_item(1), _item(2)], at=old)
    store.save_items("kremlin-en", [_item(3)], at=old + timedelta(days=1))
    owed, finished = (
        store.db.execute("SELECT id FROM items WHERE title = ?", [f"Item {n}"]).fetchone()[0]
        for n in (1, 2)
    )
    store.outbox.enqueue(owed, [Target(7, 0)])
    store.outbox.enqueue(finished, [Target(7, 0)])
    store.db.execute("UPDATE deliveries SET status = 'sent' WHERE item_id = ?", [finished])
    assert Maintenance(store.db).prune_items(datetime.now(UTC) - timedelta(days=30)) == 1
    assert [row["title"] for row in store.items()] == ["Item 3", "Item 1"]
    assert store.outbox.counts() == {"pending": 1}


def test_retention_deletes_finished_deliveries_only(store: Store) -> None:
    store.save_items("kremlin-en", [_item(1)])
    store.save_items("kremlin-en", [_item(2)])
    item_id = store.db.execute("SELECT id FROM items WHERE title = 'Item 2'").fetchone()[0]
    store.outbox.enqueue(item_id, [Target(chat, 0) for chat in (1, 2, 3, 4, 5)])
    long_ago = (datetime.now(UTC) - timedelta(days=100)).isoformat()
    store.db.execute("UPDATE deliveries SET created_at = ?, sent_at = ?", [long_ago, long_ago])
    for chat, status, edit in ((1, "sent", 0), (2, "failed", 0), (3, "skipped", 0), (4, "sent", 1)):
        store.db.execute(
            "UPDATE deliveries SET status = ?, edit_pending = ? WHERE chat_id = ?",
            [status, edit, chat],
        )
    pruned = Maintenance(store.db).prune_deliveries(datetime.now(UTC) - timedelta(days=90))
    assert pruned == 3
    assert sorted(chat for chat in (1, 2, 3, 4, 5) if store.outbox.to_chat(chat)) == [4, 5]


def test_upkeep_checkpoints_and_truncates_the_wal(store: Store, tmp_path: Path) -> None:
    store.save_items("kremlin-en", [_item(n) for n in range(200)])
    assert (tmp_path / "r.db-wal").stat().st_size > 0
    assert Maintenance(store.db).tidy() >= 0
    assert (tmp_path / "r.db-wal").stat().st_size == 0


def test_the_write_probe_fails_when_the_store_is_gone(store: Store, tmp_path: Path) -> None:
    probe_writable(tmp_path / "r.db")
    (tmp_path / "r.db").rename(tmp_path / "moved.db")
    with pytest.raises(sqlite3.OperationalError, match="unable to open"):
        probe_writable(tmp_path / "r.db")
    assert not (tmp_path / "r.db").exists()


# ------------------------------------------------------------------ backups


def test_backup_is_a_consistent_copy_while_the_service_writes(
    site: FixtureSite, tmp_path: Path, processes: list[Process]
) -> None:
    sources = 20
    for n in range(sources):
        site.add(f"/feed{n}", atom((1, "Baseline item")))
    (tmp_path / "readout.toml").write_text(
        "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
        '[scheduler]\ninterval = "1s"\n'
        + "".join(
            f'[[sources]]\nid = "s{n}"\nurl = "{site.url(f"/feed{n}")}"\n' for n in range(sources)
        )
    )
    process = Process(tmp_path)
    processes.append(process)
    health_url(process)
    writing = threading.Event()
    done = threading.Event()

    def publish() -> None:
        n = 2
        while not done.is_set():
            for feed in range(sources):
                site.add(f"/feed{feed}", atom(*((k, f"Item {k}") for k in range(n, 0, -1))))
            n += 1
            writing.set()
            time.sleep(0.05)

    def stored_items() -> int:
        with sqlite3.connect(tmp_path / "data" / "readout.db") as live:
            return int(live.execute("SELECT count(*) FROM items").fetchone()[0])

    publisher = threading.Thread(target=publish, daemon=True)
    publisher.start()
    counts = []
    try:
        writing.wait(5)
        for attempt in range(3):
            target = tmp_path / f"backup{attempt}.db"
            run = run_cli("backup", str(target), cwd=tmp_path)
            assert run.code == 0, run.err
            assert f"to {target}" in run.out
            with sqlite3.connect(target) as copy:
                assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert copy.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
                assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
                counts.append(copy.execute("SELECT count(*) FROM items").fetchone()[0])
            wait_until(lambda: stored_items() > counts[-1], 10, "the service to store more")
    finally:
        done.set()
        publisher.join(5)
    assert counts == sorted(counts) and counts[-1] > counts[0] > 0
    assert not list(tmp_path.glob(".*.partial"))
    stop(process)


def test_backup_into_a_folder_and_of_a_missing_store(tmp_path: Path) -> None:
    missing = run_cli("backup", str(tmp_path), cwd=tmp_path)
    assert missing.code == 1
    assert missing.err.strip() == "readout: backup: data/readout.db: no store there"
    with _opened(tmp_path / "data" / "readout.db") as store:
        store.save_items("kremlin-en", [_item(1)])
    (tmp_path / "copies").mkdir()
    made = run_cli("backup", "copies", cwd=tmp_path)
    assert made.code == 0, made.err
    (copy,) = (tmp_path / "copies").glob("readout-*.db")
    with Store(copy) as restored:
        assert [row["title"] for row in restored.items()] == ["Item 1"]


def test_backup_refuses_to_overwrite_the_store_itself(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db"):
        pass
    from store.maintenance import BackupError

    with pytest.raises(BackupError, match="is the store itself"):
        backup(tmp_path / "r.db", tmp_path / "r.db")
