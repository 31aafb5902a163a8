"""Home (the reviews a user can open) and a review's overview with the six indicators."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from lsr.web.plan import page_cache, permissions
from lsr.web.plan.indicators import indicator_section_html
from lsr.web.plan.models import Action, Review, rag_for
from lsr.web.plan.store_busy import store_busy_page


@login_required
def home(request: HttpRequest) -> HttpResponse:
    reviews = list(permissions.visible_reviews(request.user))
    if len(reviews) == 1:
        return redirect("overview", review_id=reviews[0].pk)
    return render(request, "plan/home.html", {"reviews": reviews})


def review_for(request: HttpRequest, review_id: int) -> Review:
    return permissions.review_if_visible(request.user, review_id)


@login_required
@store_busy_page
def overview(request: HttpRequest, review_id: int) -> HttpResponse:
    rev = page_cache.revision()  # first: see lsr.web.plan.page_cache
    review = review_for(request, review_id)
    content = page_cache.cached_html(rev, ("overview", review.pk), lambda: overview_content(review))
    return render(request, "plan/overview.html", {"review": review, "content": content})


def overview_content(review: Review) -> str:
    """The overview's content: the action plan at a glance (RAG of today) and the indicators.
    The same for every user who may see the review."""
    today = timezone.localdate()
    rag_counts: dict[str, int] = {}
    action_count = 0
    rows = Action.objects.filter(review=review).order_by().values_list("status", "due")
    for status, due in rows:
        label = rag_for(status, due, today).label
        rag_counts[label] = rag_counts.get(label, 0) + 1
        action_count += 1
    return render_to_string(
        "plan/_overview_content.html",
        {
            "review": review,
            "rag_counts": sorted(rag_counts.items()),
            "action_count": action_count,
            "indicators_html": mark_safe(indicator_section_html(review.area_code)),
        },
    )
