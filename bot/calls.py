"""Who talked to whom: one line per story, for /calls and ``readout stories``.

A line names the day, the counterparts (everyone but the leader asked about), the kind,
which sides have published and who initiated it where a readout said so, because that is
what an analyst compares first when two offices describe one call differently.
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

from bot import clock
from bot.i18n import N_, SOURCE_LANGUAGE, Texts, texts
from scrapers.model import Published
from store.stories import Story

# The kinds /calls lists, as a reader calls them.
KIND_NAMES = {"call": N_("call"), "meeting": N_("meeting"), "summit": N_("summit")}


def counterparts(story: Story, leader: str | None) -> list[str]:
    others = [party for party in story.parties if party != leader]
    return others or list(story.parties)


def story_line(story: Story, leader: str | None = None) -> str:
    """``2026-11-03  call  putin, tokayev  sides: kremlin-en, akorda-ru  initiated by tokayev``."""
    day = (story.published or "")[:10] or "undated"
    who = ", ".join(counterparts(story, leader)) or "-"
    sides = ", ".join(dict.fromkeys(side.source for side in story.sides))
    started = f"  initiated by {story.initiator}" if story.initiator else ""
    return f"{day}  {story.kind:<7}  {who}  sides: {sides}{started}"


def _published(value: str | None) -> Published | None:
    """A story's stored ``published`` (a day alone, or an instant with its offset)."""
    if not value:
        return None
    try:
        if len(value) == len("2026-03-21"):
            day = date.fromisoformat(value)
            return Published(datetime(day.year, day.month, day.day), date_only=True)
        at = datetime.fromisoformat(value)
        return Published(at if at.tzinfo else at.replace(tzinfo=UTC))
    except ValueError:
        return None


def story_html(
    story: Story,
    leader: str | None = None,
    words: Texts | None = None,
    zone: str | None = None,
) -> str:
    """The same line for a chat, in its language (``words``) and time zone, with each
    side's readout linked."""
    _ = words or texts(SOURCE_LANGUAGE)
    day = clock.published(_published(story.published), zone, _.language) or _("undated")
    kind = _(KIND_NAMES[story.kind]) if story.kind in KIND_NAMES else story.kind
    who = html.escape(", ".join(counterparts(story, leader)) or "-")
    sides = []
    for side in story.sides:
        name = html.escape(side.source_name)
        sides.append(
            f'<a href="{html.escape(side.url, quote=True)}">{name}</a>' if side.url else name
        )
    started = ""
    if story.initiator:
        started = " · " + _("initiated by {leader}").format(leader=html.escape(story.initiator))
    return f"• {day} · {html.escape(kind)} · {who}{started}\n  {', '.join(sides)}"
