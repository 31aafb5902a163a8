"""Login throttling with django-axes: the client address, the lockout page, the lockout audit
row, refusing a locked-out login before any password is checked, and unlocking.

Failed logins are counted by axes in the database (``AccessAttempt``), per account and,
separately, per client address (``AXES_LOCKOUT_PARAMETERS``), so every gunicorn worker process
sees the same counts. After ``AXES_FAILURE_LIMIT`` failures within ``AXES_COOLOFF_TIME``, logins
for that account or from that address are refused until the window has passed since the last
failure, or an administrator unlocks them (:func:`unlock`: ``lsr unlock``; or deleting the
access attempt in the admin, :class:`UnlockAuditedAccessAttemptAdmin`). Each lockout writes one
audit row (:func:`_on_locked_out`); refused attempts during a lockout write none, because
:func:`refuse_when_locked_out` answers them without checking a password (no failed-login signal).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import unicodedata
from collections.abc import Callable
from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lsr.web.plan import audit

log = logging.getLogger("lsr.web.throttle")

#: Longest username counted (Django's own limit); longer input is cut to it.
USERNAME_CHARS = 150


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def normalise_username(value: object) -> str:
    """The username as the login form cleans it (NFKC, stripped), without NUL characters and
    cut to 150 characters, so that what axes stores always fits its column."""
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("\x00", "")
    return text[:USERNAME_CHARS]


def username_of(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the username a login attempt names."""
    if credentials and credentials.get("username") is not None:
        return normalise_username(credentials["username"])
    if request is not None and request.method == "POST":
        value = request.POST.get("username")
        if value is not None:
            return normalise_username(value)
    return None


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the client's address.

    Without trusted proxies (``LSR_WEB_TRUSTED_PROXIES=0``, the default) it is the address of
    the connection (``REMOTE_ADDR``), and ``X-Forwarded-For`` is ignored: anyone can send it.
    With N trusted proxies, each of which appends the address it received the request from to
    ``X-Forwarded-For``, it is the N-th address from the right (the one the outermost trusted
    proxy saw; addresses further left were written by the client and are not trusted). A header
    with fewer addresses, or one that is not an IP address, falls back to the connection's
    address.
    """
    proxies = int(getattr(settings, "LSR_TRUSTED_PROXIES", 0))
    if proxies > 0:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [part for part in (p.strip() for p in header.split(",")) if part]
        if len(hops) >= proxies:
            forwarded = _address(hops[-proxies])
            if forwarded is not None:
                return forwarded
    return _address(request.META.get("REMOTE_ADDR", ""))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the login page with the lockout message, HTTP 429."""
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "lockout_minutes": lockout_minutes(),
        "next": request.POST.get("next", "") if request.method == "POST" else "",
    }
    response = render(request, "plan/login.html", context, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


def refuse_when_locked_out(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a login view: a POST for a locked-out account, or from a locked-out address, gets the
    lockout page at once; no password is checked, nothing is counted or audited."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            credentials = {"username": username_of(request, None)}
            if AxesProxyHandler.is_locked(request, credentials):
                return lockout_response(request, None, credentials)
        return view(request, *args, **kwargs)

    return wrapper


class LoginThrottleBackend(AxesStandaloneBackend):
    """First authentication backend: refuses every password check for a locked-out account or
    address (a second line behind :func:`refuse_when_locked_out`). A password check made without
    a request (a shell, the test client's ``login()``) is not a web login and is not throttled."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def _on_locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    detail = (
        f"login locked out after {settings.AXES_FAILURE_LIMIT} failed logins within "
        f"{lockout_minutes()} minutes for account {username or ''!r} or from address "
        f"{ip_address or 'unknown'}"
    )
    audit.locked_out(request, username or "", detail)  # logged, and one row per window


user_locked_out.connect(_on_locked_out, dispatch_uid="lsr_audit_lockout")


def lockouts() -> list[tuple[str, str, int, Any]]:
    """What is locked now: ``(kind, value, failures, last failure)`` for each account
    (``"account"``) and address (``"address"``) with at least the limit of failures within the
    window."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    found: list[tuple[str, str, int, Any]] = []
    for kind, field in (("account", "username"), ("address", "ip_address")):
        rows = (
            recent.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by(field)
        )
        found += [(kind, str(row[field]), int(row["failures"]), row["last"]) for row in rows]
    return found


def unlock(
    *, username: str | None = None, address: str | None = None, everything: bool = False
) -> int:
    """Remove the counted failures of an account, of an address, or all of them (each removal
    audited); returns the number of records removed."""
    if not (username or address or everything):
        raise ValueError("name an account, an address, or all")
    attempts = AccessAttempt.objects.all()
    if not everything:
        if username:
            attempts = attempts.filter(username=normalise_username(username))
        if address:
            attempts = attempts.filter(ip_address=address)
    with transaction.atomic():
        rows = list(attempts.select_for_update())
        for attempt in rows:
            before = audit.snapshot(attempt)
            pk = attempt.pk
            attempt.delete()
            attempt.pk = pk
            audit.deleted(None, attempt, before, "login unlocked with lsr unlock")
    return len(rows)


class UnlockAuditedAccessAttemptAdmin(AccessAttemptAdmin):  # type: ignore[misc]
    """axes' admin page of access attempts, where deleting one unlocks it, with each deletion
    recorded in the audit trail (who, and the record removed)."""

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            before = audit.snapshot(obj)
            pk = obj.pk
            super().delete_model(request, obj)
            obj.pk = pk
            audit.deleted(request.user, obj, before, "login unlocked in the admin")

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in list(queryset):
                self.delete_model(request, obj)


def register_admin(site: admin.AdminSite) -> None:
    """Replace axes' access-attempt admin with :class:`UnlockAuditedAccessAttemptAdmin`."""
    if site.is_registered(AccessAttempt):
        site.unregister(AccessAttempt)
    site.register(AccessAttempt, UnlockAuditedAccessAttemptAdmin)
