"""Who may do what on the winter dashboard, built on :mod:`lsr.web.plan.permissions`.

================  =========  ===============  ==============  =================
role              dashboard,  save a lever     upload daily    export a saved
                  levers      setting          situation data  scenario
================  =========  ===============  ==============  =================
administrator     all        yes              yes             yes
reviewer          all        yes              yes             yes
system lead       own        yes              yes             yes
partner editor    own        no               no              yes
viewer            own        no               no              yes
================  =========  ===============  ==============  =================

"own" = the reviews the user is a member of (:func:`permissions.can_view_review`). Trying the
levers saves nothing, so everyone who may read the review may do it. Saving a scenario and
uploading data change what the whole winter team sees: the system lead (who runs the winter
plan) and the reviewer (who reviews it), and administrators. A refusal raises
:class:`~django.core.exceptions.PermissionDenied` (403, recorded by the audit middleware).
"""

from __future__ import annotations

from typing import Any

from lsr.web.plan.models import Review, Role
from lsr.web.plan.models_winter import WinterScenario
from lsr.web.plan.permissions import can_view_review, require, role_of

#: Roles that may save lever settings and upload daily situation data.
WINTER_EDITORS = (Role.ADMINISTRATOR, Role.REVIEWER, Role.SYSTEM_LEAD)


def can_view_winter(user: Any, review: Review) -> bool:
    return can_view_review(user, review)


def can_save_scenario(user: Any, review: Review) -> bool:
    return role_of(user) in WINTER_EDITORS and can_view_review(user, review)


def can_upload_daily(user: Any, review: Review) -> bool:
    return role_of(user) in WINTER_EDITORS and can_view_review(user, review)


def can_export_scenario(user: Any, scenario: WinterScenario) -> bool:
    return can_view_review(user, scenario.review)


def require_save_scenario(user: Any, review: Review) -> None:
    require(can_save_scenario(user, review), f"may not save winter scenarios in review {review.pk}")


def require_upload_daily(user: Any, review: Review) -> None:
    require(can_upload_daily(user, review), f"may not upload daily data to review {review.pk}")


def require_export_scenario(user: Any, scenario: WinterScenario) -> None:
    require(can_export_scenario(user, scenario), f"may not export winter scenario {scenario.pk}")
