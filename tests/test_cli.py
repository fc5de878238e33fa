"""The CLI as a shell sees it: one service per store, closed pipes, options in any place,
and the health check a container runs. Every test here runs real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_service import Process


def _config(tmp_path: Path, site: FixtureSite) -> Path:
    site.add("/feed", atom((1, "Baseline item")))
    path = tmp_path / "readout.toml"
    path.write_text(
        "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
        f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/feed")}"\ninterval = "1s"\n'
    )
    return path


@pytest.fixture
def started() -> Iterator[list[Process]]:
    processes: list[Process] = []
    yield processes
    for process in processes:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait()


def _start(tmp_path: Path, started: list[Process], env: dict[str, str] | None = None) -> Process:
    process = Process(tmp_path, "-v", env=env)
    started.append(process)
    return process


# ------------------------------------------------------------------ one run per store


def test_a_second_run_on_the_same_store_exits_1_naming_the_holder(
    tmp_path: Path, site: FixtureSite, started: list[Process]
) -> None:
    _config(tmp_path, site)
    first = _start(tmp_path, started)
    first.wait_for("items stored as baseline")
    second = _start(tmp_path, started)
    assert second.popen.wait(timeout=20) == 1
    lines = list(second.lines.queue)
    assert lines == [
        f"readout: data/readout.db is in use by another 'readout run' "
        f"(pid {first.popen.pid} on {socket.gethostname()})\n"
    ]
    assert first.popen.poll() is None, "the refused start must not disturb the holder"


def test_a_sigkilled_holder_leaves_no_stale_lock(
    tmp_path: Path, site: FixtureSite, started: list[Process]
) -> None:
    _config(tmp_path, site)
    first = _start(tmp_path, started)
    first.wait_for("items stored as baseline")
    first.popen.send_signal(signal.SIGKILL)
    first.popen.wait(timeout=10)
    assert (tmp_path / "data" / "readout.db.lock").read_text().startswith(f"pid {first.popen.pid}")
    second = _start(tmp_path, started)
    second.wait_for("health and metrics on http://")
    assert second.popen.poll() is None
    third = _start(tmp_path, started)
    assert third.popen.wait(timeout=20) == 1
    assert f"pid {second.popen.pid}" in third.wait_for("is in use by another")


def test_poll_and_backup_work_beside_a_running_service(
    tmp_path: Path, site: FixtureSite, started: list[Process]
) -> None:
    """SQLite in WAL mode takes both; the lock is about one scheduler per store."""
    _config(tmp_path, site)
    service = _start(tmp_path, started)
    service.wait_for("items stored as baseline")
    site.add("/feed", atom((2, "Second item"), (1, "Baseline item")))
    polled = run_cli("poll", cwd=tmp_path)
    assert polled.code == 0, polled.err
    copied = run_cli("backup", str(tmp_path / "copy.db"), cwd=tmp_path)
    assert copied.code == 0, copied.err


# ------------------------------------------------------------------ closed stdout


@pytest.mark.parametrize(
    "args",
    [
        ["leaders"],
        ["leaders", "--json"],
        ["sources"],
        ["--version"],
        ["--help"],
        ["poll", "--json"],
        ["check", "kremlin-en", "--file", "feed.xml"],
    ],
)
def test_a_closed_stdout_ends_the_command_quietly_with_0(
    args: list[str], tmp_path: Path, site: FixtureSite
) -> None:
    _config(tmp_path, site)
    (tmp_path / "feed.xml").write_text(atom(*((n, f"Item {n}") for n in range(1, 200))))
    env = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "readout", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line: `| head -0`
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, errors
    assert errors == ""


def test_run_in_console_mode_stops_quietly_when_its_stdout_is_closed(
    tmp_path: Path, site: FixtureSite
) -> None:
    _config(tmp_path, site)
    env = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "readout", "run", "-v"],
        cwd=tmp_path,
        env={**env, "READOUT_HEALTH_LISTEN": "127.0.0.1:0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    seen = []
    for line in process.stderr:  # -v: the baseline is said at INFO, on stderr
        seen.append(line)
        if "items stored as baseline" in line:
            break
    else:
        raise AssertionError(f"no baseline in {seen}")
    site.add("/feed", atom((2, "Talks with Putin"), (1, "Baseline item")))
    assert process.wait(timeout=30) == 0
    errors = process.stderr.read()
    assert "Traceback" not in errors and "Broken pipe" not in errors, errors
    assert errors.rstrip().endswith("readout: stopped"), errors


# ------------------------------------------------------------------ global options


def test_global_options_are_taken_after_the_subcommand(tmp_path: Path, site: FixtureSite) -> None:
    config = _config(tmp_path, site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    after = run_cli("poll", "--config", str(config), "-v", cwd=elsewhere)
    assert after.code == 0, after.err
    assert "polled 1 sources: 1 ok" in after.out
    assert (elsewhere / "data" / "readout.db").exists()
    listed = run_cli("sources", "--config", str(config), cwd=elsewhere)
    assert listed.out.startswith("kremlin-en ")
    both = run_cli("--config", "/nowhere.toml", "sources", "--config", str(config), cwd=elsewhere)
    assert both.code == 0, "the one after the subcommand wins"
    verbose = run_cli("-v", "check", "kremlin-en", "-v", "--config", str(config), cwd=elsewhere)
    assert verbose.code == 0, verbose.err
    assert "HTTP Request: GET" in verbose.err, "-v twice (before and after) is -vv: debug"
    bad = run_cli("leaders", "--config", str(tmp_path / "missing.toml"), cwd=elsewhere)
    assert bad.code == 2 and "missing.toml" in bad.err


def test_run_takes_v_after_the_subcommand(
    tmp_path: Path, site: FixtureSite, started: list[Process]
) -> None:
    _config(tmp_path, site)
    process = Process(tmp_path, after=("-v",))
    started.append(process)
    process.wait_for("kremlin-en: 1 items stored as baseline")  # an INFO line
    process.popen.send_signal(signal.SIGTERM)
    assert process.popen.wait(timeout=10) == 0


# ------------------------------------------------------------------ healthcheck


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_healthcheck_asks_the_configured_address(
    tmp_path: Path, site: FixtureSite, started: list[Process]
) -> None:
    _config(tmp_path, site)
    port = _free_port()
    listen = {"READOUT_HEALTH_LISTEN": f"0.0.0.0:{port}"}
    service = _start(tmp_path, started, env=listen)
    service.wait_for(f"health and metrics on http://0.0.0.0:{port}")
    healthy = run_cli("healthcheck", cwd=tmp_path, env=listen)
    assert (healthy.code, healthy.out) == (0, "200 ok\n"), healthy.err
    other = {"READOUT_HEALTH_LISTEN": f"127.0.0.1:{_free_port()}"}
    nobody = run_cli("healthcheck", cwd=tmp_path, env=other)
    assert nobody.code == 1
    assert nobody.err.startswith(f"readout: healthcheck: {'http://127.0.0.1:'}")
    free = run_cli("healthcheck", cwd=tmp_path, env={"READOUT_HEALTH_LISTEN": "127.0.0.1:0"})
    assert free.code == 1 and "picks a free port" in free.err


def test_healthcheck_ignores_the_proxy_environment(
    tmp_path: Path, site: FixtureSite, started: list[Process]
) -> None:
    _config(tmp_path, site)
    listen = {"READOUT_HEALTH_LISTEN": f"127.0.0.1:{_free_port()}"}
    service = _start(tmp_path, started, env=listen)
    service.wait_for("health and metrics on http://")
    proxied = {**listen, "HTTP_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}
    healthy = run_cli("healthcheck", cwd=tmp_path, env=proxied)
    assert (healthy.code, healthy.out) == (0, "200 ok\n"), healthy.err
