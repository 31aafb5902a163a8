"""A&E attendances by provider: every real file in data/raw/ae, both layouts, broken copies.

The NHS England monthly provider CSV is tested on copies *rebuilt from the real March 2017
figures* of the NHSRdatasets file in each header wording NHS England has used (2019-20, 2020,
booked appointments from August 2020): a reconstruction of the published layout, not a
published file. Only Oxford University Hospitals (RTH) gets its real published name."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lsr.data.errors import LoadError, LoadErrors
from lsr.data.sources import ae
from lsr.data.sources.ae import (
    LAYOUT_NHS_ENGLAND,
    LAYOUT_NHSRDATASETS,
    AeFile,
    classify_column,
    load_ae,
    parse_period,
    read_ae,
)
from lsr.data.sources.trust_catchment import load_catchment
from lsr.data.store import connect

from raw_data import RAW

AE_FILES = sorted(RAW.glob("ae/ae_attendances*.csv"))
TIDY = RAW / "ae" / "ae_attendances_provider_2016_2019.csv"
MAPPING = RAW / "ae" / "trust_utla_mapping.csv"
MARCH_2017 = date(2017, 3, 1)
RTH_NAME = "OXFORD UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"
TABLES = ("ae_activity", "ae_provider_names", "trust_catchment", "loads")


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}


def raw_frame(path: Path = TIDY) -> pd.DataFrame:
    """The real file read independently of the loader (pandas, no validation)."""
    return pd.read_csv(path, dtype={"type": str})


@pytest.fixture(scope="module")
def tidy() -> AeFile:
    return read_ae(TIDY)


@pytest.fixture(scope="module")
def loaded() -> duckdb.DuckDBPyConnection:
    """A store holding the real A&E file and mapping (failed loads must leave it as it is)."""
    con = connect(":memory:")
    load_ae(con, TIDY)
    load_catchment(con, MAPPING)
    return con


# --- every real file -----------------------------------------------------------------------------


def test_real_files_are_found() -> None:
    assert AE_FILES, "no A&E files in data/raw/ae"


@pytest.mark.parametrize("path", AE_FILES, ids=lambda p: p.name)
def test_every_real_file_reads_completely(path: Path) -> None:
    parsed = read_ae(path)
    raw = raw_frame(path)
    assert parsed.layout == LAYOUT_NHSRDATASETS
    assert len(parsed.rows) == len(raw)  # no row has all three counts zero
    assert set(parsed.rows["dept_type"]) <= {"1", "2", "other"}
    assert (parsed.rows["breaches"] <= parsed.rows["attendances"]).all()
    by_month = parsed.rows.groupby("period")[["attendances", "breaches", "admissions"]].sum()
    expected = raw.groupby("period")[["attendances", "breaches", "admissions"]].sum()
    expected.index = [date.fromisoformat(p) for p in expected.index]
    assert by_month.equals(expected.astype(float))


def test_periods_and_providers_of_the_nhsrdatasets_file(tidy: AeFile) -> None:
    assert tidy.periods[0] == date(2016, 4, 1)
    assert tidy.periods[-1] == date(2019, 3, 1)
    assert len(tidy.periods) == 36
    assert tidy.rows["org_code"].nunique() == 274
    assert len(tidy.rows) == 12_765


def test_check_figure_oxford_university_hospitals_march_2017(tidy: AeFile) -> None:
    rth = tidy.rows[
        (tidy.rows["org_code"] == "RTH")
        & (tidy.rows["period"] == MARCH_2017)
        & (tidy.rows["dept_type"] == "1")
    ]
    assert rth[["attendances", "breaches"]].values.tolist() == [[11_198, 1_676]]


def test_check_figure_in_the_store(loaded: duckdb.DuckDBPyConnection) -> None:
    row = loaded.execute(
        "SELECT attendances, breaches FROM ae_activity WHERE org_code = 'RTH' "
        "AND period = DATE '2017-03-01' AND dept_type = '1'"
    ).fetchall()
    assert row == [(11_198.0, 1_676.0)]


def test_first_load_and_reload(tmp_path: Path) -> None:
    con = connect(":memory:")
    summary = load_ae(con, TIDY)
    assert (summary.files_loaded, summary.rows_inserted) == (1, 12_765)
    before = counts(con)
    again = load_ae(con, TIDY)
    assert (again.files_loaded, again.files_skipped, again.rows_inserted) == (0, 1, 0)
    assert counts(con) == before
    copy = tmp_path / "resaved.csv"
    copy.write_text(TIDY.read_text() + "\n\n")  # other bytes, same numbers
    resaved = load_ae(con, copy)
    assert (resaved.files_skipped, resaved.rows_inserted) == (1, 0)
    assert counts(con)["ae_activity"] == before["ae_activity"]


# --- the NHS England layout, rebuilt from the real March 2017 figures ----------------------------

WORDINGS = {
    "2019-20": {
        "attendances": "Number of A&E attendances {}",
        "breaches": "Number of attendances over 4hrs {}",
        "admissions": "Emergency admissions via A&E - {}",
        "other": ("Other A&E Department", "Other A&E Department", "Other A&E department"),
        "booked": False,
    },
    "2020": {
        "attendances": "A&E attendances {}",
        "breaches": "Attendances over 4hrs {}",
        "admissions": "Emergency admissions via A&E - {}",
        "other": ("Other A&E Department", "Other Department", "Other A&E department"),
        "booked": False,
    },
    "booked": {
        "attendances": "A&E attendances {}",
        "breaches": "Attendances over 4hrs {}",
        "admissions": "Emergency admissions via A&E - {}",
        "other": ("Other A&E Department", "Other Department", "Other A&E department"),
        "booked": True,
    },
}


def nhs_england_csv(
    rows: pd.DataFrame,
    wording: str = "2020",
    *,
    total: str | None = "Period",
    title_rows: int = 0,
    junk_columns: int = 0,
) -> str:
    """One month of ``rows`` (the loader's columns) written in NHS England's CSV layout."""
    w = WORDINGS[wording]
    kinds = ("1", "2", "other")

    def name(measure: str, dept: str, booked: bool = False) -> str:
        label = {"1": "Type 1", "2": "Type 2"}.get(dept) or w["other"][MEASURE_INDEX[measure]]
        if booked:
            label = f"Booked Appointments {label}"
        return w[measure].format(label)

    header = ["Period", "Org Code", "Parent Org", "Org name"]
    header += [name("attendances", d) for d in kinds]
    if w["booked"]:
        header += [name("attendances", d, True) for d in kinds]
    header += [name("breaches", d) for d in kinds]
    if w["booked"]:
        header += [name("breaches", d, True) for d in kinds]
    header += [
        "Patients who have waited 4-12 hs from DTA to admission",
        "Patients who have waited 12+ hrs from DTA to admission",
    ]
    header += [name("admissions", d) for d in kinds]
    header += ["Other emergency admissions"]
    header += [""] * junk_columns
    period = rows["period"].iloc[0]
    label = f"MSitAE-{period:%B-%Y}".upper().replace("MSITAE", "MSitAE")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for _ in range(title_rows):
        writer.writerow(["A&E Attendances and Emergency Admissions"])
    writer.writerow(header)
    totals: dict[str, float] = dict.fromkeys(header[4:], 0.0)
    for code, group in rows.groupby("org_code", sort=True):
        by = {r["dept_type"]: r for _, r in group.iterrows()}
        values: dict[str, float] = {}
        for d in kinds:
            r = by.get(d)
            att = float(r["attendances"]) if r is not None else 0.0
            br = float(r["breaches"]) if r is not None else 0.0
            adm = float(r["admissions"]) if r is not None else 0.0
            if w["booked"]:  # a tenth of them booked: the loader must add them back
                b_att, b_br = att // 10, min(br, att // 10) // 2
                values[name("attendances", d, True)] = b_att
                values[name("breaches", d, True)] = b_br
                att, br = att - b_att, br - b_br
            values[name("attendances", d)] = att
            values[name("breaches", d)] = br
            values[name("admissions", d)] = adm
        values["Patients who have waited 4-12 hs from DTA to admission"] = 0
        values["Patients who have waited 12+ hrs from DTA to admission"] = 0
        values["Other emergency admissions"] = 0
        cells = [label, code, "", RTH_NAME if code == "RTH" else ""]
        cells += [f"{values.get(h, 0):.0f}" for h in header[4:] if h]
        writer.writerow(cells + [""] * junk_columns)
        for h in header[4:]:
            if h:
                totals[h] += values.get(h, 0)
    if total is not None:
        cells = ["TOTAL" if total == "Period" else label, "TOTAL" if total == "Org Code" else ""]
        cells += ["", ""] + [f"{totals[h]:.0f}" for h in header[4:] if h]
        writer.writerow(cells + [""] * junk_columns)
    return out.getvalue()


MEASURE_INDEX = {"attendances": 0, "breaches": 1, "admissions": 2}


@pytest.fixture(scope="module")
def march(tidy: AeFile) -> pd.DataFrame:
    rows = tidy.rows[tidy.rows["period"] == MARCH_2017]
    return rows.sort_values(["org_code", "dept_type"]).reset_index(drop=True)


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    cols = ["org_code", "period", "dept_type", "attendances", "breaches", "admissions"]
    left = a[cols].sort_values(cols[:3]).reset_index(drop=True)
    right = b[cols].sort_values(cols[:3]).reset_index(drop=True)
    return left.equals(right)


@pytest.mark.parametrize("wording", list(WORDINGS))
def test_nhs_england_layout_every_wording(
    wording: str, march: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / f"March-2017-AE-by-provider-{wording}.csv"
    path.write_text(nhs_england_csv(march, wording))
    parsed = read_ae(path)
    assert parsed.layout == LAYOUT_NHS_ENGLAND
    assert parsed.periods == [MARCH_2017]
    assert _same_rows(parsed.rows, march)
    assert parsed.published_total_row == march["org_code"].nunique() + 2
    assert parsed.names.to_dict("records") == [
        {"org_code": "RTH", "period": MARCH_2017, "org_name": RTH_NAME, "parent_org": None}
    ]
    if wording == "booked":
        assert "Booked" in parsed.fields[("1", "attendances")]


@pytest.mark.parametrize(
    ("options", "encoding"),
    [
        ({"total": "Org Code"}, "utf-8"),
        ({"total": None}, "utf-8"),
        ({"title_rows": 2}, "utf-8"),
        ({"junk_columns": 6}, "utf-8-sig"),
        ({}, "cp1252"),
    ],
    ids=["total-in-org-code", "no-total-row", "title-rows", "bom-and-blank-columns", "cp1252"],
)
def test_nhs_england_layout_variations(
    options: dict[str, object], encoding: str, march: pd.DataFrame, tmp_path: Path
) -> None:
    text = nhs_england_csv(march, "booked", **options)  # type: ignore[arg-type]
    if encoding == "cp1252":
        text = text.replace(RTH_NAME, RTH_NAME.replace("OXFORD", "OXFORD \u2013"))
    path = tmp_path / "provider.csv"
    path.write_bytes(text.encode(encoding))
    parsed = read_ae(path)
    assert _same_rows(parsed.rows, march)


def test_same_month_in_both_layouts_adds_no_activity(march: pd.DataFrame, tmp_path: Path) -> None:
    con = connect(":memory:")
    load_ae(con, TIDY)
    path = tmp_path / "March-2017.csv"
    path.write_text(nhs_england_csv(march, "2019-20"))
    before = counts(con)
    summary = load_ae(con, path)
    after = counts(con)
    assert after["ae_activity"] == before["ae_activity"]
    assert after["ae_provider_names"] == before["ae_provider_names"] + 1
    assert summary.rows_inserted == 1  # the provider name only


def test_revised_month_with_different_numbers_is_an_error(
    loaded: duckdb.DuckDBPyConnection, march: pd.DataFrame, tmp_path: Path
) -> None:
    revised = march.copy()
    rth = (revised["org_code"] == "RTH") & (revised["dept_type"] == "1")
    revised.loc[rth, "attendances"] += 10
    path = tmp_path / "March-2017-revised.csv"
    text = nhs_england_csv(revised, "2020")
    path.write_text(text)
    before = counts(loaded)
    with pytest.raises(LoadErrors) as info:
        load_ae(loaded, path)
    e = info.value.errors[0]
    assert e.file == str(path)
    assert e.field == "A&E attendances Type 1"
    assert text.splitlines()[e.row - 1].split(",")[1] == "RTH"
    assert "RTH type 1 in March 2017" in e.message
    assert "11,198" in e.message and "11,208" in e.message
    assert counts(loaded) == before


# --- broken copies of the real NHSRdatasets file -------------------------------------------------


def _lines() -> list[str]:
    return TIDY.read_text().splitlines()


def _line_of(lines: list[str], prefix: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


RTH_T1 = "2017-03-01,RTH,1,"


def _replace(cell: int, value: str) -> callable:  # type: ignore[valid-type]
    def damage(lines: list[str]) -> tuple[list[str], int]:
        i = _line_of(lines, RTH_T1)
        parts = lines[i].split(",")
        parts[cell] = value
        lines[i] = ",".join(parts)
        return lines, i + 1

    return damage


def _duplicate(lines: list[str]) -> tuple[list[str], int]:
    i = _line_of(lines, RTH_T1)
    lines.insert(i + 50, lines[i])
    return lines, i + 51


def _truncate(lines: list[str]) -> tuple[list[str], int]:
    keep = len(lines) // 2
    lines = lines[:keep]
    parts = lines[-1].split(",")
    lines[-1] = ",".join([*parts[:3], parts[3][:2]])  # cut inside the last row's attendances
    return lines, keep


def _drop_column(name: str) -> callable:  # type: ignore[valid-type]
    def damage(lines: list[str]) -> tuple[list[str], int]:
        c = lines[0].split(",").index(name)
        return [",".join(p for j, p in enumerate(line.split(",")) if j != c) for line in lines], 1

    return damage


BROKEN = {
    "text-in-number": (_replace(3, "11l98"), "attendances", "is not a number"),
    "negative": (_replace(4, "-5"), "breaches", "negative"),
    "blank": (_replace(5, ""), "admissions", "missing value"),
    "suppressed": (_replace(3, "*"), "attendances", "suppressed"),
    "fraction": (_replace(3, "11198.5"), "attendances", "whole number"),
    "more-breaches-than-attendances": (_replace(4, "20000"), "breaches", "only 11,198"),
    "not-first-of-month": (_replace(0, "2017-03-15"), "period", "first day of a month"),
    "impossible-month": (_replace(0, "2017-13-01"), "period", "is not a month"),
    "future-period": (_replace(0, "2091-03-01"), "period", "in the future"),
    "unknown-type": (_replace(2, "4x"), "type", "department type"),
    "bad-org-code": (_replace(1, "R T H"), "org_code", "organisation code"),
    "duplicated-row": (_duplicate, "org_code", "appears twice"),
    "truncated": (_truncate, "breaches", "truncated"),
    "missing-column": (_drop_column("breaches"), "breaches", "missing column"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_copy_is_a_load_error_and_store_unchanged(
    case: str, loaded: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    damage, field, message = BROKEN[case]
    lines, row = damage(_lines())
    path = tmp_path / f"ae_{case}.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError) as err:
        read_ae(path)
    e = err.value
    assert (e.file, e.row, e.field) == (str(path), row, field)
    assert message in e.message
    assert str(e).startswith(f"{path.name}, row {row}, field {field!r}: ")
    before = counts(loaded)
    with pytest.raises(LoadErrors) as info:
        load_ae(loaded, path)
    assert info.value.errors[0].row == row
    assert counts(loaded) == before


def test_nil_marker_is_zero(tmp_path: Path) -> None:
    lines, _ = _replace(5, "-")(_lines())
    path = tmp_path / "nil.csv"
    path.write_text("\n".join(lines) + "\n")
    rows = read_ae(path).rows
    rth = rows[(rows["org_code"] == "RTH") & (rows["period"] == MARCH_2017)]
    assert rth.loc[rth["dept_type"] == "1", "admissions"].item() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 rest of a zip", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "Excel workbook"),
        (b"year,utla_code,utla_name\n2017,E10000025,Oxfordshire\n", "no header row"),
        (b"a,b\x00,c\n", "NUL"),
    ],
    ids=["empty", "xlsx", "xls", "another-csv", "binary"],
)
def test_not_an_ae_file(
    content: bytes, message: str, loaded: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "ae.csv"
    path.write_bytes(content)
    before = counts(loaded)
    with pytest.raises(LoadErrors) as info:
        load_ae(loaded, path)
    assert message in info.value.errors[0].message
    assert info.value.errors[0].file == str(path)
    assert counts(loaded) == before


def test_missing_file() -> None:
    with pytest.raises(LoadError, match="not found"):
        read_ae(Path("/nonexistent/ae.csv"))


def test_every_bad_file_is_listed_and_skip_bad_loads_the_good(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    lines, _ = _replace(3, "n/a")(_lines())
    bad.write_text("\n".join(lines) + "\n")
    con = connect(":memory:")
    with pytest.raises(LoadErrors):
        load_ae(con, [TIDY, bad])
    assert counts(con)["ae_activity"] == 0
    summary = load_ae(con, [TIDY, bad], skip_bad=True)
    assert summary.files_loaded == 1 and len(summary.bad) == 1
    assert summary.bad[0].file == str(bad)
    assert counts(con)["ae_activity"] == 12_765


# --- broken copies of the NHS England layout -----------------------------------------------------


def _nhse_lines(march: pd.DataFrame, wording: str = "2020") -> list[str]:
    return nhs_england_csv(march, wording).splitlines()


def _cell_edit(lines: list[str], code: str, column: str, value: str) -> int:
    header = next(csv.reader([lines[0]]))
    for i, line in enumerate(lines):
        cells = next(csv.reader([line]))
        if len(cells) > 1 and cells[1] == code:
            cells[header.index(column)] = value
            out = io.StringIO()
            csv.writer(out, lineterminator="").writerow(cells)
            lines[i] = out.getvalue()
            return i + 1
    raise AssertionError(code)


def test_nhse_text_in_a_count(march: pd.DataFrame, tmp_path: Path) -> None:
    lines = _nhse_lines(march)
    row = _cell_edit(lines, "RTH", "Attendances over 4hrs Type 1", "1,6x6")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(LoadError) as err:
        read_ae(path)
    assert (err.value.row, err.value.field) == (row, "Attendances over 4hrs Type 1")


def test_nhse_changed_count_disagrees_with_total_row(march: pd.DataFrame, tmp_path: Path) -> None:
    lines = _nhse_lines(march)
    _cell_edit(lines, "RTH", "Emergency admissions via A&E - Type 1", "3200")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(LoadError) as err:
        read_ae(path)
    assert err.value.row == len(lines)  # the TOTAL row
    assert err.value.field == "Emergency admissions via A&E - Type 1"
    assert "TOTAL row" in err.value.message


def test_nhse_row_with_another_month(march: pd.DataFrame, tmp_path: Path) -> None:
    lines = _nhse_lines(march)
    row = _cell_edit(lines, "RTH", "Period", "MSitAE-APRIL-2017")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(LoadError) as err:
        read_ae(path)
    assert (err.value.row, err.value.field) == (row, "Period")
    assert "April 2017 differs from the file's period March 2017" in err.value.message


def test_nhse_duplicated_provider(march: pd.DataFrame, tmp_path: Path) -> None:
    lines = _nhse_lines(march)
    i = next(i for i, line in enumerate(lines) if ",RTH," in line)
    lines.insert(i + 3, lines[i])
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(LoadError) as err:
        read_ae(path)
    assert (err.value.row, err.value.field) == (i + 4, "Org Code")
    assert f"also row {i + 1}" in err.value.message


def test_nhse_missing_column(march: pd.DataFrame, tmp_path: Path) -> None:
    lines = _nhse_lines(march)
    header = next(csv.reader([lines[0]]))
    c = header.index("Attendances over 4hrs Type 2")
    rows = [next(csv.reader([line])) for line in lines]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:c] + r[c + 1 :] for r in rows])
    path = tmp_path / "bad.csv"
    path.write_text(out.getvalue())
    with pytest.raises(LoadError) as err:
        read_ae(path)
    assert (err.value.row, err.value.field) == (1, "Attendances over 4hrs Type 2")


def test_nhse_blank_is_zero_and_the_total_row_catches_a_blanked_count(
    march: pd.DataFrame, tmp_path: Path
) -> None:
    lines = nhs_england_csv(march, "booked").splitlines()
    _cell_edit(lines, "RTH", "A&E attendances Booked Appointments Type 2", "")
    _cell_edit(lines, "RTH", "Attendances over 4hrs Booked Appointments Type 2", "")
    path = tmp_path / "booked.csv"
    path.write_text("\n".join(lines[:-1]))  # without the TOTAL row, which no longer adds up
    rows = read_ae(path).rows
    rth2 = rows[(rows["org_code"] == "RTH") & (rows["dept_type"] == "2")]
    assert rth2["attendances"].item() == 1797 - 1797 // 10
    path.write_text("\n".join(lines))  # with it
    with pytest.raises(LoadError, match="TOTAL row") as err:
        read_ae(path)
    assert (err.value.row, err.value.field) == (
        len(lines),
        "A&E attendances Booked Appointments Type 2",
    )


def test_nhse_blank_total_cell_is_not_checked(march: pd.DataFrame, tmp_path: Path) -> None:
    lines = _nhse_lines(march)
    _cell_edit(lines, "RTH", "A&E attendances Type 2", "")
    cells = next(csv.reader([lines[-1]]))
    header = next(csv.reader([lines[0]]))
    cells[header.index("A&E attendances Type 2")] = ""
    lines[-1] = ",".join(cells)
    path = tmp_path / "blank_total.csv"
    path.write_text("\n".join(lines))
    rows = read_ae(path).rows
    rth2 = rows[(rows["org_code"] == "RTH") & (rows["dept_type"] == "2")]
    assert rth2["attendances"].item() == 0


def test_nhse_truncated_row(march: pd.DataFrame, tmp_path: Path) -> None:
    lines = _nhse_lines(march)
    cut = len(lines) // 2
    lines = lines[:cut]
    lines[-1] = ",".join(lines[-1].split(",")[:9])
    path = tmp_path / "cut.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(LoadError, match="truncated") as err:
        read_ae(path)
    assert err.value.row == cut


# --- headers and periods -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Number of A&E attendances Type 1", ("attendances", "1", False)),
        ("A&E attendances Type 2", ("attendances", "2", False)),
        ("A&E attendances Other A&E Department", ("attendances", "other", False)),
        ("A&E attendances Booked Appointments Other Department", ("attendances", "other", True)),
        ("Number of attendances over 4hrs Other A&E Department", ("breaches", "other", False)),
        ("Attendances over 4hrs Booked Appointments Type 1", ("breaches", "1", True)),
        ("  attendances  over 4hrs TYPE 1 ", ("breaches", "1", False)),
        ("Emergency admissions via A&E - Other A&E department", ("admissions", "other", False)),
        ("Emergency Admissions via Type 3 and 4 A&E", ("admissions", "other", False)),
        ("Other emergency admissions", None),
        ("Patients who have waited 12+ hrs from DTA to admission", None),
        ("Org name", None),
    ],
)
def test_classify_column(header: str, expected: tuple[str, str, bool] | None) -> None:
    assert classify_column(header) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MSitAE-MARCH-2019", date(2019, 3, 1)),
        ("MSitAE-September-2018", date(2018, 9, 1)),
        ("March 2017", date(2017, 3, 1)),
        ("2017-03-01", date(2017, 3, 1)),
        ("2017-03", date(2017, 3, 1)),
    ],
)
def test_parse_period(text: str, expected: date) -> None:
    assert parse_period(text, file="f.csv", row=2, field="Period") == expected


def test_source_info() -> None:
    assert ae.SOURCE.kind == "ae"
    assert "Open Government Licence" in ae.SOURCE.licence
    assert set(ae.SOURCE.tables) == {"ae_activity", "ae_provider_names"}
    assert "CREATE TABLE IF NOT EXISTS ae_activity" in ae.SCHEMA
