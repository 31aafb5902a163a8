"""Changes made in the Django admin are audited like changes made in the application."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from lsr.web.plan.models import AuditEvent, Organisation, Profile, Review


def _admin(client_for: Any) -> Any:
    client = client_for("admin")
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff
    return client


def test_admin_change_and_delete_are_audited(demo: Any, client_for: Any) -> None:
    client = _admin(client_for)
    org = Organisation.objects.create(name="Audited Org", short_name="AO")
    response = client.post(
        f"/admin/plan/organisation/{org.pk}/change/",
        {"name": "Audited Org Renamed", "short_name": "AO"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(model="Organisation", object_id=str(org.pk)).get()
    assert event.kind == "update" and event.actor_username == "admin"
    assert event.before["name"] == "Audited Org" and event.after["name"] == "Audited Org Renamed"
    response = client.post(f"/admin/plan/organisation/{org.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Organisation.objects.filter(pk=org.pk).exists()
    deleted = AuditEvent.objects.filter(model="Organisation", kind="delete").get()
    assert deleted.object_id == str(org.pk) and deleted.before["name"] == "Audited Org Renamed"


def test_admin_membership_change_is_audited(demo: Any, client_for: Any) -> None:
    """A profile's reviews (who may read which review) are recorded before and after."""
    from lsr.web.plan.demo import seed_demo

    other = seed_demo(with_users=False)
    profile = Profile.objects.get(user__username="viewer")
    client = _admin(client_for)
    response = client.post(
        f"/admin/plan/profile/{profile.pk}/change/",
        {
            "user": profile.user_id,
            "role": profile.role,
            "organisation": profile.organisation_id or "",
            "reviews": [demo.pk, other.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(profile.reviews.values_list("pk", flat=True)) == {demo.pk, other.pk}
    event = AuditEvent.objects.filter(model="Profile", object_id=str(profile.pk)).get()
    assert event.before["reviews"] == [demo.pk]
    assert event.after["reviews"] == sorted([demo.pk, other.pk])
    assert Review.objects.count() == 2


def test_admin_password_change_is_audited_without_the_hash(demo: Any, client_for: Any) -> None:
    client = _admin(client_for)
    user = get_user_model().objects.get(username="viewer")
    old_hash = user.password
    response = client.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": "a-New-passphrase-2026", "password2": "a-New-passphrase-2026"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.password != old_hash
    event = AuditEvent.objects.filter(model="User", object_id=str(user.pk)).get()
    assert "password changed" in event.detail
    assert old_hash not in str(event.before) and user.password not in str(event.after)
    assert event.after["password"] == "(not recorded)"
