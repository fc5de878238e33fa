"""What an alert says, as Telegram HTML that is always valid and never over the limit.

Every piece of text comes from a source we do not control, so each is escaped; only the
tags written here are markup. The limit is checked on the raw HTML, which is never
shorter than the text Telegram counts, so a message that passes here passes there.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from scrapers.text import shorten
from store.store import StoredItem

MAX_MESSAGE = 4096
Highlighter = Callable[[str], Sequence[tuple[int, int]]]


def _no_highlight(text: str) -> Sequence[tuple[int, int]]:
    return ()


def render_alert(
    stored: StoredItem,
    leader_names: Mapping[str, str],
    highlight: Highlighter = _no_highlight,
    limit: int = MAX_MESSAGE,
) -> str:
    """The HTML alert for an item: source, time, title with names in bold, lead, link."""
    item = stored.item
    summary = item.summary
    while True:
        text = _compose(stored, leader_names, highlight, summary)
        if len(text) <= limit or not summary:
            break
        summary = shorten(summary, max(len(summary) - (len(text) - limit) - 16, 0))
        summary = "" if summary == "…" else summary
    if len(text) > limit:
        text = _compose(stored, leader_names, _no_highlight, "", title_limit=200)
    return text


def render_plain(stored: StoredItem, leader_names: Mapping[str, str]) -> str:
    """The same alert without markup, for when Telegram rejects the HTML one."""
    item = stored.item
    lines = [f"{stored.source_name} · {_when(stored)}", item.title]
    if item.summary:
        lines += ["", shorten(item.summary, 1500)]
    if item.leaders:
        lines.append("Leaders: " + ", ".join(leader_names.get(i, i) for i in item.leaders))
    if item.tags:
        lines.append(" ".join(f"#{tag}" for tag in item.tags))
    if item.url:
        lines.append(item.url)
    return shorten("\n".join(lines), MAX_MESSAGE)


def _compose(
    stored: StoredItem,
    leader_names: Mapping[str, str],
    highlight: Highlighter,
    summary: str,
    title_limit: int | None = None,
) -> str:
    item = stored.item
    title = shorten(item.title, title_limit) if title_limit else item.title
    lines = [
        f"<b>{_e(stored.source_name)}</b> · {_e(_when(stored))}",
        _emphasise(title, highlight(title) if not title_limit else ()),
    ]
    if summary:
        lines += ["", _e(summary)]
    if item.leaders:
        names = ", ".join(leader_names.get(i, i) for i in item.leaders)
        lines += ["", f"<i>Leaders:</i> {_e(names)}"]
    if item.tags:
        lines.append(" ".join(f"#{_e(tag)}" for tag in item.tags))
    if item.url:
        shown = _e(_short_url(item.url))
        lines.append(f'<a href="{html.escape(item.url, quote=True)}">{shown}</a>')
    return "\n".join(lines)


def _when(stored: StoredItem) -> str:
    published = stored.item.published
    return published.shown() if published is not None else "date not given"


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
