"""A feed entry's media: the picture the feed shows with an item.

An office shows one picture with every language version of an item, so the picture helps
tell versions apart from the office's other items of the day (analysis.stories decides
which pictures identify an item: not a site's logo, not a stock picture). A list page's
pictures are read in scrapers.links, beside the links they illustrate.
"""

from __future__ import annotations

from typing import Any

from scrapers.urls import absolute_url


def feed_picture(entry: Any, base: str) -> str | None:
    """An RSS/Atom entry's picture: its media thumbnail, else its image media content,
    else its image enclosure (feedparser's readings of Media RSS and ``<enclosure>``)."""
    candidates: list[object] = [media.get("url") for media in entry.get("media_thumbnail") or []]
    candidates += [
        media.get("url")
        for media in entry.get("media_content") or []
        if media.get("medium") == "image" or str(media.get("type", "")).startswith("image/")
    ]
    candidates += [
        enclosure.get("href")
        for enclosure in entry.get("enclosures") or []
        if str(enclosure.get("type", "")).startswith("image/")
    ]
    for candidate in candidates:
        if isinstance(candidate, str) and (address := absolute_url(base, candidate)):
            return address
    return None
