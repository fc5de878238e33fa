"""What an alert says, as Telegram HTML that is always valid and never over the limit.

Every piece of text comes from a source we do not control, so each is escaped; only the
tags written here are markup. The limit is checked on the raw HTML, which is never
shorter than the text Telegram counts, so a message that passes here passes there.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from bot.i18n import Texts
from bot.reader import Reader
from scrapers.text import shorten
from store.store import StoredItem

MAX_MESSAGE = 4096
# Room kept under the limit for the line that says why a chat got the alert (``why``):
# the alert is rendered once for every chat that reads the same language and zone, and
# each chat's own line is added after, so it must fit whatever the rest says.
WHY_ROOM = 320
ENGLISH = Reader()
Highlighter = Callable[[str], Sequence[tuple[int, int]]]


def _no_highlight(text: str) -> Sequence[tuple[int, int]]:
    return ()


def render_alert(
    stored: StoredItem,
    leader_names: Mapping[str, str],
    highlight: Highlighter = _no_highlight,
    limit: int = MAX_MESSAGE,
    reader: Reader = ENGLISH,
) -> str:
    """The HTML alert for an item, as ``reader`` reads it: source, time in their zone,
    title with names in bold, lead, link."""
    item = stored.item
    summary = item.summary
    while True:
        text = _compose(stored, leader_names, highlight, summary, reader)
        if len(text) <= limit or not summary:
            break
        room = len(summary) - (len(text) - limit) - 16
        # No room at all (a title longer than the limit): shorten() cannot cut to nothing.
        summary = shorten(summary, room) if room > 1 else ""
        summary = "" if summary == "…" else summary
    if len(text) > limit:
        text = _compose(stored, leader_names, _no_highlight, "", reader, title_limit=200)
    return text


def render_plain(
    stored: StoredItem,
    leader_names: Mapping[str, str],
    reader: Reader = ENGLISH,
    limit: int = MAX_MESSAGE,
) -> str:
    """The same alert without markup, for when Telegram rejects the HTML one."""
    item = stored.item
    _ = reader.texts
    lines = [f"{stored.source_name} · {_when(stored, reader)}", item.title]
    if item.summary:
        lines += ["", shorten(item.summary, 1500)]
    if item.leaders:
        names = ", ".join(leader_names.get(i, i) for i in item.leaders)
        lines.append(_("Leaders: {names}").format(names=names))
    if item.tags:
        lines.append(" ".join(f"#{tag}" for tag in item.tags))
    if item.url:
        lines.append(item.url)
    return shorten("\n".join(lines), limit)


def why_lines(why: str) -> tuple[str, str]:
    """The line that says why a chat got an alert, as HTML and as plain text, each with
    the newline that puts it under the alert; never longer than ``WHY_ROOM``."""
    if not why:
        return "", ""
    shown = why
    while True:
        marked = f"\n<i>{_e(shown)}</i>"
        if len(marked) <= WHY_ROOM or len(shown) <= 1:
            return marked, shorten(f"\n{shown}", WHY_ROOM)
        # Escaping can make the markup several times longer than the text: cut in proportion.
        shown = shorten(shown, max(len(shown) * (WHY_ROOM - 16) // len(marked), 1))


def reasons(
    followed: Sequence[str], sources: Sequence[str], keywords: Sequence[str], _: Texts
) -> str:
    """Why a chat got an alert, in one short line: "You follow Vladimir Putin · Keyword:
    газ" (each its own sentence, so word order is the translator's)."""
    said = []
    if followed:
        said.append(_("You follow {leaders}").format(leaders=", ".join(followed)))
    if sources:
        said.append(_("Source: {source}").format(source=", ".join(sources)))
    if keywords:
        line = _.ngettext("Keyword: {keywords}", "Keywords: {keywords}", len(keywords))
        said.append(line.format(keywords=", ".join(keywords)))
    return " · ".join(said)


def _compose(
    stored: StoredItem,
    leader_names: Mapping[str, str],
    highlight: Highlighter,
    summary: str,
    reader: Reader,
    title_limit: int | None = None,
) -> str:
    item = stored.item
    _ = reader.texts
    title = shorten(item.title, title_limit) if title_limit else item.title
    lines = [
        f"<b>{_e(stored.source_name)}</b> · {_e(_when(stored, reader))}",
        _emphasise(title, highlight(title) if not title_limit else ()),
    ]
    if summary:
        lines += ["", _e(summary)]
    if item.leaders:
        names = ", ".join(leader_names.get(i, i) for i in item.leaders)
        lines += ["", _("<i>Leaders:</i> {names}").format(names=_e(names))]
    if item.tags:
        lines.append(" ".join(f"#{_e(tag)}" for tag in item.tags))
    if item.url:
        shown = _e(_short_url(item.url))
        lines.append(f'<a href="{html.escape(item.url, quote=True)}">{shown}</a>')
    return "\n".join(lines)


def _when(stored: StoredItem, reader: Reader) -> str:
    """In the reader's zone, naming it; a day alone where the source gave only a day."""
    return reader.published(stored.item.published) or reader.texts("date not given")


def _emphasise(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """Escape ``text`` and wrap the given spans (non-overlapping, in order) in <b>."""
    out = []
    position = 0
    for start, end in sorted(spans):
        if start < position or end > len(text) or start >= end:
            continue
        out += [_e(text[position:start]), "<b>", _e(text[start:end]), "</b>"]
        position = end
    out.append(_e(text[position:]))
    return "".join(out)


def _short_url(url: str) -> str:
    parts = urlsplit(url)
    shown = (parts.netloc + parts.path).removeprefix("www.").rstrip("/")
    return shorten(shown, 80) or url


def _e(text: str) -> str:
    return html.escape(text, quote=False)
