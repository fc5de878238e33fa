"""What an inline button carries, within Telegram's limits for buttons and their answers.

Telegram refuses a whole message when one button's ``callback_data`` is over 64 bytes
(BUTTON_DATA_INVALID) or when it has more than 100 inline buttons ("reply markup is too
long"), and refuses the answer to a press when its text is over 200 characters
(MESSAGE_TOO_LONG). A leader id may be 64 characters, so ``toggle:leader:<id>``
may not fit: such a leader's button carries a digest of its id instead, which is stable
across restarts and config reloads and needs no table, and a press is resolved against the
leaders watched now (a leader no longer watched resolves to nothing).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence

from analysis.leaders import Leader
from scrapers.text import shorten

CALLBACK_DATA_BYTES = 64  # InlineKeyboardButton.callback_data: 1-64 bytes
ANSWER_CHARACTERS = 200  # answerCallbackQuery.text: 0-200 characters
KEYBOARD_BUTTONS = 100  # inline buttons in one message
TOGGLE = "toggle:leader:"
TOGGLE_DIGEST = "toggle:ld:"


def toggle_data(leader_id: str) -> str:
    """The callback_data of a leader's follow/unfollow button: readable when it fits."""
    data = TOGGLE + leader_id
    if len(data.encode()) <= CALLBACK_DATA_BYTES:
        return data
    digest = hashlib.sha256(leader_id.encode()).digest()[:15]  # 120 bits: no collisions
    return TOGGLE_DIGEST + base64.urlsafe_b64encode(digest).decode()


def keyboard_leaders(leaders: Sequence[Leader], followed: Iterable[str]) -> list[Leader]:
    """The leaders that get a button: all of them when they fit in one keyboard, else the
    ones the chat follows first (so each can be unfollowed), then the watchlist's order."""
    if len(leaders) <= KEYBOARD_BUTTONS:
        return list(leaders)
    mine = set(followed)
    return sorted(leaders, key=lambda leader: leader.id not in mine)[:KEYBOARD_BUTTONS]


def pressed_leader(data: str, leaders: Iterable[Leader]) -> Leader | None:
    """The watched leader whose button carries ``data``, or None for a stale button."""
    return next((leader for leader in leaders if toggle_data(leader.id) == data), None)


def answer_text(text: str) -> str:
    """``text`` cut to what Telegram shows in a press's answer (counted in UTF-16 code
    units, which is never less than characters, so the cut is always accepted)."""
    limit = ANSWER_CHARACTERS
    shown = shorten(text, limit)
    while _utf16(shown) > ANSWER_CHARACTERS and limit > 1:
        limit = max(limit - (_utf16(shown) - ANSWER_CHARACTERS), 1)
        shown = shorten(text, limit)
    return shown


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
