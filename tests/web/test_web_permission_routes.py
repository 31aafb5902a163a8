"""The permission matrix on the routes that change data: every kind of user of
test_web_permission_matrix.py posts a valid change to every such route (creating an action for
organisation A and for organisation B, editing the action, adding a milestone and evidence to
it, writing a finding and an area for improvement, importing, publishing, deleting).

The expected answer comes from the matrix's rules (``expected``), not from the code: a user
the rules refuse gets 403 (or 404, or is sent to log in when anonymous) and **nothing changes**
in the database; a user the rules allow gets the change made. The GET pages are in the matrix
module; this covers the POST side of the same rules, where a view could check the wrong rule,
check it after saving, or only on GET."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from test_web_permission_matrix import KINDS, Kind, expected
from test_web_permission_matrix import world as world  # the shared fixture

from lsr.web.plan.models import (
    Action,
    AreaForImprovement,
    Evidence,
    Finding,
    Milestone,
    PriorityGroup,
    PublishedReport,
    Status,
)

pytestmark = pytest.mark.django_db


def _state(action_pk: int) -> tuple[Any, ...]:
    """Everything the routes below could change."""
    action = Action.objects.filter(pk=action_pk).values_list("what", "version").first()
    return (
        action,
        Action.objects.count(),
        Milestone.objects.count(),
        Evidence.objects.count(),
        Finding.objects.count(),
        AreaForImprovement.objects.count(),
        PublishedReport.objects.count(),
    )


def _routes(w: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(url, permission, valid body) for every changing route; delete last (it removes the
    action the others use)."""
    r, a = w["review"].pk, w["action"].pk
    theme = w["action"].theme_id
    orgs = w["orgs"]

    def action_body(org: str, what: str) -> dict[str, Any]:
        return {
            "what": what,
            "theme": theme,
            "owner_organisation": orgs[org].pk,
            "status": Status.NOT_STARTED,
            "version": 1,
        }

    return [
        (f"/reviews/{r}/actions/new/", "create_a", action_body("A", "For A")),
        (f"/reviews/{r}/actions/new/", "create_b", action_body("B", "For B")),
        (f"/actions/{a}/edit/", "edit", action_body("A", "Changed")),
        (f"/actions/{a}/milestones/", "edit", {"date": "2018-01-31", "text": "First step"}),
        (f"/actions/{a}/evidence/", "edit", {"note": "Minutes of the board"}),
        (f"/reviews/{r}/findings/{theme}/edit/", "findings", {"improved": "Flow improved"}),
        (
            f"/reviews/{r}/areas/new/",
            "findings",
            {"priority_group": PriorityGroup.STRATEGIC, "text": "Shared data", "order": 1},
        ),
        (f"/reviews/{r}/actions/import/", "import", {}),
        (f"/reviews/{r}/report/publish/", "publish", {}),
        (f"/actions/{a}/delete/", "delete", {}),
    ]


#: Allowed publishing renders a PDF (seconds); one administrator and one reviewer do it here,
#: the function matrix covers every kind's answer.
PUBLISHERS = ("superuser", "reviewer_outsider")


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_user_kind_against_every_changing_route(kind: Kind, world: dict[str, Any]) -> None:
    client = Client()
    if not kind.anonymous:
        client.force_login(world["users"][kind.name])
    action_pk = world["action"].pk
    wrong = []
    for url, what, body in _routes(world):
        allowed = not kind.anonymous and expected(kind, what)
        if allowed and what == "publish" and kind.name not in PUBLISHERS:
            continue
        before = _state(action_pk)
        status = client.post(url, body).status_code
        after = _state(action_pk)
        if not allowed:
            refused = (302, 401, 403) if kind.anonymous else (403, 404)
            if status not in refused or after != before:
                wrong.append(f"{url} ({what}): {status}, changed: {after != before}")
        elif what == "import":  # no file: the form is shown again with its error
            if status != 200 or after != before:
                wrong.append(f"{url} ({what}): {status}, changed: {after != before}")
        elif status != 302 or after == before:
            wrong.append(f"{url} ({what}): {status}, changed: {after != before}")
    assert not wrong, f"{kind.name}: " + "; ".join(wrong)


def test_the_route_matrix_is_not_trivial() -> None:
    """Every changing route is allowed to some kinds and refused to others."""
    for what in ("create_a", "create_b", "edit", "findings", "import", "publish", "delete"):
        assert {expected(k, what) for k in KINDS if not k.anonymous} == {True, False}, what
