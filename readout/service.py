"""``readout run``: the long-lived process that polls every source on its own schedule.

One APScheduler job per enabled source, so a slow or failing source never delays the
others; a failing source's job is moved further out after each failure (readout.schedule)
and back to its interval on success. New items that are not a source's baseline become
alerts. Telegram delivery is not part of this slice yet: alerts go to the terminal, and
start-up says so.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.matching import Matcher
from readout.config import Config
from readout.poll import SourceOutcome, poll_source
from readout.schedule import jitter, poll_delay
from scrapers.fetch import Fetcher
from scrapers.model import Item, Source
from store.store import Store

log = logging.getLogger(__name__)
START_STAGGER_SECONDS = 2.0


def run_service(config: Config) -> int:
    """Run until SIGTERM or SIGINT; 0 on a clean stop."""
    return asyncio.run(Service(config).run())


class Service:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.sources = [s for s in config.sources if s.enabled]
        self.matcher = Matcher(config.leaders)
        self.stopping = asyncio.Event()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stopping.set)
        self._announce()
        with Store(self.config.settings.store.path) as store:
            store.sync_sources(self.sources)
            async with Fetcher(self.config.settings.http.policy()) as fetcher:
                scheduler = AsyncIOScheduler(timezone=UTC)
                self._schedule(scheduler, store, fetcher)
                scheduler.start()
                await self.stopping.wait()
                print("readout: stopping", file=sys.stderr, flush=True)
                scheduler.shutdown(wait=False)
        return 0

    def _announce(self) -> None:
        where = "no Telegram token" if not self.config.token else "Telegram delivery not built yet"
        print(
            f"readout: watching {len(self.sources)} sources with {len(self.config.leaders)} "
            f"leaders ({self.config.origin}); {where}: alerts are printed here",
            file=sys.stderr,
            flush=True,
        )

    def _interval(self, source: Source) -> float:
        return source.interval or self.config.settings.scheduler.interval

    def _schedule(self, scheduler: AsyncIOScheduler, store: Store, fetcher: Fetcher) -> None:
        start = datetime.now(UTC)
        step = START_STAGGER_SECONDS / max(len(self.sources), 1)
        for index, source in enumerate(self.sources):
            interval = self._interval(source)
            scheduler.add_job(
                self._poll,
                trigger="interval",
                seconds=interval,
                jitter=jitter(interval),
                args=(scheduler, source, store, fetcher),
                id=source.id,
                name=source.id,
                next_run_time=start + timedelta(seconds=index * step),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(int(interval), 1),
            )

    async def _poll(
        self, scheduler: AsyncIOScheduler, source: Source, store: Store, fetcher: Fetcher
    ) -> None:
        outcome = await poll_source(source, fetcher, store, self.matcher)
        failures = store.fetch_state(source.id).consecutive_failures
        interval = self._interval(source)
        delay = poll_delay(interval, failures)
        if not outcome.ok:
            log.warning("%s failed (%d in a row): %s", source.id, failures, outcome.error)
        scheduler.reschedule_job(source.id, trigger="interval", seconds=delay, jitter=jitter(delay))
        self._alert(outcome)

    def _alert(self, outcome: SourceOutcome) -> None:
        if outcome.baseline:
            log.info("%s: %d items stored as baseline", outcome.source.id, len(outcome.new))
            return
        for item in outcome.new:
            print(render_console_alert(item, outcome.source), flush=True)


def render_console_alert(item: Item, source: Source) -> str:
    when = item.published.isoformat(timespec="minutes") if item.published else "undated"
    leaders = ", ".join(item.leaders) or "-"
    return f"[{source.name}] {item.title}\n  {when} | leaders: {leaders}\n  {item.url or ''}"
