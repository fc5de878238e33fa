"""The languages Readout speaks to its readers: English, Russian and Kazakh.

Every reply, button, label and error is an English message id in the code, marked for
extraction (``_("...")`` where it is shown, ``N_("...")`` where it is defined ahead of
use), with its Russian and Kazakh in gettext catalogues under ``bot/locale`` (docs/
translating.md). The catalogues are read from their ``.po`` files and compiled in
memory by Babel the first time a language is wanted: no compiled file is kept, so none can
drift from its source or be edited by hand.

A chat reads the language it chose with /language, else the Telegram language of whoever
last wrote in it where that is one of ours, else English.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("en", "ru", "kk")
SOURCE_LANGUAGE = "en"
DOMAIN = "readout"
LOCALE_DIR = Path(__file__).with_name("locale")

# What each language calls itself, for /language.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}


def N_(message: str) -> str:
    """Mark a message defined ahead of its use (a command list, a help text) for
    extraction; it is translated where it is shown, in the reader's language."""
    return message


class Texts:
    """One language's messages: call it as ``_`` (``_("Subscribed.")``), and use
    ``ngettext`` where a count decides the form (Russian has three)."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def __call__(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self._translations.ngettext(singular, plural, count)

    def __repr__(self) -> str:
        return f"Texts({self.language!r})"


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(language: str) -> Catalog:
    """The language's catalogue as its translators wrote it."""
    with catalogue_path(language).open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


@cache
def texts(language: str) -> Texts:
    """The messages in ``language`` (English for one we do not speak), compiled once."""
    if language not in LANGUAGES or language == SOURCE_LANGUAGE:
        return Texts(SOURCE_LANGUAGE, gettext.NullTranslations())
    compiled = io.BytesIO()
    # Fuzzy entries are guesses a translator has not confirmed: English is shown instead.
    write_mo(compiled, read_catalogue(language), use_fuzzy=False)
    compiled.seek(0)
    return Texts(language, gettext.GNUTranslations(compiled))


def language_of(tag: str | None) -> str | None:
    """Ours of a Telegram ``language_code`` (an IETF tag: ``ru``, ``kk``, ``en-GB``), or None."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-", 1)[0].casefold()
    return primary if primary in LANGUAGES else None


def choose_language(chosen: str | None, seen: str | None) -> str:
    """The chat's choice, else the language of whoever last wrote in it, else English."""
    return language_of(chosen) or language_of(seen) or SOURCE_LANGUAGE
