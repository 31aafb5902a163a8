"""Area codes: England and the pattern of English council codes (ONS GSS codes)."""

from __future__ import annotations

import re

ENGLAND_CODE = "E92000001"
AREA_CODE_PATTERN = re.compile(r"^E\d{8}$")


def is_area_code(code: str) -> bool:
    """Whether ``code`` looks like an English ONS area code (``E`` and eight digits)."""
    return bool(AREA_CODE_PATTERN.match(code))
