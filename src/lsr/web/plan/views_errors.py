"""Error pages that must work when nothing else does: the 500 page (with the request id that
the log line carries) and the refusal of a request body (413, 411, 400); and the 404 and 403
pages, which fall back to the 500 page (and log the exception that broke them) when they cannot
be rendered, e.g. when the database is gone: Django itself would answer 500 then without
logging why.

The 500 and refusal pages are rendered without the request's context processors (no database
query, no session), from ``error_base.html``, which needs nothing but the static file URLs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.log import log_response
from django.views import defaults

log = logging.getLogger("lsr.web.errors")

_REFUSALS = {
    400: ("Bad request", "The request could not be read."),
    411: (
        "Length required",
        "The request sent a body without saying how long it is. Send it with a Content-Length.",
    ),
    413: ("Too large", "The file or form you sent is larger than this application accepts."),
}


def request_id(request: HttpRequest) -> str:
    """The request's id (django-log-request-id's middleware sets it first thing)."""
    value = getattr(request, "id", None)
    if isinstance(value, str) and value:
        return value
    value = uuid.uuid4().hex
    request.id = value  # type: ignore[attr-defined]
    return value


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def body_refused(request: HttpRequest, status: int, limit: int = 0) -> HttpResponse:
    """The page for a request body refused by ``RequestBodyLimitMiddleware``."""
    title, text = _REFUSALS[status]
    context = {
        "title": title,
        "text": text,
        "limit": _megabytes(limit) if limit else "",
        "request_id": request_id(request),
    }
    return HttpResponse(render_to_string("request_refused.html", context), status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a page with the request id to quote. The error itself is logged by
    Django (``django.request``, with this id, the path and the exception; see
    ``lsr.web.logs``)."""
    rid = request_id(request)
    try:
        html = render_to_string("500.html", {"request_id": rid})
    except Exception:  # the page must not fail in turn
        log.exception("the 500 page could not be rendered")
        html = (
            "<!DOCTYPE html><html lang='en-GB'><title>Something went wrong</title>"
            f"<h1>Something went wrong</h1><p>Reference: {rid}</p></html>"
        )
    return HttpResponse(html, status=500)


def _or_server_error(
    request: HttpRequest,
    view: Callable[[HttpRequest, Exception], HttpResponse],
    exception: Exception,
) -> HttpResponse:
    try:
        return view(request, exception)
    except Exception as exc:
        response = server_error(request)
        log_response(
            "%s: %s",
            response.reason_phrase,
            request.path,
            response=response,
            request=request,
            exception=exc,
        )
        return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: Django's page (``404.html``), or the 500 page if it fails."""
    return _or_server_error(request, defaults.page_not_found, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler403``: Django's page (``403.html``), or the 500 page if it fails."""
    return _or_server_error(request, defaults.permission_denied, exception)
