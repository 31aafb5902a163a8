"""Delays by reason and responsible organisation on the real default store (NHS England DToC
workbooks for June, July and October 2018; ONS mid-2017 population) and the published England
rows of the real workbooks, against the check figures in docs and the regulator's report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import xlrd

from lsr.core.delay_reasons import ENGLAND_GIVEN, ENGLAND_SUMMED, DelayReasonsResult, delay_reasons
from lsr.core.geography import ENGLAND_CODE
from lsr.data.queries import comparator_groups, dtoc_breakdowns, indicator_counts
from lsr.data.sources.dtoc import read_dtoc_workbook

from raw_data import raw

OXFORDSHIRE = "E10000025"
JULY = date(2018, 7, 1)
DTOC_FILES = sorted(raw("dtoc").glob("*.xls"))
OLD_FILES = sorted(raw("dtoc-2011-2016").glob("*.xls"))  # before "O) Other" was collected
ORG_SHEET, REASON_SHEET = "LA - by responsible org", "LA - by reason"
AGENCY_HEADERS = {"NHS": "nhs", "Social Care": "social_care", "Both": "both"}


@pytest.fixture(scope="module")
def con(default_store_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(default_store_path), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def breakdowns(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return dtoc_breakdowns(con)


@pytest.fixture(scope="module")
def oxfordshire(con: duckdb.DuckDBPyConnection, breakdowns: pd.DataFrame) -> DelayReasonsResult:
    groups, _ = comparator_groups(con)
    return delay_reasons(breakdowns, OXFORDSHIRE, groups[OXFORDSHIRE])


def published_england(path: Path) -> tuple[date, pd.DataFrame]:
    """The England row of the reason and responsible-organisation sheets, read straight from
    the workbook with xlrd (independently of lsr's loader, which does not keep it). Works for
    every layout in data/raw (2011 to 2018): header found by ``Name`` and ``Total``."""
    book = xlrd.open_workbook(str(path))
    sheets = {n.casefold(): n for n in book.sheet_names()}
    rows = []
    month = None
    for sheet_name, breakdown in ((REASON_SHEET, "reason"), (ORG_SHEET, "responsible_org")):
        sheet = book.sheet_by_name(sheets[sheet_name.casefold()])
        cells = [[str(v).strip() for v in sheet.row_values(r)] for r in range(sheet.nrows)]
        period_row = next(r for r in cells[:12] if "Period:" in r)
        month = datetime.strptime(period_row[period_row.index("Period:") + 1], "%B %Y").date()
        header = next(
            i for i, r in enumerate(cells) if "Name" in r and "total" in [c.lower() for c in r]
        )
        names = cells[header]
        total_col = [c.lower() for c in names].index("total")
        england = next(r for r in cells[header + 1 :] if r[names.index("Name")] == "England")
        for col, name in enumerate(names[:total_col]):
            if breakdown == "reason" and ")" in name:
                code = name.split(")")[0].strip()
                category = {"DI": "Di", "DII": "Dii"}.get(code.upper(), code.upper())
            elif breakdown == "responsible_org" and name in AGENCY_HEADERS:
                category = AGENCY_HEADERS[name]
            else:
                continue
            rows.append(
                {
                    "area_code": ENGLAND_CODE,
                    "period": pd.Timestamp(month),
                    "breakdown": breakdown,
                    "category": category,
                    "days": float(england[col]),
                }
            )
    assert month is not None
    return month, pd.DataFrame(rows)


# --- the query ---------------------------------------------------------------------------------


def test_query_england_is_the_sum_of_english_councils(breakdowns: pd.DataFrame):
    july = breakdowns[breakdowns["period"] == pd.Timestamp(JULY)]
    england = july[july["area_code"] == ENGLAND_CODE]
    councils = july[july["area_code"] != ENGLAND_CODE]
    for breakdown in ("reason", "responsible_org"):
        assert england[england["breakdown"] == breakdown]["days"].sum() == 140_243
        assert councils[councils["breakdown"] == breakdown]["days"].sum() == 140_243
    assert set(breakdowns["breakdown"]) == {"reason", "responsible_org"}
    assert set(july[july["breakdown"] == "reason"]["category"]) == {
        "A", "B", "C", "Di", "Dii", "E", "F", "G", "H", "I", "O"
    }  # fmt: skip
    ox = july[(july["area_code"] == OXFORDSHIRE)]
    # the population of the period's year (mid-2018; the report's mid-2017 had 539,000)
    assert ox["adults"].unique().tolist() == [542_736]
    assert england["adults"].nunique() == 1
    # England's adults: the councils with delayed days that month (as the DToC rate's England)
    per_council = councils.groupby("area_code")["adults"].first()
    assert england["adults"].iloc[0] == per_council.sum()


def test_query_matches_the_dtoc_rate_of_the_profile(
    con: duckdb.DuckDBPyConnection, oxfordshire: DelayReasonsResult
):
    counts = indicator_counts(con)
    dtoc = counts[(counts["indicator"] == "dtoc_18") & (counts["area_code"] == OXFORDSHIRE)]
    for p in oxfordshire.periods:
        row = dtoc[dtoc["period"] == pd.Timestamp(p.period)].iloc[0]
        rate = sum(r.area.rate for r in p.reasons if r.area.rate is not None)
        assert rate == pytest.approx(row["numerator"] / row["denominator"] * 100_000)
    july = oxfordshire.period(JULY)
    assert july is not None
    # mid-2018 population (the CQC report's 20.6 used mid-2017: lsr profile --population-year)
    assert round(sum(r.area.rate or 0 for r in july.reasons), 1) == 20.5


# --- check figures ---------------------------------------------------------------------------


def test_oxfordshire_july_2018(oxfordshire: DelayReasonsResult):
    july = oxfordshire.period(JULY)
    assert july is not None and july.area_days == 3_445
    e = july.get("E")
    assert e is not None and round(e.area.share) == 43 and e.area.days == 1_480
    assert july.ranking[0] == "E"
    assert e.share_vs_england == "much higher" and e.share_vs_comparators == "much higher"
    care_home = july.get("care_home")
    assert care_home is not None
    # "fewer people were delayed for this reason than the comparator and England averages"
    assert care_home.rate_vs_england in ("lower", "much lower")
    assert care_home.rate_vs_comparators in ("lower", "much lower")
    assert oxfordshire.england_definition == ENGLAND_SUMMED
    # the whole shipped series: April 2011 - December 2016 and three 2018 months
    periods = [p.period for p in oxfordshire.periods]
    assert len(periods) == 72
    assert periods[0] == date(2011, 4, 1)
    assert periods[-3:] == [date(2018, 6, 1), JULY, date(2018, 10, 1)]


def test_england_july_2018_from_the_sum_of_councils(oxfordshire: DelayReasonsResult):
    """The sum of English councils (140,243 days) gives NHS 62.0%, not the published 61.9%,
    and E 21.6%, not 21.7%: the check figures reproduce only from the published row."""
    july = oxfordshire.period(JULY)
    assert july is not None and july.england_days == 140_243
    share = {c: july.get(c).england.share for c in ("nhs", "social_care", "both", "E", "C")}  # type: ignore[union-attr]
    assert {k: round(v, 1) for k, v in share.items()} == {
        "nhs": 62.0,
        "social_care": 30.1,
        "both": 7.9,
        "E": 21.6,
        "C": 17.1,
    }


def test_england_july_2018_from_the_published_row(breakdowns: pd.DataFrame):
    """The check figures (140,938 days; NHS 61.9%, social care 30.1%, both 7.9%; E 21.7%,
    C 17.1%) come from the published England row, which counts residents outside England."""
    month, published = published_england(raw("dtoc", "LA-Type-B_July_18.xls"))
    assert month == JULY
    councils = breakdowns[breakdowns["area_code"] != ENGLAND_CODE]
    res = delay_reasons(pd.concat([councils, published]), OXFORDSHIRE)
    july = res.period(JULY)
    assert july is not None and july.england_days == 140_938
    assert res.england_definition == ENGLAND_GIVEN
    got = {c: round(july.get(c).england.share, 1) for c in ("nhs", "social_care", "both")}  # type: ignore[union-attr]
    assert got == {"nhs": 61.9, "social_care": 30.1, "both": 7.9}
    ranked = sorted(july.reasons, key=lambda r: -(r.england.share or 0))
    assert [(r.category, round(r.england.share, 1)) for r in ranked[:2]] == [
        ("E", 21.7),
        ("C", 17.1),
    ]


def test_comparators_pool_the_peers_days(
    con: duckdb.DuckDBPyConnection, oxfordshire: DelayReasonsResult
):
    """The comparator share of E in July 2018, recomputed in SQL from the peers' rows."""
    groups, _ = comparator_groups(con)
    peers = groups[OXFORDSHIRE]
    assert set(oxfordshire.comparator_codes) == set(peers) and len(peers) == 15
    days_e, total = con.execute(
        f"""SELECT sum(days) FILTER (WHERE category = 'E'), sum(days) FROM dtoc_days
        WHERE breakdown = 'reason' AND period = DATE '2018-07-01'
        AND area_code IN ({", ".join("?" * len(peers))})""",
        peers,
    ).fetchone()
    july = oxfordshire.period(JULY)
    assert july is not None and july.comparators_days == total
    assert july.get("E").comparators.share == pytest.approx(days_e / total * 100)  # type: ignore[union-attr]


@pytest.mark.parametrize("path", DTOC_FILES, ids=lambda p: p.name)
def test_every_real_workbook_adds_up(path: Path):
    """Each real workbook: the councils' reasons and agencies give shares that add up to 100,
    for Oxfordshire, the sum of councils and the published England row alike."""
    month = read_dtoc_workbook(path)
    rows = month.rows[month.rows["breakdown"].isin(["reason", "responsible_org"])].copy()
    rows["period"] = pd.Timestamp(month.period)
    _, published = published_england(path)
    assert (
        published.groupby("breakdown")["days"].sum().tolist() == [month.published_england_total] * 2
    )
    for frame, definition in (
        (rows, ENGLAND_SUMMED),
        (pd.concat([rows, published]), ENGLAND_GIVEN),
    ):
        res = delay_reasons(frame, OXFORDSHIRE)
        assert res.england_definition == definition
        p = res.latest
        assert p is not None and p.period == month.period and p.missing_codes == ()
        for which in ("area", "england"):
            assert sum(getattr(r, which).share for r in p.reasons) == pytest.approx(100)
            assert sum(getattr(a, which).share for a in p.agencies) == pytest.approx(100)


@pytest.mark.parametrize("path", OLD_FILES + DTOC_FILES, ids=lambda p: p.name)
def test_published_england_rows_of_every_real_month(path: Path):
    """England's published row in every real workbook (April 2011 to October 2018): shares add
    up to 100 with the reasons reported; before April 2017 ``O`` is not collected (None)."""
    month, published = published_england(path)
    res = delay_reasons(published, ENGLAND_CODE)
    p = res.latest
    assert p is not None and p.period == month
    assert p.area_days == published[published["breakdown"] == "reason"]["days"].sum()
    assert p.area_days == published[published["breakdown"] == "responsible_org"]["days"].sum()
    assert sum(r.area.share or 0 for r in p.reasons) == pytest.approx(100)
    assert sum(a.area.share or 0 for a in p.agencies) == pytest.approx(100)
    if month < date(2017, 4, 1):
        assert p.missing_codes == ("O",) and p.get("O").area.share is None  # type: ignore[union-attr]
        assert len(p.ranking) == 10
    else:
        assert p.missing_codes == ()


def test_a_real_series_across_the_change_of_codes():
    """December 2016 (no O) to July 2018 (with O): the series keeps every other reason's share,
    says O was not collected, and does not judge O's change."""
    frames = [published_england(raw(*parts))[1] for parts in (
        ("dtoc-2011-2016", "Dec_16.xls"), ("dtoc", "LA-Type-B_June_18.xls"),
        ("dtoc", "LA-Type-B_July_18.xls"),
    )]  # fmt: skip
    res = delay_reasons(pd.concat(frames), ENGLAND_CODE, baseline=date(2016, 12, 1))
    dec, _, july = res.periods
    assert dec.missing_codes == ("O",) and july.missing_codes == ()
    assert res.missing_code_periods() == {"O": (date(2016, 12, 1),)}
    assert res.change("O").share_change == "not compared"  # type: ignore[union-attr]
    e = res.change("E")
    assert e is not None and round(e.share_from, 1) == round(42_215 / 195_445 * 100, 1)
    assert round(e.share_to, 1) == 21.7
    assert any("O) Other was not reported in 1 of 3 months" in n for n in res.notes)


def test_an_empty_store_gives_an_empty_frame_and_no_periods():
    from lsr.data.store import connect

    empty = connect(":memory:")
    try:
        frame = dtoc_breakdowns(empty)
    finally:
        empty.close()
    assert frame.empty
    assert list(frame.columns) == ["area_code", "period", "breakdown", "category", "days", "adults"]
    assert delay_reasons(frame, OXFORDSHIRE, ["E10000002"]).periods == ()
