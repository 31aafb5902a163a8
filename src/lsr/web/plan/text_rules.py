"""What text the application accepts: no control characters, newlines only where a field is
multi-line, and no more than a spreadsheet cell holds.

One rule for every way text comes in (the application's forms, the Django admin and the Excel
import) and one clean-up for every way it goes out (exports), so that a character typed or
pasted once can never make a later export fail:

* **single-line** text (a name, a reference, a milestone): no character of Unicode category
  ``Cc`` (C0 controls U+0000-U+001F, DEL U+007F, C1 controls U+0080-U+009F; tab and newlines
  included);
* **multi-line** text (a description, notes): the same, except tab and newline; carriage
  returns (browsers send CR LF in a textarea) are turned into newlines first;
* in both, no surrogate code points and no Unicode noncharacters (U+FFFE, U+FFFF and the
  like): XML, and so .xlsx, cannot hold them;
* at most :data:`MAX_TEXT` characters (32,767: the most an Excel cell holds; openpyxl cuts a
  longer text silently).
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

#: The most characters a text may have: an Excel cell holds no more.
MAX_TEXT = 32_767

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}-{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
#: Every character refused in a multi-line text (tab and newline are allowed there).
_REFUSED_MULTI = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff" + _NONCHARACTERS + "]"
)
#: Every character refused in a single-line text.
_REFUSED_SINGLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff" + _NONCHARACTERS + "]")
_NEWLINES = re.compile(r"\r\n?")


def normalise_newlines(text: str) -> str:
    """CR LF and lone CR as LF (what a browser sends from a textarea, and what XML keeps)."""
    return _NEWLINES.sub("\n", text)


def describe(char: str) -> str:
    """``U+001B (ESCAPE)``: a character named for a person reading an error message."""
    name = unicodedata.name(char, "")
    if not name and unicodedata.category(char) == "Cc":
        name = {
            "\x00": "NULL",
            "\t": "TAB",
            "\n": "LINE FEED",
            "\x0b": "VERTICAL TAB",
            "\x0c": "FORM FEED",
            "\r": "CARRIAGE RETURN",
            "\x1b": "ESCAPE",
            "\x7f": "DELETE",
            "\x85": "NEXT LINE",
        }.get(char, "C1 control" if "\x80" <= char <= "\x9f" else "C0 control")
    return f"U+{ord(char):04X} ({name or 'not a character'})"


def problem(text: str, *, multiline: bool) -> str | None:
    """Why ``text`` is refused, in one sentence, or ``None`` when it is acceptable. Carriage
    returns in a multi-line text count as newlines (normalise first to store it)."""
    if multiline:
        text = normalise_newlines(text)
    found = (_REFUSED_MULTI if multiline else _REFUSED_SINGLE).search(text)
    if found is not None:
        char = found.group()
        what = "a line break" if char in "\r\n" else "a control character"
        if char == "\t":
            what = "a tab"
        return (
            f"contains {what}, {describe(char)}, at character {found.start() + 1}: "
            "remove it (it cannot be stored or exported)"
        )
    if len(text) > MAX_TEXT:
        return f"is {len(text):,} characters long; the most is {MAX_TEXT:,}"
    return None


def clean_for_export(text: str, *, multiline: bool = True) -> str:
    """``text`` without the characters :func:`problem` refuses (for writing a row stored before
    these rules, or by a path that skipped them: an export must never fail on it)."""
    text = normalise_newlines(text)
    return (_REFUSED_MULTI if multiline else _REFUSED_SINGLE).sub("", text)


@deconstructible
class TextValidator:
    """Model-field validator: :func:`problem` as a Django ``ValidationError``."""

    def __init__(self, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        if isinstance(value, str):
            reason = problem(value, multiline=self.multiline)
            if reason is not None:
                raise ValidationError(f"The text {reason}.", code="text")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(("TextValidator", self.multiline))


#: Validators for a model's single-line text fields (``CharField``).
SINGLE_LINE = [TextValidator(multiline=False)]
#: Validators for a model's multi-line text fields (``TextField``), length included.
MULTI_LINE = [TextValidator(multiline=True)]
