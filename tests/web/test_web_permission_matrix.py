"""The permission rules as a full matrix: every kind of user (role x membership of the review x
relation to the action's organisation, plus a superuser, a user without a profile and an
anonymous visitor) against every permission function and every page that shows or changes a
review's data.

The expected answers come from the rules written out below (the table in
``lsr/web/plan/permissions.py``), not from the code under test, so that changing any one rule in
the code (for example "a partner editor may edit" made true for every role, or a user without a
profile seeing every review) fails here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from lsr.web.plan import permissions as perm
from lsr.web.plan.models import Action, Organisation, Profile, Review, Role, Theme

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Kind:
    """A kind of user: role (None: no profile), member of the review, organisation A/B/None."""

    name: str
    role: str | None
    member: bool = False
    org: str | None = None
    superuser: bool = False
    anonymous: bool = False


KINDS: tuple[Kind, ...] = (
    Kind("superuser", None, superuser=True),
    Kind("admin_role_member", Role.ADMINISTRATOR, member=True),
    Kind("admin_role_outsider", Role.ADMINISTRATOR),
    Kind("reviewer_outsider", Role.REVIEWER),
    Kind("reviewer_member_org_a", Role.REVIEWER, member=True, org="A"),
    Kind("lead_member", Role.SYSTEM_LEAD, member=True),
    Kind("lead_member_org_b", Role.SYSTEM_LEAD, member=True, org="B"),
    Kind("lead_outsider", Role.SYSTEM_LEAD, org="A"),
    Kind("partner_member_org_a", Role.PARTNER_EDITOR, member=True, org="A"),
    Kind("partner_member_org_b", Role.PARTNER_EDITOR, member=True, org="B"),
    Kind("partner_member_no_org", Role.PARTNER_EDITOR, member=True),
    Kind("partner_outsider_org_a", Role.PARTNER_EDITOR, org="A"),
    Kind("viewer_member_org_a", Role.VIEWER, member=True, org="A"),
    Kind("viewer_outsider", Role.VIEWER),
    Kind("no_profile", None),
    Kind("anonymous", None, anonymous=True),
)


def effective_role(k: Kind) -> str | None:
    """The rules: a superuser is an administrator whatever the profile says."""
    return Role.ADMINISTRATOR if k.superuser else k.role


def sees(k: Kind) -> bool:
    """Reads the review: administrators and reviewers all reviews, others their own; nobody
    without a role."""
    role = effective_role(k)
    if role is None:
        return False
    return role in (Role.ADMINISTRATOR, Role.REVIEWER) or k.member


def expected(k: Kind, what: str) -> bool:
    """The permission table of lsr.web.plan.permissions, written out independently. The
    action belongs to organisation A; ``create_a`` / ``create_b`` / ``create_none`` create an
    action for organisation A, B or with no organisation chosen."""
    role = effective_role(k)
    if not sees(k):
        return False
    if what == "view":
        return True
    if what in ("edit", "create_a", "create_b", "create_none"):
        if role in (Role.ADMINISTRATOR, Role.SYSTEM_LEAD):
            return True
        if role == Role.PARTNER_EDITOR and k.org is not None:
            target = {"edit": "A", "create_a": "A", "create_b": "B", "create_none": None}[what]
            return target is None or target == k.org
        return False
    if what in ("delete", "import"):
        return role in (Role.ADMINISTRATOR, Role.SYSTEM_LEAD)
    if what in ("findings", "publish"):
        return role in (Role.ADMINISTRATOR, Role.REVIEWER)
    if what == "audit":
        return role in (Role.ADMINISTRATOR, Role.REVIEWER, Role.SYSTEM_LEAD)
    raise AssertionError(what)


WHATS = (
    "view",
    "create_a",
    "create_b",
    "create_none",
    "edit",
    "delete",
    "findings",
    "publish",
    "import",
    "audit",
)


@pytest.fixture()
def world() -> dict[str, Any]:
    """A review with an action of organisation A, another review, and one user of every kind."""
    orgs = {
        "A": Organisation.objects.create(name="Org A"),
        "B": Organisation.objects.create(name="Org B"),
    }
    review = Review.objects.create(
        area_code="E10000025", area_name="Testshire", review_start=date(2017, 11, 27),
        review_end=date(2017, 12, 1),
    )  # fmt: skip
    other_review = Review.objects.create(
        area_code="E10000002", area_name="Elsewhere", review_start=date(2017, 11, 27),
        review_end=date(2017, 12, 1),
    )  # fmt: skip
    theme = Theme.objects.create(review=review, name="Winter planning", order=1)
    action = Action.objects.create(
        review=review, what="Appoint a winter director", theme=theme, owner_organisation=orgs["A"]
    )
    users: dict[str, Any] = {}
    model = get_user_model()
    for k in KINDS:
        if k.anonymous:
            users[k.name] = AnonymousUser()
            continue
        user = model.objects.create_user(k.name, password="x" * 20, is_superuser=k.superuser)
        if k.role is not None:
            profile = Profile.objects.create(
                user=user, role=k.role, organisation=orgs[k.org] if k.org else None
            )
            profile.reviews.add(other_review)
            if k.member:
                profile.reviews.add(review)
        users[k.name] = user
    return {"orgs": orgs, "review": review, "action": action, "users": users}


def _fresh(user: Any) -> Any:
    """The user as a request would load it (no answers cached from an earlier check)."""
    if isinstance(user, AnonymousUser):
        return user
    return get_user_model().objects.get(pk=user.pk)


def answer(world: dict[str, Any], k: Kind, what: str) -> bool:
    user = _fresh(world["users"][k.name])
    review, action, orgs = world["review"], world["action"], world["orgs"]
    return {
        "view": lambda: perm.can_view_review(user, review),
        "create_a": lambda: perm.can_create_action(user, review, orgs["A"]),
        "create_b": lambda: perm.can_create_action(user, review, orgs["B"]),
        "create_none": lambda: perm.can_create_action(user, review, None),
        "edit": lambda: perm.can_edit_action(user, action),
        "delete": lambda: perm.can_delete_action(user, action),
        "findings": lambda: perm.can_edit_findings(user, review),
        "publish": lambda: perm.can_publish(user, review),
        "import": lambda: perm.can_import(user, review),
        "audit": lambda: perm.can_read_audit(user, review),
    }[what]()


def test_every_user_kind_against_every_permission(world: dict[str, Any]) -> None:
    wrong = [
        f"{k.name} {what}: expected {expected(k, what)}"
        for k in KINDS
        for what in WHATS
        if answer(world, k, what) != expected(k, what)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_matrix_is_not_trivial() -> None:
    """Each permission is granted to some kinds and refused to others, so no rule can be
    replaced by a constant without failing the matrix."""
    for what in WHATS:
        answers = {expected(k, what) for k in KINDS}
        assert answers == {True, False}, what


def test_visible_reviews_and_require_functions(world: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    review, action = world["review"], world["action"]
    for k in KINDS:
        user = _fresh(world["users"][k.name])
        if not k.anonymous:
            visible = set(perm.visible_reviews(user).values_list("pk", flat=True))
            assert (review.pk in visible) == sees(k), k.name
            if effective_role(k) is None:
                assert visible == set(), k.name
        for fn, what, obj in (
            (perm.require_view_review, "view", review),
            (perm.require_view_action, "view", action),
            (perm.require_edit_action, "edit", action),
            (perm.require_delete_action, "delete", action),
            (perm.require_edit_findings, "findings", review),
            (perm.require_publish, "publish", review),
            (perm.require_import, "import", review),
            (perm.require_read_audit, "audit", review),
        ):
            user = _fresh(world["users"][k.name])
            if expected(k, what):
                fn(user, obj)
            else:
                with pytest.raises(PermissionDenied):
                    fn(user, obj)
        user = _fresh(world["users"][k.name])
        if sees(k):
            assert perm.review_if_visible(user, review.pk) == review
        else:
            with pytest.raises(PermissionDenied):
                perm.review_if_visible(user, review.pk)
        with pytest.raises(Http404):
            perm.review_if_visible(_fresh(world["users"][k.name]), review.pk + 10_000)


#: Pages (GET) and the permission each needs; ``{r}`` the review, ``{a}`` the action.
ROUTES: tuple[tuple[str, str], ...] = (
    ("/reviews/{r}/", "view"),
    ("/reviews/{r}/actions/", "view"),
    ("/reviews/{r}/actions/export.xlsx", "view"),
    ("/reviews/{r}/findings/", "view"),
    ("/reviews/{r}/report/", "view"),
    ("/reviews/{r}/audit/", "audit"),
    ("/reviews/{r}/scenarios/", "view"),
    ("/actions/{a}/", "view"),
    ("/actions/{a}/edit/", "edit"),
    ("/actions/{a}/delete/", "delete"),
    ("/reviews/{r}/actions/import/", "import"),
    ("/reviews/{r}/areas/new/", "findings"),
)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_user_kind_against_every_page(kind: Kind, world: dict[str, Any]) -> None:
    client = Client()
    if not kind.anonymous:
        client.force_login(world["users"][kind.name])
    wrong = []
    for route, what in ROUTES:
        url = route.format(r=world["review"].pk, a=world["action"].pk)
        status = client.get(url).status_code
        if kind.anonymous:
            ok = status in (302, 401, 403)  # sent to log in, never shown
        elif expected(kind, what):
            ok = status == 200
        else:
            ok = status in (403, 404)
        if not ok:
            wrong.append(f"{url} ({what}): {status}")
    assert not wrong, f"{kind.name}: " + "; ".join(wrong)
