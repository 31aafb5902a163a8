"""The "data store is busy" page: HTTP 503 with ``Retry-After`` instead of a server error.

The pages that read the DuckDB store (the overview's indicators, the progress report and its
downloads and publication, the scenario results) may find it held read-write by an ``lsr``
command in another process (a load or a sweep storing its results, for a moment). After a short
wait (:func:`lsr.web.plan.indicators.store_wait`) the read raises
:class:`~lsr.data.store.StoreBusy`; :func:`store_busy_page` turns that into this page. Nothing
was changed by the request, and nothing about it is cached.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lsr.data.store import StoreBusy

__all__ = ["RETRY_AFTER_SECONDS", "busy_response", "store_busy_page"]

#: What the page's ``Retry-After`` header asks a client to wait (seconds).
RETRY_AFTER_SECONDS = 5

log = logging.getLogger("lsr.web")

V = TypeVar("V", bound=Callable[..., HttpResponse])


def busy_response(request: HttpRequest, exc: StoreBusy) -> HttpResponse:
    """The 503 page for ``exc`` (the file and the process are logged, not shown)."""
    log.warning("503 for %s: %s", request.path, exc)
    response = render(
        request,
        "plan/store_busy.html",
        {"retry_after": RETRY_AFTER_SECONDS, "building": exc.building},
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def store_busy_page(view: V) -> V:
    """Decorate a view that reads the store: :class:`StoreBusy` becomes the 503 busy page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except StoreBusy as exc:
            return busy_response(request, exc)

    return wrapper  # type: ignore[return-value]
