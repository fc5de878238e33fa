"""A 100k-item feed ingested by a running ``readout run`` while /healthz and a chat command
are timed: how much slower they answer during the ingest than when idle, in the same run.

The service runs as a subprocess (its event loop is the one measured), polling a feed
served by the local fixture site and talking to the fake Bot API, both in this process.
Once the source has its baseline and a chat follows it, the feed grows to ``--items`` new
entries; /healthz is asked every 0.25 s and /help sent every second until the burst's one
summary reaches the chat, which is when the items are stored and routed.

    python bench/ingest.py [--items 100000]

Goals (issue 17): /healthz within 1 s and a reply within 2 s throughout the ingest.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_telegram import until

USER = 42
HEALTH_EVERY, HELP_EVERY = 0.25, 1.0
HEALTH_GOAL, REPLY_GOAL = 1.0, 2.0


def rss(count: int, start: int = 0) -> bytes:
    """A plain RSS 2.0 feed of ``count`` dated entries: what a large press archive serves."""
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    entries = "".join(
        f"<item><title>Statement number {n} on the talks</title>"
        f"<link>https://bench.example/news/{n}</link>"
        f"<guid>https://bench.example/news/{n}</guid>"
        f"<pubDate>{format_datetime(epoch + timedelta(minutes=n))}</pubDate>"
        f"<description>The lead of statement {n}.</description></item>"
        for n in range(start, start + count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench</title><link>https://bench.example/</link>{entries}</channel></rss>"
    ).encode()


def parsed(db: Path) -> int:
    """Items the last recorded poll parsed, read beside the service (a WAL reader never
    blocks it): set once the poll has stored everything and returned."""
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as store:
        row = store.execute("SELECT last_parsed FROM source_state").fetchone()
        return int(row[0] or 0) if row else 0


class Probe:
    """Times /healthz and /help against the running service."""

    def __init__(self, fake: FakeTelegram, health: str) -> None:
        self.fake = fake
        self.health = health
        self.client = httpx.AsyncClient(timeout=60)
        self.statuses: list[int] = []

    async def healthz(self) -> float:
        started = time.perf_counter()
        response = await self.client.get(f"{self.health}/healthz")
        self.statuses.append(response.status_code)
        return time.perf_counter() - started

    async def help(self) -> float:
        before = len(self.fake.sent)
        started = time.perf_counter()
        self.fake.push_text("/help", chat_id=USER, user_id=USER)
        await self.fake.wait_sent(before + 1, timeout=120)
        return time.perf_counter() - started


async def sample(measure, every: float, until: asyncio.Event) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """(when it was asked, how long it took) until ``until`` is set."""
    found = []
    while not until.is_set():
        found.append((time.perf_counter(), await measure()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), every)
    return found


def summary(
    name: str,
    idle: list[float],
    timed: list[tuple[float, float]],
    goal: float,
    span: tuple[float, float],
    items: int,
) -> None:
    """The figures, then the goal's one line (bench/run.py's format)."""
    idle_median = statistics.median(idle)
    busy = [took for _, took in timed]
    start, end = span
    slow = [f"{(at - start) / (end - start):.0%}" for at, took in timed if took > goal / 2]
    busy_sorted = sorted(busy)
    p95 = busy_sorted[min(len(busy_sorted) - 1, int(len(busy_sorted) * 0.95))]
    verdict = "met" if max(busy) <= goal else "MISSED"
    print(
        f"{name}: idle median {idle_median * 1000:.0f} ms (max {max(idle) * 1000:.0f}); "
        f"during ingest median {statistics.median(busy) * 1000:.0f} ms, p95 {p95 * 1000:.0f}, "
        f"max {max(busy) * 1000:.0f} ms over {len(busy)} samples; "
        f"max/idle median {max(busy) / idle_median:.1f}x; goal <= {goal:.0f}s {verdict}"
    )
    if slow:
        print(f"  over {goal / 2:g}s at {', '.join(slow[:12])} of the ingest")
    print(
        f"{name} stall during a {items:,}-item ingest: max {max(busy) * 1000:.0f} ms, "
        f"median {statistics.median(busy) * 1000:.0f} ms "
        f"(goal <= {goal:g} s) {'ok' if max(busy) <= goal else 'MISS'}"
    )


async def bench(items: int, folder: Path) -> int:
    site = FixtureSite().start()
    site.add("/feed", rss(1))
    async with FakeTelegram() as fake:
        config = folder / "bench.toml"
        config.write_text(
            f'[telegram]\ntoken = "{fake.token}"\napi_base_url = "{fake.bot_url}"\n'
            "[catalog]\nenabled = false\n"
            '[http]\nallow_private_addresses = true\nmax_bytes = 500_000_000\ntimeout = "120s"\n'
            '[health]\nlisten = "127.0.0.1:0"\n'
            f'[store]\npath = "{folder / "bench.db"}"\n'
            f'[[sources]]\nid = "bench"\nurl = "{site.url("/feed")}"\ninterval = "2s"\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("READOUT_")}
        service = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "readout",
            "--config",
            str(config),
            "run",
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        assert service.stderr is not None
        health = ""
        while not health:
            line = (await service.stderr.readline()).decode()
            if not line:
                raise SystemExit("readout run ended before serving its health endpoint")
            if found := re.search(r"health and metrics on (http://\S+)", line):
                health = found[1]
        drain = asyncio.create_task(service.stderr.read())
        probe = Probe(fake, health)
        try:
            await until(lambda: bool(site.hits("/feed")), 60, "the first poll")
            await asyncio.sleep(1)
            fake.push_text("/subscribe bench", chat_id=USER, user_id=USER)
            await fake.wait_sent(1, timeout=60)
            idle = [await probe.healthz() for _ in range(12)]
            idle_help = [await probe.help() for _ in range(6)]

            body = rss(items, start=1)
            print(f"feed: {items:,} new items, {len(body) / 1e6:.1f} MB")
            site.add("/feed", body)
            done = asyncio.Event()
            started = time.perf_counter()
            healthz = asyncio.create_task(sample(probe.healthz, HEALTH_EVERY, done))
            helps = asyncio.create_task(sample(probe.help, HELP_EVERY, done))
            db = folder / "bench.db"
            await until(lambda: parsed(db) == items, 3600, "the poll stored and recorded")
            summarised = lambda: any("new items at once" in m["text"] for m in fake.sent)  # noqa: E731
            await until(summarised, 60, "the burst's summary")
            done.set()
            elapsed = time.perf_counter() - started
            busy, busy_help = await healthz, await helps
            summaries = [m for m in fake.sent if "new items at once" in m["text"]]
            print(
                f"ingest: fetched, parsed and stored in {elapsed:.1f}s "
                f"({items / elapsed:,.0f} items/s); {len(summaries)} summary message"
                f"{'' if len(summaries) == 1 else 's'} to the chat; "
                f"/healthz answered {probe.statuses.count(200)}/{len(probe.statuses)} x 200"
            )
            span = (started, started + elapsed)
            summary("/healthz", idle, busy, HEALTH_GOAL, span, items)
            summary("/help reply", idle_help, busy_help, REPLY_GOAL, span, items)
            ok = all(t <= HEALTH_GOAL for _, t in busy) and all(
                t <= REPLY_GOAL for _, t in busy_help
            )
            return 0 if ok and len(summaries) == 1 else 1
        finally:
            await probe.client.aclose()
            service.send_signal(signal.SIGTERM)
            await asyncio.wait_for(service.wait(), 60)
            logged = (await drain).decode().splitlines()
            errors = [line for line in logged if " ERROR " in line or "Traceback" in line]
            print(f"service: exit {service.returncode}, {len(errors)} error lines logged")
            for line in errors[:5]:
                print("  " + line[:2000])
            site.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(bench(args.items, Path(folder)))


if __name__ == "__main__":
    sys.exit(main())
