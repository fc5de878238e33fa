"""Links as sources write them (relative, padded, javascript:) turned into web addresses."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit


def is_web_url(value: str) -> bool:
    """An http(s) address with a host, and one every later step can take apart: a port
    out of range or a broken IPv6 literal ("http://[x") raises only when it is read."""
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def absolute_url(base: str, href: str | None) -> str | None:
    """``href`` resolved against the page it was found on, or None if it leads off the web."""
    if not href or not href.strip():
        return None
    try:
        resolved = urljoin(base, href.strip())
    except ValueError:
        return None
    return resolved if is_web_url(resolved) else None
