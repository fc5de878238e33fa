"""How much reading a page by link pattern costs, against reading it by selectors.

    python bench/bench_pages.py [--items 30,300,1000] [--repeat 5]

Builds Akorda-shaped list pages of each size in two designs: the card layout the built-in
selectors read, and a flat stream (heading link, date after it, lead) that no selector
matches, so ``akorda-ru`` reads it by link pattern (scrapers.links). Both pages carry the
same menu, footer and pagination. Prints the median time per page and per item for each,
and the ratio of the fallback to the selector path measured in the same run, so a slower
machine moves both numbers and not the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapers.catalog import CATALOG
from scrapers.pages import parse_page

SOURCE = next(source for source in CATALOG if source.id == "akorda-ru")
CHROME = """<header><nav><a href="https://akorda.kz/ru/events">События</a>
<a href="https://akorda.kz/ru/deklaraciya-svedeniy-31115201">Декларация</a></nav></header>"""
FOOTER = """<ul class="pagination"><li><a href="/ru/events?page=2" rel="next">2</a></li></ul>
<footer><a href="https://akorda.kz/ru/o-prezidente-1000017">О Президенте</a></footer>"""


def card(i: int) -> str:
    return f"""<div class="col-lg-4"><div class="card"><img class="card-img-top" src="/a{i}.jpg">
<div class="card-body"><h3><a href="/ru/glava-gosudarstva-provel-vstrechu-{i}-{2_000_000 + i}">
Глава государства провёл встречу номер {i} с делегацией</a></h3>
<h5>{1 + i % 28} марта 2026 года</h5></div></div></div>"""


def stream(i: int) -> str:
    return f"""<a class="thumb" href="https://www.akorda.kz/ru/vstrecha-{i}-{2_000_000 + i}">
<img alt=""></a><h4><a href="https://www.akorda.kz/ru/vstrecha-{i}-{2_000_000 + i}">
Глава государства провёл встречу номер {i} с делегацией</a></h4>
<span class="meta">{1 + i % 28} марта 2026 года</span>
<div class="excerpt">Стороны обсудили вопросы сотрудничества, материал номер {i}.</div>"""


def page(items: int, design: str) -> bytes:
    if design == "cards":
        body = '<div class="row">' + "".join(card(i) for i in range(items)) + "</div>"
    else:
        body = '<section class="feed">' + "".join(stream(i) for i in range(items)) + "</section>"
    return f"<html><body>{CHROME}<main>{body}</main>{FOOTER}</body></html>".encode()


def median_seconds(body: bytes, repeat: int, fallback: bool, items: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        batch = parse_page(body, SOURCE, url=SOURCE.url)
        times.append(time.perf_counter() - started)
        assert batch.fallback is fallback and len(batch.items) == items, (fallback, items)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", default="30,300,1000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'items':>6} {'KB':>6} {'selectors':>11} {'by pattern':>11} {'ratio':>6}")
    for items in (int(n) for n in args.items.split(",")):
        cards, flat = page(items, "cards"), page(items, "stream")
        by_selectors = median_seconds(cards, args.repeat, False, items)
        by_pattern = median_seconds(flat, args.repeat, True, items)
        print(
            f"{items:>6} {len(flat) // 1024:>6} {by_selectors * 1000:>9.1f}ms "
            f"{by_pattern * 1000:>9.1f}ms {by_pattern / by_selectors:>5.2f}x"
        )


if __name__ == "__main__":
    main()
