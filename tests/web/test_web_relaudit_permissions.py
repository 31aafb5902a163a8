"""The relational audit's permission rules as a matrix: every kind of user (the kinds of
test_web_permission_matrix: role x membership x organisation, superuser, no profile, anonymous)
against every permission function and every route, GET and POST, with expected answers written
out here from the table in lsr/web/plan/permissions_relaudit.py. Also: a round is reached only
through its own review (another review's round id gives 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from test_web_permission_matrix import KINDS, Kind, effective_role, sees

from lsr.web.plan import permissions_relaudit as rperm
from lsr.web.plan.models import Organisation, Profile, Review, Role, Theme
from lsr.web.plan.models_relaudit import AuditRound, ResponseTheme, SurveyResponse

pytestmark = pytest.mark.django_db

RUNNERS = (Role.ADMINISTRATOR, Role.REVIEWER, Role.SYSTEM_LEAD)
#: A comment no page, export or API answer says by chance.
SECRET = "Zq7x distinctive free text"


def expected(k: Kind, what: str) -> bool:
    if not sees(k):
        return False
    if what == "results":
        return True
    if what in ("run", "comments"):
        return effective_role(k) in RUNNERS
    raise AssertionError(what)


@pytest.fixture()
def world() -> dict[str, Any]:
    orgs = {
        "A": Organisation.objects.create(name="Org A"),
        "B": Organisation.objects.create(name="Org B"),
    }
    review = Review.objects.create(
        area_code="E10000025", area_name="Testshire", review_start=dt.date(2017, 11, 27),
        review_end=dt.date(2017, 12, 1),
    )  # fmt: skip
    other = Review.objects.create(
        area_code="E10000002", area_name="Elsewhere", review_start=dt.date(2017, 11, 27),
        review_end=dt.date(2017, 12, 1),
    )  # fmt: skip
    theme = Theme.objects.create(review=review, name="Culture and collaboration", order=1)
    rounds = {}
    for key, rv in (("mine", review), ("other", other)):
        r = AuditRound.objects.create(
            review=rv, name=f"Round {key}", opens=dt.date(2017, 10, 1),
            closes=dt.date(2017, 11, 1), dimensions=["Trust"], sealed=True,
        )  # fmt: skip
        r.organisations.set(orgs.values())
        rounds[key] = r
    response = SurveyResponse.objects.create(
        round=rounds["mine"], rater=orgs["A"], rated=orgs["B"], scores={"Trust": 3}, comment=SECRET
    )
    users: dict[str, Any] = {}
    for k in KINDS:
        if k.anonymous:
            users[k.name] = AnonymousUser()
            continue
        user = get_user_model().objects.create_user(
            k.name, password="x" * 20, is_superuser=k.superuser
        )
        if k.role is not None:
            profile = Profile.objects.create(
                user=user, role=k.role, organisation=orgs[k.org] if k.org else None
            )
            if k.member:
                profile.reviews.add(review)
        users[k.name] = user
    return {
        "orgs": orgs, "review": review, "other": other, "rounds": rounds,
        "response": response, "theme": theme, "users": users,
    }  # fmt: skip


def _fresh(user: Any) -> Any:
    return user if isinstance(user, AnonymousUser) else get_user_model().objects.get(pk=user.pk)


def test_every_user_kind_against_every_permission(world: dict[str, Any]) -> None:
    functions = {
        "results": rperm.can_view_results,
        "run": rperm.can_run_rounds,
        "comments": rperm.can_read_comments,
    }
    wrong = [
        f"{k.name} {what}"
        for k in KINDS
        for what, function in functions.items()
        if function(_fresh(world["users"][k.name]), world["review"]) != expected(k, what)
    ]
    assert not wrong, wrong
    for what in functions:
        assert {expected(k, what) for k in KINDS} == {True, False}


def _routes(world: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any], int]]:
    """(method, url, permission, POST data, status when allowed)."""
    review, r = world["review"], world["rounds"]["mine"]
    base = f"/reviews/{review.pk}/relational-audit"
    org_a = world["orgs"]["A"].pk
    new_round = {
        "name": "New", "opens": "2019-01-01", "closes": "2019-02-01",
        "organisations": [o.pk for o in world["orgs"].values()], "dimensions": "Trust",
    }  # fmt: skip
    return [
        ("get", f"{base}/", "results", {}, 200),
        ("get", f"{base}/{r.pk}/", "results", {}, 200),
        ("get", f"{base}/change/", "results", {}, 200),
        ("get", f"{base}/{r.pk}/results.csv", "results", {}, 200),
        ("get", f"{base}/{r.pk}/results.xlsx", "results", {}, 200),
        ("get", f"{base}/{r.pk}/results.json", "results", {}, 200),
        ("get", f"{base}/new/", "run", {}, 200),
        ("post", f"{base}/new/", "run", new_round, 302),
        ("get", f"{base}/{r.pk}/codes/", "run", {}, 200),
        ("post", f"{base}/{r.pk}/codes/", "run", {"organisation": org_a, "count": 2}, 200),
        ("get", f"{base}/{r.pk}/comments/", "comments", {}, 200),
        ("post", f"{base}/{r.pk}/comments/{world['response'].pk}/", "comments",
         {"themes": [world["theme"].pk]}, 302),
    ]  # fmt: skip


def test_every_user_kind_against_every_route(world: dict[str, Any]) -> None:
    wrong = []
    for k in KINDS:
        client = Client()
        if not k.anonymous:
            client.force_login(world["users"][k.name])
        for method, url, what, data, ok in _routes(world):
            before = (AuditRound.objects.count(), ResponseTheme.objects.count())
            response = getattr(client, method)(url, data)
            allowed = expected(k, what)
            want = ok if allowed else (302 if k.anonymous else 403)
            if response.status_code != want:
                wrong.append(f"{k.name} {method} {url}: {response.status_code}, expected {want}")
            if k.anonymous and response.status_code == 302:
                assert "/accounts/login/" in response["Location"]
            if not allowed:
                assert (AuditRound.objects.count(), ResponseTheme.objects.count()) == before
            if allowed and method == "post" and "/new/" in url:
                AuditRound.objects.filter(name="New").delete()
    assert not wrong, "\n".join(wrong)


def test_free_text_reaches_runners_only(world: dict[str, Any]) -> None:
    """The comment is on the runners' page, and on no page, export or API answer of anyone."""
    review, r = world["review"], world["rounds"]["mine"]
    for k in KINDS:
        client = Client()
        if not k.anonymous:
            client.force_login(world["users"][k.name])
        base = f"/reviews/{review.pk}/relational-audit/{r.pk}"
        for url in (
            f"{base}/",
            f"{base}/results.csv",
            f"{base}/results.json",
            f"{base}/results.xlsx",
        ):
            assert SECRET.encode() not in client.get(url).content
        comments = client.get(f"{base}/comments/")
        assert (comments.status_code == 200 and SECRET.encode() in comments.content) == expected(
            k, "comments"
        )


def test_a_round_is_reached_only_through_its_own_review(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["users"]["superuser"])
    mine, other = world["review"], world["rounds"]["other"]
    for tail in ("", "results.json", "codes/", "comments/"):
        assert (
            client.get(f"/reviews/{mine.pk}/relational-audit/{other.pk}/{tail}").status_code == 404
        )
    response = world["response"]
    url = f"/reviews/{other.review.pk}/relational-audit/{other.pk}/comments/{response.pk}/"
    assert client.post(url, {"themes": []}).status_code == 404  # the response is not that round's
    member = Client()
    member.force_login(world["users"]["lead_member"])
    assert member.get(f"/reviews/{other.review.pk}/relational-audit/{other.pk}/").status_code == 403
