"""The daily situation loader (lsr.data.daily) on good files and on a broken copy for every
class of problem: each refused with file, row and field, every problem of a file listed, and
nothing written; re-loads replace; real data replaces synthetic; the synthetic winter."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lsr.data.daily import (
    ALL_COLUMNS,
    REASON_COLUMNS,
    daily_frame,
    daily_revision,
    load_daily,
    read_daily,
)
from lsr.data.errors import LoadError, LoadErrors
from lsr.data.store import connect
from lsr.data.synthetic_daily import (
    DEMO_AREA,
    SYNTHETIC_SOURCE,
    load_synthetic_daily,
    synthetic_daily,
)

OTHER = "E10000002"
END = date(2026, 1, 31)


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = connect(tmp_path / "store.duckdb")
    c.execute(
        "INSERT INTO areas VALUES ('E10000025', 'Oxfordshire', 'South East'), "
        "('E10000002', 'Buckinghamshire', 'South East')"
    )
    yield c
    c.close()


def _frame(days: int = 30, area: str = DEMO_AREA, end: date = END) -> pd.DataFrame:
    return synthetic_daily(area, end - timedelta(days=days - 1), end)


def _csv(path: Path, frame: pd.DataFrame) -> Path:
    out = frame.copy()
    for name in ALL_COLUMNS[2:]:
        out[name] = out[name].map(lambda v: "" if pd.isna(v) else str(int(v)))
    out.to_csv(path, index=False)
    return path


def _rows(con: duckdb.DuckDBPyConnection) -> int:
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    if "daily_situation" not in tables:
        return 0
    return int(con.execute("SELECT count(*) FROM daily_situation").fetchone()[0])


def test_a_good_csv_loads_and_reads_back_in_the_contract_shape(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    frame = _frame()
    summary = load_daily(con, _csv(tmp_path / "daily.csv", frame))
    assert summary.rows_inserted == 30 and summary.files_loaded == 1
    back = daily_frame(con, DEMO_AREA)
    assert list(back.columns) == list(ALL_COLUMNS)
    assert back["date"].tolist() == sorted(frame["date"])
    assert back["beds_occupied"].tolist() == frame["beds_occupied"].tolist()
    assert back.attrs["synthetic"] is False
    assert daily_frame(con, OTHER).empty


def test_optional_columns_may_be_absent_or_blank(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    frame = _frame(5).drop(columns=["home_care_capacity", "care_home_beds"])
    frame.loc[0, "mffd_other"] = math.nan
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    load_daily(con, path)
    back = daily_frame(con, DEMO_AREA)
    assert list(back.columns) == list(ALL_COLUMNS)
    assert back["home_care_capacity"].isna().all()
    assert math.isnan(back.loc[0, "mffd_other"])


def test_an_xlsx_first_sheet_loads(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    frame = _frame(10)
    path = tmp_path / "daily.xlsx"
    frame.to_excel(path, index=False)
    assert load_daily(con, path).rows_inserted == 10
    assert daily_frame(con, DEMO_AREA)["admissions"].tolist() == frame["admissions"].tolist()


def test_reloading_the_same_dates_from_another_file_replaces_them(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    first = _frame(10)
    load_daily(con, _csv(tmp_path / "a.csv", first))
    rev = daily_revision(con, DEMO_AREA)
    second = _frame(4)
    second["admissions"] = 7.0
    summary = load_daily(con, _csv(tmp_path / "b.csv", second))
    assert any("4 row(s) replaced" in n for n in summary.notes), summary.notes
    back = daily_frame(con, DEMO_AREA)
    assert len(back) == 10
    assert back["admissions"].tolist()[-4:] == [7.0] * 4
    assert daily_revision(con, DEMO_AREA) != rev
    # The same bytes again: a no-op.
    again = load_daily(con, tmp_path / "b.csv")
    assert again.files_skipped == 1 and again.rows_inserted == 0


def test_real_data_replaces_the_areas_synthetic_rows_and_synthetic_never_replaces_real(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    assert load_synthetic_daily(con, DEMO_AREA, END - timedelta(days=59), END) == 60
    back = daily_frame(con, DEMO_AREA)
    assert back.attrs["synthetic"] is True and back.attrs["sources"] == [SYNTHETIC_SOURCE]
    summary = load_daily(con, _csv(tmp_path / "real.csv", _frame(5)))
    assert any("60 synthetic row(s)" in n for n in summary.notes), summary.notes
    back = daily_frame(con, DEMO_AREA)
    assert len(back) == 5 and back.attrs["synthetic"] is False
    assert load_synthetic_daily(con, DEMO_AREA, END - timedelta(days=59), END) == 0
    assert len(daily_frame(con, DEMO_AREA)) == 5


def test_synthetic_winter_is_seeded_plausible_and_consistent() -> None:
    a = synthetic_daily(DEMO_AREA, date(2025, 11, 1), date(2026, 3, 31))
    b = synthetic_daily(DEMO_AREA, date(2025, 11, 1), date(2026, 3, 31))
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 151 and a.attrs["synthetic"]
    occupancy = a["beds_occupied"] / a["beds_open"]
    assert 0.88 < occupancy.mean() < 1.0 and occupancy.max() < 1.15
    assert (a["mffd"] <= a["beds_occupied"]).all()
    assert (a[list(REASON_COLUMNS)].sum(axis=1) == a["mffd"]).all()
    january = a[[d.month == 1 for d in a["date"]]]["admissions"].mean()
    november = a[[d.month == 11 for d in a["date"]]]["admissions"].mean()
    assert january > november
    other = synthetic_daily(OTHER, date(2025, 11, 1), date(2026, 3, 31), population=300_000)
    assert other["beds_open"].mean() < a["beds_open"].mean() / 1.5


# --- broken copies: every class of problem ------------------------------------------------


def _set(column: str, row: int, value: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.astype({column: object})
        frame.loc[row, column] = value
        return frame

    return change


BROKEN: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], int | None, str, str]] = {
    # name: (change, row in the file, field, words in the message)
    "missing column": (lambda f: f.drop(columns=["mffd"]), 1, "mffd", "missing column"),
    "bad number": (_set("admissions", 2, "lots"), 4, "admissions", "not a number"),
    "negative": (_set("beds_open", 0, "-3"), 2, "beds_open", "negative"),
    "fraction": (_set("discharges_p1", 1, "2.5"), 3, "discharges_p1", "whole number"),
    "blank required": (_set("beds_occupied", 3, ""), 5, "beds_occupied", "missing value"),
    "bad date": (_set("date", 1, "31/01/2026"), 3, "date", "YYYY-MM-DD"),
    "impossible date": (_set("date", 1, "2026-02-30"), 3, "date", "YYYY-MM-DD"),
    "out of window": (_set("date", 2, "9998-12-31"), 4, "date", "outside the dates"),
    "before window": (_set("date", 2, "1999-12-31"), 4, "date", "outside the dates"),
    "duplicate": (_set("date", 1, "2026-01-31"), 6, "date", "given twice"),
    "bad area code": (_set("area_code", 0, "Oxon"), 2, "area_code", "not an English"),
    "mffd above occupied": (_set("mffd", 0, "99999"), 2, "mffd", "more than beds_occupied"),
    "reasons do not add up": (_set("mffd_other", 0, "500"), 2, "mffd_other", "add up"),
    "absurd count": (_set("admissions", 0, "5000000"), 2, "admissions", "largest count"),
    "infinite": (_set("admissions", 0, "inf"), 2, "admissions", "finite"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_every_broken_copy_is_refused_with_file_row_and_field(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, name: str
) -> None:
    change, row, field, words = BROKEN[name]
    frame = change(_frame(5))
    path = tmp_path / f"broken {name}.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(LoadErrors) as info:
        load_daily(con, [_csv(tmp_path / "good.csv", _frame(3, end=END)), path])
    errors = [e for e in info.value.errors if Path(e.file).name == path.name]
    assert errors, str(info.value)
    first = errors[0]
    assert (first.row, first.field) == (row, field), str(first)
    assert words in first.message, str(first)
    assert str(first).startswith(path.name)
    assert _rows(con) == 0  # the good file is not loaded either: all or nothing


def test_every_problem_of_a_file_is_listed_and_no_row_is_echoed(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    frame = _frame(8).astype(object)
    frame.loc[1, "admissions"] = "x" * 5000
    frame.loc[2, "beds_open"] = "-1"
    frame.loc[5, "date"] = "tomorrow"
    path = tmp_path / "many.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(LoadErrors) as info:
        load_daily(con, path)
    places = [(e.row, e.field) for e in info.value.errors]
    assert places == [(3, "admissions"), (4, "beds_open"), (7, "date")]
    text = str(info.value)
    assert "x" * 200 not in text and "Oxfordshire" not in text
    assert all(len(line) < 600 for line in text.splitlines())


def test_unknown_area_is_refused_in_the_store_step(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "d.csv", _frame(3, area="E10000099"))
    with pytest.raises(LoadErrors) as info:
        load_daily(con, path)
    assert "E10000099" in str(info.value) and "not council areas" in str(info.value)
    assert _rows(con) == 0


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty", b"", "empty"),
        ("header only", (",".join(ALL_COLUMNS) + "\n").encode(), "no rows of data"),
        ("not utf-8", b"area_code,date\nE10000025,Caf\xe9\n", "UTF-8"),
        ("ragged", None, "cell(s) but the header has"),
    ],
)
def test_unreadable_csv_classes(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, name: str, content: bytes | None, words: str
) -> None:
    path = tmp_path / f"{name}.csv"
    if content is None:
        _csv(path, _frame(3))
        path.write_text(path.read_text() + "E10000025,2026-01-01,1,2\n")
    else:
        path.write_bytes(content)
    if name == "not utf-8":
        good = _csv(tmp_path / "good.csv", _frame(2))
        header = good.read_text().splitlines()[0]
        path.write_bytes(header.encode() + b"\nE10000025,2026-01-01," + b"Caf\xe9," * 19 + b"1\n")
    with pytest.raises(LoadErrors) as info:
        load_daily(con, path)
    assert words in str(info.value), str(info.value)
    assert _rows(con) == 0


def test_xlsx_with_formulas_is_refused_with_the_cell(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    frame = _frame(3)
    wb = Workbook()
    ws = wb.active
    ws.title = "Daily"
    ws.append(list(ALL_COLUMNS))
    for values in frame.itertuples(index=False):
        ws.append([None if isinstance(v, float) and math.isnan(v) else v for v in values])
    ws["D3"] = "=C3*0.95"  # beds_occupied of the second data row
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    with pytest.raises(LoadErrors) as info:
        load_daily(con, path)
    first = info.value.errors[0]
    assert (first.sheet, first.row, first.field) == ("Daily", 3, "beds_occupied")
    assert "formula" in first.message
    assert _rows(con) == 0


def test_a_file_that_is_not_a_workbook_is_refused(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "daily.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(LoadErrors, match=r"not a readable \.xlsx"):
        load_daily(con, path)
    with pytest.raises(LoadError, match=r"save as \.xlsx"):
        read_daily(tmp_path / "old.xls")
