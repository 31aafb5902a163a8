"""DToC variants not in data/raw, and damaged copies of every layout.

The months of 2017-2020 that are not in the repository kept the April 2017 layout, but some
have a ``-`` nil cell in a number column and some the older reason sheet without ``O) Other``;
the councils changed in April 2019. Those variants, and damaged copies, are built as
:class:`FakeSheet` stand-ins from a real month with cells replaced (they are test inputs, not
data: nothing here is presented as a published figure)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dtoc_fakes import (
    AUG_16,
    JULY_18,
    JUNE_18,
    LAYOUT_SAMPLES,
    OCT_18,
    FakeBook,
    FakeSheet,
    col,
    counts,
    england_row,
    find_row,
    header_row,
    la_sheet,
    number_columns,
    real_sheets,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr.data.errors import LoadError, LoadErrors
from lsr.data.population import load_population
from lsr.data.sources import dtoc
from lsr.data.sources.dtoc import DtocMonth, load_dtoc, parse_dtoc_sheets, read_dtoc
from lsr.data.sources.dtoc_codes import nhs_council_codes
from lsr.data.sources.dtoc_sheet import REASON_CODES, parse_days
from lsr.data.store import connect

from raw_data import raw

POPULATION = raw("ons_mye2017_upper_tier_la_from_lsoa.csv")
OXFORDSHIRE = "E10000025"


@pytest.fixture(scope="module")
def july() -> DtocMonth:
    return read_dtoc(JULY_18)


@pytest.fixture(scope="module")
def store() -> duckdb.DuckDBPyConnection:
    """Population and the three real 2018 months (tests that fail to load must not change it)."""
    con = connect(":memory:")
    load_population(con, POPULATION)
    load_dtoc(con, [JUNE_18, JULY_18, OCT_18])
    return con


def serve(monkeypatch: pytest.MonkeyPatch, sheets: dict[str, FakeSheet], path: Path) -> Path:
    """A file whose bytes are new (so it is not skipped) that the reader sees as ``sheets``."""
    path.write_bytes(b"stand-in for " + path.name.encode())
    monkeypatch.setattr(dtoc, "_open_workbook", lambda _path: FakeBook(sheets))
    return path


def sorted_rows(month: DtocMonth) -> Any:
    keys = ["area_code", "breakdown", "category"]
    return month.rows.sort_values(keys).reset_index(drop=True)


def fold_other_into_a(sheet: FakeSheet) -> None:
    """The reason sheet in the older layout: no ``O) Other`` column (its days counted under
    ``A)`` so that every row still adds up), headers in the older upper-case wording."""
    o, a = col(sheet, "O)"), col(sheet, "A)")
    for row in sheet.rows[header_row(sheet) + 1 :]:
        if isinstance(row[o], float):
            row[a] += row[o]
    for row in sheet.rows:
        del row[o]
    h = header_row(sheet)
    sheet.rows[h] = [v.upper() if isinstance(v, str) else v for v in sheet.rows[h]]


# --- months of 2017-2020 not in the repository -------------------------------------------------


def test_nil_marker_in_a_number_cell_of_a_2018_month(july: DtocMonth) -> None:
    sheets = real_sheets(JULY_18)
    replaced = 0
    for sheet in (la_sheet(sheets, w) for w in ("type of care", "responsible", "reason")):
        r = find_row(sheet, OXFORDSHIRE)
        for c in number_columns(sheet):
            if sheet.rows[r][c] == 0.0:
                sheet.rows[r][c] = "-"
                replaced += 1
    assert replaced == 2  # Oxfordshire, July 2018: 0 days for two reasons
    month = parse_dtoc_sheets(JULY_18, sheets)
    assert month.nil_cells == replaced
    assert sorted_rows(month).equals(sorted_rows(july))


def test_a_whole_row_of_nil_markers(july: DtocMonth) -> None:
    """Residents of Scotland with no delays: '-' in every category, Total 0 (as 2011-2016)."""
    sheets = real_sheets(JULY_18)
    for sheet in (la_sheet(sheets, w) for w in ("type of care", "responsible", "reason")):
        r, e = find_row(sheet, "9901"), england_row(sheet)
        for c in number_columns(sheet):
            sheet.rows[e][c] -= sheet.rows[r][c]
            sheet.rows[r][c] = "-"
        sheet.rows[r][number_columns(sheet)[-1]] = 0.0
    month = parse_dtoc_sheets(JULY_18, sheets)
    scotland = month.non_english[month.non_english["area_code"] == "9901"]
    assert len(scotland) == 16 and (scotland["days"] == 0).all()
    assert month.published_england_total == july.published_england_total - 33
    assert sorted_rows(month).equals(sorted_rows(july))


def test_older_reason_sheet_without_other_in_a_2018_month(
    july: DtocMonth, store: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    sheets = real_sheets(JULY_18)
    fold_other_into_a(la_sheet(sheets, "reason"))
    month = parse_dtoc_sheets(JULY_18, sheets)
    assert month.reason_codes == REASON_CODES[:-1]
    assert "O" not in set(month.rows["category"])
    assert month.fields[("reason", "A")] == "A) AWAITING COMPLETION OF ASSESSMENT"
    assert month.area_totals().equals(july.area_totals())
    reason = month.rows[month.rows["breakdown"] == "reason"]
    assert len(reason) == 151 * 10
    # Loaded as a month of its own (September 2018), it stores 10 reasons per council.
    for sheet in sheets.values():
        if len(sheet.rows) > 4 and sheet.rows[4][1] == "Period:":
            sheet.rows[4][2] = "September 2018"
    path = serve(monkeypatch, sheets, tmp_path / "LA-Type-B_Sept_18_older_reasons.xls")
    summary = load_dtoc(store, path)
    assert summary.rows_inserted == 151 * (2 + 3 + 10)
    cats = store.execute(
        "SELECT DISTINCT category FROM dtoc_days WHERE period = DATE '2018-09-01' "
        "AND breakdown = 'reason' ORDER BY 1"
    ).fetchall()
    assert [c for (c,) in cats] == sorted(REASON_CODES[:-1])


def test_sheet_names_in_another_case(july: DtocMonth) -> None:
    sheets = real_sheets(JULY_18)
    renamed = {"LA - by type of care": "LA - by Type of Care", "LA - by reason": "LA - By Reason"}
    sheets = {renamed.get(n, n): FakeSheet(renamed.get(n, n), s.rows) for n, s in sheets.items()}
    month = parse_dtoc_sheets(JULY_18, sheets)
    assert month.sheets["type_of_care"] == "LA - by Type of Care"
    assert sorted_rows(month).equals(sorted_rows(july))


def bcp_april_2019(path: Path = JULY_18) -> dict[str, FakeSheet]:
    """A stand-in for April 2019: Bournemouth and Poole rows merged into one BCP row
    (E06000058), the Dorset row recoded E06000059 (the real BCP also took Christchurch from
    Dorset; the stand-in only tests the codes)."""
    sheets = real_sheets(path)
    for sheet in (la_sheet(sheets, w) for w in ("type of care", "responsible", "reason")):
        sheet.rows[4][2] = "April 2019"
        b, p = find_row(sheet, "E06000028"), find_row(sheet, "E06000029")
        for c in number_columns(sheet):
            sheet.rows[b][c] += sheet.rows[p][c]
        sheet.rows[b][2:5] = ["E06000058", "839", "Bournemouth, Christchurch And Poole"]
        sheet.rows[find_row(sheet, "E10000009")][2:5] = ["E06000059", "838", "Dorset"]
        del sheet.rows[p]
    return sheets


def test_councils_of_april_2019(
    store: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = serve(monkeypatch, bcp_april_2019(), tmp_path / "LA-Type-B_April_19.xls")
    month = read_dtoc(path)
    assert month.period == date(2019, 4, 1)
    codes = set(month.rows["area_code"])
    assert {"E06000058", "E06000059"} <= codes
    assert not {"E06000028", "E06000029", "E10000009"} & codes
    assert len(codes) == 150
    load_dtoc(store, path)
    by_period = dict(
        store.execute(
            "SELECT period, list(DISTINCT area_code ORDER BY area_code) FROM dtoc_days "
            "WHERE area_code IN ('E06000028', 'E06000029', 'E10000009', 'E06000058', "
            "'E06000059') GROUP BY 1"
        ).fetchall()
    )
    assert by_period[date(2019, 4, 1)] == ["E06000058", "E06000059"]
    assert by_period[date(2018, 7, 1)] == ["E06000028", "E06000029", "E10000009"]


def test_old_and_new_dorset_councils_in_one_month() -> None:
    sheets = real_sheets(JULY_18)
    for sheet in (la_sheet(sheets, w) for w in ("type of care", "responsible", "reason")):
        sheet.rows[find_row(sheet, "E06000028")][2] = "E06000058"  # Bournemouth given BCP's code
    with pytest.raises(LoadError) as err:
        parse_dtoc_sheets(JULY_18, sheets)
    e = err.value
    assert "E06000058" in e.message and "E06000029" in e.message  # BCP and Poole
    sheet = la_sheet(sheets, "type of care")
    assert (e.sheet, e.row, e.field) == (
        sheet.name,
        find_row(sheet, "E06000058") + 1,
        "ONS Geography",
    )


def test_gateshead_old_ons_code_is_stored_under_the_current_one() -> None:
    sheets = real_sheets(AUG_16)
    for sheet in (la_sheet(sheets, w) for w in ("type of care", "responsible", "reason")):
        sheet.rows[find_row(sheet, "E08000037")][2] = "E08000020"
    month = parse_dtoc_sheets(AUG_16, sheets)
    assert "E08000037" in set(month.rows["area_code"])
    assert "E08000020" not in set(month.rows["area_code"])


# --- damaged copies of every layout ------------------------------------------------------------


def _text_in_number(sheets: dict[str, FakeSheet]) -> tuple[str, int | None, str]:
    sheet = la_sheet(sheets, "reason")
    r, c = find_row(sheet, "Oxfordshire"), col(sheet, "E)")
    sheet.rows[r][c] = "twelve"
    return sheet.name, r + 1, sheet.rows[header_row(sheet)][c]


def _negative(sheets: dict[str, FakeSheet]) -> tuple[str, int | None, str]:
    sheet = la_sheet(sheets, "type of care")
    r = find_row(sheet, "Oxfordshire")
    sheet.rows[r][col(sheet, "Acute")] = -5.0
    return sheet.name, r + 1, "Acute"


def _missing_column(sheets: dict[str, FakeSheet]) -> tuple[str, int | None, str]:
    sheet = la_sheet(sheets, "type of care")
    c = col(sheet, "Non-Acute")
    for row in sheet.rows:
        del row[c]
    return sheet.name, header_row(sheet) + 1, "Non-Acute"


def _missing_sheet(sheets: dict[str, FakeSheet]) -> tuple[str, int | None, str | None]:
    del sheets[la_sheet(sheets, "responsible").name]
    return "LA - by responsible org", None, None


def _duplicated_row(sheets: dict[str, FakeSheet]) -> tuple[str, int | None, str]:
    sheet = la_sheet(sheets, "responsible")
    r = find_row(sheet, "Oxfordshire")
    sheet.rows.insert(r + 1, list(sheet.rows[r]))
    has_ons = "ONS Geography" in sheet.rows[header_row(sheet)]
    return sheet.name, r + 2, "ONS Geography" if has_ons else "Code"


def _period_outside_series(sheets: dict[str, FakeSheet]) -> tuple[str, int | None, str]:
    sheet = la_sheet(sheets, "type of care")
    sheet.rows[4][2] = "July 2031"
    return sheet.name, 5, "Period"


def _rows_cut_off(sheets: dict[str, FakeSheet]) -> tuple[str, int | None, str]:
    sheet = la_sheet(sheets, "reason")
    del sheet.rows[-20:]
    return sheet.name, england_row(sheet) + 1, sheet.rows[header_row(sheet)][col(sheet, "A)")]


def _unknown_council_code(sheets: dict[str, FakeSheet]) -> tuple[str, int | None, str]:
    sheet = la_sheet(sheets, "type of care")
    r = find_row(sheet, "Oxfordshire")
    header = sheet.rows[header_row(sheet)]
    sheet.rows[r][header.index("Code")] = "999"
    if "ONS Geography" in header:
        sheet.rows[r][header.index("ONS Geography")] = "-"
    return sheet.name, r + 1, "Code"


DAMAGES = {
    "text in a number cell": _text_in_number,
    "negative number": _negative,
    "missing column": _missing_column,
    "missing sheet": _missing_sheet,
    "duplicated row": _duplicated_row,
    "period outside the series": _period_outside_series,
    "rows cut off": _rows_cut_off,
    "unknown council code": _unknown_council_code,
}


@pytest.mark.parametrize("layout", sorted(LAYOUT_SAMPLES))
@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_copy(
    layout: str,
    damage: str,
    store: duckdb.DuckDBPyConnection,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    real = LAYOUT_SAMPLES[layout]
    sheets = real_sheets(real)
    sheet, row, field = DAMAGES[damage](sheets)
    path = serve(monkeypatch, sheets, tmp_path / f"damaged_{real.name}")
    with pytest.raises(LoadError) as err:
        read_dtoc(path)
    e = err.value
    assert (e.file, e.sheet, e.row, e.field) == (str(path), sheet, row, field), str(e)
    assert str(e).startswith(f"{path.name}, sheet {sheet!r}")
    before = counts(store)
    with pytest.raises(LoadErrors) as errs:
        load_dtoc(store, [JULY_18, path])  # July is in the store already: a no-op
    assert [x.file for x in errs.value.errors] == [str(path)]
    assert counts(store) == before


def test_truncated_file(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "May_14_truncated.xls"
    data = LAYOUT_SAMPLES["2014 Region"].read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(LoadError, match=r"not a readable \.xls workbook|cannot read") as err:
        read_dtoc(path)
    assert err.value.file == str(path)
    before = counts(store)
    with pytest.raises(LoadErrors):
        load_dtoc(store, path)
    assert counts(store) == before


def test_every_bad_file_is_reported_in_one_run(
    store: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    damaged = {}
    for name, real in LAYOUT_SAMPLES.items():
        sheets = real_sheets(real)
        _negative(sheets)
        damaged[tmp_path / f"{name}.xls"] = FakeBook(sheets)
    for path in damaged:
        path.write_bytes(path.name.encode())
    monkeypatch.setattr(dtoc, "_open_workbook", lambda p: damaged[Path(p)])
    before = counts(store)
    with pytest.raises(LoadErrors) as err:
        load_dtoc(store, list(damaged))
    assert [e.file for e in err.value.errors] == [str(p) for p in damaged]
    assert all(e.field == "Acute" and e.row for e in err.value.errors)
    assert counts(store) == before


# --- arithmetic (hypothesis) -------------------------------------------------------------------

COUNCILS = sorted(nhs_council_codes().values(), key=lambda c: c.nhs_code)
HEADERS = {
    "type_of_care": ["Acute", "Non-Acute"],
    "responsible_org": ["NHS", "Social Care", "Both"],
    "reason": [f"{code.upper()}) REASON {code}" for code in REASON_CODES[:-1]],
}
NAMES = {
    "type_of_care": "LA - by Type of Care",
    "responsible_org": "LA - by responsible org",
    "reason": "LA - by reason",
}


def _split(draw: Any, total: int, parts: int) -> list[int]:
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1)))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


@st.composite
def old_layout_month(draw: Any) -> tuple[dict[str, FakeSheet], dict[str, dict[str, list[int]]]]:
    """A small 2011-style month (SHA, NHS codes only): random whole days that add up."""
    councils = draw(st.lists(st.sampled_from(COUNCILS), min_size=1, max_size=6, unique=True))
    values: dict[str, dict[str, list[int]]] = {b: {} for b in HEADERS}
    for council in councils:
        total = draw(st.integers(0, 5000))
        for breakdown, headers in HEADERS.items():
            values[breakdown][council.ons_code] = _split(draw, total, len(headers))
    sheets = {}
    for breakdown, headers in HEADERS.items():
        top: list[list[Any]] = [[""] for _ in range(13)]
        top[4] = ["", "Period:", "May 2012"]
        body = [
            ["", "-", c.nhs_code, c.name, *map(float, values[breakdown][c.ons_code])]
            for c in councils
        ]
        body = [[*row, float(sum(row[4:]))] for row in body]
        england = [sum(row[c] for row in body) for c in range(4, 5 + len(headers))]
        rows = [
            *top,
            ["", "SHA", "Code", "Name", *headers, "TOTAL"],
            ["", "-", "-", "England", *england],
            [""],
            *body,
        ]
        sheets[NAMES[breakdown]] = FakeSheet(NAMES[breakdown], rows)
    return sheets, values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old_layout_month())
def test_random_months_read_back_exactly(month: Any) -> None:
    sheets, values = month
    parsed = parse_dtoc_sheets("generated.xls", sheets)
    for breakdown, by_area in values.items():
        part = parsed.rows[parsed.rows["breakdown"] == breakdown]
        for code, days in by_area.items():
            assert part.loc[part["area_code"] == code, "days"].tolist() == days
    assert parsed.published_england_total == sum(sum(v) for v in values["type_of_care"].values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old_layout_month(), st.integers(1, 1000), st.data())
def test_any_changed_number_is_found(month: Any, change: int, data: Any) -> None:
    sheets, _ = month
    sheet = sheets[data.draw(st.sampled_from(sorted(sheets)))]
    r = data.draw(st.integers(16, len(sheet.rows) - 1))  # a council row
    c = data.draw(st.integers(4, len(sheet.rows[r]) - 2))  # a category cell, not Total
    sheet.rows[r][c] += change
    with pytest.raises(LoadError) as err:
        parse_dtoc_sheets("generated.xls", sheets)
    assert (err.value.sheet, err.value.row, err.value.field) == (sheet.name, r + 1, "TOTAL")


@given(st.integers(0, 10**9))
def test_whole_numbers_with_or_without_thousands_separators(n: int) -> None:
    kw = {"file": "f.xls", "sheet": "s", "row": 1, "field": "x"}
    assert parse_days(float(n), **kw) == (n, False)
    assert parse_days(f"{n:,}", **kw) == (n, False)
    assert parse_days(str(n), **kw) == (n, False)
    if n:
        with pytest.raises(LoadError, match="negative"):
            parse_days(float(-n), **kw)
