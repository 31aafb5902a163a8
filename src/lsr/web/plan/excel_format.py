"""The action plan workbook's format and the import's limits (see ``docs/web.md``).

Sheet names and header rows are fixed; the export writes exactly these columns, and the import
needs them (in any order; other columns are ignored)."""

from __future__ import annotations

ACTION_SHEET = "Actions"
AREA_SHEET = "Areas for improvement"
ACTION_COLUMNS = (
    "id",
    "reference",
    "what",
    "area_for_improvement_id",
    "theme",
    "owner_organisation",
    "owner_person",
    "start",
    "due",
    "status",
    "rag",
    "evidence_notes",
    "linked_indicators",
    "milestones",
    "version",
)
AREA_COLUMNS = ("id", "priority_group", "text", "order")
SHEETS = {ACTION_SHEET: ACTION_COLUMNS, AREA_SHEET: AREA_COLUMNS}

#: The largest workbook file an import takes (bytes).
MAX_FILE_BYTES = 10_000_000
#: The most its parts may hold once unzipped (bytes): a small file can unzip to gigabytes.
MAX_UNZIPPED_BYTES = 50_000_000
#: The most parts (files inside the .xlsx zip) a workbook may have.
MAX_PARTS = 1_000
#: The most rows of data per sheet, after the header row (blank rows count: reading stops at
#: the first row past the limit).
MAX_ROWS = 5_000
#: The most columns a sheet's rows may fill.
MAX_COLUMNS = 50


class ImportError_(Exception):
    """The workbook was refused; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors
