"""Oflog adult social care metrics: the real file in data/raw, and broken copies."""

from __future__ import annotations

import csv
import io
import statistics
from pathlib import Path
from typing import Any

import duckdb
import pytest

from lsr.data.errors import LoadErrors
from lsr.data.measures import TABLE, MeasureFile
from lsr.data.sources import SOURCE_MODULES
from lsr.data.sources.ascof import load_ascof
from lsr.data.sources.oflog import SOURCE, code_for_measure, load_oflog, read_oflog
from lsr.data.store import connect

from raw_data import RAW

REAL_FILES = sorted(RAW.glob("oflog*.csv"))
OFLOG = RAW / "oflog_asc_metrics.csv"
ASCOF_2019 = RAW / "ascof" / "ascof_final_data_2019.csv"
TABLES = ("areas", "population", "dtoc_days", "indicator_counts", TABLE, "loads")
OXFORDSHIRE = "E10000025"

# Check figures read off the published file (the medians are Oflog's own MEDIAN column).
CHECKS: dict[str, dict[str, Any]] = {
    "oflog_asc_metrics.csv": {
        "rows": 6376,
        "blank": 298,
        "years": [f"{y}-{(y + 1) % 100:02d}" for y in range(2015, 2023)],
        "values": {
            ("ASC7", "2022-23"): 38.85700403,
            ("ASC7", "2016-17"): 30.77867446,
            ("ASC1", "2016-17"): 7.7,
            ("ASC1", "2018-19"): 7.4,
            ("ASC4", "2021-22"): 55.4,
            ("ASC2", "2022-23"): 0.413,
        },
        "medians": {("ASC1", "2018-19"): 7.4, ("ASC7", "2022-23"): 28.04317139},
        "missing": [("ASC7", "2021-22")],
    }
}


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture(scope="module")
def parsed() -> dict[str, MeasureFile]:
    return {p.name: read_oflog(p) for p in REAL_FILES}


@pytest.fixture(scope="module")
def rows() -> list[list[str]]:
    with OFLOG.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return connect(":memory:")


def write(path: Path, rows: list[list[str]]) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def find(rows: list[list[str]], code: str, year: str, area: str = OXFORDSHIRE) -> int:
    for i, r in enumerate(rows):
        if r[0] == year and r[1] == area and r[7] == code:
            return i
    raise AssertionError((code, year, area))


def load_error(con: duckdb.DuckDBPyConnection, path: Path) -> Any:
    before = counts(con)
    with pytest.raises(LoadErrors) as info:
        load_oflog(con, [path])
    assert counts(con) == before
    (err,) = info.value.errors
    assert Path(err.file).name == path.name
    return err


def test_registered_source() -> None:
    assert "oflog" in SOURCE_MODULES
    assert SOURCE.kind == "oflog" and TABLE in SOURCE.tables


def test_every_real_file_has_check_figures() -> None:
    assert {p.name for p in REAL_FILES} == set(CHECKS)


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_file(path: Path, parsed: dict[str, MeasureFile]) -> None:
    mf = parsed[path.name]
    check = CHECKS[path.name]
    frame = mf.rows
    assert len(frame) == check["rows"]
    assert mf.years == check["years"]
    assert (frame["status"] == "not available").sum() == check["blank"]
    assert set(frame["measure_code"]) == {f"ASC{i}" for i in range(1, 8)}
    assert set(frame["area_level"]) == {"council"}
    ox = frame[frame["area_code"] == OXFORDSHIRE].set_index(["measure_code", "year"])
    for key, value in check["values"].items():
        assert ox.loc[key, "value"] == pytest.approx(value), key
    for key in check["missing"]:
        assert (
            ox.loc[key, "status"] == "not available"
            and ox.loc[key, "value"] != ox.loc[key, "value"]
        )
    for (code, year), median in check["medians"].items():
        values = frame[(frame["measure_code"] == code) & (frame["year"] == year)]["value"]
        assert statistics.median(values.dropna()) == pytest.approx(median)


def test_load_agrees_with_ascof_and_reload_is_a_no_op(con: duckdb.DuckDBPyConnection) -> None:
    load_ascof(con, [ASCOF_2019])
    summary = load_oflog(con, [OFLOG])
    assert summary.rows_inserted == CHECKS[OFLOG.name]["rows"]
    # ASC1 = 1D, ASC2 = 1J, ASC3 = 3D(1), ASC4 = 3D(2), ASC5 = 2D for 2018-19: 756 values
    assert any(
        "756 value(s) also in ascof_final_data_2019.csv, all agree" in n for n in summary.notes
    )
    before = counts(con)
    again = load_oflog(con, [OFLOG])
    assert again.files_skipped == 1 and counts(con) == before


def test_oflog_conflicting_with_ascof_names_both(
    con: duckdb.DuckDBPyConnection, rows: list[list[str]], tmp_path: Path
) -> None:
    i = find(rows, "ASC1", "2018-19")
    changed = [list(r) for r in rows]
    changed[i][8] = "7.9"
    path = write(tmp_path / "oflog_changed.csv", changed)
    load_ascof(con, [ASCOF_2019])
    err = load_error(con, path)
    assert (err.row, err.field) == (i + 1, "Value")
    assert "ascof_final_data_2019.csv" in err.message and "1D" in err.message


def test_missing_code_column_uses_the_measure_name(rows: list[list[str]], tmp_path: Path) -> None:
    """The earlier file (adult_social_care.csv) has no Code column."""
    without = [[c for j, c in enumerate(r) if j != 7] for r in rows]
    mf = read_oflog(write(tmp_path / "adult_social_care.csv", without))
    assert len(mf.rows) == CHECKS[OFLOG.name]["rows"]
    assert set(mf.rows["measure_code"]) == {f"ASC{i}" for i in range(1, 8)}


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        (8, "lots", "is not a number"),
        (8, "-3.2", "negative"),
        (8, "130", "above 100"),
        (0, "2016-2017", "not a financial year"),
        (0, "2016-18", "not a financial year"),
        (1, "W06000001", "not an English ONS area code"),
        (1, "E12000008", "not the code of an upper-tier council"),
        (7, "ASC4", "does not match the measure"),
        (9, "7.9", "MEDIAN"),
    ],
    ids=[
        "text",
        "negative",
        "above-100",
        "long-year",
        "wrong-year",
        "welsh",
        "region",
        "code",
        "median",
    ],
)
def test_bad_cell(
    con: duckdb.DuckDBPyConnection,
    rows: list[list[str]],
    tmp_path: Path,
    column: int,
    value: str,
    words: str,
) -> None:
    i = find(rows, "ASC7", "2016-17")
    bad = [list(r) for r in rows]
    bad[i][column] = value
    err = load_error(con, write(tmp_path / "bad.csv", bad))
    assert err.row == i + 1
    assert err.field == rows[0][column]
    assert words in err.message


def test_changed_value_moves_the_median(
    con: duckdb.DuckDBPyConnection, rows: list[list[str]], tmp_path: Path
) -> None:
    """A value moved across the median (here Oxfordshire's 2018-19 carer score, 7.4 = the
    median, to 6.0) no longer matches Oflog's MEDIAN: the file is refused."""
    bad = [list(r) for r in rows]
    for i in range(1, len(bad)):
        if bad[i][7] == "ASC1" and bad[i][0] == "2018-19" and bad[i][8] == "7.4":
            bad[i][8] = "6.0"
    err = load_error(con, write(tmp_path / "moved.csv", bad))
    assert err.field == "MEDIAN" and "median of the" in err.message


def test_duplicated_row(
    con: duckdb.DuckDBPyConnection, rows: list[list[str]], tmp_path: Path
) -> None:
    i = find(rows, "ASC7", "2016-17")
    bad = [*rows[: i + 1], rows[i], *rows[i + 1 :]]
    err = load_error(con, write(tmp_path / "dup.csv", bad))
    assert err.row == i + 2 and f"also row {i + 1}" in err.message


@pytest.mark.parametrize("column", ["Value", "Financial year", "Measure"])
def test_missing_column(
    con: duckdb.DuckDBPyConnection, rows: list[list[str]], tmp_path: Path, column: str
) -> None:
    j = rows[0].index(column)
    bad = [[c for k, c in enumerate(r) if k != j] for r in rows]
    err = load_error(con, write(tmp_path / "nocol.csv", bad))
    assert (err.row, err.field) == (1, column)


def test_truncated(con: duckdb.DuckDBPyConnection, rows: list[list[str]], tmp_path: Path) -> None:
    cut = write(tmp_path / "cut_rows.csv", rows[:-120])  # at a line end: the medians move
    err = load_error(con, cut)
    assert err.field == "MEDIAN" and "complete" in err.message
    data = OFLOG.read_bytes()
    mid = tmp_path / "cut_bytes.csv"
    mid.write_bytes(data[: len(data) * 2 // 3 - 7])
    err = load_error(con, mid)
    assert err.row is not None and err.field is not None


def test_blank_and_markers(rows: list[list[str]], tmp_path: Path) -> None:
    """Oxfordshire's 2021-22 turnover is blank (not published): as [c] it is suppressed, as
    [x] not available; either way no value, and the medians still hold."""
    i = find(rows, "ASC7", "2021-22")
    assert rows[i][8] == ""
    for marker, status in (("[c]", "suppressed"), ("[x]", "not available"), ("", "not available")):
        marked = [list(r) for r in rows]
        marked[i][8] = marker
        mf = read_oflog(write(tmp_path / "marked.csv", marked))
        row = mf.rows[(mf.rows["area_code"] == OXFORDSHIRE) & (mf.rows["year"] == "2021-22")]
        row = row[row["measure_code"] == "ASC7"].iloc[0]
        assert row["status"] == status and row["value"] != row["value"]


def test_code_for_measure() -> None:
    assert code_for_measure("Outcome, ASC Carer Quality of Life") == "ASC1"
    assert code_for_measure("Outcome, ASC Quality of Life") == "ASC2"
    assert code_for_measure("Outcome, Ease of finding information about support : carers") == "ASC4"
    assert code_for_measure("Outcome, Workforce turnover rate") == "ASC7"
    assert code_for_measure("Something new") is None
