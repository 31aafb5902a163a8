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

Import validates every row first and reports each problem as ``sheet, row, column: message``;
then it saves everything in one database transaction. Any error: nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from lsr.core.indicators import INDICATORS
from lsr.web.plan import audit
from lsr.web.plan.models import (
    Action,
    AreaForImprovement,
    AuditEvent,
    Milestone,
    Organisation,
    PriorityGroup,
    Review,
    Status,
    StatusChange,
    Theme,
)

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
_STATUS_BY_LABEL = {label.lower(): value for value, label in Status.choices}
_STATUS_BY_LABEL.update({value: value for value, _ in Status.choices})
_INDICATOR_IDS = {ind.id for ind in INDICATORS}


class ImportError_(Exception):
    """The workbook was refused; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _milestones_text(action: Action) -> str:
    return "\n".join(
        f"{m.date.isoformat()} | {m.text} | {'done' if m.done else 'open'}"
        for m in action.milestones.all()
    )


def _write(ws: Worksheet, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "A2"


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
                a.get_status_display(),
                a.rag().label,
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


@dataclass
class _Row:
    number: int
    values: dict[str, Any]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    areas_created: int = 0
    areas_updated: int = 0
    messages: list[str] = field(default_factory=list)


def _rows(ws: Worksheet, columns: tuple[str, ...], errors: list[str]) -> list[_Row]:
    header = [str(c.value).strip() if c.value is not None else "" for c in ws[1]]
    missing = [c for c in columns if c not in header]
    if missing:
        errors.append(f"sheet {ws.title!r}, row 1: missing column(s) {', '.join(missing)}")
        return []
    index = {name: header.index(name) for name in columns}
    rows: list[_Row] = []
    for number, cells in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue
        values = {name: (cells[i] if i < len(cells) else None) for name, i in index.items()}
        rows.append(_Row(number, values))
    return rows


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _date(v: Any) -> dt.date | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v).strip())


def _int(v: Any) -> int | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, int):
        return v
    return int(str(v).strip())


def import_workbook(review: Review, data: BinaryIO | bytes, user: Any) -> ImportResult:
    """Validate the whole workbook, then save it in one transaction (all or nothing).

    Raises :class:`ImportError_` listing every problem; nothing is saved in that case."""
    try:
        wb = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportError_(
            [f"the file is not an .xlsx workbook ({exc.__class__.__name__})"]
        ) from None
    errors: list[str] = []
    for name in (ACTION_SHEET, AREA_SHEET):
        if name not in wb.sheetnames:
            errors.append(f"sheet {name!r} is missing")
    if errors:
        raise ImportError_(errors)

    themes = {t.name.lower(): t for t in Theme.objects.filter(review=review)}
    orgs = {o.name.lower(): o for o in Organisation.objects.all()}
    areas = {a.pk: a for a in AreaForImprovement.objects.filter(review=review)}
    actions = {a.pk: a for a in Action.objects.filter(review=review)}

    def err(sheet: str, row: int, column: str, message: str) -> None:
        errors.append(f"sheet {sheet!r}, row {row}, column {column!r}: {message}")

    # Areas for improvement.
    area_plans: list[tuple[AreaForImprovement | None, dict[str, Any]]] = []
    for row in _rows(wb[AREA_SHEET], AREA_COLUMNS, errors):
        v = row.values
        fields: dict[str, Any] = {}
        target: AreaForImprovement | None = None
        try:
            pk = _int(v["id"])
        except ValueError:
            err(AREA_SHEET, row.number, "id", f"{v['id']!r} is not a whole number")
            pk = None
        else:
            if pk is not None:
                target = areas.get(pk)
                if target is None:
                    err(
                        AREA_SHEET, row.number, "id", f"no area for improvement {pk} in this review"
                    )
        group = _text(v["priority_group"]).lower()
        if group not in PriorityGroup.values:
            err(
                AREA_SHEET,
                row.number,
                "priority_group",
                f"{v['priority_group']!r} is not one of {', '.join(PriorityGroup.values)}",
            )
        fields["priority_group"] = group
        fields["text"] = _text(v["text"])
        if not fields["text"]:
            err(AREA_SHEET, row.number, "text", "the text is empty")
        try:
            fields["order"] = _int(v["order"]) or 0
        except ValueError:
            err(AREA_SHEET, row.number, "order", f"{v['order']!r} is not a whole number")
        area_plans.append((target, fields))

    # Actions.
    action_plans: list[
        tuple[Action | None, dict[str, Any], list[tuple[dt.date, str, bool]] | None]
    ] = []
    for row in _rows(wb[ACTION_SHEET], ACTION_COLUMNS, errors):
        v = row.values
        fields = {}
        target_action: Action | None = None
        try:
            pk = _int(v["id"])
        except ValueError:
            err(ACTION_SHEET, row.number, "id", f"{v['id']!r} is not a whole number")
            pk = None
        else:
            if pk is not None:
                target_action = actions.get(pk)
                if target_action is None:
                    err(ACTION_SHEET, row.number, "id", f"no action {pk} in this review")
        fields["reference"] = _text(v["reference"])[:20]
        fields["what"] = _text(v["what"])
        if not fields["what"]:
            err(ACTION_SHEET, row.number, "what", "say what will be done")
        try:
            area_id = _int(v["area_for_improvement_id"])
        except ValueError:
            err(ACTION_SHEET, row.number, "area_for_improvement_id", "not a whole number")
            area_id = None
        if area_id is not None and area_id not in areas:
            err(
                ACTION_SHEET,
                row.number,
                "area_for_improvement_id",
                f"no area for improvement {area_id} in this review",
            )
        fields["area"] = areas.get(area_id) if area_id is not None else None
        theme = themes.get(_text(v["theme"]).lower())
        if theme is None:
            err(ACTION_SHEET, row.number, "theme", f"{v['theme']!r} is not a theme of this review")
        fields["theme"] = theme
        org = orgs.get(_text(v["owner_organisation"]).lower())
        if org is None:
            err(
                ACTION_SHEET,
                row.number,
                "owner_organisation",
                f"{v['owner_organisation']!r} is not a known organisation",
            )
        fields["owner_organisation"] = org
        fields["owner_person"] = _text(v["owner_person"])[:200]
        for col in ("start", "due"):
            try:
                fields[col] = _date(v[col])
            except ValueError:
                err(ACTION_SHEET, row.number, col, f"{v[col]!r} is not a date (YYYY-MM-DD)")
        if fields.get("start") and fields.get("due") and fields["due"] < fields["start"]:
            err(ACTION_SHEET, row.number, "due", "the due date is before the start date")
        status = _STATUS_BY_LABEL.get(_text(v["status"]).lower())
        if status is None:
            err(
                ACTION_SHEET,
                row.number,
                "status",
                f"{v['status']!r} is not one of {', '.join(lbl for _, lbl in Status.choices)}",
            )
        fields["status"] = status
        fields["evidence_notes"] = _text(v["evidence_notes"])
        ids = [i.strip() for i in _text(v["linked_indicators"]).split(",") if i.strip()]
        bad = [i for i in ids if i not in _INDICATOR_IDS]
        if bad:
            err(
                ACTION_SHEET,
                row.number,
                "linked_indicators",
                f"unknown indicator id(s) {', '.join(bad)}",
            )
        fields["indicators"] = ids
        milestones: list[tuple[dt.date, str, bool]] | None = None
        text = _text(v["milestones"])
        if text:
            milestones = []
            for n, line in enumerate(text.splitlines(), start=1):
                parts = [p.strip() for p in line.split("|")]
                if not line.strip():
                    continue
                if len(parts) != 3 or parts[2].lower() not in {"done", "open"}:
                    err(
                        ACTION_SHEET,
                        row.number,
                        "milestones",
                        f"line {n} must be 'YYYY-MM-DD | text | done/open'",
                    )
                    continue
                try:
                    milestones.append(
                        (dt.date.fromisoformat(parts[0]), parts[1], parts[2].lower() == "done")
                    )
                except ValueError:
                    err(
                        ACTION_SHEET,
                        row.number,
                        "milestones",
                        f"line {n}: {parts[0]!r} is not a date",
                    )
        elif target_action is not None:
            milestones = []
        try:
            version = _int(v["version"])
        except ValueError:
            err(ACTION_SHEET, row.number, "version", f"{v['version']!r} is not a whole number")
            version = None
        if target_action is not None and version is not None and version != target_action.version:
            err(
                ACTION_SHEET,
                row.number,
                "version",
                f"action {target_action.pk} was changed since this workbook was exported "
                f"(version {version}, now {target_action.version}); export again",
            )
        action_plans.append((target_action, fields, milestones))

    if errors:
        raise ImportError_(errors)

    result = ImportResult()
    with transaction.atomic():
        for target, fields in area_plans:
            if target is None:
                area = AreaForImprovement.objects.create(review=review, **fields)
                audit.created(user, area, "Excel import")
                result.areas_created += 1
            else:
                before = audit.snapshot(target)
                for k, value in fields.items():
                    setattr(target, k, value)
                target.save()
                audit.updated(user, target, before, "Excel import")
                result.areas_updated += 1
        for target_action, fields, milestones in action_plans:
            if target_action is None:
                action = Action(review=review, updated_by=user, updated_at=timezone.now(), **fields)
                action.save()
                StatusChange.objects.create(
                    action=action, status=action.status, by=user, note="Excel import"
                )
                audit.created(user, action, "Excel import")
                result.created += 1
            else:
                action = Action.objects.select_for_update().get(pk=target_action.pk)
                before = audit.snapshot(action)
                previous = action.status
                for k, value in fields.items():
                    setattr(action, k, value)
                action.version += 1
                action.updated_by = user
                action.updated_at = timezone.now()
                action.save()
                if previous != action.status:
                    StatusChange.objects.create(
                        action=action,
                        status=action.status,
                        previous_status=previous,
                        by=user,
                        note="Excel import",
                    )
                audit.updated(user, action, before, "Excel import")
                result.updated += 1
            if milestones is not None:
                for m in list(action.milestones.all()):
                    snap = audit.snapshot(m)
                    pk = m.pk
                    m.delete()
                    m.pk = pk
                    audit.deleted(user, m, snap, "Excel import")
                for date, text, done in milestones:
                    ms = Milestone.objects.create(action=action, date=date, text=text, done=done)
                    audit.created(user, ms, "Excel import")
        audit.event(
            user,
            AuditEvent.Kind.IMPORT,
            f"{result.created} actions created, {result.updated} updated; "
            f"{result.areas_created} areas created, {result.areas_updated} updated",
            review_id=review.pk,
        )
    return result
