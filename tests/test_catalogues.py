"""Every message the chat can show exists in English, Russian and Kazakh.

The checks read the code the way ``pybabel extract`` does (docs/translating.md), so a new
``_("...")`` without its translations, a stale template, a translation that lost a
placeholder or a tag, or an entry still marked fuzzy fails here, not in a reader's chat.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE, choose_language, read_catalogue, texts

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sd]|%[sd]")
TAG = re.compile(r"</?([a-z]+)[^>]*>")


def _id(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def in_code() -> set[str]:
    """The message ids the code marks, read as pybabel reads them (babel.cfg)."""
    found = extract_from_dir(
        str(ROOT),
        method_map=[("bot/**.py", "python"), ("readout/importer.py", "python")],
        keywords=KEYWORDS,
        strip_comment_tags=True,
    )
    ids = set()
    for _filename, _line, message, _comments, _context in found:
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def template() -> Catalog:
    with (LOCALE_DIR / "readout.pot").open("rb") as file:
        return read_po(file)


def problems(catalogue: Catalog, wanted: Iterable[str]) -> list[str]:
    """What keeps ``catalogue`` from covering ``wanted``: missing, empty or fuzzy entries,
    and translations whose placeholders or tags differ from the English."""
    found = []
    for msgid in sorted(wanted):
        message = catalogue.get(msgid) if msgid in catalogue else None
        if message is None:
            plural = [m for m in catalogue if m.id and _id(m) == msgid]
            message = plural[0] if plural else None
        if message is None:
            found.append(f"missing: {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"untranslated: {msgid!r}")
        elif message.fuzzy:
            found.append(f"fuzzy: {msgid!r}")
        else:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            want_marks = sorted(set(PLACEHOLDER.findall(" ".join(ids))))
            want_tags = sorted(TAG.findall(ids[0]))
            for string in strings:
                if sorted(set(PLACEHOLDER.findall(string))) != want_marks:
                    found.append(f"placeholders differ: {msgid!r} -> {string!r}")
                if sorted(TAG.findall(string)) != want_tags:
                    found.append(f"tags differ: {msgid!r} -> {string!r}")
    return found


def test_the_template_lists_exactly_what_the_code_marks() -> None:
    marked, listed = in_code(), {_id(m) for m in template() if m.id}
    assert marked, "no message is marked for translation"
    assert sorted(marked - listed) == [], "re-extract the template (docs/translating.md)"
    assert sorted(listed - marked) == [], "the template lists messages the code dropped"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    assert problems(read_catalogue(language), in_code()) == []


def test_the_check_fails_on_a_missing_a_fuzzy_and_a_broken_translation() -> None:
    catalogue = Catalog(locale="ru")
    catalogue.add("Fuzzy {x}", "Неточно {x}", flags=["fuzzy"])
    catalogue.add("Tagged <b>{x}</b>", "Тег {x}")
    catalogue.add("Fine {x}", "Хорошо {x}")
    found = problems(catalogue, ["Absent", "Fuzzy {x}", "Tagged <b>{x}</b>", "Fine {x}"])
    assert [p.split(":")[0] for p in found] == ["missing", "fuzzy", "tags differ"]


def test_kazakh_is_written_in_cyrillic_with_its_own_letters() -> None:
    strings = [
        s
        for m in read_catalogue("kk")
        if m.id
        for s in (m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    letters = set("".join(strings))
    assert KAZAKH_LETTERS & letters, "no Kazakh letter in the Kazakh catalogue"
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    assert cyrillic > 30


def test_russian_is_shown_from_the_compiled_catalogue() -> None:
    catalogue = read_catalogue("ru")
    sample = next(m for m in catalogue if m.id and isinstance(m.id, str) and m.string)
    assert texts("ru")(sample.id) == sample.string
    assert texts("en")(sample.id) == sample.id
    assert texts("xx")(sample.id) == sample.id


@pytest.mark.parametrize(
    ("chosen", "seen", "expected"),
    [
        (None, None, "en"),
        (None, "ru", "ru"),
        (None, "kk-KZ", "kk"),
        (None, "de", "en"),
        ("kk", "ru", "kk"),
        ("en", "ru", "en"),
        ("zz", "ru", "ru"),
    ],
)
def test_a_chat_reads_its_choice_else_its_writer_s_language(
    chosen: str | None, seen: str | None, expected: str
) -> None:
    assert choose_language(chosen, seen) == expected


def test_every_catalogue_is_shipped_in_the_package() -> None:
    """An installed Readout (pip install ., the Docker image) reads the catalogues from
    the package: each must be named by a package-data pattern, or Russian and Kazakh
    readers would get an error instead of their language."""
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as file:
        patterns = tomllib.load(file)["tool"]["setuptools"]["package-data"]["bot"]
    bot = ROOT / "bot"
    shipped = {path for pattern in patterns for path in bot.glob(pattern)}  # as setuptools globs
    catalogues = set(LOCALE_DIR.rglob("*.po*"))
    assert len(catalogues) == len(LANGUAGES)
    assert sorted(catalogues - shipped) == []
