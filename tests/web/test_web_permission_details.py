"""What the permission matrix (test_web_permission_matrix.py) does not pin down, found by mutation
testing (docs/mutation-testing.md): the reason every refusal gives (it is what the audit trail
records for a 403) and the number of queries the checks make (the answers are kept on the user
object for the request, one query per review however many checks a page makes)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from lsr.web.plan import permissions as perm
from lsr.web.plan.models import Action, AuditEvent, Organisation, Profile, Review, Role, Theme

pytestmark = pytest.mark.django_db


@pytest.fixture()
def world() -> dict[str, Any]:
    """A review with an action of organisation A, another review, and a partner editor of
    organisation B, a viewer and an outsider (a system lead of another review), a reviewer of
    the other review, a superuser and a user without a profile."""
    org_a = Organisation.objects.create(name="Org A")
    org_b = Organisation.objects.create(name="Org B")
    review = Review.objects.create(
        area_code="E10000025", area_name="Testshire", review_start=date(2017, 11, 27),
        review_end=date(2017, 12, 1),
    )  # fmt: skip
    other = Review.objects.create(
        area_code="E10000002", area_name="Elsewhere", review_start=date(2017, 11, 27),
        review_end=date(2017, 12, 1),
    )  # fmt: skip
    theme = Theme.objects.create(review=review, name="Winter planning", order=1)
    action = Action.objects.create(
        review=review, what="Appoint a winter director", theme=theme, owner_organisation=org_a
    )
    model = get_user_model()
    users = {}
    for name, role, org, reviews in (
        ("partner_b", Role.PARTNER_EDITOR, org_b, (review,)),
        ("viewer", Role.VIEWER, None, (review,)),
        ("outsider", Role.SYSTEM_LEAD, None, (other,)),
        ("reviewer", Role.REVIEWER, None, (other,)),
    ):
        user = model.objects.create_user(name, password="x" * 20)
        profile = Profile.objects.create(user=user, role=role, organisation=org)
        profile.reviews.add(*reviews)
        users[name] = user
    users["superuser"] = model.objects.create_user("root", password="x" * 20, is_superuser=True)
    users["no_profile"] = model.objects.create_user("no_profile", password="x" * 20)
    return {
        "review": review,
        "other": other,
        "action": action,
        "org_a": org_a,
        "org_b": org_b,
        "users": users,
    }


def _fresh(user: Any) -> Any:
    """The user as a request loads it: nothing kept from an earlier check."""
    return get_user_model().objects.get(pk=user.pk)


def _reason(fn: Any, *args: Any) -> str:
    with pytest.raises(PermissionDenied) as refused:
        fn(*args)
    return str(refused.value)


def test_every_refusal_names_what_was_refused_and_the_object(world: dict[str, Any]) -> None:
    """Each ``require_*`` function, refused, says what may not be done to which object (its id),
    one line; the audit trail records exactly that text."""
    review, action = world["review"], world["action"]
    r, a = review.pk, action.pk
    viewer = world["users"]["viewer"]
    outsider = world["users"]["outsider"]
    partner = world["users"]["partner_b"]
    expected = [
        (perm.require_view_review, (outsider, review), f"may not view review {r}"),
        (perm.require_view_action, (outsider, action), f"may not view action {a}"),
        (perm.require_edit_action, (viewer, action), f"may not change action {a}"),
        (perm.require_delete_action, (viewer, action), f"may not delete action {a}"),
        (
            perm.require_create_action,
            (viewer, review, None),
            f"may not create actions in review {r}",
        ),
        (
            perm.require_create_action,
            (partner, review, world["org_a"]),
            f"may not create actions in review {r} for organisation {world['org_a'].pk}",
        ),
        (perm.require_edit_findings, (viewer, review), f"may not edit findings of review {r}"),
        (
            perm.require_publish,
            (viewer, review),
            f"may not publish the report of review {r}",
        ),
        (perm.require_import, (viewer, review), f"may not import into review {r}"),
        (
            perm.require_read_audit,
            (viewer, review),
            f"may not read the audit trail of review {r}",
        ),
    ]
    for fn, (user, *objects), reason in expected:
        assert _reason(fn, _fresh(user), *objects) == reason, fn.__name__
    assert _reason(perm.review_if_visible, _fresh(outsider), r) == f"may not view review {r}"


@pytest.mark.parametrize("name", ["superuser", "viewer", "outsider", "no_profile"])
def test_a_review_that_does_not_exist_is_not_found(name: str, world: dict[str, Any]) -> None:
    """Not found (404, "no such review") for everyone, whether or not they could read it."""
    missing = Review.objects.order_by("pk").last().pk + 1
    with pytest.raises(Http404) as not_found:
        perm.review_if_visible(_fresh(world["users"][name]), missing)
    assert str(not_found.value) == "no such review"


@pytest.mark.parametrize(
    "user", [None, object(), AnonymousUser()], ids=["none", "plain_object", "anonymous"]
)
def test_anything_but_a_logged_in_user_has_no_role(user: Any, world: dict[str, Any]) -> None:
    """Something that is not a logged-in user (``None``, an object without the attributes of a
    user, an anonymous visitor) has no profile and no role and may read nothing: it is never
    taken for a superuser, and asking does not fail."""
    assert perm.profile_of(user) is None
    assert perm.role_of(user) is None
    assert not perm.sees_all_reviews(user)
    assert not perm.can_view_review(user, world["review"])
    assert not perm.can_edit_findings(user, world["review"])


def test_a_refused_page_is_recorded_with_its_reason(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["users"]["viewer"])
    action = world["action"]
    assert client.get(f"/actions/{action.pk}/edit/").status_code == 403
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED).latest("pk")
    assert event.detail == (
        f"GET /actions/{action.pk}/edit/: may not change action {action.pk} (from 127.0.0.1)"
    )


def test_membership_is_read_once_per_user_object(
    world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    """The first check reads the profile and the membership (two queries); every later check on
    the same user object, for that review, asks the database nothing."""
    review, action = world["review"], world["action"]
    for name in ("viewer", "partner_b", "outsider"):
        user = _fresh(world["users"][name])
        with django_assert_num_queries(2):
            first = perm.can_view_review(user, review)
        with django_assert_num_queries(0):
            assert perm.can_view_review(user, review) == first
            perm.can_edit_action(user, action)
            perm.can_create_action(user, review, None)
            perm.can_delete_action(user, action)
            perm.can_read_audit(user, review)
        assert first == (name != "outsider"), name


def test_the_profile_is_read_once_with_its_organisation(
    world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    """One query reads the profile and its organisation, however often the role or the
    organisation is asked for on the same user object; a user without a profile costs one
    query too."""
    partner = _fresh(world["users"]["partner_b"])
    with django_assert_num_queries(1):
        profile = perm.profile_of(partner)
        assert profile is not None and profile.organisation.name == "Org B"
        assert perm.profile_of(partner) is profile
        assert perm.role_of(partner) == Role.PARTNER_EDITOR
    nobody = _fresh(world["users"]["no_profile"])
    with django_assert_num_queries(1):
        assert perm.profile_of(nobody) is None
        assert perm.role_of(nobody) is None
        assert perm.profile_of(nobody) is None


def test_administrators_and_reviewers_read_any_review_without_a_membership_query(
    world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    """A superuser's answer needs no query at all; a reviewer's only the profile, whichever
    review is asked about (the reviewer here is not a member of the review)."""
    review, other = world["review"], world["other"]
    superuser = _fresh(world["users"]["superuser"])
    with django_assert_num_queries(0):
        assert perm.can_view_review(superuser, review)
        assert perm.can_view_review(superuser, other)
    reviewer = _fresh(world["users"]["reviewer"])
    with django_assert_num_queries(1):
        assert perm.can_view_review(reviewer, review)
        assert perm.can_view_review(reviewer, other)
