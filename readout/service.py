"""``readout run``: the long-lived process that polls sources and delivers alerts.

One APScheduler job per enabled source, so a slow or failing source never delays the
others; a failing source's job is moved further out after each failure (readout.schedule)
and back to its interval on success. With a Telegram token, new items are routed to
subscribed chats through the durable outbox and the bot answers chat commands; without
one, alerts are printed to the terminal, and start-up says which it is.

Beside the polls, the service serves ``/healthz`` and ``/metrics`` (readout.endpoint) on
its own event loop, and runs a store upkeep job (retention, WAL checkpoint) every
``store.maintenance_interval``.

Restarting is quick because the first polls do not wait for the Telegram side: this
module imports neither python-telegram-bot nor ``bot/`` beyond routing. Once the health
endpoint and the scheduler are up, the Telegram stack (about half of all start-up
imports) is imported on a worker thread while the first polls run, and the methods that
use it import its names in their own bodies. Items found meanwhile are routed to the
outbox as usual; the sender starts on them as soon as it exists.
"""

from __future__ import annotations

import asyncio
import html
import importlib
import logging
import random
import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.reader import Wording, reader_of
from bot.routing import route
from readout.atom import AtomFeeds
from readout.config import TOKEN_ENV
from readout.endpoint import Degraded, Endpoint, EndpointError
from readout.health import fallback_change, judge
from readout.logs import status
from readout.metrics import Metrics
from readout.poll import SourceOutcome, poll_source
from readout.registry import Registry
from readout.schedule import jitter, poll_delay
from scrapers.fetch import Fetcher
from scrapers.model import Item, Source
from store.maintenance import BATCH, Maintenance, cutoff, probe_writable
from store.store import Routing, Store

if TYPE_CHECKING:
    from telegram.error import TelegramError
    from telegram.ext import Application, ExtBot

    from bot.link import TelegramLink
    from bot.sender import Sender
    from readout.config import Config

log = logging.getLogger(__name__)
START_STAGGER_SECONDS = 2.0
STOP_GRACE_SECONDS = 8.0
# Upkeep runs this long after start-up (or sooner if its interval is shorter), then on its
# interval. Its job lives in its own job store, apart from the one job per source.
UPKEEP_FIRST_SECONDS = 60.0
UPKEEP_JOB, UPKEEP_STORE = "@upkeep", "upkeep"
# One cron job per chat that takes a digest, in its own job store; beside them a check
# that notices a chat's new time zone (set by /timezone) and any fire time the cron job
# missed (a long stall), as often as this.
DIGEST_STORE, DIGEST_CHECK_JOB, DIGEST_CHECK_SECONDS = "digests", "@digests", 60.0
DIGEST_JOB_PREFIX = "@digest:"
# Imported on a worker thread during start-up; the rest of the stack comes with them.
TELEGRAM_SIDE = ("bot.application", "bot.sender", "readout.operations")
# Reaching Telegram again after a failure: 1 s, doubling up to 60 s, each jittered.
CONNECT_FIRST_SECONDS, CONNECT_CAP_SECONDS = 1.0, 60.0


def connect_delay(attempt: int) -> float:
    """Seconds before connection attempt ``attempt + 1``: exponential, with jitter (half to
    all of the step) so that many instances do not knock on Telegram in step."""
    step = min(CONNECT_CAP_SECONDS, CONNECT_FIRST_SECONDS * 2.0 ** min(attempt, 16))
    return step * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


class TokenRejected(Exception):
    """Telegram refused the bot token: the one Telegram failure a wait cannot mend."""


def import_telegram_side() -> None:
    """Run on a worker thread so the event loop can poll meanwhile: imports hold the GIL
    only between bytecodes, like any Python code, so the two take turns."""
    for name in TELEGRAM_SIDE:
        importlib.import_module(name)


def run_service(config: Config) -> int:
    """Run until SIGTERM or SIGINT; 0 on a clean stop. A second signal exits at once."""
    return asyncio.run(Service(config).run())


class Service:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.stopping = asyncio.Event()
        self.sender: Sender | None = None
        self.application: Application | None = None  # type: ignore[type-arg]
        self.alert_bot: ExtBot | None = None  # type: ignore[type-arg]
        self.link: TelegramLink | None = None
        self.metrics = Metrics()
        self.endpoint: Endpoint | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self._sending: asyncio.Task[None] | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._connected = False
        self._commands_set = False

    async def run(self, handle_signals: bool = True) -> int:
        """Serve until ``stopping`` is set (by a signal, or by the caller)."""
        if handle_signals:
            self._install_signals()
        with Store(self.config.settings.store.path) as store:
            registry = Registry(self.config, store)
            store.sync_sources(registry.sources())
            self.metrics.restore(store.states())
            self.metrics.watch_outbox(lambda: store.outbox.counts().get("pending", 0))
            async with Fetcher(self.config.settings.http.policy()) as fetcher:
                self._announce(registry, telegram=bool(self.config.token))
                scheduler = self.scheduler = AsyncIOScheduler(timezone=UTC)
                registry.listeners.append(lambda: self._sync_jobs(scheduler, registry, fetcher))
                self._sync_jobs(scheduler, registry, fetcher)
                self._schedule_upkeep(scheduler, store)
                feeds = AtomFeeds(store, registry.leaders, registry.sources)
                try:
                    await self._serve(scheduler, store, registry, fetcher, feeds)
                except EndpointError as error:
                    status(str(error))
                    return 1
                except TokenRejected:
                    status(
                        f"Telegram rejected the bot token (telegram.token): check it with "
                        f"@BotFather (/mybots → API Token) and set it again in {TOKEN_ENV}"
                    )
                    return 1
        status("stopped")
        return 0

    async def _serve(
        self,
        scheduler: AsyncIOScheduler,
        store: Store,
        registry: Registry,
        fetcher: Fetcher,
        feeds: AtomFeeds,
    ) -> None:
        """The health endpoint first (so its address is known early), then the polls, then
        the Telegram side, imported while the first polls run (see the module's note)."""
        endpoint = Endpoint(
            self.config.settings.health.listen,
            lambda: self._health(scheduler, store),
            self.metrics.exposition,
            feeds,
        )
        async with endpoint:
            self.endpoint = endpoint
            status(
                f"health and metrics on http://{endpoint.address} "
                "(/healthz, /metrics, /feeds/<id>.atom)"
            )
            scheduler.start()
            if not self.config.token:
                await self.stopping.wait()
                scheduler.shutdown(wait=False)
                return
            try:
                await asyncio.to_thread(import_telegram_side)
                application = self._application(store, registry, fetcher)
                self._schedule_digests(scheduler, store, application)
            except BaseException:
                scheduler.shutdown(wait=False)
                raise
            await self._run_with_telegram(application, scheduler, store)

    async def _health(self, scheduler: AsyncIOScheduler, store: Store) -> str | Degraded | None:
        """What ``GET /healthz`` answers: a reason to restart (503), Degraded, or None.

        Telegram being unreachable is never a reason to restart: alerts wait in the
        outbox and the bot reconnects by itself, so it is 200 "degraded", with the count.
        """
        if self.stopping.is_set():
            return "stopping"
        if not scheduler.running:
            return "scheduler not running"
        if self.application is not None:
            tasks = (("sender", self._sending), ("telegram connection", self._connecting))
            for name, task in tasks:
                if task is None:
                    return f"{name} not started"
                if task.done():
                    error = None if task.cancelled() else task.exception()
                    return f"{name} stopped: {error!r}" if error else f"{name} stopped"
            updater = self.application.updater
            if self._connected and (updater is None or not updater.running):
                return "not receiving Telegram updates"
        path = self.config.settings.store.path
        if path != ":memory:":
            try:
                await asyncio.to_thread(probe_writable, path)
            except (sqlite3.Error, OSError) as error:
                return f"store not writable: {error}"
        if self.link is not None and (problem := self.link.problem()) is not None:
            waiting = store.outbox.counts().get("pending", 0)
            return Degraded(f"telegram {problem} ({waiting} waiting)")
        return None

    def _schedule_upkeep(self, scheduler: AsyncIOScheduler, store: Store) -> None:
        interval = self.config.settings.store.maintenance_interval
        first = datetime.now(UTC) + timedelta(seconds=min(UPKEEP_FIRST_SECONDS, interval))
        scheduler.add_jobstore(MemoryJobStore(), UPKEEP_STORE)
        scheduler.add_job(
            self._upkeep,
            trigger="interval",
            seconds=interval,
            args=(store,),
            id=UPKEEP_JOB,
            name="store upkeep",
            jobstore=UPKEEP_STORE,
            next_run_time=first,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(int(interval), 1),
        )

    def _schedule_digests(
        self,
        scheduler: AsyncIOScheduler,
        store: Store,
        application: Application,  # type: ignore[type-arg]
    ) -> None:
        """Digest jobs from the stored choices; /digest reschedules its chat at once."""
        from bot.hours import RESCHEDULE

        scheduler.add_jobstore(MemoryJobStore(), DIGEST_STORE)
        self.sync_digests(scheduler, store)
        application.bot_data[RESCHEDULE] = lambda chat_id: self.sync_digest(
            scheduler, store, chat_id
        )
        scheduler.add_job(
            self.sync_digests,
            trigger="interval",
            seconds=DIGEST_CHECK_SECONDS,
            args=(scheduler, store),
            id=DIGEST_CHECK_JOB,
            name="digest plans",
            jobstore=DIGEST_STORE,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(DIGEST_CHECK_SECONDS),
        )

    def sync_digests(self, scheduler: AsyncIOScheduler, store: Store) -> None:
        """Every chat's digest job as its stored choices say (a new zone, a new period)."""
        from store.digests import HeldDeliveries

        chats = {chat_id for chat_id, _, _ in HeldDeliveries(store.db).digest_chats()}
        for job in scheduler.get_jobs(jobstore=DIGEST_STORE):
            if job.id.startswith(DIGEST_JOB_PREFIX):
                chats.add(int(job.id.removeprefix(DIGEST_JOB_PREFIX)))
        for chat_id in sorted(chats):
            self.sync_digest(scheduler, store, chat_id)

    def sync_digest(self, scheduler: AsyncIOScheduler, store: Store, chat_id: int) -> None:
        """The chat's digest job, and its digest if one is owed now.

        It is also what the job runs when it fires: a fire time after the chat's mark is
        owed once (store.digests), whether the job fired on time, late, or while the
        service was down. A new plan (period or zone) owes only fire times from now on: the
        alerts collected go at its next fire time."""
        from bot.hours import digest_trigger, missed_digest, plan
        from store.digests import HeldDeliveries

        chosen = store.preferences.of(chat_id)
        job_id = f"{DIGEST_JOB_PREFIX}{chat_id}"
        trigger = digest_trigger(chosen.digest, chosen.timezone)
        job = scheduler.get_job(job_id, jobstore=DIGEST_STORE)
        if trigger is None:
            if job is not None:
                job.remove()
            return
        wanted = plan(chosen.digest, chosen.timezone)
        held = HeldDeliveries(store.db)
        mark = held.mark(chat_id)
        now = datetime.now(UTC)
        if mark is None or mark.plan != wanted:
            held.set_mark(chat_id, wanted, now)
        else:
            fired = missed_digest(chosen.digest, chosen.timezone, mark.since, now)
            if fired is not None and held.owe(chat_id, wanted, fired, now) and self.sender:
                self.sender.wake()
        if job is not None and job.name == wanted:
            return
        scheduler.add_job(
            self.sync_digest,
            trigger=trigger,
            args=(scheduler, store, chat_id),
            id=job_id,
            name=wanted,
            jobstore=DIGEST_STORE,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )

    async def _upkeep(self, store: Store) -> None:
        """Retention, then PRAGMA optimize and a WAL checkpoint: bounded disk over months.

        Deletes go in small transactions with the event loop free between them, so polls
        and sends carry on while a large backlog is pruned.
        """
        settings = self.config.settings.store
        upkeep = Maintenance(store.db)
        items = deliveries = 0
        try:
            if settings.keep_deliveries_days:
                older = cutoff(settings.keep_deliveries_days)
                while (pruned := upkeep.prune_deliveries(older)) > 0:
                    deliveries += pruned
                    await asyncio.sleep(0)
                while upkeep.prune_audit(older) > 0:  # noqa: ASYNC110 - yields between batches
                    await asyncio.sleep(0)
            if settings.keep_items_days:
                older = cutoff(settings.keep_items_days)
                while (pruned := upkeep.prune_items(older)) > 0:
                    items += pruned
                    if pruned < BATCH:
                        break
                    await asyncio.sleep(0)
            pages = upkeep.tidy()
        except sqlite3.Error as error:
            log.error("store upkeep failed: %s", error)
            return
        log.info(
            "store upkeep: deleted %d items and %d deliveries; checkpointed %d WAL pages",
            items,
            deliveries,
            pages,
        )

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()

        def first_signal() -> None:
            if self.stopping.is_set():
                raise SystemExit(1)
            self.stopping.set()  # first: saying so may fail, stopping must not
            status("stopping")

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, first_signal)

    def _application(self, store: Store, registry: Registry, fetcher: Fetcher) -> Application:  # type: ignore[type-arg]
        from bot.application import build_alert_bot, build_application
        from bot.chat import Readout
        from bot.flood import TelegramLimits
        from bot.link import TelegramLink
        from bot.sender import Sender
        from readout.operations import Operations

        telegram = self.config.settings.telegram
        link = self.link = TelegramLink()
        limits = TelegramLimits()
        operations = Operations(
            registry,
            store,
            fetcher,
            self.config.settings.scheduler.failures_before_alert,
            telegram=link.problem,
        )
        readout = Readout(
            store=store,
            leaders=registry.leaders,
            sources=lambda: [s for s in registry.sources() if s.enabled],
            admins=frozenset(telegram.admins),
            ops=operations,
        )
        application = build_application(
            self.config.token,
            telegram.api_base_url,
            readout,
            telegram.link_previews,
            link=link,
            limits=limits,
        )
        self.alert_bot = build_alert_bot(
            self.config.token, telegram.api_base_url, link, limits, telegram.link_previews
        )
        self.sender = Sender(
            store,
            self.alert_bot,
            leader_names=lambda: {leader.id: leader.name for leader in registry.leaders()},
            highlight=lambda text: [(m.start, m.end) for m in registry.matcher().matches(text)],
            link_previews=telegram.link_previews,
            on_attempt=self.metrics.delivered,
            admins=telegram.admins,
            online=link.up,
        )
        link.on_up.append(self.sender.wake)
        self.metrics.watch_telegram(link.up.is_set)
        readout.on_subscribed = self.sender.wake
        self.application = application
        return application

    async def _run_with_telegram(
        self,
        application: Application,  # type: ignore[type-arg]
        scheduler: AsyncIOScheduler,
        store: Store,
    ) -> None:
        """The outbox starts at once (the polls already have); the bot joins whenever
        Telegram answers.

        Raises TokenRejected once Telegram has rejected the token, at start-up or later.
        """
        assert self.sender is not None and self.link is not None
        sending = asyncio.create_task(self.sender.run(self.stopping))
        sending.add_done_callback(self._sender_ended)
        self._sending = sending
        self._connecting = asyncio.create_task(self._keep_connected(application))
        waiters = {
            asyncio.create_task(self.stopping.wait()),
            asyncio.create_task(self.link.rejected.wait()),
        }
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            self.stopping.set()
            scheduler.shutdown(wait=False)
            self._connecting.cancel()
            await asyncio.wait({self._connecting}, timeout=STOP_GRACE_SECONDS)
            await self._stop_sending(sending)
            await self._disconnect(application)
        if self.link.rejected.is_set():
            raise TokenRejected

    async def _stop_sending(self, sending: asyncio.Task[None]) -> None:
        """Let an alert on the wire get its answer recorded; anything else the sender may be
        doing (sitting out a flood wait, pacing a chat, idling) is safe to cancel at once."""
        from bot.flood import FloodGate

        gate = self.alert_bot.rate_limiter if self.alert_bot is not None else None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_GRACE_SECONDS
        while not sending.done() and loop.time() < deadline:
            if isinstance(gate, FloodGate) and gate.on_wire == 0:
                break
            await asyncio.wait({sending}, timeout=0.05)
        if not sending.done():
            sending.cancel()
            await asyncio.wait({sending}, timeout=1)

    async def _keep_connected(self, application: Application) -> None:  # type: ignore[type-arg]
        """Connect, and while connected, probe Telegram whenever the link is down.

        The updater's own retries would notice Telegram's return too, but only at the end
        of a long poll; a cheap getMe at 1 s, 2 s, 4 s ... 60 s (jittered) notices sooner,
        and the sender, which holds alerts while the link is down, starts sooner.
        """
        from telegram.error import InvalidToken, NetworkError, TelegramError

        assert self.link is not None
        attempt = 0
        while True:
            if self._connected and self.link.up.is_set():
                await self.link.down.wait()
                attempt = 0
            try:
                if self._connected:
                    await application.bot.get_me()
                else:
                    await self._connect(application)
                attempt = 0
                continue
            except InvalidToken:  # its message holds the token: only the scrubbed log has it
                log.debug("Telegram rejected the token", exc_info=True)
                self.link.rejected.set()
                return
            except NetworkError as error:  # the link has logged the change of state
                log.debug("Telegram still unreachable: %s", error.message)
            except TelegramError as error:
                log.warning("connecting to Telegram failed: %s", error.message)
            await asyncio.sleep(connect_delay(attempt))
            attempt += 1

    async def _connect(self, application: Application) -> None:  # type: ignore[type-arg]
        """Each step is skipped once done, so a failure part-way resumes where it stopped."""
        from telegram import Update
        from telegram.error import NetworkError, TelegramError

        from bot.commands import bot_commands
        from bot.i18n import LANGUAGES, SOURCE_LANGUAGE

        assert self.alert_bot is not None
        await application.initialize()  # getMe: Telegram checks the token here
        await self.alert_bot.initialize()
        if not self._commands_set:
            try:
                await application.bot.set_my_commands(bot_commands())
                for language in LANGUAGES:
                    if language != SOURCE_LANGUAGE:
                        await application.bot.set_my_commands(
                            bot_commands(language), language_code=language
                        )
            except NetworkError:
                raise
            except TelegramError as error:  # a menu is a nicety: never worth not running
                log.warning("could not set the command menu: %s", error.message)
            self._commands_set = True
        if not application.running:
            await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER],
            error_callback=self._polling_failed,
        )
        self._connected = True
        name = application.bot.username
        status(
            f"connected to Telegram as @{name}: send it /start (https://t.me/{name}); "
            "its reply tells you your Telegram id"
            + ("" if self.config.settings.telegram.admins else ", which telegram.admins wants")
        )

    def _polling_failed(self, error: TelegramError) -> None:
        """PTB's updater retries getUpdates by itself and would log each failure with a
        traceback; the link logs each change of state once instead (bot.link)."""
        log.debug("getUpdates failed: %s", error.message)

    async def _disconnect(self, application: Application) -> None:  # type: ignore[type-arg]
        updater = application.updater
        if updater is not None and updater.running:
            # Stopping, the updater confirms what it fetched with one last getUpdates; with
            # Telegram away that fails as expected, and PTB would log it as an error with a
            # traceback. Those updates are simply fetched again at the next start.
            quiet = _SkipRecord("Error while calling `get_updates` one more time")
            updates_log = logging.getLogger("telegram.ext.Updater")
            if self.link is not None and not self.link.up.is_set():
                updates_log.addFilter(quiet)
            try:
                await updater.stop()
            finally:
                updates_log.removeFilter(quiet)
        if application.running:
            await application.stop()
        await application.shutdown()
        await application.bot.shutdown()  # if initialize() failed part-way, its pools are open
        if self.alert_bot is not None:
            await self.alert_bot.shutdown()

    def _sender_ended(self, sending: asyncio.Task[None]) -> None:
        if not sending.cancelled() and (error := sending.exception()) is not None:
            log.error("the sender stopped; no alerts go out until restart", exc_info=error)

    def _announce(self, registry: Registry, telegram: bool) -> None:
        where = (
            "alerts go to Telegram chats"
            if telegram
            else "no Telegram token: alerts are printed here"
        )
        status(
            f"watching {len([s for s in registry.sources() if s.enabled])} sources "
            f"with {len(registry.leaders())} "
            f"leaders ({self.config.origin}); {where}"
        )
        if not telegram:
            status(
                "to alert Telegram chats: create a bot with @BotFather in Telegram (/newbot), "
                f"put the token it gives in {TOKEN_ENV} (or telegram.token in the config "
                "file) and start again"
            )

    def _interval(self, source: Source) -> float:
        return source.interval or self.config.settings.scheduler.interval

    def _sync_jobs(self, scheduler: AsyncIOScheduler, registry: Registry, fetcher: Fetcher) -> None:
        """One job per enabled source: new ones start soon, removed or paused ones stop."""
        wanted = {s.id: s for s in registry.sources() if s.enabled}
        for job in scheduler.get_jobs(jobstore="default"):
            if job.id not in wanted:
                job.remove()
        start = datetime.now(UTC)
        step = START_STAGGER_SECONDS / max(len(wanted), 1)
        for index, source in enumerate(wanted.values()):
            if scheduler.get_job(source.id) is not None:
                continue
            interval = self._interval(source)
            scheduler.add_job(
                self._poll,
                trigger="interval",
                seconds=interval,
                jitter=jitter(interval),
                args=(scheduler, registry, source.id, fetcher),
                id=source.id,
                name=source.id,
                next_run_time=start + timedelta(seconds=index * step),
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(int(interval), 1),
            )

    async def _poll(
        self,
        scheduler: AsyncIOScheduler,
        registry: Registry,
        source_id: str,
        fetcher: Fetcher,
    ) -> None:
        source = registry.source(source_id)
        if source is None or not source.enabled:
            return
        store = registry.store
        before = store.fetch_state(source.id)
        telegram = self.config.settings.telegram
        router = None
        if self.config.token:  # routed from the first poll on, before the sender exists
            router = Routing(route, telegram.burst_limit, telegram.admins)
        outcome = await poll_source(source, fetcher, store, registry.matcher(), router)
        failures = store.fetch_state(source.id).consecutive_failures
        self.metrics.polled(outcome, failures)
        delay = poll_delay(self._interval(source), failures)
        if not self.stopping.is_set() and scheduler.get_job(source.id) is not None:
            scheduler.reschedule_job(
                source.id, trigger="interval", seconds=delay, jitter=jitter(delay)
            )
        threshold = self.config.settings.scheduler.failures_before_alert
        notice = judge(before, outcome, failures, threshold)
        if notice is not None:
            store.set_announced(source.id, notice.announced)
            await self._tell_admins(store, notice.said)
        change = fallback_change(before, outcome, datetime.now(UTC).isoformat(timespec="seconds"))
        if change is not None:
            store.set_fallback(source.id, change.since)
            if change.said is not None:
                await self._tell_admins(store, change.said)
        self._announce_items(outcome)

    async def _tell_admins(self, store: Store, said: Wording) -> None:
        """Health notices go straight to each admin, in the language of their chat with the
        bot (bot.reader); a failed one is logged, not queued."""
        log.warning("%s", said)  # a source's change of state: one line, whoever hears it
        if self.application is None or not self._connected:  # the log line is all there is
            return
        from telegram.error import TelegramError

        for admin in self.config.settings.telegram.admins:
            text = said.in_(reader_of(store, admin).texts)
            try:
                await self.application.bot.send_message(admin, html.escape(text))
            except TelegramError as error:
                log.warning("could not tell admin %s: %s", admin, error.message)

    def _announce_items(self, outcome: SourceOutcome) -> None:
        if outcome.baseline:
            log.info("%s: %d items stored as baseline", outcome.source.id, len(outcome.new))
            return
        if self.config.token:
            if self.sender is not None and (outcome.queued or outcome.updated):
                self.sender.wake()
            return
        try:
            for item in outcome.new:
                print(render_console_alert(item, outcome.source), flush=True)
        except BrokenPipeError:  # `readout run | head`: the reader has what it wanted
            self.stopping.set()


class _SkipRecord(logging.Filter):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


def render_console_alert(item: Item, source: Source) -> str:
    when = item.published.isoformat(timespec="minutes") if item.published else "undated"
    leaders = ", ".join(item.leaders) or "-"
    return f"[{source.name}] {item.title}\n  {when} | leaders: {leaders}\n  {item.url or ''}"
