"""Turning what a user typed (``putin``, ``Путин``, ``Kremlin (en)``) into a leader or source."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.leaders import Leader
from scrapers.model import Source
from store.subscriptions import SubscriptionKind


@dataclass(frozen=True)
class Choice:
    kind: SubscriptionKind
    id: str
    label: str


@dataclass(frozen=True)
class Resolution:
    """Exactly one ``choice``, or none and the ``candidates`` worth suggesting."""

    choice: Choice | None
    candidates: tuple[Choice, ...] = ()


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def resolve(text: str, leaders: Sequence[Leader], sources: Sequence[Source]) -> Resolution:
    """Match by id or any alias, case-insensitively; suggest near misses when nothing does."""
    wanted = _fold(text)
    names: dict[str, set[Choice]] = {}
    for leader in leaders:
        choice = Choice("leader", leader.id, leader.name)
        for name in (leader.id, *leader.names):
            names.setdefault(_fold(name), set()).add(choice)
    for source in sources:
        choice = Choice("source", source.id, source.name)
        for name in (source.id, source.name):
            names.setdefault(_fold(name), set()).add(choice)
    exact = names.get(wanted, set())
    if len(exact) == 1:
        return Resolution(next(iter(exact)))
    if exact:
        return Resolution(None, tuple(sorted(exact, key=lambda c: (c.kind, c.id))))
    close = difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)
    suggestions = dict.fromkeys(c for name in close for c in sorted(names[name], key=str))
    return Resolution(None, tuple(suggestions))
