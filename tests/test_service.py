"""``readout run`` as a user runs it: a subprocess, stopped with a signal."""

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from readout.schedule import poll_delay
from tests.sitestub import FixtureSite
from tests.test_poll import atom


@pytest.mark.parametrize(
    ("interval", "failures", "delay"),
    [
        (300, 0, 300),
        (300, 1, 600),
        (300, 2, 1200),
        (300, 3, 2400),
        (300, 4, 2400),
        (300, 40, 2400),
        (600, 5, 3600),
        (2, 1, 4),
        (2, 3, 16),
        (2, 9, 16),
        (7200, 5, 7200),
    ],
)
def test_failing_source_backs_off_within_caps(interval: float, failures: int, delay: float) -> None:
    assert poll_delay(interval, failures) == delay


class Process:
    """``python -m readout run`` with its output lines readable as they come.

    Its health endpoint listens on a free port (``READOUT_HEALTH_LISTEN``) unless ``env``
    says otherwise, so tests never collide on the default 8080.
    """

    def __init__(
        self,
        cwd: Path,
        *args: str,
        env: dict[str, str] | None = None,
        after: tuple[str, ...] = (),
    ) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
        env = {**base, "READOUT_HEALTH_LISTEN": "127.0.0.1:0", **(env or {})}
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "readout", *args, "run", *after],
            cwd=cwd,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []  # every line, whether or not wait_for has taken it
        self.pumped = threading.Thread(target=self._pump, daemon=True)
        self.pumped.start()

    def _pump(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 20) -> str:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"{text!r} never appeared in {seen}") from None
            seen.append(line)
            if text in line:
                return line


@pytest.fixture
def service(tmp_path: Path, site: FixtureSite) -> Iterator[Process]:
    site.add("/feed", atom((1, "Baseline item")))
    (tmp_path / "readout.toml").write_text(
        "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
        f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/feed")}"\ninterval = "1s"\n'
    )
    process = Process(tmp_path, "-v")
    yield process
    if process.popen.poll() is None:
        process.popen.kill()


def test_run_alerts_new_items_and_stops_cleanly_on_sigterm(
    service: Process, site: FixtureSite, tmp_path: Path
) -> None:
    service.wait_for("alerts are printed here")
    how = service.wait_for("to alert Telegram chats")
    assert "@BotFather" in how and "READOUT_TELEGRAM_TOKEN" in how
    service.wait_for("kremlin-en: 1 items stored as baseline")
    site.add("/feed", atom((2, "Talks with Putin"), (1, "Baseline item")))
    alert = service.wait_for("Talks with Putin")
    assert alert.startswith("[Kremlin (en)] ")
    assert "leaders: putin" in service.wait_for("leaders:")
    service.popen.send_signal(signal.SIGTERM)
    assert service.popen.wait(timeout=10) == 0
    assert (tmp_path / "data" / "readout.db").exists()


def test_run_stops_on_sigterm_even_when_its_output_pipe_is_gone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
    env["READOUT_HEALTH_LISTEN"] = "127.0.0.1:0"
    popen = subprocess.Popen(
        [sys.executable, "-m", "readout", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert popen.stdout is not None
    assert popen.stdout.readline().startswith(b"readout: watching")
    popen.stdout.close()  # like `readout run | head -1`: every later write hits a closed pipe
    popen.send_signal(signal.SIGTERM)
    assert popen.wait(timeout=10) == 0
