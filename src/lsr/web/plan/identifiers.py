"""Text that looks like it identifies a person: refused in the engagement log, which records
who was spoken with by role and organisation only (never patients' or staff members'
identities).

Refused, each with a sentence saying why:

* an NHS number: ten digits, written together or as 3-3-4 with spaces or hyphens (any such
  number, whether or not its check digit is valid: a mistyped NHS number identifies a person
  too);
* a date of birth, where the text says it is one (``DOB``, ``date of birth``, ``born on``);
* a title followed by a name (``Mrs Smith``, ``Dr. Jones``);
* an email address.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?<![\d])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d])"),
        "looks like an NHS number (ten digits)",
    ),
    (
        re.compile(r"\b(dob|d\.o\.b\.?|date of birth|born on)\b", re.IGNORECASE),
        "looks like a date of birth",
    ),
    (
        re.compile(r"\b(Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+[A-Z][a-z'-]+"),
        "looks like a person's name (a title followed by a name)",
    ),
    (
        re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),
        "looks like an email address",
    ),
)


def person_identifier(text: str) -> str | None:
    """Why ``text`` looks like it identifies a person, or ``None``."""
    for pattern, why in _RULES:
        found = pattern.search(text or "")
        if found is not None:
            return (
                f"“{found.group()}” at character {found.start() + 1} {why}: the engagement "
                "log records roles, organisations and numbers of people only, never who they are"
            )
    return None


@deconstructible
class NoPersonIdentifier:
    """Model-field validator: :func:`person_identifier` as a ``ValidationError``."""

    def __call__(self, value: object) -> None:
        if isinstance(value, str):
            why = person_identifier(value)
            if why is not None:
                raise ValidationError(f"The text {why}.", code="person_identifier")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoPersonIdentifier)

    def __hash__(self) -> int:
        return hash("NoPersonIdentifier")


NO_PERSON_IDENTIFIERS = [NoPersonIdentifier()]
