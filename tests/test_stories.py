"""The linking rule on plain values, and the story side of a real store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analysis.leaders import LEADERS
from analysis.matching import Matcher
from analysis.stories import event_of, identifier, initiator, kind_of, organisation
from readout.poll import match_items
from scrapers.catalog import CATALOG
from scrapers.model import Item, published_at
from store.store import Store

MATCHER = Matcher(LEADERS)
PRINCIPALS = {source.id: source.leader for source in CATALOG}


def matched(source: str, title: str, lead: str = "", url: str | None = None, **when: int) -> Item:
    moment = datetime(2026, 11, 3, when.get("hour", 12), tzinfo=UTC)
    raw = Item(source, title, url, published=published_at(moment), text=f"{title}\n{lead}")
    (item,) = match_items([raw], MATCHER, PRINCIPALS[source])
    return item


def test_akorda_item_has_its_principal_among_participants() -> None:
    item = matched("akorda-ru", "Глава государства провел телефонный разговор с Владимиром Путиным")
    assert item.leaders == ("putin",)
    assert item.participants == ("putin", "tokayev")
    assert item.as_json()["participants"] == ["putin", "tokayev"]


@pytest.mark.parametrize(
    ("title", "lead", "kind"),
    [
        ("Глава государства принял участие в саммите ОДКБ", "", "summit"),
        ("Meeting of the SCO Heads of State Council", "", "summit"),
        (
            "Meeting with President of China Xi Jinping",
            "On the sidelines of the SCO summit.",
            "meeting",
        ),
        ("Telephone conversation with Ilham Aliyev", "They discussed the CIS summit.", "call"),
        ("Greetings to Kassym-Jomart Tokayev", "", "greeting"),
    ],
)
def test_kind_tells_a_summit_from_its_sidelines(title: str, lead: str, kind: str) -> None:
    assert kind_of(matched("kremlin-en", title, lead)) == kind


@pytest.mark.parametrize(
    ("text", "organisation_id"),
    [("саммит ЕАЭС", "eaeu"), ("the informal CIS summit", "cis"), ("Council of ministers", None)],
)
def test_summit_organisation(text: str, organisation_id: str | None) -> None:
    assert organisation(text) == organisation_id


@pytest.mark.parametrize(
    ("text", "parties", "expected"),
    [
        ("The call was held at the Kazakh side's initiative.", ("putin", "tokayev"), "tokayev"),
        ("at Ukraine's initiative", ("trump", "zelenskyy"), "zelenskyy"),
        ("held at the initiative of the American side", ("putin", "trump"), "trump"),
        ("Разговор прошёл по инициативе российской стороны.", ("putin", "tokayev"), "putin"),
        ("Қырғыз тарапының бастамасымен сөйлесті.", ("japarov", "tokayev"), "japarov"),
        ("по инициативе российской стороны", ("aliyev", "tokayev"), None),
        ("The leaders discussed trade.", ("putin", "tokayev"), None),
    ],
)
def test_initiator(text: str, parties: tuple[str, ...], expected: str | None) -> None:
    assert initiator(text, parties) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://en.kremlin.ru/events/president/news/80101", "kremlin.ru:80101"),
        ("http://kremlin.ru/events/president/news/80101", "kremlin.ru:80101"),
        ("https://www.president.gov.ua/en/news/a-call-99401", "president.gov.ua:99401"),
        ("https://example.org/news/about-us", None),
    ],
)
def test_identifier_is_shared_by_language_versions(url: str, expected: str | None) -> None:
    assert identifier(url) == expected


def store_with_catalog(path: Path) -> Store:
    store = Store(path)
    store.sync_sources(CATALOG)
    return store


def test_story_id_survives_an_edit_that_changes_participants(tmp_path: Path) -> None:
    call = matched(
        "kremlin-en",
        "Telephone conversation with President of Kazakhstan Kassym-Jomart Tokayev",
        url="http://en.kremlin.ru/events/president/news/80101",
    )
    with store_with_catalog(tmp_path / "s.db") as store:
        (first,) = store.save_items("kremlin-en", [call]).new
        assert first.story is not None
        edited = matched("kremlin-en", call.title, "Also Ilham Aliyev joined.", url=call.url)
        (again,) = store.save_items("kremlin-en", [edited]).updated
        assert again.story == first.story
        (stored,) = store.recent(limit=1)
        assert stored.item.story == first.story
        assert "aliyev" in stored.item.participants


def test_story_id_survives_a_restart(tmp_path: Path) -> None:
    kremlin = matched(
        "kremlin-en",
        "Telephone conversation with President of Kazakhstan Kassym-Jomart Tokayev",
        url="http://en.kremlin.ru/events/president/news/80101",
    )
    akorda = replace(
        matched("akorda-ru", "Глава государства провел телефонный разговор с Владимиром Путиным"),
        url="https://www.akorda.kz/ru/call-3101501",
    )
    akorda = replace(akorda, published=published_at(datetime(2026, 11, 3, tzinfo=UTC), True))
    with store_with_catalog(tmp_path / "s.db") as store:
        (first,) = store.save_items("kremlin-en", [kremlin]).new
    with store_with_catalog(tmp_path / "s.db") as store:
        (second,) = store.save_items("akorda-ru", [akorda]).new
        assert second.story == first.story
        (story,) = store.stories.latest("tokayev")
        assert [side.published for side in story.sides] == [
            "2026-11-03T12:00:00+00:00",
            "2026-11-03",
        ]
        assert store.story_for(akorda) == first.story
        other_language = replace(
            akorda, source="akorda-en", url="https://www.akorda.kz/en/c-3101502"
        )
        assert store.story_for(other_language) == first.story


def test_a_leader_named_in_passing_is_no_party_to_the_story(tmp_path: Path) -> None:
    call = matched(
        "kremlin-en",
        "Telephone conversation with President of Azerbaijan Ilham Aliyev",
        "They recalled the recent talks with Kassym-Jomart Tokayev.",
        url="http://en.kremlin.ru/events/president/news/80104",
    )
    assert "tokayev" in call.participants
    with store_with_catalog(tmp_path / "s.db") as store:
        store.save_items("kremlin-en", [call])
        assert store.stories.latest("tokayev") == []
        (story,) = store.stories.latest("aliyev")
        assert story.parties == ("aliyev", "putin") and story.kind == "call"


def test_a_burst_of_alike_readouts_reads_only_the_nearest(tmp_path: Path) -> None:
    """Thousands of 'calls' between the same two leaders in one window must not make each
    new item read all the earlier ones; the nearest in time are the ones that can match."""
    from store.stories import NEAREST

    base = matched(
        "kremlin-en", "Telephone conversation with President of Kazakhstan Kassym-Jomart Tokayev"
    )
    start = datetime(2026, 11, 3, tzinfo=UTC)
    burst = [
        replace(
            base,
            title=f"{base.title} ({n})",
            url=f"https://example.org/calls/x{n}y",
            published=published_at(start.replace(hour=n % 24, minute=n // 24)),
        )
        for n in range(NEAREST * 2)
    ]
    akorda = replace(
        matched("akorda-ru", "Глава государства провел телефонный разговор с Владимиром Путиным"),
        url="https://www.akorda.kz/ru/call-a",
        published=published_at(start.replace(hour=7, minute=1)),
    )
    with store_with_catalog(tmp_path / "s.db") as store:
        saved = store.save_items("kremlin-en", burst).new
        assert len({item.story for item in saved}) == len(burst)  # one source: apart
        nearest = next(item for item in saved if item.title.endswith("(31)"))  # 07:01
        event = event_of(akorda, 0.0)
        assert event is not None
        _, members = store.stories._candidates(event)
        assert len(members) == NEAREST
        (joined,) = store.save_items("akorda-ru", [akorda]).new
        assert joined.story == nearest.story
