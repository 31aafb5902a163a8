"""Rendered page content, cached under the data revision.

A page's content (everything inside ``<main>`` that is the same for every user with the same
role and organisation) is rendered once and kept in Django's cache (``CACHES["default"]``, in
each server process's memory) under a key that holds the **data revision**: a counter that the
database increases on every change to the tables pages show (:class:`~lsr.web.plan.models.
DataRevision`, kept by triggers). A change therefore makes every cached page miss at once,
whichever process or path made it, and nothing needs to find and delete stale entries.

Order matters: a view reads the revision *first*, then the data it renders. The content it
stores is then at least as new as the revision in its key (a change committed in between makes
the stored content newer, never older, and moves the revision on, so it is not served again).

What is never cached: the permission check (every request checks the user's access to the
review before any cached content is used), the page around the content (user name, CSRF
token, messages) and anything that depends on the user beyond role and organisation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

#: Seconds an entry is kept at most (entries also leave when the cache is full).
TIMEOUT = 15 * 60


def revision() -> int | None:
    """The current data revision, or ``None`` when its row is missing (deleted by hand; ``migrate``
    and ``flush`` put it back): then nothing is cached."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT number FROM plan_datarevision WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row else None


def cached_html(rev: int | None, parts: tuple[Any, ...], build: Callable[[], str]) -> SafeString:
    """The HTML ``build()`` returns, cached under ``rev`` (read with :func:`revision` before
    the data ``build`` reads), today's date (RAG ratings and "overdue" change with it) and
    ``parts`` (page, review, role, organisation, filters)."""
    if rev is None:
        return mark_safe(build())
    raw = repr((rev, timezone.localdate().isoformat(), *parts)).encode()
    key = "lsr-page:" + hashlib.sha256(raw).hexdigest()
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, TIMEOUT)
    return mark_safe(html)
