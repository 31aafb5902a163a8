"""The system overview information request (SOIR): build a request from question templates,
send it to organisations with a due date, follow completion per organisation, answer it (the
answering organisation only: drafts, evidence, submit; locked once submitted; reopened by a
reviewer or system lead), and the question templates' Excel export and import.

Every view loads the object and checks the user's permission on it on every request
(:mod:`lsr.web.plan.permissions_soir`); every change is audited (:mod:`lsr.web.plan.audit`).
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lsr.web.plan import audit, excel_soir
from lsr.web.plan import permissions_soir as perm
from lsr.web.plan.forms import ImportForm
from lsr.web.plan.forms_soir import AnswerEvidenceForm, AnswerForm, RequestBuildForm, SendForm
from lsr.web.plan.models import THEMES, AuditEvent, Organisation
from lsr.web.plan.models_soir import (
    Answer,
    AnswerEvidence,
    AnswerStatus,
    InformationRequest,
    Question,
    QuestionTemplate,
    Recipient,
    RequestStatus,
)
from lsr.web.plan.permissions import require_view_review
from lsr.web.plan.soir_progress import completion
from lsr.web.plan.uploads import describe_upload
from lsr.web.plan.views_actions import _form_errors
from lsr.web.plan.views_overview import review_for

NAV = "soir"


def _request(request: HttpRequest, request_id: int) -> InformationRequest:
    soir = get_object_or_404(InformationRequest.objects.select_related("review"), pk=request_id)
    require_view_review(request.user, soir.review)
    return soir


def _answer(request: HttpRequest, answer_id: int) -> Answer:
    answer = get_object_or_404(
        Answer.objects.select_related(
            "question__request__review", "question__theme", "organisation"
        ),
        pk=answer_id,
    )
    perm.require_read_answer(request.user, answer)
    return answer


@login_required
def soir_list(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    requests = list(review.soirs.all())
    return render(
        request,
        "plan/soir/list.html",
        {
            "review": review,
            "nav": NAV,
            "requests": requests,
            "can_manage": perm.can_manage_soir(request.user, review),
            "can_log": perm.can_log_engagement(request.user, review),
        },
    )


def _grouped_templates(form: RequestBuildForm) -> list[tuple[str, list[Any]]]:
    """The template checkboxes grouped by the nine themes, in report order."""
    by_theme: dict[str, list[Any]] = {name: [] for name in THEMES}
    kinds = {t.pk: t for t in QuestionTemplate.objects.all()}
    for choice in form["templates"]:
        template = kinds.get(int(str(choice.data["value"])))
        if template is not None:
            by_theme.setdefault(template.theme, []).append((choice, template))
    return [(name, items) for name, items in by_theme.items() if items]


@login_required
@require_http_methods(["GET", "POST"])
def soir_build(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    perm.require_manage_soir(request.user, review)
    form = RequestBuildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        themes = {t.name: t for t in review.themes.all()}
        chosen = list(form.cleaned_data["templates"])
        unknown = sorted({t.theme for t in chosen if t.theme not in themes})
        if unknown:
            form.add_error("templates", f"This review has no theme {', '.join(unknown)}")
        else:
            with transaction.atomic():
                soir = InformationRequest.objects.create(
                    review=review, title=form.cleaned_data["title"], created_by=request.user
                )
                audit.created(request.user, soir)
                for order, t in enumerate(chosen, start=1):
                    q = Question.objects.create(
                        request=soir,
                        theme=themes[t.theme],
                        template=t,
                        kind=t.kind,
                        text=t.text,
                        guidance=t.guidance,
                        choices=t.choices,
                        order=order,
                    )
                    audit.created(request.user, q)
            messages.success(request, f"Request built with {len(chosen)} questions.")
            return redirect("soir_detail", request_id=soir.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "plan/soir/build.html",
        {"review": review, "nav": NAV, "form": form, "groups": _grouped_templates(form)},
        status=status,
    )


def _questions_by_theme(soir: InformationRequest) -> list[tuple[str, list[Question]]]:
    groups: dict[str, list[Question]] = {}
    for q in soir.questions.select_related("theme"):
        groups.setdefault(q.theme.name, []).append(q)
    return list(groups.items())


@login_required
def soir_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    soir = _request(request, request_id)
    review = soir.review
    can_manage = perm.can_manage_soir(request.user, review)
    recipients = list(soir.recipients.select_related("organisation"))
    own = [r.organisation for r in recipients if perm.is_own_org(request.user, r.organisation_id)]
    progress = completion(soir) if soir.status != RequestStatus.DRAFT else None
    send_form = SendForm() if can_manage and soir.status == RequestStatus.DRAFT else None
    return render(
        request,
        "plan/soir/detail.html",
        {
            "review": review,
            "nav": NAV,
            "soir": soir,
            "groups": _questions_by_theme(soir),
            "recipients": recipients,
            "own_orgs": own,
            "progress": progress,
            "can_manage": can_manage,
            "send_form": send_form,
            "can_open": {
                r.organisation_id: perm.can_see_org_answers(request.user, soir, r.organisation_id)
                for r in recipients
            },
        },
    )


@login_required
@require_POST
def soir_send(request: HttpRequest, request_id: int) -> HttpResponse:
    soir = _request(request, request_id)
    perm.require_manage_soir(request.user, soir.review)
    form = SendForm(request.POST)
    if soir.status != RequestStatus.DRAFT:
        messages.error(request, "This request was already sent; it cannot be sent again.")
        return redirect("soir_detail", request_id=soir.pk)
    if not form.is_valid():
        messages.error(request, f"The request was not sent: {_form_errors(form)}")
        return redirect("soir_detail", request_id=soir.pk)
    with transaction.atomic():
        locked = InformationRequest.objects.select_for_update().get(pk=soir.pk)
        if locked.status != RequestStatus.DRAFT:
            messages.error(request, "This request was already sent; it cannot be sent again.")
            return redirect("soir_detail", request_id=soir.pk)
        before = audit.snapshot(locked)
        locked.status = RequestStatus.SENT
        locked.due = form.cleaned_data["due"]
        locked.sent_at = timezone.now()
        locked.save()
        orgs: list[Organisation] = list(form.cleaned_data["organisations"])
        names = ", ".join(o.name for o in orgs)
        audit.updated(request.user, locked, before, f"sent to {names}")
        questions = list(locked.questions.all())
        for org in orgs:
            recipient = Recipient.objects.create(request=locked, organisation=org)
            audit.created(request.user, recipient)
            for q in questions:
                answer = Answer.objects.create(question=q, organisation=org, updated_by=None)
                audit.created(
                    request.user, answer, "empty answer created when the request was sent"
                )
    messages.success(request, f"Request sent to {len(orgs)} organisations.")
    return redirect("soir_detail", request_id=soir.pk)


@login_required
def soir_org(request: HttpRequest, request_id: int, organisation_id: int) -> HttpResponse:
    """One organisation's answers to a request."""
    soir = _request(request, request_id)
    perm.require_see_org_answers(request.user, soir, organisation_id)
    recipient = get_object_or_404(
        Recipient.objects.select_related("organisation"),
        request=soir,
        organisation_id=organisation_id,
    )
    answers = list(
        Answer.objects.filter(question__request=soir, organisation_id=organisation_id)
        .select_related("question__theme", "submitted_by")
        .order_by("question__theme__order", "question__order", "id")
    )
    rows = [(a, perm.can_read_answer(request.user, a)) for a in answers]
    return render(
        request,
        "plan/soir/organisation.html",
        {
            "review": soir.review,
            "nav": NAV,
            "soir": soir,
            "organisation": recipient.organisation,
            "rows": rows,
            "answers_for_own": perm.is_own_org(request.user, organisation_id),
        },
    )


@login_required
def soir_answers(request: HttpRequest, request_id: int) -> HttpResponse:
    """The submitted answers, with their links to actions and findings."""
    soir = _request(request, request_id)
    answers = [
        a
        for a in Answer.objects.filter(question__request=soir, status=AnswerStatus.SUBMITTED)
        .select_related("question__theme", "organisation", "question__request__review")
        .prefetch_related("actions", "findings__theme", "evidence")
        .order_by("question__theme__order", "question__order", "organisation__name")
        if perm.can_read_answer(request.user, a)
    ]
    return render(
        request,
        "plan/soir/answers.html",
        {"review": soir.review, "nav": NAV, "soir": soir, "answers": answers},
    )


def _answer_page(
    request: HttpRequest,
    answer: Answer,
    form: AnswerForm | None = None,
    *,
    status: int = 200,
    problem: str = "",
) -> HttpResponse:
    can_answer = perm.can_answer(request.user, answer)
    if form is None and can_answer:
        form = AnswerForm(answer=answer)
    history = AuditEvent.objects.filter(model="Answer", object_id=str(answer.pk))[:30]
    return render(
        request,
        "plan/soir/answer.html",
        {
            "review": answer.question.request.review,
            "nav": NAV,
            "soir": answer.question.request,
            "answer": answer,
            "question": answer.question,
            "form": form if can_answer else None,
            "evidence_form": AnswerEvidenceForm() if can_answer else None,
            "evidence": answer.evidence.select_related("uploaded_by"),
            "linked_actions": answer.actions.all(),
            "linked_findings": answer.findings.select_related("theme"),
            "can_reopen": perm.can_reopen(request.user, answer),
            "history": history,
            "max_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
            "allowed_types": ", ".join(sorted(settings.EVIDENCE_ALLOWED_TYPES)),
            "problem": problem,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def answer_view(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(request, answer_id)
    if request.method != "POST":
        return _answer_page(request, answer)
    perm.require_answer(request.user, answer)
    form = AnswerForm(request.POST, answer=answer)
    if not form.is_valid():
        problem = f"The answer was not saved: {_form_errors(form) or 'check the form'}"
        return _answer_page(request, answer, form, status=400, problem=problem)
    seen = form.cleaned_data["version"]
    submit = form.cleaned_data["intent"] == "submit"
    with transaction.atomic():
        claimed = Answer.objects.filter(
            pk=answer.pk, version=seen, status=AnswerStatus.DRAFT
        ).update(version=F("version") + 1)
        if claimed:
            current = Answer.objects.select_related("question__request").get(pk=answer.pk)
            before = audit.snapshot(current)
            before_links = _links(current)
            current.value = form.stored_value()
            current.updated_by = request.user
            current.updated_at = timezone.now()
            if submit:
                current.status = AnswerStatus.SUBMITTED
                current.submitted_at = current.updated_at
                current.submitted_by = request.user
            current.save()
            current.actions.set(form.cleaned_data["actions"])
            current.findings.set(form.cleaned_data["findings"])
            after_links = _links(current)
            detail = "submitted (locked)" if submit else "draft saved"
            if after_links != before_links:
                detail += f"; links {before_links} -> {after_links}"
            audit.updated(request.user, current, before, detail)
    if claimed:
        messages.success(
            request, "Your answer was submitted and is now locked." if submit else "Draft saved."
        )
        return redirect("soir_answer", answer_id=answer.pk)
    current = Answer.objects.select_related(
        "question__request__review", "question__theme", "organisation", "updated_by"
    ).get(pk=answer.pk)
    by = current.updated_by.get_username() if current.updated_by else "another user"
    when = timezone.localtime(current.updated_at).strftime("%H:%M")
    state = "submitted" if current.submitted else "saved"
    problem = (
        f"This answer was {state} by {by} at {when} since you opened this page; your change was "
        f"not saved. The answer now reads: “{current.value or '(empty)'}”. "
        + ("Check it and save again." if not current.submitted else "It is locked.")
    )
    retry = None
    if perm.can_answer(request.user, current):
        data = request.POST.copy()
        data["version"] = str(current.version)
        retry = AnswerForm(data, answer=current)
        retry.is_valid()
    return _answer_page(request, current, retry, status=409, problem=problem)


def _links(answer: Answer) -> dict[str, list[int]]:
    return {
        "actions": sorted(answer.actions.values_list("pk", flat=True)),
        "findings": sorted(answer.findings.values_list("pk", flat=True)),
    }


@login_required
@require_POST
def answer_reopen(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(request, answer_id)
    perm.require_reopen(request.user, answer)
    with transaction.atomic():
        claimed = Answer.objects.filter(pk=answer.pk, status=AnswerStatus.SUBMITTED).update(
            status=AnswerStatus.DRAFT, version=F("version") + 1
        )
        if claimed:
            current = Answer.objects.get(pk=answer.pk)
            before = audit.snapshot(answer)
            audit.updated(request.user, current, before, "reopened (unlocked for changes)")
    messages.success(request, "The answer was reopened: the organisation can change it again.")
    return redirect("soir_answer", answer_id=answer.pk)


@login_required
@require_POST
def answer_evidence_add(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = _answer(request, answer_id)
    perm.require_answer(request.user, answer)
    form = AnswerEvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, f"The evidence was not added: {_form_errors(form)}")
        return redirect("soir_answer", answer_id=answer.pk)
    with transaction.atomic():
        evidence = form.save(commit=False)
        evidence.answer = answer
        evidence.uploaded_by = request.user
        upload = form.cleaned_data.get("file")
        if upload:
            describe_upload(evidence, upload)
        evidence.save()
        Answer.objects.filter(pk=answer.pk).update(
            version=F("version") + 1, updated_by=request.user, updated_at=timezone.now()
        )
        audit.created(request.user, evidence)
    messages.success(request, "Evidence added.")
    return redirect("soir_answer", answer_id=answer.pk)


@login_required
def answer_evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = get_object_or_404(
        AnswerEvidence.objects.select_related("answer__question__request__review"), pk=evidence_id
    )
    perm.require_read_answer(request.user, evidence.answer)
    if not evidence.file:
        raise Http404("this evidence has no file")
    content_type = evidence.content_type or mimetypes.guess_type(evidence.original_name)[0]
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name or "evidence",
        content_type=content_type or "application/octet-stream",
    )


# --- question templates ---------------------------------------------------------------------


@login_required
def templates_list(request: HttpRequest) -> HttpResponse:
    perm.require_read_templates(request.user)
    groups: dict[str, list[QuestionTemplate]] = {name: [] for name in THEMES}
    for t in QuestionTemplate.objects.all():
        groups.setdefault(t.theme, []).append(t)
    return render(
        request,
        "plan/soir/templates.html",
        {
            "groups": [(n, ts) for n, ts in groups.items()],
            "can_export": perm.can_export_templates(request.user),
            "can_import": perm.can_import_templates(request.user),
        },
    )


@login_required
def templates_export(request: HttpRequest) -> HttpResponse:
    perm.require_export_templates(request.user)
    data = excel_soir.export_templates()
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="soir-question-templates.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def templates_import(request: HttpRequest) -> HttpResponse:
    perm.require_import_templates(request.user)
    errors: list[str] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["file"].label = "Question templates workbook (.xlsx)"
    if request.method == "POST" and form.is_valid():
        try:
            result = excel_soir.import_templates(form.cleaned_data["file"].read(), request.user)
        except excel_soir.ImportError_ as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                f"Imported question templates: {result.created} created, "
                f"{result.updated} updated, {result.unchanged} unchanged.",
            )
            return redirect("soir_templates")
    elif request.method == "POST":
        errors = [_form_errors(form)]
    return render(
        request,
        "plan/soir/templates_import.html",
        {"form": form, "errors": errors},
        status=400 if errors else 200,
    )
