"""The question templates of the information request as an .xlsx workbook, and its import.

Sheet ``Question templates``, one row per template, columns
``id, theme, kind, text, guidance, choices, order``:

* ``id``: blank for a new template; an existing template's id to update it.
* ``theme``: one of the nine themes, exactly as written in the application.
* ``kind``: ``text``, ``number``, ``date``, ``choice`` or ``file`` (or the label shown in the
  application: ``Free text``, ``Number``...).
* ``choices``: for a ``choice`` question, at least two choices, one per line; blank otherwise.
* ``order``: a whole number (0 or more).

Export writes every text cell inert (:func:`lsr.web.plan.excel.text_cell`: never a formula,
quote-prefixed where it starts with ``=``, ``+``, ``-``, ``@``), so that export and import give
back exactly what was written. Import reads within the action plan import's bounds (file size,
unzipped size, parts, rows, columns: :mod:`lsr.web.plan.excel_read`), checks every row and
names each problem as *sheet, row, column: message*; any problem and nothing is saved.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from lsr.web.plan import audit, excel_read
from lsr.web.plan.excel import text_cell
from lsr.web.plan.excel_format import ImportError_
from lsr.web.plan.excel_import import _Checker, _int, _shown
from lsr.web.plan.models import THEMES, AuditEvent
from lsr.web.plan.models_soir import QuestionKind, QuestionTemplate

__all__ = ["SHEET", "TEMPLATE_COLUMNS", "ImportError_", "export_templates", "import_templates"]

SHEET = "Question templates"
TEMPLATE_COLUMNS = ("id", "theme", "kind", "text", "guidance", "choices", "order")
_KINDS = {
    **{k.value: k.value for k in QuestionKind},
    **{str(k.label).lower(): k.value for k in QuestionKind},
}


def export_templates() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(list(TEMPLATE_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for t in QuestionTemplate.objects.all():
        ws.append(
            [
                t.pk,
                text_cell(ws, t.theme, multiline=False),
                text_cell(ws, t.kind, multiline=False),
                *(text_cell(ws, v, multiline=True) for v in (t.text, t.guidance, t.choices)),
                t.order,
            ]
        )
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass
class TemplateImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _read(data: bytes) -> list[excel_read.Row]:
    excel_read._check_zip(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ImportError_(
            [f"the file is not an .xlsx workbook ({exc.__class__.__name__})"]
        ) from None
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportError_(
            [f"the file is not an .xlsx workbook ({exc.__class__.__name__})"]
        ) from None
    try:
        if SHEET not in wb.sheetnames:
            raise ImportError_([f"sheet {SHEET!r} is missing"])
        errors: list[str] = []
        try:
            rows = excel_read._read_sheet(wb[SHEET], TEMPLATE_COLUMNS, errors)
        except ImportError_:
            raise
        except Exception as exc:  # a damaged sheet
            errors.append(f"sheet {SHEET!r} cannot be read ({exc.__class__.__name__})")
            rows = []
        if errors:
            raise ImportError_(errors)
        return rows
    finally:
        wb.close()


def _check_row(
    row: excel_read.Row,
    check: _Checker,
    existing: dict[int, QuestionTemplate],
    seen: dict[int, int],
) -> tuple[int | None, dict[str, Any]]:
    pk = check.pk(SHEET, row, seen, "template")
    if pk is not None and pk not in existing:
        check.err(SHEET, row.number, "id", f"there is no question template {pk}")
    values: dict[str, Any] = {}
    theme = check.text(SHEET, row, "theme", QuestionTemplate, "theme")
    if theme not in THEMES:
        check.err(SHEET, row.number, "theme", f"{_shown(theme)} is not one of the nine themes")
    values["theme"] = theme
    kind_text = check.text(SHEET, row, "kind", QuestionTemplate, "kind")
    kind = _KINDS.get(kind_text.lower())
    if kind is None:
        kinds = ", ".join(k.value for k in QuestionKind)
        check.err(SHEET, row.number, "kind", f"{_shown(kind_text)} is not one of {kinds}")
    values["kind"] = kind
    for name in ("text", "guidance", "choices"):
        values[name] = check.text(SHEET, row, name, QuestionTemplate, name)
    if not values["text"]:
        check.err(SHEET, row.number, "text", "the question is empty")
    choices = [c for c in values["choices"].split("\n") if c.strip()]
    if kind == QuestionKind.CHOICE and len(choices) < 2:
        check.err(SHEET, row.number, "choices", "a choice question needs at least two choices")
    if kind is not None and kind != QuestionKind.CHOICE and values["choices"]:
        check.err(SHEET, row.number, "choices", f"only a choice question has choices (kind {kind})")
    try:
        order = _int(row.values["order"])
    except ValueError:
        check.err(
            SHEET, row.number, "order", f"{_shown(row.values['order'])} is not a whole number"
        )
        order = 0
    if order is not None and not 0 <= order <= 1_000_000:
        check.err(SHEET, row.number, "order", f"{order} is not between 0 and 1,000,000")
    values["order"] = order or 0
    return pk, values


def import_templates(data: bytes, user: Any) -> TemplateImportResult:
    """Create and update question templates from ``data``; all or nothing."""
    rows = _read(data)
    result = TemplateImportResult()
    with transaction.atomic():
        existing = {t.pk: t for t in QuestionTemplate.objects.select_for_update()}
        check = _Checker()
        seen: dict[int, int] = {}
        plans = [_check_row(row, check, existing, seen) for row in rows]
        if check.errors:
            raise ImportError_(check.errors)
        for pk, values in plans:
            if pk is None:
                template = QuestionTemplate.objects.create(**values)
                audit.created(user, template, "imported from Excel")
                result.created += 1
                continue
            template = existing[pk]
            if all(getattr(template, k) == v for k, v in values.items()):
                result.unchanged += 1
                continue
            before = audit.snapshot(template)
            for k, v in values.items():
                setattr(template, k, v)
            template.save()
            audit.updated(user, template, before, "imported from Excel")
            result.updated += 1
        audit.event(
            user,
            AuditEvent.Kind.IMPORT,
            f"question templates: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged",
        )
    return result
