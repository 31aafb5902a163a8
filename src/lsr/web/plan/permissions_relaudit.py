"""Who may do what with the relational audit, built on :mod:`lsr.web.plan.permissions`.

==================  ===========================  ========================================
role                results (suppressed):        run rounds (open, issue codes), read the
                    page, export, API, report    free text and tag it to themes
==================  ===========================  ========================================
administrator       all reviews                  all reviews
reviewer            all reviews                  all reviews
system lead         own reviews                  own reviews
partner editor      own reviews                  no
viewer              own reviews                  no
==================  ===========================  ========================================

Everything is object level: a round is reached only through a review the user may read (its
id alone gives nothing: :func:`round_if_visible`). Nobody, whatever the role, sees a figure of
fewer than 5 answers, or which answer came from which code: there is no such link to show.
The public survey pages need no login and no role (:mod:`lsr.web.plan.views_relaudit_survey`).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from lsr.web.plan import permissions
from lsr.web.plan.models import Review, Role
from lsr.web.plan.models_relaudit import AuditRound

#: The roles that run rounds and read the free text.
RUNNERS = (Role.ADMINISTRATOR, Role.REVIEWER, Role.SYSTEM_LEAD)


def can_view_results(user: Any, review: Review) -> bool:
    return permissions.can_view_review(user, review)


def can_run_rounds(user: Any, review: Review) -> bool:
    return permissions.role_of(user) in RUNNERS and permissions.can_view_review(user, review)


def can_read_comments(user: Any, review: Review) -> bool:
    return can_run_rounds(user, review)


def require_view_results(user: Any, review: Review) -> None:
    permissions.require(
        can_view_results(user, review), f"may not view the relational audit of review {review.pk}"
    )


def require_run_rounds(user: Any, review: Review) -> None:
    permissions.require(
        can_run_rounds(user, review), f"may not run relational audit rounds of review {review.pk}"
    )


def require_read_comments(user: Any, review: Review) -> None:
    permissions.require(
        can_read_comments(user, review),
        f"may not read the relational audit's free text of review {review.pk}",
    )


def round_if_visible(user: Any, review_id: int, round_id: int) -> AuditRound:
    """The round ``round_id`` of review ``review_id`` when ``user`` may read that review:
    404 for no such round in that review, 403 (audited) when the review is not theirs."""
    review = permissions.review_if_visible(user, review_id)
    found = AuditRound.objects.filter(pk=round_id, review=review).first()
    if found is None:
        raise Http404("no such round")
    return found
