"""Whether admins need to hear about a source, judged after each poll.

Admins hear once when a source starts failing (after ``failures_before_alert`` failures
in a row), once when its layout seems to have changed (the parser suddenly finds no items
where it used to find several, or its items lose their dates or links: how a broken HTML
scraper shows itself), and once when it is fine again. What was last said is kept in the
store, so a restart neither repeats nor forgets an announcement.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import notices as said
from bot.reader import Wording
from readout.poll import SourceOutcome
from readout.relocation import moved_notice
from store.store import FetchState

FAILING, LAYOUT = "failing", "layout"
# A source must have shown at least this many items (dates, links) before their loss counts.
SHAPE_MINIMUM = 3


@dataclass(frozen=True)
class Notice:
    """What to tell the admins, each in their own language (``said``)."""

    source_id: str
    announced: str | None
    said: Wording

    @property
    def text(self) -> str:
        return str(self.said)


def judge(
    before: FetchState, outcome: SourceOutcome, failures: int, threshold: int
) -> Notice | None:
    """The notice this poll calls for, if any; ``before`` is the state before the poll."""
    source = outcome.source
    announced = before.announced
    if not outcome.ok:
        if failures >= threshold and announced != FAILING:
            failing = Wording(
                said.SOURCE_FAILING_NOTICE,
                source=source.name,
                id=source.id,
                count=failures,
                error=outcome.error,
            )
            return Notice(source.id, FAILING, failing)
        return None
    if outcome.moved_to or outcome.moved_back:
        return Notice(source.id, None, moved_notice(source, outcome.moved_to))
    problem = None if outcome.unchanged else layout_problem(before, outcome)
    if problem is not None:
        if announced == LAYOUT:
            return None
        changed = Wording(
            said.SOURCE_LAYOUT_NOTICE, source=source.name, id=source.id, problem=problem
        )
        return Notice(source.id, LAYOUT, changed)
    if announced is None or (announced == LAYOUT and outcome.unchanged):
        return None
    working = Wording(said.SOURCE_RECOVERED_NOTICE, source=source.name, id=source.id)
    return Notice(source.id, None, working)


def layout_problem(before: FetchState, outcome: SourceOutcome) -> Wording | None:
    parsed, dated, linked = before.last_parsed or 0, before.last_dated or 0, before.last_linked or 0
    if parsed >= SHAPE_MINIMUM and outcome.parsed == 0:
        return Wording(said.NO_ITEMS_NOW, count=parsed)
    if outcome.parsed and dated >= SHAPE_MINIMUM and outcome.dated == 0:
        return Wording(said.LOST_DATES)
    if outcome.parsed and linked >= SHAPE_MINIMUM and outcome.linked == 0:
        return Wording(said.LOST_LINKS)
    return None


FALLBACK_TEXT = "layout changed; items read by link pattern; check the selectors"


@dataclass(frozen=True)
class FallbackChange:
    """A page source started or stopped being read by link pattern.

    ``since`` is what the store keeps (None: its selectors match again), so /status can
    show it and a restart neither repeats nor forgets the notice. An empty ``text`` is
    cleared silently: the source's selectors were removed, so the pattern is the plan.
    """

    source_id: str
    since: str | None
    said: Wording | None

    @property
    def text(self) -> str:
        return str(self.said) if self.said is not None else ""


def fallback_change(before: FetchState, outcome: SourceOutcome, now: str) -> FallbackChange | None:
    """The notice due when a page's selectors stop (or start again) finding its items.

    Alerts keep flowing either way, so this is a notice to fix the configuration, not a
    failure. An unchanged body or a failed poll says nothing new about the selectors.
    """
    if not outcome.ok or outcome.unchanged:
        return None
    source = outcome.source
    if outcome.fallback and before.fallback_since is None:
        fallback = Wording(said.FALLBACK_NOTICE, source=source.name, id=source.id)
        return FallbackChange(source.id, now, fallback)
    if not outcome.fallback and before.fallback_since is not None and outcome.parsed:
        if source.selectors is None or source.selectors.item is None:
            return FallbackChange(source.id, None, None)  # now configured to be read by pattern
        matching = Wording(said.SELECTORS_MATCH_NOTICE, source=source.name, id=source.id)
        return FallbackChange(source.id, None, matching)
    return None
