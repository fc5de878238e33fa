"""One way to show a list longer than a message: pages cut at line ends under Telegram's
4,096 characters, read with ``/command N`` (as /status always worked).

Telegram refuses a longer message outright, so a reply that grows with what a chat keeps
(its subscriptions, the audit, the sources) would otherwise fail silently one day. Every
command that lists things goes through here, so none of them can pass the limit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from bot.i18n import SOURCE_LANGUAGE, Texts, texts
from scrapers.text import shorten

MESSAGE_LIMIT = 4096
# Room for the footer ("Page 12 of 40: /subscriptions 13 for more.") and a reply's margin.
PAGE_LIMIT = MESSAGE_LIMIT - 200


class PageError(Exception):
    """The page asked for does not exist; the message is the usage line to reply."""


def paginate(header: str, lines: Sequence[str], limit: int = PAGE_LIMIT) -> list[str]:
    """The header and as many whole lines as fit, page after page.

    Lines are HTML made by Readout, so one is never cut inside; a single line longer than
    a page (a 5,000-character title) is shown as plain text, shortened, and escaped again.
    """
    pages: list[str] = []
    current = header
    for line in lines:
        if len(line) > limit - len(header) - 1:
            line = _shortened(line, limit - len(header) - 1)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current != header:
            pages.append(current)
            candidate = f"{header}\n{line}" if header else line
        current = candidate
    pages.append(current)
    return pages


def _shortened(line: str, room: int) -> str:
    """``line`` as escaped plain text within ``room``; escaping lengthens (& is &amp;), so
    the cut shrinks until the escaped text fits."""
    text = plain_text(line)
    cut = room
    while True:
        escaped = html.escape(shorten(text, cut), quote=False)
        if len(escaped) <= room or cut <= 1:
            return escaped
        cut -= max(1, (len(escaped) - room) // 4)


def page_of(
    command: str,
    header: str,
    lines: Sequence[str],
    wanted: str | None,
    limit: int = PAGE_LIMIT,
    usage: str = "",
    given: str = "",
    words: Texts | None = None,
) -> str:
    """Page ``wanted`` (the first when None) of the reply, with a footer when there are
    more that repeats the ``given`` arguments; a page that does not exist raises
    PageError with the usage line. ``usage`` (the other arguments, ``[leader]``) and the
    footer are in the reader's language, ``words`` (English by default)."""
    _ = words or texts(SOURCE_LANGUAGE)
    pages = paginate(header, lines, limit)
    number = 1
    if wanted is not None:
        if not wanted.isdigit() or not 1 <= int(wanted) <= len(pages):
            arguments = f"{usage} " if usage else ""
            raise PageError(
                _("Usage: /{command} {arguments}[page], with page from 1 to {last}.").format(
                    command=command, arguments=arguments, last=len(pages)
                )
            )
        number = int(wanted)
    text = pages[number - 1]
    if number < len(pages):
        again = f"/{command} {given} " if given else f"/{command} "
        footer = _("Page {number} of {total}: {again}{next} for more.").format(
            number=number, total=len(pages), again=again, next=number + 1
        )
        return f"{text}\n{footer}"
    if len(pages) > 1:
        footer = _("Page {number} of {total}.").format(number=number, total=len(pages))
        return f"{text}\n{footer}"
    return text


def page_argument(arguments: Sequence[str]) -> tuple[list[str], str | None]:
    """Split a trailing page number off a command's arguments (/recent putin 2)."""
    if arguments and arguments[-1].isdigit():
        return list(arguments[:-1]), arguments[-1]
    return list(arguments), None


def plain_text(text: str) -> str:
    """What a reader sees of Readout's HTML: tags dropped, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))
