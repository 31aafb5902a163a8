"""What is kept about an uploaded evidence file (actions' and SOIR answers' evidence alike)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from lsr.web.plan import text_rules


def describe_upload(evidence: Any, upload: Any) -> None:
    """Set ``evidence``'s original name, size and content type from ``upload`` (already
    checked by the form: size cap and allowed types). A file name is text like any other:
    control characters are removed at input, and it is cut to the field's 255 characters."""
    name = text_rules.clean_for_export(upload.name, multiline=False)
    evidence.original_name = name[:255]
    evidence.size = upload.size
    evidence.content_type = settings.EVIDENCE_ALLOWED_TYPES[
        "." + upload.name.rsplit(".", 1)[-1].lower()
    ]
