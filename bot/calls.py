"""Who talked to whom: one line per story, for /calls and ``readout stories``.

A line names the day, the counterparts (everyone but the leader asked about), the kind,
which sides have published and who initiated it where a readout said so, because that is
what an analyst compares first when two offices describe one call differently.
"""

from __future__ import annotations

import html

from store.stories import Story


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


def story_html(story: Story, leader: str | None = None) -> str:
    """The same line for a chat, with each side's readout linked."""
    day = (story.published or "")[:10] or "undated"
    who = html.escape(", ".join(counterparts(story, leader)) or "-")
    sides = []
    for side in story.sides:
        name = html.escape(side.source_name)
        sides.append(
            f'<a href="{html.escape(side.url, quote=True)}">{name}</a>' if side.url else name
        )
    started = f" · initiated by {html.escape(story.initiator)}" if story.initiator else ""
    return f"• {day} · {html.escape(story.kind)} · {who}{started}\n  {', '.join(sides)}"
