"""The national "delays by reason" table equals the per-area function, council by council.

The oracle is :func:`lsr.core.delay_reasons.delay_reasons`: every council of the shipped default
store (real NHS England workbooks, 2011-2016 without ``O) Other`` and three 2018 months with it)
and generated frames (hypothesis) are compared value by value: floats to a tight tolerance,
outcomes, ranks and flags exactly. Generated frames are test-only numbers, never presented as
real.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delay_reason_frames import CODES, frame, full, month_rows, without_o
from lsr.core.delay_reasons import (
    NOT_COMPARED,
    OUTCOMES,
    DelayReasonsResult,
    ValueThresholds,
    compare_rate,
    compare_share,
    delay_reasons,
)
from lsr.core.delay_reasons_national import (
    NATIONAL_COLUMNS,
    compare_rate_array,
    compare_share_array,
    national_delay_reasons,
)
from lsr.core.geography import ENGLAND_CODE

OXFORDSHIRE = "E10000025"
JUNE, JULY = date(2018, 6, 1), date(2018, 7, 1)
AREA, PEER, OTHER = "E10000001", "E10000002", "E10000003"

_FLOATS = [
    f"{who}_{what}"
    for who in ("area", "england", "comparators")
    for what in ("days", "share", "rate")
] + ["area_adults", "area_total_days", "england_total_days", "comparators_total_days"]
_EXACT = [
    "period",
    "kind",
    "category",
    "label",
    "rank",
    "compared",
    "share_vs_england",
    "share_vs_comparators",
    "rate_vs_england",
    "rate_vs_comparators",
    "days_in_month",
]


def _num(x: float | None) -> float:
    return math.nan if x is None else float(x)


def oracle_rows(result: DelayReasonsResult) -> pd.DataFrame:
    """The per-area result flattened to the national table's rows and columns."""
    rows: list[dict[str, Any]] = []
    for p in result.periods:
        for r in (*p.reasons, *p.groups, *p.agencies):
            rows.append(
                {
                    "area_code": result.area_code,
                    "period": pd.Timestamp(p.period),
                    "kind": r.kind,
                    "category": r.category,
                    "label": r.label,
                    **{
                        f"{who}_{what}": _num(getattr(getattr(r, who), what))
                        for who in ("area", "england", "comparators")
                        for what in ("days", "share", "rate")
                    },
                    "rank": -1 if r.rank is None else r.rank,
                    "compared": p.compared,
                    "share_vs_england": r.share_vs_england,
                    "share_vs_comparators": r.share_vs_comparators,
                    "rate_vs_england": r.rate_vs_england,
                    "rate_vs_comparators": r.rate_vs_comparators,
                    "days_in_month": p.days_in_month,
                    "area_adults": _num(p.area_adults),
                    "area_total_days": _num(p.area_days),
                    "england_total_days": _num(p.england_days),
                    "comparators_total_days": _num(p.comparators_days),
                }
            )
    return pd.DataFrame(rows, columns=list(NATIONAL_COLUMNS))


def mismatches(national: pd.DataFrame, expected: pd.DataFrame, rtol: float = 1e-12) -> list[str]:
    """Where the national rows of one area differ from the oracle's (empty when they agree)."""
    if len(national) != len(expected):
        return [f"{len(national)} rows, expected {len(expected)}"]
    got = national.reset_index(drop=True)
    out: list[str] = []
    for col in _FLOATS:
        a, b = got[col].to_numpy(float), expected[col].to_numpy(float)
        same = np.isclose(a, b, rtol=rtol, atol=1e-9, equal_nan=True)
        out += [f"{col} {a[i]!r} != {b[i]!r} at row {i}" for i in np.flatnonzero(~same)[:3]]
    for col in _EXACT:
        a = got[col].fillna(-1).to_numpy(int) if col == "rank" else got[col].to_numpy(object)
        b = expected[col].to_numpy(int if col == "rank" else object)
        out += [f"{col} {a[i]!r} != {b[i]!r} at row {i}" for i in np.flatnonzero(a != b)[:3]]
    where = [f"{got.loc[int(m.rsplit(' ', 1)[1]), 'period']:%b %Y}" for m in out[:1]]
    return [f"{m} ({where[0]} {got.loc[0, 'area_code']})" for m in out]


def compare_all(
    table: pd.DataFrame,
    frame_: pd.DataFrame,
    comparators: Mapping[str, Sequence[str]],
    thresholds: ValueThresholds | None = None,
) -> None:
    """The national table agrees with ``delay_reasons`` for every council of ``frame_``."""
    councils = sorted(set(frame_["area_code"]) - {ENGLAND_CODE})
    by_area = {str(a): g for a, g in table.groupby("area_code", sort=False)}
    bad: list[str] = []
    for code in councils:
        result = delay_reasons(frame_, code, comparators.get(code, ()), thresholds=thresholds)
        expected = oracle_rows(result)
        bad += mismatches(by_area.get(code, table.iloc[0:0]), expected)
    assert set(by_area) <= set(councils)
    assert bad == []


# --- the real default store: every council --------------------------------------------------


@pytest.fixture(scope="module")
def real(default_store_path: Path) -> tuple[pd.DataFrame, dict[str, list[str]], pd.DataFrame]:
    import duckdb

    from lsr.data.queries import comparator_groups, dtoc_breakdowns

    con = duckdb.connect(str(default_store_path), read_only=True)
    try:
        f = dtoc_breakdowns(con)
        groups, _ = comparator_groups(con)
    finally:
        con.close()
    return f, groups, national_delay_reasons(f, groups)


def test_every_council_of_the_real_store_equals_the_per_area_function(real):
    f, groups, table = real
    councils = sorted(set(f["area_code"]) - {ENGLAND_CODE})
    assert len(councils) == 151 and f["period"].nunique() == 72
    assert list(table.columns) == list(NATIONAL_COLUMNS)
    assert table["area_code"].nunique() == 151 and len(table) == 151 * 72 * 18
    # each area with only its own, its comparators' and England's rows (the E92000001 rows are
    # the sum of every council): the result equals the whole frame's (checked below for three)
    text = f.astype({c: object for c in ("area_code", "breakdown", "category")})
    parts = {str(a): g for a, g in text.groupby("area_code", sort=False)}
    by_area = {str(a): g for a, g in table.groupby("area_code", sort=False)}
    bad: list[str] = []
    for code in councils:
        peers = groups.get(code, [])
        rows = pd.concat(
            [parts[c] for c in (ENGLAND_CODE, code, *peers) if c in parts], ignore_index=True
        )
        result = delay_reasons(rows, code, peers, england_summed=True)
        assert len(result.periods) == 72
        bad += mismatches(by_area[code], oracle_rows(result))
    assert bad == []
    for code in (OXFORDSHIRE, councils[0], councils[-1]):
        whole = delay_reasons(f, code, groups.get(code, []))
        assert mismatches(by_area[code], oracle_rows(whole)) == []


def test_real_months_without_o_and_the_2018_months(real):
    _, _, table = real
    o = table[table["category"] == "O"]
    before = o[o["period"] < "2017-01-01"]
    assert before["period"].nunique() == 69  # April 2011 to December 2016
    assert (
        before[["area_days", "area_share", "england_share", "comparators_share"]]
        .isna()
        .all(axis=None)
    )
    assert before["rank"].isna().all()
    assert (before["share_vs_england"] == NOT_COMPARED).all()
    after = o[o["period"] >= "2018-01-01"]
    assert sorted(after["period"].dt.month.unique()) == [6, 7, 10]
    assert after["area_share"].notna().all() and after["rank"].notna().all()
    # the groups need no O: computed in every month
    groups = table[table["kind"] == "group"]
    assert groups["england_share"].notna().all()
    # the reported reasons' shares add up to 100 and their ranks run 1..n every month
    reasons = table[(table["kind"] == "reason") & (table["area_total_days"] > 0)]
    sums = reasons.groupby(["area_code", "period"])["area_share"].sum()
    assert np.allclose(sums, 100.0)
    counts = reasons.groupby(["area_code", "period"])["rank"].agg(["max", "count"])
    assert (counts["max"] == counts["count"]).all()
    # real comparisons are made, in both eras
    compared = table[table["compared"] & (table["kind"] == "reason")]
    assert set(compared["share_vs_england"]) == set(OUTCOMES)
    assert compared["period"].dt.year.min() == 2011 and compared["period"].dt.year.max() == 2018


def test_real_check_figures(real, default_store_path):
    """The check figures of docs/methods/delay-reasons.md, read from the national table."""
    import duckdb

    from lsr.data.queries import indicator_counts

    _, _, table = real
    con = duckdb.connect(str(default_store_path), read_only=True)
    try:
        counts = indicator_counts(con)
    finally:
        con.close()
    dtoc = counts[counts["indicator"] == "dtoc_18"]
    july = table[(table["period"] == "2018-07-01")]
    ox = july[july["area_code"] == OXFORDSHIRE].set_index("category")
    assert ox.loc["E", "area_days"] == 1480 and ox["area_total_days"].iloc[0] == 3445
    assert round(ox.loc["E", "area_share"], 2) == 42.96
    assert ox.loc["E", "share_vs_england"] == "much higher"
    assert ox.loc["care_home", "share_vs_england"] == "much lower"
    assert ox.loc["care_home", "rate_vs_england"] == "lower"
    assert ox.loc["E", "rank"] == 1
    assert (july["england_total_days"] == 140_243).all()
    # the reasons' rates add up to the DToC rate of the profile (indicator dtoc_18): exactly
    # for a council; England's adults here are the sum of the councils', the indicator's are
    # ONS's England figure (0.01% apart)
    for code, rates, tol in (
        (OXFORDSHIRE, ox["area_rate"], 1e-9),
        (ENGLAND_CODE, ox["england_rate"], 1e-3),
    ):
        row = dtoc[(dtoc["area_code"] == code) & (dtoc["period"] == "2018-07-01")].iloc[0]
        rate = row["numerator"] / row["denominator"] * 1e5
        assert math.isclose(rates.loc[list(CODES)].sum(), rate, rel_tol=tol)
    assert round(ox.loc[list(CODES), "area_rate"].sum(), 1) == 20.5  # mid-2018 adults
    assert round(ox.loc[list(CODES), "england_rate"].sum(), 1) == 10.3


# --- comparisons on arrays ------------------------------------------------------------------

_maybe = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=100),
    st.sampled_from([0.0, 0.5, 1.0, 5.0, 10.0, 15.0, 20.0, 30.0]),
)
_thresholds = st.builds(
    lambda a, b, r, s, sa, m, ma, d: ValueThresholds(a, a + b, r, s, sa, m, ma, d),
    st.sampled_from([0.0, 2.5, 5.0]),
    st.sampled_from([0.0, 5.0, 10.0]),
    st.sampled_from([1.0, 1.5, 2.0]),
    st.sampled_from([1.0, 1.25]),
    st.sampled_from([0.0, 0.5]),
    st.sampled_from([1.0, 2.0]),
    st.sampled_from([0.0, 1.0]),
    st.sampled_from([0.0, 100.0]),
)


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(_maybe, _maybe), min_size=1, max_size=20), t=_thresholds)
def test_array_comparisons_equal_the_scalar_rules(pairs, t):
    values = np.array([_num(v) for v, _ in pairs])
    benchmarks = np.array([_num(b) for _, b in pairs])
    shares = compare_share_array(values, benchmarks, t)
    rates = compare_rate_array(values, benchmarks, t)
    assert list(shares) == [compare_share(v, b, t) for v, b in pairs]
    assert list(rates) == [compare_rate(v, b, t) for v, b in pairs]


def test_array_comparisons_at_the_thresholds():
    v = np.array([25.0, 30.0, 20.0, 10.0, np.nan, 2.0, 1.0])
    b = np.array([20.0, 20.0, 10.0, 20.0, 5.0, 1.0, 2.0])
    assert list(compare_share_array(v, b)) == [
        "higher",  # exactly 5 points is not similar; "much" needs 10 points
        "much higher",  # 10 points and exactly 1.5 times
        "much higher",
        "much lower",
        NOT_COMPARED,  # NaN stands for None
        "similar",
        "similar",
    ]
    rv = np.array([2.0, 1.0, 1.78, 0.3, 5.0, np.nan])
    rb = np.array([1.0, 2.0, 2.65, 0.0, 0.0, 1.0])
    assert list(compare_rate_array(rv, rb)) == [
        "much higher",  # 2 times and a difference of 1
        "much lower",
        "lower",  # Oxfordshire care-home delays, July 2018
        "similar",  # closer than 0.5
        "much higher",  # no ratio against 0
        NOT_COMPARED,
    ]


# --- generated frames -----------------------------------------------------------------------

_POOL = [f"E0600000{i}" for i in range(1, 7)]
_MONTHS = [date(2016, 12, 1), date(2017, 4, 1), date(2018, 2, 1), date(2018, 7, 1)]
_AGENCY_IDS = ("nhs", "social_care", "both")
_SCALES = (10, 30, 90, 400, 1_200)  # the most days of one category: small and large councils
_adults = st.integers(0, 7).flatmap(  # mostly known, sometimes missing (NaN) or 0
    lambda k: st.just([math.nan, 0.0][k]) if k < 2 else st.integers(1_000, 900_000).map(float)
)


@st.composite
def national_frames(
    draw: st.DrawFn,
) -> tuple[pd.DataFrame, dict[str, list[str]], ValueThresholds]:
    areas = draw(st.lists(st.sampled_from(_POOL), min_size=2, max_size=5, unique=True))
    months = draw(st.lists(st.sampled_from(_MONTHS), min_size=1, max_size=3, unique=True))
    rows: list[dict[str, Any]] = []

    def add(
        area: str, month: date, breakdown: str, category: str, adults: float, scale: int = 400
    ) -> None:
        days = draw(st.integers(0, scale)) if draw(st.integers(0, 4)) > 0 else 0  # many zeros
        rows.append(
            {
                "area_code": area,
                "period": pd.Timestamp(month),
                "breakdown": breakdown,
                "category": category,
                "days": float(days),
                "adults": adults,
            }
        )

    for area in areas:
        for month in months:
            if draw(st.integers(0, 3)) == 0 and len(rows) > 0:
                continue  # the area has no rows this month
            adults = draw(_adults)
            scale = draw(st.sampled_from(_SCALES))
            per_row = draw(st.integers(0, 9)) == 0  # now and then adults differ by row
            if draw(st.integers(0, 9)) > 0:
                for code in CODES:
                    if draw(st.integers(0, 5 if code == "O" else 12)) > 0:
                        row_adults = draw(_adults) if per_row else adults
                        add(area, month, "reason", code, row_adults, scale)
                if draw(st.integers(0, 15)) == 0:  # a code lsr does not know
                    add(area, month, "reason", "X", adults, scale)
            if draw(st.integers(0, 9)) > 0:
                for agency in _AGENCY_IDS:
                    if draw(st.integers(0, 12)) > 0:
                        add(area, month, "responsible_org", agency, adults, scale * 3)
            if draw(st.integers(0, 15)) == 0:  # a breakdown both ignore
                add(area, month, "type_of_care", "acute", adults)
    if draw(st.booleans()):  # published-style England rows for some months and breakdowns
        for month in draw(st.lists(st.sampled_from(months), min_size=1, unique=True)):
            for breakdown, cats in (("reason", CODES), ("responsible_org", _AGENCY_IDS)):
                if draw(st.integers(0, 2)) > 0:
                    eng_adults = draw(_adults)
                    for c in cats:
                        add(ENGLAND_CODE, month, breakdown, c, eng_adults)
    # comparators: mostly areas of the frame, now and then the area itself, England, a code
    # not in the frame; some areas without any, some keys not in the frame
    peer_choice = st.sampled_from([*areas, *areas, ENGLAND_CODE, "E99999999", _POOL[0]])
    keys = [a for a in [*areas, "E99999998"] if draw(st.integers(0, 4)) > 0]
    comparators = {a: draw(st.lists(peer_choice, max_size=5)) for a in keys}
    order = draw(st.permutations(range(len(rows))))
    columns = ["area_code", "period", "breakdown", "category", "days", "adults"]
    f = pd.DataFrame([rows[i] for i in order], columns=columns)
    return f, comparators, draw(_thresholds)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=national_frames())
def test_generated_frames_equal_the_per_area_function(case):
    f, comparators, t = case
    table = national_delay_reasons(f, comparators, thresholds=t)
    compare_all(table, f, comparators, t)


# --- small frames by hand -------------------------------------------------------------------


def test_peers_exclude_the_area_england_and_unknown_codes_and_no_peers_means_nan():
    f = frame(
        month_rows(AREA, JUNE, full(E=100)),
        month_rows(PEER, JUNE, full(C=100, E=300)),
        month_rows(OTHER, JUNE, full(E=50)),
    )
    groups = {AREA: [AREA, PEER, ENGLAND_CODE, "E99999999"], PEER: []}
    table = national_delay_reasons(f, groups)
    compare_all(table, f, groups)
    e = table[(table["category"] == "E")].set_index("area_code")
    assert e.loc[AREA, "comparators_share"] == 75.0  # PEER alone: 300 / 400
    assert e.loc[AREA, "comparators_days"] == 300
    assert math.isnan(e.loc[PEER, "comparators_share"])
    assert e.loc[PEER, "share_vs_comparators"] == NOT_COMPARED
    assert math.isnan(e.loc[OTHER, "comparators_days"])  # OTHER is in no mapping
    assert e.loc[AREA, "england_days"] == 450


def test_missing_o_is_nan_and_groups_needing_a_missing_code_are_nan():
    june = without_o(A=100, E=300)
    del june["Dii"]
    f = frame(
        month_rows(AREA, JUNE, june),
        month_rows(AREA, JULY, full(A=100, E=250, O=50)),
        month_rows(PEER, JUNE, without_o(C=400)),
    )
    table = national_delay_reasons(f, {AREA: [PEER]})
    compare_all(table, f, {AREA: [PEER]})
    area = table[table["area_code"] == AREA].set_index(["period", "category"])
    jun, jul = pd.Timestamp(JUNE), pd.Timestamp(JULY)
    assert math.isnan(area.loc[(jun, "O"), "area_share"]) and pd.isna(area.loc[(jun, "O"), "rank"])
    assert math.isnan(area.loc[(jun, "care_home"), "area_share"])  # Dii not reported
    assert area.loc[(jun, "care_home"), "england_share"] == 0.0  # PEER reported both
    assert area.loc[(jun, "E"), "area_share"] == 75.0
    assert area.loc[(jul, "O"), "area_share"] == 12.5 and area.loc[(jul, "O"), "rank"] == 3
    assert math.isnan(area.loc[(jul, "O"), "comparators_share"])  # PEER has no July


def test_empty_and_bad_frames():
    f = frame(month_rows(AREA, JUNE, full(E=100)))
    empty = national_delay_reasons(f.iloc[0:0], {})
    assert empty.empty and list(empty.columns) == list(NATIONAL_COLUMNS)
    only_england = national_delay_reasons(f.assign(area_code=ENGLAND_CODE), {})
    assert only_england.empty
    no_adults = national_delay_reasons(f.drop(columns=["adults"]), {})
    assert no_adults["area_rate"].isna().all() and no_adults["area_share"].notna().any()
    bad = f.copy()
    bad.loc[0, "days"] = -1
    with pytest.raises(ValueError, match="non-negative"):
        national_delay_reasons(bad, {})
    with pytest.raises(ValueError, match="duplicate row"):
        national_delay_reasons(pd.concat([f, f.iloc[:1]]), {})
    with pytest.raises(ValueError, match="lacks columns: days"):
        national_delay_reasons(f.drop(columns=["days"]), {})
