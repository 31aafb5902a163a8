"""The action edit form's fields for an existing action, as a browser would post them (shared by
the web tests that edit or create actions through the views)."""

from __future__ import annotations

from typing import Any

from lsr.web.plan.models import Action


def action_form_data(action: Action, **changes: Any) -> dict[str, Any]:
    """The form data of ``action`` as it stands (dates as ISO text, empty when unset), with
    ``changes`` applied on top."""
    data = {
        "reference": action.reference,
        "what": action.what,
        "area": action.area_id or "",
        "theme": action.theme_id,
        "owner_organisation": action.owner_organisation_id,
        "owner_person": action.owner_person,
        "start": action.start.isoformat() if action.start else "",
        "due": action.due.isoformat() if action.due else "",
        "status": action.status,
        "evidence_notes": action.evidence_notes,
        "indicators": list(action.indicators or []),
        "status_note": "",
        "version": action.version,
    }
    data.update(changes)
    return data
