"""Who may do what. Every view that reads or changes a review's data calls one of the
``require_*`` functions with the object itself, on every request (object-level checks).

================  =========  ==============  =============  ==========  ================  =========
role              read       actions          evidence       findings,   Excel import,     audit
                                              upload          areas       publish report    trail
================  =========  ==============  =============  ==========  ================  =========
administrator     all        all             all            yes         yes               yes
reviewer          all        no              no             yes         publish only      yes
system lead       own        all in review   all in review  no          import only       yes
partner editor    own        own org's       own org's      no          no                no
viewer            own        no              no             no          no                no
================  =========  ==============  =============  ==========  ================  =========

"own" = the reviews the user is a member of. Deleting an action: administrators and system
leads. A refusal raises :class:`~django.core.exceptions.PermissionDenied` (HTTP 403), which the
audit middleware records.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from lsr.web.plan.models import Action, Organisation, Profile, Review, Role


def profile_of(user: Any) -> Profile | None:
    """The user's profile, read once per user object with its organisation (one query) and kept
    in the user's ``lsr_profile`` cache, as Django keeps a related object once read."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    related = user.__class__.lsr_profile.related  # __class__: request.user is a lazy object
    if not related.is_cached(user):
        related.set_cached_value(
            user, Profile.objects.select_related("organisation").filter(user=user).first()
        )
    try:
        return user.lsr_profile  # type: ignore[no-any-return]
    except Profile.DoesNotExist:
        return None


def role_of(user: Any) -> str | None:
    if getattr(user, "is_superuser", False):
        return Role.ADMINISTRATOR
    p = profile_of(user)
    return p.role if p else None


def sees_all_reviews(user: Any) -> bool:
    return role_of(user) in (Role.ADMINISTRATOR, Role.REVIEWER)


def visible_reviews(user: Any) -> QuerySet[Review]:
    if sees_all_reviews(user):
        return Review.objects.all()
    p = profile_of(user)
    if p is None:
        return Review.objects.none()
    return p.reviews.all()


def _review_access(user: Any) -> dict[int, bool]:
    """The user's answers to "may read review N", kept on the user object (``request.user`` is
    loaded afresh for every request, so they last one request)."""
    memo: dict[int, bool] | None = getattr(user, "_lsr_review_access", None)
    if memo is None:
        memo = user._lsr_review_access = {}
    return memo


def can_view_review(user: Any, review: Review) -> bool:
    """Whether ``user`` may read ``review``. The membership answer is kept on the user object
    (``request.user`` is loaded afresh for every request, so this is one query per review per
    request however many checks a page makes), like the profile it is read from."""
    if role_of(user) is None:
        return False
    if sees_all_reviews(user):
        return True
    memo = _review_access(user)
    if review.pk not in memo:
        memo[review.pk] = visible_reviews(user).filter(pk=review.pk).exists()
    return memo[review.pk]


def review_if_visible(user: Any, review_id: int) -> Review:
    """The review ``review_id`` if ``user`` may read it, read with the membership check in one
    query for members. Raises :class:`~django.http.Http404` when there is no such review and
    :class:`~django.core.exceptions.PermissionDenied` when the user may not read it (the same
    answers as loading the review and calling :func:`require_view_review`)."""
    review: Review | None
    if role_of(user) is not None and sees_all_reviews(user):
        review = Review.objects.filter(pk=review_id).first()
        if review is None:
            raise Http404("no such review")
        return review
    p = profile_of(user)
    review = p.reviews.filter(pk=review_id).first() if p is not None else None
    if review is None:
        if not Review.objects.filter(pk=review_id).exists():
            raise Http404("no such review")
        require(False, f"may not view review {review_id}")
    assert review is not None
    _review_access(user)[review.pk] = True
    return review


def can_create_action(user: Any, review: Review, organisation: Organisation | None = None) -> bool:
    role = role_of(user)
    if not can_view_review(user, review):
        return False
    if role in (Role.ADMINISTRATOR, Role.SYSTEM_LEAD):
        return True
    if role == Role.PARTNER_EDITOR:
        p = profile_of(user)
        own = p.organisation_id if p else None
        return own is not None and (organisation is None or organisation.pk == own)
    return False


def can_edit_action(user: Any, action: Action) -> bool:
    role = role_of(user)
    if not can_view_review(user, action.review):
        return False
    if role in (Role.ADMINISTRATOR, Role.SYSTEM_LEAD):
        return True
    if role == Role.PARTNER_EDITOR:
        p = profile_of(user)
        return p is not None and p.organisation_id == action.owner_organisation_id
    return False


def can_delete_action(user: Any, action: Action) -> bool:
    return role_of(user) in (Role.ADMINISTRATOR, Role.SYSTEM_LEAD) and can_view_review(
        user, action.review
    )


def can_edit_findings(user: Any, review: Review) -> bool:
    return role_of(user) in (Role.ADMINISTRATOR, Role.REVIEWER) and can_view_review(user, review)


def can_publish(user: Any, review: Review) -> bool:
    return can_edit_findings(user, review)


def can_import(user: Any, review: Review) -> bool:
    return role_of(user) in (Role.ADMINISTRATOR, Role.SYSTEM_LEAD) and can_view_review(user, review)


def can_read_audit(user: Any, review: Review) -> bool:
    return role_of(user) in (
        Role.ADMINISTRATOR,
        Role.REVIEWER,
        Role.SYSTEM_LEAD,
    ) and can_view_review(user, review)


def require(allowed: bool, reason: str) -> None:
    if not allowed:
        raise PermissionDenied(reason)


def require_view_review(user: Any, review: Review) -> None:
    require(can_view_review(user, review), f"may not view review {review.pk}")


def require_view_action(user: Any, action: Action) -> None:
    require(can_view_review(user, action.review), f"may not view action {action.pk}")


def require_edit_action(user: Any, action: Action) -> None:
    require(can_edit_action(user, action), f"may not change action {action.pk}")


def require_delete_action(user: Any, action: Action) -> None:
    require(can_delete_action(user, action), f"may not delete action {action.pk}")


def require_create_action(user: Any, review: Review, organisation: Organisation | None) -> None:
    org = f" for organisation {organisation.pk}" if organisation else ""
    require(
        can_create_action(user, review, organisation),
        f"may not create actions in review {review.pk}{org}",
    )


def require_edit_findings(user: Any, review: Review) -> None:
    require(can_edit_findings(user, review), f"may not edit findings of review {review.pk}")


def require_publish(user: Any, review: Review) -> None:
    require(can_publish(user, review), f"may not publish the report of review {review.pk}")


def require_import(user: Any, review: Review) -> None:
    require(can_import(user, review), f"may not import into review {review.pk}")


def require_read_audit(user: Any, review: Review) -> None:
    require(can_read_audit(user, review), f"may not read the audit trail of review {review.pk}")
