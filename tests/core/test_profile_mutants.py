"""The profile's points and its split of indicators, rules test_profile.py left open, found by
mutation testing (docs/mutation-testing.md). Values worked by hand."""

from __future__ import annotations

import pytest
from test_profile import GROUPS, NAMES, A, B, C, _counts

from lsr.core.indicators import INDICATORS
from lsr.core.profile import area_profile, compute_profile_table

ENGLAND = "E92000001"


def _profile():  # type: ignore[no-untyped-def]
    rows = []
    for p in range(3):
        rows += [
            ("readmissions_30d_65", a, p, n, d)
            for a, n, d in ((A, 50, 200), (B, 30, 100), (C, 20, 100), (ENGLAND, 100, 400))
        ]
        rows += [("emergency_admissions_65", a, p, 100, 10_000) for a in (A, ENGLAND)]
        rows += [("ae_four_hours", a, p, 900, 1_000) for a in (A, ENGLAND)]
    return area_profile(compute_profile_table(_counts(rows), GROUPS), A, NAMES, GROUPS, "m")


def test_a_point_carries_the_comparator_benchmark_and_its_confidence() -> None:
    """Readmissions of A: B and C pooled, (30 + 20) / (100 + 100) = 25%, compared at the
    profile's 95%; emergency admissions, which no comparator has, are not compared and carry
    no confidence level."""
    profile = _profile()
    by_id = {ind.indicator.id: ind for ind in profile.all_indicators}
    point = by_id["readmissions_30d_65"].points[0]
    assert point.comparators == pytest.approx(25.0)
    assert point.vs_comparators.benchmark == point.comparators
    assert point.vs_comparators.confidence == 0.95
    assert point.vs_england.confidence == 0.95
    lonely = by_id["emergency_admissions_65"].points[0]
    assert lonely.comparators is None
    assert lonely.vs_comparators.outcome == "not compared"
    assert lonely.vs_comparators.confidence is None
    assert lonely.vs_england.confidence == 0.95


def test_the_six_indicators_and_the_supplementary_ones_are_kept_apart() -> None:
    profile = _profile()
    six = [ind.id for ind in INDICATORS]
    assert [ind.indicator.id for ind in profile.indicators] == six
    assert [ind.indicator.id for ind in profile.supplementary] == ["ae_four_hours"]


def test_the_confidence_level_sets_the_width_of_proportion_intervals() -> None:
    """Readmissions (a proportion) of A, 50 of 200, at 99.8%: the Wilson interval with
    z = 3.090232 (hand formula), not the 95% one."""
    import math

    from lsr.core.profile import ProfileSettings

    rows = [
        ("readmissions_30d_65", a, p, n, d)
        for p in range(3)
        for a, n, d in ((A, 50, 200), (B, 30, 100), (ENGLAND, 100, 400))
    ]
    table = compute_profile_table(_counts(rows), GROUPS, ProfileSettings(confidence=0.998))
    row = table.points[table.points["area_code"] == A].iloc[0]
    z, x, n = 3.090232, 50, 200  # z_for(0.998), six decimals as published tables give it
    centre, half = 2 * x + z**2, z * math.sqrt(z**2 + 4 * x * (1 - x / n))
    assert row["ci_lower"] == pytest.approx((centre - half) / (2 * (n + z**2)) * 100, rel=1e-9)
    assert row["ci_upper"] == pytest.approx((centre + half) / (2 * (n + z**2)) * 100, rel=1e-9)


def test_a_counts_frame_without_a_column_is_refused_naming_it() -> None:
    counts = _counts([("readmissions_30d_65", A, 0, 50, 200)]).drop(columns=["denominator"])
    with pytest.raises(ValueError, match=r"^counts frame lacks columns: denominator$"):
        compute_profile_table(counts, GROUPS)


def test_an_empty_table_has_numeric_interval_columns() -> None:
    counts = _counts([("readmissions_30d_65", A, 0, 50, 200)]).iloc[0:0]
    table = compute_profile_table(counts, GROUPS)
    assert table.points.empty
    for column in ("value", "ci_lower", "ci_upper", "england", "comparators"):
        assert table.points[column].dtype.kind == "f", column


def test_a_series_too_short_for_a_chart_has_no_icons() -> None:
    rows = [("readmissions_30d_65", a, 0, 50, 200) for a in (A, ENGLAND)]
    profile = area_profile(compute_profile_table(_counts(rows), GROUPS), A, NAMES, GROUPS, "m")
    (ind,) = [i for i in profile.indicators if i.points]
    assert ind.variation_icon is None and ind.assurance_icon is None
