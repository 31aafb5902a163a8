"""ONS mid-year estimate workbooks, broken: damaged copies of the real files and made-up grids.

Damaged .xls files cannot be written, so .xls damage is done on the real sheets read into
:class:`~lsr.data.sources.ons_mye.Grid` objects (and, for loads, handed to the loader in place
of the file's sheets); .xlsx copies are written with openpyxl; truncated files are cut bytes.
Every error must name the file, sheet, row and column, and leave the store unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr.data.errors import LoadError, LoadErrors
from lsr.data.population import load_population_files
from lsr.data.sources import ons_mye
from lsr.data.sources.ons_mye import (
    Grid,
    load_ons_mye,
    parse_ons_mye_sheets,
    read_ons_mye,
    workbook_grids,
)
from lsr.data.sources.ons_mye_sheets import parse_persons_sheet
from lsr.data.store import connect

from raw_data import RAW

MYE_DIR = RAW / "ons-mye"
MID_2016 = MYE_DIR / "ons_mye_2016_la_single_year_age.xls"
MID_2017 = MYE_DIR / "ons_mye_2017_la_single_year_age.xls"
MID_2022 = MYE_DIR / "ons_mye_2022_mye22final.xlsx"
PERSONS_2017 = "MYE2 - All"
PERSONS_2022 = "MYE2 - Persons"
ENGLAND = "E92000001"
OXFORDSHIRE = "E10000025"
CHERWELL = "E07000177"
SOUTH_EAST = "E12000008"
TABLES = ("areas", "population", "loads")


# --- helpers -----------------------------------------------------------------------------------


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture(scope="module")
def real_grids() -> dict[Path, dict[str, Grid]]:
    """The sheets the loader reads from the mid-2017 and mid-2022 workbooks, read once."""
    return {path: workbook_grids(path) for path in (MID_2017, MID_2022)}


def copy_grids(grids: dict[str, Grid]) -> dict[str, Grid]:
    """Editable copies (the fixture's grids stay as read)."""
    return {name: Grid(name, [list(r) for r in g.rows]) for name, g in grids.items()}


def label(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def header_index(grid: Grid) -> int:
    return next(i for i, r in enumerate(grid.rows) if r and label(r[0]).casefold() == "code")


def row_index(grid: Grid, code: str) -> int:
    return next(i for i, r in enumerate(grid.rows) if r and r[0] == code)


def col_index(grid: Grid, header: str) -> int:
    return [label(v) for v in grid.rows[header_index(grid)]].index(header)


def set_cell(grid: Grid, code: str, header: str, value: Any) -> int:
    """Set one cell of an area's row; returns the Excel row number."""
    r = row_index(grid, code)
    grid.rows[r][col_index(grid, header)] = value  # type: ignore[index]
    return r + 1


def add(grid: Grid, code: str, header: str, delta: int) -> None:
    r, c = row_index(grid, code), col_index(grid, header)
    grid.rows[r][c] += delta  # type: ignore[index]


def write_xlsx(path: Path, grids: dict[str, Grid]) -> Path:
    """A workbook written with openpyxl holding these sheets."""
    wb = openpyxl.Workbook(write_only=True)
    for name, grid in grids.items():
        ws = wb.create_sheet(name)
        for row in grid.rows:
            ws.append(list(row))
    wb.save(path)
    return path


def parse_error(grids: dict[str, Grid], file: Path = MID_2017) -> LoadError:
    with pytest.raises(LoadError) as err:
        parse_ons_mye_sheets(file, grids)
    assert err.value.file == str(file)
    return err.value


# --- damaged sheets of the real mid-2017 .xls --------------------------------------------------


Damage = Callable[[Grid], Any]


def _text_in_number(g: Grid) -> tuple[int, str]:
    return set_cell(g, OXFORDSHIRE, "70", "lots"), "70"


def _negative(g: Grid) -> tuple[int, str]:
    return set_cell(g, OXFORDSHIRE, "70", -5.0), "70"


def _fraction(g: Grid) -> tuple[int, str]:
    return set_cell(g, OXFORDSHIRE, "70", 1234.5), "70"


def _unavailable(g: Grid) -> tuple[int, str]:
    return set_cell(g, OXFORDSHIRE, "85", ".."), "85"


def _suppressed(g: Grid) -> tuple[int, str]:
    return set_cell(g, OXFORDSHIRE, "85", "[c]"), "85"


def _blank(g: Grid) -> tuple[int, str]:
    return set_cell(g, OXFORDSHIRE, "All ages", ""), "All ages"


def _all_ages_wrong(g: Grid) -> tuple[int, str]:
    add(g, OXFORDSHIRE, "All ages", 1)
    return row_index(g, OXFORDSHIRE) + 1, "All ages"


def _bad_code(g: Grid) -> tuple[int, str]:
    return set_cell(g, OXFORDSHIRE, "Code", "E1000025"), "Code"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_text_in_number, "'lots' is not a number"),
        (_negative, "negative"),
        (_fraction, "not a whole number"),
        (_unavailable, "'..' (not available)"),
        (_suppressed, "'[c]' (confidential)"),
        (_blank, "missing value"),
        (_all_ages_wrong, "single years of age add up to 682,444 but All ages is 682,445"),
        (_bad_code, "not an ONS area code"),
    ],
    ids=["text", "negative", "fraction", "dots", "confidential", "blank", "all-ages", "code"],
)
def test_bad_cell_names_sheet_row_and_column(
    real_grids: dict[Path, dict[str, Grid]], damage: Damage, message: str
) -> None:
    grids = copy_grids(real_grids[MID_2017])
    row, column = damage(grids[PERSONS_2017])
    err = parse_error(grids)
    assert message in err.message
    assert (err.sheet, err.row, err.field) == (PERSONS_2017, row, column)
    assert str(err).startswith(f"{MID_2017.name}, sheet '{PERSONS_2017}', row {row}, field")


def test_missing_council_row_breaks_the_england_total(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2017])
    g = grids[PERSONS_2017]
    del g.rows[row_index(g, OXFORDSHIRE)]  # type: ignore[attr-defined]
    err = parse_error(grids)
    assert "upper-tier councils" in err.message and "682,444" not in err.message
    assert (err.sheet, err.row, err.field) == (PERSONS_2017, row_index(g, ENGLAND) + 1, "All ages")


def test_duplicated_row(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2017])
    g = grids[PERSONS_2017]
    r = row_index(g, OXFORDSHIRE)
    g.rows.insert(r + 1, list(g.rows[r]))  # type: ignore[attr-defined]
    err = parse_error(grids)
    assert f"area {OXFORDSHIRE} appears twice (also row {r + 1})" in err.message
    assert (err.row, err.field) == (r + 2, "Code")


def test_a_wrong_district_breaks_its_county(real_grids) -> None:
    """Cherwell changed consistently (its age 30 and All ages): Oxfordshire no longer adds up."""
    grids = copy_grids(real_grids[MID_2017])
    g = grids[PERSONS_2017]
    add(g, CHERWELL, "30", 1)
    add(g, CHERWELL, "All ages", 1)
    err = parse_error(grids)
    assert "the districts listed under it" in err.message
    assert (err.row, err.field) == (row_index(g, OXFORDSHIRE) + 1, "All ages")


def test_a_council_and_england_changed_together_break_the_region(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2017])
    g = grids[PERSONS_2017]
    for code in (OXFORDSHIRE, ENGLAND):
        add(g, code, "30", 7)
        add(g, code, "All ages", 7)
    err = parse_error(grids)
    assert "SOUTH EAST" in err.message and "the councils listed under it" in err.message
    assert (err.row, err.field) == (row_index(g, SOUTH_EAST) + 1, "All ages")


def test_missing_age_column(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2017])
    g = grids[PERSONS_2017]
    c = col_index(g, "47")
    for row in g.rows:
        if len(row) > c:
            del row[c]  # type: ignore[attr-defined]
    err = parse_error(grids)
    assert "no column for age 47" in err.message
    assert (err.row, err.field) == (header_index(g) + 1, "47")


def test_missing_all_ages_column(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2017])
    g = grids[PERSONS_2017]
    g.rows[header_index(g)][col_index(g, "All ages")] = "Total"  # type: ignore[index]
    err = parse_error(grids)
    assert "missing column 'All ages'" in err.message
    assert (err.sheet, err.row, err.field) == (PERSONS_2017, header_index(g) + 1, "All ages")


def test_missing_persons_sheet(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2017])
    renamed = {"Sheet1": Grid("Sheet1", grids[PERSONS_2017].rows)}
    err = parse_error(renamed)
    assert "no sheet of persons by single year of age" in err.message
    assert "found: Sheet1" in err.message


def test_title_without_a_year(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2017])
    g = grids[PERSONS_2017]
    g.rows[2][0] = "MYE2: Population estimates: Persons by single year of age"  # type: ignore[index]
    err = parse_error(grids)
    assert "no 'mid-YYYY' year in the title" in err.message
    assert (err.sheet, err.row, err.field) == (PERSONS_2017, 1, "title")


def test_open_ended_age_in_the_middle(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2017])
    g = grids[PERSONS_2017]
    g.rows[header_index(g)][col_index(g, "60")] = "60+"  # type: ignore[index]
    err = parse_error(grids)
    assert "'60+' is open-ended but is not the top age" in err.message


def test_blank_rows_footnotes_and_extra_columns_are_skipped(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2017])
    before = parse_ons_mye_sheets(MID_2017, grids).frame
    g = grids[PERSONS_2017]
    r = row_index(g, OXFORDSHIRE)
    g.rows.insert(r, [""] * len(g.rows[r]))  # type: ignore[attr-defined]
    g.rows.append(["2. A second footnote, as later years have.", "", ""])  # type: ignore[attr-defined]
    for row in g.rows:
        row.append("")  # type: ignore[attr-defined]
    g.rows[header_index(g)][-1] = "Column1"  # type: ignore[index]
    after = parse_ons_mye_sheets(MID_2017, grids).frame
    assert after["population"].tolist() == before["population"].tolist()


# --- the machine-readable MYEB1 sheet of the mid-2022 .xlsx --------------------------------------


def myeb1_row(grid: Grid, code: str, sex: str, age: int) -> int:
    return next(i for i, r in enumerate(grid.rows) if r[0] == code and r[3] == sex and r[4] == age)


def test_myeb1_bad_cell(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2022])
    g = grids["MYEB1"]
    r = myeb1_row(g, OXFORDSHIRE, "F", 80)
    g.rows[r][5] = "n/a"  # type: ignore[index]
    err = parse_error(grids, MID_2022)
    assert (err.sheet, err.row, err.field) == ("MYEB1", r + 1, "population_2011")
    assert "'n/a' is not a number" in err.message


def test_myeb1_changed_2011_breaks_the_england_total(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2022])
    g = grids["MYEB1"]
    g.rows[myeb1_row(g, OXFORDSHIRE, "F", 80)][5] += 1  # type: ignore[index]
    err = parse_error(grids, MID_2022)
    assert "ENGLAND (E92000001) all ages is 53,107,169" in err.message
    assert (err.sheet, err.row, err.field) == (
        "MYEB1",
        myeb1_row(g, ENGLAND, "M", 0) + 1,
        "population_2011",
    )


def test_myeb1_changed_2022_disagrees_with_mye2(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2022])
    g = grids["MYEB1"]
    for code in (OXFORDSHIRE, "E12000008", "E07000177", ENGLAND):  # consistent totals
        g.rows[myeb1_row(g, code, "M", 40)][6] += 2  # type: ignore[index]
    err = parse_error(grids, MID_2022)
    assert "males and females here add up to" in err.message
    assert f"sheet '{PERSONS_2022}' row" in err.message
    assert (err.sheet, err.field) == ("MYEB1", "population_2022")


def test_myeb1_missing_duplicated_and_odd_rows(real_grids) -> None:
    grids = copy_grids(real_grids[MID_2022])
    g = grids["MYEB1"]
    r = myeb1_row(g, OXFORDSHIRE, "F", 47)
    removed = g.rows.pop(r)  # type: ignore[attr-defined]
    err = parse_error(grids, MID_2022)
    assert f"{OXFORDSHIRE} (Oxfordshire) has no row for sex F aged 47" in err.message
    assert (err.sheet, err.field) == ("MYEB1", "age")
    g.rows.insert(r, removed)  # type: ignore[attr-defined]
    g.rows.insert(r, list(removed))  # type: ignore[attr-defined]
    err = parse_error(grids, MID_2022)
    assert "a second row for E10000025 F aged 47" in err.message and err.row == r + 2
    g.rows.pop(r)  # type: ignore[attr-defined]
    g.rows[r][3] = "X"  # type: ignore[index]
    err = parse_error(grids, MID_2022)
    assert "sex 'X' is not M or F" in err.message and (err.row, err.field) == (r + 1, "sex")


# --- damaged files on disk: the store is never changed ------------------------------------------


@pytest.fixture
def store() -> duckdb.DuckDBPyConnection:
    con = connect(":memory:")
    load_ons_mye(con, [MID_2016])
    return con


def _load_error(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> LoadError:
    before = counts(con)
    with pytest.raises(LoadErrors) as err:
        load_ons_mye(con, paths)
    assert counts(con) == before
    assert len(err.value.errors) == 1
    return err.value.errors[0]


@pytest.mark.parametrize("source", [MID_2017, MID_2022], ids=lambda p: p.suffix)
def test_truncated_workbook(store, tmp_path: Path, source: Path) -> None:
    cut = tmp_path / f"cut{source.suffix}"
    cut.write_bytes(source.read_bytes()[: source.stat().st_size // 3])
    err = _load_error(store, [cut])
    assert "not a readable Excel workbook" in err.message
    assert err.file == str(cut)


def test_not_a_workbook(store, tmp_path: Path) -> None:
    fake = tmp_path / "population.xls"
    fake.write_text("Code,Name\nE10000025,Oxfordshire\n")
    assert "not a readable Excel workbook" in _load_error(store, [fake]).message


def test_xlsx_copy_with_text_in_a_number_cell(store, real_grids, tmp_path: Path) -> None:
    grids = copy_grids(real_grids[MID_2022])
    persons = {PERSONS_2022: grids[PERSONS_2022]}
    row = set_cell(persons[PERSONS_2022], OXFORDSHIRE, "90+", "many")
    path = write_xlsx(tmp_path / "mye22_damaged.xlsx", persons)
    err = _load_error(store, [path])
    assert (err.sheet, err.row, err.field) == (PERSONS_2022, row, "90+")
    assert str(err) == (
        f"mye22_damaged.xlsx, sheet '{PERSONS_2022}', row {row}, field '90+': "
        "'many' is not a number"
    )


def test_xlsx_copy_loads_like_the_original(real_grids, tmp_path: Path) -> None:
    """An openpyxl copy of the mid-2022 persons sheet (no MYEB1) gives the same mid-2022."""
    grids = copy_grids(real_grids[MID_2022])
    path = write_xlsx(tmp_path / "copy.xlsx", {PERSONS_2022: grids[PERSONS_2022]})
    copy = read_ons_mye(path)
    assert list(copy.tables) == [2022]
    original = parse_ons_mye_sheets(MID_2022, real_grids[MID_2022]).frame
    expected = original[original["year"] == 2022].reset_index(drop=True)
    assert copy.frame["population"].tolist() == expected["population"].tolist()


def test_wrong_year_conflicts_with_the_store(store, real_grids, tmp_path, monkeypatch) -> None:
    """The mid-2017 sheet relabelled mid-2016: the store's real mid-2016 differs, so nothing
    is written and the error names the first area and band that differ."""
    grids = copy_grids(real_grids[MID_2017])
    g = grids[PERSONS_2017]
    g.rows[2][0] = str(g.rows[2][0]).replace("mid-2017", "mid-2016")  # type: ignore[index]
    monkeypatch.setattr(ons_mye, "_read_grids", lambda path, select: grids)
    err = _load_error(store, [MID_2017])
    assert "2016 age band" in err.message and "is already in the store as" in err.message
    assert err.sheet == PERSONS_2017 and err.row is not None and err.field is not None


def test_damaged_xls_through_the_loader(store, real_grids, monkeypatch) -> None:
    grids = copy_grids(real_grids[MID_2017])
    row = set_cell(grids[PERSONS_2017], OXFORDSHIRE, "65", -1.0)
    monkeypatch.setattr(ons_mye, "_read_grids", lambda path, select: grids)
    err = _load_error(store, [MID_2017])
    assert (err.sheet, err.row, err.field) == (PERSONS_2017, row, "65")


def test_skip_bad_loads_the_good_ones(tmp_path: Path) -> None:
    con = connect(":memory:")
    bad = tmp_path / "bad.xls"
    bad.write_bytes(MID_2017.read_bytes()[:5000])
    csv_bad = tmp_path / "bad.csv"
    csv_bad.write_text("year,utla_code\n2017,E10000025\n")
    with pytest.raises(LoadErrors) as err:
        load_population_files(con, [MID_2016, bad, csv_bad])
    assert [Path(e.file).name for e in err.value.errors] == ["bad.xls", "bad.csv"]
    assert counts(con) == {t: 0 for t in TABLES}
    summary = load_population_files(con, [MID_2016, bad, csv_bad], skip_bad=True)
    assert summary.files_loaded == 1 and len(summary.bad) == 2
    assert con.execute("SELECT DISTINCT year FROM population").fetchall() == [(2016,)]


# --- made-up grids: the arithmetic, for any numbers ---------------------------------------------

AGES = [str(a) for a in range(90)] + ["90+"]


def made_up_grid(councils: list[list[int]], year: int = 2019) -> Grid:
    """An MYE2-like sheet: title, header, England, one region and its unitary councils."""
    england = [sum(col) for col in zip(*councils, strict=True)]

    def line(code: str, name: str, ages: list[Any]) -> list[Any]:
        numbers = [a for a in ages if isinstance(a, int)]
        return [code, name, "Region", sum(numbers), *ages]

    rows: list[list[Any]] = [
        [f"MYE2: Persons by single year of age and sex for local authorities, mid-{year}"],
        [],
        ["Code", "Name", "Geography1", "All ages", *AGES],
        line(ENGLAND, "ENGLAND", england),
        line(SOUTH_EAST, "SOUTH EAST", england),
    ]
    rows += [line(f"E06{i:06d}", f"Council {i}", ages) for i, ages in enumerate(councils, 1)]
    rows.append(["1. A footnote."])
    return Grid("MYE2 - Persons", rows)


council_ages = st.lists(st.integers(0, 3_000), min_size=91, max_size=91)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(councils=st.lists(council_ages, min_size=1, max_size=4))
def test_bands_are_sums_of_single_years(councils: list[list[int]]) -> None:
    table = parse_persons_sheet("made-up.xls", made_up_grid(councils))
    assert table.year == 2019 and table.regions_listed
    for i, ages in enumerate(councils, 1):
        row = table.rows[f"E06{i:06d}"]
        assert row.region == SOUTH_EAST
        assert row.band("all") == sum(ages)
        assert row.band("18+") == sum(ages[18:])
        assert row.band("65+") == sum(ages[65:])
        assert row.band("75+") == sum(ages[75:])
        assert row.band("85+") == sum(ages[85:]) >= 0
        assert row.band("all") >= row.band("18+") >= row.band("65+") >= row.band("85+")
    england = table.rows[ENGLAND]
    for band in ("all", "18+", "65+", "75+", "85+"):
        assert england.band(band) == sum(r.band(band) for r in table.councils())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    councils=st.lists(council_ages, min_size=1, max_size=4),
    which=st.integers(0, 3),
    age=st.integers(0, 90),
    delta=st.integers(1, 10_000),
)
def test_any_change_to_a_council_breaks_england(
    councils: list[list[int]], which: int, age: int, delta: int
) -> None:
    grid = made_up_grid(councils)
    row = 5 + which % len(councils)
    grid.rows[row][4 + age] += delta  # type: ignore[index]
    grid.rows[row][3] += delta  # type: ignore[index]
    with pytest.raises(LoadError, match="upper-tier councils") as err:
        parse_persons_sheet("made-up.xls", grid)
    assert (err.value.row, err.value.field) == (4, "All ages")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(councils=st.lists(council_ages, min_size=1, max_size=3), age=st.integers(0, 90))
def test_nil_marker_counts_as_zero(councils: list[list[int]], age: int) -> None:
    """'-' (ONS nil) in a single-year cell is 0: a grid with a 0 there reads the same."""
    councils[0][age] = 0
    grid = made_up_grid(councils)
    expected = parse_persons_sheet("made-up.xls", grid).rows["E06000001"].values
    grid.rows[5][4 + age] = "-"  # type: ignore[index]
    assert parse_persons_sheet("made-up.xls", grid).rows["E06000001"].values == expected
    grid.rows[5][3] = "-"  # but not in All ages
    with pytest.raises(LoadError, match="not a number") as err:
        parse_persons_sheet("made-up.xls", grid)
    assert (err.value.row, err.value.field) == (6, "All ages")
