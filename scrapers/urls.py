"""Links as sources write them (relative, padded, javascript:) turned into web addresses."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit


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
