"""Getting a source's bytes over HTTP, within limits a hostile server cannot stretch.

Every fetch has an overall deadline (a server that drips one byte a second never trips a
read timeout), a cap on the *decompressed* size (a 50 KB gzip bomb is 5 GB of XML), a
redirect limit, conditional GET so unchanged feeds cost a 304, and the private-address
guard. Failures become FetchError with a sentence an operator can act on.

The client is aiohttp's: its C HTTP parser makes a 304 a tenth of what httpx spent on it
(0.2 ms of CPU against 2.1 ms, each client alone on a 1,000-source cycle of 304s; a whole
unchanged source's poll went from 1.7 ms to 0.4-0.5 ms), and at a cycle's concurrency
that CPU was what held the cycle back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import lru_cache
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import aiohttp
from yarl import URL

from scrapers.addresses import PublicOnlyResolver, literal_address, refuse_private_host, resolve
from scrapers.errors import FetchError, StatusError
from scrapers.model import DEFAULT_USER_AGENT, Source

log = logging.getLogger(__name__)

# A proxied fetch resolves each hop's name here only to vet it; a resolver that is slow or
# absent (the proxy may be the only way out) must not eat the fetch's deadline.
PROXIED_RESOLVE_SECONDS = 2.0
# Statuses that say the address itself is wrong, so the page sent with them is worth reading.
GONE_STATUSES = (404, 410)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# How long a name's addresses are reused: a cycle asks each office's host several times.
DNS_CACHE_SECONDS = 300
# Longest header line accepted; aiohttp's default (8 kB) is below what some sites send
# in one Set-Cookie, and h11, the client before it, took 16 kB.
MAX_HEADER_LINE = 16_384
# Addresses whose parsing and vetting are remembered: a cycle asks for the same ones every
# time (yarl's own cache keeps 128, fewer than an install's feeds), and a bound keeps a
# stream of new addresses (each redirect's) from growing it.
ADDRESSES_KEPT = 4096
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
    """Fetches sources over pooled, kept-alive connections, at most ``policy.concurrency``
    at once and ``policy.per_host`` at once from any one host.

    One session for direct fetches, whose resolver refuses private addresses, and one
    for proxied ones (the proxy's own address is the operator's choice, and the target's
    is vetted per hop instead); TLS settings and the proxy are given per request.
    """

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self._tls: dict[str, ssl.SSLContext] = {}
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
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()

    async def fetch(
        self, source: Source, validators: Validators = Validators(), url: str | None = None
    ) -> Fetched:
        """The source's current bytes (or a 304); raises FetchError with the reason."""
        target = url or source.url
        async with self._hosts.hold(target), self._slots:
            try:
                async with asyncio.timeout(self.policy.timeout):
                    return await self._follow(source, target, validators)
            except TimeoutError as error:  # aiohttp's own timeouts are TimeoutErrors too
                raise FetchError(f"timed out after {self.policy.timeout:g}s") from error
            except aiohttp.ClientConnectorError as error:
                raise FetchError(_connect_problem(error)) from error
            except aiohttp.ClientSSLError as error:
                raise FetchError(_connect_problem(error)) from error
            except (aiohttp.InvalidURL, ValueError) as error:
                raise FetchError(f"invalid address: {error}") from error
            except aiohttp.ClientError as error:
                raise FetchError(f"HTTP error: {error or type(error).__name__}") from error

    async def _follow(self, source: Source, url: str, validators: Validators) -> Fetched:
        """Each hop of a redirect chain asked for and vetted here, so the limit, the
        private-address guard and the final address are this module's, not the client's."""
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
        proxied = source.proxy is not None
        session = self._session(proxied=proxied)
        tls = self._tls_for(source)
        for _hop in range(self.policy.max_redirects + 1):
            await self._vet(url, proxied=proxied)
            async with session.get(
                _address(url), headers=headers, allow_redirects=False, ssl=tls, proxy=source.proxy
            ) as response:
                if log.isEnabledFor(logging.DEBUG):  # -vv: what was asked and answered
                    log.debug('HTTP Request: GET %s "%s %s"', url, response.status, response.reason)
                location = response.headers.get("Location")
                if response.status not in REDIRECT_STATUSES or not location:
                    return await self._answer(response, validators)
                url = urljoin(str(response.url), location)
        raise FetchError(f"too many redirects (more than {self.policy.max_redirects})")

    async def _vet(self, url: str, proxied: bool) -> None:
        guarded = not self.policy.allow_private_addresses
        _screen(url, guarded)
        if guarded and proxied:
            await _vet_resolved(url)

    async def _answer(self, response: aiohttp.ClientResponse, validators: Validators) -> Fetched:
        if response.status == 304:
            body = b""
        elif response.status >= 400:
            phrase = response.reason or ""
            gone = response.status in GONE_STATUSES
            limit = self.policy.max_bytes if gone else ERROR_BODY_BYTES
            try:
                body = await self._read_capped(response, min(limit, self.policy.max_bytes))
            except FetchError:
                if gone:
                    raise
                body = b""
            kept = _fetched(response, body, validators)
            raise StatusError(
                f"HTTP {response.status} {phrase}".strip(),
                kept.status,
                kept.url,
                kept.body,
                kept.content_type,
                kept.headers,
            )
        else:
            body = await self._read_capped(response)
        return _fetched(response, body, validators)

    async def _read_capped(
        self, response: aiohttp.ClientResponse, limit: int | None = None
    ) -> bytes:
        limit = self.policy.max_bytes if limit is None else limit
        too_big = FetchError(f"response larger than {limit} bytes (http.max_bytes)")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_big
        encoding = response.headers.get("Content-Encoding", "identity").lower().strip()
        chunks: list[bytes] = []
        size = 0
        async for chunk in _decoded(response.content.iter_any(), encoding, limit):
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    def _session(self, proxied: bool) -> aiohttp.ClientSession:
        session = self._sessions.get(proxied)
        if session is None:
            guarded = not proxied and not self.policy.allow_private_addresses
            connector = aiohttp.TCPConnector(
                # As many connections kept as fetches run at once: fewer, and every cycle
                # closes and reopens connections to the sources it just polled.
                limit=self.policy.concurrency,
                limit_per_host=self.policy.per_host,
                ttl_dns_cache=DNS_CACHE_SECONDS,
                resolver=PublicOnlyResolver() if guarded else None,
            )
            session = self._sessions[proxied] = aiohttp.ClientSession(
                connector=connector,
                # Decompressed here, bounded by what is still allowed (a bomb's defence).
                auto_decompress=False,
                # The fetch's own deadline bounds every read; a read timeout of the same
                # length could never fire first, and re-arming it cost a timer per read.
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.policy.timeout),
                cookie_jar=aiohttp.CookieJar(unsafe=True),
                trust_env=False,
                max_line_size=MAX_HEADER_LINE,
                max_field_size=MAX_HEADER_LINE,
            )
        return session

    def _tls_for(self, source: Source) -> ssl.SSLContext | bool:
        if source.ca_bundle:
            context = self._tls.get(source.ca_bundle)
            if context is None:
                context = self._tls[source.ca_bundle] = ssl.create_default_context(
                    cafile=source.ca_bundle
                )
            return context
        return source.verify_tls


@lru_cache(maxsize=ADDRESSES_KEPT)
def _host(url: str) -> str:
    """The name a host limit counts by; an address too broken to have one counts alone
    (the fetch then fails with the reason)."""
    try:
        return (urlsplit(url).hostname or url).lower()
    except ValueError:
        return url


def _fetched(response: aiohttp.ClientResponse, body: bytes, validators: Validators) -> Fetched:
    return Fetched(
        url=str(response.url),
        status=response.status,
        body=body,
        etag=response.headers.get("ETag") or validators.etag,
        last_modified=response.headers.get("Last-Modified") or validators.last_modified,
        content_type=response.headers.get("Content-Type"),
        headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers),
    )


@lru_cache(maxsize=ADDRESSES_KEPT)
def _address(url: str) -> URL | str:
    """``url`` parsed once; one yarl refuses goes on as it is, for aiohttp to say why."""
    try:
        return URL(url)
    except ValueError:
        return url


@lru_cache(maxsize=ADDRESSES_KEPT)
def _screen(url: str, guarded: bool) -> None:
    """What every request of a fetch (the first and each redirect) must pass, and only
    the address's spelling decides, so it is remembered: an http(s) scheme and, when
    ``guarded``, no literal private address (in any spelling a resolver accepts) or
    ``localhost`` name. A refusal is an exception, so it is never remembered.

    Without a proxy, PublicOnlyResolver vets the addresses actually connected to (a
    literal address is connected to as it is, so it is checked here).
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"not an http(s) address: {url}")
    if guarded:
        refuse_private_host(parts.hostname or "")


async def _vet_resolved(url: str) -> None:
    """A proxied request's name, resolved *here* to vet it (the proxy connects and
    resolves, and may resolve it differently; one that must never reach an internal
    network should refuse such targets itself). Never remembered: a name may resolve
    elsewhere the next time."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if literal_address(host) is not None:
        return
    with contextlib.suppress(TimeoutError, OSError):
        async with asyncio.timeout(PROXIED_RESOLVE_SECONDS):
            addresses = await resolve(host, parts.port or 80)
        for address in addresses:
            refuse_private_host(address, named=host)


def _connect_problem(error: aiohttp.ClientError) -> str:
    text = str(error)
    if isinstance(error, aiohttp.ClientConnectorCertificateError) or (
        "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text
    ):
        return (
            "TLS certificate not trusted; give this source a ca_bundle, "
            "or verify_tls = false if you accept the risk"
        )
    if isinstance(error, aiohttp.ClientSSLError) or "SSL" in text or "TLS" in text:
        return f"TLS handshake failed: {text}"
    return f"could not connect: {text or type(error).__name__}"


async def _decoded(raw: AsyncIterator[bytes], encoding: str, limit: int) -> AsyncIterator[bytes]:
    """Decompress incrementally, never producing more than ``limit + 1`` bytes in memory.

    A client's own decoders inflate a whole network chunk at once, which a bomb turns into
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
