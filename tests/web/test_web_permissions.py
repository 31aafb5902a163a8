"""Object-level permissions: every role against every action URL, including a partner editor
trying to change another organisation's action through each URL and form field."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lsr.web.plan.models import Action, AuditEvent, Evidence, Organisation

from action_form import action_form_data

pytestmark = pytest.mark.django_db

ROLES = ("admin", "reviewer", "lead", "partner", "viewer")
OH = "Oxford Health NHS FT"


def _own_and_other(demo: Any) -> tuple[Action, Action]:
    own = Action.objects.filter(review=demo, owner_organisation__name=OH).first()
    other = Action.objects.filter(review=demo).exclude(owner_organisation__name=OH).first()
    assert own is not None and other is not None
    return own, other


def _evidence(action: Action) -> Evidence:
    return Evidence.objects.create(
        action=action,
        note="minutes",
        file=SimpleUploadedFile("minutes.txt", b"board minutes"),
        original_name="minutes.txt",
        content_type="text/plain",
        size=13,
    )


# role -> expected HTTP status on another organisation's action
EXPECTED = {
    "admin": {"view": 200, "edit": 200, "delete": 200, "download": 200},
    "reviewer": {"view": 200, "edit": 403, "delete": 403, "download": 200},
    "lead": {"view": 200, "edit": 200, "delete": 200, "download": 200},
    "partner": {"view": 200, "edit": 403, "delete": 403, "download": 200},
    "viewer": {"view": 200, "edit": 403, "delete": 403, "download": 200},
}


@pytest.mark.parametrize("role", ROLES)
def test_matrix_on_another_organisations_action(role: str, demo: Any, client_for: Any) -> None:
    _own, other = _own_and_other(demo)
    ev = _evidence(other)
    client = client_for(role)
    expected = EXPECTED[role]
    assert client.get(f"/actions/{other.pk}/").status_code == expected["view"]
    assert client.get(f"/actions/{other.pk}/edit/").status_code == expected["edit"]
    assert client.get(f"/actions/{other.pk}/delete/").status_code == expected["delete"]
    response = client.get(f"/evidence/{ev.pk}/download/")
    assert response.status_code == expected["download"]
    assert b"".join(response.streaming_content) == b"board minutes"


@pytest.mark.parametrize("role", ROLES)
def test_edit_post_by_role(role: str, demo: Any, client_for: Any) -> None:
    own, other = _own_and_other(demo)
    client = client_for(role)
    response = client.post(f"/actions/{other.pk}/edit/", action_form_data(other, what="Changed"))
    other.refresh_from_db()
    if role in ("admin", "lead"):
        assert response.status_code == 302
        assert other.what == "Changed"
    else:
        assert response.status_code == 403
        assert other.what != "Changed"
    # the partner editor's own organisation's action
    response = client.post(f"/actions/{own.pk}/edit/", action_form_data(own, what="Own change"))
    own.refresh_from_db()
    if role in ("admin", "lead", "partner"):
        assert response.status_code == 302 and own.what == "Own change"
    else:
        assert response.status_code == 403 and own.what != "Own change"


@pytest.mark.parametrize("role", ROLES)
def test_delete_post_by_role(role: str, demo: Any, client_for: Any) -> None:
    own, _other = _own_and_other(demo)
    response = client_for(role).post(f"/actions/{own.pk}/delete/")
    exists = Action.objects.filter(pk=own.pk).exists()
    if role in ("admin", "lead"):
        assert response.status_code == 302 and not exists
    else:
        assert response.status_code == 403 and exists


def test_partner_cannot_change_other_org_via_any_url(demo: Any, client_for: Any) -> None:
    own, other = _own_and_other(demo)
    client = client_for("partner")
    before = Action.objects.get(pk=other.pk)
    milestone = other.milestones.first()
    assert milestone is not None
    denied_before = AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED).count()
    attempts = [
        client.post(f"/actions/{other.pk}/edit/", action_form_data(other, what="hijack")),
        client.post(f"/actions/{other.pk}/delete/"),
        client.post(f"/actions/{other.pk}/milestones/", {"date": "2019-01-01", "text": "x"}),
        client.post(
            f"/milestones/{milestone.pk}/done/", {"done": "true", "version": milestone.version}
        ),
        client.post(
            f"/actions/{other.pk}/evidence/",
            {"note": "x", "file": SimpleUploadedFile("a.txt", b"x")},
        ),
        # moving its own action to another organisation
        client.post(
            f"/actions/{own.pk}/edit/",
            action_form_data(own, owner_organisation=other.owner_organisation_id),
        ),
        # creating an action for another organisation
        client.post(
            f"/reviews/{demo.pk}/actions/new/",
            action_form_data(
                own, owner_organisation=other.owner_organisation_id, what="new", version=""
            ),
        ),
        client.post(f"/reviews/{demo.pk}/actions/import/", {}),
        client.post(f"/reviews/{demo.pk}/report/publish/"),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    after = Action.objects.get(pk=other.pk)
    assert (after.what, after.version, after.owner_organisation_id) == (
        before.what,
        before.version,
        before.owner_organisation_id,
    )
    own.refresh_from_db()
    assert own.owner_organisation.name == OH
    assert not Action.objects.filter(what="new").exists()
    milestone.refresh_from_db()
    assert milestone.done is False
    assert other.milestones.count() == 2 and other.evidence.count() == 0
    denied = AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED).count() - denied_before
    assert denied == len(attempts)


def test_partner_can_create_for_own_organisation(demo: Any, client_for: Any) -> None:
    own, _ = _own_and_other(demo)
    response = client_for("partner").post(
        f"/reviews/{demo.pk}/actions/new/", action_form_data(own, what="Partner action", version="")
    )
    assert response.status_code == 302
    created = Action.objects.get(what="Partner action")
    assert created.owner_organisation.name == OH


def test_posting_action_id_of_other_review_is_refused(demo: Any, client_for: Any) -> None:
    from lsr.web.plan.demo import seed_demo

    other_review = seed_demo(with_users=False)
    target = Action.objects.filter(review=other_review).first()
    assert target is not None
    # the system lead is a member of the first review only
    response = client_for("lead").post(
        f"/actions/{target.pk}/edit/", action_form_data(target, what="x")
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.what != "x"


def test_anonymous_is_sent_to_login(demo: Any, client: Any) -> None:
    action = Action.objects.first()
    assert action is not None
    for url in (f"/actions/{action.pk}/", f"/reviews/{demo.pk}/actions/", f"/reviews/{demo.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_evidence_upload_limits(demo: Any, client_for: Any, settings: Any) -> None:
    own, _ = _own_and_other(demo)
    client = client_for("partner")
    bad_type = SimpleUploadedFile("run.exe", b"MZ...")
    client.post(f"/actions/{own.pk}/evidence/", {"note": "n", "file": bad_type})
    fake_pdf = SimpleUploadedFile("x.pdf", b"not a pdf")
    client.post(f"/actions/{own.pk}/evidence/", {"note": "n", "file": fake_pdf})
    settings.EVIDENCE_MAX_BYTES = 10
    big = SimpleUploadedFile("big.txt", b"x" * 11)
    client.post(f"/actions/{own.pk}/evidence/", {"note": "n", "file": big})
    assert own.evidence.count() == 0
    ok = SimpleUploadedFile("ok.txt", b"fine")
    assert client.post(f"/actions/{own.pk}/evidence/", {"note": "n", "file": ok}).status_code == 302
    ev = own.evidence.get()
    assert ev.file.name.startswith(f"evidence/review-{demo.pk}/action-{own.pk}/")
    assert ev.size == 4


def test_findings_editing_by_role(demo: Any, client_for: Any) -> None:
    theme = demo.themes.first()
    data = {
        "improved": "Better",
        "still_to_improve": "",
        "future_focus": "",
        "reflections": "",
        "consulted": "",
    }
    url = f"/reviews/{demo.pk}/findings/{theme.pk}/edit/"
    for role in ("lead", "partner", "viewer"):
        assert client_for(role).post(url, data).status_code == 403
    theme.finding.refresh_from_db()
    assert theme.finding.improved != "Better"
    assert client_for("reviewer").post(url, data).status_code == 302
    theme.finding.refresh_from_db()
    assert theme.finding.improved == "Better"


def test_organisations_in_demo(demo: Any) -> None:
    names = set(Organisation.objects.values_list("name", flat=True))
    assert {
        "Oxfordshire County Council",
        "Oxfordshire CCG",
        OH,
        "Oxford University Hospitals NHS FT",
    } <= names
