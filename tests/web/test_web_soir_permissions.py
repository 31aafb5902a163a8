"""The SOIR and engagement log permission rules as a matrix: every kind of user (role x
membership of the review x organisation: the answering organisation A, another recipient B, or
none) against every answer relation (A's draft, A's submitted answer, B's draft) and every
route that reads or changes an answer, a request or the engagement log.

Expected answers come from the table written out here (from ``permissions_soir``'s docstring),
not from the code under test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from lsr.web.plan.models import Organisation, Profile, Review, Role, Theme
from lsr.web.plan.models_soir import (
    Answer,
    AnswerEvidence,
    AnswerStatus,
    EngagementParticipant,
    EngagementRecord,
    InformationRequest,
    Question,
    QuestionKind,
    Recipient,
    RequestStatus,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Kind:
    name: str
    role: str | None
    member: bool = False
    org: str | None = None
    superuser: bool = False
    anonymous: bool = False


KINDS = (
    Kind("superuser", None, superuser=True),
    Kind("reviewer_outsider", Role.REVIEWER),
    Kind("lead_member_org_a", Role.SYSTEM_LEAD, member=True, org="A"),
    Kind("lead_member_no_org", Role.SYSTEM_LEAD, member=True),
    Kind("lead_outsider_org_a", Role.SYSTEM_LEAD, org="A"),
    Kind("partner_member_org_a", Role.PARTNER_EDITOR, member=True, org="A"),
    Kind("partner_member_org_b", Role.PARTNER_EDITOR, member=True, org="B"),
    Kind("partner_member_org_c", Role.PARTNER_EDITOR, member=True, org="C"),
    Kind("partner_outsider_org_a", Role.PARTNER_EDITOR, org="A"),
    Kind("viewer_member_org_a", Role.VIEWER, member=True, org="A"),
    Kind("no_profile", None),
    Kind("anonymous", None, anonymous=True),
)

#: The answers: organisation A's draft, A's submitted answer, B's draft.
ANSWERS = ("a_draft", "a_submitted", "b_draft")
ANSWER_ORG = {"a_draft": "A", "a_submitted": "A", "b_draft": "B"}


def role(k: Kind) -> str | None:
    return Role.ADMINISTRATOR if k.superuser else k.role


def sees(k: Kind) -> bool:
    r = role(k)
    return r is not None and (r in (Role.ADMINISTRATOR, Role.REVIEWER) or k.member)


def own(k: Kind, org: str) -> bool:
    r = role(k)
    if r == Role.ADMINISTRATOR:
        return True
    return r in (Role.PARTNER_EDITOR, Role.SYSTEM_LEAD) and k.org == org


def see_org(k: Kind, org: str) -> bool:
    if not sees(k):
        return False
    return own(k, org) if role(k) == Role.PARTNER_EDITOR else True


def expected(k: Kind, what: str, answer: str) -> bool:
    org = ANSWER_ORG[answer]
    submitted = answer == "a_submitted"
    manager = role(k) in (Role.ADMINISTRATOR, Role.REVIEWER, Role.SYSTEM_LEAD) and sees(k)
    if what in ("read", "download"):
        return see_org(k, org) and (submitted or own(k, org))
    if what in ("save", "evidence"):
        return sees(k) and own(k, org) and not submitted
    if what == "reopen":
        return manager and submitted and see_org(k, org)
    if what == "org_page":
        return see_org(k, org)
    raise AssertionError(what)


@pytest.fixture()
def world(settings: Any) -> dict[str, Any]:
    orgs = {n: Organisation.objects.create(name=f"Org {n}") for n in "ABC"}
    review = Review.objects.create(
        area_code="E10000025", area_name="Testshire", review_start=date(2017, 11, 27),
        review_end=date(2017, 12, 1),
    )  # fmt: skip
    theme = Theme.objects.create(review=review, name="Carers", order=8)
    soir = InformationRequest.objects.create(
        review=review, title="Request", status=RequestStatus.SENT,
        due=timezone.localdate() + timedelta(days=10), sent_at=timezone.now(),
    )  # fmt: skip
    question = Question.objects.create(
        request=soir, theme=theme, kind=QuestionKind.TEXT, text="How are carers supported?"
    )
    answers = {}
    for name in ANSWERS:
        org = orgs[ANSWER_ORG[name]]
        Recipient.objects.get_or_create(request=soir, organisation=org)
        q = question if name != "a_submitted" else Question.objects.create(
            request=soir, theme=theme, kind=QuestionKind.TEXT, text="Second question"
        )  # fmt: skip
        status = AnswerStatus.SUBMITTED if name == "a_submitted" else AnswerStatus.DRAFT
        answers[name] = Answer.objects.create(
            question=q, organisation=org, value=f"secret {name}", status=status,
            submitted_at=timezone.now() if status == AnswerStatus.SUBMITTED else None,
        )  # fmt: skip
        AnswerEvidence.objects.create(
            answer=answers[name],
            note="n",
            file=SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4 x"),
            original_name=f"{name}.pdf",
        )
    record = EngagementRecord.objects.create(
        review=review, kind="interview", date=date(2018, 11, 6), title="Interview",
        notes="Confidential reviewer note",
    )  # fmt: skip
    EngagementParticipant.objects.create(record=record, group="staff", roles="nurses", count=3)
    users: dict[str, Any] = {}
    for k in KINDS:
        if k.anonymous:
            continue
        user = get_user_model().objects.create_user(
            k.name, password="x" * 20, is_superuser=k.superuser
        )
        if k.role is not None:
            p = Profile.objects.create(
                user=user, role=k.role, organisation=orgs[k.org] if k.org else None
            )
            if k.member:
                p.reviews.add(review)
        users[k.name] = user
    return {"review": review, "soir": soir, "answers": answers, "users": users, "orgs": orgs,
            "record": record}  # fmt: skip


def _client(world: dict[str, Any], k: Kind) -> Client:
    client = Client()
    if not k.anonymous:
        client.force_login(world["users"][k.name])
    return client


def _allowed(response: Any) -> bool:
    if response.status_code in (200, 302) and not (
        response.status_code == 302 and "/accounts/login/" in response["Location"]
    ):
        return True
    assert response.status_code in (302, 403, 404), response.status_code
    return False


ROUTES = ("read", "download", "org_page", "save", "evidence", "reopen")


def _call(client: Client, what: str, answer: Answer, evidence: Any, org_page: str) -> Any:
    if what == "read":
        return client.get(f"/soir-answers/{answer.pk}/")
    if what == "download":
        return client.get(f"/soir-evidence/{evidence.pk}/download/")
    if what == "org_page":
        return client.get(org_page)
    if what == "save":
        version = Answer.objects.get(pk=answer.pk).version
        data = {"value": "changed", "version": version, "intent": "save"}
        return client.post(f"/soir-answers/{answer.pk}/", data)
    if what == "evidence":
        return client.post(f"/soir-answers/{answer.pk}/evidence/", {"note": "more evidence"})
    return client.post(f"/soir-answers/{answer.pk}/reopen/")


@pytest.mark.parametrize("k", KINDS, ids=lambda k: k.name)
def test_answer_routes_matrix(world: dict[str, Any], k: Kind) -> None:
    client = _client(world, k)
    soir = world["soir"]
    for name, answer in world["answers"].items():
        evidence = answer.evidence.first()
        org_id = answer.organisation_id
        before = Answer.objects.get(pk=answer.pk)
        for what in ROUTES:
            previous = Answer.objects.get(pk=answer.pk)
            response = _call(
                client, what, answer, evidence, f"/soir/{soir.pk}/organisations/{org_id}/"
            )
            want = expected(k, what, name)
            got = _allowed(response)
            assert got == want, (k.name, name, what, response.status_code)
            if what in ("read", "org_page") and f"secret {name}" in response.content.decode():
                # Content of an answer shows only to those who may read it.
                assert expected(k, "read", name), (k.name, name, what)
            if not want:
                # A refused request changed nothing.
                after = Answer.objects.get(pk=answer.pk)
                assert (after.value, after.status, after.version) == (
                    previous.value, previous.status, previous.version,
                )  # fmt: skip
        # Put the answer back for the next kind of request.
        Answer.objects.filter(pk=answer.pk).update(
            value=before.value, status=before.status, version=before.version
        )


MANAGER_ROLES = (Role.ADMINISTRATOR, Role.REVIEWER, Role.SYSTEM_LEAD)


def _manager(k: Kind) -> bool:
    return role(k) in (Role.ADMINISTRATOR, Role.REVIEWER, Role.SYSTEM_LEAD) and sees(k)


@pytest.mark.parametrize("k", KINDS, ids=lambda k: k.name)
def test_request_and_engagement_routes_matrix(world: dict[str, Any], k: Kind) -> None:
    client = _client(world, k)
    review, soir, record = world["review"], world["soir"], world["record"]
    logger = role(k) in (Role.ADMINISTRATOR, Role.REVIEWER) and sees(k)
    checks = {
        f"/reviews/{review.pk}/soir/": sees(k),
        f"/soir/{soir.pk}/": sees(k),
        f"/soir/{soir.pk}/answers/": sees(k),
        f"/reviews/{review.pk}/soir/new/": _manager(k),
        f"/reviews/{review.pk}/engagement/": sees(k),
        f"/reviews/{review.pk}/engagement/new/": logger,
        f"/reviews/{review.pk}/engagement/{record.pk}/edit/": logger,
        "/soir-templates/": role(k) is not None,
        "/soir-templates/export.xlsx": role(k) in MANAGER_ROLES,
        "/soir-templates/import/": role(k) in (Role.ADMINISTRATOR, Role.REVIEWER),
    }
    for url, want in checks.items():
        response = client.get(url)
        assert _allowed(response) == want, (k.name, url, response.status_code)
    notes = client.get(f"/reviews/{review.pk}/engagement/")
    shows = "Confidential reviewer note" in notes.content.decode()
    assert shows == _manager(k), k.name
    # Sending is for managers only; a refused send leaves the request as it was.
    draft = InformationRequest.objects.create(review=review, title="Draft")
    Question.objects.create(
        request=draft, theme=soir.questions.first().theme, kind="text", text="Q"
    )
    response = client.post(
        f"/soir/{draft.pk}/send/",
        {"organisations": [world["orgs"]["A"].pk], "due": "2099-01-01"},
    )
    sent = InformationRequest.objects.get(pk=draft.pk).status == RequestStatus.SENT
    assert sent == _manager(k), (k.name, response.status_code)
    # The answers list shows other organisations' drafts to nobody but administrators.
    listing = client.get(f"/soir/{soir.pk}/answers/").content.decode()
    assert "secret b_draft" not in listing
    assert "secret a_draft" not in listing
    assert ("secret a_submitted" in listing) == see_org(k, "A")
