"""Import an action plan workbook: all or nothing, checked against the review as it is when
the import writes, never against an earlier snapshot.

1. The workbook is read, within bounds (:mod:`lsr.web.plan.excel_read`), outside any
   transaction (the slow part).
2. In **one write transaction**, the rows the workbook names are locked (the review's areas for
   improvement, then the actions named by id, in id order: ``SELECT ... FOR NO KEY UPDATE`` on
   PostgreSQL; SQLite takes its write lock when the transaction begins), and every row is
   checked against them: a save that committed since the export, or while the workbook was
   being read, is a per-row version conflict, and a save that comes while the import holds
   its locks waits for it and then finds its own version stale.
3. Only if no row has a problem is anything written, with every change audited. Any problem:
   the transaction is rolled back and :class:`ImportError_` lists them all (*sheet, row,
   column: message*).

Every text goes through the same rules as the forms: the model field's own validators (length,
:mod:`lsr.web.plan.text_rules`), never cut short silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import models, transaction
from django.utils import timezone

from lsr.core.indicators import INDICATORS
from lsr.web.plan import audit, text_rules
from lsr.web.plan.excel_format import ACTION_SHEET, AREA_SHEET, ImportError_
from lsr.web.plan.excel_read import Row, read_workbook
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

_STATUS_BY_LABEL = {str(label).lower(): value for value, label in Status.choices}
_STATUS_BY_LABEL.update({value: value for value, _ in Status.choices})
_INDICATOR_IDS = {ind.id for ind in INDICATORS}

MilestoneRow = tuple[dt.date, str, bool]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    areas_created: int = 0
    areas_updated: int = 0
    messages: list[str] = field(default_factory=list)


@dataclass
class _AreaPlan:
    target: AreaForImprovement | None
    fields: dict[str, Any]


@dataclass
class _ActionPlan:
    target: Action | None
    fields: dict[str, Any]
    milestones: list[MilestoneRow]


@dataclass
class _Locked:
    """The review as it is inside the import's transaction, the rows it may change locked."""

    areas: dict[int, AreaForImprovement]
    actions: dict[int, Action]
    themes: dict[str, Theme]
    orgs: dict[str, Organisation]


def _shown(value: Any) -> str:
    """A cell's value for an error message: ``repr``, at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _int(v: Any) -> int | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        raise ValueError(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, int):
        return v
    return int(str(v).strip())


def _date(v: Any) -> dt.date | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v).strip())


class _Checker:
    """Collects every problem of the workbook as *sheet, row, column: message*."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, sheet: str, row: int, column: str, message: str) -> None:
        self.errors.append(f"sheet {sheet!r}, row {row}, column {column!r}: {message}")

    def text(self, sheet: str, row: Row, column: str, model: type[models.Model], name: str) -> str:
        """The cell as text, checked by the model field's own rules (as a form checks it)."""
        value = row.values[column]
        text = "" if value is None else str(value)
        model_field = model._meta.get_field(name)
        multiline = isinstance(model_field, models.TextField)
        text = (text_rules.normalise_newlines(text) if multiline else text).strip()
        reason = text_rules.problem(text, multiline=multiline)
        if reason is not None:
            self.err(sheet, row.number, column, f"the text {reason}")
            return text
        max_length = getattr(model_field, "max_length", None)
        if max_length and len(text) > max_length:
            self.err(
                sheet,
                row.number,
                column,
                f"{len(text):,} characters; the most is {max_length:,}",
            )
        return text

    def pk(self, sheet: str, row: Row, seen: dict[int, int], kind: str) -> int | None:
        """The row's ``id``; the same id on two rows is an error naming both."""
        try:
            pk = _int(row.values["id"])
        except ValueError:
            self.err(sheet, row.number, "id", f"{_shown(row.values['id'])} is not a whole number")
            return None
        if pk is None:
            return None
        if pk in seen:
            self.err(
                sheet,
                row.number,
                "id",
                f"{kind} {pk} is on row {seen[pk]} and on row {row.number}: give each {kind} once",
            )
            return None
        seen[pk] = row.number
        return pk


def _ids(rows: list[Row], column: str) -> set[int]:
    found = set()
    for row in rows:
        try:
            pk = _int(row.values[column])
        except ValueError:
            continue
        if pk is not None:
            found.add(pk)
    return found


def _lock(review: Review, sheets: dict[str, list[Row]]) -> _Locked:
    """Inside the transaction: lock the review's areas for improvement, then the actions the
    workbook names, each in id order (the order every view locks them in: no deadlock)."""
    areas = {
        a.pk: a
        for a in AreaForImprovement.objects.select_for_update(no_key=True)
        .filter(review=review)
        .order_by("pk")
    }
    ids = _ids(sheets[ACTION_SHEET], "id")
    actions = {
        a.pk: a
        for a in Action.objects.select_for_update(no_key=True)
        .filter(review=review, pk__in=ids)
        .order_by("pk")
    }
    return _Locked(
        areas=areas,
        actions=actions,
        themes={t.name.lower(): t for t in Theme.objects.filter(review=review)},
        orgs={o.name.lower(): o for o in Organisation.objects.all()},
    )


def _check_areas(rows: list[Row], state: _Locked, check: _Checker) -> list[_AreaPlan]:
    plans = []
    seen: dict[int, int] = {}
    for row in rows:
        v = row.values
        target = None
        pk = check.pk(AREA_SHEET, row, seen, "area for improvement")
        if pk is not None:
            target = state.areas.get(pk)
            if target is None:
                check.err(
                    AREA_SHEET, row.number, "id", f"no area for improvement {pk} in this review"
                )
        fields: dict[str, Any] = {}
        group = "" if v["priority_group"] is None else str(v["priority_group"]).strip().lower()
        if group not in PriorityGroup.values:
            check.err(
                AREA_SHEET,
                row.number,
                "priority_group",
                f"{_shown(v['priority_group'])} is not one of {', '.join(PriorityGroup.values)}",
            )
        fields["priority_group"] = group
        fields["text"] = check.text(AREA_SHEET, row, "text", AreaForImprovement, "text")
        if not fields["text"]:
            check.err(AREA_SHEET, row.number, "text", "the text is empty")
        try:
            order = _int(v["order"]) or 0
            if order < 0:
                raise ValueError(order)
            fields["order"] = order
        except ValueError:
            check.err(
                AREA_SHEET, row.number, "order", f"{_shown(v['order'])} is not a whole number"
            )
        plans.append(_AreaPlan(target, fields))
    return plans


def _milestones(row: Row, check: _Checker) -> list[MilestoneRow]:
    """``YYYY-MM-DD | text | done/open`` per line; the text may hold ``|`` itself."""
    value = row.values["milestones"]
    text = text_rules.normalise_newlines("" if value is None else str(value))
    found: list[MilestoneRow] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        first, last = line.find("|"), line.rfind("|")
        state = line[last + 1 :].strip().lower()
        if first == -1 or first == last or state not in {"done", "open"}:
            check.err(
                ACTION_SHEET,
                row.number,
                "milestones",
                f"line {n} must be 'YYYY-MM-DD | text | done' or '... | open'",
            )
            continue
        try:
            date = dt.date.fromisoformat(line[:first].strip())
        except ValueError:
            check.err(
                ACTION_SHEET,
                row.number,
                "milestones",
                f"line {n}: {_shown(line[:first].strip())} is not a date (YYYY-MM-DD)",
            )
            continue
        words = line[first + 1 : last].strip()
        reason = text_rules.problem(words, multiline=False)
        if not words:
            reason = "is empty"
        elif reason is None and len(words) > Milestone._meta.get_field("text").max_length:
            reason = f"is {len(words):,} characters long; the most is 500"
        if reason is not None:
            check.err(ACTION_SHEET, row.number, "milestones", f"line {n}: the text {reason}")
            continue
        found.append((date, words, state == "done"))
    return found


def _check_action(row: Row, state: _Locked, check: _Checker, seen: dict[int, int]) -> _ActionPlan:
    v = row.values
    number = row.number
    target = None
    pk = check.pk(ACTION_SHEET, row, seen, "action")
    if pk is not None:
        target = state.actions.get(pk)
        if target is None:
            check.err(ACTION_SHEET, number, "id", f"no action {pk} in this review")
    fields: dict[str, Any] = {
        "reference": check.text(ACTION_SHEET, row, "reference", Action, "reference"),
        "what": check.text(ACTION_SHEET, row, "what", Action, "what"),
        "owner_person": check.text(ACTION_SHEET, row, "owner_person", Action, "owner_person"),
        "evidence_notes": check.text(ACTION_SHEET, row, "evidence_notes", Action, "evidence_notes"),
    }
    if not fields["what"]:
        check.err(ACTION_SHEET, number, "what", "say what will be done")
    try:
        area_id = _int(v["area_for_improvement_id"])
    except ValueError:
        check.err(ACTION_SHEET, number, "area_for_improvement_id", "not a whole number")
        area_id = None
    if area_id is not None and area_id not in state.areas:
        check.err(
            ACTION_SHEET,
            number,
            "area_for_improvement_id",
            f"no area for improvement {area_id} in this review",
        )
    fields["area"] = state.areas.get(area_id) if area_id is not None else None
    theme = state.themes.get("" if v["theme"] is None else str(v["theme"]).strip().lower())
    if theme is None:
        check.err(
            ACTION_SHEET, number, "theme", f"{_shown(v['theme'])} is not a theme of this review"
        )
    fields["theme"] = theme
    org_name = "" if v["owner_organisation"] is None else str(v["owner_organisation"])
    org = state.orgs.get(org_name.strip().lower())
    if org is None:
        check.err(
            ACTION_SHEET,
            number,
            "owner_organisation",
            f"{_shown(v['owner_organisation'])} is not a known organisation",
        )
    fields["owner_organisation"] = org
    for col in ("start", "due"):
        try:
            fields[col] = _date(v[col])
        except (ValueError, TypeError):
            check.err(ACTION_SHEET, number, col, f"{_shown(v[col])} is not a date (YYYY-MM-DD)")
    if fields.get("start") and fields.get("due") and fields["due"] < fields["start"]:
        check.err(ACTION_SHEET, number, "due", "the due date is before the start date")
    status = _STATUS_BY_LABEL.get("" if v["status"] is None else str(v["status"]).strip().lower())
    if status is None:
        labels = ", ".join(str(lbl) for _, lbl in Status.choices)
        check.err(ACTION_SHEET, number, "status", f"{_shown(v['status'])} is not one of {labels}")
    fields["status"] = status
    linked = "" if v["linked_indicators"] is None else str(v["linked_indicators"])
    ids = [i.strip() for i in linked.split(",") if i.strip()]
    bad = [i for i in ids if i not in _INDICATOR_IDS]
    if bad:
        check.err(
            ACTION_SHEET,
            number,
            "linked_indicators",
            f"unknown indicator id(s) {_shown(', '.join(bad))}",
        )
    fields["indicators"] = ids
    milestones = _milestones(row, check)
    try:
        version = _int(v["version"])
    except ValueError:
        check.err(ACTION_SHEET, number, "version", f"{_shown(v['version'])} is not a whole number")
        return _ActionPlan(target, fields, milestones)
    if target is not None:
        if version is None:
            check.err(
                ACTION_SHEET,
                number,
                "version",
                f"give action {target.pk}'s version from the export (blank only for new actions)",
            )
        elif version != target.version:
            who = target.updated_by.get_username() if target.updated_by else "another user"
            when = timezone.localtime(target.updated_at).strftime("%d %b %Y %H:%M")
            check.err(
                ACTION_SHEET,
                number,
                "version",
                f"action {target.pk} was changed by {who} at {when} since this workbook was "
                f"exported (version {version}, now {target.version}); export again and redo "
                "your changes there",
            )
    return _ActionPlan(target, fields, milestones)


def _save_milestones(action: Action, milestones: list[MilestoneRow], user: Any) -> None:
    """Replace the action's milestones (each deletion and creation audited)."""
    current = [(m.date, m.text, m.done) for m in action.milestones.all()]
    if current == milestones:
        return  # unchanged: keep them (and their versions) as they are
    for m in list(action.milestones.all()):
        snap = audit.snapshot(m)
        pk = m.pk
        m.delete()
        m.pk = pk
        audit.deleted(user, m, snap, "Excel import")
    for date, text, done in milestones:
        ms = Milestone.objects.create(action=action, date=date, text=text, done=done)
        audit.created(user, ms, "Excel import")


def _unchanged(action: Action, plan: _ActionPlan) -> bool:
    fields_same = all(getattr(action, k) == value for k, value in plan.fields.items())
    current = [(m.date, m.text, m.done) for m in action.milestones.all()]
    return fields_same and current == plan.milestones


def _write(
    review: Review, areas: list[_AreaPlan], actions: list[_ActionPlan], user: Any
) -> ImportResult:
    result = ImportResult()
    for area_plan in areas:
        if area_plan.target is None:
            area = AreaForImprovement.objects.create(review=review, **area_plan.fields)
            audit.created(user, area, "Excel import")
            result.areas_created += 1
        else:
            before = audit.snapshot(area_plan.target)
            for k, value in area_plan.fields.items():
                setattr(area_plan.target, k, value)
            area_plan.target.save()
            audit.updated(user, area_plan.target, before, "Excel import")
            result.areas_updated += 1
    now = timezone.now()
    for plan in actions:
        if plan.target is None:
            action = Action(review=review, updated_by=user, updated_at=now, **plan.fields)
            action.save()
            StatusChange.objects.create(
                action=action, status=action.status, by=user, note="Excel import"
            )
            audit.created(user, action, "Excel import")
            result.created += 1
        else:
            action = plan.target
            if _unchanged(action, plan):
                continue  # not written: its version stays, so open forms stay valid
            before = audit.snapshot(action)
            previous = action.status
            for k, value in plan.fields.items():
                setattr(action, k, value)
            action.version += 1
            action.updated_by = user
            action.updated_at = now
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
        _save_milestones(action, plan.milestones, user)
    audit.event(
        user,
        AuditEvent.Kind.IMPORT,
        f"{result.created} actions created, {result.updated} updated; "
        f"{result.areas_created} areas created, {result.areas_updated} updated",
        review_id=review.pk,
    )
    return result


def apply_workbook(review: Review, sheets: dict[str, list[Row]], user: Any) -> ImportResult:
    """Check every row against the locked rows and write, in one transaction (see the module
    docstring); raises :class:`ImportError_` listing every problem, having written nothing."""
    with transaction.atomic():
        state = _lock(review, sheets)
        check = _Checker()
        areas = _check_areas(sheets[AREA_SHEET], state, check)
        seen: dict[int, int] = {}
        actions = [_check_action(row, state, check, seen) for row in sheets[ACTION_SHEET]]
        if check.errors:
            raise ImportError_(check.errors)
        return _write(review, areas, actions, user)


def import_workbook(review: Review, data: BinaryIO | bytes, user: Any) -> ImportResult:
    """Read the workbook within bounds, then check and save it all or nothing.

    Raises :class:`ImportError_` listing every problem; nothing is saved in that case."""
    raw = data if isinstance(data, bytes) else data.read()
    return apply_workbook(review, read_workbook(raw), user)
