"""What /search costs in a large store: the latency of one query at 200,000 stored items.

    python bench/bench_search.py [--items 200000] [--repeat 5]

A real store (migrated, with both full-text indexes and their triggers) is filled with
synthetic items: titles, leads and texts of some 90 words drawn from Russian, Kazakh and
English press-release vocabulary in their inflected forms (the common words on a Zipf
curve, so some queries match a fifth of the store), each dated one after the other, and
indexed the way ``Store`` indexes what it saves (store.search.terms_of). The time to index
them is printed (what migration 14 costs a store of that size).

Then a set of queries is run ``--repeat`` times each through ``Store.search`` (the first
page: stems, FTS5 match, newest-first order, the five items read back): a rare word, a
common one, an inflected name, two and eight words, a page deep in the results, FTS5
syntax and a 4 kB paste. The median over all of them is the goal (under 50 ms); the
slowest query's median is printed beside it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapers.model import Source
from store.search import find, index_items, terms_of
from store.store import Store

GOAL_MS = 50.0
START = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
SOURCE = Source(id="bench", name="Bench", url="http://bench.example/feed")

ROOTS = {
    "ru": [
        "переговор",
        "визит",
        "санкци",
        "поставк",
        "газ",
        "нефт",
        "сотрудничеств",
        "президент",
        "министр",
        "делегаци",
        "договор",
        "соглашени",
        "встреч",
        "саммит",
        "экономик",
        "энергетик",
        "безопасност",
        "инвестици",
        "торговл",
        "развити",
        "регион",
        "граница",
        "оборон",
        "культур",
        "образовани",
        "здравоохранени",
        "транспорт",
        "сельск",
        "промышленност",
        "технологи",
        "цифров",
    ],
    "kk": [
        "келіссөз",
        "сапар",
        "мемлекет",
        "басшы",
        "ынтымақтастық",
        "кездесу",
        "келісім",
        "инвестиция",
        "экономика",
        "сауда",
        "даму",
        "өңір",
        "шекара",
        "қорғаныс",
        "мәдениет",
        "білім",
        "денсаулық",
        "көлік",
    ],
    "en": [
        "talk",
        "visit",
        "sanction",
        "suppl",
        "gas",
        "oil",
        "cooperation",
        "president",
        "minister",
        "delegation",
        "treaty",
        "agreement",
        "meeting",
        "summit",
        "economy",
        "energy",
        "security",
        "investment",
        "trade",
        "development",
        "region",
        "border",
        "defence",
        "culture",
        "education",
        "health",
        "transport",
    ],
}
ENDINGS = {
    "ru": ["", "а", "у", "ом", "е", "ы", "и", "ов", "ами", "ах", "ий", "ия", "ией"],
    "kk": ["", "тың", "қа", "ты", "да", "дан", "пен", "лар", "лардың", "мен", "ға"],
    "en": ["", "s", "ed", "ing", "er", "ers"],
}
NAMES = ["Токаев", "Путин", "Си Цзиньпин", "Тоқаев", "Erdogan", "Mirziyoyev", "Лукашенко"]
NAME_FORMS = ["", "а", "у", "ым", "е", "пен", "тың", "қа"]


def vocabulary(rng: random.Random) -> list[str]:
    forms = [
        root + ending
        for language, roots in ROOTS.items()
        for root in roots
        for ending in ENDINGS[language]
    ]
    # The Russian forms come first, so the most common; then rare words (place names),
    # the last of which only a few hundred items of 200,000 use.
    forms += [f"Место{n}ск" for n in range(3000)]
    return forms


def text(rng: random.Random, forms: list[str], weights: list[float], count: int) -> str:
    words = rng.choices(forms, weights, k=count)
    if rng.random() < 0.3:
        name = rng.choice(NAMES)
        words.insert(0, name + (rng.choice(NAME_FORMS) if " " not in name else ""))
    return " ".join(words)


def fill(store: Store, count: int, seed: int = 7) -> float:
    """``count`` items, indexed as ``Store`` indexes them; returns the seconds indexing took."""
    rng = random.Random(seed)
    forms = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(forms))]
    indexing = 0.0
    batch = 2000
    for first in range(0, count, batch):
        rows = []
        for n in range(first, min(first + batch, count)):
            title = text(rng, forms, weights, 8)
            summary = text(rng, forms, weights, 25)
            body = text(rng, forms, weights, 60)
            rows.append((n, title, summary, body))
        began = time.perf_counter()
        terms = [terms_of(t, s, b) for _, t, s, b in rows]
        indexing += time.perf_counter() - began
        with store.db.atomic():
            store.db.conn.executemany(
                "INSERT INTO items (id, key, source_id, url, title, summary, text, published, "
                "published_ts, first_seen, last_seen, content_hash) "
                "VALUES (?, ?, 'bench', ?, ?, ?, ?, ?, ?, 't', 't', 'h')",
                [
                    (
                        n + 1,
                        f"bench:{n}",
                        f"http://bench.example/{n}",
                        t,
                        s,
                        b,
                        datetime.fromtimestamp(START + n * 480, UTC).isoformat(),
                        START + n * 480,
                    )
                    for n, t, s, b in rows
                ],
            )
            began = time.perf_counter()
            index_items(
                store.db,
                [(n + 1, START + n * 480, t) for (n, *_), t in zip(rows, terms, strict=True)],
            )
            indexing += time.perf_counter() - began
    return indexing


QUERIES = {
    "rare word": "Место2900ск",
    "common word, inflected": "переговорах",
    "inflected name": "Токаеву",
    "Kazakh name": "Тоқаевпен",
    "English": "sanctions",
    "two words": "поставки газа",
    "eight words": "визит президента договор саммит экономика торговля газ нефть",
    "FTS5 syntax": '"газ* NEAR (нефть OR',
    "4 kB paste": " ".join(["газа"] * 820),
}


def measure(store: Store, repeat: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in QUERIES}
    for query in QUERIES.values():
        store.search(query)  # warm the page cache for this query once
    for _ in range(repeat):
        for name, query in QUERIES.items():
            began = time.perf_counter()
            store.search(query, 0, 6)
            timings[name].append((time.perf_counter() - began) * 1000)
    began = time.perf_counter()
    store.search("переговорах", 100, 6)
    timings["common word, page 20"] = [(time.perf_counter() - began) * 1000]
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "search.db") as store:
        store.sync_sources([SOURCE])
        began = time.perf_counter()
        indexing = fill(store, args.items)
        print(
            f"filled {args.items:,} items in {time.perf_counter() - began:.1f} s "
            f"(indexing {indexing:.1f} s, {args.items / max(indexing, 1e-9):,.0f} items/s)"
        )
        timings = measure(store, args.repeat)
        for name, found in timings.items():
            matches = len(find(store.db, QUERIES.get(name, "переговорах"), 0, 10**7))
            print(f"  {name:24} median {statistics.median(found):7.2f} ms  ({matches:,} match)")
    every = [t for found in timings.values() for t in found]
    median = statistics.median(every)
    slowest = max(statistics.median(found) for found in timings.values())
    print(
        f"search latency at {args.items:,} stored items, median: {median:.1f} ms "
        f"(slowest query {slowest:.1f} ms) (goal < {GOAL_MS:g} ms) "
        f"{'ok' if median < GOAL_MS else 'MISS'}"
    )
    return 0 if median < GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
