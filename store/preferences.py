"""What each chat chose for itself: its language, time zone, quiet hours and digest.

The store keeps the choices as the chat made them, already validated by the command that
took them (bot.settings); it does not interpret them. A chat that never chose reads the
defaults, so a chat stored before these existed behaves as it always did.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import sqlite_utils

DEFAULT_TIMEZONE = "UTC"
DIGEST_OFF = "off"


@dataclass(frozen=True)
class Preferences:
    """One chat's choices. ``language`` is what the chat chose with /language;
    ``seen_language`` the Telegram language of whoever last wrote in it, the default
    until it chooses. ``quiet`` is ``HH:MM-HH:MM`` or None; ``digest`` is ``off``,
    ``hourly`` or ``daily HH:MM``."""

    language: str | None = None
    seen_language: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    quiet: str | None = None
    digest: str = DIGEST_OFF


_COLUMNS = tuple(f.name for f in fields(Preferences))
_DEFAULTS = Preferences()


class ChatPreferences:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def of(self, chat_id: int) -> Preferences:
        """The chat's choices; the defaults for a chat never seen."""
        row = self.db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM chats WHERE chat_id = ?",  # noqa: S608
            [chat_id],
        ).fetchone()
        if row is None:
            return _DEFAULTS
        stored = dict(zip(_COLUMNS, row, strict=True))
        return Preferences(
            language=stored["language"],
            seen_language=stored["seen_language"],
            timezone=stored["timezone"] or DEFAULT_TIMEZONE,
            quiet=stored["quiet"],
            digest=stored["digest"] or DIGEST_OFF,
        )

    def choose(self, chat_id: int, **choices: str | None) -> bool:
        """Store choices for a chat already recorded (``ensure_chat``); False when the chat
        is unknown, in which case nothing is stored."""
        unknown = set(choices) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"not a chat preference: {', '.join(sorted(unknown))}")
        if not choices:
            return True
        assignments = ", ".join(f"{name} = ?" for name in choices)
        with self.db.atomic():
            cursor = self.db.execute(
                f"UPDATE chats SET {assignments} WHERE chat_id = ?",  # noqa: S608 - checked names
                [*choices.values(), chat_id],
            )
        return cursor.rowcount > 0

    def seen(self, chat_id: int, language_code: str | None) -> None:
        """Remember the Telegram language of who wrote last, when it changed (most
        messages change nothing, and write nothing)."""
        if not language_code:
            return
        self.db.execute(
            "UPDATE chats SET seen_language = ? WHERE chat_id = ? AND seen_language IS NOT ?",
            [language_code, chat_id, language_code],
        )
