"""``GET /healthz`` and ``GET /metrics``, served on the service's own event loop.

Two read-only routes for an orchestrator and a Prometheus scraper do not need a web
framework: this is a small HTTP/1.1 server on ``asyncio.start_server`` that reads one
request per connection (bounded in size and time), answers, and closes. Being on the
service's loop is the point: a health answer proves the loop is not stuck, and the checks
read the scheduler, the sender and the store from the thread that owns them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType

log = logging.getLogger(__name__)

READ_TIMEOUT = 5.0
MAX_LINE = 8192
MAX_HEADERS = 100


@dataclass(frozen=True)
class Degraded:
    """Working, but not fully: 200 with ``degraded: <reason>``, since restarting would not
    help (Telegram unreachable: alerts wait in the outbox and go out when it answers)."""

    reason: str


HealthCheck = Callable[[], Awaitable[str | Degraded | None]]
"""None when healthy, Degraded when working without something a restart cannot bring
back, else the one-line reason it is unhealthy (503: a restart may cure it)."""
Scrape = Callable[[str | None], tuple[bytes, str]]
"""The metrics body and its content type, given the scraper's Accept header."""


class EndpointError(Exception):
    """The address in ``health.listen`` cannot be listened on."""


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)


class Endpoint:
    def __init__(self, listen: str, health: HealthCheck, scrape: Scrape) -> None:
        self.listen = listen
        self.health = health
        self.scrape = scrape
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Endpoint:
        host, port = split_listen(self.listen)
        try:
            self._server = await asyncio.start_server(self._serve, host, port, limit=MAX_LINE)
        except OSError as error:
            raise EndpointError(f"health.listen {self.listen}: {error.strerror or error}") from None
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    @property
    def address(self) -> str:
        """``host:port`` actually bound (the port chosen when ``health.listen`` says 0)."""
        assert self._server is not None and self._server.sockets
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                request = await _read_request(reader)
            if request is not None:
                await self._answer(writer, *request)
        except (TimeoutError, ConnectionError, ValueError, asyncio.IncompleteReadError):
            pass
        except Exception:
            log.exception("health endpoint: request failed")
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(
        self, writer: asyncio.StreamWriter, method: str, path: str, accept: str | None
    ) -> None:
        content_type = "text/plain; charset=utf-8"
        if method not in ("GET", "HEAD"):
            status, body = HTTPStatus.METHOD_NOT_ALLOWED, b"GET or HEAD only\n"
        elif path == "/healthz":
            try:
                reason = await self.health()
            except Exception as error:
                log.exception("health check failed")
                reason = f"health check failed: {type(error).__name__}: {error}"
            if reason is None:
                status, body = HTTPStatus.OK, b"ok\n"
            elif isinstance(reason, Degraded):
                status, body = HTTPStatus.OK, f"degraded: {reason.reason}\n".encode()
            else:
                status, body = HTTPStatus.SERVICE_UNAVAILABLE, reason.encode() + b"\n"
        elif path == "/metrics":
            body, content_type = self.scrape(accept)
            status = HTTPStatus.OK
        else:
            status, body = HTTPStatus.NOT_FOUND, b"not found: try /healthz or /metrics\n"
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + (b"" if method == "HEAD" else body))
        await writer.drain()


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, str | None] | None:
    """(method, path, Accept header) of one request; None for an empty connection."""
    line = await reader.readline()
    if not line.strip():
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError("not an HTTP request line")
    method, target, _ = parts
    accept = None
    for _ in range(MAX_HEADERS):
        header = (await reader.readline()).decode("latin-1").strip()
        if not header:
            break
        name, _, value = header.partition(":")
        if name.strip().lower() == "accept":
            accept = value.strip()
    return method.upper(), target.split("?", 1)[0], accept
