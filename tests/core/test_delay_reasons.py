"""Delays by reason and responsible organisation: shares, rates, pooling, by-value comparisons,
months missing a reason code, changes. Crafted frames (tests/delay_reason_frames.py)."""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delay_reason_frames import CODES, frame, full, month_rows, without_o
from lsr.core.delay_reasons import (
    ENGLAND_GIVEN,
    ENGLAND_SUMMED,
    NOT_COMPARED,
    OUTCOMES,
    ValueThresholds,
    compare_rate,
    compare_share,
    delay_reasons,
    rate_change,
    reason,
    share_change,
)
from lsr.core.geography import ENGLAND_CODE

JUNE = date(2018, 6, 1)  # 30 days
JULY = date(2018, 7, 1)  # 31 days
OCT = date(2018, 10, 1)
AREA, PEER, OTHER = "E10000001", "E10000002", "E10000003"


def _close(a: float | None, b: float, tol: float = 1e-9) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# --- arithmetic by hand --------------------------------------------------------------------------


def test_shares_and_rates_by_hand():
    f = frame(
        month_rows(AREA, JUNE, full(A=50, E=150), {"nhs": 100, "social_care": 60, "both": 40}),
        month_rows(PEER, JUNE, full(A=100, E=100), {"nhs": 200, "social_care": 0, "both": 0}),
    )
    res = delay_reasons(f, AREA, [PEER])
    p = res.latest
    assert p is not None and p.period == JUNE and p.days_in_month == 30
    assert p.area_days == 200 and p.england_days == 400 and p.comparators_days == 200
    e = p.get("E")
    assert e is not None
    assert _close(e.area.share, 75.0) and _close(e.area.days, 150)
    assert _close(e.area.rate, 150 / 30 / 100_000 * 100_000)  # 5 delayed beds per 100,000
    assert _close(e.england.share, 62.5)  # 250 / 400
    assert _close(e.england.rate, 250 / 30 / 200_000 * 100_000)
    assert _close(e.comparators.share, 50.0)
    assert _close(p.get("B").area.share, 0.0)  # type: ignore[union-attr]
    social = p.get("social_care")
    assert social is not None and _close(social.area.share, 30.0)
    assert _close(social.england.share, 15.0)
    assert res.england_definition == ENGLAND_SUMMED
    assert res.comparator_codes == (PEER,)


def test_groups_are_sums_of_their_codes():
    f = frame(month_rows(AREA, JUNE, full(Di=30, Dii=20, E=40, A=5, G=5)))
    p = delay_reasons(f, AREA).latest
    assert p is not None
    care_home = p.get("care_home")
    assert care_home is not None and care_home.kind == "group"
    assert _close(care_home.area.share, 50.0) and care_home.area.days == 50
    assert _close(care_home.area.rate, 50 / 30)
    assert _close(p.get("care_package").area.share, 40.0)  # type: ignore[union-attr]
    assert _close(p.get("assessment").area.share, 5.0)  # type: ignore[union-attr]
    assert _close(p.get("choice").area.share, 5.0)  # type: ignore[union-attr]


def test_explicit_england_rows_win_over_the_sum():
    f = frame(
        month_rows(AREA, JUNE, full(E=100, C=100)),
        month_rows(PEER, JUNE, full(E=100, C=100)),
        month_rows(ENGLAND_CODE, JUNE, full(E=300, C=100), adults=1_000_000),
    )
    res = delay_reasons(f, AREA, [PEER])
    e = res.latest.get("E")  # type: ignore[union-attr]
    assert _close(e.england.share, 75.0)
    assert _close(e.england.rate, 300 / 30 / 1_000_000 * 100_000)
    assert res.england_definition == ENGLAND_GIVEN
    # England rows that equal the councils' sum are recognised as the sum
    summed = frame(
        month_rows(AREA, JUNE, full(E=100, C=100)),
        month_rows(ENGLAND_CODE, JUNE, full(E=100, C=100)),
    )
    assert delay_reasons(summed, AREA).england_definition == ENGLAND_SUMMED


def test_comparators_leave_out_the_area_england_and_peers_without_data():
    f = frame(
        month_rows(AREA, JUNE, full(E=100)),
        month_rows(PEER, JUNE, full(C=100)),
    )
    res = delay_reasons(f, AREA, [AREA, PEER, ENGLAND_CODE, "E99999999"])
    assert res.comparator_codes == (PEER,)
    assert _close(res.latest.get("C").comparators.share, 100.0)  # type: ignore[union-attr]
    alone = delay_reasons(f, AREA, [])
    assert alone.comparator_codes == ()
    e = alone.latest.get("E")  # type: ignore[union-attr]
    assert e.comparators.share is None and e.share_vs_comparators == NOT_COMPARED


def test_population_mapping_overrides_the_adults_column_and_none_means_no_rates():
    rows = month_rows(AREA, JUNE, full(E=300), adults=None)
    res = delay_reasons(frame(rows), AREA)
    e = res.latest.get("E")  # type: ignore[union-attr]
    assert e.area.rate is None and e.rate_vs_england == NOT_COMPARED
    assert _close(e.area.share, 100.0)
    res = delay_reasons(frame(rows), AREA, population={AREA: 50_000})
    assert _close(res.latest.get("E").area.rate, 300 / 30 / 50_000 * 100_000)  # type: ignore[union-attr]


def test_a_peer_without_population_counts_in_shares_but_not_in_rates():
    f = frame(
        month_rows(AREA, JUNE, full(E=300)),
        month_rows(PEER, JUNE, full(E=300, C=300), adults=100_000),
        month_rows(OTHER, JUNE, full(E=300), adults=None),
    )
    c = delay_reasons(f, AREA, [PEER, OTHER]).latest.get("E").comparators  # type: ignore[union-attr]
    assert _close(c.share, 600 / 900 * 100)
    assert _close(c.rate, 300 / 30 / 100_000 * 100_000)  # OTHER's days have no denominator


def test_ranking_largest_first_ties_by_code_order():
    f = frame(month_rows(AREA, JUNE, full(A=10, C=40, E=40, G=10)))
    p = delay_reasons(f, AREA).latest
    assert p is not None
    assert p.ranking[:4] == ("C", "E", "A", "G")
    assert p.get("C").rank == 1 and p.get("E").rank == 2  # type: ignore[union-attr]
    assert sorted(r.rank for r in p.reasons if r.rank) == list(range(1, 12))


def test_too_few_days_are_not_compared():
    f = frame(month_rows(AREA, JUNE, full(E=60)), month_rows(PEER, JUNE, full(C=500)))
    res = delay_reasons(f, AREA, [PEER])
    p = res.latest
    assert p is not None and not p.compared
    assert all(
        getattr(r, k) == NOT_COMPARED
        for r in (*p.reasons, *p.groups, *p.agencies)
        for k in ("share_vs_england", "share_vs_comparators", "rate_vs_england")
    )
    assert _close(p.get("E").area.share, 100.0)  # type: ignore[union-attr]  # still reported
    assert "1 month(s) with fewer than 100 delayed days, not compared" in res.notes[0]
    lower = delay_reasons(f, AREA, [PEER], thresholds=ValueThresholds(min_days=50))
    assert lower.latest.get("E").share_vs_england == "much higher"  # type: ignore[union-attr]


# --- months missing a code (O before April 2017) -------------------------------------------------


def test_month_without_o_is_not_collected_not_zero():
    f = frame(
        month_rows(AREA, JUNE, without_o(A=100, E=300)),
        month_rows(AREA, JULY, full(A=100, E=250, O=50)),
        month_rows(PEER, JUNE, without_o(C=400)),
        month_rows(PEER, JULY, full(C=400)),
    )
    res = delay_reasons(f, AREA, [PEER])
    june, july = res.periods
    assert june.missing_codes == ("O",) and july.missing_codes == ()
    o = june.get("O")
    assert o is not None and o.area.share is None and o.area.days is None and o.rank is None
    assert o.england.share is None and o.share_vs_england == NOT_COMPARED
    assert "O" not in june.ranking
    assert _close(sum(r.area.share or 0 for r in june.reasons), 100.0)
    assert _close(june.get("E").area.share, 75.0)  # type: ignore[union-attr]
    change = res.change("O")
    assert change is not None and change.share_change == NOT_COMPARED
    assert change.share_points is None
    assert res.missing_code_periods() == {"O": (JUNE,)}
    assert any(n.startswith("O) Other was not reported in 1 of 2 months") for n in res.notes)


# --- changes ---------------------------------------------------------------------------------


def test_changes_since_the_baseline():
    f = frame(
        month_rows(AREA, JUNE, full(C=400, E=400, Di=200)),
        month_rows(AREA, JULY, full(C=500, E=300, Di=200)),
        month_rows(AREA, OCT, full(C=200, E=600, Di=190)),
    )
    res = delay_reasons(f, AREA)
    assert res.baseline == JUNE
    e = res.change("E")
    assert e is not None and e.from_period == JUNE and e.to_period == OCT
    assert _close(e.share_from, 40.0) and _close(e.share_to, 600 / 990 * 100)
    assert e.share_change == "increased" and res.change("C").share_change == "reduced"  # type: ignore[union-attr]
    assert res.change("Di").share_change == "little changed"  # type: ignore[union-attr]
    assert res.change("care_home").kind == "group"  # type: ignore[union-attr]
    assert delay_reasons(f, AREA, baseline=date(2018, 7, 15)).baseline == JULY
    with pytest.raises(ValueError, match="not a month with data"):
        delay_reasons(f, AREA, baseline=date(2018, 8, 1))


def test_default_baseline_is_within_twelve_months_and_none_for_one_month():
    months = [date(2017, m, 1) for m in range(1, 13)] + [date(2018, 1, 1), date(2018, 2, 1)]
    f = frame(*(month_rows(AREA, m, full(E=200)) for m in months))
    assert delay_reasons(f, AREA).baseline == date(2017, 2, 1)
    one = delay_reasons(frame(month_rows(AREA, JUNE, full(E=200))), AREA)
    assert one.baseline is None and one.changes == ()


# --- comparisons by value ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "bench", "expected"),
    [
        (43.0, 21.6, "much higher"),  # Oxfordshire E, July 2018
        (30.0, 21.6, "higher"),  # 8.4 points: not "much"
        (25.0, 21.6, "similar"),
        (8.6, 25.7, "much lower"),  # Oxfordshire Di + Dii
        (18.0, 25.7, "lower"),
        (14.0, 4.0, "much higher"),  # 10 points and 3.5 times
        (30.0, 20.0, "much higher"),  # exactly 10 points and 1.5 times
        (36.0, 25.0, "higher"),  # 11 points but 1.44 times
        (29.0, 20.0, "higher"),  # 9 points
        (0.0, 0.0, "similar"),
        (None, 20.0, NOT_COMPARED),
        (20.0, float("nan"), NOT_COMPARED),
    ],
)
def test_compare_share_examples(area, bench, expected):
    assert compare_share(area, bench) == expected


@pytest.mark.parametrize(
    ("area", "bench", "expected"),
    [
        (8.86, 2.24, "much higher"),
        (1.78, 2.65, "lower"),  # Oxfordshire care-home delays, July 2018
        (0.3, 0.6, "similar"),  # closer than 0.5 beds
        (2.4, 2.0, "similar"),  # within 1.25 times
        (0.0, 2.0, "much lower"),
        (2.0, 0.0, "much higher"),
        (None, 1.0, NOT_COMPARED),
    ],
)
def test_compare_rate_examples(area, bench, expected):
    assert compare_rate(area, bench) == expected


def test_changes_use_the_same_thresholds():
    assert share_change(41.5, 51.6) == "increased"
    assert share_change(17.6, 8.5) == "reduced"
    assert share_change(8.6, 8.6) == "little changed"
    assert share_change(None, 8.6) == NOT_COMPARED
    assert rate_change(6.96, 8.67) == "little changed"
    assert rate_change(2.0, 4.0) == "increased"


def test_threshold_validation_and_description():
    with pytest.raises(ValueError):
        ValueThresholds(share_similar_points=12, share_much_points=10)
    with pytest.raises(ValueError):
        ValueThresholds(rate_much_ratio=0.5)
    with pytest.raises(ValueError):
        ValueThresholds(min_days=-1)
    text = ValueThresholds().describe()
    assert text.startswith("by value") and "5 percentage points" in text
    assert "correlated" in text


_MIRROR = {
    "much higher": "much lower",
    "higher": "lower",
    "similar": "similar",
    "lower": "higher",
    "much lower": "much higher",
    NOT_COMPARED: NOT_COMPARED,
}
_values = st.floats(min_value=0, max_value=100, allow_nan=False)


@given(a=_values, b=_values)
def test_comparisons_are_mirror_images(a, b):
    assert compare_share(a, b) in OUTCOMES
    assert compare_share(b, a) == _MIRROR[compare_share(a, b)]
    assert compare_rate(b, a) == _MIRROR[compare_rate(a, b)]


# --- frames checked -------------------------------------------------------------------------


def test_bad_frames_are_refused():
    good = frame(month_rows(AREA, JUNE, full(E=100)))
    with pytest.raises(ValueError, match="lacks columns: days"):
        delay_reasons(good.drop(columns=["days"]), AREA)
    bad = good.copy()
    bad.loc[0, "days"] = -1
    with pytest.raises(ValueError, match="non-negative"):
        delay_reasons(bad, AREA)
    with pytest.raises(ValueError, match="duplicate row"):
        delay_reasons(pd.concat([good, good.iloc[:1]]), AREA)


def test_unknown_area_has_no_periods_and_other_breakdowns_are_ignored():
    f = frame(month_rows(AREA, JUNE, full(E=100)))
    extra = f.iloc[:2].assign(breakdown="type_of_care", category=["acute", "non_acute"])
    res = delay_reasons(pd.concat([f, extra]), AREA)
    assert res.latest is not None and res.latest.area_days == 100
    assert delay_reasons(f, "E10000099").periods == ()


def test_to_dict_is_json_ready():
    f = frame(
        month_rows(AREA, JUNE, without_o(E=100, A=50)),
        month_rows(AREA, JULY, full(E=100, A=60)),
    )
    d = delay_reasons(f, AREA).to_dict()
    text = json.dumps(d)
    assert '"2018-06-01"' in text
    assert d["periods"][1]["ranking"][:2] == ["E", "A"]
    assert d["periods"][0]["missing_codes"] == ["O"]
    assert d["thresholds"]["share_similar_points"] == 5.0
    assert reason("Dii").name == "awaiting nursing home placement"


# --- properties --------------------------------------------------------------------------------

_days = st.integers(min_value=0, max_value=5_000)
_month_days = st.fixed_dictionaries({c: _days for c in CODES}).filter(lambda d: sum(d.values()) > 0)
_agencies = st.tuples(_days, _days, _days).filter(lambda t: sum(t) > 0)
_adults = st.integers(min_value=1_000, max_value=2_000_000)


@settings(max_examples=60, deadline=None)
@given(area=_month_days, peers=st.lists(_month_days, min_size=1, max_size=4), agencies=_agencies)
def test_shares_sum_to_100_where_all_codes_are_present(area, peers, agencies):
    nhs, sc, both = agencies
    rows = [month_rows(AREA, JULY, area, {"nhs": nhs, "social_care": sc, "both": both})]
    codes = [f"E1000{i:04d}" for i in range(10, 10 + len(peers))]
    rows += [month_rows(c, JULY, d) for c, d in zip(codes, peers, strict=True)]
    p = delay_reasons(frame(*rows), AREA, codes, thresholds=ValueThresholds(min_days=0)).latest
    assert p is not None
    for which in ("area", "england", "comparators"):
        total = sum(getattr(r, which).share for r in p.reasons)
        assert math.isclose(total, 100.0, abs_tol=1e-9)
    assert math.isclose(sum(a.area.share for a in p.agencies), 100.0, abs_tol=1e-9)
    # the reasons' rates add up to the DToC rate (delayed days / days in month / adults)
    rate = sum(r.area.rate for r in p.reasons)
    assert math.isclose(rate, sum(area.values()) / 31 / 100_000 * 100_000, rel_tol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    peers=st.lists(st.tuples(_month_days, _adults), min_size=1, max_size=5),
    period=st.sampled_from([date(2016, 2, 1), date(2018, 7, 1), date(2019, 2, 1)]),
)
def test_pooling_equals_summing_days(peers, period):
    codes = [f"E1000{i:04d}" for i in range(10, 10 + len(peers))]
    rows = [month_rows(AREA, period, full(E=500))]
    rows += [
        month_rows(c, period, d, adults=float(a)) for c, (d, a) in zip(codes, peers, strict=True)
    ]
    pooled = delay_reasons(frame(*rows), AREA, codes).latest
    summed_days = {c: sum(d[c] for d, _ in peers) for c in CODES}
    summed_adults = float(sum(a for _, a in peers))
    one = delay_reasons(
        frame(month_rows("E19999999", period, summed_days, adults=summed_adults)), "E19999999"
    ).latest
    assert pooled is not None and one is not None
    assert pooled.comparators_days == one.area_days
    for code in CODES:
        got, want = pooled.get(code).comparators, one.get(code).area  # type: ignore[union-attr]
        assert got.days == want.days
        assert math.isclose(got.share, want.share, rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(got.rate, want.rate, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(days=_month_days.filter(lambda d: sum(v for k, v in d.items() if k != "O") > 0))
def test_a_month_missing_o_keeps_the_other_shares(days):
    """Dropping a zero O column changes no other share; O is then 'not collected', not 0."""
    with_zero_o = {**{k: v for k, v in days.items() if k != "O"}, "O": 0}
    lacking_o = {k: v for k, v in days.items() if k != "O"}
    a = delay_reasons(frame(month_rows(AREA, JULY, with_zero_o)), AREA).latest
    b = delay_reasons(frame(month_rows(AREA, JULY, lacking_o)), AREA).latest
    assert a is not None and b is not None
    for code in CODES:
        if code == "O":
            assert a.get("O").area.share == 0.0  # type: ignore[union-attr]
            assert b.get("O").area.share is None  # type: ignore[union-attr]
            continue
        assert a.get(code).area.share == b.get(code).area.share  # type: ignore[union-attr]
    assert math.isclose(sum(r.area.share or 0 for r in b.reasons), 100.0, abs_tol=1e-9)
    assert b.missing_codes == ("O",) and a.missing_codes == ()
    assert b.ranking == tuple(c for c in a.ranking if c != "O")
