from datetime import datetime, timedelta, timezone

import pytest

from analysis.leaders import LEADERS
from bot.alerts import MAX_MESSAGE, render_alert, render_plain
from bot.resolve import resolve
from bot.routing import keywords_in, normalize_keyword, route
from scrapers.catalog import CATALOG
from scrapers.model import Item, Published
from store.store import StoredItem
from store.subscriptions import Subscription, Target

ITEM = Item(
    source="kremlin-en",
    title="Talks with Kassym-Jomart Tokayev",
    url="http://en.kremlin.ru/events/president/news/1",
    published=Published(datetime(2026, 3, 21, 17, 40, tzinfo=timezone(timedelta(hours=3)))),
    summary="The leaders discussed energy sanctions and grain exports.",
    text="Talks with Kassym-Jomart Tokayev. The leaders discussed energy sanctions and grain.",
    leaders=("tokayev", "putin"),
    tags=("meeting",),
)


def sub(chat: int, kind: str, target: str, thread: int = 0) -> Subscription:
    return Subscription(chat, thread, kind, target)  # type: ignore[arg-type]


def test_item_goes_once_to_each_chat_whatever_matches() -> None:
    subscriptions = [
        sub(1, "leader", "tokayev"),
        sub(1, "leader", "putin"),
        sub(1, "source", "kremlin-en"),
        sub(2, "keyword", "sanctions"),
        sub(3, "leader", "trump"),
        sub(4, "source", "akorda-ru"),
        sub(5, "keyword", "sanctity"),
        sub(6, "leader", "putin", thread=77),
    ]
    assert route(ITEM, subscriptions) == {Target(1), Target(2), Target(6, 77)}


def test_unrelated_item_goes_nowhere() -> None:
    assert route(ITEM, [sub(1, "leader", "zelenskyy"), sub(2, "keyword", "wheat")]) == set()


@pytest.mark.parametrize(
    ("keyword", "hit"),
    [
        ("Sanctions", True),
        ("energy sanctions", True),
        ("grain exports", False),
        ("sanction", True),
        ("sanctity", False),
        ("discussed", True),
        ("гранты", False),
    ],
)
def test_keywords_are_whole_words_case_insensitive(keyword: str, hit: bool) -> None:
    normalized = normalize_keyword(keyword)
    assert (normalized in keywords_in(ITEM.text, frozenset({normalized}))) is hit


@pytest.mark.parametrize(
    ("keyword", "text", "hit"),
    [
        ("газ", "Обсуждены поставки газа в Китай", True),
        ("газ", "Транзит газом", True),
        ("газ", "Интервью газете «Известия»", False),
        ("газ", "Новый газопровод", False),
        ("санкции", "Об отмене санкций", True),
        ("санкция", "Новые санкции", True),
        ("поставки газа", "Занялись поставками газа", True),
        ("поставки газа", "Газа поставки", False),
        ("поставки газа", "Поставки нефти и газа", False),
        ("Тоқаев", "Президент Тоқаевпен кездесті", True),
        ("Зеленський", "Розмова з Зеленським", True),
    ],
)
def test_keywords_match_inflected_forms_whole_words_in_order(
    keyword: str, text: str, hit: bool
) -> None:
    normalized = normalize_keyword(keyword)
    assert (normalized in keywords_in(text, frozenset({normalized, "нефть"}))) is hit


STORED = StoredItem(1, ITEM, "Kremlin (en)")
NAMES = {leader.id: leader.name for leader in LEADERS}


def test_alert_says_source_time_title_leaders_and_link() -> None:
    text = render_alert(STORED, NAMES, lambda t: [(t.index("Kassym"), len(t))])
    assert text.splitlines()[0] == "<b>Kremlin (en)</b> · 21 Mar 2026, 14:40 UTC"
    assert text.splitlines()[1] == "Talks with <b>Kassym-Jomart Tokayev</b>"
    assert "<i>Leaders:</i> Kassym-Jomart Tokayev, Vladimir Putin\n#meeting\n" in text
    assert text.endswith(
        '<a href="http://en.kremlin.ru/events/president/news/1">'
        "en.kremlin.ru/events/president/news/1</a>"
    )


def test_hostile_text_is_escaped_and_bounded() -> None:
    hostile = Item(
        source="x",
        title='<b>&"</b> <script>',
        url='http://x.org/?a=1&b="2"',
        summary="<i>" + "ж" * 50_000,
        leaders=(),
    )
    text = render_alert(StoredItem(1, hostile, "<Source & Co>"), NAMES)
    assert len(text) <= MAX_MESSAGE
    assert '&lt;b&gt;&amp;"&lt;/b&gt; &lt;script&gt;' in text
    assert "&lt;Source &amp; Co&gt;" in text
    assert 'href="http://x.org/?a=1&amp;b=&quot;2&quot;"' in text
    assert len(render_plain(StoredItem(1, hostile, "S"), NAMES)) <= MAX_MESSAGE


def test_undated_item_says_so() -> None:
    undated = StoredItem(1, Item(source="x", title="T", url=None), "S")
    assert "date not given" in render_alert(undated, NAMES)


@pytest.mark.parametrize(
    ("typed", "kind", "wanted"),
    [
        ("putin", "leader", "putin"),
        ("Путин", "leader", "putin"),
        ("PUTIN", "leader", "putin"),
        ("Vladimir Putin", "leader", "putin"),
        ("kremlin-en", "source", "kremlin-en"),
        ("Kremlin (en)", "source", "kremlin-en"),
        ("Тоқаев", "leader", "tokayev"),
    ],
)
def test_names_resolve_by_id_or_alias(typed: str, kind: str, wanted: str) -> None:
    found = resolve(typed, LEADERS, CATALOG)
    assert found.choice is not None and (found.choice.kind, found.choice.id) == (kind, wanted)


def test_unknown_name_suggests_close_ones() -> None:
    found = resolve("putn", LEADERS, CATALOG)
    assert found.choice is None and found.candidates[0].id == "putin"
    assert resolve("zzzzzz", LEADERS, CATALOG).candidates == ()
