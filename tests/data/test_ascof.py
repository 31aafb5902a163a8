"""ASCOF loader: every real file in data/raw/ascof, the two layouts, and broken copies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsr.data.errors import LoadError, LoadErrors
from lsr.data.loading import LoadSummary
from lsr.data.measures import TABLE, MeasureFile, agree, decimals
from lsr.data.sources import SOURCE_MODULES, all_sources
from lsr.data.sources._ascof_catalogue import (
    canonical_code,
    canonical_disaggregation,
    code_for_name,
)
from lsr.data.sources._ascof_reading import year_from_name, year_label
from lsr.data.sources.ascof import KIND, SOURCE, load_ascof, read_ascof
from lsr.data.store import connect

from raw_data import RAW

ASCOF_DIR = RAW / "ascof"
REAL_FILES = sorted(p for p in ASCOF_DIR.iterdir() if p.suffix in (".csv", ".xlsx"))
OFFICIAL = ASCOF_DIR / "ascof_2020-21_open_data_official.xlsx"
COMPILED = {year: ASCOF_DIR / f"ascof_final_data_{year}.csv" for year in (2019, 2020, 2021)}
TABLES = ("areas", "population", "dtoc_days", "indicator_counts", TABLE, "loads")
OXFORDSHIRE = "E10000025"
ENGLAND = "E92000001"

# Check figures, read off the published files (and the same in both editions for 2020-21).
CHECKS: dict[str, dict[str, Any]] = {
    "ascof_final_data_2019.csv": {
        "years": ["2018-19"],
        "rows": 16275,
        "values": {
            ("2A(2)", OXFORDSHIRE): 475.2,
            ("2A(2)", ENGLAND): 577.6,
            ("2B(1)", OXFORDSHIRE): 73.7,
            ("1D", OXFORDSHIRE): 7.4,
            ("1D", ENGLAND): 7.5,
            ("3D(2)", OXFORDSHIRE): 63.8,
            ("1A", OXFORDSHIRE): 19.2,
            ("1B", OXFORDSHIRE): 77.8,
        },
    },
    "ascof_final_data_2020.csv": {
        "years": ["2019-20"],
        "rows": 12019,
        "values": {
            ("2A(2)", OXFORDSHIRE): 465.9,
            ("2A(2)", ENGLAND): 584.0,
            ("1C(2A)", ENGLAND): 27.9,
            ("1C(2B)", ENGLAND): 77.1,
            ("1C(1A)", ENGLAND): 91.9,
            ("1C(1B)", ENGLAND): 86.9,
        },
    },
    "ascof_final_data_2021.csv": {
        "years": ["2020-21"],
        "rows": 6518,
        "values": {("2A(2)", OXFORDSHIRE): 441.7, ("2B(1)", OXFORDSHIRE): 62.0},
    },
    "ascof_2020-21_open_data_official.xlsx": {
        "years": ["2020-21"],
        "rows": 12719,
        "values": {
            ("2A(2)", OXFORDSHIRE): 441.7,
            ("2A(2)", ENGLAND): 498.2,
            ("2B(1)", OXFORDSHIRE): 62.0,
            ("2B(1)", ENGLAND): 79.1,
            ("1A", OXFORDSHIRE): 18.6,
            ("1B", OXFORDSHIRE): 75.0,
        },
        "counts": {
            ("2A(2)", OXFORDSHIRE): (575, 130189),
            ("2A(2)", ENGLAND): (52133, 10464019),
            ("2B(1)", OXFORDSHIRE): (302, 487),
            ("2B(1)", ENGLAND): (34152, 43193),
        },
    },
}


# --- helpers -----------------------------------------------------------------------------------


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def total(mf: MeasureFile, code: str, area: str) -> pd_row:  # type: ignore[valid-type]
    rows = mf.rows[
        (mf.rows["measure_code"] == code)
        & (mf.rows["area_code"] == area)
        & (mf.rows["disaggregation"] == "Total")
    ]
    assert len(rows) == 1, (code, area, len(rows))
    return rows.iloc[0]


pd_row = Any


def copy_lines(src: Path, dst: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    """Copy a CSV, passing its lines (without line ends) through ``edit``."""
    lines = src.read_text(encoding="utf-8").splitlines()
    dst.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return dst


def line_index(lines: list[str], *parts: str) -> int:
    """0-based index of the first line containing every part."""
    for i, line in enumerate(lines):
        if all(p in line for p in parts):
            return i
    raise AssertionError(f"no line with {parts}")


OX_2A2 = ("E10000025", "65 and over met by admission", ",Total,")


def load_error(con: duckdb.DuckDBPyConnection, path: Path, **kw: Any) -> LoadError:
    """Load a bad file: a LoadErrors with one error, and the store unchanged."""
    before = counts(con)
    with pytest.raises(LoadErrors) as info:
        load_ascof(con, [path], **kw)
    assert counts(con) == before
    assert len(info.value.errors) == 1
    err = info.value.errors[0]
    assert Path(err.file).name == path.name
    assert "Traceback" not in str(err)
    return err


@pytest.fixture(scope="module")
def parsed() -> dict[str, MeasureFile]:
    return {p.name: read_ascof(p) for p in REAL_FILES}


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return connect(":memory:")


@pytest.fixture(scope="module")
def official_rows() -> list[list[Any]]:
    """The official workbook's rows (header first), read once."""
    book = openpyxl.load_workbook(OFFICIAL, read_only=True, data_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def small_official(
    rows: list[list[Any]], path: Path, groups: tuple[str, ...] = ("2A2", "2B1"), edit=None
) -> Path:  # type: ignore[no-untyped-def]
    """An official-layout workbook with the real rows of a few measure groups (optionally
    edited: ``edit(header, body)`` returns the new body)."""
    header, body = rows[0], [r for r in rows[1:] if r[8] in groups]
    if edit is not None:
        body = edit(header, [list(r) for r in body])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "in"
    sheet.append(header)
    for r in body:
        sheet.append(r)
    book.save(path)
    return path


def find(body: list[list[Any]], area: str, code: str, mtype: str) -> int:
    for i, r in enumerate(body):
        if r[3] == area and r[4] == code and r[6] == mtype:
            return i
    raise AssertionError((area, code, mtype))


# --- the source module -------------------------------------------------------------------------


def test_registered_source() -> None:
    assert "ascof" in SOURCE_MODULES
    assert SOURCE.kind == KIND and TABLE in SOURCE.tables
    assert any(s.kind == "ascof" for s in all_sources())
    assert "Open Government Licence" in SOURCE.licence
    assert len(SOURCE.layouts) == 2


# --- every real file ---------------------------------------------------------------------------


def test_every_real_file_has_check_figures() -> None:
    assert {p.name for p in REAL_FILES} == set(CHECKS)


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_file(path: Path, parsed: dict[str, MeasureFile]) -> None:
    mf = parsed[path.name]
    check = CHECKS[path.name]
    assert mf.years == check["years"]
    assert len(mf.rows) == check["rows"]
    assert not mf.rows.duplicated(["measure_code", "area_code", "year", "disaggregation"]).any()
    assert mf.rows["area_code"].str.match(r"^E\d{8}$").all()
    assert set(mf.rows["area_level"]) == {"council", "region", "england"}
    published = mf.rows[mf.rows["status"] == "published"]
    assert published["value"].notna().all() and (published["value"] >= 0).all()
    assert mf.rows.loc[mf.rows["status"] != "published", "value"].isna().all()
    pct = published[published["unit"] == "%"]
    assert (pct["value"] <= 100).all()
    for (code, area), value in check["values"].items():
        assert total(mf, code, area)["value"] == pytest.approx(value), (code, area)
    for (code, area), (num, den) in check.get("counts", {}).items():
        row = total(mf, code, area)
        assert (row["numerator"], row["denominator"]) == (num, den)
        multiplier = 100_000 if code.startswith("2A") else 100
        assert round(num / den * multiplier, 1) == pytest.approx(row["value"])


def test_official_layout_details(parsed: dict[str, MeasureFile]) -> None:
    mf = parsed[OFFICIAL.name]
    assert mf.edition == "official" and mf.sheet == "in"
    assert any("1475 'Council Type' row(s)" in n for n in mf.notes)
    status = mf.rows["status"].value_counts().to_dict()
    assert status == {"published": 7447, "not available": 5250, "suppressed": 22}
    # survey measures carry the published margin of error and base
    ox_1a = total(mf, "1A", OXFORDSHIRE)
    assert (ox_1a["margin_of_error"], ox_1a["base"]) == (0.7, 315)
    # the carers' survey did not run in 2020-21: no 1D or 3D(2)
    assert not {"1D", "3D(2)"} & set(mf.rows["measure_code"])


def test_compiled_2019_20_pairs_are_resolved(parsed: dict[str, MeasureFile]) -> None:
    mf = parsed["ascof_final_data_2020.csv"]
    assert any("946 row(s)" in n for n in mf.notes)
    codes = set(mf.rows["measure_code"])
    assert {"1C(1A)", "1C(1B)", "1C(2A)", "1C(2B)"} <= codes


@pytest.fixture(scope="module")
def store_all() -> tuple[duckdb.DuckDBPyConnection, LoadSummary]:
    """A store with every real ASCOF file loaded (tests only read it or fail to change it)."""
    con = connect(":memory:")
    return con, load_ascof(con, REAL_FILES)


def test_all_real_files_load(store_all: tuple[duckdb.DuckDBPyConnection, LoadSummary]) -> None:
    con, summary = store_all
    assert summary.files_loaded == len(REAL_FILES)
    assert summary.rows_inserted == sum(c["rows"] for c in CHECKS.values())
    assert counts(con)[TABLE] == summary.rows_inserted


def test_compiled_and_official_2020_21_agree(
    store_all: tuple[duckdb.DuckDBPyConnection, LoadSummary],
) -> None:
    """The official 2020-21 workbook is loaded first (file names sort so); every value the
    compiled 2020-21 table shares with it was compared and agrees."""
    _, summary = store_all
    assert any(
        "ascof_final_data_2021.csv: 5,573 value(s) also in "
        "ascof_2020-21_open_data_official.xlsx, all agree" in n
        for n in summary.notes
    )


def test_reload_is_a_no_op(store_all: tuple[duckdb.DuckDBPyConnection, LoadSummary]) -> None:
    con, _ = store_all
    before = counts(con)
    again = load_ascof(con, REAL_FILES)
    assert again.files_loaded == 0 and again.files_skipped == len(REAL_FILES)
    assert counts(con) == before


def test_resaved_copy_inserts_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load_ascof(con, [COMPILED[2021]])
    before = counts(con)
    crlf = tmp_path / "resaved.csv"
    crlf.write_bytes(COMPILED[2021].read_bytes().replace(b"\n", b"\r\n"))
    summary = load_ascof(con, [crlf])
    assert summary.rows_inserted == 0 and summary.files_skipped == 1
    assert counts(con)[TABLE] == before[TABLE]


# --- broken copies: compiled CSV ---------------------------------------------------------------


@pytest.mark.parametrize("cut", [0.5, 0.75, 0.9])
def test_truncated_mid_line(con: duckdb.DuckDBPyConnection, tmp_path: Path, cut: float) -> None:
    data = COMPILED[2021].read_bytes()
    end = int(len(data) * cut)
    while data[end - 1 : end] in (b"\n", b","):
        end -= 1  # cut inside a value, not at the end of a line or field
    bad = tmp_path / "cut.csv"
    bad.write_bytes(data[:end])
    err = load_error(con, bad)
    assert err.row is not None and err.field is not None
    assert "cut short" in err.message or "complete" in err.message


def test_truncated_at_a_line_end(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    bad = copy_lines(COMPILED[2021], tmp_path / "short.csv", lambda lines: lines[:-40])
    err = load_error(con, bad)
    assert err.field == "ONS Code" and err.row == 6519 - 40
    assert "E12000003" in err.message and "is the file complete" in err.message


def test_text_in_a_number_cell(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = COMPILED[2021].read_text(encoding="utf-8").splitlines()
    i = line_index(lines, *OX_2A2)
    bad = copy_lines(
        COMPILED[2021],
        tmp_path / "text.csv",
        lambda ls: [*ls[:i], ls[i].replace(",441.7,", ",n/k,"), *ls[i + 1 :]],
    )
    err = load_error(con, bad)
    assert (err.row, err.field) == (i + 1, "Measure Value")
    assert "'n/k' is not a number" in str(err)


def test_negative_value(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = COMPILED[2021].read_text(encoding="utf-8").splitlines()
    i = line_index(lines, *OX_2A2)
    bad = copy_lines(
        COMPILED[2021],
        tmp_path / "neg.csv",
        lambda ls: [*ls[:i], ls[i].replace(",441.7,", ",-441.7,"), *ls[i + 1 :]],
    )
    err = load_error(con, bad)
    assert (err.row, err.field) == (i + 1, "Measure Value")
    assert "negative" in err.message


def test_percentage_above_100(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = COMPILED[2021].read_text(encoding="utf-8").splitlines()
    i = line_index(lines, OXFORDSHIRE, "effectiveness of the service,Total,62.0")
    bad = copy_lines(
        COMPILED[2021],
        tmp_path / "pct.csv",
        lambda ls: [*ls[:i], ls[i].replace(",Total,62.0,", ",Total,162.0,"), *ls[i + 1 :]],
    )
    err = load_error(con, bad)
    assert (err.row, err.field) == (i + 1, "Measure Value")
    assert "above 100" in err.message


def test_duplicated_row(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = COMPILED[2021].read_text(encoding="utf-8").splitlines()
    i = line_index(lines, *OX_2A2)
    bad = copy_lines(
        COMPILED[2021], tmp_path / "dup.csv", lambda ls: [*ls[: i + 1], ls[i], *ls[i + 1 :]]
    )
    err = load_error(con, bad)
    assert err.row == i + 2
    assert f"also line {i + 1}" in err.message and "appears twice" in err.message


@pytest.mark.parametrize("column", ["Year", "Measure Value", "ONS Code"])
def test_missing_column(con: duckdb.DuckDBPyConnection, tmp_path: Path, column: str) -> None:
    frame_lines = COMPILED[2021].read_text(encoding="utf-8").splitlines()
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(frame_lines))))
    drop = rows[0].index(column)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for r in rows:
        writer.writerow([c for j, c in enumerate(r) if j != drop])
    bad = tmp_path / f"no_{column.replace(' ', '_')}.csv"
    bad.write_text(out.getvalue(), encoding="utf-8")
    err = load_error(con, bad)
    assert (err.row, err.field) == (1, column)
    assert f"missing column {column!r}" in err.message


@pytest.mark.parametrize("year", ["20x1", "1999", "2020-22"])
def test_wrong_year(con: duckdb.DuckDBPyConnection, tmp_path: Path, year: str) -> None:
    lines = COMPILED[2021].read_text(encoding="utf-8").splitlines()
    i = line_index(lines, *OX_2A2)
    bad = copy_lines(
        COMPILED[2021],
        tmp_path / "year.csv",
        lambda ls: [*ls[:i], ls[i].rsplit(",", 1)[0] + f",{year}", *ls[i + 1 :]],
    )
    err = load_error(con, bad)
    assert (err.row, err.field) == (i + 1, "Year")


def test_level_that_does_not_match_the_code(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = COMPILED[2021].read_text(encoding="utf-8").splitlines()
    i = line_index(lines, *OX_2A2)
    bad = copy_lines(
        COMPILED[2021],
        tmp_path / "level.csv",
        lambda ls: [
            *ls[:i],
            ls[i].replace("Oxfordshire,Council,", "Oxfordshire,Region,"),
            *ls[i + 1 :],
        ],
    )
    err = load_error(con, bad)
    assert (err.row, err.field) == (i + 1, "Geographical Level")


def test_same_year_from_two_files_must_agree(
    store_all: tuple[duckdb.DuckDBPyConnection, LoadSummary],
    official_rows: list[list[Any]],
    tmp_path: Path,
) -> None:
    """A copy of the 2020-21 table with one value changed: refused, naming both files."""
    lines = COMPILED[2021].read_text(encoding="utf-8").splitlines()
    i = line_index(lines, *OX_2A2)
    changed = copy_lines(
        COMPILED[2021],
        tmp_path / "final_data_2021_changed.csv",
        lambda ls: [*ls[:i], ls[i].replace(",441.7,", ",451.7,"), *ls[i + 1 :]],
    )
    con, _ = store_all
    err = load_error(con, changed)
    assert (err.row, err.field) == (i + 1, "Measure Value")
    assert "ascof_final_data_2021.csv" in err.message and "451.7" in err.message
    # ... and against the other edition (an official workbook) alone
    fresh = connect(":memory:")
    load_ascof(fresh, [small_official(official_rows, tmp_path / "ascof_2020-21_small.xlsx")])
    err = load_error(fresh, changed)
    assert (err.row, err.field) == (i + 1, "Measure Value")
    assert "ascof_2020-21_small.xlsx" in err.message and "official" in err.message


def test_a_year_relabelled_conflicts_with_the_real_year(
    store_all: tuple[duckdb.DuckDBPyConnection, LoadSummary], tmp_path: Path
) -> None:
    """The 2020-21 table relabelled 2020 (2019-20): its numbers clash with the real 2019-20."""
    relabelled = copy_lines(
        COMPILED[2021],
        tmp_path / "wrong_period.csv",
        lambda ls: [ls[0]] + [line.rsplit(",", 1)[0] + ",2020" for line in ls[1:]],
    )
    err = load_error(store_all[0], relabelled)
    assert "2019-20" in err.message and "ascof_final_data_2020.csv" in err.message
    # named for the year it claims to hold but holding another: refused on its own
    misnamed = relabelled.rename(tmp_path / "ascof_final_data_2021_copy.csv")
    err = load_error(connect(":memory:"), misnamed)
    assert (err.row, err.field) == (2, "Year")
    assert "file name says 2020-21 but every row's Year says 2019-20" in err.message


def test_every_bad_file_is_reported_and_skip_bad(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    notes = tmp_path / "notes.csv"
    notes.write_text("some,other,file\n1,2,3\n")
    with pytest.raises(LoadErrors) as info:
        load_ascof(con, [COMPILED[2021], empty, notes])
    assert [Path(e.file).name for e in info.value.errors] == ["empty.csv", "notes.csv"]
    assert counts(con)[TABLE] == 0
    summary = load_ascof(con, [COMPILED[2021], empty, notes], skip_bad=True)
    assert summary.files_loaded == 1 and len(summary.bad) == 2
    assert counts(con)[TABLE] == CHECKS["ascof_final_data_2021.csv"]["rows"]


# --- broken copies: official workbook ----------------------------------------------------------


def test_small_official_copy_loads(official_rows: list[list[Any]], tmp_path: Path) -> None:
    path = small_official(official_rows, tmp_path / "ascof_2020-21_small.xlsx")
    mf = read_ascof(path)
    assert set(mf.rows["measure_code"]) == {"2A(2)", "2B(1)"}
    assert total(mf, "2A(2)", OXFORDSHIRE)["numerator"] == 575


def test_official_outcome_must_match_its_counts(
    con: duckdb.DuckDBPyConnection, official_rows: list[list[Any]], tmp_path: Path
) -> None:
    def edit(header: list[Any], body: list[list[Any]]) -> list[list[Any]]:
        body[find(body, OXFORDSHIRE, "2A2", "Numerator")][7] = 675
        return body

    path = small_official(official_rows, tmp_path / "ascof_2020-21_num.xlsx", edit=edit)
    err = load_error(con, path)
    assert err.sheet == "in" and err.field == "Measure Value" and err.row is not None
    assert "does not match Numerator 675" in err.message


def test_official_numerator_above_denominator(
    con: duckdb.DuckDBPyConnection, official_rows: list[list[Any]], tmp_path: Path
) -> None:
    def edit(header: list[Any], body: list[list[Any]]) -> list[list[Any]]:
        i = find(body, OXFORDSHIRE, "2B1", "Numerator")
        body[i][7] = 600
        return body

    path = small_official(official_rows, tmp_path / "ascof_2020-21_nd.xlsx", edit=edit)
    err = load_error(con, path)
    assert err.sheet == "in" and err.field == "Measure Value"
    assert "more than Denominator 487" in err.message


@pytest.mark.parametrize(
    ("value", "words"), [("lots", "is not a number"), (-5, "negative")], ids=["text", "negative"]
)
def test_official_bad_cell(
    con: duckdb.DuckDBPyConnection,
    official_rows: list[list[Any]],
    tmp_path: Path,
    value: Any,
    words: str,
) -> None:
    row_index: list[int] = []

    def edit(header: list[Any], body: list[list[Any]]) -> list[list[Any]]:
        i = find(body, OXFORDSHIRE, "2A2", "Denominator")
        body[i][7] = value
        row_index.append(i + 2)  # header is row 1
        return body

    path = small_official(official_rows, tmp_path / "ascof_2020-21_cell.xlsx", edit=edit)
    err = load_error(con, path)
    assert (err.sheet, err.row, err.field) == ("in", row_index[0], "Measure Value")
    assert words in err.message


def test_official_markers_become_statuses(official_rows: list[list[Any]], tmp_path: Path) -> None:
    def edit(header: list[Any], body: list[list[Any]]) -> list[list[Any]]:
        body[find(body, OXFORDSHIRE, "2A2", "Outcome")][7] = "[c]"
        body[find(body, OXFORDSHIRE, "2B1", "Outcome")][7] = "[x]"
        return body

    mf = read_ascof(small_official(official_rows, tmp_path / "ascof_2020-21_m.xlsx", edit=edit))
    assert total(mf, "2A(2)", OXFORDSHIRE)["status"] == "suppressed"
    assert total(mf, "2B(1)", OXFORDSHIRE)["status"] == "not available"
    assert total(mf, "2A(2)", OXFORDSHIRE)["value"] != total(mf, "2A(2)", OXFORDSHIRE)["value"]


def test_official_duplicated_row(
    con: duckdb.DuckDBPyConnection, official_rows: list[list[Any]], tmp_path: Path
) -> None:
    def edit(header: list[Any], body: list[list[Any]]) -> list[list[Any]]:
        i = find(body, OXFORDSHIRE, "2A2", "Outcome")
        return [*body[: i + 1], list(body[i]), *body[i + 1 :]]

    err = load_error(
        con, small_official(official_rows, tmp_path / "ascof_2020-21_d.xlsx", edit=edit)
    )
    assert err.field == "Measure Type" and "appears twice" in err.message


def test_official_missing_column_and_missing_sheet(
    con: duckdb.DuckDBPyConnection, official_rows: list[list[Any]], tmp_path: Path
) -> None:
    no_type = [[c for j, c in enumerate(r) if j != 6] for r in official_rows[:2000]]
    path = small_official(no_type, tmp_path / "ascof_2020-21_nt.xlsx", groups=("2A2",))
    err = load_error(con, path)
    assert err.field == "Measure Type" and err.sheet == "in"
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["These are notes, not data"])
    book.save(tmp_path / "ascof_2020-21_nosheet.xlsx")
    err = load_error(con, tmp_path / "ascof_2020-21_nosheet.xlsx")
    assert err.field == "Measure Value" and "no sheet" in err.message


def test_official_truncated_bytes(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    bad = tmp_path / "ascof_2020-21_cut.xlsx"
    data = OFFICIAL.read_bytes()
    bad.write_bytes(data[: len(data) // 3])
    err = load_error(con, bad)
    assert "not a readable .xlsx workbook" in err.message


def test_official_year_from_name_or_option(official_rows: list[list[Any]], tmp_path: Path) -> None:
    path = small_official(official_rows, tmp_path / "open_data.xlsx", groups=("2A2",))
    with pytest.raises(LoadError, match="--year"):
        read_ascof(path)
    assert read_ascof(path, year="2020-21").years == ["2020-21"]
    assert read_ascof(path, year="2021").years == ["2020-21"]


def test_official_as_csv(official_rows: list[list[Any]], tmp_path: Path) -> None:
    """NHS Digital also publishes the open data as CSV (older years in Windows-1252)."""
    import csv

    path = tmp_path / "meas-from-asc-of-eng-2021-open-data.csv"
    rows = [official_rows[0]] + [r for r in official_rows[1:] if r[8] in ("2A2", "1J")]
    with path.open("w", encoding="cp1252", newline="") as f:
        csv.writer(f).writerows(rows)
    mf = read_ascof(path)
    assert mf.edition == "official" and mf.years == ["2020-21"]
    assert total(mf, "2A(2)", OXFORDSHIRE)["value"] == 441.7
    assert total(mf, "1J", OXFORDSHIRE)["value"] == 0.412


# --- the catalogue and helpers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [("2A2", "2A(2)"), ("1C1A", "1C(1A)"), ("1I1", "1I(1)"), ("1A", "1A"), ("2A(2)_1415", "2A(2)")],
)
def test_canonical_code(text: str, code: str) -> None:
    assert canonical_code(text) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        (
            "Permanent admissions of older people (aged 65 and over) to residential and nursing "
            "care homes, per 100,000 population",
            "2A(2)",
        ),
        (
            "The proportion of older people (aged 65 and over) who received reablement/"
            "rehabilitation services after discharge from hospital",
            "2B(2)",
        ),
        (
            "Proportion of people who use services and carers who find it easy to find "
            "information about services",
            "3D(1)",
        ),
        ("The proportion of carers who find it easy to find information about support", "3D(2)"),
        ("Carer-reported quality of life score", "1D"),
        ("Something else entirely", None),
    ],
)
def test_code_for_name(name: str, code: str | None) -> None:
    assert code_for_name(name) == code


def test_disaggregations_and_years() -> None:
    assert canonical_disaggregation("65 And Over") == "65 and over"
    assert canonical_disaggregation("64 and under") == "64 and under"
    assert year_from_name("meas-from-asc-of-1920-open-data-csv.csv") == "2019-20"
    assert year_from_name("ascof_final_data_2019.csv") == "2018-19"
    assert year_from_name("notes.csv") is None
    assert year_label("2019", file="f", row=2, field="Year") == "2018-19"
    assert year_label("2018/19", file="f", row=2, field="Year") == "2018-19"


@given(st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False))
def test_agree_to_the_coarser_precision(value: Any) -> None:
    exact = float(value)
    coarse = round(exact, 1)
    assert agree(exact, coarse)
    assert agree(coarse, exact)
    assert not agree(coarse, coarse + 0.2)
    assert decimals(coarse) <= 1


def test_agree_missing() -> None:
    assert agree(None, None) and agree(float("nan"), None)
    assert not agree(None, 1.0)


def test_official_new_measure_code_is_kept_without_range_check(
    official_rows: list[list[Any]], tmp_path: Path
) -> None:
    """A later framework's measure (here 2A2 rows relabelled 2E) is stored as published."""

    def edit(header: list[Any], body: list[list[Any]]) -> list[list[Any]]:
        for r in body:
            r[8] = "2E"
            r[9] = "A measure lsr does not know yet"
        return body

    path = small_official(official_rows, tmp_path / "ascof_2023-24.xlsx", ("2A2",), edit)
    mf = read_ascof(path)
    ox = total(mf, "2E", OXFORDSHIRE)
    assert ox["value"] == 441.7 and ox["unit"] == "as published"
    assert mf.years == ["2023-24"]
