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
