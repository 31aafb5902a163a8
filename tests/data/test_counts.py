"""Counts loader: tidy numerators and denominators from CSV and Parquet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lsr.core.indicators import INDICATORS
from lsr.data.counts import COUNT_INDICATORS, load_counts, read_counts
from lsr.data.errors import LoadError
from lsr.data.population import load_population
from lsr.data.store import connect

from raw_data import raw

POPULATION = raw("ons_mye2017_upper_tier_la_from_lsoa.csv")
HEADER = "indicator,area_code,period,numerator,denominator"
GOOD_ROWS = [
    "ae_attendances_65,E10000025,2018-07,4100,123177",
    "emergency_admissions_65,E10000025,2018-08-15,1500,123177",
    "long_stays_65,E10000025,2017Q3,300,1500",
    "readmissions_30d_65,E06000001,2018-Q4,20,150",
    "care_home_admissions_65,E92000001,2018-07-01,9000,10030511",
]
TABLES = ("indicator_counts", "loads")


def write_csv(tmp_path: Path, rows: list[str], name: str = "counts.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture
def store() -> duckdb.DuckDBPyConnection:
    con = connect(":memory:")
    load_population(con, POPULATION)
    return con


def test_load_csv_and_period_forms(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_csv(tmp_path, GOOD_ROWS)
    summary = load_counts(store, path, synthetic=True, source="test extract")
    assert (summary.files_loaded, summary.rows_inserted) == (1, 5)
    got = store.execute(
        "SELECT indicator, area_code, period, numerator, denominator, synthetic, source "
        "FROM indicator_counts ORDER BY indicator"
    ).fetchall()
    assert got == [
        ("ae_attendances_65", "E10000025", date(2018, 7, 1), 4100, 123177, True, "test extract"),
        (
            "care_home_admissions_65",
            "E92000001",
            date(2018, 7, 1),
            9000,
            10030511,
            True,
            "test extract",
        ),
        (
            "emergency_admissions_65",
            "E10000025",
            date(2018, 8, 1),
            1500,
            123177,
            True,
            "test extract",
        ),
        ("long_stays_65", "E10000025", date(2017, 7, 1), 300, 1500, True, "test extract"),
        ("readmissions_30d_65", "E06000001", date(2018, 10, 1), 20, 150, True, "test extract"),
    ]


def test_default_source_is_file_name(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_csv(tmp_path, GOOD_ROWS[:1], name="extract_2018.csv")
    load_counts(store, path)
    assert store.execute("SELECT synthetic, source FROM indicator_counts").fetchall() == [
        (False, "extract_2018.csv")
    ]


def test_load_parquet_with_date_column(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "indicator": ["long_stays_65", "long_stays_65"],
            "area_code": ["E10000025", "E10000025"],
            "period": pd.to_datetime(["2018-06-01", "2018-07-01"]),
            "numerator": [310, 290],
            "denominator": [1450.0, 1500.0],
            "note": ["ignored", "ignored"],
        }
    )
    path = tmp_path / "counts.parquet"
    frame.to_parquet(path)
    summary = load_counts(store, path)
    assert summary.rows_inserted == 2
    assert store.execute(
        "SELECT period, numerator FROM indicator_counts ORDER BY period"
    ).fetchall() == [(date(2018, 6, 1), 310), (date(2018, 7, 1), 290)]


def test_parquet_errors_use_one_based_row_index(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "indicator": ["long_stays_65"] * 3,
            "area_code": ["E10000025"] * 3,
            "period": ["2018-06", "2018-07", "2018-08"],
            "numerator": [1.0, 2.0, -3.0],
            "denominator": [10.0, 10.0, 10.0],
        }
    )
    path = tmp_path / "counts.parquet"
    frame.to_parquet(path)
    with pytest.raises(LoadError, match="negative") as err:
        read_counts(path)
    assert (err.value.row, err.value.field) == (3, "numerator")


def test_reload_same_file_is_a_no_op(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_csv(tmp_path, GOOD_ROWS)
    load_counts(store, path)
    before = counts(store)
    summary = load_counts(store, path)
    assert (summary.files_loaded, summary.files_skipped, summary.rows_inserted) == (0, 1, 0)
    assert counts(store) == before


def test_same_numbers_in_another_file_are_skipped(
    store: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    load_counts(store, write_csv(tmp_path, GOOD_ROWS, name="a.csv"))
    summary = load_counts(
        store,
        write_csv(tmp_path, [*GOOD_ROWS, GOOD_ROWS[0].replace("2018-07", "2018-09")], name="b.csv"),
    )
    assert summary.rows_inserted == 1
    assert counts(store)["indicator_counts"] == 6


def test_existing_row_with_different_numbers(
    store: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    load_counts(store, write_csv(tmp_path, GOOD_ROWS, name="a.csv"))
    before = counts(store)
    changed = [
        "ae_attendances_65,E10000025,2018-09,4200,123177",  # new: must not be left behind
        "long_stays_65,E10000025,2017-07-01,300,1600",  # same key as 2017Q3, other denominator
    ]
    with pytest.raises(LoadError, match="already in the store") as err:
        load_counts(store, write_csv(tmp_path, changed, name="b.csv"))
    assert (err.value.row, err.value.field) == (3, "denominator")
    assert "1,500" in err.value.message and "1,600" in err.value.message
    assert counts(store) == before


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("not_an_indicator,E10000025,2018-07,1,10", "indicator", "unknown indicator"),
        (",E10000025,2018-07,1,10", "indicator", "missing"),
        ("long_stays_65,E1000025,2018-07,1,10", "area_code", "not an English ONS area code"),
        ("long_stays_65,E10000025,July 2018,1,10", "period", "cannot read the period"),
        ("long_stays_65,E10000025,2018-13,1,10", "period", "cannot read the period"),
        ("long_stays_65,E10000025,2018-02-30,1,10", "period", "cannot read the period"),
        ("long_stays_65,E10000025,,1,10", "period", "missing"),
        ("long_stays_65,E10000025,2018-07,-1,10", "numerator", "negative"),
        ("long_stays_65,E10000025,2018-07,x,10", "numerator", "not a number"),
        ("long_stays_65,E10000025,2018-07,,10", "numerator", "missing"),
        ("long_stays_65,E10000025,2018-07,1,0", "denominator", "greater than zero"),
        ("long_stays_65,E10000025,2018-07,1,-4", "denominator", "greater than zero"),
        ("long_stays_65,E10000025,2018-07,11,10", "numerator", "exceeds denominator"),
        ("readmissions_30d_65,E10000025,2018-07,11,10", "numerator", "exceeds denominator"),
        ("long_stays_65,E10000025,2018-07,nan,10", "numerator", "not a finite number"),
    ],
)
def test_bad_rows_name_row_and_field(
    store: duckdb.DuckDBPyConnection, tmp_path: Path, row: str, field: str, message: str
) -> None:
    path = write_csv(tmp_path, [*GOOD_ROWS[:2], row])
    with pytest.raises(LoadError, match=message) as err:
        load_counts(store, path)
    assert err.value.file == str(path)
    assert (err.value.row, err.value.field) == (4, field)
    assert counts(store) == {"indicator_counts": 0, "loads": 1}  # just the population load


def test_unknown_indicator_lists_valid_ids(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as err:
        read_counts(write_csv(tmp_path, ["bogus,E10000025,2018-07,1,10"]))
    for ind in INDICATORS:
        assert ind.id in err.value.message
    assert set(COUNT_INDICATORS) == {ind.id for ind in INDICATORS}


def test_rate_indicator_may_exceed_its_denominator(tmp_path: Path) -> None:
    frame = read_counts(write_csv(tmp_path, ["ae_attendances_65,E10000025,2018-07,200,100"]))
    assert frame["numerator"].item() == 200


def test_unknown_area(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_csv(tmp_path, [*GOOD_ROWS, "long_stays_65,E10000099,2018-07,1,10"])
    with pytest.raises(LoadError, match="not in the store") as err:
        load_counts(store, path)
    assert (err.value.row, err.value.field) == (7, "area_code")
    assert counts(store)["indicator_counts"] == 0


def test_duplicate_rows(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [
            *GOOD_ROWS,
            "long_stays_65,E10000025,2017-08,301,1500",
            "long_stays_65,E10000025,2017-07,300,1500",
        ],
    )
    with pytest.raises(LoadError, match="duplicate") as err:
        read_counts(path)
    assert err.value.row == 8
    assert "row 4" in err.value.message


def test_missing_column_and_unsupported_type(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("indicator,area_code,period,numerator\nlong_stays_65,E10000025,2018-07,1\n")
    with pytest.raises(LoadError) as err:
        read_counts(path)
    assert (err.value.row, err.value.field) == (1, "denominator")
    other = tmp_path / "c.xlsx"
    other.write_bytes(b"PK")
    with pytest.raises(LoadError, match="unsupported file type"):
        read_counts(other)
    broken = tmp_path / "c.parquet"
    broken.write_text(HEADER + "\n")
    with pytest.raises(LoadError, match="not a readable Parquet"):
        read_counts(broken)


def test_empty_areas_asks_for_population_first(tmp_path: Path) -> None:
    con = connect(":memory:")
    with pytest.raises(LoadError, match="lsr load population"):
        load_counts(con, write_csv(tmp_path, GOOD_ROWS))
    assert counts(con) == {"indicator_counts": 0, "loads": 0}
