"""The winter dashboard of a review (its area): today's state, daily control charts, the
six-week forecast and what-if levers, saved lever settings (scenarios) and their exports, and
the upload of daily situation data.

Progressive enhancement: the levers form is a plain GET form (the page re-renders with the
forecast for those levers); ``static/lsr/winter.js`` sends the same query to
``winter_update`` (JSON) and swaps the forecast section in place, and polls ``winter_revision``
to reload the page's content when new daily data is loaded (announced in an aria-live region).
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from lsr.web.plan import audit, permissions, permissions_winter, text_rules, winter
from lsr.web.plan.excel import FORMULA_TRIGGERS
from lsr.web.plan.forms_winter import DailyUploadForm, LeversForm, ScenarioForm
from lsr.web.plan.models import AuditEvent, Review
from lsr.web.plan.models_winter import LEVER_FIELDS, WinterScenario
from lsr.web.plan.store_busy import store_busy_page

SYNTHETIC_NOTE = (
    "SYNTHETIC DATA: these daily figures are a generated demonstration winter, not real data "
    "for this area."
)
THRESHOLDS = ((92.0, "92% of beds"), (100.0, "100% of beds"))


def _review(request: HttpRequest, review_id: int) -> Review:
    return permissions.review_if_visible(request.user, review_id)


def _levers_form(data: Any, frame: Any) -> LeversForm | None:
    if frame is None or frame.empty:
        return None
    first, last = winter.forecast_window(frame)
    bound = data if any(name in data for name in LEVER_FIELDS) else None
    return LeversForm(bound, first=first, last=last, initial={}, auto_id="lever_%s")


def _forecast_context(
    review: Review, rev: str, frame: Any, form: LeversForm | None
) -> dict[str, Any]:
    """What ``plan/winter/_forecast.html`` shows: the forecast, or why there is none."""
    if frame is None or len(frame) < 2:
        return {"forecast_error": "Load at least two days of daily situation data first."}
    values: dict[str, Any] = {}
    if form is not None and form.is_bound:
        if not form.is_valid():
            return {"forecast_error": "", "form_invalid": True}
        values = form.lever_values()
    try:
        run = winter.run_forecast(review.area_code, rev, frame, values)
    except winter.ForecastUnavailable as exc:
        return {"forecast_error": f"The forecast is not available: {exc}."}
    from lsr.report.winter_charts import forecast_chart

    synthetic = bool(frame.attrs.get("synthetic"))
    base = run.base
    lever_bands = run.result.bands if run.with_levers else None
    history = frame.tail(28)
    occupancy_history = history.assign(value=100 * history["beds_occupied"] / history["beds_open"])[
        ["date", "value"]
    ]
    charts = [
        forecast_chart(
            base.bands,
            measure="occupancy_pct",
            title="Figure 4: forecast acute bed occupancy, next 6 weeks",
            unit="% of beds open",
            prefix="winter-fc-occ",
            history=occupancy_history,
            lever_bands=lever_bands,
            thresholds=THRESHOLDS,
            synthetic=synthetic,
        ),
        forecast_chart(
            base.bands,
            measure="mffd",
            title="Figure 5: forecast people medically fit for discharge still in hospital",
            unit="people",
            prefix="winter-fc-mffd",
            history=history.assign(value=history["mffd"])[["date", "value"]],
            lever_bands=lever_bands,
            decimals=0,
            synthetic=synthetic,
        ),
    ]
    above = [
        ("base", "Base forecast", base),
        *([("levers", "With levers", run.result)] if run.with_levers else []),
    ]
    summary = []
    if run.with_levers and run.result.difference is not None:
        diff = run.result.difference
        last_day = diff["date"].max()
        for measure, label in (
            ("occupancy_pct", "Occupancy (% of beds)"),
            ("acute_occupied", "Acute beds occupied"),
            ("mffd", "Medically fit for discharge, in hospital"),
        ):
            rows = diff[diff["measure"] == measure]
            if rows.empty:
                continue
            last = rows[rows["date"] == last_day].iloc[0]
            summary.append(
                (
                    label,
                    f"{rows['mean'].mean():+,.1f}",
                    f"{last['p50']:+,.1f}",
                    f"{last['p05']:+,.1f} to {last['p95']:+,.1f}",
                )
            )
    return {
        "forecast_error": "",
        "run": run,
        "charts": charts,
        "above": [
            {
                "key": key,
                "label": label,
                "above_92": [d.isoformat() for d in result.above_92],
                "above_100": [d.isoformat() for d in result.above_100],
            }
            for key, label, result in above
        ],
        "difference_summary": summary,
        "seconds": f"{run.seconds:.2f}",
        "synthetic": synthetic,
    }


def _content_html(review: Review, rev: str, frame: Any) -> str:
    if frame is None or frame.empty:
        return render_to_string("plan/winter/_content.html", {"review": review, "empty": True})
    return render_to_string(
        "plan/winter/_content.html",
        {
            "review": review,
            "empty": False,
            "state": winter.today_state(frame),
            "charts": winter.charts(review.area_code, rev, frame),
            "synthetic": bool(frame.attrs.get("synthetic")),
            "synthetic_note": SYNTHETIC_NOTE,
            "sources": frame.attrs.get("sources", []),
        },
    )


def _scenario_query(scenario: WinterScenario) -> str:
    values = {
        name: (value.isoformat() if isinstance(value, date) else value)
        for name, value in scenario.levers().items()
        if value not in (None, 0, Decimal(0))
    }
    return urlencode(values)


@login_required
@store_busy_page
@require_GET
def dashboard(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    rev, frame = winter.daily(review.area_code)
    form = _levers_form(request.GET, frame)
    forecast = _forecast_context(review, rev, frame, form)
    user = request.user
    scenarios = [(s, _scenario_query(s)) for s in WinterScenario.objects.filter(review=review)]
    can_save = permissions_winter.can_save_scenario(user, review)
    save_form = None
    if can_save and form is not None:
        first, last = form.first, form.last
        save_form = ScenarioForm(
            initial=form.cleaned_data if form.is_bound and form.is_valid() else {},
            first=first,
            last=last,
            review=review,
            auto_id="save_%s",
        )
    return render(
        request,
        "plan/winter/dashboard.html",
        {
            "review": review,
            "nav": "winter",
            "revision": rev,
            "content": _content_html(review, rev, frame),
            "forecast_html": render_to_string(
                "plan/winter/_forecast.html", {"review": review, **forecast}
            ),
            "form": form,
            "save_form": save_form,
            "scenarios": scenarios,
            "can_save": can_save,
            "can_upload": permissions_winter.can_upload_daily(user, review),
            "poll_seconds": getattr(settings, "LSR_WINTER_POLL_SECONDS", 15),
        },
        status=400 if form is not None and form.is_bound and not form.is_valid() else 200,
    )


@login_required
@store_busy_page
@require_GET
def update(request: HttpRequest, review_id: int) -> JsonResponse:
    """The forecast section for the levers in the query (and, with ``part=all``, the page's
    content), as HTML in JSON; lever errors as ``errors`` (status 400)."""
    review = _review(request, review_id)
    rev, frame = winter.daily(review.area_code)
    form = _levers_form(request.GET, frame)
    if form is not None and form.is_bound and not form.is_valid():
        return JsonResponse(
            {"revision": rev, "errors": {k: [str(e) for e in v] for k, v in form.errors.items()}},
            status=400,
        )
    forecast = _forecast_context(review, rev, frame, form)
    body: dict[str, Any] = {
        "revision": rev,
        "forecast_html": render_to_string(
            "plan/winter/_forecast.html", {"review": review, **forecast}
        ),
        "seconds": forecast.get("seconds"),
    }
    if request.GET.get("part") == "all":
        body["content_html"] = _content_html(review, rev, frame)
        body["last_day"] = frame["date"].iloc[-1].isoformat() if len(frame) else None
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@store_busy_page
@require_GET
def revision(request: HttpRequest, review_id: int) -> JsonResponse:
    """The area's daily data revision (cheap: one small query); the page polls it."""
    review = _review(request, review_id)
    response = JsonResponse({"revision": winter.revision(review.area_code)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@store_busy_page
@require_POST
def scenario_save(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    permissions_winter.require_save_scenario(request.user, review)
    _rev, frame = winter.daily(review.area_code)
    if frame.empty:
        messages.error(request, "Load daily situation data before saving a scenario.")
        return redirect("winter", review_id=review.pk)
    first, last = winter.forecast_window(frame)
    form = ScenarioForm(request.POST, first=first, last=last, review=review, auto_id="save_%s")
    if not form.is_valid():
        levers = _levers_form(request.POST, frame)
        return render(
            request,
            "plan/winter/scenario_form.html",
            {"review": review, "nav": "winter", "form": form, "levers_valid": levers},
            status=400,
        )
    scenario = WinterScenario(
        review=review, created_by=request.user, name=form.cleaned_data["name"]
    )
    for name, value in form.lever_values().items():
        setattr(scenario, name, value)
    scenario.save()
    audit.created(request.user, scenario, "winter scenario saved")
    messages.success(request, f"Scenario saved: {scenario.name}.")
    return redirect(reverse("winter", args=[review.pk]) + "?" + _scenario_query(scenario))


def _scenario(request: HttpRequest, review: Review, scenario_id: int) -> WinterScenario:
    scenario = WinterScenario.objects.filter(pk=scenario_id, review=review).first()
    if scenario is None:
        raise Http404("no such scenario")
    permissions_winter.require_export_scenario(request.user, scenario)
    return scenario


def inert(text: str) -> str:
    """A text cell for a CSV export, inert in a spreadsheet: characters a cell cannot hold
    removed, and a leading formula trigger (``=``, ``+``, ``-``, ``@``, tab, CR, LF) neutralised
    by a leading apostrophe, as spreadsheets show a quote-prefixed text."""
    text = text_rules.clean_for_export(text, multiline=False)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _lever_json(scenario: WinterScenario) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in scenario.levers().items():
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = float(value)
        out[name] = value
    return out


@login_required
@store_busy_page
@require_GET
def scenario_export(
    request: HttpRequest, review_id: int, scenario_id: int, fmt: str
) -> HttpResponse:
    """A saved scenario as JSON (its levers) or CSV (the forecast bands, base and with the
    levers, and their paired difference, on today's data); every text cell inert."""
    review = _review(request, review_id)
    scenario = _scenario(request, review, scenario_id)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", scenario.name).strip("-")[:60] or "scenario"
    rev, frame = winter.daily(review.area_code)
    synthetic = bool(frame.attrs.get("synthetic")) if not frame.empty else False
    data_label = "SYNTHETIC" if synthetic else "loaded data"
    if fmt == "json":
        body = {
            "review": review.pk,
            "area_code": review.area_code,
            "scenario": scenario.name,
            "levers": _lever_json(scenario),
            "data": data_label,
        }
        response = HttpResponse(
            json.dumps(body, indent=2, ensure_ascii=True), content_type="application/json"
        )
    elif fmt == "csv":
        if frame.empty:
            return HttpResponse(
                "No daily data loaded: nothing to export.", status=409, content_type="text/plain"
            )
        try:
            run = winter.run_forecast(review.area_code, rev, frame, scenario.levers())
        except winter.ForecastUnavailable as exc:
            return HttpResponse(
                f"The forecast is not available: {exc}", status=503, content_type="text/plain"
            )
        response = HttpResponse(
            _bands_csv(scenario, run, data_label), content_type="text/csv; charset=utf-8"
        )
    else:
        raise Http404("no such format")
    response["Content-Disposition"] = f'attachment; filename="winter-{stem}.{fmt}"'
    return response


def _bands_csv(scenario: WinterScenario, run: winter.ForecastRun, data_label: str) -> str:
    levers = _lever_json(scenario)
    base = run.base.bands.set_index(["date", "measure"])
    with_levers = run.result.bands.set_index(["date", "measure"]) if run.with_levers else None
    diff = run.result.difference.set_index(["date", "measure"]) if run.with_levers else None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = [
        "scenario",
        "data",
        "date",
        "measure",
        "base_p05",
        "base_p50",
        "base_p95",
        "levers_p05",
        "levers_p50",
        "levers_p95",
        "difference_p05",
        "difference_p50",
        "difference_p95",
        *levers,
    ]
    writer.writerow(header)
    lever_cells = ["" if v is None else v for v in levers.values()]
    for (day, measure), row in base.iterrows():
        cells: list[Any] = [inert(scenario.name), data_label, str(day), measure]
        cells += [row["p05"], row["p50"], row["p95"]]
        for frame in (with_levers, diff):
            if frame is not None:
                other = frame.loc[(day, measure)]
                cells += [other["p05"], other["p50"], other["p95"]]
            else:
                cells += ["", "", ""]
        writer.writerow([*cells, *lever_cells])
    return buffer.getvalue()


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@login_required
@store_busy_page
def upload(request: HttpRequest, review_id: int) -> HttpResponse:
    """Upload a daily situation file: the same loader as ``lsr load daily`` (every problem
    listed, all or nothing), into the store the dashboard reads."""
    review = _review(request, review_id)
    permissions_winter.require_upload_daily(request.user, review)
    errors: list[str] = []
    if request.method == "POST":
        form = DailyUploadForm(request.POST, request.FILES)
        if form.is_valid():
            errors, summary = _load_upload(form.cleaned_data["file"])
            if not errors:
                audit.event(
                    request.user,
                    AuditEvent.Kind.IMPORT,
                    f"daily situation data uploaded: {summary}",
                    review_id=review.pk,
                )
                messages.success(request, f"Loaded: {summary}")
                return redirect("winter", review_id=review.pk)
    else:
        form = DailyUploadForm()
    return render(
        request,
        "plan/winter/upload.html",
        {"review": review, "nav": "winter", "form": form, "errors": errors},
        status=400 if errors or form.errors else 200,
    )


def _load_upload(upload: Any) -> tuple[list[str], str]:
    """``(errors, summary)`` of loading one uploaded file."""
    from lsr.data.daily import load_daily
    from lsr.data.errors import LoadError, LoadErrors
    from lsr.data.store import open_shared
    from lsr.web.plan.indicators import store_path, store_wait

    suffix = ".xlsx" if str(upload.name).casefold().endswith(".xlsx") else ".csv"
    stem = _SAFE_NAME.sub("_", Path(str(upload.name)).stem)[:80].strip() or "upload"
    with tempfile.TemporaryDirectory(prefix="lsr-daily-") as folder:
        path = Path(folder) / f"{stem}{suffix}"
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        con = open_shared(store_path(), wait=store_wait())
        try:
            summary = load_daily(con, [path])
        except LoadErrors as exc:
            return [str(e) for e in exc.errors], ""
        except LoadError as exc:
            return [str(exc)], ""
        finally:
            con.close()
    text = f"{summary.rows_inserted} row(s) from {path.name}"
    notes = [n for n in summary.notes if "replaced" in n or "synthetic" in n or "already" in n]
    return [], text + (f" ({'; '.join(notes)})" if notes else "")
