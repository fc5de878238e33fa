"""``GET /healthz``, ``GET /metrics`` and the Atom feeds, served on the service's own loop.

aiohttp's web server rather than a hand-written one now that feed readers are clients too
(conditional requests, HEAD, many connections at once). Being on the service's loop is
still the point: a health answer proves the loop is not stuck, and the checks read the
scheduler, the sender and the store from the thread that owns them. Each connection
carries one request (``Connection: close``), as the old server did, so an orchestrator's
probe never holds a socket open. aiohttp is imported when the endpoint starts, not when
the CLI does.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

# A connection that has not sent a whole request by then is closed (aiohttp's keep-alive
# timer runs from the moment a connection opens), so idle or trickling clients cannot
# pile up.
READ_TIMEOUT = 5.0
MAX_LINE = 8190
MAX_HEADERS = 100
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Degraded:
    """Working, but not fully: 200 with ``degraded: <reason>``, since restarting would not
    help (Telegram unreachable: alerts wait in the outbox and go out when it answers)."""

    reason: str


@dataclass(frozen=True)
class Feed:
    """A rendered feed and its validator (``ETag``), which ``If-None-Match`` is held to."""

    body: bytes
    etag: str
    content_type: str = "application/atom+xml; charset=utf-8"


HealthCheck = Callable[[], Awaitable[str | Degraded | None]]
"""None when healthy, Degraded when working without something a restart cannot bring
back, else the one-line reason it is unhealthy (503: a restart may cure it)."""
Scrape = Callable[[str | None], tuple[bytes, str]]
"""The metrics body and its content type, given the scraper's Accept header."""
Feeds = Callable[[str], Feed | None]
"""The feed named by a leader or source id, or None when no such id exists."""


class EndpointError(Exception):
    """The address in ``health.listen`` cannot be listened on."""


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)


class Endpoint:
    def __init__(
        self, listen: str, health: HealthCheck, scrape: Scrape, feeds: Feeds | None = None
    ) -> None:
        self.listen = listen
        self.health = health
        self.scrape = scrape
        self.feeds = feeds
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> Endpoint:
        from aiohttp import web

        server_log = logging.getLogger("aiohttp.server")
        if not any(isinstance(f, _RefusedRequests) for f in server_log.filters):
            server_log.addFilter(_RefusedRequests())
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/feeds/{name}.atom", self._feed)
        app.router.add_route("*", "/{tail:.*}", self._elsewhere)
        app.on_response_prepare.append(_one_request_per_connection)
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=2.0,
            max_line_size=MAX_LINE,
            max_headers=MAX_HEADERS,
            keepalive_timeout=READ_TIMEOUT,
        )
        await runner.setup()
        host, port = split_listen(self.listen)
        try:
            await web.TCPSite(runner, host or None, port).start()
        except OSError as error:
            await runner.cleanup()
            raise EndpointError(f"health.listen {self.listen}: {error.strerror or error}") from None
        self._runner = runner
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def address(self) -> str:
        """``host:port`` actually bound (the port chosen when ``health.listen`` says 0)."""
        assert self._runner is not None and self._runner.addresses
        host, port = self._runner.addresses[0][:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            reason = await self.health()
        except Exception as error:
            log.exception("health check failed")
            reason = f"health check failed: {type(error).__name__}: {error}"
        if reason is None:
            return _text(HTTPStatus.OK, "ok\n")
        if isinstance(reason, Degraded):
            return _text(HTTPStatus.OK, f"degraded: {reason.reason}\n")
        return _text(HTTPStatus.SERVICE_UNAVAILABLE, reason + "\n")

    async def _metrics(self, request: web.Request) -> web.Response:
        from aiohttp import web

        body, content_type = self.scrape(request.headers.get("Accept"))
        response = web.Response(body=body, headers={"Cache-Control": "no-store"})
        response.headers["Content-Type"] = content_type
        return response

    async def _feed(self, request: web.Request) -> web.Response:
        from aiohttp import web

        if self.feeds is None:
            return _not_found()
        # On the loop, without awaiting: a cached feed costs microseconds, and a render
        # (after the store changed) a few milliseconds once, so many readers at once are
        # answered one after another rather than all rendering side by side.
        feed = self.feeds(request.match_info["name"])
        if feed is None:
            return _text(HTTPStatus.NOT_FOUND, "no such leader or source\n")
        headers = {"ETag": feed.etag, "Cache-Control": "max-age=60"}
        if _matches(request.headers.get("If-None-Match"), feed.etag):
            return web.Response(status=HTTPStatus.NOT_MODIFIED, headers=headers)
        response = web.Response(body=feed.body, headers=headers)
        response.headers["Content-Type"] = feed.content_type
        return response

    async def _elsewhere(self, request: web.Request) -> web.Response:
        if request.method not in ("GET", "HEAD"):
            return _text(HTTPStatus.METHOD_NOT_ALLOWED, "GET or HEAD only\n")
        return _not_found()


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110's weak comparison: ``*``, or any listed tag, ``W/`` or not."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def _text(status: HTTPStatus, text: str) -> web.Response:
    from aiohttp import web

    response = web.Response(
        status=status, body=text.encode(), headers={"Cache-Control": "no-store"}
    )
    response.headers["Content-Type"] = TEXT
    return response


def _not_found() -> web.Response:
    return _text(HTTPStatus.NOT_FOUND, "not found: try /healthz, /metrics or /feeds/<id>.atom\n")


class _RefusedRequests(logging.Filter):
    """A request that is not HTTP gets its 400; it is no error of ours to log with a
    traceback (a port scanner would fill the log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from aiohttp.http_exceptions import HttpProcessingError

        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, HttpProcessingError)


async def _one_request_per_connection(request: web.Request, response: web.StreamResponse) -> None:
    response.force_close()
    response.headers["Connection"] = "close"
