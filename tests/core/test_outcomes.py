"""Social care outcomes (pure): ranks and quartiles, intervals, comparisons, source choice."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from lsr.core import ci
from lsr.core.indicators import Polarity
from lsr.core.outcome_measures import get_measure
from lsr.core.outcomes import (
    CARER_QUALITY_OF_LIFE,
    INPUT_COLUMNS,
    OUTCOME_MEASURES,
    PERMANENT_ADMISSIONS,
    REABLEMENT_91_DAYS,
    THEMES,
    WORKFORCE_TURNOVER,
    SocialCareOutcomes,
    quartile_for,
    rank_among,
    social_care_outcomes,
)

AREA = "E10000025"
PEERS = ("E10000002", "E10000003")
OTHERS = ("E10000006", "E10000007", "E10000008")
ENGLAND = "E92000001"


def row(**kw: Any) -> dict[str, Any]:
    base = {
        "source": "ascof",
        "edition": "official",
        "measure_code": "2A(2)",
        "area_code": AREA,
        "area_name": "Oxfordshire",
        "area_level": "council",
        "year": "2020-21",
        "value": None,
        "numerator": None,
        "denominator": None,
        "margin_of_error": None,
        "status": "published",
        "file_name": "official.xlsx",
    }
    base.update(kw)
    return base


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(INPUT_COLUMNS))


def admissions_rows() -> list[dict[str, Any]]:
    """Oxfordshire's real 2020-21 ASCOF 2A(2) counts (575 / 130,189) and England's
    (52,133 / 10,464,019), with made-up peers and others to rank against."""
    out = [
        row(value=441.7, numerator=575, denominator=130189),
        row(
            area_code=ENGLAND,
            area_level="england",
            value=498.2,
            numerator=52133,
            denominator=10464019,
        ),
    ]
    for code, (num, den) in zip(
        PEERS + OTHERS,
        [(300, 60000), (500, 100000), (200, 50000), (900, 150000), (100, 40000)],
        strict=True,
    ):
        out.append(
            row(area_code=code, value=round(num / den * 1e5, 1), numerator=num, denominator=den)
        )
    return out


# --- ranks and quartiles -----------------------------------------------------------------------

values_strategy = st.lists(
    st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=60,
)


@given(values_strategy, st.data())
def test_rank_is_within_the_field_and_quartile_follows(values: list[float], data: Any) -> None:
    value = data.draw(st.sampled_from(values))
    for polarity in Polarity:
        r = rank_among(values, value, polarity)
        assert 1 <= r.rank <= r.count == len(values)
        if r.count >= 4:
            assert r.quartile == quartile_for(r.rank, r.count)
            assert 1 <= r.quartile <= 4
        else:
            assert r.quartile is None


@given(values_strategy, st.data())
def test_polarity_reverses_the_order(values: list[float], data: Any) -> None:
    value = data.draw(st.sampled_from(values))
    high = rank_among(values, value, Polarity.HIGH_IS_GOOD).rank
    low = rank_among(values, value, Polarity.LOW_IS_GOOD).rank
    ties = sum(1 for v in values if v == value)
    # those above + those below + the ties = all; ranks are 1 + those better
    assert (high - 1) + (low - 1) + ties == len(values)
    assert rank_among(values, value, Polarity.NEUTRAL).rank == high


@given(values_strategy)
def test_best_and_worst(values: list[float]) -> None:
    best_high = rank_among(values, max(values), Polarity.HIGH_IS_GOOD)
    best_low = rank_among(values, min(values), Polarity.LOW_IS_GOOD)
    assert best_high.rank == best_low.rank == 1
    if len(values) >= 4:
        assert best_high.quartile == best_low.quartile == 1
    worst = rank_among(values, min(values), Polarity.HIGH_IS_GOOD)
    if len(set(values)) == len(values) and len(values) >= 4:
        assert worst.rank == len(values) and worst.quartile == 4


@given(values_strategy, st.data())
def test_a_better_value_never_ranks_worse(values: list[float], data: Any) -> None:
    a, b = sorted(data.draw(st.lists(st.sampled_from(values), min_size=2, max_size=2)))
    assert (
        rank_among(values, b, Polarity.HIGH_IS_GOOD).rank
        <= rank_among(values, a, Polarity.HIGH_IS_GOOD).rank
    )
    assert (
        rank_among(values, a, Polarity.LOW_IS_GOOD).rank
        <= rank_among(values, b, Polarity.LOW_IS_GOOD).rank
    )


@given(st.integers(min_value=4, max_value=500))
def test_quartiles_split_the_field_evenly(count: int) -> None:
    quartiles = [quartile_for(rank, count) for rank in range(1, count + 1)]
    assert quartiles == sorted(quartiles) and quartiles[0] == 1 and quartiles[-1] == 4
    sizes = [quartiles.count(q) for q in (1, 2, 3, 4)]
    assert max(sizes) - min(sizes) <= 1


def test_quartile_examples_and_errors() -> None:
    assert [quartile_for(r, 8) for r in range(1, 9)] == [1, 1, 2, 2, 3, 3, 4, 4]
    assert quartile_for(1, 3) is None
    with pytest.raises(ValueError):
        quartile_for(0, 10)
    with pytest.raises(ValueError):
        rank_among([], 1.0, Polarity.HIGH_IS_GOOD)


def test_ties_share_the_best_rank() -> None:
    assert rank_among([5, 7, 7, 9], 7, Polarity.HIGH_IS_GOOD).rank == 2
    assert rank_among([5, 7, 7, 9], 7, Polarity.LOW_IS_GOOD).rank == 2
    assert rank_among([5, 7, 7, 9], 9, Polarity.LOW_IS_GOOD).rank == 4


# --- intervals and comparisons -----------------------------------------------------------------


def test_rate_interval_against_known_values() -> None:
    """575 admissions / 130,189: Byar's limits, close to the exact (chi-square) Poisson ones."""
    result = social_care_outcomes(frame(admissions_rows()), AREA, {AREA: PEERS})
    point = result.series[0].points[0]
    z = ci.Z95
    x = 575
    byar_lo = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    byar_hi = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * math.sqrt(x + 1))) ** 3
    assert point.ci_lower == pytest.approx(byar_lo / 130189 * 1e5)
    assert point.ci_upper == pytest.approx(byar_hi / 130189 * 1e5)
    exact_lo = stats.chi2.ppf(0.025, 2 * x) / 2 / 130189 * 1e5
    exact_hi = stats.chi2.ppf(0.975, 2 * x + 2) / 2 / 130189 * 1e5
    assert point.ci_lower == pytest.approx(exact_lo, rel=1e-3)
    assert point.ci_upper == pytest.approx(exact_hi, rel=1e-3)
    assert (round(point.ci_lower, 1), round(point.ci_upper, 1)) == (406.3, 479.3)
    # England's 498.2 is above the upper limit and low is good: better
    assert point.vs_england.outcome == "better"
    assert point.vs_england.confidence == 0.95 and point.vs_england.benchmark == 498.2
    assert point.method == "interval"


def test_proportion_interval_against_scipy_wilson() -> None:
    rows = [
        row(measure_code="2B(1)", value=62.0, numerator=302, denominator=487),
        row(
            measure_code="2B(1)",
            area_code=ENGLAND,
            area_level="england",
            value=79.1,
            numerator=34152,
            denominator=43193,
        ),
    ]
    result = social_care_outcomes(frame(rows), AREA, {}, measures=[REABLEMENT_91_DAYS])
    point = result.series[0].points[0]
    wilson = stats.binomtest(302, 487).proportion_ci(confidence_level=0.95, method="wilson")
    assert point.ci_lower == pytest.approx(wilson.low * 100, abs=1e-4)
    assert point.ci_upper == pytest.approx(wilson.high * 100, abs=1e-4)
    assert point.vs_england.outcome == "worse"  # high is good, England above the interval


def test_pooled_comparators_and_similar() -> None:
    result = social_care_outcomes(frame(admissions_rows()), AREA, {AREA: PEERS})
    point = result.series[0].points[0]
    pooled = (300 + 500) / (60000 + 100000) * 1e5  # 500.0
    assert point.comparators == pytest.approx(pooled)
    assert point.comparators_count == 2 and "pooled" in point.comparators_method
    assert point.vs_comparators.outcome == "better"
    # 99.8% limits are wider (386.9 to 501.6) and take in England's 498.2: similar
    wide = social_care_outcomes(frame(admissions_rows()), AREA, {}, confidence=0.998)
    p = wide.series[0].points[0]
    assert p.ci_lower < point.ci_lower and p.ci_upper > 498.2 > point.ci_upper
    assert p.vs_england.outcome == "similar" and "99.8%" in p.vs_england.method


def test_rank_uses_all_councils_not_regions_or_england() -> None:
    region = row(
        area_code="E12000008", area_level="region", value=1.0, numerator=1, denominator=1e5
    )
    rows = [*admissions_rows(), region]
    point = social_care_outcomes(frame(rows), AREA, {}).series[0].points[0]
    councils = [441.7, 500.0, 500.0, 400.0, 600.0, 250.0]
    assert point.councils == 6
    assert point.rank == rank_among(councils, 441.7, Polarity.LOW_IS_GOOD).rank == 3
    assert point.council_median == pytest.approx(470.85)


def test_published_values_only_are_ranked_not_tested() -> None:
    """The compiled tables give 2A(2) without counts: no interval, no significance."""
    rows = [
        {**r, "edition": "compiled", "numerator": None, "denominator": None, "year": "2019-20"}
        for r in admissions_rows()
    ]
    point = social_care_outcomes(frame(rows), AREA, {AREA: PEERS}).series[0].points[0]
    assert point.method == "ranked"
    assert point.ci_lower is None and point.ci_upper is None
    assert point.vs_england.outcome == "not compared" and point.vs_england.confidence is None
    assert "not tested" in point.vs_england.method
    assert point.comparators == pytest.approx((500.0 + 500.0) / 2)
    assert "mean of the published values" in point.comparators_method


def test_survey_measure_is_never_tested_even_with_counts() -> None:
    rows = [
        row(measure_code="1D", value=7.4, numerator=7400, denominator=1000),
        row(measure_code="1D", area_code=ENGLAND, area_level="england", value=7.5),
        *[
            row(measure_code="1D", area_code=c, value=v)
            for c, v in zip(PEERS + OTHERS, [7.1, 7.9, 7.5, 7.3, 8.0], strict=True)
        ],
    ]
    point = (
        social_care_outcomes(frame(rows), AREA, {AREA: PEERS}, measures=[CARER_QUALITY_OF_LIFE])
        .series[0]
        .points[0]
    )
    assert point.method == "ranked" and point.ci_lower is None
    assert point.rank == 4 and point.councils == 6 and point.quartile == 3
    assert "survey" in point.vs_england.method


# --- choosing the source for each year ---------------------------------------------------------


def test_official_preferred_to_compiled_and_ascof_to_oflog() -> None:
    rows = [
        row(
            measure_code="1D",
            edition="compiled",
            year="2018-19",
            value=7.4,
            file_name="final_data_2019.csv",
        ),
        row(
            measure_code="1D",
            edition="compiled",
            year="2018-19",
            area_code=ENGLAND,
            area_level="england",
            value=7.5,
            file_name="final_data_2019.csv",
        ),
        row(source="oflog", measure_code="ASC1", year="2018-19", value=7.4, file_name="oflog.csv"),
        row(source="oflog", measure_code="ASC1", year="2016-17", value=7.7, file_name="oflog.csv"),
        row(
            source="oflog",
            measure_code="ASC1",
            year="2016-17",
            area_code="E10000002",
            value=7.6,
            file_name="oflog.csv",
        ),
    ]
    series = social_care_outcomes(frame(rows), AREA, {}, measures=[CARER_QUALITY_OF_LIFE]).series[0]
    assert [(p.year, p.source, p.edition) for p in series.points] == [
        ("2016-17", "oflog", "official"),
        ("2018-19", "ascof", "compiled"),
    ]
    assert series.points[1].england == 7.5 and series.points[0].england is None
    assert any("no England value in the source for 2016-17" in n for n in series.notes)
    assert all(p.real for p in series.points)
    assert series.points[0].file_name == "oflog.csv"


def test_unpublished_year_is_a_point_without_a_value() -> None:
    rows = [
        row(source="oflog", measure_code="ASC7", year="2020-21", value=33.4),
        row(
            source="oflog", measure_code="ASC7", year="2021-22", value=None, status="not available"
        ),
        row(source="oflog", measure_code="ASC7", year="2021-22", area_code="E10000002", value=30.0),
    ]
    series = social_care_outcomes(frame(rows), AREA, {}, measures=[WORKFORCE_TURNOVER]).series[0]
    assert [p.value for p in series.points] == [33.4, None]
    assert series.points[1].status == "not available" and series.points[1].rank is None
    assert series.latest is not None and series.latest.year == "2020-21"


def test_no_rows_for_the_area() -> None:
    result = social_care_outcomes(frame(admissions_rows()), "E06000001", {})
    assert all(not s.points for s in result.series)
    assert result.notes and result.area_name == "E06000001"


def test_missing_columns_is_an_error() -> None:
    with pytest.raises(ValueError, match="lack columns"):
        social_care_outcomes(pd.DataFrame({"area_code": [AREA]}), AREA, {})


# --- definitions and JSON ----------------------------------------------------------------------


def test_measures_are_tied_to_the_report_themes() -> None:
    assert len(OUTCOME_MEASURES) == 7
    for m in OUTCOME_MEASURES:
        assert m.themes and set(m.themes) <= set(THEMES)
        assert (m.statistic is None) == (m.not_tested is not None)
    assert get_measure("workforce_turnover").themes == ("Workforce",)
    assert "Carers" in get_measure("carer_quality_of_life").themes
    assert set(PERMANENT_ADMISSIONS.themes) == {
        "Market shaping",
        "Review of pathways, points of access and services",
    }
    with pytest.raises(KeyError, match="valid ids"):
        get_measure("nope")


def test_json_round_trip() -> None:
    rows = [
        *admissions_rows(),
        row(measure_code="1A", value=18.6, margin_of_error=0.7),
        row(measure_code="1A", area_code="E10000002", value=19.0),
    ]
    result = social_care_outcomes(frame(rows), AREA, {AREA: PEERS}, comparator_method="test")
    data = result.to_dict()
    text = json.dumps(data)
    assert "NaN" not in text
    back = SocialCareOutcomes.from_dict(json.loads(text))
    assert back == result
    point = data["series"][0]["points"][0]
    assert point["real"] is True and point["source"] == "ascof"
    assert data["series"][0]["measure"]["polarity"] == "low_is_good"
