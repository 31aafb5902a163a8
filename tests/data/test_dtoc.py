"""DToC workbooks: the real NHS England files for June, July and October 2018."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dtoc_fakes import FakeBook, FakeSheet, col, counts, england_row, find_row, real_sheets

from lsr.data.errors import LoadError, LoadErrors
from lsr.data.population import load_population
from lsr.data.sources import dtoc
from lsr.data.sources.dtoc import (
    SHEET_NAMES,
    DtocMonth,
    load_dtoc,
    parse_dtoc_sheets,
    parse_la_sheet,
    read_dtoc,
)
from lsr.data.store import connect

from raw_data import raw

DTOC_DIR = raw("dtoc")
JUNE = DTOC_DIR / "LA-Type-B_June_18.xls"
JULY = DTOC_DIR / "LA-Type-B_July_18.xls"
OCT = DTOC_DIR / "LA-Type-B_Oct_18.xls"
POPULATION = raw("ons_mye2017_upper_tier_la_from_lsoa.csv")
OXFORDSHIRE = "E10000025"
WEST_SUSSEX = "E10000032"


# --- helpers -----------------------------------------------------------------------------------


def only_error(info: pytest.ExceptionInfo[LoadErrors]) -> LoadError:
    """The single :class:`LoadError` of a one-file load that failed."""
    assert len(info.value.errors) == 1, str(info.value)
    return info.value.errors[0]


def add_days(sheet: FakeSheet, key: str, column: str, days: float) -> None:
    """Add ``days`` to one area's cell and its Total, and to England's (a consistent revision)."""
    for r in (find_row(sheet, key), england_row(sheet)):
        sheet.rows[r][col(sheet, column)] += days
        sheet.rows[r][col(sheet, "Total")] += days


def dtoc_rate(con: duckdb.DuckDBPyConnection, period: date, area_code: str | None) -> float:
    """(delayed days / days in month) / population 18+ (mid-2017) x 100,000, in SQL.

    ``area_code=None`` is England: the sum of English councils over England's population."""
    area_filter = "d.area_code = ?" if area_code else "TRUE"
    pop_code = area_code or "E92000001"
    params: list[Any] = [period]
    if area_code:
        params.append(area_code)
    params.append(pop_code)
    row = con.execute(
        f"""
        WITH days AS (
            SELECT d.period, sum(d.days) AS days
            FROM dtoc_days d
            WHERE d.breakdown = 'type_of_care' AND d.period = ? AND {area_filter}
            GROUP BY d.period
        )
        SELECT days.days / day(last_day(days.period)) / p.population * 100000
        FROM days, population p
        WHERE p.area_code = ? AND p.year = 2017 AND p.age_band = '18+'
        """,
        params,
    ).fetchone()
    assert row is not None
    return float(row[0])


@pytest.fixture
def store() -> duckdb.DuckDBPyConnection:
    con = connect(":memory:")
    load_population(con, POPULATION)
    return con


@pytest.fixture
def loaded(store: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    load_dtoc(store, [JUNE, JULY, OCT])
    return store


@pytest.fixture(scope="module")
def july() -> DtocMonth:
    return read_dtoc(JULY)


# --- reading the real workbooks ----------------------------------------------------------------


def test_july_period_and_oxfordshire(july: DtocMonth) -> None:
    assert july.period == date(2018, 7, 1)
    totals = july.area_totals()
    assert totals[OXFORDSHIRE] == 3445
    ox = july.rows[(july.rows["area_code"] == OXFORDSHIRE) & (july.rows["breakdown"] == "reason")]
    reason_e = ox.loc[ox["category"] == "E", "days"].item()
    assert round(reason_e / 3445 * 100) == 43


def test_periods_of_all_three_workbooks() -> None:
    assert [read_dtoc(p).period for p in (JUNE, JULY, OCT)] == [
        date(2018, 6, 1),
        date(2018, 7, 1),
        date(2018, 10, 1),
    ]


def test_english_councils_and_non_english_rows(july: DtocMonth) -> None:
    assert july.rows["area_code"].str.match(r"^E\d{8}$").all()
    assert july.rows["area_code"].nunique() == 151
    assert set(july.non_english["area_code"]) == {"9900", "9901", "9902"}
    assert "E92000001" not in set(july.rows["area_code"])
    assert list(july.rows.columns) == [
        "area_code",
        "area_name",
        "region",
        "breakdown",
        "category",
        "days",
    ]


def test_england_sum_of_councils_versus_published_total(july: DtocMonth) -> None:
    assert july.area_totals().sum() == 140243
    assert july.published_england_total == 140938
    # The published England row also counts residents of Scotland, Wales and outside GB.
    for breakdown in ("type_of_care", "responsible_org", "reason"):
        rows = july.rows[july.rows["breakdown"] == breakdown]
        others = july.non_english[july.non_english["breakdown"] == breakdown]
        assert rows["days"].sum() + others["days"].sum() == july.published_england_total


def test_categories_of_each_breakdown(july: DtocMonth) -> None:
    cats = july.rows.groupby("breakdown")["category"].agg(lambda s: sorted(set(s)))
    assert cats["type_of_care"] == ["acute", "non_acute"]
    assert cats["responsible_org"] == ["both", "nhs", "social_care"]
    assert cats["reason"] == sorted(["A", "B", "C", "Di", "Dii", "E", "F", "G", "H", "I", "O"])


# --- the store ---------------------------------------------------------------------------------


def test_oxfordshire_july_in_store(loaded: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        loaded.execute(
            "SELECT breakdown, sum(days) FROM dtoc_days "
            "WHERE area_code = ? AND period = DATE '2018-07-01' GROUP BY breakdown",
            [OXFORDSHIRE],
        ).fetchall()
    )
    assert rows == {"type_of_care": 3445, "responsible_org": 3445, "reason": 3445}
    reason_e = loaded.execute(
        "SELECT days FROM dtoc_days WHERE area_code = ? AND period = DATE '2018-07-01' "
        "AND breakdown = 'reason' AND category = 'E'",
        [OXFORDSHIRE],
    ).fetchone()[0]
    assert round(reason_e / rows["reason"] * 100) == 43


def test_all_three_breakdowns_loaded(loaded: duckdb.DuckDBPyConnection) -> None:
    per = loaded.execute(
        "SELECT period, breakdown, count(DISTINCT area_code), count(DISTINCT category), sum(days) "
        "FROM dtoc_days GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert len(per) == 9  # 3 months x 3 breakdowns
    n_categories = {"type_of_care": 2, "responsible_org": 3, "reason": 11}
    by_period: dict[date, set[float]] = {}
    for period, breakdown, areas, cats, days in per:
        assert areas == 151
        assert cats == n_categories[breakdown]
        by_period.setdefault(period, set()).add(days)
    # Each month's three breakdowns add up to the same total.
    assert all(len(totals) == 1 for totals in by_period.values())
    assert by_period[date(2018, 7, 1)] == {140243}


@pytest.mark.parametrize(
    ("period", "oxfordshire", "england"),
    [(date(2018, 7, 1), 20.6, 10.3), (date(2018, 10, 1), 16.8, 10.8)],
)
def test_dtoc_rate_per_100000_adults(
    loaded: duckdb.DuckDBPyConnection, period: date, oxfordshire: float, england: float
) -> None:
    assert round(dtoc_rate(loaded, period, OXFORDSHIRE), 1) == oxfordshire
    assert round(dtoc_rate(loaded, period, None), 1) == england


def test_england_population_used_for_rate(loaded: duckdb.DuckDBPyConnection) -> None:
    pop = loaded.execute(
        "SELECT population FROM population WHERE area_code = 'E92000001' AND year = 2017 "
        "AND age_band = '18+'"
    ).fetchone()[0]
    assert pop == 43_752_473


def test_reloading_same_files_is_a_no_op(loaded: duckdb.DuckDBPyConnection) -> None:
    before = counts(loaded)
    summary = load_dtoc(loaded, [JUNE, JULY, OCT])
    assert (summary.files_loaded, summary.files_skipped, summary.rows_inserted) == (0, 3, 0)
    assert counts(loaded) == before


def test_first_load_summary(store: duckdb.DuckDBPyConnection) -> None:
    summary = load_dtoc(store, JULY)
    assert summary.files_loaded == 1
    assert summary.files_skipped == 0
    assert summary.rows_inserted == 151 * 16
    assert store.execute("SELECT count(*) FROM dtoc_days").fetchone()[0] == 151 * 16
    assert store.execute("SELECT kind, file_name FROM loads WHERE kind = 'dtoc'").fetchall() == [
        ("dtoc", JULY.name)
    ]


def test_resaved_copy_with_same_numbers_is_accepted(
    loaded: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    copy = tmp_path / "July_copy.xls"
    shutil.copy(JULY, copy)
    with open(copy, "ab") as f:  # different bytes (so a different hash), same contents
        f.write(b"\0" * 512)
    before = counts(loaded)
    summary = load_dtoc(loaded, copy)
    assert summary.files_skipped == 1 and summary.rows_inserted == 0
    after = counts(loaded)
    assert after["dtoc_days"] == before["dtoc_days"]
    assert after["loads"] == before["loads"] + 1


def test_same_month_with_different_numbers_is_an_error(
    loaded: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A revised July: Oxfordshire (and so England) has 10 more acute / NHS / reason E days.
    sheets = real_sheets(JULY)
    for sheet_name, column in (
        (SHEET_NAMES["type_of_care"], "Acute"),
        (SHEET_NAMES["responsible_org"], "NHS"),
        (SHEET_NAMES["reason"], "E)"),
    ):
        add_days(sheets[sheet_name], OXFORDSHIRE, column, 10)
    revised = tmp_path / "LA-Type-B_July_18_revised.xls"
    revised.write_bytes(JULY.read_bytes() + b"\0" * 512)
    monkeypatch.setattr(dtoc, "_open_workbook", lambda path: FakeBook(sheets))
    before = counts(loaded)
    with pytest.raises(LoadErrors) as err:
        load_dtoc(loaded, revised)
    e = only_error(err)
    assert e.file == str(revised)
    assert "July 2018" in e.message
    assert OXFORDSHIRE in e.message
    assert e.field in {"Acute", "NHS", "E) Awaiting care package in own home"}
    assert e.row == find_row(sheets[e.sheet], OXFORDSHIRE) + 1
    assert counts(loaded) == before


def test_area_not_in_areas_is_an_error(tmp_path: Path) -> None:
    lines = POPULATION.read_text().splitlines()
    without = tmp_path / "pop_without_oxfordshire.csv"
    without.write_text("\n".join(line for line in lines if OXFORDSHIRE not in line) + "\n")
    con = connect(":memory:")
    load_population(con, without)
    before = counts(con)
    with pytest.raises(LoadErrors) as err:
        load_dtoc(con, JULY)
    e = only_error(err)
    assert e.field == "ONS Geography"
    assert OXFORDSHIRE in e.message
    sheet = real_sheets(JULY)[e.sheet]
    assert e.row == find_row(sheet, OXFORDSHIRE) + 1
    assert counts(con) == before


def test_empty_areas_table_asks_for_population_first() -> None:
    con = connect(":memory:")
    with pytest.raises(LoadErrors, match="lsr load population"):
        load_dtoc(con, JULY)
    assert counts(con)["dtoc_days"] == 0


def test_progress_callback(store: duckdb.DuckDBPyConnection) -> None:
    calls: list[tuple[int, int, str]] = []
    load_dtoc(store, [JUNE, OCT], progress=lambda d, t, n: calls.append((d, t, n)))
    assert calls == [(1, 2, JUNE.name), (2, 2, OCT.name)]


def test_one_bad_workbook_means_nothing_is_written(
    store: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    bad = tmp_path / "not_a_workbook.xls"
    bad.write_text("Region,ONS Geography,Code,Name\nSouth East,E10000025,1,Oxfordshire\n")
    before = counts(store)
    with pytest.raises(LoadErrors) as err:
        load_dtoc(store, [JUNE, bad, OCT])
    assert only_error(err).file == str(bad)
    assert counts(store) == before
    summary = load_dtoc(store, [JUNE, bad, OCT], skip_bad=True)
    assert (summary.files_loaded, [e.file for e in summary.bad]) == (2, [str(bad)])
    periods = store.execute("SELECT DISTINCT period FROM dtoc_days ORDER BY 1").fetchall()
    assert periods == [(date(2018, 6, 1),), (date(2018, 10, 1),)]


# --- wrong layout ------------------------------------------------------------------------------


def test_csv_renamed_xls_is_a_load_error(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    fake = tmp_path / "LA-Type-B_July_18.xls"
    shutil.copy(POPULATION, fake)
    with pytest.raises(LoadError) as err:
        read_dtoc(fake)
    assert err.value.file == str(fake)
    assert ".xls" in err.value.message
    before = counts(store)
    with pytest.raises(LoadErrors):
        load_dtoc(store, fake)
    assert counts(store) == before


def test_missing_file_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not found"):
        read_dtoc(tmp_path / "nope.xls")


def test_missing_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    sheets = real_sheets(JULY)
    del sheets[SHEET_NAMES["reason"]]
    monkeypatch.setattr(dtoc, "_open_workbook", lambda path: FakeBook(sheets))
    with pytest.raises(LoadError) as err:
        read_dtoc(JULY)
    assert err.value.sheet == "LA - by reason"
    assert "missing sheet" in err.value.message


def test_missing_header_row() -> None:
    sheet = real_sheets()[SHEET_NAMES["type_of_care"]]
    sheet.rows[13][4] = "Council"  # was "Name": no header row is recognisable
    with pytest.raises(LoadError) as err:
        parse_la_sheet(JULY, sheet, "type_of_care")
    assert (err.value.sheet, err.value.field) == ("LA - by type of care", "Name")


@pytest.mark.parametrize(
    ("breakdown", "header", "field"),
    [
        ("type_of_care", "Non-Acute", "Non-Acute"),
        ("responsible_org", "Social Care", "Social Care"),
        ("reason", "Di)", "Di)"),
        ("type_of_care", "Code", "Code"),
    ],
)
def test_missing_column(breakdown: str, header: str, field: str) -> None:
    sheet = real_sheets()[SHEET_NAMES[breakdown]]
    c = col(sheet, header)
    for row in sheet.rows:
        del row[c]
    with pytest.raises(LoadError) as err:
        parse_la_sheet(JULY, sheet, breakdown)
    assert err.value.sheet == SHEET_NAMES[breakdown]
    assert err.value.field == field


def test_shifted_layout_still_loads(july: DtocMonth) -> None:
    """Two extra rows above the header and an extra column before Region: same numbers."""
    sheets = real_sheets(JULY)
    for name in SHEET_NAMES.values():
        sheet = sheets[name]
        rows = [["", *row] for row in sheet.rows]
        rows[4:4] = [[""] * len(rows[0]), ["", "", "Note:", "revised"]]
        sheets[name] = FakeSheet(name, rows)
    shifted = parse_dtoc_sheets(JULY, sheets)
    assert shifted.period == july.period
    assert shifted.rows.equals(july.rows)
    assert shifted.excel_rows[("type_of_care", OXFORDSHIRE)] == (
        july.excel_rows[("type_of_care", OXFORDSHIRE)] + 2
    )


def test_reason_columns_in_another_order(july: DtocMonth) -> None:
    sheets = real_sheets(JULY)
    sheet = sheets[SHEET_NAMES["reason"]]
    a, e = col(sheet, "A)"), col(sheet, "E)")
    for row in sheet.rows:
        row[a], row[e] = row[e], row[a]
    month = parse_dtoc_sheets(JULY, sheets)
    assert (
        month.rows.sort_values(["area_code", "breakdown", "category"])
        .reset_index(drop=True)
        .equals(
            july.rows.sort_values(["area_code", "breakdown", "category"]).reset_index(drop=True)
        )
    )


# --- validation of values ----------------------------------------------------------------------


def test_categories_not_adding_up_to_total() -> None:
    sheet = real_sheets()[SHEET_NAMES["responsible_org"]]
    r = find_row(sheet, OXFORDSHIRE)
    sheet.rows[r][col(sheet, "Both")] += 1
    with pytest.raises(LoadError) as err:
        parse_la_sheet(JULY, sheet, "responsible_org")
    e = err.value
    assert (e.sheet, e.row, e.field) == ("LA - by responsible org", r + 1, "Total")
    assert "3,446" in e.message and "3,445" in e.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("*", "not published"),
        ("..", "not published"),
        ("lots", "not a number"),
        (-5.0, "negative"),
        (2.5, "whole number"),
        ("", "missing"),
    ],
)
def test_bad_day_values(value: Any, message: str) -> None:
    sheet = real_sheets()[SHEET_NAMES["reason"]]
    r = find_row(sheet, OXFORDSHIRE)
    c = col(sheet, "G)")
    sheet.rows[r][c] = value
    with pytest.raises(LoadError, match=message) as err:
        parse_la_sheet(JULY, sheet, "reason")
    e = err.value
    assert (e.sheet, e.row, e.field) == ("LA - by reason", r + 1, sheet.rows[13][c])


def test_breakdowns_disagreeing_on_an_area_total() -> None:
    sheets = real_sheets(JULY)
    sheet = sheets[SHEET_NAMES["type_of_care"]]
    # 7 acute days moved from West Sussex to Oxfordshire: the sheet and England still add up.
    for key, days in ((OXFORDSHIRE, 7), (WEST_SUSSEX, -7)):
        r = find_row(sheet, key)
        sheet.rows[r][col(sheet, "Acute")] += days
        sheet.rows[r][col(sheet, "Total")] += days
    with pytest.raises(LoadError) as err:
        parse_dtoc_sheets(JULY, sheets)
    e = err.value
    assert e.sheet == "LA - by responsible org"
    assert e.field == "Total"
    assert e.row == find_row(sheets[e.sheet], OXFORDSHIRE) + 1
    assert OXFORDSHIRE in e.message


def test_bad_period() -> None:
    sheet = real_sheets()[SHEET_NAMES["type_of_care"]]
    sheet.rows[4][2] = "Julember 2018"
    with pytest.raises(LoadError) as err:
        parse_la_sheet(JULY, sheet, "type_of_care")
    assert (err.value.row, err.value.field) == (5, "Period")


def test_sheets_with_different_periods() -> None:
    sheets = real_sheets(JULY)
    sheets[SHEET_NAMES["reason"]].rows[4][2] = "August 2018"
    with pytest.raises(LoadError) as err:
        parse_dtoc_sheets(JULY, sheets)
    assert (err.value.sheet, err.value.field) == ("LA - by reason", "Period")


def test_bad_ons_code() -> None:
    sheet = real_sheets()[SHEET_NAMES["type_of_care"]]
    r = find_row(sheet, OXFORDSHIRE)
    sheet.rows[r][2] = "Oxon"
    with pytest.raises(LoadError) as err:
        parse_la_sheet(JULY, sheet, "type_of_care")
    assert (err.value.row, err.value.field) == (r + 1, "ONS Geography")


def test_area_missing_from_one_sheet() -> None:
    sheets = real_sheets(JULY)
    sheet = sheets[SHEET_NAMES["reason"]]
    r = find_row(sheet, OXFORDSHIRE)
    for c in range(5, 17):  # England without Oxfordshire, so that the sheet adds up
        sheet.rows[england_row(sheet)][c] -= sheet.rows[r][c]
    del sheet.rows[r]
    with pytest.raises(LoadError) as err:
        parse_dtoc_sheets(JULY, sheets)
    assert err.value.sheet == "LA - by reason"
    assert OXFORDSHIRE in err.value.message


def test_load_error_message_names_file_sheet_row_field() -> None:
    sheet = real_sheets()[SHEET_NAMES["reason"]]
    r = find_row(sheet, OXFORDSHIRE)
    sheet.rows[r][col(sheet, "H)")] = "n/a"
    with pytest.raises(LoadError) as err:
        parse_la_sheet(JULY, sheet, "reason")
    text = str(err.value)
    assert text.startswith(f"{JULY.name}, sheet 'LA - by reason', row {r + 1}, field 'H) Disputes'")
