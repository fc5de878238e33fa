"""Event tags: what kind of event an item reports, in the languages the sources use."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis.leaders import LEADERS
from analysis.matching import Matcher
from analysis.tags import TAGS, event_tags
from readout.poll import match_items
from scrapers.catalog import CATALOG
from scrapers.model import Item
from tests.conftest import SITES, Run


@pytest.mark.parametrize(
    ("title", "tag"),
    [
        ("Telephone conversation with President of Kazakhstan", "call"),
        ("Readout of the President's Call with the Prime Minister", "call"),
        ("The President spoke by phone with the Chancellor", "call"),
        ("Телефонный разговор с Президентом Азербайджана", "call"),
        ("Президенты поговорили по телефону", "call"),
        ("Мемлекет басшысы Әзербайжан Президентімен телефон арқылы сөйлесті", "call"),
        ("Зеленський провів телефонну розмову з Президентом Франції", "call"),
        ("Prezident telefonla danışıb", "call"),
        ("Meeting with Government members", "meeting"),
        ("Head of State holds talks with the President of Azerbaijan", "meeting"),
        ("President received a delegation of the European Parliament", "meeting"),
        ("Встреча с Президентом Казахстана", "meeting"),
        ("Российско-китайские переговоры", "meeting"),
        ("Совещание с членами Правительства", "meeting"),
        ("Мемлекет басшысы Үкімет мүшелерімен кездесті", "meeting"),
        ("Президент шетелдік инвесторларды қабылдады", "meeting"),
        ("Зустріч Президента України з Генеральним секретарем ООН", "meeting"),
        ("State visit to the People's Republic of China", "visit"),
        ("Государственный визит в Турцию", "visit"),
        ("Мемлекет басшысы Түркияға ресми сапармен барды", "visit"),
        ("Президент прибув до Вашингтона", "visit"),
        ("Decree on awarding state honours", "decree"),
        ("President signs executive order on tariffs", "decree"),
        ("The President signed the budget bill into law", "decree"),
        ("Подписан указ о назначении послов", "decree"),
        ("Президент подписал федеральный закон о бюджете", "decree"),
        ("Мемлекет басшысы Жарлыққа қол қойды", "decree"),
        ("Мемлекет басшысы заңға қол қойды", "decree"),
        ("Указ Президента України про відзначення", "decree"),
        ("Statement by the Press Secretary", "statement"),
        ("Address to the nation", "statement"),
        ("Заявление МИД России", "statement"),
        ("Обращение к участникам форума", "statement"),
        ("Мемлекет басшысының Қазақстан халқына Жолдауы", "statement"),
        ("Звернення Президента України", "statement"),
        ("Greetings to participants of the forum", "greeting"),
        ("President congratulated the people on the holiday", "greeting"),
        ("Condolences over the earthquake victims", "greeting"),
        ("Поздравление с Днём работника культуры", "greeting"),
        ("Соболезнования в связи с авиакатастрофой", "greeting"),
        ("Мемлекет басшысы Түркия Президентін құттықтады", "greeting"),
        ("Мемлекет басшысы көңіл айтты", "greeting"),
        ("Привітання з Днем Незалежності", "greeting"),
        ("Nominations Sent to the Senate", "other"),
        ("Он указал на важность реформ", "other"),
    ],
)
def test_the_title_names_the_event(title: str, tag: str) -> None:
    assert event_tags(title) == (tag,)


def test_every_tag_named_in_the_title_is_kept_in_order() -> None:
    title = "Kassym-Jomart Tokayev's speech at the third meeting of the National Kurultai"
    assert event_tags(title) == ("statement", "meeting")


def test_the_lead_decides_when_the_title_names_no_event() -> None:
    title = "Vladimir Putin and Kassym-Jomart Tokayev"
    text = f"{title} The leaders held talks in the Kremlin. A visit is planned for May."
    assert event_tags(title, text) == ("meeting",)
    assert event_tags("Vladimir Putin", "Vladimir Putin arrived at the plant.") == ("other",)


def test_tags_are_a_known_kind() -> None:
    assert set(event_tags("Meeting, visit and telephone conversation; decree")) <= set(TAGS)


def test_matched_items_carry_leaders_and_tags() -> None:
    item = Item("kremlin-en", "Telephone conversation with Kassym-Jomart Tokayev", None)
    (matched,) = match_items([item], Matcher(LEADERS))
    assert matched.leaders == ("tokayev",)
    assert matched.tags == ("call",)
    assert matched.as_json()["tags"] == ["call"]


SOURCES = [source.id for source in CATALOG]


@pytest.mark.parametrize("source_id", SOURCES)
def test_check_shows_leaders_tags_and_why_for_every_catalogue_fixture(
    source_id: str, cli: Callable[..., Run]
) -> None:
    (fixture,) = SITES.glob(f"{source_id}.*")
    human = cli("check", source_id, "--file", str(fixture))
    machine = cli("check", source_id, "--file", str(fixture), "--json")
    assert human.code == machine.code == 0, human.err + machine.err
    items = [json.loads(line) for line in machine.out.splitlines()]
    assert items and all(item["tags"] and set(item["tags"]) <= set(TAGS) for item in items)
    assert human.out.count("tags: ") == len(items)
    for item in items:
        for leader in item["leaders"]:
            assert f"{leader}: " in human.out
            assert ",".join(item["leaders"]) in human.out


def test_explanations_name_alias_form_and_place(cli: Callable[..., Run], tmp_path: Path) -> None:
    out = cli("check", "kremlin-ru", "--file", str(SITES / "kremlin-ru.atom")).out
    assert "tags: call" in out
    assert "aliyev: 'Ильхамом Алиевым' as 'Ильхам Алиев' at " in out
