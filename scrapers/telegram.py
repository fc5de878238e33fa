"""A public Telegram channel read through its web preview, ``https://t.me/s/<channel>``.

Several offices publish there first, or only. The preview is an HTML page of the newest
posts (about twenty), oldest first: each post a ``div.tgme_widget_message`` whose
``data-post`` is ``<channel>/<number>``, its text in ``.tgme_widget_message_text``, its
permanent link and time in the footer's ``a.tgme_widget_message_date > time[datetime]``
(ISO 8601 with offset), "edited" in ``.tgme_widget_message_meta`` when it was, an album
as one post with several photos, and a "load older" link ``a.tme_messages_more`` with
``?before=<number>``.

The identity of a post is its permanent link ``https://t.me/<channel>/<number>``: an edit
keeps it, so an edited post is stored as an edit of the same item, never a new one. View
counts change at every poll and are not part of an item. A redesign that drops those
classes is read by what cannot change without breaking every shared link: anchors to
``t.me/<channel>/<number>`` (the link-pattern reading of page sources), with the text
around them.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from scrapers.errors import ParseError
from scrapers.model import Batch, Item, Published, Skipped, Source, published_at
from scrapers.text import shorten
from scrapers.urls import absolute_url

_NAME = r"[A-Za-z][A-Za-z0-9_]{3,31}"
_PREVIEW_PATH = re.compile(rf"/s/(?P<channel>{_NAME})/?$")
TITLE_CHARS = 200
# Pages one poll may read: the newest, and older ones only while every post is new.
MAX_PAGES = 5
_POST = re.compile(rf"^(?P<channel>{_NAME})/(?P<number>\d{{1,12}})$")


def channel_name(url: str) -> str | None:
    """The channel a preview address shows (``https://t.me/s/aqorda_resmi`` -> aqorda_resmi),
    whatever the host and whatever comes before ``/s/`` (a mirror, a local copy)."""
    try:
        found = _PREVIEW_PATH.search(urlsplit(url.strip()).path)
    except ValueError:
        return None
    return found.group("channel") if found else None


def is_channel_preview(url: str) -> bool:
    """Whether ``/addsource`` was given a channel's preview, so the source is kind telegram."""
    try:
        host = (urlsplit(url.strip()).hostname or "").removeprefix("www.")
    except ValueError:
        return False
    return host == "t.me" and channel_name(url) is not None


def parse_channel(body: bytes, source: Source, url: str | None = None) -> Batch:
    """The posts of one preview page, oldest first as the page lists them."""
    base = url or source.url
    channel = channel_name(source.url)
    if channel is not None and channel_name(base) is None:
        raise ParseError(
            f"t.me/s/{channel} led to {base}: the channel does not exist, is private, or "
            "has no public preview"
        )
    soup = BeautifulSoup(body, "html.parser")
    posts = soup.select("div.tgme_widget_message[data-post]")
    if not posts:
        return _by_link_pattern(soup, source, base, channel)
    items: list[Item] = []
    skipped: list[Skipped] = []
    for position, post in enumerate(posts, 1):
        if "service_message" in (post.get("class") or []):
            continue
        try:
            items.append(_post(post, source))
        except ValueError as error:
            skipped.append(Skipped(position, str(error)))
    return Batch(items, tuple(skipped))


def older_page(body: bytes, url: str) -> str | None:
    """The "load older posts" address of a preview page, if it has one."""
    soup = BeautifulSoup(body, "html.parser")
    more = soup.select_one("a.tme_messages_more[data-before]")
    href = more.get("href") if more is not None else None
    return absolute_url(url, href) if isinstance(href, str) else None


def _post(post: Tag, source: Source) -> Item:
    found = _POST.match(str(post.get("data-post", "")))
    if found is None:
        raise ValueError(f"data-post {post.get('data-post')!r} is not <channel>/<number>")
    link = f"https://t.me/{found.group('channel')}/{found.group('number')}"
    text = _text(post.select_one(".tgme_widget_message_text"))
    stamp = post.select_one("a.tgme_widget_message_date time[datetime]") or post.select_one(
        "time[datetime]"
    )
    published = _published(stamp)
    forwarded = post.select_one(".tgme_widget_message_forwarded_from_name")
    origin = " ".join(forwarded.get_text(" ").split()) if forwarded is not None else ""
    title = _title(text) or _media(post)
    summary = shorten(text, 500)
    if origin:
        summary = f"Forwarded from {origin}. {summary}".strip()
    return Item(
        source=source.id,
        title=title,
        url=link,
        guid=link,
        published=published,
        summary=summary,
        text=text or title,
    )


def _text(element: Tag | None) -> str:
    """The post's words, line breaks kept as such (a first line is its headline)."""
    if element is None:
        return ""
    for br in element.find_all("br"):
        br.replace_with("\n")
    lines = (" ".join(line.split()) for line in element.get_text().split("\n"))
    return "\n".join(line for line in lines if line)


def _title(text: str) -> str:
    first = text.split("\n", 1)[0] if text else ""
    return shorten(first, TITLE_CHARS)


def _media(post: Tag) -> str:
    """What a post without words shows, so it still reads as something in an alert."""
    photos = len(post.select(".tgme_widget_message_photo_wrap"))
    videos = len(post.select(".tgme_widget_message_video_player, .tgme_widget_message_roundvideo"))
    document = post.select_one(".tgme_widget_message_document_title")
    if photos + videos > 1:
        return f"Album: {photos} photos, {videos} videos" if videos else f"Album: {photos} photos"
    if videos:
        return "Video"
    if photos:
        return "Photo"
    if document is not None:
        return f"Document: {shorten(document.get_text(' ').strip(), 150)}"
    return "Post without text"


def _published(stamp: Tag | None) -> Published | None:
    if stamp is None:
        return None
    value = str(stamp.get("datetime", ""))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return published_at(moment)


def _by_link_pattern(soup: BeautifulSoup, source: Source, base: str, channel: str | None) -> Batch:
    """A preview whose classes changed: every anchor to ``t.me/<channel>/<number>`` is a
    post, titled by the text of the block around it; no dates (none can be trusted)."""
    if channel is None:
        raise ParseError(f"{source.url} is not a channel preview (https://t.me/s/<channel>)")
    pattern = re.compile(rf"^https?://t\.me/{re.escape(channel)}/(\d{{1,12}})(?:\?.*)?$", re.I)
    found: dict[str, Item] = {}
    for anchor in soup.find_all("a", href=True):
        href = absolute_url(base, str(anchor["href"]))
        match = pattern.match(href or "")
        if match is None:
            continue
        link = f"https://t.me/{channel}/{match.group(1)}"
        if link in found:
            continue
        block = anchor.find_parent(["article", "section", "li", "div"]) or anchor
        text = _text(block) if isinstance(block, Tag) else ""
        title = _title(text) or "Post without text"
        found[link] = Item(
            source=source.id,
            title=title,
            url=link,
            guid=link,
            summary=shorten(text, 500),
            text=text,
        )
    if not found:
        raise ParseError(
            f"t.me/s/{channel} shows no posts: the channel does not exist, is private, "
            "or has no public preview"
        )
    return Batch(list(found.values()), fallback=True)
