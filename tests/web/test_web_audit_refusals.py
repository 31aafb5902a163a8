"""Refusals of people who are not signed in (403s, CSRF failures, failed logins, lockouts) are
logged to standard error, one JSON line each, and cannot grow the audit trail without bound;
refusals of signed-in users are audited, one row each."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from lsr.web.plan import audit, audit_chain
from lsr.web.plan.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

SECRET = "s3cret-body-marker"  # sent in every body: must appear in no log line and no row


@pytest.fixture()
def lines(caplog: pytest.LogCaptureFixture) -> Any:
    caplog.set_level(logging.INFO, logger="lsr.web.audit")

    def read(event: str | None = None) -> list[dict[str, Any]]:
        out = []
        for record in caplog.records:
            if record.name != "lsr.web.audit":
                continue
            text = record.getMessage()
            assert "\n" not in text and SECRET not in text
            data = json.loads(text)
            if event is None or data["event"] == event:
                out.append(data)
        return out

    return read


def _rows_since(start: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=start).order_by("id"))


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _no_secret_in_rows() -> None:
    assert not AuditEvent.objects.filter(detail__contains=SECRET).exists()
    assert not AuditEvent.objects.filter(actor_username__contains=SECRET).exists()


def test_anonymous_csrf_refusals_are_logged_not_stored(demo: Any, lines: Any) -> None:
    action = Action.objects.filter(review=demo).first()
    start = _last_id()
    client = Client(enforce_csrf_checks=True)
    for _ in range(150):
        # a body to a page that needs a login: refused unread, sent to log in
        response = client.post(f"/actions/{action.pk}/edit/", {"what": SECRET})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        # a login form without its CSRF token: refused (403)
        response = client.post("/accounts/login/", {"username": "lead", "password": SECRET})
        assert response.status_code == 403
    rows = _rows_since(start)
    assert len(rows) == 1, [r.detail for r in rows]
    assert rows[0].kind == "denied" and rows[0].actor is None
    assert rows[0].detail.startswith(f"from 127.0.0.1: POST /actions/{action.pk}/edit/: not logged")
    logged = lines("access_refused")
    assert len(logged) == 300
    assert logged[0] | {"reason": ""} == {
        "event": "access_refused",
        "user": None,
        "method": "POST",
        "path": f"/actions/{action.pk}/edit/",
        "client": "127.0.0.1",
        "reason": "",
    }
    assert "CSRF" in logged[1]["reason"] and logged[1]["path"] == "/accounts/login/"
    _no_secret_in_rows()
    assert audit_chain.verify().ok


def _routes() -> list[str]:
    """Every URL of the application (admin included), with 1 for each parameter."""
    out: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = str(p.pattern)
            route = re.sub(r"<(?:\w+:)?\w+>", "1", route).lstrip("^").rstrip("$")
            route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route).replace("\\", "")
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                out.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(out))


def test_every_route_refuses_anonymous_requests_within_the_bound(demo: Any, lines: Any) -> None:
    routes = _routes()
    assert "/actions/1/evidence/" in routes and "/admin/plan/auditevent/" in routes
    assert len(routes) > 40
    start = _last_id()
    strict, lax = Client(enforce_csrf_checks=True), Client()
    body = {"what": SECRET, "file": SECRET, "username": "lead", "password": SECRET}
    for _ in range(3):
        for route in routes:
            for response in (
                strict.post(route, body),
                lax.post(route, body),
                lax.get(route),
                lax.put(route, SECRET),
                strict.delete(route),
            ):
                assert response.status_code < 500, route
    rows = _rows_since(start)
    # one client address: at most one row per kind (and username) in the window
    kinds = [(r.kind, r.actor_username) for r in rows]
    assert len(kinds) == len(set(kinds)) and len(rows) <= 3, kinds
    assert all(r.actor is None for r in rows)
    assert len(lines("access_refused")) >= 3 * len(routes) * 2  # strict POST and DELETE
    _no_secret_in_rows()
    assert audit_chain.verify().ok


def test_many_addresses_stop_at_the_limit(demo: Any, lines: Any, settings: Any) -> None:
    settings.LSR_AUDIT_ANONYMOUS_ROWS = 5
    action = Action.objects.filter(review=demo).first()
    start = _last_id()
    for i in range(40):
        client = Client(enforce_csrf_checks=True, REMOTE_ADDR=f"10.1.{i // 250}.{i % 250}")
        assert client.post(f"/actions/{action.pk}/edit/", {"x": SECRET}).status_code == 302
    rows = _rows_since(start)
    assert len(rows) == 5
    assert [r.detail.split(":")[0] for r in rows] == [f"from 10.1.0.{i}" for i in range(5)]
    assert "limit of 5 rows of this kind reached" in rows[-1].detail
    assert {d["client"] for d in lines("access_refused")} == {f"10.1.0.{i}" for i in range(40)}


def test_failed_logins_are_bounded_and_never_show_the_password(
    demo: Any, lines: Any, settings: Any
) -> None:
    settings.LSR_AUDIT_ANONYMOUS_ROWS = 10
    settings.AXES_FAILURE_LIMIT = 1000  # the audit bound, not the login throttle, is tested here
    start = _last_id()
    client = Client()
    for _ in range(30):
        client.post("/accounts/login/", {"username": "lead", "password": SECRET})
    for i in range(30):
        client.post("/accounts/login/", {"username": f"nobody{i}", "password": SECRET})
    rows = _rows_since(start)
    assert [r.kind for r in rows] == ["login_failed"] * 10
    assert rows[0].actor_username == "lead" and rows[0].detail.startswith("from 127.0.0.1: ")
    assert "limit of 10 rows" in rows[-1].detail
    logged = lines("login_failed")
    assert len(logged) == 60 and logged[0] == {
        "event": "login_failed",
        "username": "lead",
        "client": "127.0.0.1",
    }
    _no_secret_in_rows()


def test_refusals_of_signed_in_users_are_each_audited(
    demo: Any, client_for: Any, lines: Any
) -> None:
    action = Action.objects.filter(review=demo).first()
    client = client_for("viewer", REMOTE_ADDR="192.0.2.7")
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.7")
    strict.force_login(get_user_model().objects.get(username="partner"))
    start = _last_id()
    for _ in range(4):
        assert client.get(f"/actions/{action.pk}/edit/").status_code == 403
    assert strict.post(f"/actions/{action.pk}/edit/", {"what": SECRET}).status_code == 403
    rows = _rows_since(start)
    assert [(r.kind, r.actor_username) for r in rows] == [("denied", "viewer")] * 4 + [
        ("denied", "partner")
    ]
    assert all(r.detail.endswith("(from 192.0.2.7)") for r in rows)
    assert "CSRF" in rows[-1].detail
    assert [d["user"] for d in lines("access_refused")] == ["viewer"] * 4 + ["partner"]


def test_lockouts_are_audited_once_per_window(
    db: None, lines: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="198.51.100.9")
    start = _last_id()
    for _ in range(20):
        audit.locked_out(request, "lead")
    audit.locked_out(request, "admin")
    rows = _rows_since(start)
    assert [(r.kind, r.actor_username) for r in rows] == [("lockout", "lead"), ("lockout", "admin")]
    assert rows[0].detail.startswith("from 198.51.100.9: locked out")
    assert len(lines("lockout")) == 21
    # the next window: audited again
    real = audit.timezone.now
    monkeypatch.setattr(audit.timezone, "now", lambda: real() + dt.timedelta(hours=1))
    audit.locked_out(request, "lead")
    assert len(_rows_since(start)) == 3


@pytest.mark.skipif(not apps.is_installed("axes"), reason="django-axes is not installed")
def test_axes_lockouts_reach_the_trail(demo: Any) -> None:  # pragma: no cover - with axes
    start = _last_id()
    client = Client()
    for _ in range(30):
        client.post("/accounts/login/", {"username": "lead", "password": SECRET})
    kinds = [r.kind for r in _rows_since(start)]
    assert kinds.count("lockout") == 1 and kinds.count("login_failed") <= 1


def test_control_characters_and_long_values_are_stored_safely(demo: Any, lines: Any) -> None:
    """A NUL, ESC or newline in a path or username neither breaks the write (PostgreSQL
    refuses NUL in text) nor a log line; very long values are cut."""
    start = _last_id()
    strict = Client(enforce_csrf_checks=True)
    path = "/reviews/1/scenarios/%00%1b[31m%0Aforged/"  # matches <str:run_id>
    assert strict.post(path).status_code == 302  # a body before logging in: refused unread
    # (the login form refuses NUL and more than 150 characters before authenticating)
    Client().post("/accounts/login/", {"username": "a\x1b[2J\nc" + "x" * 140, "password": SECRET})
    rows = _rows_since(start)
    for row in rows:
        assert not any(ord(c) < 32 for c in row.detail + row.actor_username), row.detail
    assert "/reviews/1/scenarios/\\x00\\x1b[31m\\x0aforged/: not logged in" in rows[0].detail
    login = next(r for r in rows if r.kind == "login_failed")
    assert login.actor_username.startswith("a\\x1b[2J\\x0acxxx")
    assert len(login.actor_username) == 150
    assert len(lines()) == 2
    assert audit_chain.verify().ok
