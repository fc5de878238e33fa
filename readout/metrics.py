"""The Prometheus metrics of one running service, in a registry of its own.

A registry per service rather than prometheus-client's global one, so several services in
one process (the tests) do not share counts or collide on names. Metrics are fed at two
points only: the service after each poll (``polled``) and the sender after each delivery
attempt (``delivered``, the sender's hook); what the store already knows (the outbox's
pending deliveries) is read when scraped, so it can never drift from the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import choose_encoder

from readout import __version__
from readout.poll import SourceOutcome
from store.store import FetchState, StoredItem

# Telegram answers in tens of milliseconds; flood control and the rate limiter add seconds.
SEND_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
# Published → sent: a poll interval (minutes) plus sending; hours mean a source dates items
# by the day only (Akorda: local midnight), or a backlog.
DETECTION_BUCKETS = (30, 60, 120, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400)

# A `_created` series beside every counter doubles the scrape for no use of ours.
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.polls = Counter("readout_polls", "Polls of a source", ["source"], registry=r)
        self.poll_failures = Counter(
            "readout_poll_failures", "Polls of a source that failed", ["source"], registry=r
        )
        self.failing_streak = Gauge(
            "readout_source_consecutive_failures",
            "Failed polls of a source in a row (0 when its last poll worked)",
            ["source"],
            registry=r,
        )
        self.last_success = Gauge(
            "readout_source_last_success_timestamp_seconds",
            "When a source was last polled successfully (Unix time)",
            ["source"],
            registry=r,
        )
        self.items_new = Counter(
            "readout_items_new", "New items stored (baseline included)", ["source"], registry=r
        )
        self.entries_kept = Counter(
            "readout_entries_kept",
            "Feed entries served as last read, so not read again",
            ["source"],
            registry=r,
        )
        self.items_updated = Counter(
            "readout_items_updated", "Stored items edited at their source", ["source"], registry=r
        )
        self.deliveries = Counter(
            "readout_deliveries",
            "Delivery attempts by outcome: sent, edited, retried, failed, skipped",
            ["outcome"],
            registry=r,
        )
        self.pending = Gauge(
            "readout_deliveries_pending", "Alerts waiting in the outbox", registry=r
        )
        self.send_seconds = Histogram(
            "readout_send_seconds",
            "Time Telegram took to accept one message or edit",
            buckets=SEND_BUCKETS,
            registry=r,
        )
        self.detection_seconds = Histogram(
            "readout_detection_seconds",
            "From an item's publication time to its alert being sent",
            buckets=DETECTION_BUCKETS,
            registry=r,
        )
        Gauge(
            "readout_start_time_seconds", "When this service started (Unix time)", registry=r
        ).set_to_current_time()
        Gauge("readout_build_info", "Readout's version", ["version"], registry=r).labels(
            __version__
        ).set(1)
        for outcome in ("sent", "edited", "retried", "failed", "skipped"):
            self.deliveries.labels(outcome)

    def watch_telegram(self, up: Callable[[], bool]) -> None:
        """``readout_telegram_up``: only with a token, so that a console-only service does not
        look like one whose Telegram is down."""
        Gauge(
            "readout_telegram_up",
            "1 while Telegram answers the bot, 0 while it is unreachable",
            registry=self.registry,
        ).set_function(lambda: 1.0 if up() else 0.0)

    def watch_outbox(self, pending: Callable[[], int]) -> None:
        """Read the number of pending deliveries from the store at each scrape."""
        self.pending.set_function(pending)

    def restore(self, states: dict[str, FetchState]) -> None:
        """What the store remembers from before a restart: last successes, failure streaks."""
        for source_id, state in states.items():
            if state.last_success:
                moment = datetime.fromisoformat(state.last_success)
                self.last_success.labels(source_id).set(moment.timestamp())
            self.failing_streak.labels(source_id).set(state.consecutive_failures)

    def polled(self, outcome: SourceOutcome, failures: int) -> None:
        source = outcome.source.id
        self.polls.labels(source).inc()
        self.failing_streak.labels(source).set(failures)
        # Every series of a source exists from its first poll on, at 0 if need be, so that
        # rate() and alerting rules see a failure's first increase.
        failed = self.poll_failures.labels(source)
        new, updated = self.items_new.labels(source), self.items_updated.labels(source)
        kept = self.entries_kept.labels(source)
        if not outcome.ok:
            failed.inc()
            return
        self.last_success.labels(source).set(time.time())
        new.inc(len(outcome.new))
        updated.inc(len(outcome.updated))
        kept.inc(outcome.kept)

    def delivered(self, outcome: str, seconds: float | None, stored: StoredItem | None) -> None:
        """The sender's hook: one delivery attempt and how it ended."""
        self.deliveries.labels(outcome).inc()
        if seconds is not None and outcome in ("sent", "edited"):
            self.send_seconds.observe(seconds)
        # A date that is only a day (Akorda, UN News) would time its alert from midnight.
        published = stored.item.published.moment if stored and stored.item.published else None
        if outcome == "sent" and published is not None:
            delay = (datetime.now(UTC) - published).total_seconds()
            self.detection_seconds.observe(max(delay, 0.0))

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The scrape body and its content type (OpenMetrics if the scraper asks for it)."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type
