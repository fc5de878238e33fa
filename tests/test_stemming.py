"""Stems: what an inflected word shares with its other forms, and what it must not share
with an unrelated word that begins the same way."""

from __future__ import annotations

import pytest

from analysis.stemming import kazakh_stem, query_stems, stems, text_stems, words


def shares_stem(query: str, text: str) -> bool:
    """Whether the one word of ``query`` is found in ``text`` as /search compares them."""
    (word,) = words(query)
    return any(query_stems(word) & found for found in text_stems(text))


@pytest.mark.parametrize("form", ["Токаеву", "Токаева", "Токаевым", "Токаеве"])
def test_russian_cases_of_a_surname_share_its_stem(form: str) -> None:
    assert shares_stem("Токаев", form) and shares_stem(form, "Токаев")


@pytest.mark.parametrize("form", ["газа", "газом", "газу", "газе"])
def test_russian_cases_of_a_noun_share_its_stem(form: str) -> None:
    assert shares_stem("газ", form)
    assert "газ" in stems(words(form)[0])


@pytest.mark.parametrize("other", ["газета", "газетах", "газопровод"])
def test_a_longer_word_beginning_the_same_is_another_word(other: str) -> None:
    assert not shares_stem("газ", other)


def test_plural_and_genitive_plural_share_a_stem() -> None:
    assert shares_stem("санкции", "санкций") and shares_stem("санкция", "санкциями")


@pytest.mark.parametrize("form", ["Тоқаевпен", "Тоқаевтың", "Тоқаевқа", "Тоқаевты"])
def test_kazakh_case_suffixes_come_off(form: str) -> None:
    assert kazakh_stem(form.lower()) == "тоқаев"


def test_kazakh_suffixes_stack_and_come_off_one_by_one() -> None:
    assert kazakh_stem("президенттерімен") == "президент"
    assert kazakh_stem("инвестицияларды") == "инвестиция"


def test_kazakh_cuts_never_leave_fewer_than_three_letters() -> None:
    assert kazakh_stem("елдер") == "елдер"
    assert len(kazakh_stem("ауданда")) >= 3


def test_a_kazakh_word_in_russian_letters_is_found_in_a_kazakh_text() -> None:
    assert shares_stem("Астана", "Форум Астанада өтті")


def test_ukrainian_cases_and_alternations_share_a_stem() -> None:
    assert shares_stem("Зеленський", "Розмова з Зеленським")
    assert shares_stem("Київ", "Делегація прибула до Києва")
    assert shares_stem("енергетика", "Удари по енергетиці")
    assert shares_stem("санкції", "посилення санкцій")


def test_english_uses_snowball() -> None:
    assert shares_stem("sanction", "new sanctions") and shares_stem("talks", "they talked")
    assert not shares_stem("gas", "gasoline")


def test_words_are_lower_case_with_yo_as_ye_and_apostrophes_inside() -> None:
    assert words("Провёл ИНТЕРВ'Ю, Tokáyev!") == ["провел", "интервю", "tokayev"]


def test_short_words_and_numbers_stay_whole() -> None:
    assert stems("мир") == frozenset({"мир"}) and stems("2026") == frozenset({"2026"})
