"""MAR by commissioner: every real workbook in data/raw/mar-commissioner, and broken copies.

Check figures (read by hand from the workbooks, sheet 'Commissioner', column 'Total
Non-elective G&A Admissions (FFCEs)'):

- April 2012: England 444,233 (row 15); OXFORDSHIRE PCT (5QE) 4,116 (row 150); NATIONAL
  COMMISSIONING GROUP (YDD82) 2,368 (row 168).
- July 2018: England 548,237; NHS ENGLAND (X24) 16,701 (row 17); NHS OXFORDSHIRE CCG (10Q)
  5,790 (row 201).
- December 2019: England 580,666; X24 15,276; 10Q 6,272 (row 79).
- November 2012: SUFFOLK PCT 4,459.1 and England 462,003.1 (fractions, as published).
- October 2014: NHS SOLIHULL CCG 225 (Heart of England NHS FT did not submit that month).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mar_helpers import (
    ENGLAND_ROW,
    HEADER,
    MAR_DIR,
    MAR_FILES,
    POPULATION,
    FakeSheet,
    column,
    counts,
    file_month,
    find_row,
    parsed,
    real_sheet,
    write_xlsx,
)

from lsr.data.errors import LoadError, LoadErrors
from lsr.data.population import load_population
from lsr.data.sources import mar
from lsr.data.sources.mar import MEASURE_IDS, load_mar, read_mar
from lsr.data.sources.mar_sheet import (
    ENGLAND_CODE,
    MEASURES,
    header_words,
    parse_commissioner_sheet,
    parse_count,
)
from lsr.data.store import connect

APR_12 = MAR_DIR / "Apr_12.xls"
JUL_18 = MAR_DIR / "Jul_18.xls"
DEC_19 = MAR_DIR / "Dec_19.xls"
NON_ELECTIVE = "Total Non-elective G&A Admissions (FFCEs)"

COMMISSIONERS_BY_YEAR = {
    2012: 152,  # 146 PCTs, 5 care trusts, the National Commissioning Group
    2013: 212,  # 211 CCGs and NHS England
    2014: 212,
    2015: 210,  # Newcastle Gateshead CCG replaced three CCGs
    2016: 210,
    2017: 208,  # Manchester CCG replaced three CCGs
    2018: 196,  # six mergers (Berkshire, Bristol, Birmingham, Leeds, Buckinghamshire)
    2019: 192,  # Derby and Derbyshire, Devon
}
"""Rows below the England row, by the financial year's first year."""
PARENT_BY_YEAR = {2012: "SHA", 2013: "Area Team", 2014: "Area Team"}


def fiscal_year(path: Path) -> int:
    year, month = file_month(path)
    return year if month >= 4 else year - 1


# --- every real workbook -------------------------------------------------------------------


def test_all_93_workbooks_are_there() -> None:
    assert len(MAR_FILES) == 93
    months = sorted(file_month(p) for p in MAR_FILES)
    assert months[0] == (2012, 4) and months[-1] == (2019, 12)
    assert len(set(months)) == 93  # April 2012 to December 2019, every month once


@pytest.mark.parametrize("path", MAR_FILES, ids=[p.stem for p in MAR_FILES])
def test_every_real_workbook(path: Path) -> None:
    month = parsed(path)
    year, m = file_month(path)
    assert month.period == date(year, m, 1)
    assert month.sheet == "Commissioner"
    fy = fiscal_year(path)
    assert month.parent_label == PARENT_BY_YEAR.get(fy, "Region")
    orgs = month.commissioners()
    assert len(orgs) == COMMISSIONERS_BY_YEAR[fy]
    rows = month.rows
    assert set(rows["measure"]) == set(MEASURE_IDS)
    # Every commissioner has all fourteen measures (no nil markers in 2012-2019).
    assert len(rows) == (len(orgs) + 1) * len(MEASURE_IDS)
    assert (rows["value"] >= 0).all()
    # The England row is the sum of the commissioners, measure by measure (recomputed here).
    local = rows[rows["org_code"] != ENGLAND_CODE].groupby("measure")["value"].sum()
    england = rows[rows["org_code"] == ENGLAND_CODE].set_index("measure")["value"]
    assert (local - england).abs().max() < 1e-6
    national = orgs[orgs["org_type"] == "national"]["org_code"].tolist()
    assert national == (["YDD82"] if fy == 2012 else ["X24"])
    expected_types = {"pct", "care_trust", "national"} if fy == 2012 else {"ccg", "national"}
    assert set(orgs["org_type"]) == expected_types
    assert month.excel_rows[ENGLAND_CODE] == 15


@pytest.mark.parametrize(
    ("path", "org", "row", "value"),
    [
        (APR_12, ENGLAND_CODE, 15, 444_233),
        (APR_12, "5QE", 150, 4_116),
        (APR_12, "YDD82", 168, 2_368),
        (JUL_18, ENGLAND_CODE, 15, 548_237),
        (JUL_18, "X24", 17, 16_701),
        (JUL_18, "10Q", 201, 5_790),
        (DEC_19, ENGLAND_CODE, 15, 580_666),
        (DEC_19, "X24", 17, 15_276),
        (DEC_19, "10Q", 79, 6_272),
        (MAR_DIR / "Nov_12.xls", "5PT", 100, 4_459.1),
        (MAR_DIR / "Oct_14.xls", "05P", None, 225),
    ],
)
def test_check_figures(path: Path, org: str, row: int | None, value: float) -> None:
    month = parsed(path)
    assert month.value(org, "non_elective") == value
    if row is not None:
        assert month.excel_rows[org] == row


def test_all_measures_of_one_row() -> None:
    # OXFORDSHIRE PCT, April 2012, the fourteen columns in published order (row 150).
    expected = [887, 4233, 5120, 78, 1390, 1468, 89, 4116, 9385, 6567, 9228, 6302, 5444, 10767]
    month = parsed(APR_12)
    assert [month.value("5QE", m) for m in MEASURE_IDS] == expected
    assert month.fields["non_elective"] == NON_ELECTIVE


def test_fraction_is_kept_and_noted() -> None:
    month = parsed(MAR_DIR / "Nov_12.xls")
    assert month.value(ENGLAND_CODE, "non_elective") == 462_003.1
    assert any("5PT" in n and "4459.1" in n for n in month.notes)


def test_publisher_typos_are_read() -> None:
    # 'Janaury' in every row of January 2018; '2017-19' ... '2017-30' in June 2017.
    sheet = real_sheet(MAR_DIR / "Jan_18.xls")
    assert sheet.rows[16][2] == "Janaury"
    assert parsed(MAR_DIR / "Jan_18.xls").period == date(2018, 1, 1)
    years = {r[1] for r in real_sheet(MAR_DIR / "Jun_17.xls").rows[15:]}
    assert {"2017-19", "2017-30"} <= years
    assert parsed(MAR_DIR / "Jun_17.xls").period == date(2017, 6, 1)


def test_cumbria_boundary_change_shows_in_the_numbers() -> None:
    # From April 2017 South Cumbria moved from 01H to 01K (Morecambe Bay).
    mar17, apr17 = parsed(MAR_DIR / "Mar_17.xls"), parsed(MAR_DIR / "Apr_17.xls")
    assert mar17.value("01H", "non_elective") == 5_307
    assert apr17.value("01H", "non_elective") == 3_146
    assert apr17.value("01K", "non_elective") == 2_882


def test_xlsx_copy_reads_the_same(tmp_path: Path) -> None:
    sheet = real_sheet(APR_12)
    copy = write_xlsx(
        tmp_path / "Apr_12.xlsx", {"SHA": FakeSheet("SHA", []), "Commissioner": sheet}
    )
    a, b = read_mar(copy), parsed(APR_12)
    assert a.period == b.period
    assert a.rows.equals(b.rows)


# --- the store ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file with the population and all 93 workbooks, built once."""
    path = tmp_path_factory.mktemp("mar") / "lsr.duckdb"
    con = connect(path)
    load_population(con, POPULATION)
    summary = load_mar(con, MAR_FILES)
    assert (summary.files_loaded, summary.files_skipped) == (93, 0)
    con.close()
    return path


@pytest.fixture
def loaded(loaded_db: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(loaded_db, copy)
    return connect(copy)


@pytest.fixture
def empty() -> duckdb.DuckDBPyConnection:
    return connect(":memory:")


def test_everything_in_the_store(loaded: duckdb.DuckDBPyConnection) -> None:
    per_period = loaded.execute(
        "SELECT period, count(DISTINCT org_code), count(*) FROM mar_activity GROUP BY period"
    ).fetchall()
    assert len(per_period) == 93
    for period, orgs, rows in per_period:
        assert (
            orgs == COMMISSIONERS_BY_YEAR[period.year if period.month >= 4 else period.year - 1] + 1
        )
        assert rows == orgs * 14
    total = loaded.execute("SELECT count(*) FROM mar_activity").fetchone()[0]
    assert total == 260_694
    ox = loaded.execute(
        "SELECT value FROM mar_activity WHERE period = DATE '2018-07-01' AND org_code = '10Q' "
        "AND measure = 'non_elective'"
    ).fetchone()[0]
    assert ox == 5_790
    assert loaded.execute("SELECT count(*) FROM loads WHERE kind = 'mar'").fetchone()[0] == 93


def test_reloading_is_a_no_op(loaded: duckdb.DuckDBPyConnection) -> None:
    before = counts(loaded)
    summary = load_mar(loaded, MAR_FILES[:5])
    assert (summary.files_loaded, summary.files_skipped, summary.rows_inserted) == (0, 5, 0)
    assert counts(loaded) == before


def test_resaved_copy_with_the_same_numbers(
    loaded: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    copy = write_xlsx(tmp_path / "July_2018_resaved.xlsx", {"Commissioner": real_sheet(JUL_18)})
    before = counts(loaded)
    summary = load_mar(loaded, [copy])
    assert (summary.files_loaded, summary.files_skipped, summary.rows_inserted) == (0, 1, 0)
    after = counts(loaded)
    assert after["mar_activity"] == before["mar_activity"]
    assert after["loads"] == before["loads"] + 1


def test_same_month_with_different_numbers(
    loaded: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    sheet = real_sheet(JUL_18)
    r, c = find_row(sheet, "10Q"), column(sheet, "Total Non-elective")
    sheet.rows[r][c] += 10
    sheet.rows[ENGLAND_ROW][c] += 10  # a consistent revision: England still adds up
    revised = write_xlsx(tmp_path / "Jul_18_revised.xlsx", {"Commissioner": sheet})
    before = counts(loaded)
    with pytest.raises(LoadErrors) as err:
        load_mar(loaded, [revised])
    (e,) = err.value.errors
    assert e.file == str(revised)
    assert "July 2018" in e.message and "different numbers" in e.message
    assert e.sheet == "Commissioner"
    assert (e.row, e.field) in {(r + 1, NON_ELECTIVE), (ENGLAND_ROW + 1, NON_ELECTIVE)}
    assert counts(loaded) == before


def test_one_bad_file_means_nothing_is_written(
    empty: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    bad = tmp_path / "Aug_18.xls"
    bad.write_bytes(JUL_18.read_bytes()[:40_000])  # truncated
    before = counts(empty)
    with pytest.raises(LoadErrors) as err:
        load_mar(empty, [APR_12, bad, DEC_19])
    assert [Path(e.file).name for e in err.value.errors] == ["Aug_18.xls"]
    assert "not a readable Excel workbook" in err.value.errors[0].message
    assert counts(empty) == before


def test_skip_bad_loads_the_good(empty: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    bad = tmp_path / "broken.xls"
    bad.write_text("Year,Period,Org Code\n2018-19,July,10Q\n")
    summary = load_mar(empty, [APR_12, bad, DEC_19], skip_bad=True)
    assert summary.files_loaded == 2
    assert [Path(e.file).name for e in summary.bad] == ["broken.xls"]
    periods = empty.execute("SELECT DISTINCT period FROM mar_activity ORDER BY 1").fetchall()
    assert periods == [(date(2012, 4, 1),), (date(2019, 12, 1),)]


def test_two_files_of_one_month_in_one_load(
    empty: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    sheet = real_sheet(APR_12)
    r, c = find_row(sheet, "5QE"), column(sheet, "Total Non-elective")
    sheet.rows[r][c] -= 1
    sheet.rows[ENGLAND_ROW][c] -= 1
    other = write_xlsx(tmp_path / "April_2012_other.xlsx", {"Commissioner": sheet})
    with pytest.raises(LoadErrors) as err:
        load_mar(empty, [APR_12, other])
    (e,) = err.value.errors
    assert "April 2012 is already in the store" in e.message
    assert counts(empty)["mar_activity"] == 0


def test_progress_callback(empty: duckdb.DuckDBPyConnection) -> None:
    calls: list[tuple[int, int, str]] = []
    load_mar(empty, [APR_12, DEC_19], progress=lambda d, t, n: calls.append((d, t, n)))
    assert calls == [(1, 2, "Apr_12.xls"), (2, 2, "Dec_19.xls")]


# --- broken copies ---------------------------------------------------------------------------


def _load_broken(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, sheet: FakeSheet, name: str = "Jul_18.xlsx"
) -> LoadError:
    """Write a damaged sheet to a real workbook, load it, and check nothing was written."""
    path = write_xlsx(tmp_path / name, {sheet.name: sheet})
    before = counts(con)
    with pytest.raises(LoadErrors) as err:
        load_mar(con, [path])
    assert counts(con) == before
    (e,) = err.value.errors
    assert e.file == str(path)
    return e


def test_text_in_a_number_cell(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(JUL_18)
    r, c = find_row(sheet, "10Q"), column(sheet, "GP Referrals Seen (G&A)")
    sheet.rows[r][c] = "about 11,000"
    e = _load_broken(loaded, tmp_path, sheet)
    assert (e.sheet, e.row, e.field) == ("Commissioner", r + 1, "GP Referrals Seen (G&A)")
    assert "'about 11,000' is not a number" in e.message


def test_negative_number(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(JUL_18)
    r, c = find_row(sheet, "X24"), column(sheet, "Total Non-elective")
    sheet.rows[r][c] = -16_701
    e = _load_broken(loaded, tmp_path, sheet)
    assert (e.row, e.field) == (r + 1, NON_ELECTIVE)
    assert "negative" in e.message


def test_empty_cell(empty: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(JUL_18)
    r, c = find_row(sheet, "10Q"), column(sheet, "Elective G&A Daycase")
    sheet.rows[r][c] = ""
    e = _load_broken(empty, tmp_path, sheet)
    assert (e.row, e.field) == (r + 1, "Elective G&A Daycase Admissions (FFCEs)")
    assert "missing value" in e.message


@pytest.mark.parametrize(
    "header",
    ["Total Non-elective G&A Admissions (FFCEs)", "Other Referrals Made (G&A)", "Org Code"],
)
def test_missing_column(empty: duckdb.DuckDBPyConnection, tmp_path: Path, header: str) -> None:
    sheet = real_sheet(DEC_19)
    c = column(sheet, header)
    for row in sheet.rows:
        del row[c : c + 1]
    e = _load_broken(empty, tmp_path, sheet)
    assert e.sheet == "Commissioner"
    assert e.field == header
    if header != "Org Code":  # without Org Code there is no header row to point at
        assert e.row == HEADER + 1
    assert "missing column" in e.message or "no header row" in e.message


def test_missing_sheet(empty: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(DEC_19)
    sheet.name = "Provider"
    e = _load_broken(empty, tmp_path, sheet)
    assert e.sheet == "Commissioner"
    assert "missing sheet 'Commissioner'; found: Provider" in e.message


def test_duplicated_row(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(JUL_18)
    r = find_row(sheet, "10Q")
    sheet.rows.insert(r + 1, list(sheet.rows[r]))
    e = _load_broken(loaded, tmp_path, sheet)
    assert (e.row, e.field) == (r + 2, "Org Code")
    assert f"also Excel row {r + 1}" in e.message


def test_commissioner_changed_so_england_does_not_add_up(
    empty: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    sheet = real_sheet(APR_12)
    r, c = find_row(sheet, "5QE"), column(sheet, "Total Non-elective")
    sheet.rows[r][c] = 4_161  # a transposition typo
    e = _load_broken(empty, tmp_path, sheet, "Apr_12.xlsx")
    assert (e.row, e.field) == (ENGLAND_ROW + 1, NON_ELECTIVE)
    assert "444,233" in e.message and "444,278" in e.message


def test_wrong_period(empty: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(JUL_18)
    assert sheet.rows[4][1:3] == ["Period:", "July 2018"]
    sheet.rows[4][2] = "August 2018"
    e = _load_broken(empty, tmp_path, sheet)
    assert (e.row, e.field) == (ENGLAND_ROW + 1, "Period")
    assert "'JULY' does not match the workbook's month August 2018" in e.message


def test_wrong_year_in_a_row(empty: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(JUL_18)
    r = find_row(sheet, "10Q")
    sheet.rows[r][1] = "2017-18"
    e = _load_broken(empty, tmp_path, sheet)
    assert (e.row, e.field) == (r + 1, "Year")


def test_unreadable_period(empty: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(JUL_18)
    sheet.rows[4][2] = "Summer"
    e = _load_broken(empty, tmp_path, sheet)
    assert (e.row, e.field) == (5, "Period")


def test_no_england_row(empty: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(DEC_19)
    del sheet.rows[ENGLAND_ROW]
    e = _load_broken(empty, tmp_path, sheet)
    assert e.field == "Org Name" and "no England row" in e.message


def test_bad_org_code(empty: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(DEC_19)
    r, c = find_row(sheet, "10Q"), column(sheet, "Org Code")
    sheet.rows[r][c] = "Oxfordshire"
    e = _load_broken(empty, tmp_path, sheet)
    assert (e.row, e.field) == (r + 1, "Org Code")


def test_provider_based_file_is_refused(empty: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    sheet = real_sheet(DEC_19)
    assert sheet.rows[6][1:3] == ["Basis:", "Commissioner"]
    sheet.rows[6][2] = "Provider"
    e = _load_broken(empty, tmp_path, sheet)
    assert (e.row, e.field) == (7, "Basis")


def test_truncated_and_overwritten_xls(empty: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    data = APR_12.read_bytes()
    truncated = tmp_path / "Apr_12_truncated.xls"
    truncated.write_bytes(data[: len(data) // 2])
    scrambled = tmp_path / "Apr_12_scrambled.xls"
    scrambled.write_bytes(data[:512] + bytes(len(data) - 512))
    renamed = tmp_path / "population.xls"
    shutil.copy(POPULATION, renamed)
    before = counts(empty)
    with pytest.raises(LoadErrors) as err:
        load_mar(empty, [truncated, scrambled, renamed, tmp_path / "missing.xls"])
    assert [Path(e.file).name for e in err.value.errors] == [
        "Apr_12_truncated.xls",
        "Apr_12_scrambled.xls",
        "population.xls",
        "missing.xls",
    ]
    for e in err.value.errors[:3]:
        assert "not a readable Excel workbook" in e.message or "missing sheet" in e.message
    assert counts(empty) == before


def test_footnotes_and_blank_rows_are_skipped() -> None:
    sheet = real_sheet(APR_12)
    sheet.rows.append([""] * 21)
    sheet.rows.append(["", "Note: something the publisher wants to say", *[""] * 19])
    month = parse_commissioner_sheet("Apr_12.xls", sheet)
    assert len(month.commissioners()) == 152


def test_nil_markers() -> None:
    sheet = real_sheet(APR_12)
    r = find_row(sheet, "5QE")
    c_tc = column(sheet, "Elective G&A Admissions (FFCEs) -NHS")
    c_other = column(sheet, "Other Referrals Made")
    tc = sheet.rows[r][c_tc]
    sheet.rows[r][c_tc] = " - "  # zero, as the accounting number format shows it
    sheet.rows[ENGLAND_ROW][c_tc] -= tc
    sheet.rows[r][c_other] = ".."  # not available
    month = parse_commissioner_sheet("Apr_12.xls", sheet)
    assert month.value("5QE", "elective_treatment_centres") == 0
    assert month.value("5QE", "other_referrals_made_ga") is None
    assert any("not available" in n for n in month.notes)


def test_a_header_row_moved_down_and_reworded() -> None:
    sheet = real_sheet(APR_12)
    sheet.rows.insert(3, ["", "an extra line in the title block"])
    header = sheet.rows[HEADER + 1]
    c = column(FakeSheet("x", sheet.rows[1:]), "Total Non-elective")
    header[c] = "Total non elective G & A admissions (FFCE)"
    header[column(FakeSheet("x", sheet.rows[1:]), "Org Code")] = "Organisation code"
    month = parse_commissioner_sheet("Apr_12.xls", sheet)
    assert month.value("5QE", "non_elective") == 4_116
    assert month.excel_rows["5QE"] == 151


# --- properties ------------------------------------------------------------------------------


@given(st.integers(0, 10**7), st.sampled_from(["", " ", "\t", " \t"]), st.booleans())
def test_counts_stored_as_text_read_back(n: int, pad: str, commas: bool) -> None:
    text = f"{pad}{n:,}{pad}" if commas else f"{pad}{n}{pad}"
    assert parse_count(text, file="f", sheet="s", row=1, field="x") == n


@given(st.sampled_from(MEASURES), st.data())
def test_each_header_survives_small_wording_changes(measure, data) -> None:  # type: ignore[no-untyped-def]
    words = measure.header.split()
    changed = " ".join(
        data.draw(st.sampled_from([w.upper(), w.lower(), w]))
        + data.draw(st.sampled_from([" ", "  "]))
        for w in words
    )
    hits = [m.id for m in MEASURES if m.matches(header_words(changed))]
    assert hits == [measure.id]


def _tiny_sheet(values: list[list[int]], england: list[int]) -> FakeSheet:
    """A minimal commissioner sheet: title block, header, England row, commissioners."""
    head = ["", "Year", "Period", "Region Code", "Region Name", "Org Code", "Org Name"]
    rows: list[list[object]] = [
        [""],
        ["", "Period:", "May 2016"],
        ["", "Basis:", "Commissioner"],
        head + [m.header for m in MEASURES],
        ["", "2016-17", "MAY", "", "", "", "England", *england],
        [""],
    ]
    for i, vals in enumerate(values):
        rows.append(["", "2016-17", "MAY", "Y54", "NORTH", f"{i:02d}A", f"NHS CCG {i}", *vals])
    return FakeSheet("Commissioner", rows)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.integers(0, 50_000), min_size=14, max_size=14), min_size=1, max_size=8),
    st.integers(0, 13),
    st.integers(-1000, 1000).filter(lambda d: d != 0),
)
def test_england_must_be_the_sum(values: list[list[int]], measure: int, delta: int) -> None:
    england = [sum(col) for col in zip(*values, strict=True)]
    month = parse_commissioner_sheet("x.xls", _tiny_sheet(values, england))
    assert month.period == date(2016, 5, 1)
    for j, m in enumerate(MEASURE_IDS):
        assert sum(month.value(f"{i:02d}A", m) for i in range(len(values))) == england[j]
    wrong = list(england)
    wrong[measure] += delta
    if wrong[measure] < 0:
        return
    with pytest.raises(LoadError) as err:
        parse_commissioner_sheet("x.xls", _tiny_sheet(values, wrong))
    assert (err.value.row, err.value.field) == (5, MEASURES[measure].header)


def test_open_seam_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # read_mar goes through open_sheets: a stand-in sheet is read like a real one.
    sheet = real_sheet(DEC_19)
    path = tmp_path / "Dec_19.xls"
    path.write_bytes(b"")
    monkeypatch.setattr(mar, "open_sheets", lambda p: (sheet, None))
    assert read_mar(path).period == date(2019, 12, 1)


def test_publisher_notes_are_kept(empty: duckdb.DuckDBPyConnection) -> None:
    may17 = parsed(MAR_DIR / "May_17.xls")
    assert (
        "Gloucestershire Hospitals NHS Foundation Trust did not submit due to operational issues."
        in may17.publisher_notes
    )
    assert "RTE Gloucestershire Hospitals NHS Foundation Trust" in may17.publisher_notes
    assert parsed(APR_12).publisher_notes == []  # 2012-13 files have no Notes sheet
    load_mar(empty, [MAR_DIR / "May_17.xls", APR_12])
    notes = empty.execute("SELECT period, line, note FROM mar_notes ORDER BY line").fetchall()
    assert len(notes) == len(may17.publisher_notes)
    assert {n[0] for n in notes} == {date(2017, 5, 1)}


@pytest.mark.parametrize(
    "cell",
    [datetime(2018, 7, 1), 43282.0, "Jul 2018", "2018-07", "July 2018"],
    ids=["date", "xls-serial", "Jul 2018", "2018-07", "July 2018"],
)
def test_period_written_in_other_ways(cell: object) -> None:
    sheet = real_sheet(JUL_18)
    sheet.rows[4][2] = cell
    assert parse_commissioner_sheet("Jul_18.xls", sheet).period == date(2018, 7, 1)


def test_period_from_the_rows_when_the_title_block_has_none() -> None:
    sheet = real_sheet(JUL_18)
    sheet.rows[4][1:3] = ["", ""]
    assert parse_commissioner_sheet("Jul_18.xls", sheet).period == date(2018, 7, 1)


def test_a_folder_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not a readable Excel workbook"):
        read_mar(tmp_path)
