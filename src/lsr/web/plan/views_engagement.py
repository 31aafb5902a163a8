"""The engagement log: interviews, focus groups and visits of a review: who was spoken with by
role and organisation (never an identity), the date, the themes discussed, and notes read by
reviewers and system leads only. Written by reviewers (and administrators); audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from lsr.web.plan import audit
from lsr.web.plan import permissions_soir as perm
from lsr.web.plan.engagement import people_spoken_with
from lsr.web.plan.forms_soir import EngagementForm, ParticipantFormSet
from lsr.web.plan.models_soir import EngagementRecord
from lsr.web.plan.permissions import require_view_review
from lsr.web.plan.views_overview import review_for

NAV = "soir"


@login_required
def engagement_list(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    records = list(
        review.engagements.prefetch_related("participants", "themes").order_by("-date", "-id")
    )
    return render(
        request,
        "plan/soir/engagement_list.html",
        {
            "review": review,
            "nav": NAV,
            "records": records,
            "rollup": people_spoken_with(review),
            "can_log": perm.can_log_engagement(request.user, review),
            "show_notes": perm.can_read_engagement_notes(request.user, review),
        },
    )


def _snapshot(record: EngagementRecord) -> dict[str, Any]:
    data = audit.snapshot(record) or {}
    data["themes"] = sorted(record.themes.values_list("pk", flat=True))
    data["participants"] = [audit.snapshot(p) for p in record.participants.all().order_by("id")]
    return data


@login_required
@require_http_methods(["GET", "POST"])
def engagement_edit(
    request: HttpRequest, review_id: int, record_id: int | None = None
) -> HttpResponse:
    review = review_for(request, review_id)
    record: EngagementRecord | None = None
    if record_id is not None:
        record = get_object_or_404(EngagementRecord, pk=record_id, review=review)
        require_view_review(request.user, record.review)
        perm.require_edit_engagement(request.user, record)
    else:
        perm.require_log_engagement(request.user, review)
    data = request.POST if request.method == "POST" else None
    form = EngagementForm(data, instance=record, review=review)
    formset = ParticipantFormSet(data, instance=record or EngagementRecord(review=review))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            before = _snapshot(record) if record is not None else None
            saved = form.save(commit=False)
            saved.review = review
            if record is None:
                saved.created_by = request.user
            saved.save()
            form.save_m2m()
            formset.instance = saved
            formset.save()
            if before is None:
                audit.record(request.user, "create", saved, None, _snapshot(saved))
            else:
                audit.record(request.user, "update", saved, before, _snapshot(saved))
        messages.success(request, "Engagement record saved.")
        return redirect("engagement_list", review_id=review.pk)
    return render(
        request,
        "plan/soir/engagement_form.html",
        {"review": review, "nav": NAV, "form": form, "formset": formset, "record": record},
        status=400 if request.method == "POST" else 200,
    )
