"""Default settings: SQLite in the data dir, everything on one machine."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url

from akhbar.config import load_config, make_private

CONFIG = load_config()
# Metrics of every process go to files here (prometheus-client's multiprocess mode) before
# anything imports prometheus_client: /metrics then adds up web, workers, scheduler and commands.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(CONFIG.data_dir / "metrics"))
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_tasks",
    "django_tasks_db",
    # Only with the RQ backend (its check asks for it): importing RQ costs every process,
    # web workers included, ~40 MB that the database queue never uses.
    *(["django_rq"] if CONFIG.task_backend == "rq" else []),
    "akhbar.web",
    "axes",
    "akhbar.sources",
    "akhbar.news",
    "akhbar.search",
    "akhbar.pipeline",
    "akhbar.moderation",
]

MIDDLEWARE = [
    # Outermost: page latency by route and page-cache hits for /metrics (akhbar/web/metrics.py).
    "akhbar.web.metrics.observe_pages",
    "django.middleware.security.SecurityMiddleware",
    # A NUL in the URL is a 400 before the cache or any view (PostgreSQL refuses it in text).
    "akhbar.web.errors.reject_nul_bytes",
    # HTTP caching a front can use (akhbar/web/http.py), all three outside early_hits so cache
    # hits get them too. Outermost, gzip: the ETag is computed on the plain body (and made weak
    # when compressed); then the ETag and 304 for If-None-Match; then Cache-Control, inside, so
    # that a 304 carries it.
    "akhbar.web.http.CompressMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "akhbar.web.http.cache_control",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cached pages are answered here, before session, locale, CSRF and auth (akhbar/web/cache.py).
    "akhbar.web.cache.early_hits",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Inside the CSRF middleware: gives edition pages the csrftoken cookie after the page cache
    # (cached pages stay free of per-visitor data; the report button's script reads the cookie).
    "akhbar.moderation.middleware.csrf_cookie",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "akhbar.web.middleware.security_headers",
    # Last, as django-axes asks: turns a blocked admin login into its 429 answer. Cached pages
    # never get here (early_hits answers them first).
    "axes.middleware.AxesMiddleware",
]

# Admin login throttling (django-axes, akhbar/web/login_throttle.py). After AXES_FAILURE_LIMIT
# failures for one username or from one network (IPv4 /24, IPv6 /48) with less than
# AXES_COOLOFF_TIME between them, logins answer 429 without checking the password, until
# AXES_COOLOFF_TIME after the last counted failure (attempts while blocked do not extend it).
# Counted in the database: every web process and machine sees the same count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses before a password is hashed
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "akhbar.web.login_throttle.client_network"
AXES_USERNAME_CALLABLE = "akhbar.web.login_throttle.client_username"
AXES_LOCKOUT_CALLABLE = "akhbar.web.login_throttle.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

# A refused CSRF check on the report endpoint answers JSON like the endpoint itself.
CSRF_FAILURE_VIEW = "akhbar.moderation.views.csrf_failure"

# akhbar's own settings are read one way only: settings.CONFIG (akhbar.config.Config).

ROOT_URLCONF = "akhbar.urls"
WSGI_APPLICATION = "akhbar.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "akhbar.web.context.editions",
                "akhbar.news.context.ticker",
            ],
        },
    },
]


def database_settings(url: str) -> dict[str, Any]:
    """Django DATABASES entry for an AKHBAR_DATABASE_URL, tuned per engine."""
    db: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # Persistent connections: opening SQLite and running the PRAGMAs per request costs more
        # than serving a cached page.
        db["CONN_MAX_AGE"] = 600
        # WAL lets the web server read while the crawler writes; IMMEDIATE transactions and a
        # busy timeout make concurrent writers wait instead of failing with "database is locked".
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        name = Path(db["NAME"])
        name.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # It holds sessions and password hashes: an older install created it world-readable.
        for path in (name, name.with_name(name.name + "-wal"), name.with_name(name.name + "-shm")):
            make_private(path)
    return db


DATABASES = {"default": database_settings(CONFIG.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    # Rendered pages, per process; invalidated across processes by the change log (web.cache).
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages",
              "OPTIONS": {"MAX_ENTRIES": 2000}},
}

# Every queue akhbar's tasks use (akhbar/pipeline/tasks.py); `akhbar worker` serves them all.
TASK_QUEUES = ["default", "ingest"]
TASKS = {
    "default": {
        "BACKEND": "django_tasks_rq.RQBackend" if CONFIG.task_backend == "rq"
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": TASK_QUEUES,
    }
}
# RQ's queues, all in the Redis database AKHBAR_REDIS_URL names (read only with the rq backend).
# A job may run this long before RQ gives up on it; a refresh stops itself after its budget.
RQ_QUEUES = {name: {"URL": CONFIG.redis_url, "DEFAULT_TIMEOUT": 900} for name in TASK_QUEUES}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("ar", "العربية"), ("en", "English")]
LANGUAGES_BIDI = ["ar"]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = CONFIG.time_zone

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = CONFIG.data_dir / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Content-hashed names and gzip copies once collected (`akhbar run` collects at start),
    # plain names before: nothing fails for want of collectstatic (akhbar/web/staticfiles.py).
    "staticfiles": {"BACKEND": "akhbar.web.staticfiles.StaticStorage"},
}
# Serves the source folders too, so static files work before any collectstatic.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = CONFIG.data_dir / "media"
MEDIA_URL = "/media/"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

if CONFIG.production:
    # Here rather than in prod.py alone: AKHBAR_ENV=production then hardens whichever akhbar
    # settings module a process loads (a DJANGO_SETTINGS_MODULE or --settings left on base).
    # Cookies are Secure whatever AKHBAR_CONTACT_URL says: the contact URL is for outlets, it says
    # nothing about how readers reach the portal.
    DEBUG = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = CONFIG.hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = CONFIG.hsts_include_subdomains
    SECURE_HSTS_PRELOAD = CONFIG.hsts_preload
    # Off by default: the reverse proxy redirects http to https (docs/OPERATIONS.md).
    SECURE_SSL_REDIRECT = CONFIG.ssl_redirect
    if not CONFIG.hsts_preload:
        # Preloading is an opt-in the operator makes at hstspreload.org, hard to undo; sending
        # the directive by default would let anyone submit the domain.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Every line has a timestamp (in TIME_ZONE: Django sets the process's TZ to it) and a level;
# the task engines' per-task state lines are debug (akhbar.logs). AKHBAR_LOG_LEVEL=DEBUG shows them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"tasks": {"()": "akhbar.logs.TaskLogFilter", "level": CONFIG.log_level}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "akhbar": {"handlers": ["console"], "level": CONFIG.log_level, "propagate": False},
        # db_worker sets these two loggers' levels itself (its --verbosity); the filter decides.
        "django_tasks": {"handlers": ["console"], "level": "INFO", "filters": ["tasks"],
                         "propagate": False},
        "django_tasks_db": {"handlers": ["console"], "level": "WARNING", "filters": ["tasks"],
                            "propagate": False},
        # Server errors with their traceback, in every configuration: Django's default sends them
        # to the console only with DEBUG and otherwise to mail_admins (no ADMINS here: nowhere).
        # ERROR keeps 4xx warnings (every bot's 404) out of the log.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # Failed and blocked admin logins (usernames and networks, never passwords).
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
