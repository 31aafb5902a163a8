"""The scenario results page: flow-model runs for the review's area and one run's results."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from lsr.web.plan import simulations
from lsr.web.plan.indicators import store_path
from lsr.web.plan.store_busy import store_busy_page
from lsr.web.plan.views_overview import review_for


@login_required
@store_busy_page
def simulation_list(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    unreadable = ""
    try:
        runs = simulations.list_runs(store_path(), review.area_code)
    except simulations.StoreUnreadable as exc:
        runs, unreadable = [], str(exc)
    except simulations.SimulationsUnavailable:  # no store or no flow tables: no results yet
        runs = []
    return render(
        request,
        "plan/simulations.html",
        {"review": review, "runs": runs, "unreadable": unreadable},
    )


@login_required
@store_busy_page
def simulation_detail(request: HttpRequest, review_id: int, run_id: str) -> HttpResponse:
    review = review_for(request, review_id)
    try:
        context = simulations.run_context(store_path(), run_id, review.area_code)
    except simulations.SimulationsUnavailable:
        context = None
    if context is None:
        raise Http404("No such simulation run for this review's area")
    return render(request, "plan/simulation_detail.html", {"review": review, **context})
