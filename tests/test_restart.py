"""``readout run`` with Telegram as a subprocess: SIGTERM while Telegram is failing, then a
restart, loses no alert and repeats none."""

import signal
import time
from pathlib import Path

from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_service import Process


def test_sigterm_during_an_outage_then_restart_delivers_exactly_once(
    fake_telegram_thread: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    fake = fake_telegram_thread
    site.add("/feed", atom((1, "Baseline item")))
    (tmp_path / "readout.toml").write_text(
        f'[telegram]\ntoken = "{fake.token}"\napi_base_url = "{fake.bot_url}"\n'
        "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
        f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/feed")}"\ninterval = "1s"\n'
    )
    first = Process(tmp_path)
    first.wait_for("alerts go to Telegram chats")
    fake.push_text_threadsafe("/subscribe putin")
    fake.wait_sent_threadsafe(1)
    fake.threadsafe(lambda: fake.fail_next("sendMessage", 500, "Internal Server Error", times=99))
    site.add("/feed", atom((2, "Putin during the outage"), (1, "Baseline item")))
    fake.wait_call_threadsafe("sendMessage", n=2)  # the alert's first, failed attempt
    first.popen.send_signal(signal.SIGTERM)
    assert first.popen.wait(timeout=10) == 0
    assert len(fake.sent) == 1

    fake.threadsafe(fake.clear_failures)
    second = Process(tmp_path)
    try:
        (_, alert) = fake.wait_sent_threadsafe(2, timeout=30)
        assert "Putin</b> during the outage" in alert["text"]
        _wait_polls(site, len(site.hits("/feed")) + 3)
        assert len(fake.sent) == 2
    finally:
        second.popen.send_signal(signal.SIGTERM)
        assert second.popen.wait(timeout=10) == 0


def _wait_polls(site: FixtureSite, n: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while len(site.hits("/feed")) < n:
        assert time.monotonic() < deadline, f"fewer than {n} polls"
        site.released.wait(0.02)
