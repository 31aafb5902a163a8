"""The two CSV layouts of NHS England's monthly A&E provider counts, read and validated.

Used by :mod:`lsr.data.sources.ae` (which describes the source, its nil markers and the store):
NHS England's monthly provider CSV as published (every wording of its headers since 2019-20,
booked-appointment columns, a TOTAL row, blank trailing columns) and the NHSRdatasets
``ae_attendances`` repackaging (period, org_code, type, attendances, breaches, admissions).
Rows are numbered as a spreadsheet shows them: the first line of the file is row 1.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from lsr.data.errors import LoadError, quote
from lsr.data.loading import MAX_SOURCE_FILE_BYTES, check_file_size, format_number, parse_number
from lsr.data.periods import check_month

DEPARTMENT_TYPES: tuple[str, ...] = ("1", "2", "other")
"""Department types: 1 (major A&E), 2 (single specialty), other (types 3 and 4)."""

MEASURES: tuple[str, ...] = ("attendances", "breaches", "admissions")
"""The counts stored per provider, month and department type."""

ROW_COLUMNS: tuple[str, ...] = ("org_code", "period", "dept_type", *MEASURES, "source_row")

LAYOUT_NHS_ENGLAND = "nhs_england_provider_csv"
LAYOUT_NHSRDATASETS = "nhsrdatasets_ae_attendances"

_HEADER_SEARCH_ROWS = 20
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_YEAR_RE = re.compile(r"(?<![a-z])(" + "|".join(_MONTHS) + r")[^a-z0-9]*((?:19|20)\d\d)\b")
_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ t]00:00(?::00)?)?$")
_ORG_CODE_RE = re.compile(r"^[A-Z0-9]{3,10}$")
_SUPPRESSION_MARKERS = {"*", "**", "..", ":", "x", "c", "n/a", "na"}
_NIL = "-"

_LABELS = {
    "period": ("period", "reporting period"),
    "org_code": ("org code", "organisation code", "provider code"),
    "parent_org": ("parent org", "parent organisation", "region"),
    "org_name": ("org name", "organisation name", "provider name", "name"),
}
_TIDY_COLUMNS = ("period", "org code", "type", "attendances", "breaches", "admissions")


@dataclass
class AeFile:
    """One validated file: rows of ``ae_activity`` and what is needed to report on them."""

    file: str
    layout: str
    rows: pd.DataFrame
    """org_code, period (date), dept_type, attendances, breaches, admissions, source_row."""
    names: pd.DataFrame
    """org_code, period, org_name, parent_org (NHS England layout only; empty otherwise)."""
    fields: dict[tuple[str, str], str] = field(default_factory=dict)
    """(dept_type, measure) -> the header text(s) of its column(s)."""
    published_total_row: int | None = None
    """Row of the file's TOTAL row (NHS England layout), checked against the providers."""

    @property
    def periods(self) -> list[date]:
        """The months in the file, in order."""
        return sorted(set(self.rows["period"]))


# --- reading CSV text ----------------------------------------------------------------------------


def _records(path: Path) -> list[list[str]]:
    """Every CSV record of the file as text (UTF-8 with or without BOM, else Windows-1252)."""
    check_file_size(path, MAX_SOURCE_FILE_BYTES, what="A&E file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError(path, "file not found") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc}") from None
    if not data.strip():
        raise LoadError(path, "the file is empty")
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise LoadError(
            path,
            "this is an Excel workbook, not a CSV file; use the CSV that NHS England publishes "
            "with each month ('... by provider (CSV)')",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise LoadError(path, "not a readable CSV file (it contains NUL bytes)")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise LoadError(path, f"not a readable CSV file: {exc}") from None


def _key(text: str) -> str:
    """A header as a comparable key: case, spacing and underscores ignored."""
    return " ".join(text.replace("_", " ").replace("\u00a0", " ").split()).casefold()


def _cell(record: list[str], index: int) -> str:
    return record[index].strip() if index < len(record) else ""


def _month(year: int, month: int, *, file: Path, row: int, field: str, text: str) -> date:
    if not 1 <= month <= 12 or year < 1:
        raise LoadError(file, f"{quote(text)} is not a month", row=row, field=field)
    period = date(year, month, 1)
    today = date.today()
    if period > date(today.year, today.month, 1):
        raise LoadError(file, f"{period:%B %Y} is in the future", row=row, field=field)
    return check_month(period, file=file, row=row, field=field)


def parse_period(text: str, *, file: Path | str, row: int, field: str) -> date:
    """The month of a period cell: ``MSitAE-MARCH-2019``, ``March 2019``, ``2019-03-01``.

    A full date must be the first of a month (NHSRdatasets stores months that way)."""
    path = Path(file)
    raw = text.strip()
    iso = _ISO_RE.match(raw.casefold())
    if iso:
        year, month, day = int(iso.group(1)), int(iso.group(2)), iso.group(3)
        if day is not None and int(day) != 1:
            raise LoadError(
                path,
                f"{raw!r} is not the first day of a month (periods are months, e.g. 2017-03-01)",
                row=row,
                field=field,
            )
        return _month(year, month, file=path, row=row, field=field, text=raw)
    found = _MONTH_YEAR_RE.search(raw.casefold())
    if found is None:
        raise LoadError(
            path,
            f"cannot read the period {raw!r} (expected a month such as MSitAE-MARCH-2019 or "
            "2019-03-01)",
            row=row,
            field=field,
        )
    return _month(
        int(found.group(2)), _MONTHS[found.group(1)], file=path, row=row, field=field, text=raw
    )


def _count(text: str, *, file: Path, row: int, field: str, blank_is_zero: bool = False) -> float:
    """A whole, non-negative count; ``-`` (nil) is 0; blank is 0 only where allowed."""
    value = text.strip()
    if value == _NIL or (blank_is_zero and value == ""):
        return 0.0
    if value.casefold() in _SUPPRESSION_MARKERS:
        raise LoadError(
            file,
            f"{value!r} (a suppressed or not-available marker) is not used in this series; "
            "expected a count",
            row=row,
            field=field,
        )
    if re.fullmatch(r"\d{1,3}(,\d{3})+", value):
        value = value.replace(",", "")
    number = parse_number(value, file=file, field=field, row=row)
    if abs(number - round(number)) > 1e-9:
        raise LoadError(file, f"{value!r} is not a whole number", row=row, field=field)
    return float(round(number))


def _org_code(text: str, *, file: Path, row: int, field: str) -> str:
    code = text.strip().upper()
    if not code:
        raise LoadError(file, "missing organisation code", row=row, field=field)
    if not _ORG_CODE_RE.match(code):
        raise LoadError(
            file,
            f"{text.strip()!r} is not an NHS organisation code (3 to 10 letters and digits, "
            "e.g. RTH)",
            row=row,
            field=field,
        )
    return code


def _check_width(record: list[str], width: int, header: list[str], file: Path, row: int) -> None:
    """A row that stops before the header's last named column was cut short."""
    if len(record) < width:
        raise LoadError(
            file,
            f"the row has {len(record)} cells but the header has {width} named columns "
            "(a truncated or damaged row?)",
            row=row,
            field=header[len(record)].strip() or None,
        )


# --- NHS England provider CSV --------------------------------------------------------------------


def classify_column(header: str) -> tuple[str, str, bool] | None:
    """``(measure, dept_type, booked)`` for a count column of the NHS England layout, else None.

    Tolerates the wordings of every year: ``Number of A&E attendances Type 1``, ``A&E
    attendances Booked Appointments Other Department``, ``Attendances over 4hrs Other A&E
    Department``, ``Emergency admissions via A&E - Type 2``, ``Emergency Admissions via Type 3
    and 4 A&E``."""
    h = _key(header).replace("–", "-")
    h = re.sub(r"^number of ", "", h)
    h = h.replace("a and e", "a&e").replace("a & e", "a&e")
    booked = "booked" in h
    via_type = re.fullmatch(
        r"emergency admissions via type ([123])(?: and 4)? a&e( department)?", h
    )
    if via_type:
        return ("admissions", "other" if via_type.group(1) == "3" else via_type.group(1), False)
    end = re.search(r"(type ?1|type ?2|type ?3(?: and 4)?|other(?: a&e)? department|other)$", h)
    if end is None:
        return None
    tail = end.group(1)
    dept = "1" if tail.startswith("type") and "1" in tail else "2" if "2" in tail else "other"
    body = h[: end.start()].strip(" -")
    body = re.sub(r"\s*booked appointments?\s*", " ", body).strip(" -")
    if re.fullmatch(
        r"(?:a&e |ae )?attendances? (?:over|>|more than) ?(?:4|four) ?(?:hrs|hours)", body
    ):
        return ("breaches", dept, booked)
    if re.fullmatch(r"(?:a&e |ae )?attendances?", body):
        return ("attendances", dept, booked)
    if re.fullmatch(r"emergency admissions via (?:a&e|ae)", body) and not booked:
        return ("admissions", dept, False)
    return None


_KNOWN_OTHER = re.compile(
    r"dta|decision to admit|emergency admissions|attendances|percentage|total"
)


def _parse_nhs_england(path: Path, records: list[list[str]], header_index: int) -> AeFile:
    header = records[header_index]
    header_row = header_index + 1
    keys = [_key(h) for h in header]
    labels: dict[str, int] = {}
    for name, spellings in _LABELS.items():
        for i, k in enumerate(keys):
            if k in spellings and name not in labels:
                labels[name] = i
    for name, text in (("period", "Period"), ("org_code", "Org Code")):
        if name not in labels:
            raise LoadError(
                path, f"missing column {text!r} in the header", row=header_row, field=text
            )
    columns: dict[tuple[str, str, bool], int] = {}
    width = 0
    for i, h in enumerate(header):
        kind = classify_column(h)
        if kind is not None:
            if kind in columns:
                raise LoadError(
                    path,
                    f"two columns hold the same count: {header[columns[kind]].strip()!r} and "
                    f"{h.strip()!r}",
                    row=header_row,
                    field=h.strip(),
                )
            columns[kind] = i
        if kind is not None or i in labels.values() or _KNOWN_OTHER.search(keys[i]):
            width = i + 1
    for measure, wording in (
        ("attendances", "A&E attendances"),
        ("breaches", "Attendances over 4hrs"),
        ("admissions", "Emergency admissions via A&E -"),
    ):
        for dept in DEPARTMENT_TYPES:
            if (measure, dept, False) not in columns:
                label = f"{wording} {'Other A&E Department' if dept == 'other' else 'Type ' + dept}"
                raise LoadError(
                    path,
                    f"missing column {label!r} (or its wording of another year) in the header",
                    row=header_row,
                    field=label,
                )
    for dept in DEPARTMENT_TYPES:  # booked appointments come in pairs (attendances, breaches)
        att, br = ("attendances", dept, True), ("breaches", dept, True)
        if (att in columns) != (br in columns):
            present, absent = (att, br) if att in columns else (br, att)
            raise LoadError(
                path,
                f"{header[columns[present]].strip()!r} has no matching booked-appointments "
                f"column for {absent[0]}",
                row=header_row,
                field=header[columns[present]].strip(),
            )
    fields: dict[tuple[str, str], str] = {}
    for (measure, dept, _booked), i in sorted(columns.items(), key=lambda kv: kv[1]):
        text = header[i].strip()
        key = (dept, measure)
        fields[key] = f"{fields[key]} + {text}" if key in fields else text

    period: date | None = None
    period_row = 0
    seen: dict[str, int] = {}
    rows: list[dict[str, object]] = []
    names: list[dict[str, object]] = []
    sums = dict.fromkeys(columns, 0.0)
    total: dict[tuple[str, str, bool], float] | None = None
    total_row: int | None = None
    label_names = {name: header[i].strip() for name, i in labels.items()}
    for index in range(header_index + 1, len(records)):
        record = records[index]
        row = index + 1
        if all(not c.strip() for c in record):
            continue
        label_values = {name: _cell(record, i) for name, i in labels.items()}
        raw = {kind: _cell(record, i) for kind, i in columns.items()}
        if any(v.casefold() == "total" for v in label_values.values()):
            if total is not None:
                raise LoadError(
                    path,
                    f"a second TOTAL row (the first is row {total_row})",
                    row=row,
                    field=label_names["org_code"],
                )
            _check_width(record, width, header, path, row)
            total = {  # a blank TOTAL cell is not checked
                kind: _count(v, file=path, row=row, field=header[columns[kind]].strip())
                for kind, v in raw.items()
                if v
            }
            total_row = row
            continue
        if not label_values["org_code"]:
            if all(not v for v in raw.values()):
                continue  # a footnote or a note line
            raise LoadError(
                path, "missing organisation code", row=row, field=label_names["org_code"]
            )
        _check_width(record, width, header, path, row)
        code = _org_code(
            label_values["org_code"], file=path, row=row, field=label_names["org_code"]
        )
        month = parse_period(
            label_values["period"], file=path, row=row, field=label_names["period"]
        )
        if period is None:
            period, period_row = month, row
        elif month != period:
            raise LoadError(
                path,
                f"{month:%B %Y} differs from the file's period {period:%B %Y} (row {period_row}); "
                "an NHS England provider file holds one month",
                row=row,
                field=label_names["period"],
            )
        if code in seen:
            raise LoadError(
                path,
                f"provider {code} appears twice (also row {seen[code]})",
                row=row,
                field=label_names["org_code"],
            )
        seen[code] = row
        values = {
            kind: _count(
                v, file=path, row=row, field=header[columns[kind]].strip(), blank_is_zero=True
            )
            for kind, v in raw.items()
        }
        for kind, v in values.items():
            sums[kind] += v
        for dept in DEPARTMENT_TYPES:
            att = values[("attendances", dept, False)] + values.get(("attendances", dept, True), 0)
            br = values[("breaches", dept, False)] + values.get(("breaches", dept, True), 0)
            adm = values[("admissions", dept, False)]
            if br > att:
                raise LoadError(
                    path,
                    f"{format_number(br)} attendances over four hours but only "
                    f"{format_number(att)} attendances ({code}, type {dept})",
                    row=row,
                    field=fields[(dept, "breaches")],
                )
            if att or br or adm:
                rows.append(
                    {
                        "org_code": code,
                        "period": month,
                        "dept_type": dept,
                        "attendances": att,
                        "breaches": br,
                        "admissions": adm,
                        "source_row": row,
                    }
                )
        name = label_values.get("org_name", "")
        if name:
            names.append(
                {
                    "org_code": code,
                    "period": month,
                    "org_name": " ".join(name.split()),
                    "parent_org": " ".join(label_values.get("parent_org", "").split()) or None,
                }
            )
    if period is None:
        raise LoadError(path, "no provider rows under the header", row=header_row)
    if total is not None:
        for kind, published in total.items():
            if abs(published - sums[kind]) > 0.5:
                raise LoadError(
                    path,
                    f"the providers add up to {format_number(sums[kind])} but the TOTAL row says "
                    f"{format_number(published)} (a row missing, repeated or changed?)",
                    row=total_row,
                    field=header[columns[kind]].strip(),
                )
    return AeFile(
        file=str(path),
        layout=LAYOUT_NHS_ENGLAND,
        rows=pd.DataFrame(rows, columns=list(ROW_COLUMNS)),
        names=pd.DataFrame(names, columns=["org_code", "period", "org_name", "parent_org"]),
        fields=fields,
        published_total_row=total_row,
    )


# --- NHSRdatasets ae_attendances -----------------------------------------------------------------


def _dept_type(text: str, *, file: Path, row: int, field: str) -> str:
    k = _key(text)
    k = re.sub(r"^type ", "", k)
    if k in ("1", "2"):
        return k
    if k in ("other", "3", "3 and 4", "other a&e department", "other department"):
        return "other"
    raise LoadError(
        file,
        f"unknown department type {text.strip()!r}; expected 1, 2 or other",
        row=row,
        field=field,
    )


def _parse_tidy(path: Path, records: list[list[str]], header_index: int) -> AeFile:
    header = records[header_index]
    header_row = header_index + 1
    keys = [_key(h) for h in header]
    idx: dict[str, int] = {}
    for name in _TIDY_COLUMNS:
        if name not in keys:
            text = name.replace(" ", "_")
            raise LoadError(
                path,
                f"missing column {text!r}; the NHSRdatasets layout has "
                "period, org_code, type, attendances, breaches, admissions",
                row=header_row,
                field=text,
            )
        idx[name] = keys.index(name)
    width = max(idx.values()) + 1
    names = {name: header[i].strip() for name, i in idx.items()}
    rows: list[dict[str, object]] = []
    seen: dict[tuple[date, str, str], int] = {}
    for index in range(header_index + 1, len(records)):
        record = records[index]
        row = index + 1
        if all(not c.strip() for c in record):
            continue
        _check_width(record, width, header, path, row)
        period = parse_period(
            _cell(record, idx["period"]), file=path, row=row, field=names["period"]
        )
        code = _org_code(
            _cell(record, idx["org code"]), file=path, row=row, field=names["org code"]
        )
        dept = _dept_type(_cell(record, idx["type"]), file=path, row=row, field=names["type"])
        values = {
            m: _count(_cell(record, idx[m]), file=path, row=row, field=names[m]) for m in MEASURES
        }
        if values["breaches"] > values["attendances"]:
            raise LoadError(
                path,
                f"{format_number(values['breaches'])} breaches but only "
                f"{format_number(values['attendances'])} attendances ({code}, type {dept}, "
                f"{period:%B %Y})",
                row=row,
                field=names["breaches"],
            )
        key = (period, code, dept)
        if key in seen:
            raise LoadError(
                path,
                f"{code} type {dept} in {period:%B %Y} appears twice (also row {seen[key]})",
                row=row,
                field=names["org code"],
            )
        seen[key] = row
        if any(values.values()):
            rows.append(
                {"org_code": code, "period": period, "dept_type": dept, **values, "source_row": row}
            )
    if not seen:
        raise LoadError(path, "no data rows under the header", row=header_row)
    return AeFile(
        file=str(path),
        layout=LAYOUT_NHSRDATASETS,
        rows=pd.DataFrame(rows, columns=list(ROW_COLUMNS)),
        names=pd.DataFrame(columns=["org_code", "period", "org_name", "parent_org"]),
        fields={(d, m): names[m] for d in DEPARTMENT_TYPES for m in MEASURES},
    )


def read_ae_csv(path: Path | str) -> AeFile:
    """Read and validate one A&E file of either layout (no store access).

    Raises :class:`LoadError` naming the file, the row (1-based, as a spreadsheet shows it) and
    the column for anything wrong: not a CSV, no recognisable header, a missing column, a period
    that is not a month (or differs within an NHS England file), a malformed organisation code,
    a count that is blank, text, negative or fractional, more breaches than attendances, a
    provider repeated, a row cut short, or providers that do not add up to the TOTAL row."""
    path = Path(path)
    records = _records(path)
    for index, record in enumerate(records[:_HEADER_SEARCH_ROWS]):
        keys = {_key(c) for c in record}
        if {"org code", "type"} <= keys:  # NHS England's layout has no "type" column
            return _parse_tidy(path, records, index)
        if keys & set(_LABELS["org_code"]):
            return _parse_nhs_england(path, records, index)
    raise LoadError(
        path,
        f"no header row in the first {_HEADER_SEARCH_ROWS} rows with 'Org Code' (NHS England "
        "provider CSV) or 'org_code' and 'type' (NHSRdatasets); is this an A&E attendances file?",
        row=1,
        field="Org Code",
    )
