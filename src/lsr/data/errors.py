"""Errors raised by loaders: each names the file, the place in it and the field."""

from __future__ import annotations

from pathlib import Path


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
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [Path(self.file).name]
        if self.sheet is not None:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
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
