from datetime import datetime, timedelta, timezone

import pytest

from scrapers.errors import ParseError
from scrapers.model import Skipped, Source
from scrapers.parsers import parse, parse_batch

SOURCE = Source(id="feed", name="Feed", url="https://example.org/news/feed")


def rss(*items: str) -> bytes:
    body = "".join(f"<item>{i}</item>" for i in items)
    channel = f"<channel><title>T</title>{body}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!DOCTYPE html><html><body>Access denied</body></html>", "served an HTML page"),
        (b"<html><head><script>bobcmn</script></head></html>", "served an HTML page"),
        (b"", "empty response"),
        (b"   \n", "empty response"),
        (b"\x00\xff\xfe garbage", "not an RSS or Atom feed"),
        (b'{"items": []}', "not an RSS or Atom feed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</ti', "broken feed"),
    ],
)
def test_non_feeds_fail_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(body, SOURCE)


def test_valid_empty_feed_is_no_items() -> None:
    assert parse(rss(), SOURCE) == []


def test_truncated_feed_keeps_the_entries_it_has() -> None:
    body = rss("<title>One</title><link>https://example.org/1</link>")[:-30]
    assert [i.title for i in parse(body, SOURCE)] == ["One"]


def test_relative_links_are_made_absolute() -> None:
    (item,) = parse(rss("<title>A</title><link>/ru/news/7</link>"), SOURCE)
    assert item.url == "https://example.org/ru/news/7"


def test_non_web_links_are_dropped() -> None:
    (item,) = parse(rss("<title>A</title><link>javascript:alert(1)</link>"), SOURCE)
    assert item.url is None


def test_offsets_are_kept() -> None:
    (item,) = parse(
        rss("<title>A</title><pubDate>Fri, 20 Nov 2026 17:30:00 +0300</pubDate>"), SOURCE
    )
    assert item.published is not None
    assert item.published.at == datetime(2026, 11, 20, 17, 30, tzinfo=timezone(timedelta(hours=3)))
    assert item.published.at.utcoffset() == timedelta(hours=3)
    assert item.published.isoformat() == "2026-11-20T17:30:00+03:00"


def test_markup_is_stripped_and_entities_decoded() -> None:
    description = (
        "&lt;p&gt;Talks &amp;laquo;in&amp;raquo;&amp;nbsp;Astana&lt;/p&gt;"
        "&lt;script&gt;x()&lt;/script&gt;"
    )
    (item,) = parse(
        rss(f"<title>Tokayev &amp;amp; Putin</title><description>{description}</description>"),
        SOURCE,
    )
    assert item.summary == "Talks «in» Astana"
    assert item.title == "Tokayev & Putin"


def test_atom_content_fills_an_empty_summary() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>K</title>
    <entry><title>Talks</title><id>http://kremlin.ru/events/1</id>
    <summary type="html"></summary>
    <content type="html">&lt;p&gt;Vladimir Putin met  Kassym-Jomart Tokayev.&lt;/p&gt;
    &lt;img src="/a.jpg"&gt;</content>
    </entry></feed>"""
    (item,) = parse(body, SOURCE)
    assert item.summary == "Vladimir Putin met Kassym-Jomart Tokayev."
    assert "Tokayev" in item.text and item.guid == "http://kremlin.ru/events/1"


def test_shared_guids_are_not_trusted_as_identity() -> None:
    body = rss(
        "<title>A</title><guid>same</guid><link>https://example.org/a</link>",
        "<title>B</title><guid>same</guid><link>https://example.org/b</link>",
        "<title>C</title><guid>unique-3</guid><link>https://example.org/c</link>",
    )
    assert [i.guid for i in parse(body, SOURCE)] == [None, None, "unique-3"]


def test_untitled_entry_gets_a_title_from_its_text() -> None:
    (item,) = parse(
        rss("<description>Statement by the President on the anniversary</description>"), SOURCE
    )
    assert item.title == "Statement by the President on the anniversary"


def test_hostile_sizes_are_bounded() -> None:
    (item,) = parse(
        rss(f"<title>{'Putin ' * 50_000}</title><description>{'x' * 300_000}</description>"), SOURCE
    )
    assert len(item.title) <= 500 and len(item.summary) <= 500 and len(item.text) <= 100_000


GOOD = "<title>Путин провёл совещание</title><link>https://example.org/news/1</link>"


def titles(body: bytes) -> list[str]:
    return [item.title for item in parse(body, SOURCE)]


def test_one_invalid_byte_costs_only_itself() -> None:
    body = rss(GOOD, "<title>bad BYTE here</title><link>https://example.org/news/2</link>")
    body = body.replace(b"BYTE", b"\xff")
    assert titles(body) == ["Путин провёл совещание", "bad \ufffd here"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Broken &#xD800; title", "Broken title"),
        ("Broken &#55296; title", "Broken title"),
        ("Pair &#xD83D;&#xDE00; kept", "Pair \U0001f600 kept"),
        ("Null &#0; and &#x1B; gone", "Null and gone"),
        ("Raw \x00 null \x0b tab", "Raw null tab"),
        ("Bidi \u202egro.nilmerk\u202c &#x202E;x", "Bidi gro.nilmerk x"),
        ("Isolate \u2066x\u2069 &#x2067;y&#x2069;", "Isolate x y"),
        ("Escaped &amp;#xD800; twice", "Escaped \ufffd twice"),
    ],
)
def test_one_bad_character_costs_only_itself(title: str, expected: str) -> None:
    bad = f"<title>{title}</title><link>https://example.org/news/2</link>"
    assert titles(rss(GOOD, bad, GOOD.replace("/1<", "/3<"))) == [
        "Путин провёл совещание",
        expected,
        "Путин провёл совещание",
    ]


def test_bad_characters_in_links_guids_and_text_are_removed() -> None:
    (item,) = parse(
        rss(
            "<title>T</title><link>https://example.org/news/\u202e7</link>"
            "<guid isPermaLink='false'>id-&#xD800;-7</guid>"
            "<description>lead &#x0; with &lt;b&gt;\u202ebold&lt;/b&gt;</description>"
        ),
        SOURCE,
    )
    assert (item.url, item.guid, item.summary) == (
        "https://example.org/news/7",
        "id--7",
        "lead with bold",
    )


def test_legacy_encoded_feed_is_read_in_its_encoding() -> None:
    body = rss(GOOD).replace(
        b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="windows-1251"?>'
    )
    body = body.decode().encode("cp1251")
    assert titles(body) == ["Путин провёл совещание"]


def test_entry_with_nothing_to_read_is_skipped_with_a_reason() -> None:
    batch = parse_batch(rss(GOOD, "<description></description>", GOOD), SOURCE)
    assert [i.title for i in batch.items] == ["Путин провёл совещание"] * 2
    assert batch.skipped == (Skipped(2, "no title, text or link"),)
