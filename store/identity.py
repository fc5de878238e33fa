"""What makes two servings of a press release the same item.

Sources re-serve items with ``https`` one day and ``http`` the next, with and without
``www.``, with tracking parameters appended by a CDN or a share button, and they edit
titles after publication. An item's key must survive all of that, or users get the
same alert twice.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers.urls import is_web_url

_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "ref_src"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The form of ``url`` that every variant of the same page folds to.

    Scheme and ``www.`` are folded (the Kremlin serves both ``http`` and ``https``, Akorda
    both ``akorda.kz`` and ``www.akorda.kz``), the fragment and tracking parameters are
    dropped, the remaining query is sorted, and a trailing slash is removed from the path.
    The result is an identity, not a link to follow: it always says ``http``.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    port = (
        parts.port if parts.port not in (None, _DEFAULT_PORTS.get(parts.scheme.lower())) else None
    )
    netloc = f"{host}:{port}" if port else host
    path = parts.path.rstrip("/") or ""
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
        )
    )
    return urlunsplit(("http", netloc, path, query, ""))


def item_key(
    source: str, guid: str | None, url: str | None, title: str, published: str | None
) -> str:
    """The stable key an item is stored under.

    A guid that is a web address is treated as one (the Kremlin's Atom ids are the
    article URLs), so the same article keeps its key across feeds. Other guids are only
    unique within their feed, so they are scoped to the source. Items with neither guid
    nor link are keyed by what they say and when.
    """
    if guid and guid.strip():
        if is_web_url(guid):
            return "url:" + canonical_url(guid)
        return f"guid:{source}:{guid.strip()}"
    if url and is_web_url(url):
        return "url:" + canonical_url(url)
    digest = hashlib.sha256("\x1f".join((source, title, published or "")).encode()).hexdigest()
    return f"hash:{source}:{digest[:32]}"
