"""Relational audit statistics (lsr.core.relational_audit): intervals, Welch against scipy,
and suppression that never lets a value of a cell with fewer than 5 answers out."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lsr.core import relational_audit as ra
from lsr.core.relational_audit import Rating

scores = st.integers(min_value=1, max_value=5)
ORGS = ("A", "B", "C")
DIMS = ("trust", "communication")


@given(st.lists(scores, min_size=2, max_size=200))
def test_mean_interval_is_within_the_scale_and_holds_the_mean(values: list[int]) -> None:
    mean, low, high = ra.mean_interval(values)
    assert 1 <= low <= mean <= high <= 5
    assert mean == pytest.approx(sum(values) / len(values))


@given(st.lists(scores, min_size=2, max_size=60).filter(lambda v: len(set(v)) > 1))
def test_mean_interval_matches_scipy_t_interval_where_not_cut(values: list[int]) -> None:
    mean, low, high = ra.mean_interval(values)
    want = stats.t.interval(0.95, len(values) - 1, loc=mean, scale=stats.sem(values))
    assert low == pytest.approx(max(1.0, want[0]))
    assert high == pytest.approx(min(5.0, want[1]))


@given(st.lists(scores, min_size=2, max_size=40))
def test_more_of_the_same_answers_never_widens_the_interval(values: list[int]) -> None:
    """Monotonicity: the same answers twice over give an interval no wider."""
    _, low1, high1 = ra.mean_interval(values)
    _, low2, high2 = ra.mean_interval(values * 2)
    assert high2 - low2 <= high1 - low1 + 1e-12


@settings(max_examples=150)
@given(
    st.lists(scores, min_size=2, max_size=50).filter(lambda v: len(set(v)) > 1),
    st.lists(scores, min_size=2, max_size=50).filter(lambda v: len(set(v)) > 1),
)
def test_welch_interval_against_scipy(first: list[int], second: list[int]) -> None:
    diff, low, high = ra.welch_interval(first, second)
    result = stats.ttest_ind(second, first, equal_var=False)
    want = result.confidence_interval(0.95)
    assert diff == pytest.approx(sum(second) / len(second) - sum(first) / len(first))
    assert low == pytest.approx(max(-4.0, want.low))
    assert high == pytest.approx(min(4.0, want.high))
    assert -4 <= low <= diff <= high <= 4


def test_welch_without_spread_is_the_difference() -> None:
    assert ra.welch_interval([3, 3], [4, 4, 4]) == (1.0, 1.0, 1.0)


ratings_strategy = st.lists(
    st.builds(
        Rating,
        rater=st.sampled_from(ORGS),
        rated=st.sampled_from(ORGS),
        dimension=st.sampled_from(DIMS),
        score=scores,
    ).filter(lambda r: r.rater != r.rated),
    max_size=80,
)


def _counts(ratings: list[Rating]) -> dict[tuple[str, str, str], list[int]]:
    out: dict[tuple[str, str, str], list[int]] = {}
    for r in ratings:
        out.setdefault((r.rater, r.rated, r.dimension), []).append(r.score)
    return out


@settings(max_examples=200)
@given(ratings_strategy)
def test_suppression_never_leaks_a_value_below_five(ratings: list[Rating]) -> None:
    """Every cell with 1-4 answers carries no number at all, whatever else is in the round."""
    raw = _counts(ratings)
    result = ra.cells(ratings, ORGS, DIMS)
    assert len(result) == len(ORGS) * (len(ORGS) - 1) * len(DIMS)
    for cell in result:
        n = len(raw.get((cell.rater, cell.rated, cell.dimension), []))
        values = [getattr(cell, f.name) for f in dataclasses.fields(cell)][3:-1]
        if 1 <= n < 5:
            assert cell.suppressed and values == [None] * 4
        else:
            assert not cell.suppressed and cell.n == n
            if n:
                key = (cell.rater, cell.rated, cell.dimension)
                assert cell.mean == pytest.approx(sum(raw[key]) / n)


@settings(max_examples=200)
@given(ratings_strategy)
def test_network_edges_never_reveal_a_suppressed_direction(ratings: list[Rating]) -> None:
    """Secondary suppression: an edge holding a direction with 1-4 answers is not published
    (else edge * n minus the other direction would give it)."""
    raw = _counts(ratings)
    for edge in ra.edges(ratings, ORGS, DIMS):
        ab = len(raw.get((edge.a, edge.b, edge.dimension), []))
        ba = len(raw.get((edge.b, edge.a, edge.dimension), []))
        if 1 <= ab < 5 or 1 <= ba < 5:
            assert edge.suppressed and edge.n is None and edge.mean is None
        else:
            assert not edge.suppressed and edge.n == ab + ba


@settings(max_examples=150)
@given(ratings_strategy, ratings_strategy)
def test_changes_are_suppressed_when_either_round_is(
    first: list[Rating], second: list[Rating]
) -> None:
    r1, r2 = _counts(first), _counts(second)
    for ch in ra.changes(first, second, ORGS, DIMS):
        key = (ch.rater, ch.rated, ch.dimension)
        n1, n2 = len(r1.get(key, [])), len(r2.get(key, []))
        if 1 <= n1 < 5 or 1 <= n2 < 5:
            values = [getattr(ch, f.name) for f in dataclasses.fields(ch)][3:-1]
            assert ch.suppressed and values == [None] * 7
        elif n1 and n2:
            want = ra.welch_interval(r1[key], r2[key])
            assert (ch.difference, ch.low, ch.high) == want
        else:
            assert ch.difference is None


def test_ordered_pairs_are_distinct_cells() -> None:
    ratings = [Rating("A", "B", "trust", 5)] * 5 + [Rating("B", "A", "trust", 1)] * 6
    by = {(c.rater, c.rated): c for c in ra.cells(ratings, ("A", "B"), ("trust",))}
    assert by[("A", "B")].mean == 5 and by[("A", "B")].n == 5
    assert by[("B", "A")].mean == 1 and by[("B", "A")].n == 6


def test_four_is_suppressed_five_is_not() -> None:
    four = ra.cells([Rating("A", "B", "t", 3)] * 4, ("A", "B"), ("t",))[0]
    five = ra.cells([Rating("A", "B", "t", 3)] * 5, ("A", "B"), ("t",))[0]
    assert four.suppressed and four.n is None
    assert not five.suppressed and five.n == 5 and five.low == five.high == 3
    assert ra.respondent_counts({"A": 4, "B": 5, "C": 0}) == ({"A": None, "B": None, "C": 0}, 9)


@given(st.dictionaries(st.sampled_from("ABCDEF"), st.integers(0, 30), min_size=1))
def test_respondent_counts_never_reveal_a_count_below_five(counts: dict[str, int]) -> None:
    """Primary and secondary suppression: no count from 1 to 4 is published or can be got by
    subtracting the published counts from the published total."""
    shown, total = ra.respondent_counts(counts)
    for org, n in shown.items():
        assert n is None or (n == counts[org] and not 1 <= n < 5)
    hidden = [counts[o] for o, n in shown.items() if n is None]
    if total is not None:
        assert total == sum(counts.values())
        assert len(hidden) != 1, "one hidden count would be the total minus the others"


@pytest.mark.parametrize("bad", [0, 6, -1, True, 2.5, "3"])
def test_scores_outside_the_scale_are_refused(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        ra.cells([Rating("A", "B", "t", bad)], ("A", "B"), ("t",))  # type: ignore[arg-type]


def test_self_rating_is_refused() -> None:
    with pytest.raises(ValueError, match="itself"):
        ra.cells([Rating("A", "A", "t", 3)], ("A",), ("t",))


def test_interval_needs_two() -> None:
    with pytest.raises(ValueError):
        ra.mean_interval([3])
    assert math.isclose(ra.mean_interval([2, 4])[0], 3)
