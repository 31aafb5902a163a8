"""Django settings for the ``lsr`` web application.

Everything that differs between a laptop demo and a deployment is read from the environment:

``LSR_WEB_DATA_DIR``       folder for the SQLite database, uploaded evidence and the secret key
                           (default: ``<user data dir>/lsr/web``)
``LSR_WEB_DATABASE_URL``   ``postgresql://user:password@host:port/name`` to use PostgreSQL
                           instead of the embedded SQLite file
``LSR_WEB_SECRET_KEY``     the secret key (default: generated once and kept in the data dir)
``LSR_WEB_DEBUG``          ``1`` for Django's debug mode (never in production)
``LSR_WEB_SECURE_COOKIES`` ``1``/``0``: send session and CSRF cookies over HTTPS only. Default
                           ``1`` (secure); ``lsr serve`` sets ``0`` when it serves plain HTTP on a
                           loopback address, so that the local demo can log in
``LSR_WEB_ALLOWED_HOSTS``  comma-separated host names (default: localhost names only)
``LSR_WEB_TRUSTED_PROXIES`` number of reverse proxies in front of the application that append
                           the client's address to ``X-Forwarded-For`` (default ``0``: the
                           header is ignored and the client is the connection's address)
``LSR_LOGIN_FAILURE_LIMIT`` failed logins per account, and per client address, before logins
                           are refused (default 10)
``LSR_LOGIN_LOCKOUT_MINUTES`` the window in which failures count and how long a lockout lasts
                           after the last failure (default 15)
``LSR_DB``                 the DuckDB store that the indicator profile is computed from
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from platformdirs import user_data_dir

BASE_DIR = Path(__file__).resolve().parent


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("LSR_WEB_DATA_DIR") or Path(user_data_dir("lsr")) / "web")


def _secret_key() -> str:
    key = os.environ.get("LSR_WEB_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    try:
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key, encoding="utf-8")
        path.chmod(0o600)
        return key
    except OSError:  # read-only home: a per-process key (sessions end on restart)
        return secrets.token_urlsafe(50)


def _int(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {number}")
    return number


def database_from_url(url: str) -> dict[str, object]:
    """Django ``DATABASES['default']`` for a ``postgresql://`` URL."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"LSR_WEB_DATABASE_URL must start with postgresql://, not {url!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "lsr",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


DEBUG = _flag("LSR_WEB_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("LSR_WEB_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(
        ","
    )
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "lsr.web.plan",
]

# Order matters:
# - the request id first, so that every log line and every response (static files and error
#   pages included) carries it;
# - the security headers (nosniff, CSP, framing) above WhiteNoise, which answers static files
#   itself without calling the rest of the stack;
# - the request body limit right after authentication (it needs the user) and before anything
#   reads the body (CSRF's process_view, the views);
# - axes last (it turns a lockout flagged during the login into the lockout page).
MIDDLEWARE = [
    "log_request_id.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lsr.web.static_files.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lsr.web.plan.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lsr.web.plan.middleware.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lsr.web.plan.middleware.AuditAccessDeniedMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lsr.web.urls"
WSGI_APPLICATION = "lsr.web.wsgi.application"

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
                "lsr.web.plan.context.navigation",
            ],
        },
    }
]

_db_url = os.environ.get("LSR_WEB_DATABASE_URL", "").strip()
if _db_url:
    DATABASES = {"default": database_from_url(_db_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "lsr-web.sqlite3",
            # WAL lets readers run while a request writes (a save, a session refresh);
            # IMMEDIATE takes the write lock at BEGIN, so waiting writers queue on the busy
            # timeout instead of failing on a read-to-write upgrade.
            # Keep each server thread's connection open between requests instead of opening
            # one (and running the PRAGMAs below) per request; checked before reuse.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered page content (lsr.web.plan.page_cache), in each server process's memory. Entries
# are keyed by the data revision, so a change anywhere makes them miss; no shared cache needed.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "lsr-pages",
        "OPTIONS": {"MAX_ENTRIES": 500},
    }
}

# Passwords: Argon2 first; the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses every password check for a locked-out account or client address.
    "lsr.web.plan.throttle.LoginThrottleBackend",
    "lsr.web.plan.auth_backend.ProfileModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: 30 minutes idle. The expiry is pushed forward by SessionIdleRefreshMiddleware at
# most once every LSR_SESSION_REFRESH_SECONDS (instead of SESSION_SAVE_EVERY_REQUEST, a database
# write per request), so a session ends 29-30 minutes after its last request. Cookies secure
# unless configured off.
SECURE_COOKIES = _flag("LSR_WEB_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
LSR_SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "lsr.web.plan.views_auth.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if SECURE_COOKIES and not DEBUG:
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login throttling (django-axes). Failed logins are counted per account and, separately, per
# client address, in the database (AccessAttempt), so that every gunicorn worker process (and
# every server on the same database) sees the same counts; never in a per-process cache. After
# LSR_LOGIN_FAILURE_LIMIT failures within LSR_LOGIN_LOCKOUT_MINUTES, logins for that account, or
# from that address, are refused (HTTP 429, a message on the login page, one audit row) until
# the window has passed since the last failure, or an administrator unlocks them (the admin's
# "Access attempts", or `lsr unlock`). A success does not reset the counts (otherwise a user
# with an account could reset the count of the address they share with the account attacked).
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = _int("LSR_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=_int("LSR_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit trail already
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "lsr.web.plan.throttle.client_ip"
AXES_USERNAME_CALLABLE = "lsr.web.plan.throttle.username_of"
AXES_LOCKOUT_CALLABLE = "lsr.web.plan.throttle.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Reverse proxies in front of the application that append the client address to
# X-Forwarded-For (0: none; the header is then ignored, as anyone can send it).
LSR_TRUSTED_PROXIES = _int("LSR_WEB_TRUSTED_PROXIES", 0)

# Content Security Policy (django-csp 4): same origin only, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are served by WhiteNoise (middleware) under `lsr serve`, `lsr serve --dev` and
# lsr.web.wsgi alike: the files found at start-up are indexed once, and only those exact URLs
# are served (anything else under /static/, such as /static/../settings.py, is an ordinary
# 404). The middleware above it add nosniff, CSP and framing headers to static responses too.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
WHITENOISE_ALLOW_ALL_ORIGINS = False
MEDIA_ROOT = Path(os.environ.get("LSR_WEB_MEDIA_ROOT") or DATA_DIR / "media")
MEDIA_URL = "/media-not-served/"  # evidence is only ever served through an access-checked view

# Evidence uploads: size and type limits.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
# Request bodies (RequestBodyLimitMiddleware, before anything reads the body): an upload
# (multipart, logged-in users only) may be the largest evidence file plus 1 MiB for the form's
# other fields; any other body (forms) 1 MiB; an anonymous body (the login form) 64 KiB. Larger
# bodies are refused with 413 from their Content-Length, without reading them; a chunked body
# (no Content-Length) is read up to the limit and refused there.
LSR_UPLOAD_MAX_BYTES = EVIDENCE_MAX_BYTES + 1024 * 1024
LSR_FORM_MAX_BYTES = 1024 * 1024
LSR_ANONYMOUS_MAX_BYTES = 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = LSR_FORM_MAX_BYTES
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The DuckDB store the indicator profile is computed from (None: the embedded default store).
LSR_DB: str | None = os.environ.get("LSR_DB") or None

# Request ids (django-log-request-id): a fresh random id per request (an id sent by the client
# is never trusted), returned as X-Request-ID, shown on the error page and carried by every log
# line written while the request runs.
REQUEST_ID_RESPONSE_HEADER = "X-Request-ID"
LOG_REQUESTS = False

# Logging: one stream, standard error (gunicorn's workers inherit it). A 500 is logged by
# django.request as one line with the request id, the method and path and the exception, then
# its traceback (no request body, no headers, no form fields).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "log_request_id.filters.RequestIDFilter"}},
    "formatters": {
        "line": {
            "()": "lsr.web.logs.ErrorLineFormatter",
            "format": "%(asctime)s pid=%(process)d %(levelname)s %(name)s "
            "request_id=%(request_id)s %(message)s",
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": "line",
        }
    },
    "loggers": {
        "lsr.web": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "axes": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
