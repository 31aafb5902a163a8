"""URLs of the web application."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from lsr.web.plan import throttle
from lsr.web.plan import views_actions as actions
from lsr.web.plan import views_auth as auth
from lsr.web.plan import views_overview as overview
from lsr.web.plan import views_review as review
from lsr.web.plan import views_simulations as simulations

#: A 500 shows the request id that the log line carries (lsr.web.plan.views_errors); a 404 or
#: 403 page that cannot be rendered becomes a logged 500.
handler500 = "lsr.web.plan.views_errors.server_error"
handler404 = "lsr.web.plan.views_errors.page_not_found"
handler403 = "lsr.web.plan.views_errors.permission_denied"

# The admin's access attempts: deleting one unlocks a login, and is audited.
throttle.register_admin(admin.site)

urlpatterns = [
    path("accounts/login/", auth.login, name="login"),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
    path("", overview.home, name="home"),
    path("reviews/<int:review_id>/", overview.overview, name="overview"),
    path("reviews/<int:review_id>/actions/", actions.board, name="board"),
    path("reviews/<int:review_id>/actions/new/", actions.create, name="action_create"),
    path("reviews/<int:review_id>/actions/export.xlsx", review.export_xlsx, name="export_xlsx"),
    path("reviews/<int:review_id>/actions/import/", review.import_xlsx, name="import_xlsx"),
    path("reviews/<int:review_id>/findings/", review.findings, name="findings"),
    path(
        "reviews/<int:review_id>/findings/<int:theme_id>/edit/",
        review.finding_edit,
        name="finding_edit",
    ),
    path("reviews/<int:review_id>/areas/new/", review.area_edit, name="area_create"),
    path("reviews/<int:review_id>/areas/<int:area_id>/edit/", review.area_edit, name="area_edit"),
    path("reviews/<int:review_id>/report/", review.report_page, name="report"),
    path("reviews/<int:review_id>/report/publish/", review.publish, name="publish"),
    path(
        "reviews/<int:review_id>/report/download.<str:fmt>",
        review.report_download,
        name="report_download",
    ),
    path("reviews/<int:review_id>/scenarios/", simulations.simulation_list, name="simulations"),
    path(
        "reviews/<int:review_id>/scenarios/<str:run_id>/",
        simulations.simulation_detail,
        name="simulation_detail",
    ),
    path("reviews/<int:review_id>/audit/", review.audit_log, name="audit_log"),
    path(
        "published/<int:report_id>/download.<str:fmt>",
        review.published_download,
        name="published_download",
    ),
    path("actions/<int:action_id>/", actions.detail, name="action_detail"),
    path("actions/<int:action_id>/edit/", actions.edit, name="action_edit"),
    path("actions/<int:action_id>/delete/", actions.delete, name="action_delete"),
    path("actions/<int:action_id>/milestones/", actions.milestone_add, name="milestone_add"),
    path("milestones/<int:milestone_id>/done/", actions.milestone_set_done, name="milestone_done"),
    path("actions/<int:action_id>/evidence/", actions.evidence_add, name="evidence_add"),
    path(
        "evidence/<int:evidence_id>/download/", actions.evidence_download, name="evidence_download"
    ),
    # The admin's own login page, refused as the application's is while locked out (name
    # "admin:login" still resolves here: this pattern comes first).
    path("admin/login/", throttle.refuse_when_locked_out(admin.site.login)),
    path("admin/", admin.site.urls),
]
