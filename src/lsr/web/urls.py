"""URLs of the web application."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from lsr.web.plan import throttle
from lsr.web.plan import views_actions as actions
from lsr.web.plan import views_auth as auth
from lsr.web.plan import views_engagement as engagement
from lsr.web.plan import views_overview as overview
from lsr.web.plan import views_relaudit as relaudit
from lsr.web.plan import views_relaudit_survey as survey
from lsr.web.plan import views_review as review
from lsr.web.plan import views_simulations as simulations
from lsr.web.plan import views_soir as soir
from lsr.web.plan import views_winter as winter

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
    # The winter dashboard (views_winter).
    path("reviews/<int:review_id>/winter/", winter.dashboard, name="winter"),
    path("reviews/<int:review_id>/winter/update.json", winter.update, name="winter_update"),
    path("reviews/<int:review_id>/winter/revision.json", winter.revision, name="winter_revision"),
    path(
        "reviews/<int:review_id>/winter/scenarios/",
        winter.scenario_save,
        name="winter_scenario_save",
    ),
    path(
        "reviews/<int:review_id>/winter/scenarios/<int:scenario_id>/export.<str:fmt>",
        winter.scenario_export,
        name="winter_scenario_export",
    ),
    path("reviews/<int:review_id>/winter/upload/", winter.upload, name="winter_upload"),
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
    # The relational audit (lsr.web.plan.views_relaudit) and its public survey (no login).
    path("reviews/<int:review_id>/relational-audit/", relaudit.rounds, name="relaudit_rounds"),
    path(
        "reviews/<int:review_id>/relational-audit/new/",
        relaudit.round_create,
        name="relaudit_round_create",
    ),
    path(
        "reviews/<int:review_id>/relational-audit/change/",
        relaudit.change,
        name="relaudit_change",
    ),
    path(
        "reviews/<int:review_id>/relational-audit/<int:round_id>/",
        relaudit.round_results,
        name="relaudit_round",
    ),
    path(
        "reviews/<int:review_id>/relational-audit/<int:round_id>/codes/",
        relaudit.codes,
        name="relaudit_codes",
    ),
    path(
        "reviews/<int:review_id>/relational-audit/<int:round_id>/comments/",
        relaudit.comments,
        name="relaudit_comments",
    ),
    path(
        "reviews/<int:review_id>/relational-audit/<int:round_id>/comments/<str:response_id>/",
        relaudit.tag,
        name="relaudit_tag",
    ),
    path(
        "reviews/<int:review_id>/relational-audit/<int:round_id>/results.<str:fmt>",
        relaudit.export,
        name="relaudit_export",
    ),
    path("survey/", survey.start, name="survey_start"),
    path("survey/answer/", survey.answer, name="survey_answer"),
    path("survey/thanks/", survey.thanks, name="survey_thanks"),
    # The review's evidence: information requests (SOIR) and the engagement log.
    path("reviews/<int:review_id>/soir/", soir.soir_list, name="soir_list"),
    path("reviews/<int:review_id>/soir/new/", soir.soir_build, name="soir_build"),
    path("soir/<int:request_id>/", soir.soir_detail, name="soir_detail"),
    path("soir/<int:request_id>/send/", soir.soir_send, name="soir_send"),
    path("soir/<int:request_id>/answers/", soir.soir_answers, name="soir_answers"),
    path(
        "soir/<int:request_id>/organisations/<int:organisation_id>/",
        soir.soir_org,
        name="soir_org",
    ),
    path("soir-answers/<int:answer_id>/", soir.answer_view, name="soir_answer"),
    path("soir-answers/<int:answer_id>/reopen/", soir.answer_reopen, name="soir_reopen"),
    path(
        "soir-answers/<int:answer_id>/evidence/",
        soir.answer_evidence_add,
        name="soir_evidence_add",
    ),
    path(
        "soir-evidence/<int:evidence_id>/download/",
        soir.answer_evidence_download,
        name="soir_evidence_download",
    ),
    path("soir-templates/", soir.templates_list, name="soir_templates"),
    path("soir-templates/export.xlsx", soir.templates_export, name="soir_templates_export"),
    path("soir-templates/import/", soir.templates_import, name="soir_templates_import"),
    path("reviews/<int:review_id>/engagement/", engagement.engagement_list, name="engagement_list"),
    path(
        "reviews/<int:review_id>/engagement/new/",
        engagement.engagement_edit,
        name="engagement_create",
    ),
    path(
        "reviews/<int:review_id>/engagement/<int:record_id>/edit/",
        engagement.engagement_edit,
        name="engagement_edit",
    ),
    # The admin's own login page, refused as the application's is while locked out (name
    # "admin:login" still resolves here: this pattern comes first).
    path("admin/login/", throttle.refuse_when_locked_out(admin.site.login)),
    path("admin/", admin.site.urls),
]
