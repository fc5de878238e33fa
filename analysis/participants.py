"""Who takes part in what an item reports: the leaders it names, and the office's principal.

A press office writes about its own head of state without naming him ("Глава государства
провел телефонный разговор с Владимиром Путиным" is Tokayev's call), so the leaders
named in the text miss the one leader every item of that source is about. The principal
is added here, once, so routing, stories and feeds all read the same participants.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from analysis.matching import Matcher
from scrapers.model import Item


def participants(leaders: Iterable[str], principal: str | None) -> tuple[str, ...]:
    """``leaders`` plus ``principal``, each once, in a stable order."""
    return tuple(sorted({*leaders, *([principal] if principal else [])}))


def parties(
    title_leaders: Iterable[str], everyone: tuple[str, ...], principal: str | None
) -> tuple[str, ...]:
    """Who the event is between: those the title names, with the principal.

    A readout's body often names third leaders ("following his conversation with President
    Putin"); the title names the counterpart and nobody else. When the title names no one
    but the principal (a summit: "Meeting of the SCO Heads of State Council"), everyone
    the text names takes part.
    """
    named = participants(title_leaders, principal)
    return named if len(named) > len(participants((), principal)) else everyone


def take_part(item: Item, matcher: Matcher, principal: str | None) -> Item:
    """``item`` (already matched) with its participants, principal and parties."""
    everyone = participants(item.leaders, principal)
    title_leaders = matcher.leaders_in(item.title) if item.title else ()
    return replace(
        item,
        participants=everyone,
        principal=principal,
        parties=parties(title_leaders, everyone, principal),
    )
