"""The relational audit for people who are signed in: the rounds of a review, opening a round,
issuing codes (a formula-safe CSV, shown once), the results (heatmap, network chart, data
tables), the change between rounds, the free text (runners only) with theme tags, and the
exports and JSON API. Permissions: :mod:`lsr.web.plan.permissions_relaudit`."""

from __future__ import annotations

import csv
import io
import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from lsr.web.plan import audit, text_rules
from lsr.web.plan import permissions_relaudit as rperm
from lsr.web.plan import relaudit_results as results
from lsr.web.plan.excel import FORMULA_TRIGGERS, text_cell
from lsr.web.plan.forms_relaudit import CodesForm, RoundForm, TagForm
from lsr.web.plan.models_relaudit import AccessCode, AuditRound, ResponseTheme, SurveyResponse
from lsr.web.plan.permissions import review_if_visible
from lsr.web.plan.relaudit_survey import MAX_CODES, housekeeping, issue_codes


def csv_text(value: object) -> str:
    """A CSV cell that a spreadsheet never runs: text starting with a formula trigger gets a
    leading apostrophe; characters a cell cannot hold are removed."""
    text = text_rules.clean_for_export(str(value))
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_response(rows: list[list[str]], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _dimension(request: HttpRequest, round_: AuditRound) -> tuple[int, str]:
    raw = request.GET.get("dimension", "0")
    index = int(raw) if raw.isascii() and raw.isdigit() else 0
    if not 0 <= index < len(round_.dimensions):
        index = 0
    return index, round_.dimensions[index] if round_.dimensions else ""


@login_required
@require_GET
def rounds(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_if_visible(request.user, review_id)
    housekeeping(rounds=AuditRound.objects.filter(review=review))
    today = timezone.localdate()
    items = [
        {"round": r, "open": r.is_open(today), "orgs": r.organisations.count()}
        for r in AuditRound.objects.filter(review=review).order_by("opens", "id")
    ]
    return render(
        request,
        "plan/relaudit/rounds.html",
        {
            "review": review,
            "items": items,
            "can_run": rperm.can_run_rounds(request.user, review),
            "has_change": results.change_rounds(review) is not None,
            "any_example": any(i["round"].is_example for i in items),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_if_visible(request.user, review_id)
    rperm.require_run_rounds(request.user, review)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            new = AuditRound.objects.create(
                review=review,
                name=data["name"],
                opens=data["opens"],
                closes=data["closes"],
                dimensions=data["dimensions"],
            )
            new.organisations.set(data["organisations"])
            after = audit.snapshot(new) or {}
            after["organisations"] = sorted(o.pk for o in data["organisations"])
            audit.record(request.user, "create", new, None, after)
        messages.success(request, f"Round {new.name} opened. Issue codes to hand out next.")
        return redirect("relaudit_codes", review_id=review.pk, round_id=new.pk)
    return render(request, "plan/relaudit/round_form.html", {"review": review, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def codes(request: HttpRequest, review_id: int, round_id: int) -> HttpResponse:
    round_ = rperm.round_if_visible(request.user, review_id, round_id)
    review = round_.review
    rperm.require_run_rounds(request.user, review)
    form = CodesForm(request.POST or None, round_=round_)
    if request.method == "POST" and form.is_valid():
        org = form.cleaned_data["organisation"]
        issued = issue_codes(round_, org, form.cleaned_data["count"], request.user)
        link = request.build_absolute_uri("/survey/")
        rows = [["Organisation", "Round", "Code", "Survey page", "Personal link"]]
        rows += [[org.name, round_.name, c, link, f"{link}#code={c}"] for c in issued]
        return _csv_response(rows, f"survey-codes-round-{round_.pk}-org-{org.pk}.csv")
    issued_by_org = [
        {
            "organisation": o,
            "issued": AccessCode.objects.filter(round=round_, organisation=o).count(),
        }
        for o in round_.organisations.order_by("name")
    ]
    return render(
        request,
        "plan/relaudit/codes.html",
        {
            "review": review,
            "round": round_,
            "form": form,
            "issued": issued_by_org,
            "max_codes": MAX_CODES,
        },
    )


@login_required
@require_GET
def round_results(request: HttpRequest, review_id: int, round_id: int) -> HttpResponse:
    round_ = rperm.round_if_visible(request.user, review_id, round_id)
    review = round_.review
    housekeeping(rounds=[round_])
    res = results.round_results(round_)
    index, dimension = _dimension(request, round_)
    return render(
        request,
        "plan/relaudit/results.html",
        {
            "review": review,
            "round": round_,
            "res": res,
            "index": index,
            "dimension": dimension,
            "dimensions": list(enumerate(round_.dimensions)),
            "heatmap": results.heatmap(res, dimension),
            "network": results.network(res, dimension),
            "cell_headers": results.CELL_HEADERS,
            "cell_rows": [r for r in results.cell_rows(res) if r[0] == dimension],
            "edge_headers": results.EDGE_HEADERS,
            "edge_rows": [r for r in results.edge_rows(res) if r[0] == dimension],
            "respondents": [
                (o.name, results.count_text(res.respondents.get(o.pk))) for o in res.organisations
            ],
            "total": results.count_text(res.total_respondents),
            "can_run": rperm.can_run_rounds(request.user, review),
            "open": round_.is_open(timezone.localdate()),
            "suppressed_text": results.SUPPRESSED_TEXT,
        },
    )


@login_required
@require_GET
def change(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_if_visible(request.user, review_id)
    rperm.require_view_results(request.user, review)
    pair = results.change_rounds(review)
    context: dict[str, object] = {"review": review, "pair": pair}
    if pair is not None:
        housekeeping(rounds=pair)
        ch = results.change_results(*pair)
        context.update(
            change=ch,
            headers=results.CHANGE_HEADERS,
            rows=results.change_rows(ch.changes, ch.names),
            any_example=pair[0].is_example or pair[1].is_example,
        )
    return render(request, "plan/relaudit/change.html", context)


@login_required
@require_GET
def export(request: HttpRequest, review_id: int, round_id: int, fmt: str) -> HttpResponse:
    round_ = rperm.round_if_visible(request.user, review_id, round_id)
    rperm.require_view_results(request.user, round_.review)
    if fmt not in ("csv", "xlsx", "json"):
        raise Http404("the results are available as csv, xlsx or json")
    res = results.round_results(round_)
    pair = results.change_rounds(round_.review)
    ch = results.change_results(*pair) if pair and round_ in pair else None
    name = f"relational-audit-round-{round_.pk}"
    if fmt == "json":
        body = json.dumps(results.api(res, ch), ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response
    sheets = [("Cells", results.CELL_HEADERS, results.cell_rows(res))]
    sheets.append(("Network", results.EDGE_HEADERS, results.edge_rows(res)))
    if ch is not None:
        sheets.append(("Change", results.CHANGE_HEADERS, results.change_rows(ch.changes, ch.names)))
    if fmt == "csv":
        return _csv_response([list(results.CELL_HEADERS), *sheets[0][2]], f"{name}.csv")
    wb = Workbook()
    wb.remove(wb.active)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append([text_cell(ws, h, multiline=False) for h in headers])
        for row in rows:
            ws.append([text_cell(ws, v, multiline=False) for v in row])
    note = wb.create_sheet("About")
    about = f"Relational audit, {round_.name}: cells with fewer than 5 responses are suppressed."
    if round_.is_example:
        about += " Example data (demonstration)."
    note.append([text_cell(note, about, multiline=False)])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _pair_counts(round_: AuditRound) -> dict[tuple[int, int], int]:
    counts: dict[tuple[int, int], int] = {}
    for rater, rated in SurveyResponse.objects.filter(round=round_).values_list(
        "rater_id", "rated_id"
    ):
        counts[(rater, rated)] = counts.get((rater, rated), 0) + 1
    return counts


@login_required
@require_GET
def comments(request: HttpRequest, review_id: int, round_id: int) -> HttpResponse:
    """The free text, to runners only: about which organisation; from which only where that
    pair has 5 or more responses."""
    round_ = rperm.round_if_visible(request.user, review_id, round_id)
    review = round_.review
    rperm.require_read_comments(request.user, review)
    housekeeping(rounds=[round_])
    pairs = _pair_counts(round_)
    rows = (
        SurveyResponse.objects.filter(round=round_)
        .exclude(comment="")
        .select_related("rater", "rated")
        .prefetch_related("tags__theme")
        .order_by("rated__name", "id")
    )
    items = [
        {
            "response": r,
            "from": r.rater.name if pairs.get((r.rater_id, r.rated_id), 0) >= 5 else "",
            "tags": [t.theme for t in r.tags.all()],
            "form": TagForm(review=review, initial={"themes": [t.theme for t in r.tags.all()]}),
        }
        for r in rows
    ]
    return render(
        request,
        "plan/relaudit/comments.html",
        {"review": review, "round": round_, "items": items},
    )


@login_required
@require_POST
def tag(request: HttpRequest, review_id: int, round_id: int, response_id: str) -> HttpResponse:
    round_ = rperm.round_if_visible(request.user, review_id, round_id)
    review = round_.review
    rperm.require_read_comments(request.user, review)
    try:
        key = uuid.UUID(response_id)
    except ValueError:
        raise Http404("no such response") from None
    response = get_object_or_404(SurveyResponse, pk=key, round=round_)
    form = TagForm(request.POST, review=review)
    if not form.is_valid():
        messages.error(request, "Choose themes of this review only.")
        return redirect("relaudit_comments", review_id=review.pk, round_id=round_.pk)
    wanted = {t.pk for t in form.cleaned_data["themes"]}
    with transaction.atomic():
        have = set(
            ResponseTheme.objects.filter(response=response).values_list("theme_id", flat=True)
        )
        ResponseTheme.objects.filter(response=response, theme_id__in=have - wanted).delete()
        ResponseTheme.objects.bulk_create(
            ResponseTheme(response=response, theme_id=t) for t in sorted(wanted - have)
        )
        audit.record(
            request.user,
            "update",
            round_,
            {"response": str(response.pk), "themes": sorted(have)},
            {"response": str(response.pk), "themes": sorted(wanted)},
            "free text tagged to themes",
        )
    messages.success(request, "Themes saved.")
    return redirect("relaudit_comments", review_id=review.pk, round_id=round_.pk)
