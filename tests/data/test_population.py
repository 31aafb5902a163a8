"""Population loader: the shipped ONS mid-2017 file, a tidy layout and broken copies."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr.data.errors import LoadError
from lsr.data.population import load_population, read_population_csv
from lsr.data.store import connect

from raw_data import raw

POPULATION = raw("ons_mye2017_upper_tier_la_from_lsoa.csv")
LINES = POPULATION.read_text().splitlines()
HEADER = LINES[0]
OXFORDSHIRE = "E10000025"
TABLES = ("areas", "population", "loads")


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def pop(con: duckdb.DuckDBPyConnection, code: str, band: str, year: int = 2017) -> float:
    row = con.execute(
        "SELECT population FROM population WHERE area_code = ? AND year = ? AND age_band = ?",
        [code, year, band],
    ).fetchone()
    assert row is not None
    return float(row[0])


def line_of(code: str) -> int:
    """0-based index in LINES (so the CSV row number is this + 1)."""
    return next(i for i, line in enumerate(LINES) if f",{code}," in line)


def write_modified(tmp_path: Path, code: str, column: str, value: str, name: str = "p.csv") -> Path:
    """A copy of the real file with one cell changed; returns its path."""
    cols = HEADER.split(",")
    lines = list(LINES)
    i = line_of(code)
    cells = lines[i].split(",")
    assert '"' not in lines[i]
    cells[cols.index(column)] = value
    lines[i] = ",".join(cells)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return connect(":memory:")


def test_real_file_values(con: duckdb.DuckDBPyConnection) -> None:
    summary = load_population(con, POPULATION)
    assert summary.files_loaded == 1
    assert pop(con, "E92000001", "18+") == 43_752_473
    assert pop(con, OXFORDSHIRE, "18+") == 539_000
    assert pop(con, OXFORDSHIRE, "65+") == 123_177
    assert pop(con, OXFORDSHIRE, "all") == 682_444
    assert pop(con, OXFORDSHIRE, "85+") == 17_545
    n_areas = len(LINES) - 1
    assert counts(con)["areas"] == n_areas
    assert counts(con)["population"] == n_areas * 5
    assert summary.rows_inserted == n_areas * 6  # areas + 5 bands each
    name, region = con.execute(
        "SELECT name, region FROM areas WHERE code = ?", [OXFORDSHIRE]
    ).fetchone()
    assert (name, region) == ("Oxfordshire", None)
    # Names with commas inside quotes survive.
    assert (
        con.execute("SELECT name FROM areas WHERE code = 'E06000058'")
        .fetchone()[0]
        .startswith("Bournemouth, Christchurch and Poole")
    )


def test_read_population_csv_frame() -> None:
    frame = read_population_csv(POPULATION)
    assert set(frame["age_band"]) == {"all", "18+", "65+", "75+", "85+"}
    ox = frame[(frame["area_code"] == OXFORDSHIRE) & (frame["age_band"] == "65+")]
    assert ox["population"].item() == 123_177
    assert ox["source_row"].item() == line_of(OXFORDSHIRE) + 1
    assert ox["source_field"].item() == "pop_65_plus"


def test_reload_same_file_is_a_no_op(con: duckdb.DuckDBPyConnection) -> None:
    load_population(con, POPULATION)
    before = counts(con)
    summary = load_population(con, POPULATION)
    assert (summary.files_loaded, summary.files_skipped, summary.rows_inserted) == (0, 1, 0)
    assert counts(con) == before


def test_tidy_layout_with_region(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    frame = read_population_csv(POPULATION)
    tidy = frame[frame["area_code"].isin([OXFORDSHIRE, "E10000030"])].copy()
    tidy["region"] = "South East"
    path = tmp_path / "tidy.csv"
    tidy[["area_code", "area_name", "region", "year", "age_band", "population"]].to_csv(
        path, index=False
    )
    summary = load_population(con, path)
    assert summary.rows_inserted == 2 + 10
    assert pop(con, OXFORDSHIRE, "65+") == 123_177
    assert con.execute("SELECT region FROM areas WHERE code = ?", [OXFORDSHIRE]).fetchone() == (
        "South East",
    )
    # The ONS file agrees with the tidy one: its extra areas are added, nothing conflicts.
    load_population(con, POPULATION)
    assert counts(con)["population"] == (len(LINES) - 1) * 5


def test_tidy_layout_same_numbers_as_existing_is_a_no_op(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    load_population(con, POPULATION)
    before = counts(con)
    frame = read_population_csv(POPULATION)
    path = tmp_path / "tidy.csv"
    frame[["area_code", "area_name", "year", "age_band", "population"]].to_csv(path, index=False)
    summary = load_population(con, path)
    assert summary.files_skipped == 1 and summary.rows_inserted == 0
    assert counts(con)["population"] == before["population"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("pop_65_plus", "-5", "negative"),
        ("pop_18_plus", "lots", "not a number"),
        ("pop_75_plus", "", "missing"),
        ("utla_code", "E1000025", "not an English ONS area code"),
        ("utla_code", "W06000001", "not an English ONS area code"),
        ("pop_18_plus", "700000", "exceeds population aged all ages"),
        ("pop_65_plus", "600000", "exceeds population aged 18+"),
        ("pop_85_plus", "60000", "exceeds population aged 75+"),
        ("year", "20x7", "not a year"),
    ],
)
def test_bad_values_name_row_and_field(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, column: str, value: str, message: str
) -> None:
    path = write_modified(tmp_path, OXFORDSHIRE, column, value)
    with pytest.raises(LoadError, match=message) as err:
        load_population(con, path)
    assert err.value.row == line_of(OXFORDSHIRE) + 1
    assert err.value.field == column
    assert err.value.file == str(path)
    assert counts(con) == {"areas": 0, "population": 0, "loads": 0}


def test_duplicate_area_and_year(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([*LINES, LINES[line_of(OXFORDSHIRE)]]) + "\n")
    with pytest.raises(LoadError, match="duplicate") as err:
        load_population(con, path)
    assert err.value.row == len(LINES) + 1
    assert str(line_of(OXFORDSHIRE) + 1) in err.value.message
    assert counts(con)["population"] == 0


def test_duplicate_in_tidy_layout(tmp_path: Path) -> None:
    path = tmp_path / "tidy.csv"
    path.write_text(
        "area_code,area_name,year,age_band,population\n"
        "E10000025,Oxfordshire,2017,all,682444\n"
        "E10000025,Oxfordshire,2017,18+,539000\n"
        "E10000025,Oxfordshire,2017,18+,539001\n"
    )
    with pytest.raises(LoadError, match="duplicate") as err:
        read_population_csv(path)
    assert (err.value.row, err.value.field) == (4, "age_band")


def test_tidy_unknown_age_band_and_nesting(tmp_path: Path) -> None:
    path = tmp_path / "tidy.csv"
    path.write_text(
        "area_code,area_name,year,age_band,population\nE10000025,Oxfordshire,2017,16-64,1\n"
    )
    with pytest.raises(LoadError, match="unknown age band") as err:
        read_population_csv(path)
    assert (err.value.row, err.value.field) == (2, "age_band")
    path.write_text(
        "area_code,area_name,year,age_band,population\n"
        "E10000025,Oxfordshire,2017,65+,500\n"
        "E10000025,Oxfordshire,2017,75+,600\n"
    )
    with pytest.raises(LoadError, match="exceeds") as err:
        read_population_csv(path)
    assert (err.value.row, err.value.field) == (3, "population")


def test_missing_column(tmp_path: Path) -> None:
    cols = HEADER.split(",")
    idx = cols.index("pop_75_plus")
    path = tmp_path / "p.csv"
    path.write_text(
        "\n".join(",".join(c for j, c in enumerate(line.split(",")) if j != idx) for line in LINES)
    )
    with pytest.raises(LoadError) as err:
        read_population_csv(path)
    assert (err.value.row, err.value.field) == (1, "pop_75_plus")


def test_unrecognised_layout_and_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("code,people\nE10000025,3\n")
    with pytest.raises(LoadError, match="not a population file"):
        read_population_csv(path)
    path.write_text("")
    with pytest.raises(LoadError, match="empty"):
        read_population_csv(path)
    path.write_text(HEADER + "\n")
    with pytest.raises(LoadError, match="no data rows"):
        read_population_csv(path)


def test_disagreeing_with_existing_numbers(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load_population(con, POPULATION)
    before = counts(con)
    path = write_modified(tmp_path, OXFORDSHIRE, "pop_65_plus", "123178")
    with pytest.raises(LoadError, match="already in the store") as err:
        load_population(con, path)
    assert (err.value.row, err.value.field) == (line_of(OXFORDSHIRE) + 1, "pop_65_plus")
    assert "123,177" in err.value.message and "123,178" in err.value.message
    assert counts(con) == before
    assert pop(con, OXFORDSHIRE, "65+") == 123_177


def test_failed_load_leaves_a_new_area_out(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A new area in a file that then fails is not left behind in ``areas``."""
    load_population(con, POPULATION)
    before = counts(con)
    path = tmp_path / "tidy.csv"
    path.write_text(
        "area_code,area_name,year,age_band,population\n"
        "E10000099,Newshire,2017,all,1000\n"
        "E10000025,Oxfordshire,2017,all,1\n"
    )
    with pytest.raises(LoadError):
        load_population(con, path)
    assert counts(con) == before


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.integers(min_value=-10_000_000, max_value=-1))
def test_any_negative_population_is_rejected(tmp_path: Path, value: int) -> None:
    path = write_modified(tmp_path, "E06000001", "pop_85_plus", str(value), name="neg.csv")
    with pytest.raises(LoadError, match="negative") as err:
        read_population_csv(path)
    assert (err.value.row, err.value.field) == (line_of("E06000001") + 1, "pop_85_plus")
