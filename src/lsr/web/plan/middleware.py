"""Middleware: record every refused request (403) in the audit trail; keep sessions alive while
they are used, writing the session at most once a minute instead of on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from lsr.web.plan import audit

#: Session key holding when the session's expiry was last pushed forward (Unix seconds).
REFRESHED_KEY = "_lsr_refreshed"


class AuditAccessDeniedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            audit.denied(request, str(exception))
        return None


class SessionIdleRefreshMiddleware:
    """The idle timeout (``SESSION_COOKIE_AGE``, 30 minutes) without a database write per
    request.

    Django's ``SESSION_SAVE_EVERY_REQUEST`` saves the session on every request to push its
    expiry forward. Here a non-empty session is saved (which sets its expiry to now +
    ``SESSION_COOKIE_AGE``) only when it was last refreshed ``LSR_SESSION_REFRESH_SECONDS``
    (default 60) or more ago. The expiry therefore lags the last request by at most that
    interval: a session ends between 29 and 30 minutes after its last request, never later.
    The server-side expiry is what ends a session (``SESSION_EXPIRE_AT_BROWSER_CLOSE``: the
    cookie itself has no age), and an expired session is never loaded. Must come after
    ``SessionMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval = float(getattr(settings, "LSR_SESSION_REFRESH_SECONDS", 60))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only sessions that hold something (a login) and are not being ended: logout flushes
        # the session, leaving it empty.
        if session is None or not session.keys():
            return response
        now = time.time()
        last = session.get(REFRESHED_KEY)
        if session.modified or not isinstance(last, int | float) or now - last >= self.interval:
            session[REFRESHED_KEY] = now  # marks it modified: SessionMiddleware saves it
        return response
