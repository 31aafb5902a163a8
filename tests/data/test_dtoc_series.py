"""Every real DToC workbook in data/raw (April 2011 - December 2016, and three 2018 months).

Each is read once (module fixture); the checks run on all of them: the period is the file
name's month, the breakdowns add up and agree, England's published row is the English councils
plus the residents of Wales, Scotland and outside GB, the same 151 councils every month, the
NHS council code table, and loading all 72 in one call."""

from __future__ import annotations

import importlib.util
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest
import xlrd
from dtoc_fakes import APRIL_11, DTOC_FILES, JULY_18, counts, month_of_file_name

from lsr.data.errors import LoadErrors
from lsr.data.population import load_population
from lsr.data.sources.dtoc import BREAKDOWNS, DtocMonth, find_sheets, load_dtoc, read_dtoc
from lsr.data.sources.dtoc_codes import (
    NON_ENGLISH_CODES,
    codes_path,
    current_ons_code,
    nhs_council_codes,
)
from lsr.data.sources.dtoc_sheet import cell_text, find_header_row, locate_columns
from lsr.data.store import connect

from raw_data import raw

POPULATION = raw("ons_mye2017_upper_tier_la_from_lsoa.csv")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_nhs_council_codes.py"
OXFORDSHIRE = "E10000025"
ISLES_OF_SCILLY = "E06000053"
NAMES = [p.name for p in DTOC_FILES]


@pytest.fixture(scope="module")
def months() -> dict[str, DtocMonth]:
    return {p.name: read_dtoc(p) for p in DTOC_FILES}


@pytest.fixture(scope="module")
def area_codes() -> set[str]:
    con = connect(":memory:")
    load_population(con, POPULATION)
    return {
        r[0] for r in con.execute("SELECT code FROM areas WHERE code != 'E92000001'").fetchall()
    }


def test_the_series_is_all_here() -> None:
    assert len(DTOC_FILES) == 72
    assert len({month_of_file_name(p) for p in DTOC_FILES}) == 72


@pytest.mark.parametrize("name", NAMES)
def test_period_is_the_file_names_month(months: dict[str, DtocMonth], name: str) -> None:
    month = months[name]
    assert (month.period.year, month.period.month) == month_of_file_name(Path(name))
    assert month.period.day == 1


@pytest.mark.parametrize("name", NAMES)
def test_breakdowns_add_up_and_agree(months: dict[str, DtocMonth], name: str) -> None:
    month = months[name]
    for frame in (month.rows, month.non_english):
        per_area = frame.groupby(["breakdown", "area_code"])["days"].sum().unstack("breakdown")
        assert list(per_area.columns) == sorted(BREAKDOWNS)
        assert not per_area.isna().any().any()
        # each area's reason, responsible-org and type-of-care categories give one total
        assert (per_area["reason"] == per_area["type_of_care"]).all()
        assert (per_area["responsible_org"] == per_area["type_of_care"]).all()
    assert (month.rows["days"] >= 0).all()
    assert (month.rows["days"] % 1 == 0).all()


@pytest.mark.parametrize("name", NAMES)
def test_england_row_is_councils_plus_residents_elsewhere(
    months: dict[str, DtocMonth], name: str
) -> None:
    month = months[name]
    for breakdown in BREAKDOWNS:
        english = month.rows.loc[month.rows["breakdown"] == breakdown, "days"].sum()
        others = month.non_english.loc[month.non_english["breakdown"] == breakdown, "days"].sum()
        assert english + others == month.published_england_total
    assert set(month.non_english["area_code"]) == set(NON_ENGLISH_CODES)


@pytest.mark.parametrize("name", NAMES)
def test_the_same_151_councils_every_month(
    months: dict[str, DtocMonth], area_codes: set[str], name: str
) -> None:
    """Every council of 2011-2019 but the Isles of Scilly, which has no row in any month."""
    councils = set(months[name].rows["area_code"])
    assert len(councils) == 151
    pre_2019 = area_codes - {"E06000058", "E06000059"}
    assert councils == pre_2019 - {ISLES_OF_SCILLY}
    assert {"E09000001", "E08000037", "E06000057"} <= councils  # City of London; 2013 recodes
    assert not {"E08000020", "E06000048"} & councils


def test_layouts_across_the_series(months: dict[str, DtocMonth]) -> None:
    by_layout = Counter(m.layout for m in months.values())
    assert by_layout == {
        "SHA, NHS code only, reasons without O) Other": 24,  # April 2011 - March 2013
        "Region, NHS code only, reasons without O) Other": 27,  # April 2013 - June 2015
        "Region, ONS Geography, reasons without O) Other": 18,  # July 2015 - December 2016
        "Region, ONS Geography, reasons with O) Other": 3,  # the 2018 months
    }
    for m in months.values():
        first_ons = m.period >= date(2015, 7, 1)
        assert m.has_ons_codes == first_ons
        assert (m.region_header == "SHA") == (m.period < date(2013, 4, 1))
        assert ("O" in m.reason_codes) == (m.period >= date(2017, 4, 1))
        reasons = set(m.rows.loc[m.rows["breakdown"] == "reason", "category"])
        assert reasons == set(m.reason_codes)


def test_nil_cells_are_whole_rows_without_delays(months: dict[str, DtocMonth]) -> None:
    """'-' appears only where an area had no delayed days at all in the month (Total 0)."""
    with_nil = [m for m in months.values() if m.nil_cells]
    # 42 rows in 37 workbooks (City of London, residents of Scotland or outside GB), counted
    # independently with xlrd when the layouts were surveyed
    assert len(with_nil) == 37
    assert sum(m.nil_cells for m in with_nil) == 42 * 15
    for m in with_nil:
        assert m.nil_cells % 15 == 0  # 2 + 3 + 10 category cells of one row on the three sheets


def test_check_figures_july_2018(months: dict[str, DtocMonth]) -> None:
    july = months[JULY_18.name]
    totals = july.area_totals()
    assert totals[OXFORDSHIRE] == 3445
    assert totals.sum() == 140243
    assert july.published_england_total == 140938
    reason = july.rows[
        (july.rows["area_code"] == OXFORDSHIRE) & (july.rows["breakdown"] == "reason")
    ]
    assert round(reason.set_index("category")["days"]["E"] / 3445 * 100) == 43


def test_check_figures_april_2011_old_layout(months: dict[str, DtocMonth]) -> None:
    """Figures read by eye from April_11.xls: 716 Barking & Dagenham 377 + 135 = 512 days,
    00KB Bedford 109, England 108,064 (SHA layout, NHS codes only)."""
    april = months[APRIL_11.name]
    toc = april.rows[april.rows["breakdown"] == "type_of_care"].set_index(["area_code", "category"])
    assert toc.loc[("E09000002", "acute"), "days"] == 377  # Barking & Dagenham
    assert toc.loc[("E09000002", "non_acute"), "days"] == 135
    assert april.area_totals()["E06000055"] == 109  # Bedford, NHS code 00KB
    assert april.published_england_total == 108064


# --- the NHS council code table ---------------------------------------------------------------


def _code_columns(path: Path) -> list[tuple[str, str]]:
    """(NHS code, ONS code or '') of every area row on a workbook's type-of-care sheet."""
    book = xlrd.open_workbook(str(path), on_demand=True)
    try:
        sheet = book.sheet_by_name(find_sheets(path, book.sheet_names())["type_of_care"])
        h = find_header_row(sheet, path)
        cols = locate_columns(sheet, h, "type_of_care", path)
        pairs = []
        for r in range(h + 1, sheet.nrows):
            code = cell_text(sheet.cell_value(r, cols.code))
            ons = cell_text(sheet.cell_value(r, cols.ons)) if cols.ons is not None else ""
            if code not in ("", "-"):
                pairs.append((code, ons))
        return pairs
    finally:
        book.release_resources()


@pytest.fixture(scope="module")
def code_columns() -> dict[str, list[tuple[str, str]]]:
    return {p.name: _code_columns(p) for p in DTOC_FILES}


def test_every_council_code_in_every_workbook_maps(
    code_columns: dict[str, list[tuple[str, str]]], area_codes: set[str]
) -> None:
    table = nhs_council_codes()
    for name, pairs in code_columns.items():
        assert len(pairs) == 154, name  # 151 councils and 3 rows of residents elsewhere
        for code, _ in pairs:
            assert code in table or code in NON_ENGLISH_CODES, (name, code)
    assert {c.ons_code for c in table.values()} <= area_codes
    assert len(table) == len({c.ons_code for c in table.values()}) == 151


def test_table_agrees_with_every_workbook_with_both_columns(
    code_columns: dict[str, list[tuple[str, str]]],
) -> None:
    table = nhs_council_codes()
    both = {name: pairs for name, pairs in code_columns.items() if any(ons for _, ons in pairs)}
    assert len(both) == 21  # July 2015 - December 2016, and the 2018 months
    for name, pairs in both.items():
        for code, ons in pairs:
            if code in NON_ENGLISH_CODES:
                assert ons == "-", (name, code)
            else:
                assert table[code].ons_code == current_ons_code(ons), (name, code, ons)


def test_the_build_script_reproduces_the_shipped_table() -> None:
    spec = importlib.util.spec_from_file_location("build_nhs_council_codes", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == codes_path().read_text(encoding="utf-8")


# --- all 72 into one store ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def loaded_all() -> duckdb.DuckDBPyConnection:
    con = connect(":memory:")
    load_population(con, POPULATION)
    summary = load_dtoc(con, DTOC_FILES)
    assert (summary.files_loaded, summary.files_skipped, summary.bad) == (72, 0, [])
    return con


def test_all_72_load_in_one_call(loaded_all: duckdb.DuckDBPyConnection) -> None:
    per_month = loaded_all.execute(
        "SELECT period, count(DISTINCT area_code), count(*) FROM dtoc_days GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert len(per_month) == 72
    for period, areas, rows in per_month:
        assert areas == 151
        reasons = 11 if period >= date(2017, 4, 1) else 10
        assert rows == 151 * (2 + 3 + reasons)
    assert loaded_all.execute("SELECT count(*) FROM loads WHERE kind = 'dtoc'").fetchone() == (72,)


def test_one_code_per_council_across_the_series(loaded_all: duckdb.DuckDBPyConnection) -> None:
    months_per_area = dict(
        loaded_all.execute(
            "SELECT area_code, count(DISTINCT period) FROM dtoc_days GROUP BY 1"
        ).fetchall()
    )
    assert months_per_area["E08000037"] == 72  # Gateshead (E08000020 before April 2013)
    assert months_per_area["E06000057"] == 72  # Northumberland (E06000048 before April 2013)
    assert set(months_per_area.values()) == {72}


def test_oxfordshire_july_2018_in_the_full_store(loaded_all: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        loaded_all.execute(
            "SELECT breakdown, sum(days) FROM dtoc_days WHERE area_code = ? "
            "AND period = DATE '2018-07-01' GROUP BY 1",
            [OXFORDSHIRE],
        ).fetchall()
    )
    assert rows == {"type_of_care": 3445, "responsible_org": 3445, "reason": 3445}
    england = loaded_all.execute(
        "SELECT sum(days) FROM dtoc_days WHERE period = DATE '2018-07-01' "
        "AND breakdown = 'type_of_care'"
    ).fetchone()
    assert england == (140243,)


def test_a_damaged_copy_among_the_72_writes_nothing(tmp_path: Path) -> None:
    damaged = tmp_path / "Aug_15_damaged.xls"
    data = (DTOC_FILES[0].parent.parent / "dtoc-2011-2016" / "Aug_15.xls").read_bytes()
    damaged.write_bytes(data[: len(data) // 2])  # truncated
    con = connect(":memory:")
    load_population(con, POPULATION)
    before = counts(con)
    with pytest.raises(LoadErrors) as err:
        load_dtoc(con, [*DTOC_FILES[:40], damaged, *DTOC_FILES[40:]])
    assert [e.file for e in err.value.errors] == [str(damaged)]
    assert "Aug_15_damaged.xls" in str(err.value)
    assert counts(con) == before
    summary = load_dtoc(con, [*DTOC_FILES, damaged], skip_bad=True)
    assert summary.files_loaded == 72
    assert [e.file for e in summary.bad] == [str(damaged)]
    assert con.execute("SELECT count(DISTINCT period) FROM dtoc_days").fetchone() == (72,)


def test_renamed_copy_of_a_loaded_month_is_a_no_op(
    loaded_all: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    copy = tmp_path / "April_11_copy.xls"
    shutil.copy(APRIL_11, copy)
    before = counts(loaded_all)
    summary = load_dtoc(loaded_all, copy)
    assert (summary.files_loaded, summary.files_skipped) == (0, 1)  # same bytes: skipped
    assert counts(loaded_all) == before
