"""The one HTTP client of akhbar: polite, size-capped, SSRF-guarded GETs that never follow blindly.

``Fetcher.fetch`` follows redirects itself, hop by hop, so that every hop is checked against
robots.txt, the per-host clock and the address policy. The address policy is enforced after DNS
resolution inside the connection layer (a custom httpcore network backend): the socket connects
to the very address that was vetted, so DNS rebinding cannot slip a private address in between.
"""

from __future__ import annotations

import concurrent.futures
import functools
import ipaddress
import socket
import ssl
import time
import typing
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpcore
import httpx

from akhbar.ingest.charset import detect_encoding
from akhbar.ingest.errors import FetchError
from akhbar.ingest.fetch.caching import conditional_headers, retry_after_seconds
from akhbar.ingest.fetch.politeness import ROBOTS_MAX_BYTES, HostClock, HostGate, RobotsRules
from akhbar.ingest.types import FetchResult

VERSION = "0.1"
DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
# Carrier-grade NAT space: not "private" for Python < 3.12's ipaddress, but never a news site.
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def default_user_agent(contact_url: str = "") -> str:
    """``akhbar/0.1 (+contact_url)``: identifies the bot and where to reach its operator."""
    return f"akhbar/{VERSION} (+{contact_url})" if contact_url else f"akhbar/{VERSION}"


@dataclass(frozen=True)
class FetchConfig:
    """Everything the fetcher needs; safe, polite defaults. Times in seconds, sizes in bytes."""

    contact_url: str = ""
    user_agent: str = ""  # empty: built from contact_url by default_user_agent()
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # whole fetch, all hops, excluding politeness waits
    max_bytes: int = 5 * 1024 * 1024  # cap on the decoded body
    max_redirects: int = 5
    allow_private_networks: bool = False
    # Networks allowed even though private (e.g. ("10.1.2.0/24",) for an internal mirror).
    allowed_networks: tuple[str, ...] = ()
    min_host_delay: float = 1.0
    max_host_delay: float = 30.0  # cap on a robots.txt Crawl-delay
    max_per_host: int = 2
    respect_robots: bool = True
    robots_ttl: float = 3600.0
    max_connections: int = 100

    def __post_init__(self) -> None:
        if not self.user_agent:
            object.__setattr__(self, "user_agent", default_user_agent(self.contact_url))


def is_public_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True when ``address`` is a globally routable unicast address (not private, loopback…)."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        # Addresses that embed an IPv4 one are judged by it (::ffff:10.0.0.1, 2002:0a00:…).
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class AddressPolicy:
    """Decides which IP addresses the fetcher may connect to."""

    def __init__(self, *, allow_private: bool, allowed_networks: Iterable[str] = ()) -> None:
        self.allow_private = allow_private
        self._allowed = tuple(ipaddress.ip_network(n, strict=False) for n in allowed_networks)

    def permits(self, address: str) -> bool:
        """Whether connecting to ``address`` (an IP literal) is allowed."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
        if self.allow_private or is_public_address(ip):
            return True
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        return any(ip in net or (mapped is not None and mapped in net) for net in self._allowed)

    def check_literal(self, host: str, url: str) -> None:
        """Refuse a URL whose host is a forbidden IP literal, before any packet is sent."""
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return  # a name: checked after resolution, at connect time
        if not self.permits(host):
            raise FetchError(f"refusing non-public address {host}", kind="private_address", url=url)


@functools.cache
def _resolver_pool() -> concurrent.futures.ThreadPoolExecutor:
    # Lookups stuck in the system resolver hold a thread each until it gives up; a few threads
    # are enough for one process's fetches, and a stuck pool makes later lookups time out too.
    return concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="akhbar-dns")


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore network backend that resolves names itself and only connects to vetted IPs."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.SyncBackend()

    def resolve(self, host: str, port: int, timeout: float | None = None) -> list[str]:
        """The addresses of ``host``; FetchError ``dns`` or ``private_address`` if unusable.

        getaddrinfo cannot be interrupted and the system resolver may take tens of seconds
        (several name servers, retries): it runs in a small shared pool, and the fetch gives
        up after ``timeout`` seconds (the connect timeout) while the lookup finishes alone.
        """
        lookup = _resolver_pool().submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        try:
            infos = lookup.result(timeout=timeout)
        except concurrent.futures.TimeoutError as exc:
            raise FetchError(f"cannot resolve {host}: no answer within {timeout:g} s",
                             kind="dns") from exc
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host}: {exc}", kind="dns") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        # Any forbidden address refuses the host: a name that points both outside and inside
        # is an attack, not a mirror.
        bad = [a for a in addresses if not self._policy.permits(a)]
        if bad:
            raise FetchError(f"{host} resolves to non-public {bad[0]}", kind="private_address")
        if not addresses:
            raise FetchError(f"no address for {host}", kind="dns")
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        last: Exception | None = None
        # TLS SNI and the Host header still use the name: httpcore takes them from the URL.
        for address in self.resolve(host, port, timeout):
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise FetchError("unix sockets are not fetched", kind="unsupported_scheme")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _guarded_transport(config: FetchConfig, backend: GuardedBackend) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx has no parameter for the network backend, so the pool is rebuilt with the same
    # settings HTTPTransport uses, plus ours (checked by the SSRF tests).
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=config.max_connections,
        max_keepalive_connections=min(20, config.max_connections),
        keepalive_expiry=30.0,
        network_backend=backend,
    )
    return transport


class _Decoder:
    """Content-Encoding decoder with bounded output per step (gzip bombs stay bounded)."""

    def __init__(self, coding: str | None, url: str) -> None:
        codings = [c.strip().lower() for c in (coding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self._url = url
        self._raw_deflate = False
        self._d: typing.Any = None
        if not codings:
            return
        if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
            # We only advertise gzip and deflate; anything else is unreadable to us.
            raise FetchError(f"unsupported Content-Encoding {coding}", kind="decoding", url=url)
        self._deflate = codings[0] == "deflate"
        self._d = zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip or zlib header, auto-detected

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decoded pieces of ``data``, each at most 64 KiB."""
        if self._d is None:
            yield data
            return
        try:
            try:
                piece = self._d.decompress(data, _CHUNK)
            except zlib.error:
                if not self._deflate or self._raw_deflate:
                    raise
                # Some servers send raw deflate without the zlib header.
                self._raw_deflate = True
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                piece = self._d.decompress(data, _CHUNK)
            yield piece
            while self._d.unconsumed_tail:
                yield self._d.decompress(self._d.unconsumed_tail, _CHUNK)
        except zlib.error as exc:
            raise FetchError(f"corrupt compressed body: {exc}", kind="decoding", url=self._url) from exc

    def flush(self) -> bytes:
        return self._d.flush() if self._d is not None else b""


def _is_text(content_type: str) -> bool:
    ct = content_type.split(";")[0].strip().lower()
    return not ct or ct.startswith("text/") or any(k in ct for k in ("xml", "json", "html"))


def _error_kind(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError | ssl.CertificateError):
            return "tls"
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported_scheme"
    if isinstance(exc, httpx.InvalidURL):
        return "invalid_url"
    return "connection"


class Fetcher:
    """The HTTP client: one pooled, thread-safe httpx.Client plus robots and per-host clock."""

    def __init__(self, config: FetchConfig | None = None, *, gate: HostGate | None = None) -> None:
        """``gate``: politeness shared with other processes (the in-process clock always runs)."""
        self.config = config or FetchConfig()
        self.gate = gate
        cfg = self.config
        self.policy = AddressPolicy(
            allow_private=cfg.allow_private_networks, allowed_networks=cfg.allowed_networks
        )
        self._client = httpx.Client(
            transport=_guarded_transport(cfg, GuardedBackend(self.policy)),
            follow_redirects=False,  # we follow hop by hop, checking each one
            trust_env=False,  # an environment proxy would bypass the address guard
            # Stateless fetches: no cookie carried from one source (or thread) to another.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            headers={"User-Agent": cfg.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self.clock = HostClock(min_delay=cfg.min_host_delay, max_per_host=cfg.max_per_host)
        self.robots = RobotsRules(
            self._fetch_robots, user_agent=cfg.user_agent, ttl=cfg.robots_ttl
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    @contextmanager
    def _shared_slot(self, host: str, delay: float | None) -> Iterator[float]:
        if self.gate is None:
            yield 0.0
            return
        with self.gate.slot(host.lower(), max(self.config.min_host_delay, delay or 0.0)) as waited:
            yield waited

    def _fetch_robots(self, url: str) -> tuple[int, bytes]:
        try:
            result = self.fetch(
                url, check_robots=False, max_bytes=ROBOTS_MAX_BYTES, accept="text/plain"
            )
        except FetchError as exc:
            if exc.kind == "too_large":
                # An absurd robots.txt is read as "unavailable" (allow), not as a page error.
                return 404, b""
            raise
        return result.status, result.content

    def _validate(self, url: str) -> httpx.URL:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise FetchError(f"invalid URL: {exc}", kind="invalid_url", url=url) from exc
        if not parsed.scheme:
            raise FetchError("not an absolute URL", kind="invalid_url", url=url)
        if parsed.scheme not in ("http", "https"):
            raise FetchError(f"scheme {parsed.scheme!r}", kind="unsupported_scheme", url=url)
        if not parsed.host:
            raise FetchError("no host", kind="invalid_url", url=url)
        if any(c in parsed.host for c in " %\\/<>\"'`{}|^"):
            raise FetchError(f"bad host {parsed.host!r}", kind="invalid_url", url=url)
        self.policy.check_literal(parsed.host, url)
        return parsed

    def allowed_by_robots(self, url: str) -> bool:
        """Whether robots.txt lets us fetch ``url`` (fetches and caches the file if needed)."""
        return not self.config.respect_robots or self.robots.allowed(url)

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
        check_robots: bool = True,
        accept: str | None = None,
    ) -> FetchResult:
        """GET ``url`` politely; a FetchResult (status 200… or 304) or a FetchError."""
        cfg = self.config
        cap = max_bytes if max_bytes is not None else cfg.max_bytes
        fetched_at = datetime.now(UTC)
        started = time.monotonic()
        deadline = started + cfg.total_timeout
        headers = {"Accept": accept or DEFAULT_ACCEPT, **conditional_headers(etag, last_modified)}
        current = url
        hops = 0
        while True:
            parsed = self._validate(current)
            delay: float | None = None
            if check_robots and cfg.respect_robots:
                refusal = self.robots.refusal(current)
                if refusal is not None:
                    raise refusal
                crawl_delay = self.robots.crawl_delay(current)
                if crawl_delay is not None:
                    delay = min(crawl_delay, cfg.max_host_delay)
            with self.clock.slot(parsed.host, delay) as waited, self._shared_slot(
                parsed.host, delay
            ) as shared_wait:
                # Politeness waits are not the server's slowness.
                deadline += waited + shared_wait
                outcome = self._hop(parsed, current, headers, cap, deadline)
            if isinstance(outcome, str):
                hops += 1
                if hops > cfg.max_redirects:
                    raise FetchError(
                        f"more than {cfg.max_redirects} redirects", kind="too_many_redirects", url=url
                    )
                current = outcome
                continue
            status, resp_headers, content = outcome
            ctype = resp_headers.get("content-type", "")
            encoding = detect_encoding(content, ctype) if content and _is_text(ctype) else None
            return FetchResult(
                requested_url=url,
                final_url=current,
                status=status,
                content=content,
                fetched_at=fetched_at,
                headers=resp_headers,
                encoding=encoding,
                etag=resp_headers.get("etag") or (etag if status == 304 else None),
                last_modified=resp_headers.get("last-modified")
                or (last_modified if status == 304 else None),
                elapsed_ms=(time.monotonic() - started) * 1000.0,
            )

    def _hop(
        self, parsed: httpx.URL, url: str, headers: dict[str, str], cap: int, deadline: float
    ) -> str | tuple[int, dict[str, str], bytes]:
        """One request: the next URL for a redirect, else (status, headers, body)."""
        cfg = self.config
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("total timeout exceeded", kind="timeout", url=url)
        timeout = httpx.Timeout(
            connect=min(cfg.connect_timeout, remaining),
            read=min(cfg.read_timeout, remaining),
            write=min(cfg.read_timeout, remaining),
            pool=min(cfg.connect_timeout, remaining),
        )
        try:
            request = self._client.build_request("GET", parsed, headers=headers, timeout=timeout)
            response = self._client.send(request, stream=True)
        except FetchError as exc:
            exc.url = exc.url or url
            raise
        except httpx.HTTPError as exc:
            raise FetchError(str(exc) or type(exc).__name__, kind=_error_kind(exc), url=url) from exc
        try:
            status = response.status_code
            resp_headers = dict(response.headers.items())  # httpx lower-cases the names
            if status in _REDIRECTS and "location" in resp_headers:
                try:
                    return str(parsed.join(resp_headers["location"].strip()))
                except (httpx.InvalidURL, ValueError) as exc:
                    raise FetchError(f"bad redirect: {exc}", kind="invalid_url", url=url) from exc
            if status == 304:
                return status, resp_headers, b""
            if status >= 300:
                retry_after = retry_after_seconds(resp_headers.get("retry-after"))
                raise FetchError(
                    f"HTTP {status}", kind=f"http_{status}", url=url, status=status,
                    retry_after=retry_after,
                )
            return status, resp_headers, self._read(response, url, cap, deadline)
        except httpx.HTTPError as exc:
            raise FetchError(str(exc) or type(exc).__name__, kind=_error_kind(exc), url=url) from exc
        finally:
            response.close()  # mid-body: the connection is dropped, not reused

    def _read(self, response: httpx.Response, url: str, cap: int, deadline: float) -> bytes:
        """The decoded body, refusing more than ``cap`` bytes without holding them."""
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > cap:
            raise FetchError(f"Content-Length {length} > {cap}", kind="too_large", url=url)
        decoder = _Decoder(response.headers.get("content-encoding"), url)
        body = bytearray()
        for raw in response.iter_raw():  # no chunk_size: httpx would buffer up to it
            for piece in decoder.feed(raw):
                body += piece
                if len(body) > cap:
                    raise FetchError(f"body over {cap} bytes", kind="too_large", url=url)
            # The read timeout is per socket read; a server trickling bytes meets this one.
            if time.monotonic() > deadline:
                raise FetchError("total timeout exceeded", kind="timeout", url=url)
        body += decoder.flush()
        if len(body) > cap:
            raise FetchError(f"body over {cap} bytes", kind="too_large", url=url)
        return bytes(body)
