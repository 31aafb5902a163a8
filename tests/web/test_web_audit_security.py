"""Audit trail, CSRF, optimistic locking and security settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, connection, transaction
from django.test import Client

from lsr.web.plan.models import Action, AuditEvent, Finding, Milestone, Status

from action_form import action_form_data

pytestmark = pytest.mark.django_db


def test_every_change_is_audited_with_before_and_after(demo: Any, client_for: Any) -> None:
    action = Action.objects.filter(review=demo).first()
    assert action is not None
    client = client_for("lead")
    start = AuditEvent.objects.count()
    client.post(
        f"/actions/{action.pk}/edit/",
        action_form_data(action, what="Audited change", status="at_risk"),
    )
    ev = AuditEvent.objects.filter(model="Action", object_id=str(action.pk), kind="update").first()
    assert ev is not None and ev.actor_username == "lead"
    assert ev.before["what"] == action.what and ev.after["what"] == "Audited change"
    assert ev.after["version"] == action.version + 1
    assert ev.at.utcoffset().total_seconds() == 0  # stored in UTC
    client.post(f"/actions/{action.pk}/milestones/", {"date": "2019-02-01", "text": "New one"})
    ms = Milestone.objects.get(text="New one")
    assert AuditEvent.objects.filter(
        model="Milestone", object_id=str(ms.pk), kind="create"
    ).exists()
    client.post(f"/milestones/{ms.pk}/done/", {"done": "true", "version": ms.version})
    toggled = AuditEvent.objects.get(model="Milestone", object_id=str(ms.pk), kind="update")
    assert toggled.before["done"] is False and toggled.after["done"] is True
    client.post(f"/actions/{action.pk}/evidence/", {"note": "Minutes of the ISDB"})
    assert AuditEvent.objects.filter(
        model="Evidence", kind="create", after__note="Minutes of the ISDB"
    ).exists()
    theme = demo.themes.first()
    client_for("reviewer").post(
        f"/reviews/{demo.pk}/findings/{theme.pk}/edit/",
        {
            "improved": "X",
            "still_to_improve": "Y",
            "future_focus": "Z",
            "reflections": "",
            "consulted": "",
        },
    )
    f = Finding.objects.get(theme=theme)
    fe = AuditEvent.objects.get(model="Finding", object_id=str(f.pk), kind="update")
    assert fe.after["improved"] == "X" and fe.before["improved"] != "X"
    area = demo.areas.first()
    client_for("admin").post(
        f"/reviews/{demo.pk}/areas/{area.pk}/edit/",
        {"priority_group": "engagement", "text": "Edited area", "order": 1},
    )
    ae = AuditEvent.objects.get(model="AreaForImprovement", object_id=str(area.pk), kind="update")
    assert ae.after["text"] == "Edited area" and ae.after["priority_group"] == "engagement"
    client.post(f"/actions/{action.pk}/delete/")
    de = AuditEvent.objects.get(model="Action", object_id=str(action.pk), kind="delete")
    assert de.before["what"] == "Audited change" and de.after is None
    assert AuditEvent.objects.count() - start >= 7


def test_audit_rows_cannot_be_changed_or_deleted(demo: Any) -> None:
    ev = AuditEvent.objects.first()
    assert ev is not None
    ev.detail = "tampered"
    with pytest.raises(PermissionError):
        ev.save()
    with pytest.raises(PermissionError):
        ev.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=ev.pk).update(detail="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=ev.pk).delete()
    # and the database itself refuses, bypassing the ORM
    table = AuditEvent._meta.db_table
    for sql in (
        f"UPDATE {table} SET detail = 'tampered' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [ev.pk])
    fresh = AuditEvent.objects.get(pk=ev.pk)
    assert fresh.detail != "tampered"


def test_admin_audit_is_read_only(demo: Any, client_for: Any) -> None:
    ev = AuditEvent.objects.first()
    client = client_for("admin")
    assert client.get("/admin/plan/auditevent/").status_code == 200
    page = client.get(f"/admin/plan/auditevent/{ev.pk}/change/")
    assert (
        page.status_code == 200
        and b'type="submit"' not in page.content.split(b"<footer")[0].split(b'id="content"')[1]
    )
    assert (
        client.post(f"/admin/plan/auditevent/{ev.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert AuditEvent.objects.filter(pk=ev.pk).exists()


def test_logins_and_refusals_are_logged(demo: Any) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": "viewer", "password": "wrong"})
    assert AuditEvent.objects.filter(kind="login_failed", actor_username="viewer").exists()
    response = client.post(
        "/accounts/login/", {"username": "viewer", "password": "viewer-demo-2019"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(kind="login", actor_username="viewer").exists()
    action = Action.objects.first()
    assert client.get(f"/actions/{action.pk}/edit/").status_code == 403
    denied = AuditEvent.objects.get(kind="denied", actor_username="viewer")
    assert f"/actions/{action.pk}/edit/" in denied.detail


def test_csrf_is_enforced(demo: Any) -> None:
    from django.contrib.auth import get_user_model

    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="lead"))
    action = Action.objects.filter(review=demo).first()
    response = client.post(f"/actions/{action.pk}/edit/", action_form_data(action, what="no token"))
    assert response.status_code == 403
    action.refresh_from_db()
    assert action.what != "no token"
    assert AuditEvent.objects.filter(kind="denied", detail__contains="CSRF").exists()
    # with the token from the form, the same post works
    page = client.get(f"/actions/{action.pk}/edit/")
    token = page.context["csrf_token"]
    response = client.post(
        f"/actions/{action.pk}/edit/",
        {**action_form_data(action, what="with token"), "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.what == "with token"
    # the login form is protected too
    anon = Client(enforce_csrf_checks=True)
    assert (
        anon.post(
            "/accounts/login/", {"username": "lead", "password": "lead-demo-2019"}
        ).status_code
        == 403
    )


def test_optimistic_locking_two_stale_forms(demo: Any, client_for: Any) -> None:
    action = Action.objects.filter(review=demo).first()
    first, second = client_for("lead"), client_for("admin")
    stale = action_form_data(action)  # both opened version 1
    r1 = first.post(
        f"/actions/{action.pk}/edit/", {**stale, "what": "First edit", "status": Status.AT_RISK}
    )
    assert r1.status_code == 302
    r2 = second.post(
        f"/actions/{action.pk}/edit/", {**stale, "what": "Second edit", "owner_person": "B"}
    )
    assert r2.status_code == 409
    text = r2.content.decode()
    assert "This action was changed by lead at" in text
    assert "your changes were not saved; here are both versions" in text
    assert "First edit" in text and "Second edit" in text  # both versions shown
    action.refresh_from_db()
    assert action.what == "First edit" and action.version == stale["version"] + 1
    # the re-offered form carries the user's input and the current version: resubmitting saves it
    form = r2.context["form"]
    assert form["what"].value() == "Second edit"
    assert int(form["version"].value()) == action.version
    r3 = second.post(
        f"/actions/{action.pk}/edit/", {**stale, "what": "Second edit", "version": action.version}
    )
    assert r3.status_code == 302
    action.refresh_from_db()
    assert action.what == "Second edit"
    assert (
        AuditEvent.objects.filter(model="Action", object_id=str(action.pk), kind="update").count()
        == 2
    )


def test_security_settings() -> None:
    s = django_settings
    assert s.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.MD5PasswordHasher"  # test override
    from importlib import reload

    import lsr.web.settings as real

    reload(real)
    assert real.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert real.X_FRAME_OPTIONS == "DENY"
    # Idle timeout: 30 minutes, refreshed by the middleware at most once a minute (not a
    # session write per request); see test_web_serving.py.
    assert real.SESSION_COOKIE_AGE == 1800 and real.LSR_SESSION_REFRESH_SECONDS == 60
    assert not real.SESSION_SAVE_EVERY_REQUEST
    sessions = real.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert real.MIDDLEWARE[sessions + 1] == "lsr.web.plan.middleware.SessionIdleRefreshMiddleware"
    assert real.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]


def test_secure_cookies_default_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import reload

    import lsr.web.settings as real

    monkeypatch.delenv("LSR_WEB_SECURE_COOKIES", raising=False)
    monkeypatch.delenv("LSR_WEB_DEBUG", raising=False)
    reload(real)
    assert real.SESSION_COOKIE_SECURE and real.CSRF_COOKIE_SECURE
    monkeypatch.setenv("LSR_WEB_SECURE_COOKIES", "0")
    reload(real)
    assert not real.SESSION_COOKIE_SECURE and not real.CSRF_COOKIE_SECURE
    monkeypatch.setenv("LSR_WEB_DATABASE_URL", "postgresql://u:p%40ss@db.example:5433/lsrweb")
    reload(real)
    assert real.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert real.DATABASES["default"]["PASSWORD"] == "p@ss"
    assert real.DATABASES["default"]["PORT"] == "5433"
    monkeypatch.undo()
    reload(real)


def test_response_headers(demo: Any, client_for: Any) -> None:
    response = client_for("viewer").get(f"/reviews/{demo.pk}/actions/")
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert b"<script>" not in response.content
