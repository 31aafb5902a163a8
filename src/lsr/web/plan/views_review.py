"""The progress review editor (findings per theme), areas for improvement, the report
(preview, publish, downloads), the Excel export/import and the review's audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lsr.web.plan import audit, excel, permissions
from lsr.web.plan.forms import AreaForm, FindingForm, ImportForm
from lsr.web.plan.models import AreaForImprovement, AuditEvent, Finding, PublishedReport, Theme
from lsr.web.plan.report import render_report_html, render_report_pdf, report_context
from lsr.web.plan.store_busy import store_busy_page
from lsr.web.plan.views_overview import review_for


@login_required
def findings(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    themes = list(review.themes.all())
    by_theme = {f.theme_id: f for f in Finding.objects.filter(review=review)}
    return render(
        request,
        "plan/findings.html",
        {
            "review": review,
            "rows": [(t, by_theme.get(t.pk)) for t in themes],
            "can_edit": permissions.can_edit_findings(request.user, review),
            "areas": review.areas.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, review_id: int, theme_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    permissions.require_edit_findings(request.user, review)
    theme = get_object_or_404(Theme, pk=theme_id, review=review)
    finding = Finding.objects.filter(theme=theme).first()
    if request.method == "POST":
        form = FindingForm(request.POST, instance=finding or Finding(review=review, theme=theme))
        if form.is_valid():
            with transaction.atomic():
                before = audit.snapshot(Finding.objects.get(pk=finding.pk)) if finding else None
                saved = form.save()
                if before is None:
                    audit.created(request.user, saved)
                else:
                    audit.updated(request.user, saved, before)
            messages.success(request, f"Findings for {theme.name} saved.")
            return redirect("findings", review_id=review.pk)
    else:
        form = FindingForm(instance=finding)
    return render(
        request, "plan/finding_form.html", {"review": review, "theme": theme, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def area_edit(request: HttpRequest, review_id: int, area_id: int | None = None) -> HttpResponse:
    review = review_for(request, review_id)
    permissions.require_edit_findings(request.user, review)
    area = get_object_or_404(AreaForImprovement, pk=area_id, review=review) if area_id else None
    if request.method == "POST":
        form = AreaForm(request.POST, instance=area or AreaForImprovement(review=review))
        if form.is_valid():
            with transaction.atomic():
                before = (
                    audit.snapshot(AreaForImprovement.objects.get(pk=area.pk)) if area else None
                )
                saved = form.save()
                if before is None:
                    audit.created(request.user, saved)
                else:
                    audit.updated(request.user, saved, before)
            messages.success(request, "Area for improvement saved.")
            return redirect("findings", review_id=review.pk)
    else:
        form = AreaForm(instance=area)
    return render(request, "plan/area_form.html", {"review": review, "form": form, "area": area})


@login_required
@store_busy_page
def report_page(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    context = report_context(review, charts=False)
    context["published_reports"] = review.published.select_related("published_by")[:20]
    context["can_publish"] = permissions.can_publish(request.user, review)
    return render(request, "plan/report_page.html", context)


@login_required
@store_busy_page
def report_download(request: HttpRequest, review_id: int, fmt: str) -> HttpResponse:
    """The current report, generated now from the database."""
    review = review_for(request, review_id)
    if fmt not in ("html", "pdf"):
        raise Http404("the report is available as html or pdf")
    html_text = render_report_html(review)
    name = f"{review.area_name.lower().replace(' ', '-')}-progress-report"
    if fmt == "pdf":
        response = HttpResponse(render_report_pdf(html_text), content_type="application/pdf")
    else:
        response = HttpResponse(html_text, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_POST
@store_busy_page
def publish(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    permissions.require_publish(request.user, review)
    html_text = render_report_html(review)
    pdf = render_report_pdf(html_text)
    with transaction.atomic():
        published = PublishedReport.objects.create(
            review=review,
            published_by=request.user,
            html=html_text,
            pdf=pdf,
            published_at=timezone.now(),
        )
        audit.event(
            request.user,
            AuditEvent.Kind.PUBLISH,
            f"published report {published.pk}",
            review_id=review.pk,
        )
    messages.success(request, "The progress report was published.")
    return redirect("report", review_id=review.pk)


@login_required
def published_download(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    published = get_object_or_404(PublishedReport.objects.select_related("review"), pk=report_id)
    if fmt not in ("html", "pdf"):
        raise Http404("the report is available as html or pdf")
    permissions.require_view_review(request.user, published.review)
    stamp = timezone.localtime(published.published_at).strftime("%Y%m%d-%H%M")
    name = f"{published.review.area_name.lower().replace(' ', '-')}-progress-report-{stamp}"
    if fmt == "pdf":
        response = HttpResponse(bytes(published.pdf), content_type="application/pdf")
    else:
        response = HttpResponse(published.html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def export_xlsx(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    response = HttpResponse(
        excel.export_workbook(review),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"{review.area_name.lower().replace(' ', '-')}-action-plan.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_xlsx(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    permissions.require_import(request.user, review)
    errors: list[str] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = excel.import_workbook(
                    review, form.cleaned_data["file"].read(), request.user
                )
            except excel.ImportError_ as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    f"Imported: {result.created} actions created, {result.updated} updated; "
                    f"{result.areas_created} areas for improvement created, "
                    f"{result.areas_updated} updated.",
                )
                return redirect("board", review_id=review.pk)
    else:
        form = ImportForm()
    return render(
        request,
        "plan/import.html",
        {"review": review, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
def audit_log(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_for(request, review_id)
    permissions.require_read_audit(request.user, review)
    events = AuditEvent.objects.filter(review_id=review.pk)[:200]
    return render(request, "plan/audit_log.html", {"review": review, "events": events})
