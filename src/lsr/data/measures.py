"""Published outcome measures by area and year: the table the ASCOF and Oflog loaders share.

Both :mod:`lsr.data.sources.ascof` and :mod:`lsr.data.sources.oflog` read files of published
*values* (not person-level counts): one value per measure, area, year and disaggregation, with
the numerator and denominator where the publisher gives them. They store into one table,
``social_care_measures``, so that the profile can take a measure from whichever source has
the year it needs:

===================  =========================================================================
column               meaning
===================  =========================================================================
``source``           ``ascof`` (NHS Digital) or ``oflog`` (Office for Local Government)
``edition``          ``official`` (the publisher's own file) or ``compiled`` (a public
                     re-compilation of it, kept apart so the two can be checked against
                     each other)
``measure_code``     ``2A(2)``, ``1D`` ... (ASCOF) or ``ASC7`` ... (Oflog)
``measure_name``     the publisher's name for it, as in the file
``area_code``        ONS code: a council, a region (``E12...``) or England (``E92000001``)
``area_name``        as in the file
``area_level``       ``council``, ``region`` or ``england``
``year``             financial year, ``"2020-21"``
``disaggregation``   ``Total``, ``18-64``, ``65 and over``, ``Female``, ``Male`` ...
``value``            the published value; NULL when it was not published
``numerator``        as published (NULL when not), likewise ``denominator``
``base``             survey respondents, ``margin_of_error`` the published margin (surveys)
``unit``             ``%``, ``per 100,000 population aged 65+``, ``score out of 12`` ...
``status``           ``published``, ``suppressed`` (the publisher's disclosure-control
                     marker) or ``not available`` (the publisher's "not available" marker)
``file_name``        the file the row came from (named in conflict errors)
===================  =========================================================================

:func:`store_measures` is the ``store`` step of :func:`lsr.data.loading.load_files` for both
loaders. Before inserting anything it checks the store:

* a row with the same key (source, edition, measure, area, year, disaggregation) already in the
  store must carry the same numbers (then it is skipped: loading twice is a no-op), otherwise
  the file is refused, naming both files;
* the same measure, area, year and disaggregation from the *other* edition or source (the
  compiled and the official ASCOF files; ASCOF 1D and Oflog ASC1 ...) must have the same value,
  to the precision both give, otherwise the file is refused, naming both files.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from lsr.data.errors import LoadError
from lsr.data.loading import LoadSummary, format_number, insert_frame, load_files

__all__ = [
    "AREA_LEVELS",
    "EDITIONS",
    "EQUIVALENT",
    "KEY_COLUMNS",
    "NOT_AVAILABLE_MARKERS",
    "ROW_COLUMNS",
    "SCHEMA",
    "STATUSES",
    "SUPPRESSED_MARKERS",
    "TABLE",
    "MeasureFile",
    "agree",
    "area_level_for",
    "cell_text",
    "cross_checked",
    "decimals",
    "header_key",
    "marker_status",
    "measure_rows",
    "read_csv_cells",
    "store_measures",
]

TABLE = "social_care_measures"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    source VARCHAR NOT NULL,
    edition VARCHAR NOT NULL,
    measure_code VARCHAR NOT NULL,
    measure_name VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    area_name VARCHAR NOT NULL,
    area_level VARCHAR NOT NULL CHECK (area_level IN ('council', 'region', 'england')),
    year VARCHAR NOT NULL,
    disaggregation VARCHAR NOT NULL,
    value DOUBLE CHECK (value >= 0),
    numerator DOUBLE CHECK (numerator >= 0),
    denominator DOUBLE CHECK (denominator >= 0),
    base DOUBLE CHECK (base >= 0),
    margin_of_error DOUBLE CHECK (margin_of_error >= 0),
    unit VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('published', 'suppressed', 'not available')),
    file_name VARCHAR NOT NULL,
    PRIMARY KEY (source, edition, measure_code, area_code, year, disaggregation)
);
"""
"""DDL of the shared table (each source module's ``SCHEMA`` is this string)."""

KEY_COLUMNS: tuple[str, ...] = (
    "source",
    "edition",
    "measure_code",
    "area_code",
    "year",
    "disaggregation",
)
VALUE_COLUMNS: tuple[str, ...] = ("value", "numerator", "denominator")
ROW_COLUMNS: tuple[str, ...] = (
    "source",
    "edition",
    "measure_code",
    "measure_name",
    "area_code",
    "area_name",
    "area_level",
    "year",
    "disaggregation",
    "value",
    "numerator",
    "denominator",
    "base",
    "margin_of_error",
    "unit",
    "status",
    "file_name",
)
"""Columns of the table, in order (a :class:`MeasureFile`'s ``rows`` also has ``row``)."""

AREA_LEVELS: tuple[str, ...] = ("council", "region", "england")
EDITIONS: tuple[str, ...] = ("official", "compiled")
STATUSES: tuple[str, ...] = ("published", "suppressed", "not available")

EQUIVALENT: Mapping[tuple[str, str], tuple[str, str]] = {
    ("oflog", "ASC1"): ("ascof", "1D"),
    ("oflog", "ASC2"): ("ascof", "1J"),
    ("oflog", "ASC3"): ("ascof", "3D(1)"),
    ("oflog", "ASC4"): ("ascof", "3D(2)"),
    ("oflog", "ASC5"): ("ascof", "2D"),
}
"""Oflog metrics that republish an ASCOF measure (its ``Total``): checked to agree on load."""

_ENGLAND = "E92000001"


def area_level_for(code: str) -> str | None:
    """``england`` for E92000001, ``region`` for E12 codes, ``council`` for E06/E08/E09/E10/E11
    (upper-tier councils); ``None`` for anything else."""
    if code == _ENGLAND:
        return "england"
    if code.startswith("E12"):
        return "region"
    if code[:3] in ("E06", "E08", "E09", "E10", "E11"):
        return "council"
    return None


@dataclass
class MeasureFile:
    """One file's validated rows, ready for :func:`store_measures`.

    ``rows`` has the :data:`ROW_COLUMNS` plus ``row``: the 1-based line (CSV) or Excel row the
    value came from, used to name the place in an error."""

    file: str
    source: str
    edition: str
    layout: str
    """Which of the source's layouts was read (one sentence)."""
    rows: pd.DataFrame
    sheet: str | None = None
    value_field: str = "Measure Value"
    """The header of the value column (named in conflict errors)."""
    notes: list[str] = field(default_factory=list)
    """What was skipped or resolved while reading (shown in the load summary)."""

    @property
    def years(self) -> list[str]:
        """The financial years in the file, sorted."""
        return sorted(set(self.rows["year"]))


def decimals(value: float) -> int:
    """Decimal places of a number as written (its shortest repr), at most 9."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        return 9
    _, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return min(len(frac), 9)


def agree(a: float | None, b: float | None) -> bool:
    """Whether two published values are the same figure, to the precision both give.

    Both missing agree; one missing does not. Otherwise they may differ by half a unit in the
    last decimal place of the less precise one, taken as at least one decimal place (the
    publishers give one or more; a spreadsheet shows 62.0 as 62): ``62.01`` and ``62`` agree,
    ``7.4`` and ``7.5`` do not."""
    a_missing = a is None or (isinstance(a, float) and math.isnan(a))
    b_missing = b is None or (isinstance(b, float) and math.isnan(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    fa, fb = float(a), float(b)  # type: ignore[arg-type]
    if fa == fb:
        return True
    places = max(1, min(decimals(fa), decimals(fb)))
    return abs(fa - fb) <= 0.5 * 10.0 ** (-places) + 1e-9 * max(1.0, abs(fa), abs(fb))


SUPPRESSED_MARKERS: frozenset[str] = frozenset({"[c]", "c", "*"})
"""Publisher markers for a value withheld for disclosure control: stored as ``suppressed``."""
NOT_AVAILABLE_MARKERS: frozenset[str] = frozenset(
    {"[x]", "x", "[z]", "z", ":", "-", "–", "..", "n/a", "na"}
)
"""Publisher markers for a value that does not exist or was not collected (``[x]`` not
available, ``[z]`` not applicable, ``:`` and ``..`` in older files): stored as ``not
available``. A blank cell is treated the same way only where a layout says so."""


def header_key(text: object) -> str:
    """A header reduced to lower-case letters and digits (``"ONS Area Code"`` -> ``onsareacode``),
    so that case, spacing and punctuation changes between years do not matter."""
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


def cell_text(value: object) -> str:
    """A cell as stripped text; ``None``/NaN as ``""``; whole floats without ``.0``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def marker_status(text: str) -> str | None:
    """``suppressed`` or ``not available`` for a publisher's marker, ``None`` for anything else."""
    folded = text.strip().casefold()
    if folded in SUPPRESSED_MARKERS:
        return "suppressed"
    if folded in NOT_AVAILABLE_MARKERS:
        return "not available"
    return None


def read_csv_cells(path: Path) -> pd.DataFrame:
    """A CSV with every cell as text; UTF-8, falling back to Windows-1252 (NHS Digital's older
    open-data CSVs). Blank lines are skipped; a row with more or fewer fields than the header
    (a file cut short, a broken quote) is a :class:`LoadError` naming its line. The frame's
    ``attrs["lines"]`` holds each row's line number in the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError(path, "file not found") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise LoadError(
                path, "not a readable CSV file (neither UTF-8 nor Windows-1252 text)"
            ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                continue
            if header is None:
                header = [c.strip() for c in record]
                continue
            if len(record) != len(header):
                raise LoadError(
                    path,
                    f"this row has {len(record)} field(s) but the header has {len(header)}: is "
                    "the file cut short, or a quote or comma broken?",
                    row=reader.line_num,
                    field=header[min(len(record), len(header) - 1)],
                )
            rows.append(record)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise LoadError(path, f"not a readable CSV file: {exc}", row=reader.line_num) from None
    if header is None:
        raise LoadError(path, "the file is empty")
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    frame.attrs["lines"] = lines
    return frame


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not published"
    return format_number(float(value))  # type: ignore[arg-type]


def _existing(con: duckdb.DuckDBPyConnection, years: list[str]) -> pd.DataFrame:
    marks = ", ".join("?" for _ in years)
    return con.execute(
        f"SELECT source, edition, measure_code, area_code, year, disaggregation, value, "
        f"numerator, denominator, file_name FROM {TABLE} WHERE year IN ({marks})",
        years,
    ).df()


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``c_source``/``c_code``: the measure each row is checked against across sources."""
    out = frame.copy()
    pairs = [
        EQUIVALENT.get((s, c), (s, c))
        for s, c in zip(out["source"], out["measure_code"], strict=True)
    ]
    out["c_source"] = [p[0] for p in pairs]
    out["c_code"] = [p[1] for p in pairs]
    return out


def _place(mf: MeasureFile, row: pd.Series) -> dict[str, object]:
    r = row.get("row")
    return {
        "sheet": mf.sheet,
        "row": int(r) if r is not None and r == r else None,
        "field": mf.value_field,
    }


def _describe(row: pd.Series) -> str:
    return (
        f"{row['measure_code']} {row['year']} {row['disaggregation']} for "
        f"{row['area_code']} ({row['area_name']})"
    )


def store_measures(con: duckdb.DuckDBPyConnection, path: Path, mf: MeasureFile) -> int:
    """Check one validated file against the store, then insert its new rows.

    Runs inside :func:`lsr.data.loading.load_files`' transaction; raises :class:`LoadError`
    (naming this file's row and the other file) before inserting anything if a row conflicts.
    Returns the number of rows inserted (0 when every row was in the store already)."""
    rows = mf.rows
    if rows.empty:
        return 0
    existing = _existing(con, mf.years)
    keys = list(KEY_COLUMNS)
    if existing.empty:
        new = rows
    else:
        merged = rows.merge(existing, on=keys, how="left", suffixes=("", "_s"), indicator=True)
        in_store = merged["_merge"] == "both"
        for _, row in merged[in_store].iterrows():
            for column in VALUE_COLUMNS:
                if not agree(row[column], row[f"{column}_s"]):
                    raise LoadError(
                        path,
                        f"{_describe(row)} is already in the store from {row['file_name_s']} "
                        f"with {column} {_text(row[f'{column}_s'])}; this file has "
                        f"{_text(row[column])}",
                        **_place(mf, row),  # type: ignore[arg-type]
                    )
        new = merged[~in_store][list(rows.columns)]
        # the same figure from the other edition or the other source must agree
        incoming = _canonical(new)
        others = _canonical(existing)
        match = ["c_source", "c_code", "area_code", "year", "disaggregation"]
        cross = incoming.merge(others, on=match, how="inner", suffixes=("", "_s"))
        cross = cross[
            (cross["source"] != cross["source_s"]) | (cross["edition"] != cross["edition_s"])
        ]
        for _, row in cross.iterrows():
            if pd.isna(row["value"]) or pd.isna(row["value_s"]):
                continue  # one of them was not published: nothing to compare
            if not agree(row["value"], row["value_s"]):
                other = f"{row['source_s']} {row['measure_code_s']} ({row['edition_s']})"
                raise LoadError(
                    path,
                    f"{_describe(row)} is {_text(row['value'])} here but "
                    f"{_text(row['value_s'])} as {other} in {row['file_name_s']}; the two "
                    "files should give the same published figure",
                    **_place(mf, row),  # type: ignore[arg-type]
                )
    return insert_frame(con, TABLE, new, list(ROW_COLUMNS))


def cross_checked(con: duckdb.DuckDBPyConnection, mf: MeasureFile) -> dict[str, int]:
    """How many of the file's published values are also in the store from another edition or
    source, by the other file's name (for the load summary: "all agree")."""
    if mf.rows.empty:
        return {}
    existing = _existing(con, mf.years)
    if existing.empty:
        return {}
    incoming = _canonical(mf.rows[mf.rows["value"].notna()])
    others = _canonical(existing[existing["value"].notna()])
    match = ["c_source", "c_code", "area_code", "year", "disaggregation"]
    cross = incoming.merge(others, on=match, how="inner", suffixes=("", "_s"))
    cross = cross[(cross["source"] != cross["source_s"]) | (cross["edition"] != cross["edition_s"])]
    cross = cross[cross["file_name_s"] != mf.rows["file_name"].iloc[0]]
    return {str(k): int(v) for k, v in cross.groupby("file_name_s").size().items()}


def measure_rows(
    con: duckdb.DuckDBPyConnection,
    measures: Iterable[tuple[str, str]] | None = None,
    *,
    disaggregation: str = "Total",
) -> pd.DataFrame:
    """The stored rows of some measures (``(source, measure_code)`` pairs; all when ``None``)
    for one disaggregation, every area and year: the input of :mod:`lsr.core.outcomes`."""
    columns = ", ".join(c for c in ROW_COLUMNS)
    where = ["disaggregation = ?"]
    params: list[object] = [disaggregation]
    if measures is not None:
        pairs = sorted(set(measures))
        if not pairs:
            return pd.DataFrame(columns=list(ROW_COLUMNS))
        where.append("(" + " OR ".join("(source = ? AND measure_code = ?)" for _ in pairs) + ")")
        for source, code in pairs:
            params += [source, code]
    return con.execute(
        f"SELECT {columns} FROM {TABLE} WHERE {' AND '.join(where)} "
        "ORDER BY source, measure_code, year, area_code",
        params,
    ).df()


def load_measure_files(
    con: duckdb.DuckDBPyConnection,
    paths: object,
    kind: str,
    read: Callable[[Path], MeasureFile],
    *,
    skip_bad: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> LoadSummary:
    """Load measure files of one kind (ASCOF, Oflog) with :func:`lsr.data.loading.load_files`:
    each file's rows are checked against the values other files already stored for the same
    measure, area and year (:func:`cross_checked`) before they are stored; the summary notes say
    how many values were checked and agreed."""
    notes: list[str] = []

    def store(tx: duckdb.DuckDBPyConnection, path: Path, parsed: MeasureFile) -> int:
        checked = cross_checked(tx, parsed)
        rows = store_measures(tx, path, parsed)
        notes.extend(f"{path.name}: {note}" for note in parsed.notes)
        notes.extend(
            f"{path.name}: {count:,} value(s) also in {other}, all agree"
            for other, count in sorted(checked.items())
        )
        return rows

    summary = load_files(con, paths, kind, read, store, skip_bad=skip_bad, progress=progress)  # type: ignore[arg-type]
    summary.notes.extend(notes)
    return summary
