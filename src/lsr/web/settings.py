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
``LSR_DB``                 the DuckDB store that the indicator profile is computed from
"""

from __future__ import annotations

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
    "lsr.web.plan",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lsr.web.plan.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lsr.web.plan.middleware.AuditAccessDeniedMiddleware",
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
AUTHENTICATION_BACKENDS = ["lsr.web.plan.auth_backend.ProfileModelBackend"]
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
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The DuckDB store the indicator profile is computed from (None: the embedded default store).
LSR_DB: str | None = os.environ.get("LSR_DB") or None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"lsr.web": {"handlers": ["console"], "level": "INFO"}},
}
