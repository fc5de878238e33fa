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
) -> str:
    """Page ``wanted`` (the first when None) of the reply, with a footer when there are
    more that repeats the ``given`` arguments; a page that does not exist raises
    PageError with the usage line."""
    pages = paginate(header, lines, limit)
    number = 1
    if wanted is not None:
        if not wanted.isdigit() or not 1 <= int(wanted) <= len(pages):
            arguments = f"{usage} " if usage else ""
            raise PageError(
                f"Usage: /{command} {arguments}[page], with page from 1 to {len(pages)}."
            )
        number = int(wanted)
    text = pages[number - 1]
    if number < len(pages):
        again = f"/{command} {given} " if given else f"/{command} "
        return f"{text}\nPage {number} of {len(pages)}: {again}{number + 1} for more."
    if len(pages) > 1:
        return f"{text}\nPage {number} of {len(pages)}."
    return text


def page_argument(arguments: Sequence[str]) -> tuple[list[str], str | None]:
    """Split a trailing page number off a command's arguments (/recent putin 2)."""
    if arguments and arguments[-1].isdigit():
        return list(arguments[:-1]), arguments[-1]
    return list(arguments), None


def plain_text(text: str) -> str:
    """What a reader sees of Readout's HTML: tags dropped, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))
