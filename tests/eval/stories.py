"""The story evaluation set, read and scored the same way by the test and the benchmark.

Every item goes through what a poll does to it (leaders, tags, participants with the
source's principal) and into a real store, one at a time in the order given, and is
scored pairwise: a pair of items is predicted together when they share a story id, and
is truly together when the set gives them the same event label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import combinations
from pathlib import Path
from zoneinfo import ZoneInfo

from analysis.leaders import LEADERS
from analysis.matching import Matcher
from readout.poll import match_items
from scrapers.catalog import CATALOG
from scrapers.model import Item, published_at
from store.store import Store

EVAL = Path(__file__).with_name("stories.tsv")


@dataclass(frozen=True)
class Labelled:
    event: str
    item: Item


@dataclass(frozen=True)
class Score:
    true_pairs: int
    found: int
    wrong: int
    missed: int

    @property
    def precision(self) -> float:
        return self.found / (self.found + self.wrong) if self.found + self.wrong else 1.0

    @property
    def recall(self) -> float:
        return self.found / (self.found + self.missed) if self.found + self.missed else 1.0


def load(path: Path = EVAL) -> list[Labelled]:
    """The labelled items, matched as a poll matches them."""
    sources = {source.id: source for source in CATALOG}
    matcher = Matcher(LEADERS)
    labelled = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(("#", "event\t")):
            continue
        event, source_id, published, url, title, lead = line.split("\t")
        source = sources[source_id]
        if len(published) == 10:
            day = date.fromisoformat(published)
            moment = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(source.timezone))
            when = published_at(moment, date_only=True)
        else:
            when = published_at(datetime.fromisoformat(published))
        raw = Item(source_id, title, url, published=when, summary=lead, text=f"{title}\n{lead}")
        (item,) = match_items([raw], matcher, source.leader)
        labelled.append(Labelled(event, item))
    return labelled


def link(labelled: Sequence[Labelled], store_path: Path, order: Sequence[int]) -> list[int | None]:
    """The story each item got, stored one at a time in ``order``."""
    stories: list[int | None] = [None] * len(labelled)
    with Store(store_path) as store:
        store.sync_sources(CATALOG)
        for index in order:
            item = labelled[index].item
            (saved,) = store.save_items(item.source, [item]).new
            stories[index] = saved.story
    return stories


def score(labelled: Sequence[Labelled], stories: Sequence[int | None]) -> Score:
    found = wrong = missed = true_pairs = 0
    for (one, a), (other, b) in combinations(zip(labelled, stories, strict=True), 2):
        together = one.event == other.event
        linked = a is not None and a == b
        true_pairs += together
        found += together and linked
        wrong += linked and not together
        missed += together and not linked
    return Score(true_pairs, found, wrong, missed)
