"""Broken person-level extracts for the safety tests: every kind of damage, each with
recognisable values seeded in the damaged row so that a test can prove none of them is shown.

``CSV_CASES`` and ``PARQUET_CASES`` map a name to a writer ``(folder) -> Case``; ``Case.path``
is what ``lsr load episodes`` is given, ``Case.row``/``Case.field`` the place the error must
name (``None``: not checked) and ``Case.ok`` whether the extract is valid after all.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lsr.data import store

A, B = "E06000001", "E06000002"
UNKNOWN_AREA = "E06000099"

HEADER = (
    "person_id,area_code,age,record_type,arrival_date,admission_method,admission_source,"
    "discharge_date,note"
)

# Values seeded in the damaged row: none may ever appear in an error, on stdout or stderr.
SEEDS: tuple[str, ...] = (
    "SEEDPERSON-7Q3X",
    "SEEDSOURCE-K9",
    "SEEDNOTE-ZZ4",
    "2013-07-19",
    "2013-08-23",
    "117",
)
SECRET_PERSON, SECRET_SOURCE, SECRET_NOTE, SECRET_ARRIVAL, SECRET_DISCHARGE, SECRET_AGE = SEEDS


def good_rows(n: int = 30) -> list[str]:
    """``n`` valid CSV lines (arrivals in November 2017, areas A and B)."""
    rows = []
    for i in range(n):
        area = A if i % 2 else B
        if i % 3:
            rows.append(f"p{i},{area},{70 + i % 20},ae,2017-11-{1 + i % 27:02d},,,,n{i}")
        else:
            rows.append(
                f"p{i},{area},{70 + i % 20},admission,2017-11-{1 + i % 27:02d},emergency,19,"
                f"2017-11-{2 + i % 27:02d},n{i}"
            )
    return rows


SECRET_ROW = (
    f"{SECRET_PERSON},{B},{SECRET_AGE},admission,{SECRET_ARRIVAL},emergency,{SECRET_SOURCE},"
    f"{SECRET_DISCHARGE},{SECRET_NOTE}"
)
"""A valid row made only of seeded values (age 117 is unusual but valid)."""


@dataclass(frozen=True)
class Case:
    path: Path
    row: int | None = None
    field: str | None = None
    ok: bool = False
    forbidden: tuple[str, ...] = SEEDS


AT = 22
"""The damaged row's number as a spreadsheet shows it (header row 1, 20 good rows before)."""


def _csv(folder: Path, name: str, damaged: str | bytes, *, eol: str = "\n") -> Path:
    """A CSV: header, 20 good rows, the damaged row (row 22), 10 more good rows."""
    good = good_rows()
    before = eol.join([HEADER, *good[:20]]) + eol
    after = eol.join(good[20:]) + eol
    body = damaged if isinstance(damaged, bytes) else damaged.encode("utf-8")
    path = folder / f"{name}.csv"
    path.write_bytes(before.encode() + body + eol.encode() + after.encode())
    return path


def _replace(field: str, value: str) -> str:
    cells = SECRET_ROW.split(",")
    cells[HEADER.split(",").index(field)] = value
    return ",".join(cells)


def _csv_case(
    name: str,
    damaged: str | bytes,
    row: int | None = AT,
    field: str | None = None,
    *,
    ok: bool = False,
    eol: str = "\n",
) -> Callable[[Path], Case]:
    def write(folder: Path) -> Case:
        return Case(_csv(folder, name, damaged, eol=eol), row, field, ok)

    return write


def _whole_file(name: str, data: bytes, row: int | None = None) -> Callable[[Path], Case]:
    def write(folder: Path) -> Case:
        path = folder / f"{name}.csv"
        path.write_bytes(data)
        return Case(path, row)

    return write


def _duplicate_csv(folder: Path) -> Case:
    good = good_rows()
    lines = [HEADER, *good[:20], SECRET_ROW, *good[20:], SECRET_ROW]
    path = folder / "duplicate.csv"
    path.write_text("\n".join(lines) + "\n")
    return Case(path, row=len(lines), field=None)


def _long_cell(folder: Path) -> Case:
    return Case(_csv(folder, "long_cell", _replace("note", "SEEDNOTE-ZZ4" * 300_000)), AT)


CSV_CASES: dict[str, Callable[[Path], Case]] = {
    "ragged-extra-cell": _csv_case("ragged", SECRET_ROW + ",EXTRA", field=None),
    "short-row": _csv_case("short", ",".join(SECRET_ROW.split(",")[:4]), field="arrival_date"),
    "latin1-person-id": _csv_case(
        "latin1", SECRET_ROW.replace("7Q3X", "7Q3X\xe9").encode("latin-1"), field="person_id"
    ),
    "latin1-in-other-column": _csv_case(
        "latin1_note", (SECRET_ROW + "\xe9").encode("latin-1"), field="column 9"
    ),
    "unclosed-quote": _csv_case("unclosed", '"' + SECRET_ROW, field="person_id"),
    "quote-inside-cell": _csv_case(  # read as a literal quote, as most CSV readers do
        "inner_quote", _replace("admission_source", 'SEED"SOURCE-K9'), row=None, ok=True
    ),
    "nul-in-date": _csv_case(
        "nul_date", _replace("arrival_date", "2013-07-\x0019"), field="arrival_date"
    ),
    "nul-in-person-id": _csv_case(
        "nul_person", _replace("person_id", "SEEDPERSON-7Q3X\x00"), row=None, ok=True
    ),
    "age-as-text": _csv_case("age_text", _replace("age", "SEED-AGE-117"), field="age"),
    "age-fraction": _csv_case("age_fraction", _replace("age", "117.5"), field="age"),
    "date-not-iso": _csv_case(
        "date_not_iso", _replace("arrival_date", "19/07/2013"), field="arrival_date"
    ),
    "date-9998": _csv_case(
        "date_9998", _replace("arrival_date", "9998-12-31"), field="arrival_date"
    ),
    "date-0001": _csv_case(
        "date_0001", _replace("arrival_date", "0001-01-01"), field="arrival_date"
    ),
    "discharge-9999": _csv_case(
        "discharge_9999", _replace("discharge_date", "9999-12-31"), field="discharge_date"
    ),
    "discharge-before-arrival": _csv_case(
        "discharge_order", _replace("discharge_date", "2013-07-18"), field="discharge_date"
    ),
    "bad-record-type": _csv_case(
        "record_type", _replace("record_type", "SEED-TYPE"), field="record_type"
    ),
    "bad-method": _csv_case(
        "method", _replace("admission_method", "SEED-METHOD"), field="admission_method"
    ),
    "missing-person": _csv_case("no_person", _replace("person_id", ""), field="person_id"),
    "unknown-area": _csv_case(
        "unknown_area", _replace("area_code", UNKNOWN_AREA), field="area_code"
    ),
    "malformed-area": _csv_case("bad_area", _replace("area_code", "SEED-AREA"), field="area_code"),
    "mixed-line-endings": _csv_case("mixed_eol", SECRET_ROW + "\r"),
    "crlf": _csv_case("crlf", SECRET_ROW, row=None, ok=True, eol="\r\n"),
    "exact-duplicate": _duplicate_csv,
    "cell-over-1MB": _long_cell,
    "utf16": _whole_file("utf16", ("\n".join([HEADER, SECRET_ROW]) + "\n").encode("utf-16"), 1),
    "header-only": _whole_file("header_only", (HEADER + "\n").encode()),
    "empty": _whole_file("empty", b"", 1),
    "binary": _whole_file("binary", bytes(range(256)) * 40 + SECRET_PERSON.encode(), 1),
    "huge-header": _whole_file("huge_header", (HEADER + ",x" * 600_000 + "\n").encode(), 1),
    "missing-column": _whole_file(
        "missing_column", (HEADER.replace("age,", "") + "\n" + SECRET_ROW + "\n").encode(), 1
    ),
}


# --- Parquet ---------------------------------------------------------------------------------


def _table(**override: list[object]) -> dict[str, list[object]]:
    """Three rows, the middle one made of seeded values."""
    cols: dict[str, list[object]] = {
        "person_id": ["p1", SECRET_PERSON, "p3"],
        "area_code": [A, B, A],
        "age": [70, int(SECRET_AGE), 80],
        "record_type": ["ae", "admission", "ae"],
        "arrival_date": [date(2017, 11, 1), date.fromisoformat(SECRET_ARRIVAL), date(2017, 11, 2)],
        "admission_method": [None, "emergency", None],
        "admission_source": [None, SECRET_SOURCE, None],
        "discharge_date": [None, date.fromisoformat(SECRET_DISCHARGE), None],
        "note": ["n1", SECRET_NOTE, "n3"],
    }
    cols.update(override)
    return cols


def _parquet_case(
    name: str, row: int | None = 2, field: str | None = None, **override: list[object]
) -> Callable[[Path], Case]:
    def write(folder: Path) -> Case:
        path = folder / f"{name}.parquet"
        pq.write_table(pa.table(_table(**override)), path)
        return Case(path, row, field)

    return write


def _parquet_bytes(name: str, damage: Callable[[bytes], bytes]) -> Callable[[Path], Case]:
    def write(folder: Path) -> Case:
        good = folder / f"{name}_good.parquet"
        pq.write_table(pa.table(_table()), good)
        path = folder / f"{name}.parquet"
        path.write_bytes(damage(good.read_bytes()))
        good.unlink()
        return Case(path, None)

    return write


def make_unreadable(path: Path) -> None:
    """Make ``path`` a file this process cannot read: no read permission, or (as root, who
    reads everything) a link to a file whose every read fails."""
    if os.geteuid() == 0:
        path.unlink(missing_ok=True)
        path.symlink_to("/proc/self/mem")  # open succeeds, read fails with EIO
    else:
        path.chmod(0)


def _folder(name: str, build: Callable[[Path], None]) -> Callable[[Path], Case]:
    def write(folder: Path) -> Case:
        parts = folder / name
        parts.mkdir()
        pq.write_table(pa.table(_table(person_id=["p1", "p2", "p3"])), parts / "a.parquet")
        build(parts)
        return Case(parts, None)

    return write


def _unreadable(parts: Path) -> None:
    path = parts / "b.parquet"
    pq.write_table(pa.table(_table()), path)
    make_unreadable(path)


def _other_types(parts: Path) -> None:
    pq.write_table(
        pa.table(_table(age=[date(2000, 1, 1)] * 3, area_code=[1, 2, 3])), parts / "b.parquet"
    )


def _duplicate_across_files(parts: Path) -> None:
    pq.write_table(pa.table(_table()), parts / "b.parquet")
    pq.write_table(pa.table(_table()), parts / "c.parquet")


def _subfolder(parts: Path) -> None:
    (parts / "z.parquet").mkdir()


PARQUET_CASES: dict[str, Callable[[Path], Case]] = {
    "integer-area-code": _parquet_case("int_area", row=1, field="area_code", area_code=[1, 2, 1]),
    "age-as-text": _parquet_case("age_text", field="age", age=["70", "SEED-AGE-117", "80"]),
    "age-as-date": _parquet_case("age_date", row=1, field="age", age=[date(2000, 1, 1)] * 3),
    "date-9998": _parquet_case(
        "date_9998",
        field="arrival_date",
        arrival_date=[date(2017, 11, 1), date(9998, 12, 31), date(2017, 11, 2)],
    ),
    "date-as-integer": _parquet_case(
        "date_int", row=1, field="arrival_date", arrival_date=[20171101, 20130719, 20171102]
    ),
    "timestamp-9999": _parquet_case(
        "timestamp_9999",
        field="discharge_date",
        discharge_date=[None, datetime(9999, 12, 31, 23, 59), None],
    ),
    "exact-duplicate": _parquet_case(
        "duplicate",
        row=3,
        **{k: [v[1], v[0], v[1]] for k, v in _table().items()},
    ),
    "corrupt": _parquet_bytes("corrupt", lambda b: b[:4] + SECRET_PERSON.encode() * 50),
    "truncated": _parquet_bytes("truncated", lambda b: b[: len(b) // 2]),
    "folder-unreadable-file": _folder("unreadable", _unreadable),
    "folder-other-types": _folder("other_types", _other_types),
    "folder-duplicate-across-files": _folder("dups", _duplicate_across_files),
    "folder-subfolder-named-parquet": _folder("subfolder", _subfolder),
}


def make_store(path: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A store with areas A and B and their population aged 65+ (2010 to 2018)."""
    con = store.connect(path)
    for code in (A, B):
        con.execute("INSERT INTO areas VALUES (?, ?, 'North East')", [code, f"Area {code}"])
        for year in range(2010, 2019):
            con.execute("INSERT INTO population VALUES (?, ?, '65+', 1000)", [code, year])
    return con
