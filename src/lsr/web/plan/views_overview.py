"""Home (the reviews a user can open) and a review's overview with the six indicators."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from lsr.report.render import icon_svg
from lsr.web.plan import permissions
from lsr.web.plan.indicators import profile_context
from lsr.web.plan.models import Action, Review


@login_required
def home(request: HttpRequest) -> HttpResponse:
    reviews = list(permissions.visible_reviews(request.user))
    if len(reviews) == 1:
        return redirect("overview", review_id=reviews[0].pk)
    return render(request, "plan/home.html", {"reviews": reviews})


def review_for(request: HttpRequest, review_id: int) -> Review:
    review = get_object_or_404(Review, pk=review_id)
    permissions.require_view_review(request.user, review)
    return review


@login_required
def overview(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    try:
        context = profile_context(review.area_code)
        error = ""
    except LookupError as exc:
        context, error = {}, str(exc)
    summary = [
        {
            **row,
            "variation_svg": icon_svg(row["variation"]),
            "assurance_svg": icon_svg(row["assurance"]),
        }
        for row in context.get("summary", [])
    ]
    actions = list(Action.objects.filter(review=review))
    rag_counts: dict[str, int] = {}
    for a in actions:
        label = a.rag().label
        rag_counts[label] = rag_counts.get(label, 0) + 1
    return render(
        request,
        "plan/overview.html",
        {
            "review": review,
            "profile_error": error,
            "rag_counts": sorted(rag_counts.items()),
            "action_count": len(actions),
            "summary": summary,
            **{
                k: context.get(k)
                for k in (
                    "figures",
                    "overview",
                    "synthetic_label",
                    "synthetic_names",
                    "sources",
                    "profile",
                )
            },
        },
    )
