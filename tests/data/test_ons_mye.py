"""ONS mid-year estimate workbooks: every real file in data/raw/ons-mye, read and loaded."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from lsr.data.errors import LoadErrors
from lsr.data.population import load_population, load_population_files, read_population_csv
from lsr.data.population_table import AGE_BANDS
from lsr.data.sources import SOURCE_MODULES, all_sources
from lsr.data.sources.ons_mye import (
    KIND,
    REGION_NAMES,
    SOURCE,
    OnsMyeFile,
    is_workbook,
    load_ons_mye,
    read_ons_mye,
)
from lsr.data.store import connect

from raw_data import RAW

MYE_DIR = RAW / "ons-mye"
WORKBOOKS = sorted(p for p in MYE_DIR.iterdir() if p.suffix in {".xls", ".xlsx"})
SHIPPED_CSV = RAW / "ons_mye2017_upper_tier_la_from_lsoa.csv"
MID_2016 = MYE_DIR / "ons_mye_2016_la_single_year_age.xls"
MID_2017 = MYE_DIR / "ons_mye_2017_la_single_year_age.xls"
MID_2018 = MYE_DIR / "ons_mye_2018_la_single_year_age.xls"
MID_2022 = MYE_DIR / "ons_mye_2022_mye22final.xlsx"
ENGLAND = "E92000001"
OXFORDSHIRE = "E10000025"
TABLES = ("areas", "population", "loads")

# What each real workbook holds: its year, the sheet of each year read, and how many upper-tier
# councils (E06, E08, E09, E10) each year has (the councils at the time of publication).
EXPECTED: dict[str, tuple[int, dict[int, str], dict[int, int]]] = {
    "ons_mye_2015_la_single_year_age.xls": (2015, {2015: "Persons UK"}, {2015: 152}),
    "ons_mye_2016_la_single_year_age.xls": (2016, {2016: "MYE2 - All"}, {2016: 152}),
    "ons_mye_2017_la_single_year_age.xls": (2017, {2017: "MYE2 - All"}, {2017: 152}),
    "ons_mye_2018_la_single_year_age.xls": (2018, {2018: "MYE2-All"}, {2018: 151}),
    "ons_mye_2019_la_single_year_age.xls": (2019, {2019: "MYE2 - Persons"}, {2019: 151}),
    "ons_mye_2020_la_single_year_age.xls": (2020, {2020: "MYE2 - Persons"}, {2020: 152}),
    "ons_mye_2021_la_single_year_age.xls": (2021, {2021: "MYE2 - Persons"}, {2021: 152}),
    "ons_mye_2022_mye22final.xlsx": (
        2022,
        {2011: "MYEB1", 2022: "MYE2 - Persons"},
        {2011: 153, 2022: 153},
    ),
}


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def pop(con: duckdb.DuckDBPyConnection, code: str, year: int, band: str) -> float:
    row = con.execute(
        "SELECT population FROM population WHERE area_code = ? AND year = ? AND age_band = ?",
        [code, year, band],
    ).fetchone()
    assert row is not None, (code, year, band)
    return float(row[0])


@pytest.fixture(scope="module")
def parsed() -> dict[str, OnsMyeFile]:
    """Every real workbook, read once."""
    return {p.name: read_ons_mye(p) for p in WORKBOOKS}


@pytest.fixture(scope="module")
def loaded() -> tuple[duckdb.DuckDBPyConnection, object, float]:
    """All real workbooks loaded into one fresh store in one call: (store, summary, seconds)."""
    con = connect(":memory:")
    start = time.perf_counter()
    summary = load_ons_mye(con, WORKBOOKS)
    return con, summary, time.perf_counter() - start


def test_the_series_is_all_here() -> None:
    assert [p.name for p in WORKBOOKS] == sorted(EXPECTED)


def test_source_is_registered() -> None:
    assert "ons_mye" in SOURCE_MODULES
    assert SOURCE in all_sources()
    assert SOURCE.kind == KIND == "ons_mye"
    assert SOURCE.tables == ("areas", "population")
    assert "Open Government Licence" in SOURCE.licence
    assert all(is_workbook(p) for p in WORKBOOKS) and not is_workbook(SHIPPED_CSV)


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_every_workbook(parsed: dict[str, OnsMyeFile], path: Path) -> None:
    result = parsed[path.name]
    frame = result.frame
    year, sheets, councils = EXPECTED[path.name]
    assert result.year == year
    assert result.sheets == sheets
    for y, table in result.tables.items():
        assert len(table.councils()) == councils[y]
        assert table.regions_listed
    assert set(frame["year"]) == set(sheets)
    assert set(frame["age_band"]) == set(AGE_BANDS)
    wide = frame.pivot_table(
        index=["area_code", "year"], columns="age_band", values="population", aggfunc="sum"
    )
    # bands nest: all >= 18+ >= 65+ >= 75+ >= 85+ > 0, for every area and year
    for wider, narrower in pairwise(AGE_BANDS):
        assert (wide[wider] >= wide[narrower]).all(), (wider, narrower)
    assert (wide["85+"] > 0).all()
    # England equals the sum of its upper-tier councils, every band and year
    councils_only = wide.drop(index=ENGLAND, level="area_code")
    england = wide.xs(ENGLAND, level="area_code")
    summed = councils_only.groupby(level="year").sum()
    pd.testing.assert_frame_equal(summed, england, check_names=False)
    # every council has one of the nine regions; England none; names single-spaced
    areas = frame.drop_duplicates(["area_code", "year"])
    regions = areas.loc[areas["area_code"] != ENGLAND, "region"]
    assert set(regions) <= set(REGION_NAMES.values()) and regions.notna().all()
    assert set(regions) == set(REGION_NAMES.values())
    assert areas.loc[areas["area_code"] == ENGLAND, "area_name"].eq("England").all()
    assert not areas["area_name"].str.contains(r"^\s|\s$|\s\s", regex=True).any()
    assert frame["area_code"].str.match(r"^E(06|08|09|10)\d{6}$|^E92000001$").all()


def test_check_figures_mid_2017(parsed: dict[str, OnsMyeFile]) -> None:
    frame = parsed[MID_2017.name].frame.set_index(["area_code", "age_band"])["population"]
    assert frame[(ENGLAND, "18+")] == 43_752_473
    assert frame[(OXFORDSHIRE, "18+")] == 539_000
    assert frame[(OXFORDSHIRE, "65+")] == 123_177
    assert frame[(OXFORDSHIRE, "all")] == 682_444


def test_mid_2017_agrees_with_the_shipped_csv(parsed: dict[str, OnsMyeFile]) -> None:
    """The shipped CSV (summed from LSOAs) and the workbook agree on every shared area and band;
    the CSV also has the 2019 councils BCP and Dorset for 2017, which the workbook lacks."""
    keys = ["area_code", "year", "age_band"]
    workbook = parsed[MID_2017.name].frame.set_index(keys)["population"]
    csv = read_population_csv(SHIPPED_CSV).set_index(keys)["population"]
    shared = workbook.index.intersection(csv.index)
    assert len(shared) == len(workbook) == 153 * 5
    pd.testing.assert_series_equal(workbook[shared], csv[shared])
    extra = sorted(set(csv.index.get_level_values(0)) - set(workbook.index.get_level_values(0)))
    assert extra == ["E06000058", "E06000059"]


def test_mid_2011_from_the_mid_2022_workbook(parsed: dict[str, OnsMyeFile]) -> None:
    """MYEB1's mid-2011 (males + females by age) against MYE4's independent 'Mid-2011' totals."""
    result = parsed[MID_2022.name]
    wb = openpyxl.load_workbook(MID_2022, read_only=True)
    try:
        rows = list(wb["MYE4"].iter_rows(values_only=True))
    finally:
        wb.close()
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Code")
    col = {name: rows[header].index(name) for name in ("Mid-2011", "Mid-2022")}
    mye4 = {r[0]: r for r in rows[header + 1 :] if r and r[0]}
    for year in (2011, 2022):
        table = result.tables[year]
        for row in [table.rows[ENGLAND], *table.councils()]:
            assert row.band("all") == mye4[row.code][col[f"Mid-{year}"]], (year, row.code)
    frame = result.frame.set_index(["area_code", "year", "age_band"])["population"]
    assert frame[(ENGLAND, 2011, "all")] == 53_107_169
    assert frame[(OXFORDSHIRE, 2011, "all")] == 654_791
    assert frame[(OXFORDSHIRE, 2011, "18+")] < frame[(OXFORDSHIRE, 2022, "18+")]


def test_all_workbooks_in_one_call(loaded) -> None:
    con, summary, seconds = loaded
    assert summary.files_loaded == len(WORKBOOKS) and not summary.bad
    years = dict(
        con.execute(
            "SELECT year, count(*) FROM population WHERE age_band = 'all' GROUP BY year"
        ).fetchall()
    )
    assert years == {2011: 154, 2015: 153, 2016: 153, 2017: 153, 2018: 152, 2019: 152,
                     2020: 153, 2021: 153, 2022: 154}  # fmt: skip
    n_areas = counts(con)["areas"]
    assert summary.rows_inserted == n_areas + 5 * sum(years.values())
    assert pop(con, ENGLAND, 2017, "18+") == 43_752_473
    assert pop(con, OXFORDSHIRE, 2017, "65+") == 123_177
    assert con.execute(
        "SELECT name, region FROM areas WHERE code = ?", [OXFORDSHIRE]
    ).fetchone() == (
        "Oxfordshire",
        "South East",
    )
    assert con.execute("SELECT name, region FROM areas WHERE code = ?", [ENGLAND]).fetchone() == (
        "England",
        None,
    )
    kinds = {r[0] for r in con.execute("SELECT DISTINCT kind FROM loads").fetchall()}
    assert kinds == {KIND}
    assert seconds < 120  # about 3 to 5 seconds on a laptop; this only catches a blow-up


def test_council_changes_across_the_years(loaded) -> None:
    """Each workbook has the councils in place when it was published (mid-2018 already has the
    April 2019 councils; mid-2022 those of April 2023); the 2011 comparison is on 2023 areas."""
    con = loaded[0]
    years = {
        code: list(ys)
        for code, ys in con.execute(
            "SELECT area_code, list(DISTINCT year ORDER BY year) FROM population GROUP BY 1"
        ).fetchall()
    }
    every = [2011, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
    changed = {code: ys for code, ys in years.items() if ys != every}
    assert changed == {
        "E06000028": [2015, 2016, 2017],  # Bournemouth
        "E06000029": [2015, 2016, 2017],  # Poole
        "E10000009": [2015, 2016, 2017],  # Dorset (county)
        "E06000058": [2011, 2018, 2019, 2020, 2021, 2022],  # Bournemouth, Christchurch and Poole
        "E06000059": [2011, 2018, 2019, 2020, 2021, 2022],  # Dorset (unitary)
        "E10000002": [2015, 2016, 2017, 2018],  # Buckinghamshire (county)
        "E06000060": [2011, 2019, 2020, 2021, 2022],  # Buckinghamshire (unitary)
        "E10000021": [2015, 2016, 2017, 2018, 2019],  # Northamptonshire
        "E06000061": [2011, 2020, 2021, 2022],  # North Northamptonshire
        "E06000062": [2011, 2020, 2021, 2022],  # West Northamptonshire
        "E10000006": [2015, 2016, 2017, 2018, 2019, 2020, 2021],  # Cumbria
        "E10000023": [2015, 2016, 2017, 2018, 2019, 2020, 2021],  # North Yorkshire (county)
        "E10000027": [2015, 2016, 2017, 2018, 2019, 2020, 2021],  # Somerset (county)
        "E06000063": [2011, 2022],  # Cumberland
        "E06000064": [2011, 2022],  # Westmorland and Furness
        "E06000065": [2011, 2022],  # North Yorkshire (unitary)
        "E06000066": [2011, 2022],  # Somerset (unitary)
    }
    assert sum(1 for ys in years.values() if ys == every) == 145


def test_reloading_is_a_no_op(loaded) -> None:
    con = loaded[0]
    before = counts(con)
    again = load_ons_mye(con, WORKBOOKS)
    assert (again.files_loaded, again.files_skipped, again.rows_inserted) == (0, 8, 0)
    assert counts(con) == before


def test_shipped_csv_and_workbooks_in_one_store() -> None:
    """Loading the shipped CSV and the workbooks together does not conflict, in either order;
    the CSV adds only BCP and Dorset for 2017; CSVs and workbooks keep their own load kinds."""
    con = connect(":memory:")
    summary = load_population_files(con, [SHIPPED_CSV, MID_2017, MID_2018])
    assert summary.files_loaded == 2 and summary.files_skipped == 1  # mid-2017: all there
    assert "no new rows" in " ".join(summary.notes)
    kinds = dict(con.execute("SELECT kind, count(*) FROM loads GROUP BY kind").fetchall())
    assert kinds == {"population": 1, KIND: 2}
    other = connect(":memory:")
    load_ons_mye(other, [MID_2017])
    added = load_population(other, SHIPPED_CSV)
    assert added.rows_inserted == 2 * 5 + 2  # BCP and Dorset: two new areas, five bands each
    assert pop(other, "E06000058", 2017, "all") == pop(con, "E06000058", 2017, "all")
    # the CSV names no region; the workbook's region is kept
    assert other.execute("SELECT region FROM areas WHERE code = ?", [OXFORDSHIRE]).fetchone() == (
        "South East",
    )


def test_existing_area_keeps_its_name_and_gains_a_region(tmp_path: Path) -> None:
    con = connect(":memory:")
    tidy = tmp_path / "tidy.csv"
    tidy.write_text(
        "area_code,area_name,year,age_band,population\nE10000025,Oxon,2017,all,682444\n"
    )
    load_population(con, tidy)
    summary = load_ons_mye(con, [MID_2017])
    assert summary.rows_inserted == 152 + 153 * 5 - 1  # new areas and rows; one row was there
    area = con.execute("SELECT name, region FROM areas WHERE code = ?", [OXFORDSHIRE]).fetchone()
    assert area == ("Oxon", "South East")


def test_a_different_number_in_the_store_is_refused(tmp_path: Path) -> None:
    con = connect(":memory:")
    tidy = tmp_path / "tidy.csv"
    tidy.write_text(
        "area_code,area_name,year,age_band,population\nE10000025,Oxfordshire,2017,65+,123178\n"
    )
    load_population(con, tidy)
    before = counts(con)
    with pytest.raises(LoadErrors) as err:
        load_ons_mye(con, [MID_2016, MID_2017])
    (error,) = err.value.errors
    assert "E10000025 2017 age band 65+ is already in the store as 123,178" in error.message
    assert "this file has 123,177" in error.message
    assert (error.sheet, error.field) == ("MYE2 - All", "65 to 90")
    assert counts(con) == before  # mid-2016 was fine, but nothing at all is written
