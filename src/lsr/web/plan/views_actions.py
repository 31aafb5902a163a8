"""The action plan board, action detail, create/edit/delete, milestones and evidence.

Every view loads the action and checks the user's permission on that object on every request;
a partner editor's changes are also checked against the organisation they submit (they cannot
move an action to, or create one for, another organisation).
"""

from __future__ import annotations

import mimetypes
from html import escape
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods, require_POST

from lsr.core.indicators import get_indicator
from lsr.web.plan import audit, page_cache, permissions
from lsr.web.plan.forms import (
    ActionForm,
    BoardFilterForm,
    EvidenceForm,
    MilestoneDoneForm,
    MilestoneForm,
)
from lsr.web.plan.models import (
    Action,
    AuditEvent,
    Evidence,
    Milestone,
    Status,
    StatusChange,
    rag_for,
)
from lsr.web.plan.uploads import describe_upload
from lsr.web.plan.views_overview import review_for

DISPLAY_FIELDS = (
    ("reference", "Reference"),
    ("what", "What will be done"),
    ("area", "Area for improvement"),
    ("theme", "Theme"),
    ("owner_organisation", "Owner organisation"),
    ("owner_person", "Owner (person)"),
    ("start", "Start"),
    ("due", "Due"),
    ("status", "Status"),
    ("evidence_notes", "Evidence notes"),
    ("indicators", "Linked indicators"),
)


def _action(request: HttpRequest, action_id: int) -> Action:
    action = get_object_or_404(
        Action.objects.select_related("review", "theme", "owner_organisation", "area"),
        pk=action_id,
    )
    permissions.require_view_action(request.user, action)
    return action


#: The fields :func:`filtered_actions` loads: those the board's table reads.
BOARD_FIELDS = (
    "id",
    "review_id",
    "reference",
    "what",
    "theme__name",
    "owner_organisation__name",
    "owner_person",
    "due",
    "status",
)

#: One row of the board's table (``plan/_action_table.html``), the markup the template's loop
#: wrote; every value put into it is escaped (:func:`html.escape`, as Django's ``escape``).
_ROW = (
    '\n    <tr class="nhsuk-table__row">\n'
    '      <td class="nhsuk-table__cell"><a href="{url}">{what}</a></td>\n'
    '      <td class="nhsuk-table__cell">{theme}</td>\n'
    '      <td class="nhsuk-table__cell">{owner}</td>\n'
    '      <td class="nhsuk-table__cell">{due}</td>\n'
    '      <td class="nhsuk-table__cell">{status}</td>\n'
    '      <td class="nhsuk-table__cell">'
    '<span class="lsr-rag lsr-rag--{rag}">{rag_label}</span></td>\n'
    "    </tr>\n    "
)
_NO_ROWS = (
    '\n    <tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="6">'
    "No actions match these filters.</td></tr>\n    "
)
_PK = 987654321


def _detail_url(pk: int, pattern: list[str]) -> str:
    """The action's detail URL: ``reverse`` once per request, then the id put in its place."""
    if not pattern:
        pattern.extend(reverse("action_detail", args=[_PK]).split(str(_PK)))
    if len(pattern) != 2:  # the id's digits occur elsewhere in the URL too: reverse each time
        return reverse("action_detail", args=[pk])
    return f"{pattern[0]}{pk}{pattern[1]}"


def action_rows_html(actions: list[Action]) -> SafeString:
    """The ``<tr>`` rows of the board's table, written in Python instead of a template loop
    (per-row ``{% url %}``, filters and lookups were most of the page's rendering time): the
    same markup and text as the template wrote (``truncatewords:18``, ``date:"j M Y"``,
    ``default:"Not set"``, the RAG rating of today), every value escaped."""
    if not actions:
        return mark_safe(_NO_ROWS)
    today = timezone.localdate()
    statuses = {value: str(label) for value, label in Status.choices}
    dates: dict[Any, str] = {}
    pattern: list[str] = []
    parts = []
    for a in actions:
        rag = rag_for(a.status, a.due, today)
        if a.due is None:
            due = "Not set"
        elif a.due in dates:
            due = dates[a.due]
        else:
            due = dates[a.due] = formats.date_format(a.due, "j M Y") or "Not set"
        what = Truncator(a.what).words(18, truncate=" …")
        if a.reference:
            what = f"{a.reference}: {what}"
        owner = escape(a.owner_organisation.name)
        if a.owner_person:
            owner += "<br>" + escape(a.owner_person)
        parts.append(
            _ROW.format(
                url=escape(_detail_url(a.pk, pattern)),
                what=escape(what),
                theme=escape(a.theme.name),
                owner=owner,
                due=escape(due),
                status=escape(statuses.get(a.status, a.status)),
                rag=escape(rag.value),
                rag_label=escape(str(rag.label)),
            )
        )
    return mark_safe("".join(parts))


def filtered_actions(review: Any, data: Any) -> tuple[BoardFilterForm, list[Action]]:
    form = BoardFilterForm(data or None, review=review)
    # Only what the board shows and the permission checks read (one query, no per-row reads).
    qs = (
        Action.objects.filter(review=review)
        .select_related("theme", "owner_organisation")
        .only(*BOARD_FIELDS)
    )
    if form.is_valid():
        cd = form.cleaned_data
        if cd.get("theme"):
            qs = qs.filter(theme=cd["theme"])
        if cd.get("organisation"):
            qs = qs.filter(owner_organisation=cd["organisation"])
        if cd.get("status"):
            qs = qs.filter(status=cd["status"])
        if cd.get("overdue"):
            qs = qs.filter(due__lt=timezone.localdate()).filter(~Q(status="complete"))
    return form, list(qs)


#: The query parameters of the board's filters (``BoardFilterForm``).
FILTER_PARAMS = ("theme", "organisation", "status", "overdue")


@login_required
def board(request: HttpRequest, review_id: int) -> HttpResponse:
    rev = page_cache.revision()  # first: see lsr.web.plan.page_cache
    review = review_for(request, review_id)
    can_create = permissions.can_create_action(request.user, review)
    can_import = permissions.can_import(request.user, review)
    partial = bool(getattr(request, "htmx", False))
    filters = tuple((name, tuple(request.GET.getlist(name))) for name in FILTER_PARAMS)
    template = "plan/_action_table.html" if partial else "plan/_board_content.html"

    def build() -> str:
        form, actions = filtered_actions(review, request.GET)
        context = {
            "review": review,
            "form": form,
            "actions": actions,
            "can_create": can_create,
            "can_import": can_import,
            "action_rows": action_rows_html(actions),
        }
        return render_to_string(template, context)

    # The content depends on the user only through the two links these flags show.
    key = ("board", template, review.pk, can_create, can_import, filters)
    content = page_cache.cached_html(rev, key, build)
    if partial:
        return HttpResponse(content)
    return render(request, "plan/board.html", {"review": review, "content": content})


def _display(action: Action) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name, label in DISPLAY_FIELDS:
        value: Any = getattr(action, name)
        if name == "status":
            value = action.get_status_display()
        elif name == "indicators":
            value = ", ".join(get_indicator(i).name for i in (value or [])) or "None"
        elif value in (None, ""):
            value = "Not given"
        rows.append((label, str(value)))
    return rows


def _detail_page(
    request: HttpRequest, action: Action, *, status: int = 200, problem: str = ""
) -> HttpResponse:
    """The action's page; ``problem`` (with a 4xx ``status``) is shown as an error summary."""
    history = AuditEvent.objects.filter(
        Q(model="Action", object_id=str(action.pk))
        | Q(model__in=["Milestone", "Evidence"], after__action=action.pk)
        | Q(model__in=["Milestone", "Evidence"], before__action=action.pk)
    )[:50]
    can_edit = permissions.can_edit_action(request.user, action)
    return render(
        request,
        "plan/action_detail.html",
        {
            "action": action,
            "review": action.review,
            "rows": _display(action),
            "milestones": action.milestones.all(),
            "status_history": action.status_history.select_related("by"),
            "evidence": action.evidence.select_related("uploaded_by"),
            "history": history,
            "can_edit": can_edit,
            "can_delete": permissions.can_delete_action(request.user, action),
            "milestone_form": MilestoneForm() if can_edit else None,
            "evidence_form": EvidenceForm() if can_edit else None,
            "max_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
            "allowed_types": ", ".join(sorted(settings.EVIDENCE_ALLOWED_TYPES)),
            "problem": problem,
        },
        status=status,
    )


@login_required
def detail(request: HttpRequest, action_id: int) -> HttpResponse:
    return _detail_page(request, _action(request, action_id))


def _form_errors(form: Any) -> str:
    """A form's errors as one line, each naming its field."""
    parts: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}: {e}" if label else str(e) for e in errors)
    return "; ".join(parts)


def _touch(action_id: int, user: Any) -> None:
    """A change to an action's milestones is a change to the action: its version moves (so an
    Excel import prepared before it is refused instead of undoing it)."""
    Action.objects.filter(pk=action_id).update(
        version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )


def _record_status(action: Action, previous: str, note: str, user: Any) -> None:
    if previous != action.status or note:
        StatusChange.objects.create(
            action=action, status=action.status, previous_status=previous, note=note, by=user
        )


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    permissions.require_create_action(request.user, review, None)
    own = getattr(permissions.profile_of(request.user), "organisation", None)
    if request.method == "POST":
        form = ActionForm(request.POST, review=review)
        if form.is_valid():
            permissions.require_create_action(
                request.user, review, form.cleaned_data["owner_organisation"]
            )
            with transaction.atomic():
                action = form.save(commit=False)
                action.review = review
                action.version = 1
                action.updated_by = request.user
                action.updated_at = timezone.now()
                action.save()
                _record_status(action, "", form.cleaned_data.get("status_note", ""), request.user)
                audit.created(request.user, action)
            messages.success(request, "Action created.")
            return redirect("action_detail", action_id=action.pk)
    else:
        initial = {"owner_organisation": own} if own else {}
        form = ActionForm(review=review, initial=initial)
    return render(
        request, "plan/action_form.html", {"form": form, "review": review, "creating": True}
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _action(request, action_id)
    permissions.require_edit_action(request.user, action)
    review = action.review
    if request.method != "POST":
        form = ActionForm(instance=action, review=review)
        return render(
            request, "plan/action_form.html", {"form": form, "review": review, "action": action}
        )

    form = ActionForm(request.POST, instance=Action.objects.get(pk=action.pk), review=review)
    if not form.is_valid():
        return render(
            request,
            "plan/action_form.html",
            {"form": form, "review": review, "action": action},
            status=400,
        )
    # The organisation submitted must be one this user may own actions for, too.
    new_org = form.cleaned_data["owner_organisation"]
    if new_org.pk != action.owner_organisation_id:
        permissions.require_create_action(request.user, review, new_org)
    submitted_version = form.cleaned_data.get("version")
    with transaction.atomic():
        # Compare-and-swap on the version: only one of two concurrent saves can win.
        claimed = (
            Action.objects.filter(pk=action.pk, version=submitted_version).update(
                version=(submitted_version or 0) + 1
            )
            if submitted_version
            else 0
        )
        if claimed:
            before = audit.snapshot(action)
            updated = form.save(commit=False)
            updated.version = submitted_version + 1
            updated.updated_by = request.user
            updated.updated_at = timezone.now()
            updated.save()
            _record_status(
                updated, action.status, form.cleaned_data.get("status_note", ""), request.user
            )
            audit.updated(request.user, updated, before)
    if claimed:
        messages.success(request, "Your changes were saved.")
        return redirect("action_detail", action_id=action.pk)
    return _conflict(request, action.pk, form)


def _conflict(request: HttpRequest, action_id: int, form: ActionForm) -> HttpResponse:
    """A stale form: show both versions; keep the user's input in a form they can resubmit."""
    current = Action.objects.select_related(
        "updated_by", "theme", "owner_organisation", "area"
    ).get(pk=action_id)
    theirs = _display(current)
    mine_action = Action(review=current.review, version=current.version)
    for name, _label in DISPLAY_FIELDS:
        setattr(mine_action, name, form.cleaned_data.get(name))
    mine = _display(mine_action)
    by = current.updated_by.get_username() if current.updated_by else "another user"
    when = timezone.localtime(current.updated_at).strftime("%H:%M")
    data = request.POST.copy()
    data["version"] = str(current.version)
    retry = ActionForm(data, instance=current, review=current.review)
    retry.is_valid()
    return render(
        request,
        "plan/action_conflict.html",
        {
            "action": current,
            "review": current.review,
            "changed_by": by,
            "changed_at": when,
            "rows": [
                (label, m, t, m != t) for (label, m), (_l, t) in zip(mine, theirs, strict=True)
            ],
            "form": retry,
        },
        status=409,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _action(request, action_id)
    permissions.require_delete_action(request.user, action)
    if request.method == "POST":
        review_id = action.review_id
        with transaction.atomic():
            before = audit.snapshot(action)
            pk = action.pk
            action.delete()
            action.pk = pk
            audit.deleted(request.user, action, before)
        messages.success(request, "Action deleted.")
        return redirect("board", review_id=review_id)
    return render(request, "plan/action_delete.html", {"action": action, "review": action.review})


@login_required
@require_POST
def milestone_add(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _action(request, action_id)
    permissions.require_edit_action(request.user, action)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            # Lock order everywhere: the action, then its milestones.
            Action.objects.select_for_update(no_key=True).filter(pk=action.pk).first()
            milestone = form.save(commit=False)
            milestone.action = action
            milestone.save()
            _touch(action.pk, request.user)
            audit.created(request.user, milestone)
        messages.success(request, "Milestone added.")
    else:
        messages.error(request, f"The milestone was not added: {_form_errors(form)}")
    return redirect("action_detail", action_id=action.pk)


def _milestone_changed(milestone: Milestone) -> str:
    """``by lead at 14:03``, from the audit trail, for a conflict message."""
    last = AuditEvent.objects.filter(model="Milestone", object_id=str(milestone.pk)).first()
    if last is None:
        return ""
    when = timezone.localtime(last.at).strftime("%H:%M")
    return f" by {last.actor_username or 'another user'} at {when}"


@login_required
@require_POST
def milestone_set_done(request: HttpRequest, milestone_id: int) -> HttpResponse:
    """Mark a milestone done or not done. The request says the state it wants and the version
    it saw, never "toggle": two people marking it done leave it done, and a request made from
    a page older than the milestone's last change is refused with the current state."""
    milestone = get_object_or_404(
        Milestone.objects.select_related("action__review"), pk=milestone_id
    )
    action = milestone.action
    permissions.require_edit_action(request.user, action)
    form = MilestoneDoneForm(request.POST)
    if not form.is_valid():
        problem = f"The milestone was not changed: {_form_errors(form)}"
        return _detail_page(request, action, status=400, problem=problem)
    want, seen = form.cleaned_data["done"], form.cleaned_data["version"]
    saved = False
    with transaction.atomic():
        Action.objects.select_for_update(no_key=True).filter(pk=action.pk).first()
        current = Milestone.objects.select_for_update(no_key=True).filter(pk=milestone.pk).first()
        if current is not None and current.version == seen:
            before = audit.snapshot(current)
            current.done = want
            current.version += 1
            current.save()
            _touch(action.pk, request.user)
            audit.updated(request.user, current, before)
            saved = True
    if current is None:
        problem = (
            f"The milestone “{milestone.text}” was deleted since you opened this page "
            "(an import may have replaced the milestones); nothing was changed."
        )
        return _detail_page(request, action, status=409, problem=problem)
    if not saved:
        state = "done" if current.done else "not done"
        problem = (
            f"The milestone “{current.text}” was changed{_milestone_changed(current)} since "
            f"you opened this page; it is now marked as {state}. Your change was not saved: "
            "check it and try again."
        )
        return _detail_page(request, action, status=409, problem=problem)
    messages.success(request, f"Milestone marked as {'done' if want else 'not done'}.")
    return redirect("action_detail", action_id=action.pk)


@login_required
@require_POST
def evidence_add(request: HttpRequest, action_id: int) -> HttpResponse:
    action = _action(request, action_id)
    permissions.require_edit_action(request.user, action)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, f"The evidence was not added: {_form_errors(form)}")
        return redirect("action_detail", action_id=action.pk)
    with transaction.atomic():
        evidence = form.save(commit=False)
        evidence.action = action
        evidence.uploaded_by = request.user
        upload = form.cleaned_data.get("file")
        if upload:
            describe_upload(evidence, upload)
        evidence.save()
        audit.created(request.user, evidence)
    messages.success(request, "Evidence added.")
    return redirect("action_detail", action_id=action.pk)


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("action__review"), pk=evidence_id)
    permissions.require_view_action(request.user, evidence.action)
    if not evidence.file:
        raise Http404("this evidence has no file")
    content_type = evidence.content_type or mimetypes.guess_type(evidence.original_name)[0]
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name or "evidence",
        content_type=content_type or "application/octet-stream",
    )
