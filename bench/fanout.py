"""Fan one alert out to many subscribed chats through the fake Bot API, with Readout's
rate limiter (bot.flood), and compare the wall time with Telegram's own limit
(30 messages a second). Then measure end-to-end latency: an item appearing at a source
until its sendMessage reaches the fake server, through the running service.

    python bench/fanout.py [--chats 1000] [--latency-items 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.leaders import LEADERS
from bot.application import build_application
from bot.chat import Readout
from bot.routing import route
from bot.sender import Sender
from readout.config import load_config
from readout.service import Service
from scrapers.model import Item, Source
from store.store import Store
from store.subscriptions import Target
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom

TELEGRAM_RATE = 30.0  # messages per second, all chats together
SOURCE = Source(id="kremlin-en", name="Kremlin (en)", url="http://en.kremlin.ru/feed")


async def fanout(chats: int, folder: Path) -> None:
    async with FakeTelegram() as fake:
        with Store(folder / "fanout.db") as store:
            store.sync_sources([SOURCE])
            store.save_items(SOURCE.id, [Item(SOURCE.id, "baseline", "http://k.ru/0")])
            for chat in range(1, chats + 1):
                store.subscriptions.ensure_chat(chat, "private")
                store.subscriptions.add(Target(chat), "leader", "putin")
            item = Item(SOURCE.id, "Putin speaks", "http://k.ru/1", leaders=("putin",))
            queued = store.save_items(SOURCE.id, [item], route=route).queued
            readout = Readout(store, lambda: LEADERS, lambda: [SOURCE])
            application = build_application(fake.token, fake.bot_url, readout)
            names = {leader.id: leader.name for leader in LEADERS}
            async with application:
                sender = Sender(store, application.bot, lambda: names, lambda _: [])
                started = time.perf_counter()
                await sender.drain()
                elapsed = time.perf_counter() - started
            assert len(fake.sent) == queued == chats, (len(fake.sent), queued)
            ideal = chats / TELEGRAM_RATE
            print(f"fan-out: {chats} chats, {len(fake.sent)} messages in {elapsed:.1f}s")
            print(
                f"  Telegram's limit allows {ideal:.1f}s; ratio {elapsed / ideal:.2f}x "
                f"(goal <= 1.10x); {chats / elapsed:.1f} msg/s"
            )


async def latency(items: int, folder: Path) -> None:
    site = FixtureSite().start()
    try:
        async with FakeTelegram() as fake:
            site.add("/feed", atom((1, "Baseline")))
            config = folder / "latency.toml"
            config.write_text(
                f'[telegram]\ntoken = "{fake.token}"\napi_base_url = "{fake.bot_url}"\n'
                "[catalog]\nenabled = false\n[http]\nallow_private_addresses = true\n"
                f'[store]\npath = "{folder / "latency.db"}"\n'
                f'[[sources]]\nid = "kremlin-en"\nurl = "{site.url("/feed")}"\n'
                'interval = "1s"\n'
            )
            service = Service(load_config(config, env={}))
            task = asyncio.create_task(service.run(handle_signals=False))
            fake.push_text("/subscribe putin")
            await fake.wait_sent(1)
            samples = []
            entries: list[tuple[int, str]] = [(1, "Baseline")]
            for n in range(2, items + 2):
                entries.insert(0, (n, f"Putin statement {n}"))
                published = time.perf_counter()
                site.add("/feed", atom(*entries))
                await fake.wait_sent(n, timeout=30)
                samples.append(time.perf_counter() - published)
            service.stopping.set()
            await task
            print(f"latency: item published -> sendMessage, {items} items, poll interval 1s")
            print(
                f"  median {statistics.median(samples):.2f}s, max {max(samples):.2f}s "
                "(bounded by the poll interval plus jitter)"
            )
    finally:
        site.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--latency-items", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(fanout(args.chats, Path(folder)))
        asyncio.run(latency(args.latency_items, Path(folder)))


if __name__ == "__main__":
    main()
