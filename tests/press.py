"""FixturePress: a real threaded HTTP server on 127.0.0.1 that serves test fixtures.

Every test that needs the network uses it instead of mocks::

    with FixturePress() as press:
        press.route("/feed.xml", rss_bytes, content_type="application/rss+xml", etag='"v1"')
        press.route("/slow", "late", delay=2.0)
        press.route("/old", status=301, headers={"Location": press.url("/feed.xml")})
        result = fetcher.fetch(press.url("/feed.xml"))
        assert press.requests_for("/feed.xml")[0].headers["user-agent"].startswith("akhbar/")

A route's ``body`` is bytes, a str (sent as UTF-8) or an iterable of bytes chunks (streamed with
chunked encoding unless ``headers`` sets Content-Length, so huge bodies never sit in memory).
``handler(request) -> body | (status, headers, body)`` computes the answer per request instead.
Unknown paths (``/robots.txt`` included) answer 404. With ``etag=`` / ``last_modified=`` the
route answers 304 to a matching If-None-Match / If-Modified-Since.
"""

from __future__ import annotations

import email.utils
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Body = bytes | str | Iterable[bytes]
HandlerResult = Body | tuple[int, dict[str, str], Body]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the press received."""

    method: str
    path: str  # without the query string
    headers: dict[str, str]  # lower-cased names
    time: float  # time.monotonic() when the request line was read
    query: str = ""


@dataclass
class _Route:
    body: Body = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str | None = None
    handler: Callable[[RecordedRequest], HandlerResult] | None = None
    etag: str | None = None
    last_modified: str | None = None


def _not_modified(route: _Route, request: RecordedRequest) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since."""
    inm = request.headers.get("if-none-match")
    if inm is not None and route.etag is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or route.etag.removeprefix("W/") in tags
    ims = request.headers.get("if-modified-since")
    if inm is None and ims and route.last_modified:
        try:
            since = email.utils.parsedate_to_datetime(ims)
            modified = email.utils.parsedate_to_datetime(route.last_modified)
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so client connection reuse is exercised
    server: _Server
    timeout = 10  # reap idle keep-alive connections

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle + delayed ACK add
        # ~40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        pass

    def _serve(self) -> None:
        press = self.server.press
        parts = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=parts.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            time=time.monotonic(),
            query=parts.query,
        )
        press._record(request)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        route = press._routes.get(parts.path) or press._prefix_route(parts.path)
        if route is None:
            self._answer(404, {"Content-Type": "text/plain"}, b"not found")
            return
        if route.delay and press._closing.wait(route.delay):
            return  # the press is shutting down: drop the request
        status, headers = route.status, dict(route.headers)
        body: Body = route.body
        if route.handler is not None:
            result = route.handler(request)
            if isinstance(result, tuple):
                status, extra, body = result
                headers.update(extra)
            else:
                body = result
        if route.content_type:
            headers["Content-Type"] = route.content_type
        elif isinstance(body, str) and "content-type" not in {k.lower() for k in headers}:
            headers["Content-Type"] = "text/html; charset=utf-8"
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if _not_modified(route, request):
            status, body = 304, b""
            headers.pop("Content-Type", None)
            headers.pop("Content-Length", None)
        self._answer(status, headers, body)

    def _answer(self, status: int, headers: dict[str, str], body: Body) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        lowered = {k.lower() for k in headers}
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if isinstance(body, bytes):
                if "content-length" not in lowered:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD" and status != 304:
                    self.wfile.write(body)
                return
            chunked = "content-length" not in lowered
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in body:
                if self.server.press._closing.is_set():
                    break
                if not chunk:
                    continue
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                else:
                    self.wfile.write(chunk)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            # The client hung up on purpose (size cap, timeout): nothing to report.
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    press: FixturePress

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # aborted connections are expected in tests; failures show up as assertions


class FixturePress:
    """A threaded HTTP server on 127.0.0.1 (random port), used as a context manager.

    ``host``: another loopback address (127.0.0.2, …) for a press that must be a host of its
    own (per-host politeness and scheduling are keyed by host name)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._routes: dict[str, _Route] = {}
        self._prefixes: dict[str, _Route] = {}
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FixturePress:
        self._server = _Server((self.host, 0), _Handler)
        self._server.press = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    @property
    def port(self) -> int:
        """The TCP port the press listens on."""
        assert self._server is not None, "use FixturePress as a context manager"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this press."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def route(
        self,
        path: str,
        body: Body = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        content_type: str | None = None,
        handler: Callable[[RecordedRequest], HandlerResult] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Serve ``body`` at ``path`` (query ignored); a later call replaces the route."""
        with self._lock:
            self._routes[path] = _Route(
                body=body,
                status=status,
                headers=dict(headers or {}),
                delay=delay,
                content_type=content_type,
                handler=handler,
                etag=etag,
                last_modified=last_modified,
            )

    def route_prefix(self, prefix: str, *, handler: Callable[[RecordedRequest], HandlerResult],
                     delay: float = 0.0, content_type: str | None = None) -> None:
        """Answer every path under ``prefix`` (that no exact route serves) with ``handler``."""
        with self._lock:
            self._prefixes[prefix] = _Route(handler=handler, delay=delay, content_type=content_type)

    def _prefix_route(self, path: str) -> _Route | None:
        with self._lock:
            for prefix, route in self._prefixes.items():
                if path.startswith(prefix):
                    return route
        return None

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        """The requests received for ``path`` (query ignored)."""
        return [r for r in self.requests if r.path == path]

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
