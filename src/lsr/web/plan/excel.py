"""Export an action plan to .xlsx and import the same format back.

Workbook format (sheet names and header row are fixed; the export writes exactly this):

Sheet ``Actions`` - one row per action, columns:
    id, reference, what, area_for_improvement_id, theme, owner_organisation, owner_person,
    start, due, status, rag, evidence_notes, linked_indicators, milestones, version

* ``id``: blank for a new action; an existing action's id to update it (it must belong to the
  review being imported into).
* ``theme`` and ``owner_organisation``: names, exactly as in the application.
* ``start`` / ``due``: dates (Excel dates or ``YYYY-MM-DD``).
* ``status``: one of ``Not started``, ``On track``, ``At risk``, ``Off track``, ``Complete``.
* ``rag``: written on export for reading; ignored on import (it is derived).
* ``linked_indicators``: indicator ids separated by commas (see ``lsr.core.indicators``).
* ``milestones``: one per line, ``YYYY-MM-DD | text | done`` or ``... | open``; on import
  they replace the action's milestones.
* ``version``: written on export; on import an existing action whose version has changed since
  the export is refused (optimistic locking, as in the edit form).

Sheet ``Areas for improvement`` - id, priority_group (strategic / operational / engagement),
text, order. Import updates rows with an id of this review and creates rows without one.

Import (:mod:`lsr.web.plan.excel_import`, reading bounded by :mod:`lsr.web.plan.excel_read`)
checks every row and reports each problem as ``sheet, row, column: message``, against the
rows as they are inside its write transaction (locked); any problem: nothing is saved.

Every text cell the export writes is **inert** (:func:`text_cell`): a string cell, never a
formula, whatever the text starts with (``=``, ``+``, ``-``, ``@``...), with Excel's quote
prefix where it starts with one of those, so that editing the cell keeps it text too; and the
export never fails on a character a spreadsheet cannot hold (removed, see
:func:`lsr.web.plan.text_rules.clean_for_export`).
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from lsr.web.plan import text_rules
from lsr.web.plan.excel_format import (
    ACTION_COLUMNS,
    ACTION_SHEET,
    AREA_COLUMNS,
    AREA_SHEET,
    ImportError_,
)
from lsr.web.plan.excel_import import ImportResult, import_workbook
from lsr.web.plan.excel_read import encode_escapes
from lsr.web.plan.models import Action, Review

__all__ = [
    "ACTION_COLUMNS",
    "ACTION_SHEET",
    "AREA_COLUMNS",
    "AREA_SHEET",
    "ImportError_",
    "ImportResult",
    "export_workbook",
    "import_workbook",
    "text_cell",
]

#: What a spreadsheet takes as the start of a formula (or of a DDE payload) in a typed cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

#: Columns holding multi-line text (newlines and tabs kept); every other text is single-line.
_MULTILINE = {"what", "evidence_notes", "milestones", "text"}


def text_cell(ws: Worksheet, text: str, *, multiline: bool = True) -> Cell:
    """A cell holding ``text`` as inert text: stored as a string (openpyxl would store a text
    starting with ``=`` as a formula), quote-prefixed when it starts with a formula trigger,
    ``_xHHHH_`` written so that Excel reads it back as written, and without the characters a
    cell cannot hold."""
    text = encode_escapes(text_rules.clean_for_export(text, multiline=multiline))
    cell = Cell(ws)
    cell.value = text  # may take it for a formula: typed as a string just below
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def _write(ws: Worksheet, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(
            [
                text_cell(ws, value, multiline=name in _MULTILINE)
                if isinstance(value, str)
                else value
                for name, value in zip(columns, row, strict=True)
            ]
        )
    ws.freeze_panes = "A2"


def _milestones_text(action: Action) -> str:
    return "\n".join(
        f"{m.date.isoformat()} | {m.text} | {'done' if m.done else 'open'}"
        for m in action.milestones.all()
    )


def export_workbook(review: Review) -> bytes:
    """The review's action plan as .xlsx bytes."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = ACTION_SHEET
    actions = Action.objects.filter(review=review).select_related("theme", "owner_organisation")
    _write(
        ws,
        ACTION_COLUMNS,
        [
            [
                a.pk,
                a.reference,
                a.what,
                a.area_id,
                a.theme.name,
                a.owner_organisation.name,
                a.owner_person,
                a.start,
                a.due,
                str(a.get_status_display()),
                str(a.rag().label),
                a.evidence_notes,
                ", ".join(a.indicators or []),
                _milestones_text(a),
                a.version,
            ]
            for a in actions.prefetch_related("milestones")
        ],
    )
    for col in ("H", "I"):
        for cell in ws[col][1:]:
            cell.number_format = "yyyy-mm-dd"
    areas = wb.create_sheet(AREA_SHEET)
    _write(
        areas,
        AREA_COLUMNS,
        [[a.pk, a.priority_group, a.text, a.order] for a in review.areas.all()],
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
