"""Errors raised by loaders: each names the file, the place in it and the field.

Every message is one line of bounded length, whatever the file holds: :func:`quote` shows a
value from a file shortened to :data:`QUOTE_LIMIT` characters, with control characters escaped
(so that a 20 MB header or a terminal escape sequence never reaches the screen), and
:class:`LoadError` shortens any quoted text a message still carries, joins its lines and caps
its length at :data:`MESSAGE_LIMIT`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

QUOTE_LIMIT = 80
"""The most characters of a value from a file that an error message shows."""

MESSAGE_LIMIT = 400
"""The most characters of a :class:`LoadError` message (the part after the place)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_AUTO_CUT = 2 * QUOTE_LIMIT
# Quoted text in a message longer than _AUTO_CUT characters (a value a caller did not pass
# through quote()); prose between two apostrophes is rarely that long.
_LONG_QUOTED = re.compile(rf"'([^'\n]{{{_AUTO_CUT + 1},}})'|\"([^\"\n]{{{_AUTO_CUT + 1},}})\"")


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was when it is cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def _escape_controls(text: str) -> str:
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """A value from a file as an error message shows it: quoted like ``repr`` of a string
    (control characters escaped), cut to ``limit`` characters."""
    text = str(value)
    cut = len(text) > limit
    shown = repr(text[:limit] if cut else text)
    return f"{shown}... ({len(text):,} characters)" if cut else shown


def quote_list(values: Iterable[Any], limit: int = QUOTE_LIMIT * 2) -> str:
    """Values (for example a header's column names) joined by commas, each shortened, the
    whole list cut to about ``limit`` characters with a count of what was left out."""
    items = [shorten(_escape_controls(str(v)), 40) for v in values]
    shown: list[str] = []
    used = 0
    for item in items:
        if shown and used + len(item) > limit:
            break
        shown.append(item)
        used += len(item) + 2
    rest = len(items) - len(shown)
    text = ", ".join(shown) or "(none)"
    return f"{text} and {rest:,} more" if rest else text


def clean_message(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """A message made safe to print: quoted text over twice :data:`QUOTE_LIMIT` characters cut,
    line breaks and other control characters escaped, the whole cut to ``limit``."""

    def cut(m: re.Match[str]) -> str:
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        mark = "'" if m.group(1) is not None else '"'
        return f"{mark}{inner[:QUOTE_LIMIT]}{mark}... ({len(inner):,} characters)"

    text = _LONG_QUOTED.sub(cut, message)
    text = _escape_controls(text)
    return shorten(text, limit)


class LoadError(Exception):
    """Bad input: names the file, the sheet or row, and the field, in one readable line."""

    def __init__(
        self,
        file: Path | str,
        message: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file)
        self.sheet = sheet
        self.row = row
        self.field = field
        self.message = clean_message(message)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [_escape_controls(shorten(Path(self.file).name, 120))]
        if self.sheet is not None:
            where.append(f"sheet {quote(self.sheet)}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {quote(self.field)}")
        return f"{', '.join(where)}: {self.message}"


class LoadErrors(Exception):
    """Several files (or places) failed validation in one run: every :class:`LoadError`, in
    the order the files were given, so that a user fixes them all before loading again."""

    def __init__(self, errors: list[LoadError]) -> None:
        if not errors:
            raise ValueError("LoadErrors needs at least one LoadError")
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.errors)
        head = "1 file could not be loaded" if count == 1 else f"{count} files could not be loaded"
        return head + ":\n" + "\n".join(f"  {e}" for e in self.errors)
