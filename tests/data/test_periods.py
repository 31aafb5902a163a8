"""The period window every loader accepts (January 2000 to the month after the current one;
years 2000 to the current year): the window itself, and each loader refusing a period outside
it with the file, row and field (counts, population CSVs and workbooks, A&E, MAR, ASCOF,
Oflog; person-level episodes are in test_episodes_safety.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from mar_helpers import real_sheet, write_xlsx

from lsr.data.counts import read_counts
from lsr.data.errors import LoadError
from lsr.data.periods import (
    FIRST_MONTH,
    check_month,
    check_year,
    in_window,
    last_day,
    last_month,
    month_add,
)
from lsr.data.population import read_population_csv
from lsr.data.sources.ae import read_ae
from lsr.data.sources.ascof import read_ascof
from lsr.data.sources.mar import read_mar
from lsr.data.sources.oflog import read_oflog
from lsr.data.sources.ons_mye import parse_ons_mye_sheets, workbook_grids

from raw_data import RAW

TODAY = date.today()
NEXT = last_month()
AFTER = month_add(NEXT, 1)


def test_the_window() -> None:
    assert date(2000, 1, 1) == FIRST_MONTH
    assert last_month(date(2026, 12, 15)) == date(2027, 1, 1)
    assert last_day(date(2026, 12, 15)) == date(2027, 1, 31)
    assert last_day(date(2024, 1, 31)) == date(2024, 2, 29)
    assert in_window(date(2000, 1, 31)) and not in_window(date(1999, 12, 31))
    assert in_window(NEXT) and not in_window(AFTER)
    assert check_month(date(2018, 7, 19), file="f", row=2, field="period") == date(2018, 7, 1)
    for bad in (date(1, 1, 1), date(1999, 12, 1), AFTER, date(9999, 12, 1)):
        with pytest.raises(LoadError, match="outside the months this loader accepts") as err:
            check_month(bad, file="f.csv", row=7, field="period")
        assert (err.value.row, err.value.field) == (7, "period")
    narrow = {"first": date(2010, 8, 1), "last": date(2020, 2, 1)}
    with pytest.raises(LoadError, match="August 2010 to February 2020"):
        check_month(date(2020, 3, 1), file="f", row=1, field="p", **narrow)
    assert check_year(2000, file="f", row=1, field="year") == 2000
    assert check_year(TODAY.year, file="f", row=1, field="year") == TODAY.year
    for year in (1900, 1999, TODAY.year + 1, 2100):
        with pytest.raises(LoadError, match=f"year {year} is outside"):
            check_year(year, file="f", row=1, field="year")


# --- counts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period", ["0001-01", "9999-12", "1999-12", f"{AFTER:%Y-%m}", "1900Q1", "9998-12-31"]
)
def test_counts_refuse_periods_outside_the_window(tmp_path: Path, period: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "indicator,area_code,period,numerator,denominator\n"
        "long_stays_65,E10000025,2018-07,1,10\n"
        f"long_stays_65,E10000025,{period},1,10\n"
    )
    with pytest.raises(LoadError, match="outside the months") as err:
        read_counts(path)
    assert (err.value.row, err.value.field) == (3, "period")


def test_counts_accept_the_window_edges(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "indicator,area_code,period,numerator,denominator\n"
        "long_stays_65,E10000025,2000-01,1,10\n"
        f"long_stays_65,E10000025,{NEXT:%Y-%m},1,10\n"
    )
    assert sorted(read_counts(path)["period"]) == [FIRST_MONTH, NEXT]


# --- population ----------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["1900", "1999", str(TODAY.year + 1), "2100"])
def test_population_csv_refuses_years_outside_the_window(tmp_path: Path, year: str) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "area_code,area_name,year,age_band,population\n"
        "E10000025,Oxfordshire,2017,all,680000\n"
        f"E10000025,Oxfordshire,{year},all,680000\n"
    )
    with pytest.raises(LoadError, match=f"year {year} is outside") as err:
        read_population_csv(path)
    assert (err.value.row, err.value.field) == (3, "year")


def test_population_workbook_refuses_a_title_year_outside_the_window() -> None:
    path = RAW / "ons-mye" / "ons_mye_2017_la_single_year_age.xls"
    grids = workbook_grids(path)
    for grid in grids.values():
        for row in grid.rows[:10]:
            for i, value in enumerate(row):
                if isinstance(value, str) and "mid-2017" in value:
                    row[i] = value.replace("mid-2017", "mid-1900")
    with pytest.raises(LoadError, match="year 1900 is outside") as err:
        parse_ons_mye_sheets(path, grids)
    assert (err.value.row, err.value.field) == (1, "title")


# --- national sources ----------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "says"), [("1999-12-01", "outside"), ("2200-01-01", "future")])
def test_ae_refuses_months_outside_the_window(tmp_path: Path, period: str, says: str) -> None:
    path = tmp_path / "ae.csv"
    path.write_text(
        "period,org_code,type,attendances,breaches,admissions\n"
        "2017-03-01,RF4,1,21289,2879,5060\n"
        f"{period},RF4,2,813,22,0\n"
    )
    with pytest.raises(LoadError, match=says) as err:
        read_ae(path)
    assert (err.value.row, err.value.field) == (3, "period")


def test_mar_refuses_a_workbook_month_outside_the_window(tmp_path: Path) -> None:
    sheet = real_sheet(RAW / "mar-commissioner" / "Jul_18.xls")
    assert sheet.rows[4][1:3] == ["Period:", "July 2018"]
    sheet.rows[4][2] = "April 1900"
    path = write_xlsx(tmp_path / "Jul_18.xlsx", {sheet.name: sheet})
    with pytest.raises(LoadError, match="April 1900 is outside") as err:
        read_mar(path)
    assert (err.value.row, err.value.field) == (5, "Period")


def test_ascof_refuses_a_financial_year_outside_the_window(tmp_path: Path) -> None:
    lines = (RAW / "ascof" / "ascof_final_data_2021.csv").read_text().splitlines()[:3]
    future = TODAY.year + 3
    lines[2] = lines[2].rsplit(",", 1)[0] + f",{future}"
    path = tmp_path / "ascof_final_data.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError, match=f"year starting {future - 1} is outside") as err:
        read_ascof(path)
    assert (err.value.row, err.value.field) == (3, "Year")


def test_oflog_refuses_a_financial_year_outside_the_window(tmp_path: Path) -> None:
    lines = (RAW / "oflog_asc_metrics.csv").read_text().splitlines()[:3]
    start = TODAY.year + 2
    lines[2] = f"{start}-{(start + 1) % 100:02d}," + lines[2].split(",", 1)[1]
    path = tmp_path / "oflog.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError, match=f"starting {start} is outside") as err:
        read_oflog(path)
    assert (err.value.row, err.value.field) == (3, "Financial year")
