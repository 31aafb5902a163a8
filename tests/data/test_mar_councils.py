"""MAR emergency admissions for councils: the shipped CCG-council table, mar_counts, reasons.

Check figures (from the workbooks, by hand; population: ONS mid-2017 shipped with lsr):
Oxfordshire (E10000025) July 2018: NHS Oxfordshire CCG 5,790 non-elective admissions over
682,444 people = 848.4 per 100,000; England July 2018: 548,237 less NHS England's 16,701 =
531,536 over 55,619,430; April 2012: 444,233 less the National Commissioning Group's 2,368 =
441,865.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mar_helpers import MAR_DIR, MAR_FILES, POPULATION, parsed

from lsr.core.indicators import EMERGENCY_ADMISSIONS_ALL
from lsr.data.errors import LoadError
from lsr.data.mar_councils import (
    CCG_COUNCIL_FILE,
    GAPS_FILE,
    INDICATOR,
    mar_availability,
    mar_counts,
    mar_suspect_months,
    read_ccg_council,
    read_ccg_council_gaps,
)
from lsr.data.population import load_population
from lsr.data.sources.mar import load_mar
from lsr.data.store import connect

OXFORDSHIRE = "E10000025"
ENGLAND = "E92000001"


@pytest.fixture(scope="module")
def store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("marc") / "lsr.duckdb"
    con = connect(path)
    load_population(con, POPULATION)
    load_mar(con, MAR_FILES)
    con.close()
    return path


@pytest.fixture(scope="module")
def counts(store_file: Path) -> pd.DataFrame:
    con = connect(store_file, read_only=True)
    try:
        return mar_counts(con)
    finally:
        con.close()


@pytest.fixture
def store(store_file: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(store_file, copy)
    return connect(copy)


def months(start: str, end: str) -> list[pd.Timestamp]:
    return list(pd.date_range(start, end, freq="MS"))


def value(path_stem: str, org: str) -> float:
    v = parsed(MAR_DIR / f"{path_stem}.xls").value(org, "non_elective")
    assert v is not None
    return v


# --- the shipped table -------------------------------------------------------------------


def test_shipped_table_is_valid() -> None:
    table = read_ccg_council()
    assert len(table) == 283
    assert table["council_code"].nunique() == 128
    gaps = read_ccg_council_gaps()
    assert gaps["reason"].str.len().min() > 20


def test_every_commissioner_is_in_the_workbooks_in_every_month_of_its_rows() -> None:
    present: set[tuple[pd.Timestamp, str]] = set()
    for path in MAR_FILES:
        month = parsed(path)
        orgs = month.rows.loc[month.rows["measure"] == "non_elective", "org_code"]
        present |= {(pd.Timestamp(month.period), org) for org in orgs}
    for rec in read_ccg_council().itertuples(index=False):
        start = max(pd.Timestamp(rec.from_month), pd.Timestamp("2012-04-01"))
        end = min(pd.Timestamp(rec.to_month), pd.Timestamp("2019-12-01"))
        for month in pd.date_range(start, end, freq="MS"):
            assert (month, rec.commissioner_code) in present, (rec.commissioner_code, month)


def test_every_council_and_month_is_covered_or_explained() -> None:
    """Each council of the population file, each month April 2012 to March 2020: exactly one
    of a figure (a group in ccg_council.csv) or a reason (ccg_council_gaps.csv)."""
    population = pd.read_csv(POPULATION)
    councils = set(population["utla_code"]) - {ENGLAND}
    covered: dict[str, list[tuple[date, date]]] = {}
    for rec in read_ccg_council().itertuples(index=False):
        covered.setdefault(rec.council_code, []).append((rec.from_month, rec.to_month))
    explained: dict[str, list[tuple[date, date]]] = {}
    for rec in read_ccg_council_gaps().itertuples(index=False):
        explained.setdefault(rec.council_code, []).append((rec.from_month, rec.to_month))
    ended = {"E06000028", "E06000029", "E10000009"}  # replaced in April 2019
    started = {"E06000058", "E06000059"}
    for council in councils:
        for month in months("2012-04-01", "2020-03-01"):
            d = month.date()
            if (council in ended and d >= date(2019, 4, 1)) or (
                council in started and d < date(2019, 4, 1)
            ):
                continue
            mapped = any(a <= d <= b for a, b in covered.get(council, []))
            why = any(a <= d <= b for a, b in explained.get(council, []))
            assert mapped != why, (council, d, mapped, why)


def test_groups_share_their_months() -> None:
    table = read_ccg_council()
    kent = table[(table["council_code"] == "E10000016") & (table["from_month"] == date(2013, 4, 1))]
    assert sorted(kent["commissioner_code"]) == ["09C", "09E", "09J", "10A", "10D", "10E", "99J"]
    assert (kent["basis"].str.contains("summed")).all()


@pytest.mark.parametrize(
    ("lines", "row", "field"),
    [
        (["E10000025,Oxfordshire,10Q,X,2013-04,2012-06,b"], 2, "to_month"),
        (["E10000025,Oxfordshire,10Q,X,2013-13,2014-06,b"], 2, "from_month"),
        (["E1000002,Oxfordshire,10Q,X,2013-04,2014-06,b"], 2, "council_code"),
        (["E10000025,Oxfordshire,10 Q,X,2013-04,2014-06,b"], 2, "commissioner_code"),
        (["E10000025,Oxfordshire,10Q,X,2013-04,2014-06,"], 2, "basis"),
        (
            [
                "E10000025,Oxfordshire,10Q,X,2013-04,2014-06,b",
                "E10000025,Oxfordshire,10Q,X,2013-04,2014-06,b",
            ],
            3,
            "commissioner_code",
        ),
        (
            [
                "E10000025,Oxfordshire,5QE,X,2012-04,2013-06,b",
                "E10000025,Oxfordshire,10Q,X,2013-04,2014-06,b",
            ],
            3,
            "from_month",
        ),
        (
            [
                "E10000025,Oxfordshire,10Q,X,2013-04,2014-06,b",
                "E10000016,Kent,10Q,X,2014-01,2014-06,b",
            ],
            3,
            "commissioner_code",
        ),
    ],
)
def test_broken_copies_of_the_table(tmp_path: Path, lines: list[str], row: int, field: str) -> None:
    header = CCG_COUNCIL_FILE.read_text().splitlines()[0]
    path = tmp_path / "ccg_council.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    with pytest.raises(LoadError) as err:
        read_ccg_council(path)
    assert (err.value.row, err.value.field) == (row, field)
    assert err.value.file == str(path)


def test_table_without_a_column(tmp_path: Path) -> None:
    text = CCG_COUNCIL_FILE.read_text().replace(",basis", ",notes", 1)
    path = tmp_path / "ccg_council.csv"
    path.write_text(text)
    with pytest.raises(LoadError) as err:
        read_ccg_council(path)
    assert (err.value.row, err.value.field) == (1, "basis")


def test_gaps_table_needs_reasons(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text(GAPS_FILE.read_text().splitlines()[0] + "\nE06000052,Cornwall,,,\n")
    with pytest.raises(LoadError) as err:
        read_ccg_council_gaps(path)
    assert (err.value.row, err.value.field) == (2, "reason")


# --- mar_counts ------------------------------------------------------------------------------


def test_counts_columns(counts: pd.DataFrame) -> None:
    assert list(counts.columns) == [
        "indicator",
        "area_code",
        "period",
        "numerator",
        "denominator",
        "synthetic",
        "source",
    ]
    assert EMERGENCY_ADMISSIONS_ALL.id == INDICATOR
    assert (counts["indicator"] == INDICATOR).all()
    assert not counts["synthetic"].any()
    assert counts["area_code"].nunique() == 129  # 128 councils and England
    assert not counts.duplicated(["area_code", "period"]).any()


def test_oxfordshire_has_a_full_monthly_series(counts: pd.DataFrame) -> None:
    ox = counts[counts["area_code"] == OXFORDSHIRE].set_index("period")
    assert list(ox.index) == months("2012-04-01", "2019-12-01")  # 93 months, none missing
    for month, row in ox.iterrows():
        org = "5QE" if month < pd.Timestamp("2013-04-01") else "10Q"
        assert row["numerator"] == value(f"{month:%b}_{month:%y}", org)
        assert org in row["source"]
    july = ox.loc[pd.Timestamp("2018-07-01")]
    assert (july["numerator"], july["denominator"]) == (5_790, 682_444)
    assert round(EMERGENCY_ADMISSIONS_ALL.value(july["numerator"], july["denominator"]), 1) == 848.4
    assert "ONS mid-year population 2017" in july["source"]


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("2012-04-01", 444_233 - 2_368),
        ("2018-07-01", 548_237 - 16_701),
        ("2019-12-01", 580_666 - 15_276),
    ],
)
def test_england_is_the_sum_of_local_commissioners(
    counts: pd.DataFrame, month: str, expected: float
) -> None:
    eng = counts[(counts["area_code"] == ENGLAND) & (counts["period"] == pd.Timestamp(month))]
    assert eng["numerator"].item() == expected
    assert eng["denominator"].item() == 55_619_430
    stem = f"{pd.Timestamp(month):%b}_{pd.Timestamp(month):%y}"
    local = parsed(MAR_DIR / f"{stem}.xls").rows
    local = local[
        (local["measure"] == "non_elective") & local["org_type"].isin(["ccg", "pct", "care_trust"])
    ]
    assert local["value"].sum() == expected


def test_groups_are_summed(counts: pd.DataFrame) -> None:
    kent = counts[
        (counts["area_code"] == "E10000016") & (counts["period"] == pd.Timestamp("2013-04-01"))
    ]
    codes = ["09C", "09E", "09J", "10A", "10D", "10E", "99J"]
    assert kent["numerator"].item() == sum(value("Apr_13", c) for c in codes)
    manchester = counts[counts["area_code"] == "E08000003"].set_index("period")["numerator"]
    assert manchester[pd.Timestamp("2017-03-01")] == sum(
        value("Mar_17", c) for c in ("00W", "01M", "01N")
    )
    assert manchester[pd.Timestamp("2017-04-01")] == value("Apr_17", "14L")
    assert len(manchester) == 93


def test_partial_coverage(counts: pd.DataFrame) -> None:
    cumbria = counts[counts["area_code"] == "E10000006"]["period"]
    assert cumbria.min() == pd.Timestamp("2012-04-01") and cumbria.max() == pd.Timestamp(
        "2017-03-01"
    )
    redcar = counts[counts["area_code"] == "E06000003"]["period"]
    assert list(redcar) == months("2012-04-01", "2013-03-01")  # PCT era only
    assert not (counts["area_code"] == "E06000052").any()  # Cornwall: never


def test_a_month_with_a_group_member_missing_is_left_out(store: duckdb.DuckDBPyConnection) -> None:
    store.execute("DELETE FROM mar_activity WHERE org_code = '10D' AND period = DATE '2016-05-01'")
    kent = mar_counts(store)
    kent = kent[kent["area_code"] == "E10000016"]
    assert pd.Timestamp("2016-05-01") not in set(kent["period"])
    assert len(kent) == 92


def test_population_year(store: duckdb.DuckDBPyConnection) -> None:
    store.execute("INSERT INTO population VALUES ('E10000025', 2013, 'all', 660000)")
    ox = mar_counts(store)
    ox = ox[ox["area_code"] == OXFORDSHIRE].set_index("period")
    assert ox.loc[pd.Timestamp("2012-04-01"), "denominator"] == 660_000  # earliest year
    assert ox.loc[pd.Timestamp("2016-12-01"), "denominator"] == 660_000  # latest year <= 2016
    assert ox.loc[pd.Timestamp("2017-01-01"), "denominator"] == 682_444
    assert "population 2013" in ox.loc[pd.Timestamp("2014-06-01"), "source"]


def test_loaded_counts_take_precedence(store: duckdb.DuckDBPyConnection) -> None:
    store.execute(
        "INSERT INTO indicator_counts VALUES (?, ?, DATE '2018-07-01', 1, 2, FALSE, 'local')",
        [INDICATOR, OXFORDSHIRE],
    )
    ox = mar_counts(store)
    ox = ox[ox["area_code"] == OXFORDSHIRE]
    assert pd.Timestamp("2018-07-01") not in set(ox["period"])
    assert len(ox) == 92


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 20_000), min_size=1, max_size=5, unique=False))
def test_group_numerator_is_the_sum(values: list[int]) -> None:
    con = connect(":memory:")
    con.execute("INSERT INTO areas VALUES ('E10000025', 'Oxfordshire', NULL)")
    con.execute("INSERT INTO population VALUES ('E10000025', 2016, 'all', 1000)")
    codes = [f"{i:02d}Z" for i in range(len(values))]
    for code, v in zip(codes, values, strict=True):
        con.execute(
            "INSERT INTO mar_activity VALUES (DATE '2016-05-01', ?, ?, 'ccg', NULL, NULL, "
            "'non_elective', ?)",
            [code, code, v],
        )
    mapping = pd.DataFrame(
        {
            "council_code": OXFORDSHIRE,
            "commissioner_code": codes,
            "from_month": date(2016, 1, 1),
            "to_month": date(2016, 12, 1),
        }
    )
    out = mar_counts(con, mapping)
    assert out["numerator"].tolist() == [sum(values)]
    assert out["denominator"].tolist() == [1000]


# --- mar_availability -----------------------------------------------------------------------


def test_availability(store: duckdb.DuckDBPyConnection) -> None:
    assert mar_availability(store, OXFORDSHIRE) is None
    assert mar_availability(store, ENGLAND) is None
    assert mar_availability(store, "E10000006") is None  # Cumbria: to March 2017
    cornwall = mar_availability(store, "E06000052")
    assert cornwall is not None and cornwall.startswith("not available: ")
    assert "Kernow" in cornwall and "Isles of Scilly" in cornwall
    cheshire = mar_availability(store, "E06000049")
    assert cheshire is not None and "not been checked" in cheshire
    unknown = mar_availability(store, "E10099999")
    assert unknown is not None and "not an area in the store" in unknown


def test_availability_without_workbooks_or_population() -> None:
    con = connect(":memory:")
    reason = mar_availability(con, OXFORDSHIRE)
    assert reason is not None and "lsr load mar" in reason
    load_mar(con, [MAR_DIR / "Jul_18.xls"])
    reason = mar_availability(con, OXFORDSHIRE)
    assert reason is not None and "population" in reason
    load_population(con, POPULATION)
    assert mar_availability(con, OXFORDSHIRE) is None
    reason = mar_availability(con, "E08000021")  # Newcastle: covered to March 2015 only
    assert reason is not None and "none of the loaded MAR months" in reason


def test_suspect_months(store_file: Path, counts: pd.DataFrame) -> None:
    con = connect(store_file, read_only=True)
    try:
        odd = mar_suspect_months(con, counts)
    finally:
        con.close()
    glos = odd[odd["area_code"] == "E10000013"]["period"]
    assert list(glos) == months("2016-12-01", "2017-06-01")  # Gloucestershire Hospitals FT
    solihull = odd[odd["area_code"] == "E08000029"]
    assert pd.Timestamp("2014-10-01") in set(solihull["period"])
    assert solihull["notes"].str.contains("HEART OF ENGLAND").all()
    assert not (odd["area_code"] == OXFORDSHIRE).any()
    assert not odd["ratio"].between(0.7, 1.4).any()
