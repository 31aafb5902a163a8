"""Template context shared by every page: the user's role and the reviews they can open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lsr.web.plan import permissions
from lsr.web.plan.models import Role

_NAV = {
    "overview": "overview",
    "board": "board",
    "action_create": "board",
    "action_detail": "board",
    "action_edit": "board",
    "action_delete": "board",
    "import_xlsx": "board",
    "findings": "findings",
    "finding_edit": "findings",
    "area_edit": "findings",
    "area_create": "findings",
    "report": "report",
    "audit_log": "audit",
    "simulations": "simulations",
    "simulation_detail": "simulations",
    **{
        name: "relaudit"
        for name in (
            "relaudit_rounds",
            "relaudit_round_create",
            "relaudit_change",
            "relaudit_round",
            "relaudit_codes",
            "relaudit_comments",
            "relaudit_tag",
            "relaudit_export",
        )
    },
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = permissions.role_of(user)
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "url_name", "") or ""
    return {
        "nav": _NAV.get(name, ""),
        "user_role": role,
        "user_role_label": Role(role).label if role else "No role",
        "user_organisation": getattr(permissions.profile_of(user), "organisation", None),
    }
