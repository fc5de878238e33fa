"""Who reads what Readout sends on its own: alerts, summaries, notices to admins.

No user asked for those, so there is no message whose Telegram language could decide; the
chat's own choices do (store.preferences: its /language, else the language of whoever last
wrote in it, and its /timezone). ``Reader`` is a chat's language and zone, read once and
shared by everything worded for it; ``Wording`` is a sentence decided in one place (a
source failing, a refused admin action) and worded later, for each reader in their language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import clock
from bot.i18n import SOURCE_LANGUAGE, Texts, choose_language, texts
from scrapers.model import Published
from store.preferences import DEFAULT_TIMEZONE, Preferences
from store.store import Store


@dataclass(frozen=True)
class Reader:
    """A chat's language and time zone: what every text it is sent on its own depends on
    (so renders can be shared by every chat with the same two)."""

    language: str = SOURCE_LANGUAGE
    zone: str = DEFAULT_TIMEZONE

    @property
    def texts(self) -> Texts:
        return texts(self.language)

    def moment(self, at: datetime) -> str:
        return clock.moment(at, self.zone, self.language)

    def when(self, iso: str | None, never: str) -> str:
        """A stored ISO instant as this reader reads it, or ``never`` for none."""
        return self.moment(datetime.fromisoformat(iso)) if iso else never

    def published(self, value: Published | None) -> str | None:
        return clock.published(value, self.zone, self.language)


def reader_from(preferences: Preferences) -> Reader:
    return Reader(
        choose_language(preferences.language, preferences.seen_language),
        preferences.timezone or DEFAULT_TIMEZONE,
    )


def reader_of(store: Store, chat_id: int) -> Reader:
    """The reader of chat ``chat_id`` (English and UTC for a chat never seen)."""
    return reader_from(store.preferences.of(chat_id))


@dataclass(frozen=True, init=False)
class Wording:
    """A message id (marked with ``N_`` where it is written) and its values, worded in a
    reader's language when it is sent; a value may itself be a ``Wording``."""

    message: str
    values: dict[str, Any]

    def __init__(self, message: str, **values: Any) -> None:
        object.__setattr__(self, "message", message)
        object.__setattr__(self, "values", values)

    def in_(self, _: Texts) -> str:
        shown = {k: v.in_(_) if isinstance(v, Wording) else v for k, v in self.values.items()}
        return _(self.message).format(**shown) if shown else _(self.message)

    def __str__(self) -> str:
        """In English: for logs, and for whoever reads no catalogue."""
        return self.in_(texts(SOURCE_LANGUAGE))
