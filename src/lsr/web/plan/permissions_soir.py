"""Who may do what with the information request (SOIR) and the engagement log, built on the
rules of :mod:`lsr.web.plan.permissions` (reading a review: administrators and reviewers all
reviews, everyone else the reviews they are members of).

====================  ==========  ============  ===============  ===========  ============
role                  build and   answer        read answers     log          read
                      send, re-                                  engagement   engagement
                      open, edit                                              notes
                      templates
====================  ==========  ============  ===============  ===========  ============
administrator         yes         any org       all (drafts too) yes          yes
reviewer              yes         no            submitted        yes          yes
system lead           yes         own org       submitted; own   no           yes
                                                org's drafts
partner editor        no          own org       submitted; own   no           no
                                                org's drafts
viewer                no          no            submitted        no           no
====================  ==========  ============  ===============  ===========  ============

Every rule also needs the review to be readable (a member, or a reviewer / administrator).
"Answer" means: the organisation is one the request was sent to, the request is sent (not a
draft) and the answer is not submitted (a submitted answer is locked until a
reviewer, system lead or administrator reopens it). Another organisation's draft answer is
refused (403) to everyone but administrators, on every route (page, save, submit, evidence,
download): the same answer whether or not the answer exists for a review the user may read.
Drafts are the organisation's working copy: reviewers see that an answer is in draft, never
its content, until it is submitted. Engagement records (who was spoken with by role and
organisation, the date, themes) are read by everyone who reads the review; their notes only by
administrators, reviewers and system leads; they are written by administrators and reviewers.
Question templates are a library for all reviews: anyone signed in with a role may read them;
administrators, reviewers and system leads may export them; administrators and reviewers may
import them.
"""

from __future__ import annotations

from typing import Any

from lsr.web.plan.models import Review, Role
from lsr.web.plan.models_soir import (
    Answer,
    AnswerStatus,
    EngagementRecord,
    InformationRequest,
    RequestStatus,
)
from lsr.web.plan.permissions import can_view_review, profile_of, require, role_of

MANAGERS = (Role.ADMINISTRATOR, Role.REVIEWER, Role.SYSTEM_LEAD)
ANSWERERS = (Role.PARTNER_EDITOR, Role.SYSTEM_LEAD)
LOGGERS = (Role.ADMINISTRATOR, Role.REVIEWER)


def _own_org(user: Any) -> int | None:
    p = profile_of(user)
    return p.organisation_id if p else None


def can_manage_soir(user: Any, review: Review) -> bool:
    """Build and send a request; reopen a submitted answer."""
    return role_of(user) in MANAGERS and can_view_review(user, review)


def is_own_org(user: Any, organisation_id: int) -> bool:
    """The user answers for this organisation (administrators: every organisation)."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return True
    own = _own_org(user)
    return role in ANSWERERS and own is not None and own == organisation_id


def can_see_org_answers(user: Any, request: InformationRequest, organisation_id: int) -> bool:
    """Open an organisation's answers page of a request: its own answerers and those who read
    every organisation's submitted answers (everyone but partner editors)."""
    if not can_view_review(user, request.review):
        return False
    if role_of(user) == Role.PARTNER_EDITOR:
        return is_own_org(user, organisation_id)
    return True


def can_read_answer(user: Any, answer: Answer) -> bool:
    """Read the answer's content, evidence and links."""
    request = answer.question.request
    if not can_see_org_answers(user, request, answer.organisation_id):
        return False
    return answer.status == AnswerStatus.SUBMITTED or is_own_org(user, answer.organisation_id)


def can_answer(user: Any, answer: Answer) -> bool:
    """Change the answer, attach evidence, submit it."""
    request = answer.question.request
    return (
        can_view_review(user, request.review)
        and is_own_org(user, answer.organisation_id)
        and request.status == RequestStatus.SENT
        and answer.status == AnswerStatus.DRAFT
    )


def can_reopen(user: Any, answer: Answer) -> bool:
    return (
        answer.status == AnswerStatus.SUBMITTED
        and answer.question.request.status == RequestStatus.SENT
        and can_manage_soir(user, answer.question.request.review)
    )


def can_log_engagement(user: Any, review: Review) -> bool:
    return role_of(user) in LOGGERS and can_view_review(user, review)


def can_read_engagement_notes(user: Any, review: Review) -> bool:
    return role_of(user) in MANAGERS and can_view_review(user, review)


def can_read_templates(user: Any) -> bool:
    return role_of(user) is not None


def can_export_templates(user: Any) -> bool:
    return role_of(user) in MANAGERS


def can_import_templates(user: Any) -> bool:
    return role_of(user) in LOGGERS


def require_manage_soir(user: Any, review: Review) -> None:
    require(can_manage_soir(user, review), f"may not build or send requests of review {review.pk}")


def require_see_org_answers(user: Any, request: InformationRequest, organisation_id: int) -> None:
    require(
        can_see_org_answers(user, request, organisation_id),
        f"may not read organisation {organisation_id}'s answers to request {request.pk}",
    )


def require_read_answer(user: Any, answer: Answer) -> None:
    require(can_read_answer(user, answer), f"may not read answer {answer.pk}")


def require_answer(user: Any, answer: Answer) -> None:
    require(can_answer(user, answer), f"may not change answer {answer.pk}")


def require_reopen(user: Any, answer: Answer) -> None:
    require(can_reopen(user, answer), f"may not reopen answer {answer.pk}")


def require_log_engagement(user: Any, review: Review) -> None:
    require(can_log_engagement(user, review), f"may not log engagement of review {review.pk}")


def require_edit_engagement(user: Any, record: EngagementRecord) -> None:
    require(
        can_log_engagement(user, record.review), f"may not change engagement record {record.pk}"
    )


def require_read_templates(user: Any) -> None:
    require(can_read_templates(user), "may not read question templates")


def require_export_templates(user: Any) -> None:
    require(can_export_templates(user), "may not export question templates")


def require_import_templates(user: Any) -> None:
    require(can_import_templates(user), "may not import question templates")
