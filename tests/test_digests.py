"""What a digest says, as plain values: grouped by story, newest first, split only between
items under Telegram's limit, every item listed once, in the chat's language and zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.digests import MAX_MESSAGE, Entry, render_digest
from scrapers.model import Item, Published
from store.store import StoredItem
from tests.fake_telegram import parse_html

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def entry(n: int, story: int | None = None, sides: tuple[str, ...] = (), **fields: object) -> Entry:
    item = Item(
        source="kremlin-en",
        title=str(fields.get("title", f"Item number {n} <about> Putin & Tokayev")),
        url=f"http://example.com/news/{n}?a=1&b=2",
        published=Published(AT - timedelta(minutes=n)),
    )
    return Entry(1000 + n, StoredItem(n, item, str(fields.get("source", "Kremlin"))), story, sides)


def test_five_hundred_items_split_cleanly_and_each_is_listed_once() -> None:
    entries = [
        entry(n, story=n // 3 if n % 2 else None, sides=("Kremlin", "Akorda")) for n in range(500)
    ]
    pages = render_digest(entries, "Asia/Almaty", "en", AT)
    assert len(pages) > 1
    carried = [i for page in pages for i in page.delivery_ids]
    assert sorted(carried) == sorted(e.delivery_id for e in entries)  # each exactly once
    shown: list[int] = []
    for number, page in enumerate(pages, 1):
        assert len(page.html) < MAX_MESSAGE
        parse_html(page.html, strict=True)  # Telegram's parser: no tag cut, none unbalanced
        assert f"part {number} of {len(pages)}" in page.html
        numbers = [int(n) for n in re.findall(r"Item number (\d+) ", page.html)]
        assert len(numbers) == len(page.delivery_ids)
        shown += numbers
    assert sorted(shown) == list(range(500))


def test_stories_are_together_and_newest_first() -> None:
    # 0 is the newest. 1 and 4 share a story, placed where its newest item (1) is.
    entries = [
        entry(4, story=7, sides=("Kremlin", "Akorda")),
        entry(2),
        entry(1, story=7, sides=("Kremlin", "Akorda")),
        entry(0),
    ]
    (page,) = render_digest(entries, "UTC", "en", AT)
    order = [int(n) for n in re.findall(r"Item number (\d+) ", page.html)]
    assert order == [0, 1, 4, 2]
    assert page.html.count("One story, reported by: Kremlin, Akorda") == 1
    assert "4 alerts" in page.html and "part 1" not in page.html


def test_times_are_in_the_chats_zone_and_language() -> None:
    (page,) = render_digest([entry(0)], "Asia/Almaty", "ru", AT)
    assert "Asia/Almaty" in page.html and "14:00" in page.html  # 09:00 UTC is 14:00 there
    assert "Дайджест" in page.html and "1 оповещение" in page.html
    (page,) = render_digest([entry(0)], "Asia/Almaty", "kk", AT, quiet=True)
    assert "Тыныш сағаттарда" in page.html


def test_a_digest_lists_at_most_so_many_and_counts_the_rest() -> None:
    entries = [entry(n) for n in range(30)]
    pages = render_digest(entries, "UTC", "en", AT, most=10)
    text = "".join(page.html for page in pages)
    assert len(re.findall(r"Item number \d+ ", text)) == 10
    assert "…and 20 more." in text
    assert sorted(i for page in pages for i in page.delivery_ids) == [1000 + n for n in range(30)]


def test_a_huge_title_is_shortened_and_stays_one_item() -> None:
    entries = [entry(n, title="Putin " * 2000) for n in range(12)]
    pages = render_digest(entries, "UTC", "en", AT)
    for page in pages:
        assert len(page.html) < MAX_MESSAGE
        parse_html(page.html, strict=True)
    assert sum(len(page.delivery_ids) for page in pages) == 12


def test_a_date_only_item_shows_its_day() -> None:
    item = Item("akorda-ru", "Указ", None, published=Published(AT, date_only=True))
    (page,) = render_digest([Entry(1, StoredItem(1, item, "Akorda"))], "Asia/Almaty", "en", AT)
    assert "2 Dec 2026</" not in page.html and "· 2 Dec 2026\n" in page.html


def test_an_item_too_long_to_list_still_fits_whole() -> None:
    item = Item("kremlin-en", "Putin " * 500, "http://example.com/" + "a" * 5000)
    sides = tuple(f"Office number {n} " + "x" * 200 for n in range(40))
    pages = render_digest([Entry(1, StoredItem(1, item, "K" * 500), 9, sides)], "UTC", "en", AT)
    (page,) = pages
    assert len(page.html) < MAX_MESSAGE
    parse_html(page.html, strict=True)
