"""Middleware: record every refused request (403) in the audit trail; keep sessions alive while
they are used, writing the session at most once a minute instead of on every request; refuse
over-size and anonymous request bodies before anything reads them."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from lsr.web.plan import audit
from lsr.web.plan.views_errors import body_refused

log = logging.getLogger("lsr.web.limits")

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


class RequestBodyLimitMiddleware:
    """Refuse request bodies that are too large, or sent by someone not logged in, before any
    byte of them is read (so before Django parses a form or writes an upload to a temporary
    file). Must come after ``AuthenticationMiddleware`` (it needs the user); everything that
    reads the body (CSRF's ``process_view``, the views) runs after it.

    Every request that announces a body (a ``Content-Length`` above 0, or ``Transfer-Encoding``)
    is checked, whatever its method or path:

    - a ``Content-Length`` that is not a whole number: 400;
    - more than ``LSR_UPLOAD_MAX_BYTES`` (the largest body accepted anywhere): 413, before the
      session is even looked up;
    - not logged in: only the login pages take a body (up to ``LSR_ANONYMOUS_MAX_BYTES``);
      anywhere else the request goes to the login page, as the page itself would send it;
    - logged in: ``multipart/form-data`` (uploads) up to ``LSR_UPLOAD_MAX_BYTES``, anything else
      up to ``LSR_FORM_MAX_BYTES``; more: 413.

    A chunked body (no ``Content-Length``) is read, when the server marks its input as ending at
    the end of the body (``wsgi.input_terminated``: gunicorn does), up to the limit and no
    further: past the limit it is refused with 413; within it, it is handed to Django as if it
    had been sent with a length (Django itself would otherwise see an empty body). A server that
    cannot mark the end (the development server) gets 411 Length Required.

    The refused body is never read; gunicorn then closes the connection rather than read the
    rest of it (it drains at most 64 KiB of an unread body to keep a connection alive).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.upload_max = int(settings.LSR_UPLOAD_MAX_BYTES)
        self.form_max = int(settings.LSR_FORM_MAX_BYTES)
        self.anonymous_max = int(settings.LSR_ANONYMOUS_MAX_BYTES)
        self._anonymous_paths: frozenset[str] | None = None

    def anonymous_paths(self) -> frozenset[str]:
        """Where a visitor who is not logged in may send a body: the login pages."""
        if self._anonymous_paths is None:
            self._anonymous_paths = frozenset({reverse("login"), reverse("admin:login")})
        return self._anonymous_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.check(request)
        if refusal is not None:
            return refusal
        try:
            return self.get_response(request)
        finally:
            spool = getattr(request, "_lsr_body_spool", None)
            if spool is not None:  # a chunked body read by read_chunked
                spool.close()

    def check(self, request: HttpRequest) -> HttpResponse | None:
        meta = request.META
        raw_length = str(meta.get("CONTENT_LENGTH") or "").strip()
        chunked = not raw_length and bool(meta.get("HTTP_TRANSFER_ENCODING"))
        length = 0
        if raw_length:
            if not (raw_length.isascii() and raw_length.isdigit()):
                return self.refuse(request, 400, "Content-Length is not a whole number")
            length = int(raw_length)
        if length == 0 and not chunked:
            return None
        if length > self.upload_max:
            return self.refuse(request, 413, f"Content-Length {length}", self.upload_max)
        if not request.user.is_authenticated:
            if request.path not in self.anonymous_paths():
                # one log line; in the trail at most once per address and window
                audit.denied(request, "not logged in: request body refused unread")
                return redirect_to_login(request.get_full_path())
            limit = self.anonymous_max
        elif meta.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data"):
            limit = self.upload_max
        else:
            limit = self.form_max
        if chunked:
            return self.read_chunked(request, limit)
        if length > limit:
            return self.refuse(request, 413, f"Content-Length {length}", limit)
        return None

    def read_chunked(self, request: HttpRequest, limit: int) -> HttpResponse | None:
        """Read a body sent without a length, up to ``limit`` bytes, into a spooled file that
        then stands in for the request's input."""
        if not request.environ.get("wsgi.input_terminated"):
            return self.refuse(request, 411, "a body without Content-Length")
        stream = request.environ["wsgi.input"]
        # Closed by __call__ once the response is made (or here, when refused).
        in_memory = settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        spool = tempfile.SpooledTemporaryFile(max_size=in_memory)  # noqa: SIM115
        size = 0
        while size <= limit:
            chunk = stream.read(min(64 * 1024, limit + 1 - size))
            if not chunk:
                break
            spool.write(chunk)
            size += len(chunk)
        if size > limit:
            spool.close()
            return self.refuse(request, 413, f"a chunked body of more than {limit} bytes", limit)
        spool.seek(0)
        request._stream = LimitedStream(spool, size)  # type: ignore[attr-defined]
        request._lsr_body_spool = spool  # type: ignore[attr-defined]
        request.META["CONTENT_LENGTH"] = str(size)
        return None

    @staticmethod
    def refuse(request: HttpRequest, status: int, what: str, limit: int = 0) -> HttpResponse:
        log.info("body refused: %s %s: %s (status %d)", request.method, request.path, what, status)
        return body_refused(request, status, limit)
