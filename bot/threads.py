"""The thread in a chat: a later readout of a story answers the chat's first alert of it.

Analysts compare the two sides of one call; a reply puts Akorda's readout under the
Kremlin's in the chat, headed with what it is. Decided when the alert is about to be sent
(not when it is owed), from what the store says the chat has had of the story, so an
order of arrival, a failed first alert or a restart in between changes nothing:

- an earlier alert of the story still waiting in the outbox holds this one until it has
  gone (a reply is never sent before its parent, and never lost);
- the earliest alert of the story that was sent is the parent; when Telegram no longer
  has it, the reply goes as a normal message (``allow_sending_without_reply``);
- another language version of an office the chat already got is not sent, unless the
  chat subscribed to that very source by id;
- an earlier alert that failed for good is no parent: the next goes as a normal message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.i18n import N_, SOURCE_LANGUAGE, Texts, texts
from store.stories import Thread

HOLD_MARGIN = timedelta(seconds=1)
_LANGUAGE = re.compile(r"\s*\([^)]*\)\s*$")
# What the heading calls the event, by the story's kind: a whole sentence each, since the
# event's name changes the rest of it in Russian and Kazakh.
_HEADINGS = {
    "call": N_("{office}'s readout of the same call"),
    "meeting": N_("{office}'s readout of the same meeting"),
    "summit": N_("{office}'s readout of the same summit"),
}
_EVENT_HEADING = N_("{office}'s readout of the same event")


@dataclass(frozen=True)
class Placement:
    """What to do with one alert: send it (as a reply, with a heading), hold or skip it."""

    action: Literal["send", "hold", "skip"]
    reply_to: int | None = None
    heading: str | None = None
    until: datetime | None = None
    reason: str = ""


def place(
    delivery_id: int,
    thread: Thread | None,
    source_name: str,
    subscribed_to_source: bool,
    editing: bool = False,
    _: Texts | None = None,
) -> Placement:
    """Where alert ``delivery_id`` goes in its chat's thread of the story; an edit of an
    alert already sent keeps its place and its heading."""
    if thread is None:
        return Placement("send")
    before = [e for e in thread.earlier if e.delivery_id < delivery_id]
    waiting = [e for e in before if e.status == "pending"]
    if waiting and not editing:
        moment = max(datetime.fromisoformat(e.next_attempt_at) for e in waiting)
        return Placement(
            "hold",
            until=max(moment, datetime.now(UTC)) + HOLD_MARGIN,
            reason="waiting for the first alert of its story",
        )
    sent = [e for e in before if e.status == "sent" and e.message_id is not None]
    if not (editing or subscribed_to_source) and any(e.office == thread.office for e in sent):
        return Placement("skip", reason="another language version of an alert already sent")
    if not sent:
        return Placement("send")
    parent = sent[0]
    return Placement(
        "send",
        reply_to=parent.message_id,
        heading=heading(thread, source_name, parent.office, _ or texts(SOURCE_LANGUAGE)),
    )


def heading(thread: Thread, source_name: str, parent_office: str, _: Texts) -> str:
    """ "Kremlin (ru) version" for another language of the parent's office, else
    "Akorda's readout of the same call", in the chat's language."""
    if parent_office == thread.office:
        return _("{source} version").format(source=source_name)
    office = _LANGUAGE.sub("", source_name) or source_name
    return _(_HEADINGS.get(thread.kind, _EVENT_HEADING)).format(office=office)
