"""The audit trail: who changed what, when, with the record before and after.

Every create, update and delete of an action, milestone, evidence, finding or area for
improvement goes through :func:`record` (the views, the Excel import and the demo seed all call
it). Logins, logouts, refused requests (403) of signed-in users and lockouts are recorded by the
signal handlers and middleware connected here.

Audit rows are append-only: the model refuses save of an existing row and delete, and database
triggers refuse every statement that would change or remove a row (``lsr.web.plan.audit_guard``,
migrations 0002 and 0005). Each row is chained to the previous one by a SHA-256 hash
(``lsr.web.plan.audit_chain``), checked by ``lsr audit verify``.

Requests from people who are not signed in (refused requests, failed logins, lockouts) cannot
grow the trail without bound: each is logged to standard error as one JSON line (logger
``lsr.web.audit``; never a request body or a password), and written to the trail only the first
time in a window (one hour) for the same kind, client address and username, and at most
``LSR_AUDIT_ANONYMOUS_ROWS`` (50) rows of each kind per window, the last of which says that the
limit was reached.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import threading
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import connections, models
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.http import HttpRequest
from django.utils import timezone

from lsr.web.plan import audit_guard
from lsr.web.plan.audit_chain import chain_lock
from lsr.web.plan.models import AuditEvent

log = logging.getLogger("lsr.web.audit")

AUDITED_MODELS = ("Action", "Milestone", "Evidence", "Finding", "AreaForImprovement")

_purge = threading.Event()


class allow_purge:
    """Let a test database's audit table be wiped (Django's ``flush`` after tests with real
    commits): SQLite's delete trigger accepts ``DELETE`` while this is set, and PostgreSQL's
    truncate trigger accepts ``TRUNCATE`` in sessions where ``lsr.audit_purge`` is on and the
    database is a test database. The application itself never deletes audit rows."""

    def __enter__(self) -> None:
        _purge.set()
        for connection in connections.all(initialized_only=True):
            audit_guard.set_purge(connection, True)

    def __exit__(self, *exc: object) -> None:
        _purge.clear()
        for connection in connections.all(initialized_only=True):
            try:
                audit_guard.set_purge(connection, False)
            except Exception:  # a closed or broken connection has no session to reset
                log.debug("could not reset lsr.audit_purge", exc_info=True)


def _on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "lsr_audit_purge_allowed", 0, lambda: 1 if _purge.is_set() else 0
        )
    elif _purge.is_set():
        audit_guard.set_purge(connection, True)


def _ensure_guards(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate`` (and ``flush``): put back any guard a table rebuild dropped (SQLite
    drops a table's triggers when a migration rebuilds it) or someone disabled."""
    if getattr(sender, "label", "") != "plan":
        return
    connection = connections[using]
    if audit_guard.TABLE in connection.introspection.table_names() and (
        audit_guard.guard_problems(connection)
    ):
        audit_guard.ensure_guards(connection)


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value


#: Fields never copied into the audit trail (a user's password hash).
SECRET_FIELDS = frozenset({"password"})


def snapshot(instance: models.Model | None) -> dict[str, Any] | None:
    """The instance's concrete fields as a JSON-ready dict (foreign keys as ids)."""
    if instance is None:
        return None
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.attname in SECRET_FIELDS:
            data[field.attname] = "(not recorded)"
        else:
            data[field.attname] = _json(getattr(instance, field.attname))
    return data


def _actor(user: Any) -> tuple[Any, str]:
    if user is not None and getattr(user, "is_authenticated", False):
        return user, user.get_username()
    return None, ""


def _review_id(instance: models.Model) -> int | None:
    for attr in ("review_id",):
        if hasattr(instance, attr):
            return getattr(instance, attr)
    action = getattr(instance, "action", None)
    return getattr(action, "review_id", None)


def record(
    user: Any,
    kind: str,
    instance: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    detail: str = "",
) -> AuditEvent:
    """Append one change to the audit trail."""
    actor, name = _actor(user)
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=name,
        kind=kind,
        model=type(instance).__name__,
        object_id=str(instance.pk if instance.pk is not None else ""),
        review_id=_review_id(instance),
        before=before,
        after=after,
        detail=detail,
    )


def created(user: Any, instance: models.Model, detail: str = "") -> AuditEvent:
    return record(user, AuditEvent.Kind.CREATE, instance, None, snapshot(instance), detail)


def updated(
    user: Any, instance: models.Model, before: dict[str, Any] | None, detail: str = ""
) -> AuditEvent:
    return record(user, AuditEvent.Kind.UPDATE, instance, before, snapshot(instance), detail)


def deleted(
    user: Any, instance: models.Model, before: dict[str, Any] | None, detail: str = ""
) -> AuditEvent:
    return record(user, AuditEvent.Kind.DELETE, instance, before, None, detail)


def event(
    user: Any, kind: str, detail: str = "", *, username: str = "", review_id: int | None = None
) -> AuditEvent:
    """A non-change event: login, failed login, logout, refused access, publish, import."""
    actor, name = _actor(user)
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=name or username,
        kind=kind,
        detail=detail,
        review_id=review_id,
    )


# --- requests: client address, safe text, log lines -----------------------------------------


def client_address(request: HttpRequest | None) -> str:
    """The client address: the one django-axes worked out when it is installed (it applies
    the configured reverse-proxy rule), else ``REMOTE_ADDR``."""
    if request is None:
        return "?"
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    return clean_text(str(address or "?"), 64)


def clean_text(value: str, limit: int) -> str:
    """``value`` with control characters (and anything else not printable, such as lone
    surrogates) written as ``\\xNN`` / ``\\uNNNN``, cut to ``limit`` characters: safe in a
    database text column (PostgreSQL refuses NUL) and on one log line."""
    out = []
    for ch in value[:limit]:
        if ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)[:limit]


def _log(event_name: str, **fields: Any) -> None:
    """One structured line on standard error (logger ``lsr.web.audit``): JSON, ASCII only."""
    log.warning("%s", json.dumps({"event": event_name, **fields}, ensure_ascii=True))


def _describe(request: HttpRequest) -> dict[str, str]:
    return {
        "method": clean_text(str(request.method or ""), 16),
        "path": clean_text(request.path, 200),
        "client": client_address(request),
    }


# --- events of people who are not signed in: logged, and bounded in the trail --------------


def _window() -> tuple[dt.datetime, dt.timedelta]:
    seconds = int(getattr(settings, "LSR_AUDIT_ANONYMOUS_WINDOW_SECONDS", 3600))
    now = timezone.now().timestamp()
    start = dt.datetime.fromtimestamp(now - now % seconds, tz=dt.UTC)
    return start, dt.timedelta(seconds=seconds)


def _anonymous_row(kind: str, client: str, username: str, what: str) -> AuditEvent | None:
    """Append ``what`` for someone not signed in, unless the window already holds a row of
    this kind for this client address and username, or its limit of rows of this kind.
    Decided again under the chain lock, so concurrent requests cannot pass the limit."""
    limit = max(1, int(getattr(settings, "LSR_AUDIT_ANONYMOUS_ROWS", 50)))
    start, length = _window()
    key = f"from {client}: "

    def verdict() -> str | None:
        recent = AuditEvent.objects.filter(kind=kind, actor__isnull=True, at__gte=start)
        if recent.filter(actor_username=username, detail__startswith=key).exists():
            return None
        count = recent.count()
        if count >= limit:
            return None
        end = f"{start + length:%H:%M} UTC"
        if count == limit - 1:
            return f"limit of {limit} rows of this kind reached: until {end} only logged"
        return f"first from this address and username until {end}; repeats only logged"

    if verdict() is None:
        return None
    with chain_lock():
        note = verdict()
        if note is None:
            return None
        return AuditEvent.objects.create(
            actor_username=username, kind=kind, detail=f"{key}{what} [{note}]"
        )


def _on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    event(user, AuditEvent.Kind.LOGIN, f"from {client_address(request)}")


def _on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        event(user, AuditEvent.Kind.LOGOUT, f"from {client_address(request)}")


def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A failed login: logged; in the trail only as described in the module docstring."""
    username = clean_text(str(credentials.get("username", "")), 150)
    client = client_address(request)
    _log("login_failed", username=username, client=client)
    _anonymous_row(AuditEvent.Kind.LOGIN_FAILED, client, username, "failed login")


def locked_out(request: HttpRequest | None, username: str, detail: str = "") -> None:
    """A lockout after repeated failed logins (django-axes' ``user_locked_out`` signal is
    connected to this when axes is installed): logged, and in the trail once per window for
    this username and client address."""
    name = clean_text(str(username or ""), 150)
    client = client_address(request)
    what = clean_text(detail, 200) or "locked out after repeated failed logins"
    _log("lockout", username=name, client=client, detail=what)
    _anonymous_row(AuditEvent.Kind.LOCKOUT, client, name, what)


def denied(request: HttpRequest, reason: str) -> None:
    """Record a refused request (called for every 403, CSRF failures included).

    Signed in: a row (who, method, path, reason, address) and a log line. Not signed in: a log
    line, and a row only as described in the module docstring."""
    user = getattr(request, "user", None)
    info = {**_describe(request), "reason": clean_text(reason, 300)}
    what = f"{info['method']} {info['path']}: {info['reason']}".strip()
    if user is not None and getattr(user, "is_authenticated", False):
        _log("access_refused", user=clean_text(user.get_username(), 150), **info)
        event(user, AuditEvent.Kind.DENIED, f"{what} (from {info['client']})")
    else:
        _log("access_refused", user=None, **info)
        _anonymous_row(AuditEvent.Kind.DENIED, info["client"], "", what)


def connect_signals() -> None:

    user_logged_in.connect(_on_login, dispatch_uid="lsr_audit_login")
    user_logged_out.connect(_on_logout, dispatch_uid="lsr_audit_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="lsr_audit_login_failed")
    connection_created.connect(_on_connection, dispatch_uid="lsr_audit_sqlite")
    post_migrate.connect(_ensure_guards, dispatch_uid="lsr_audit_guards")
    # django-axes' lockout signal is connected in lsr.web.plan.throttle, which calls
    # locked_out() with the lockout's details.
