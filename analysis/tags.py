"""What kind of event an item reports: a call, a meeting, a visit, a decree, a statement,
a greeting (congratulations or condolences), or other.

Press offices title their releases by the event ("Telephone conversation with…",
"Телефонный разговор с…", "…телефон арқылы сөйлесті"), so the title decides; the first
sentence after it is read only when the title names no event ("Vladimir Putin and
Kassym-Jomart Tokayev"). Cues are word beginnings in English, Russian, Kazakh and
Ukrainian, with the common Azerbaijani and Turkish ones, compiled into one pattern with
no nested repetition (a gap between words is a bounded character class), so a text of
any length is read in one linear pass.
"""

from __future__ import annotations

import re

TAGS = ("call", "meeting", "visit", "decree", "statement", "greeting", "other")

_W = r"\w*"
_CUES: dict[str, tuple[str, ...]] = {
    "call": (
        rf"telephone\s+(?:conversation|call|talk){_W}",
        rf"phone\s+(?:conversation|call|talk){_W}",
        r"(?:spoke|speaks|talked|talks|conversation)\s+(?:by|on\s+the|over\s+the)\s+(?:tele)?phone",
        rf"video\s*call{_W}",
        r"calls?\s+with",
        rf"телефонн{_W}\s+(?:разговор|розмов|звон|дзвін){_W}",
        r"по\s+телефону",
        rf"созвонил{_W}",
        r"телефоном",
        rf"телефон\s+арқылы{_W}",
        rf"телефонмен\s+сөйлес{_W}",
        rf"telefon\s+(?:danışığı|danışıq|görüşme|ile\s+görüş){_W}",
        rf"telefonla\s+(?:danış|görüş){_W}",
    ),
    "decree": (
        rf"decree{_W}",
        rf"executive\s+orders?{_W}",
        rf"proclamation{_W}",
        r"sign(?:s|ed)?\s[\w\s]{0,30}?(?<!\w)laws?(?!\w)",
        r"указ(?:а|у|ом|е|ы|ов|ами|ах)?(?!\w)",
        rf"подписал{_W}\s[\w\s]{{0,30}}?(?<!\w)закон{_W}",
        rf"підписав{_W}\s[\w\s]{{0,30}}?(?<!\w)закон{_W}",
        rf"распоряжени{_W}",
        rf"розпорядженн{_W}",
        rf"жарлық{_W}",
        rf"заң{_W}\s+қол\s+қой{_W}",
        rf"қаулы{_W}",
        rf"fərman{_W}",
        rf"sərəncam{_W}",
        rf"kararname{_W}",
    ),
    "greeting": (
        rf"congratulat{_W}",
        rf"greeting{_W}",
        rf"condolence{_W}",
        rf"felicitat{_W}",
        rf"поздрав{_W}",
        rf"соболезн{_W}",
        rf"приветстви{_W}",
        rf"привіта{_W}",
        rf"привітан{_W}",
        rf"вітан{_W}",
        rf"співчутт{_W}",
        rf"құттықта{_W}",
        rf"көңіл\s+айт{_W}",
        rf"təbrik{_W}",
        rf"başsağlığı{_W}",
        rf"tebrik{_W}",
        rf"taziye{_W}",
    ),
    "visit": (
        rf"visit{_W}",
        rf"arriv(?:es|ed)\s+in{_W}",
        rf"trip\s+to{_W}",
        rf"визит{_W}",
        rf"візит{_W}",
        rf"прибыл{_W}",
        r"прибув|прибула",
        rf"посетил{_W}",
        rf"відвідав{_W}",
        rf"поездк{_W}",
        rf"поїздк{_W}",
        rf"сапар{_W}",
        rf"іссапар{_W}",
        rf"səfər{_W}",
        rf"ziyaret{_W}",
    ),
    "meeting": (
        rf"meeting{_W}",
        r"meets|met\s+with|met(?!\w)",
        r"talks(?!\w)",
        rf"negotiation{_W}",
        rf"summit{_W}",
        rf"sitting{_W}",
        rf"receiv(?:es|ed)\s+(?:a\s+|the\s+)?(?:delegation|ambassador|credential|head|prime|president|minister){_W}",
        rf"встреч{_W}",
        rf"встретил{_W}",
        rf"переговор{_W}",
        rf"совещани{_W}",
        rf"заседани{_W}",
        rf"саммит{_W}",
        rf"зустріч{_W}",
        rf"зустрів{_W}",
        rf"засідан{_W}",
        rf"нарад{_W}",
        rf"саміт{_W}",
        rf"кездес{_W}",
        rf"келіссөз{_W}",
        rf"жиналыс{_W}",
        rf"отырыс{_W}",
        rf"қабылдады{_W}",
        rf"görüş{_W}",
        rf"zirve{_W}",
    ),
    "statement": (
        rf"statement{_W}",
        rf"address{_W}",
        rf"speech{_W}",
        rf"remarks{_W}",
        rf"declaration{_W}",
        rf"interview{_W}",
        rf"press\s+conference{_W}",
        r"brief(?:s|ed|ing)?(?!\w)",
        r"urg(?:es|ed)",
        r"calls?\s+(?:for|on)(?!\w)",
        rf"заявлени{_W}",
        rf"заявил{_W}",
        rf"обращени{_W}",
        rf"выступлени{_W}",
        rf"выступил{_W}",
        rf"послани{_W}",
        rf"интервью{_W}",
        rf"пресс-конференц{_W}",
        rf"заяв(?:а|и|у|ою|ив|ила){_W}",
        rf"звернен{_W}",
        rf"виступ{_W}",
        r"інтерв.ю",
        rf"мәлімдеме{_W}",
        rf"мәлімдеді{_W}",
        rf"үндеу{_W}",
        rf"жолдау{_W}",
        rf"сөз\s+сөйле{_W}",
        rf"сұхбат{_W}",
        rf"bəyanat{_W}",
        rf"müraciət{_W}",
        rf"çıxış{_W}",
        rf"açıklama{_W}",
    ),
}
_PATTERN = re.compile(
    "|".join(f"(?P<{tag}>(?<!\\w)(?:{'|'.join(cues)}))" for tag, cues in _CUES.items() if cues),
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…](?:\s|$)")
_LEAD_CHARS = 300


def event_tags(title: str, text: str = "") -> tuple[str, ...]:
    """The event kinds ``title`` names, in the order it names them; else those of the
    first sentence of ``text`` after the title; else ``("other",)``."""
    found = _tags_in(title)
    if not found:
        found = _tags_in(_first_sentence(title, text))
    return found or ("other",)


def _tags_in(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(m.lastgroup) for m in _PATTERN.finditer(text)))


def _first_sentence(title: str, text: str) -> str:
    lead = text[len(title) :] if title and text.startswith(title) else text
    lead = lead[:_LEAD_CHARS]
    end = _SENTENCE_END.search(lead)
    return lead[: end.end()] if end else lead
