"""An unchanged source's poll times are written with the others (store.stamps), yet read
as if each had been written at once, and none is lost by a clean close."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from analysis.leaders import LEADERS
from analysis.matching import Matcher
from readout.poll import poll_source
from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.model import Source
from store.store import Store
from tests.sitestub import FixtureSite
from tests.test_poll import atom


def stored_success(path: Path) -> str | None:
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT last_success FROM source_state WHERE source_id = 's'").fetchone()
    return None if row is None else row[0]


async def test_a_304_time_reads_at_once_and_survives_a_clean_close(
    site: FixtureSite, tmp_path: Path
) -> None:
    source = Source(id="s", name="S", url=site.add("/feed", atom((1, "Address")), etag='"v1"'))
    path = tmp_path / "r.db"
    async with Fetcher(FetchPolicy(timeout=3, allow_private_addresses=True)) as fetcher:
        with Store(path) as store:
            store.sync_sources([source])
            assert (await poll_source(source, fetcher, store, Matcher(LEADERS))).baseline
            first = store.fetch_state("s").last_success
            assert first is not None
            # Move the stored time back, as if the baseline had been an hour ago.
            earlier = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
            with store.db.conn:
                store.db.execute("UPDATE source_state SET last_success = ?", [earlier])
            outcome = await poll_source(source, fetcher, store, Matcher(LEADERS))
            assert outcome.unchanged
            assert site.hits("/feed")[-1].headers.get("If-None-Match") == '"v1"'
            waiting = store.fetch_state("s").last_success
            assert waiting is not None and waiting > earlier  # read over what is stored
            assert store.states()["s"].last_success == waiting
            assert stored_success(path) == earlier  # held, not yet written
    assert stored_success(path) == waiting  # written by the close
