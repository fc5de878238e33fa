"""A date the source gave without a time stays a date: in ``--json``, alerts, /recent and
the store; and it never times how late an alert was."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from bot.alerts import render_alert
from readout.metrics import Metrics
from scrapers.model import Item, Published, Source
from store.store import Store, StoredItem
from tests.conftest import SITES, Run
from tests.fake_telegram import FakeTelegram
from tests.sitestub import FixtureSite
from tests.test_poll import atom
from tests.test_telegram import serving, until

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ALMATY_MIDNIGHT = datetime(2026, 3, 21, tzinfo=timezone(timedelta(hours=5)))


def published_in_json(run: Run) -> list[str | None]:
    assert run.code == 0, run.err
    return [json.loads(line)["published"] for line in run.out.splitlines()]


def test_akorda_days_are_exported_as_dates(cli: Callable[..., Run]) -> None:
    for language in ("ru", "kz", "en"):
        path = SITES / f"akorda-{language}.html"
        dates = published_in_json(cli("check", f"akorda-{language}", "--file", str(path), "--json"))
        assert dates and all(d is not None and DAY.match(d) for d in dates), dates


def rss(*dates: str) -> str:
    items = "".join(
        f"<item><title>Item {n}</title><link>https://news.un.org/feed/view/en/story/{n}</link>"
        f"<pubDate>{date}</pubDate></item>"
        for n, date in enumerate(dates)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>U</title>{items}</channel></rss>'
    )


def test_a_constant_placeholder_time_is_exported_as_a_date(
    cli: Callable[..., Run], tmp_path: Path
) -> None:
    path = tmp_path / "un.rss"
    path.write_text(
        rss(
            "Sat, 21 Mar 2026 12:00:00 +0000",
            "Sat, 21 Mar 2026 12:00:00 +0000",
            "Fri, 20 Mar 2026 12:00:00 +0000",
        )
    )
    dates = published_in_json(cli("check", "un-news", "--file", str(path), "--json"))
    assert dates == ["2026-03-21", "2026-03-21", "2026-03-20"]
    path.write_text(
        rss(
            "Sat, 21 Mar 2026 12:00:00 +0000",
            "Sat, 21 Mar 2026 09:41:00 +0000",
            "Fri, 20 Mar 2026 12:00:00 +0000",
        )
    )
    dates = published_in_json(cli("check", "un-news", "--file", str(path), "--json"))
    assert dates == [
        "2026-03-21T12:00:00+00:00",
        "2026-03-21T09:41:00+00:00",
        "2026-03-20T12:00:00+00:00",
    ]


def stored(published: Published) -> StoredItem:
    return StoredItem(1, Item("akorda-ru", "Глава государства", None, published=published), "A")


def test_alert_shows_a_date_not_a_midnight() -> None:
    first = render_alert(stored(Published(ALMATY_MIDNIGHT, date_only=True)), {}).splitlines()[0]
    assert first == "<b>A</b> · 21 Mar 2026"
    timed = render_alert(stored(Published(ALMATY_MIDNIGHT)), {}).splitlines()[0]
    assert timed == "<b>A</b> · 20 Mar 2026, 19:00 UTC"


def test_detection_latency_is_not_timed_from_a_date() -> None:
    metrics = Metrics()

    def observed() -> tuple[float | None, float | None]:
        sample = metrics.registry.get_sample_value
        return sample("readout_detection_seconds_count"), sample("readout_detection_seconds_sum")

    metrics.delivered("sent", 0.1, stored(Published(ALMATY_MIDNIGHT, date_only=True)))
    assert observed() == (0, 0)
    metrics.delivered("sent", 0.1, stored(Published(datetime.now(UTC) - timedelta(seconds=30))))
    count, total = observed()
    assert count == 1 and total is not None and 29 < total < 60


def test_store_keeps_a_day_and_marking_one_is_not_an_edit(tmp_path: Path) -> None:
    source = Source(id="akorda-ru", name="Akorda", url="https://akorda.kz/ru/events")
    as_before = Item(source.id, "Глава государства", None, published=Published(ALMATY_MIDNIGHT))
    as_now = Item(
        source.id, "Глава государства", None, published=Published(ALMATY_MIDNIGHT, date_only=True)
    )
    with Store(tmp_path / "r.db") as store:
        store.sync_sources([source])
        store.save_items(source.id, [as_before])  # a row written before days were known
        again = store.save_items(source.id, [as_now])
        assert again.new == [] and again.updated == []
        (row,) = store.items()
        assert (row["published"], row["published_date_only"]) == ("2026-03-21T00:00:00+05:00", 1)
        (recent,) = store.recent()
        assert recent.item.published == as_now.published


async def test_recent_shows_days_for_a_placeholder_time(
    fake_telegram: FakeTelegram, site: FixtureSite, tmp_path: Path
) -> None:
    # atom() stamps every entry 12:00:00+03:00 on a different day: a placeholder.
    site.add("/feed", atom((3, "Third"), (2, "Second"), (1, "Baseline item about Putin")))
    async with serving(fake_telegram, site, tmp_path) as running:
        with running.store() as store:
            await until(lambda: len(store.items()) == 3, 10, "the baseline stored")
        reply = await running.command("/recent")
    lines = [line for line in reply["text"].splitlines() if line.startswith("•")]
    assert [line.split(" · ")[0] for line in lines] == [
        "• 23 Nov 2026",
        "• 22 Nov 2026",
        "• 21 Nov 2026",
    ]
