"""Finding the watched leaders (or a chat's keywords) a text mentions, and saying where.

This is the face of matching: a ``Match`` explains itself (which leader, by which alias,
as which form, where), which ``readout check`` prints and routing trusts. The work is
done in three steps, each in its own module: ``analysis.normalise`` reads the text once
(composed, invisible characters dropped, one alphabet per word), ``analysis.index``
finds every place an alias's forms stand, and ``analysis.guards`` decides which of those
places count (context for ambiguous aliases, namesakes, overlaps).

Positions in a ``Match`` index the caller's string even when it had soft hyphens,
zero-width characters or decomposed (NFD) letters inside a name; ``form`` is the
matched text as read after that clean-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from analysis.forms import fold, latin_spellings
from analysis.guards import GivenNames, is_short, resolve
from analysis.index import FormIndex, Spelling, spelling_of
from analysis.leaders import CAVEATS, Caveats, Leader


@dataclass(frozen=True)
class Match:
    """One mention: which leader, by which alias, as which form, where in the text."""

    leader: str
    alias: str
    form: str
    start: int
    end: int


@dataclass(frozen=True)
class KeywordMatch:
    """One keyword mention: the keyword as the chat gave it, the form found, where."""

    keyword: str
    form: str
    start: int
    end: int


class Matcher:
    """Matches text against a fixed watchlist; build a new one when the watchlist changes.

    Every alias of every leader, including those added by configuration or ``/alias``,
    is inflected here, and every Cyrillic one also respelt the way Azerbaijani, Uzbek,
    Kazakh and Spanish sources write it, so a leader only ever needs its names in the
    nominative. An alias of one short word, or one listed in ``caveats`` as
    context-only, counts only after a title (President Xi, Председатель КНР Си), when
    the leader is also named in full, or (short words) as a headline uses it; the
    ``caveats`` namesakes claim their words so they never count as the leader, and a
    given name before a surname that is not among the leader's own names means
    somebody else.
    """

    def __init__(self, leaders: Iterable[Leader], caveats: Mapping[str, Caveats] = CAVEATS) -> None:
        self._leaders = tuple(leaders)
        spellings: list[Spelling] = []
        self._given: dict[str, GivenNames] = {}
        for leader in self._leaders:
            caveat = caveats.get(leader.id, Caveats())
            context_only = {fold(a) for a in caveat.context_only}
            names = []
            seen = set()
            for name in leader.names:
                needs_context = is_short(name) or fold(name) in context_only
                for written in (name, *sorted(_respelt(name))):
                    if fold(written) in seen:
                        continue  # Путин respelt is Putin, already an alias
                    seen.add(fold(written))
                    names.append(written)
                    spellings.append(
                        spelling_of(
                            leader.id,
                            written,
                            inflect=True,
                            names=True,
                            needs_context=needs_context,
                            short=is_short(name),
                        )
                    )
            for other in caveat.namesakes:
                spellings.extend(
                    spelling_of(leader.id, written, inflect=True, names=True, namesake=True)
                    for written in (other, *sorted(_respelt(other)))
                )
            given = [n for n in names if len(n.split()) > 1]
            self._given[leader.id] = GivenNames((*given, *caveat.given))
        # Surnames of every watched name: before another leader's surname (Orbán
        # Putyinnal), a capitalised word of these is no stranger's given name.
        self._known = frozenset(form for s in spellings if not s.namesake for form in s.words[-1])
        self._engine = FormIndex(spellings)

    @property
    def leaders(self) -> tuple[Leader, ...]:
        return self._leaders

    def matches(self, text: str) -> list[Match]:
        """Every mention in ``text``, in reading order, each with its alias, form and place."""
        if not text:
            return []
        read, found = self._engine.find(text)
        result = []
        for f in resolve(found, read.low, read.clean, self._given, self._known):
            start, end = read.origin(f.start, f.end)
            form = read.clean[f.start : f.end]
            result.append(Match(f.spelling.owner, f.spelling.alias, form, start, end))
        return result

    def leaders_in(self, text: str) -> tuple[str, ...]:
        """Ids of the leaders ``text`` mentions, each once, in order of first mention."""
        if not text:
            return ()
        read, found = self._engine.find(text)
        found = resolve(found, read.low, read.clean, self._given, self._known)
        return tuple(dict.fromkeys(f.spelling.owner for f in found))


def _respelt(name: str) -> frozenset[str]:
    """A Cyrillic alias as the Latin-alphabet sources around it spell it (Azerbaijani,
    Uzbek, Kazakh, Spanish); a short one (Си) stays as it is, Si being a common word."""
    return frozenset() if is_short(name) else latin_spellings(name)


class KeywordMatcher:
    """A chat's free-text keywords (``/keyword``) on the same engine as leaders.

    Case-insensitive and whole-word: ``sanctions`` does not fire inside ``sanctionsless``
    and a phrase matches across a space or a hyphen. With ``inflect=True`` each word also
    matches the forms ``analysis.forms`` generates (санкция: санкции, санкцией; Астана: Астане,
    Астанада), which are made for names and singular nouns; give keywords in the
    nominative singular. Text in scripts written without spaces is matched as a substring.
    """

    def __init__(self, keywords: Iterable[str], *, inflect: bool = False) -> None:
        self.keywords = tuple(dict.fromkeys(" ".join(k.split()) for k in keywords if k.strip()))
        self._engine = FormIndex(
            spelling_of(keyword, keyword, inflect=inflect, names=False) for keyword in self.keywords
        )

    def matches(self, text: str) -> list[KeywordMatch]:
        """Every keyword mention in ``text``, in reading order.

        Keywords do not shadow each other: a chat following both "peace" and "peace talks"
        gets both from "peace talks".
        """
        if not text or not self.keywords:
            return []
        read, found = self._engine.find(text)
        found.sort(key=lambda f: (f.start, -(f.end - f.start)))
        result = []
        seen = set()
        for f in found:
            if (f.spelling.owner, f.start) in seen:
                continue
            seen.add((f.spelling.owner, f.start))
            start, end = read.origin(f.start, f.end)
            result.append(KeywordMatch(f.spelling.owner, read.clean[f.start : f.end], start, end))
        return result

    def keywords_in(self, text: str) -> tuple[str, ...]:
        """The keywords ``text`` mentions, each once, in order of first mention."""
        return tuple(dict.fromkeys(m.keyword for m in self.matches(text)))
