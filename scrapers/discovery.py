"""Finding the feed a web page advertises, so admins can add a source by its page URL."""

from __future__ import annotations

from bs4 import BeautifulSoup

from scrapers.urls import absolute_url

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+xml")


def advertised_feeds(body: bytes, page_url: str) -> list[str]:
    """Absolute URLs of the ``<link rel="alternate">`` feeds in a page's markup, in order."""
    soup = BeautifulSoup(body, "html.parser")
    found: list[str] = []
    for link in soup.select("link[href]"):
        rel: object = link.get("rel") or []
        words = rel if isinstance(rel, list) else str(rel).split()
        rels = [str(r).lower() for r in words]
        kind = str(link.get("type", "")).lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES:
            url = absolute_url(page_url, str(link["href"]))
            if url and url not in found:
                found.append(url)
    return found


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head
