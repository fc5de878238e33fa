"""A real HTTP server on loopback that serves fixture pages the way hostile sites do.

Routes are registered per test: a body with ETag/Last-Modified (answering 304 to the
matching conditional GET), an error status, a redirect, a slow answer, an endless or
compressed body. Every request is recorded so tests can assert what was sent.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: Callable[[], Iterator[bytes]] | None = None
    gzip: bool = False


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up mid-answer (the point of several tests) are not errors here."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class FixtureSite:
    def __init__(self, server_wrapper: Callable[[ThreadingHTTPServer], None] | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.released = threading.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self._counting = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with site._counting:
                    site.in_flight += 1
                    site.most_in_flight = max(site.most_in_flight, site.in_flight)
                try:
                    self._answer()
                finally:
                    with site._counting:
                        site.in_flight -= 1

            def _answer(self) -> None:
                site.requests.append(Seen(self.path, dict(self.headers.items())))
                route = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
                if route is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if route.delay:
                    site.released.wait(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self._send(304, b"", None, route)
                    return
                if (
                    route.last_modified
                    and self.headers.get("If-Modified-Since") == route.last_modified
                ):
                    self._send(304, b"", None, route)
                    return
                if route.chunks is not None:
                    self._stream(route)
                    return
                body = gzip.compress(route.body) if route.gzip else route.body
                self._send(route.status, body, route.content_type, route)

            def _headers(self, route: Route | None) -> None:
                if route is None:
                    return
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                if route.gzip:
                    self.send_header("Content-Encoding", "gzip")
                for name, value in route.headers.items():
                    self.send_header(name, value)

            def _send(
                self, status: int, body: bytes, ctype: str | None, route: Route | None = None
            ) -> None:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self._headers(route)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def _stream(self, route: Route) -> None:
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self._headers(route)
                self.send_header("Connection", "close")
                self.end_headers()
                assert route.chunks is not None
                try:
                    for chunk in route.chunks():
                        if site.released.is_set():
                            break
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        if server_wrapper is not None:
            server_wrapper(self.server)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        scheme = "https" if getattr(self.server, "is_tls", False) else "http"
        return f"{scheme}://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str = b"", **options: object) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **options)  # type: ignore[arg-type]
        return self.url(path)

    def hits(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> FixtureSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
