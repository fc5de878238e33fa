"""plain_text reads regular markup without BeautifulSoup; its output must not change.

The reference below is what plain_text did before: BeautifulSoup over every fragment. It
is compared with plain_text on hand-written hard cases and on every title, summary and
content feedparser returns for the fixture feeds and the corpus.
"""

import random
import re
import sys
import unicodedata
from pathlib import Path

import feedparser
import pytest

from scrapers import feeds
from scrapers.errors import ParseError
from scrapers.feeds import parse_feed
from scrapers.model import Source
from scrapers.text import clean, normalize_space, plain_text, soup_text
from tests.conftest import CORPUS

FIXTURES = Path(__file__).parent / "fixtures"


def by_soup(markup: str) -> str:
    """What plain_text gave before it learnt to read regular markup without a tree."""
    if not re.search(r"<[A-Za-z!/]|&[#\w]+;", markup):
        return normalize_space(markup)
    return soup_text(markup)


HARD_CASES = [
    "AT&T and &foo; and &amp",
    "&#0;&#150;&#129;&#x1F600;&#xD83D;&#xDE00;&#99999999;",
    "&amp;lt;b&amp;gt; is not a tag",
    "x&nbsp;y&laquo;Путин&raquo;&mdash;z&copy2026",
    "a<!-- hidden -->b<!---->c<!-- a -- > b -->d<!--->e",
    "<script>var a = '<b>'</script>after<style>p{}</style><template>t</template>",
    "a < b > c",
    "<p title='x>y' class=lead data-x=\"<i>\">inside</p>",
    "Пу<b>тин</b> and Pu<span>\u00ad</span>tin",
    "<br/>line<br>break<hr />rule</P>",
    "<!DOCTYPE html><html>doc</html>",
    "<![CDATA[raw <b>bold</b>]]> after",
    "<?php echo 1 ?>pi",
    "</ b>odd end</p foo>",
    "<textarea><b>kept</b></textarea><title>&amp;</title>",
    "<a href=x/>self</a><scripty>not a script</scripty>",
    "&#x;&#;&#12a;&amp.x;",
    "\u202egro.nilmerk\u202c <b>\x00ctl\x85</b>",
    "<p>\n  spaced\t\tout  \r\n</p>",
]


@pytest.mark.parametrize("markup", HARD_CASES)
def test_hard_cases_read_as_beautifulsoup_reads_them(markup: str) -> None:
    assert plain_text(markup) == by_soup(markup)


def feed_fields(path: Path) -> list[str]:
    parsed = feedparser.parse(path.read_bytes())
    fields = []
    for entry in parsed.entries:
        fields += [str(entry.get(name, "") or "") for name in ("title", "summary")]
        fields += [str(part.get("value", "")) for part in entry.get("content", []) or []]
    return [field for field in fields if field]


def test_fixture_feeds_read_as_beautifulsoup_reads_them() -> None:
    feeds = [p for p in FIXTURES.rglob("*") if p.suffix in (".rss", ".atom", ".xml")]
    fields = [field for feed in feeds for field in feed_fields(feed)]
    assert len(fields) > 50, "the fixture feeds give too few fields to compare"
    assert [plain_text(f) for f in fields] == [by_soup(f) for f in fields]


@pytest.mark.corpus
def test_corpus_feeds_read_as_beautifulsoup_reads_them() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"feedparser corpus not found at {CORPUS}")
    differ = []
    compared = 0
    for path in sorted(CORPUS.rglob("*.xml")):
        for field in feed_fields(path):
            compared += 1
            if plain_text(field) != by_soup(field):
                differ.append((path.name, field[:200]))
    assert compared > 1000
    assert differ == []


@pytest.mark.corpus
def test_items_are_the_same_without_resolving_addresses_inside_markup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """feedparser is told not to rewrite addresses inside descriptions: the items read
    from every fixture and corpus feed are what they were when it did."""
    if not CORPUS.is_dir():
        pytest.skip(f"feedparser corpus not found at {CORPUS}")
    source = Source(id="s", name="S", url="http://example.org/feed/")
    paths = sorted(CORPUS.rglob("*.xml"))
    paths += [p for p in FIXTURES.rglob("*") if p.suffix in (".rss", ".atom")]

    def read_all() -> list[object]:
        found: list[object] = []
        for path in paths:
            try:
                found.append(parse_feed(path.read_bytes(), source))
            except ParseError as error:
                found.append(str(error))
        return found

    fast = read_all()
    monkeypatch.setattr(feeds, "RESOLVE_MARKUP_URIS", True)
    assert fast == read_all()


def test_normalize_space_collapses_every_kind_of_whitespace_to_one_space() -> None:
    """The fast split is held to what one regex over Unicode whitespace gives."""
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    pieces = [*spaces, "Путин", "Xi", "\u00ad", "\u200b", "a", "é", "e\u0301"]
    invisible = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
    rng = random.Random(13)
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12)))
        visible = invisible.sub("", unicodedata.normalize("NFC", clean(text)))
        assert normalize_space(text) == re.sub(r"\s+", " ", visible).strip(), repr(text)
