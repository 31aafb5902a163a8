"""The audit trail: who changed what, when, with the record before and after.

Every create, update and delete of an action, milestone, evidence, finding or area for
improvement goes through :func:`record` (the views, the Excel import and the demo seed all call
it). Logins, failed logins, logouts and refused requests (403) are recorded by the signal
handlers and middleware connected here. Audit rows are append-only: the model refuses save of
an existing row and delete, and migration 0002 adds database triggers that refuse ``UPDATE`` and
``DELETE`` on the table (SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import threading
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.backends.signals import connection_created
from django.http import HttpRequest

from lsr.web.plan.models import AuditEvent

log = logging.getLogger("lsr.web.audit")

AUDITED_MODELS = ("Action", "Milestone", "Evidence", "Finding", "AreaForImprovement")

_purge = threading.Event()


class allow_purge:
    """Let the SQLite trigger accept ``DELETE`` on the audit table (only for wiping a test
    database; the application itself never deletes audit rows)."""

    def __enter__(self) -> None:
        _purge.set()

    def __exit__(self, *exc: object) -> None:
        _purge.clear()


def _sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "lsr_audit_purge_allowed", 0, lambda: 1 if _purge.is_set() else 0
        )


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


def _client(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return f"from {request.META.get('REMOTE_ADDR', '?')}"


def _on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    event(user, AuditEvent.Kind.LOGIN, _client(request))


def _on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        event(user, AuditEvent.Kind.LOGOUT, _client(request))


def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    log.warning("failed login for %r %s", username, _client(request))
    event(None, AuditEvent.Kind.LOGIN_FAILED, _client(request), username=username)


def denied(request: HttpRequest, reason: str) -> None:
    """Record a refused request (called for every 403)."""
    user = getattr(request, "user", None)
    detail = f"{request.method} {request.path}: {reason}".strip()
    log.warning("access refused: %s %s", getattr(user, "username", "?"), detail)
    event(user, AuditEvent.Kind.DENIED, detail)


def connect_signals() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="lsr_audit_login")
    user_logged_out.connect(_on_logout, dispatch_uid="lsr_audit_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="lsr_audit_login_failed")
    connection_created.connect(_sqlite_functions, dispatch_uid="lsr_audit_sqlite")
