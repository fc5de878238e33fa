"""Getting a source's bytes over HTTP, within limits a hostile server cannot stretch.

Every fetch has an overall deadline (a server that drips one byte a second never trips a
read timeout), a cap on the *decompressed* size (a 50 KB gzip bomb is 5 GB of XML), a
redirect limit, conditional GET so unchanged feeds cost a 304, and the private-address
guard. Failures become FetchError with a sentence an operator can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from scrapers.addresses import PublicOnlyBackend, literal_address, refuse_private_host, resolve
from scrapers.errors import FetchError, StatusError
from scrapers.model import DEFAULT_USER_AGENT, Source

# A proxied fetch resolves each hop's name here only to vet it; a resolver that is slow or
# absent (the proxy may be the only way out) must not eat the fetch's deadline.
PROXIED_RESOLVE_SECONDS = 2.0
# Statuses that say the address itself is wrong, so the page sent with them is worth reading.
GONE_STATUSES = (404, 410)
_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, "
    "text/html;q=0.8, */*;q=0.5"
)


@dataclass(frozen=True)
class FetchPolicy:
    """The limits every fetch obeys, from the ``[http]`` config table."""

    timeout: float = 20.0
    max_bytes: int = 5_000_000
    allow_private_addresses: bool = False
    max_redirects: int = 5
    concurrency: int = 32
    per_host: int = 2
    user_agent: str = DEFAULT_USER_AGENT


@dataclass(frozen=True)
class Validators:
    """What the server told us last time, sent back so it can answer 304."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    content_type: str | None
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


# Enough of an error page to tell a block page from an outage, in a bug report.
ERROR_BODY_BYTES = 256_000


class HostSlots:
    """At most ``limit`` fetches at once per host name, so that one office serving many
    sources (Akorda's three languages, a ministry's dozen feeds) is never hit by the
    whole pool at once. A host's semaphore lives while someone holds or awaits it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._hosts: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, url: str) -> AsyncIterator[None]:
        host = _host(url)
        slot, users = self._hosts.get(host) or (asyncio.Semaphore(self.limit), 0)
        self._hosts[host] = (slot, users + 1)
        try:
            async with slot:
                yield
        finally:
            slot, users = self._hosts[host]
            if users == 1:
                del self._hosts[host]
            else:
                self._hosts[host] = (slot, users - 1)


class Fetcher:
    """Fetches sources over pooled connections, at most ``policy.concurrency`` at once
    and ``policy.per_host`` at once from any one host.

    TLS verification and proxies are per source, and httpx fixes both per client, so
    there is one client per combination in use, made on first need.
    """

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self._clients: dict[tuple[bool, str | None, str | None], httpx.AsyncClient] = {}
        self._slots = asyncio.Semaphore(policy.concurrency)
        self._hosts = HostSlots(policy.per_host)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def fetch(
        self, source: Source, validators: Validators = Validators(), url: str | None = None
    ) -> Fetched:
        """The source's current bytes (or a 304); raises FetchError with the reason."""
        target = url or source.url
        async with self._hosts.hold(target), self._slots:
            try:
                async with asyncio.timeout(self.policy.timeout):
                    return await self._get(source, target, validators)
            except TimeoutError as error:
                raise FetchError(f"timed out after {self.policy.timeout:g}s") from error
            except httpx.TimeoutException as error:
                raise FetchError(f"timed out after {self.policy.timeout:g}s") from error
            except httpx.TooManyRedirects as error:
                raise FetchError(
                    f"too many redirects (more than {self.policy.max_redirects})"
                ) from error
            except httpx.ConnectError as error:
                raise FetchError(_connect_problem(error)) from error
            except httpx.UnsupportedProtocol as error:
                raise FetchError(f"not an http(s) address: {error}") from error
            except (httpx.InvalidURL, ValueError) as error:
                raise FetchError(f"invalid address: {error}") from error
            except httpx.HTTPError as error:
                raise FetchError(f"HTTP error: {error or type(error).__name__}") from error

    async def _get(self, source: Source, url: str, validators: Validators) -> Fetched:
        client = self._client(source)
        headers = {
            "User-Agent": source.user_agent or self.policy.user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": f"{source.language}, en;q=0.5",
        }
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                body = b""
            elif response.status_code >= 400:
                phrase = response.reason_phrase or ""
                gone = response.status_code in GONE_STATUSES
                limit = self.policy.max_bytes if gone else ERROR_BODY_BYTES
                try:
                    body = await self._read_capped(response, min(limit, self.policy.max_bytes))
                except FetchError:
                    if gone:
                        raise
                    body = b""
                kept = _fetched(response, body, validators)
                raise StatusError(
                    f"HTTP {response.status_code} {phrase}".strip(),
                    kept.status,
                    kept.url,
                    kept.body,
                    kept.content_type,
                    kept.headers,
                )
            else:
                body = await self._read_capped(response)
            return _fetched(response, body, validators)

    async def _read_capped(self, response: httpx.Response, limit: int | None = None) -> bytes:
        limit = self.policy.max_bytes if limit is None else limit
        too_big = FetchError(f"response larger than {limit} bytes (http.max_bytes)")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_big
        encoding = response.headers.get("Content-Encoding", "identity").lower().strip()
        chunks: list[bytes] = []
        size = 0
        async for chunk in _decoded(response.aiter_raw(), encoding, limit):
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    def _client(self, source: Source) -> httpx.AsyncClient:
        key = (source.verify_tls, source.ca_bundle, source.proxy)
        client = self._clients.get(key)
        if client is None:
            vet: Callable[..., Any] = functools.partial(
                _vet_hop, resolve_names=source.proxy is not None
            )
            hooks = {} if self.policy.allow_private_addresses else {"request": [vet]}
            client = self._clients[key] = httpx.AsyncClient(
                transport=_transport(source, self.policy),
                event_hooks=hooks,
                follow_redirects=True,
                max_redirects=self.policy.max_redirects,
                timeout=httpx.Timeout(self.policy.timeout),
                trust_env=False,
            )
        return client


def _host(url: str) -> str:
    """The name a host limit counts by; an address too broken to have one counts alone
    (the fetch then fails with the reason)."""
    try:
        return (urlsplit(url).hostname or url).lower()
    except ValueError:
        return url


def _fetched(response: httpx.Response, body: bytes, validators: Validators) -> Fetched:
    return Fetched(
        url=str(response.url),
        status=response.status_code,
        body=body,
        etag=response.headers.get("ETag") or validators.etag,
        last_modified=response.headers.get("Last-Modified") or validators.last_modified,
        content_type=response.headers.get("Content-Type"),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw),
    )


def _transport(source: Source, policy: FetchPolicy) -> httpx.AsyncHTTPTransport:
    verify: ssl.SSLContext | bool
    if source.ca_bundle:
        verify = ssl.create_default_context(cafile=source.ca_bundle)
    else:
        verify = source.verify_tls
    # As many idle connections kept as fetches run at once: fewer, and every cycle closes
    # and reopens connections to the sources it just polled.
    limits = httpx.Limits(
        max_connections=policy.concurrency, max_keepalive_connections=policy.concurrency
    )
    transport = httpx.AsyncHTTPTransport(
        verify=verify, proxy=source.proxy, limits=limits, trust_env=False
    )
    if source.proxy is None and not policy.allow_private_addresses:
        # httpx takes no network backend, so its pool is rebuilt with the guarded one;
        # test_private_address_is_refused fails if a new httpx stops honouring this.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PublicOnlyBackend(),
        )
    return transport


async def _vet_hop(request: httpx.Request, resolve_names: bool) -> None:
    """Every request of a fetch, the first and each redirect, whatever the transport.

    Without a proxy, PublicOnlyBackend also vets the address actually connected to. With
    one, the proxy connects and resolves, so what can be checked here is checked: a literal
    address in any spelling a resolver accepts, ``localhost`` names, and a name that
    resolves *here* to a private address (the proxy may resolve it differently; one that
    must never reach an internal network should refuse such targets itself).
    """
    host = request.url.host
    refuse_private_host(host)
    if not resolve_names or literal_address(host) is not None:
        return
    with contextlib.suppress(TimeoutError, httpcore.ConnectError):
        async with asyncio.timeout(PROXIED_RESOLVE_SECONDS):
            addresses = await resolve(host, request.url.port or 80)
        for address in addresses:
            refuse_private_host(address, named=host)


def _connect_problem(error: httpx.ConnectError) -> str:
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return (
            "TLS certificate not trusted; give this source a ca_bundle, "
            "or verify_tls = false if you accept the risk"
        )
    if "SSL" in text or "TLS" in text:
        return f"TLS handshake failed: {text}"
    return f"could not connect: {text or type(error).__name__}"


async def _decoded(raw: AsyncIterator[bytes], encoding: str, limit: int) -> AsyncIterator[bytes]:
    """Decompress incrementally, never producing more than ``limit + 1`` bytes in memory.

    httpx's own decoders inflate a whole network chunk at once, which a bomb turns into
    gigabytes; here each step is bounded by what is still allowed.
    """
    if encoding in ("", "identity"):
        async for chunk in raw:
            yield chunk
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(f"unsupported Content-Encoding {encoding!r}")
    inflater = zlib.decompressobj(47 if encoding != "deflate" else 15)
    produced = 0
    try:
        async for chunk in raw:
            pending = chunk
            while pending:
                out = inflater.decompress(pending, max(limit + 1 - produced, 1))
                produced += len(out)
                yield out
                if produced > limit:
                    return
                pending = inflater.unconsumed_tail
        yield inflater.flush()
    except zlib.error as error:
        raise FetchError(f"corrupt {encoding} body: {error}") from error
