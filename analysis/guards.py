"""What keeps a found word from counting: case, context, overlap and namesakes.

The form index finds every place an alias could be; these rules decide which of those
places are the leader. An ambiguous alias (Xi, Си, Costa) needs a title before it, the
full name elsewhere in the text, or a confirmed name beside it; a namesake (Mehriban
Aliyeva, Heydar Aliyev) claims its words so they never count as the leader; where two
candidates overlap, the longer one is what the text says.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from analysis.normalise import WORD

if TYPE_CHECKING:
    from analysis.index import Found

# What joins two names into a pair: "Putin and Xi", "Путин и Си", "Xi, Putin".
_PAIR = re.compile(r"[\s,]{0,3}(?:(?:and|with|и|с|і|та|й|з|және|мен|ve|və|und|et|e|y)\s{1,3})?")

# Words that give an ambiguous alias (Xi, Си, Costa) its context when one of the two words
# before it starts with them: a title, a country, "counterpart".
TITLE_STEMS = (
    *("president", "chairman", "premier", "leader", "mr", "comrade", "counterpart"),
    *("secretary", "chancellor", "prime", "minister", "china", "chinese", "beijing"),
    *("excellency", "presidente", "primeiro", "portugal", "armenia", "turkmen"),
    *("президент", "председател", "премьер", "лидер", "генсек", "генеральн", "секретар"),
    *("товарищ", "коллег", "колег", "канцлер", "кнр", "китай", "кита", "господин"),
    *("голов", "прем", "лідер", "товариш", "пан", "армени", "вірмен", "туркмен"),
    *("төраға", "қхр", "басшы", "көшбасшы", "хатшы", "прэзідэнт", "старшын"),
)


def is_short(alias: str) -> bool:
    """One word of at most three letters (Xi, Си, Li): too common alone to trust."""
    words = alias.split()
    return len(words) == 1 and len(words[0]) <= 3


def title_case(written: str) -> bool:
    """An ambiguous alias counts only as written in the alias: Xi, not XI (a numeral)."""
    return written[:1].isupper() and written[1:] == written[1:].lower()


def has_title_before(low: str, start: int) -> bool:
    """Whether one of the two words before ``start`` is a title, a country or the like."""
    before = WORD.findall(low[max(0, start - 40) : start])[-2:]
    return any(word.startswith(TITLE_STEMS) for word in before)


def resolve(found: list[Found], low: str) -> list[Found]:
    """Longest candidate wins where candidates overlap; a namesake wins a tie.

    Then namesakes are dropped (they only existed to claim their words), and an
    ambiguous alias with no title before it stays only if the same owner is also named
    unambiguously somewhere in the text ("Xi Jinping arrived… Xi said") or it stands in
    a pair with another confirmed name ("Путин и Си", "Trump and Xi").
    """
    found.sort(key=lambda f: (f.start, -(f.end - f.start), not f.spelling.namesake))
    kept: list[Found] = []
    reach = -1
    for candidate in found:
        if candidate.start >= reach:
            kept.append(candidate)
            reach = candidate.end
    kept = [f for f in kept if not f.spelling.namesake]
    named = {f.spelling.owner for f in kept if f.confirmed}
    return [
        f
        for index, f in enumerate(kept)
        if f.confirmed or f.spelling.owner in named or _paired(kept, index, low)
    ]


def _paired(kept: list[Found], index: int, low: str) -> bool:
    this = kept[index]
    before = kept[index - 1] if index > 0 else None
    if before is not None and before.confirmed and _PAIR.fullmatch(low, before.end, this.start):
        return True
    if index + 1 < len(kept) and kept[index + 1].confirmed:
        return _PAIR.fullmatch(low, this.end, kept[index + 1].start) is not None
    return False
