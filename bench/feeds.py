"""1,000 feed readers at once: the running service's Atom feed, /healthz and alerts.

Through the real service (PTB against the fake Bot API, the fixture site, SQLite), a
client in a process of its own (so its work does not share the service's interpreter)
sends ``--requests`` concurrent ``GET /feeds/putin.atom``, half of them conditional on
the ETag the feed had before an item was published as the flood starts.
Measured in the same run:

- /healthz latency idle (the baseline) and during the flood, median and worst;
- how long the flood took, and what it was answered (200, 304, 503);
- whether the service kept polling (fixture-site hits during the flood) and sending (an
  alert for an item published as the flood starts, and the seconds it took).

    python bench/feeds.py [--requests 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_telegram import Harness, serving, until


async def health_seconds(client: httpx.AsyncClient, url: str, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.monotonic()
        answer = await client.get(url)
        assert answer.status_code == 200, answer.text
        times.append(time.monotonic() - started)
        await asyncio.sleep(0.01)
    return times


async def alert_seconds(harness: Harness, number: int, title: str) -> float:
    """From publishing an item about Putin to its alert reaching the fake Bot API."""
    sent = len(harness.fake.sent)
    harness.publish((number, title), *((n, f"Meeting {n} with Putin") for n in range(1, 49)))
    started = time.monotonic()
    await until(lambda: len(harness.fake.sent) > sent, 60, "the alert")
    return time.monotonic() - started


def flood(url: str, requests: int, etag: str) -> None:
    """The client process: the requests at once, then one JSON line of what came back."""

    async def run() -> None:
        results: Counter[int] = Counter()
        limits = httpx.Limits(max_connections=requests, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits, timeout=120) as client:

            async def one(index: int) -> None:
                headers = {"If-None-Match": etag} if index % 2 else {}
                results[(await client.get(url, headers=headers)).status_code] += 1

            started = time.monotonic()
            await asyncio.gather(*(one(i) for i in range(requests)))
        print(json.dumps({"seconds": time.monotonic() - started, "statuses": results}))

    asyncio.run(run())


async def main(requests: int) -> None:
    site = FixtureSite().start()
    fake = await FakeTelegram().start()
    site.add(
        "/feed", atom(*((n, f"Meeting {n} with Putin") for n in range(1, 51)))
    )  # a full feed of 50 entries to render
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with serving(fake, site, Path(folder)) as harness:
                assert harness.service.endpoint is not None
                base = f"http://{harness.service.endpoint.address}"
                await harness.command("/subscribe putin")
                async with httpx.AsyncClient() as client:
                    idle = await health_seconds(client, f"{base}/healthz", 20)
                    quiet_alert = await alert_seconds(harness, 98, "Talks with Putin, quietly")
                    etag = (await client.get(f"{base}/feeds/putin.atom")).headers["etag"]
                    polls_before = len(site.hits("/feed"))
                    alerting = asyncio.create_task(
                        alert_seconds(harness, 99, "Talks with Putin during the flood")
                    )
                    client_process = await asyncio.create_subprocess_exec(
                        sys.executable,
                        __file__,
                        "--client",
                        f"{base}/feeds/putin.atom",
                        "--requests",
                        str(requests),
                        "--etag",
                        etag,
                        stdout=asyncio.subprocess.PIPE,
                    )
                    during = []
                    while client_process.returncode is None:
                        during += await health_seconds(client, f"{base}/healthz", 1)
                    out, _ = await client_process.communicate()
                    answered = json.loads(out)
                    flood_alert = await alerting
                    polls = len(site.hits("/feed")) - polls_before
    finally:
        await fake.stop()
        site.stop()
    print(
        f"{requests} concurrent feed requests answered in {answered['seconds']:.2f} s: "
        f"{answered['statuses']}"
    )
    print(
        f"/healthz idle: median {statistics.median(idle) * 1000:.1f} ms, "
        f"worst {max(idle) * 1000:.1f} ms"
    )
    print(
        f"/healthz during the flood ({len(during)} asked): median "
        f"{statistics.median(during) * 1000:.1f} ms, worst {max(during) * 1000:.1f} ms "
        f"({statistics.median(during) / statistics.median(idle):.1f}x idle median)"
    )
    print(
        f"polls meanwhile: {polls}; an item published as the flood starts was alerted after "
        f"{flood_alert:.2f} s (one published before it, with no flood: {quiet_alert:.2f} s)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--etag", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        flood(args.client, args.requests, args.etag)
    else:
        asyncio.run(main(args.requests))
