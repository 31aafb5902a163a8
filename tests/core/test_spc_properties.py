"""Property-based tests of the XmR engine.

The generated series are whole numbers (and the constants halves or whole numbers where the
arithmetic must stay exact): whether a point lies exactly on a line is then decided by the
same exact arithmetic before and after a transformation, so a property can only fail through
a real fault in the engine, not through floating-point rounding at a knife edge.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lsr.core.spc import Direction, PointType, SpcOptions, SpcResult, xmr

from spc_reference import reference_rules

COMMON = PointType.COMMON_CAUSE
SWAP_QUALITY = {
    PointType.COMMON_CAUSE: PointType.COMMON_CAUSE,
    PointType.IMPROVEMENT: PointType.CONCERN,
    PointType.CONCERN: PointType.IMPROVEMENT,
    PointType.NEUTRAL_HIGH: PointType.NEUTRAL_HIGH,
    PointType.NEUTRAL_LOW: PointType.NEUTRAL_LOW,
}
SWAP_SIDE = {
    PointType.COMMON_CAUSE: PointType.COMMON_CAUSE,
    PointType.IMPROVEMENT: PointType.IMPROVEMENT,
    PointType.CONCERN: PointType.CONCERN,
    PointType.NEUTRAL_HIGH: PointType.NEUTRAL_LOW,
    PointType.NEUTRAL_LOW: PointType.NEUTRAL_HIGH,
}
OPPOSITE = {
    Direction.INCREASE: Direction.DECREASE,
    Direction.DECREASE: Direction.INCREASE,
    Direction.NEUTRAL: Direction.NEUTRAL,
}


@st.composite
def series_and_options(draw: st.DrawFn) -> tuple[list[float], SpcOptions]:
    """A whole-number series of 2 to 40 points and a random valid set of options.

    The series is small noise with up to three large spikes and sometimes two nearby
    points pushed the same way, so that every rule fires often.
    """
    values = draw(st.lists(st.integers(-10, 10), min_size=2, max_size=40))
    n = len(values)
    for _ in range(draw(st.integers(0, 3))):
        values[draw(st.integers(0, n - 1))] += draw(st.integers(-90, 90))
    if n >= 3 and draw(st.booleans()):
        # Two nearby points pushed the same way: material for the 2-of-3 rule.
        first = draw(st.integers(0, n - 3))
        push = draw(st.integers(-30, 30))
        values[first] += push
        values[first + draw(st.integers(1, 2))] += push
    # Rebase points: strictly increasing, every segment at least 2 points long.
    cuts = draw(st.lists(st.integers(2, max(2, n - 2)), max_size=3, unique=True))
    rebase: list[int] = []
    for cut in sorted(cuts):
        if cut - (rebase[-1] if rebase else 0) >= 2 and n - cut >= 2:
            rebase.append(cut)
    options = SpcOptions(
        improvement=draw(st.sampled_from(list(Direction))),
        target=draw(st.none() | st.integers(-150, 150).map(float)),
        baseline_points=draw(st.none() | st.integers(12, 20)),
        rebase_at=tuple(rebase),
        trend_length=draw(st.integers(3, 8)),
        shift_length=draw(st.integers(2, 8)),
        two_of_three_variant=draw(st.sampled_from(["classic", "nhse_2023"])),
        screen_moving_ranges=draw(st.booleans()),
        two_of_three_window=draw(st.sampled_from(["same_side", "any_side"])),
    )
    return [float(v) for v in values], options


def with_direction(options: SpcOptions, direction: Direction) -> SpcOptions:
    return SpcOptions(
        improvement=direction,
        target=options.target,
        baseline_points=options.baseline_points,
        rebase_at=options.rebase_at,
        trend_length=options.trend_length,
        shift_length=options.shift_length,
        two_of_three_variant=options.two_of_three_variant,
        screen_moving_ranges=options.screen_moving_ranges,
        two_of_three_window=options.two_of_three_window,
    )


def segments(result: SpcResult) -> list[slice]:
    bounds = [0, *result.options.rebase_at, len(result.values)]
    return [slice(a, b) for a, b in itertools.pairwise(bounds)]


@settings(deadline=None)
@given(series_and_options())
def test_limits_are_symmetric_and_ordered(case: tuple[list[float], SpcOptions]) -> None:
    values, options = case
    r = xmr(values, options)
    assert np.allclose(r.upper_limit - r.centre, r.centre - r.lower_limit)
    assert np.allclose(r.upper_2sigma - r.centre, r.centre - r.lower_2sigma)
    assert (r.upper_limit >= r.centre).all()
    assert (r.centre >= r.lower_limit).all()
    assert (r.upper_limit >= r.upper_2sigma).all()
    assert (r.lower_2sigma >= r.lower_limit).all()
    # The 2-sigma line is 1.7733 / 2.66 = 2/3 of the way from the centre to the limit.
    assert np.allclose((r.upper_2sigma - r.centre) * 2.66, (r.upper_limit - r.centre) * 1.7733)


@settings(deadline=None)
@given(series_and_options())
def test_centre_is_the_baseline_mean(case: tuple[list[float], SpcOptions]) -> None:
    values, options = case
    r = xmr(values, options)
    y = np.array(values)
    for part in segments(r):
        segment = y[part]
        baseline = (
            segment if options.baseline_points is None else segment[: options.baseline_points]
        )
        assert np.allclose(r.centre[part], np.mean(baseline))
        assert (r.trial_limits[part] == (len(baseline) < 13)).all()
        if not options.screen_moving_ranges:
            mean_mr = np.mean(np.abs(np.diff(baseline)))
            assert np.allclose(r.upper_limit[part], np.mean(baseline) + 2.66 * mean_mr)


@settings(deadline=None)
@given(st.lists(st.integers(-100, 100), min_size=2, max_size=40))
def test_centre_is_the_mean_with_default_options(ints: list[int]) -> None:
    values = [float(v) for v in ints]
    r = xmr(values)
    assert np.allclose(r.centre, sum(values) / len(values))
    assert r.trial_limits.all() == (len(values) < 13)


@settings(deadline=None)
@given(series_and_options(), st.integers(-2000, 2000).map(lambda k: k / 2))
def test_shift_equivariance(case: tuple[list[float], SpcOptions], constant: float) -> None:
    values, options = case
    r = xmr(values, options)
    moved = xmr([v + constant for v in values], options)
    assert np.allclose(moved.centre, r.centre + constant)
    assert np.allclose(moved.upper_limit, r.upper_limit + constant)
    assert np.allclose(moved.lower_limit, r.lower_limit + constant)
    assert np.allclose(moved.upper_2sigma, r.upper_2sigma + constant)
    assert moved.point_type == r.point_type
    assert moved.rule == r.rule
    assert moved.variation_icon == r.variation_icon


@settings(deadline=None)
@given(series_and_options(), st.floats(0.01, 100.0))
def test_positive_scale_equivariance(case: tuple[list[float], SpcOptions], scale: float) -> None:
    values, options = case
    options = SpcOptions(
        improvement=options.improvement,
        target=None,
        baseline_points=options.baseline_points,
        rebase_at=options.rebase_at,
        trend_length=options.trend_length,
        shift_length=options.shift_length,
        two_of_three_variant=options.two_of_three_variant,
        screen_moving_ranges=options.screen_moving_ranges,
        two_of_three_window=options.two_of_three_window,
    )
    r = xmr(values, options)
    scaled = xmr([v * scale for v in values], options)
    assert np.allclose(scaled.centre, r.centre * scale)
    assert np.allclose(scaled.upper_limit, r.upper_limit * scale)
    assert np.allclose(scaled.lower_limit, r.lower_limit * scale)
    assert np.allclose(scaled.lower_2sigma, r.lower_2sigma * scale)
    assert scaled.point_type == r.point_type
    assert scaled.rule == r.rule


@settings(deadline=None)
@given(series_and_options())
def test_flipping_sign_and_direction_keeps_improvement_and_concern(
    case: tuple[list[float], SpcOptions],
) -> None:
    values, options = case
    r = xmr(values, options)
    flipped_options = with_direction(options, OPPOSITE[options.improvement])
    flipped = xmr([-v for v in values], flipped_options)
    assert np.allclose(flipped.centre, -r.centre)
    assert np.allclose(flipped.upper_limit, -r.lower_limit)
    assert flipped.rule == r.rule
    # Improvement and concern keep their labels; a neutral chart's high and low swap.
    assert flipped.point_type == tuple(SWAP_SIDE[t] for t in r.point_type)


@settings(deadline=None)
@given(series_and_options())
def test_flipping_only_the_direction_swaps_improvement_and_concern(
    case: tuple[list[float], SpcOptions],
) -> None:
    values, options = case
    r = xmr(values, options)
    other = xmr(values, with_direction(options, OPPOSITE[options.improvement]))
    assert other.rule == r.rule
    assert other.point_type == tuple(SWAP_QUALITY[t] for t in r.point_type)
    assert np.array_equal(other.upper_limit, r.upper_limit)
    if options.improvement is not Direction.NEUTRAL and options.target is not None:
        swap = {"consistent_pass": "consistent_fail", "consistent_fail": "consistent_pass"}
        assert other.assurance_icon == swap.get(r.assurance_icon or "", r.assurance_icon)


@settings(deadline=None)
@given(series_and_options())
def test_icons_and_rules_agree_with_point_types(case: tuple[list[float], SpcOptions]) -> None:
    values, options = case
    r = xmr(values, options)
    assert len(r.point_type) == len(r.rule) == len(values)
    for point_type, rule in zip(r.point_type, r.rule, strict=True):
        assert (point_type is COMMON) == (rule is None)
    last = r.point_type[-1]
    if last is COMMON:
        assert r.variation_icon == "common_cause"
    elif options.improvement is Direction.NEUTRAL:
        assert (
            r.variation_icon
            == {
                PointType.NEUTRAL_HIGH: "neutral_high",
                PointType.NEUTRAL_LOW: "neutral_low",
            }[last]
        )
    else:
        quality = "improvement" if last is PointType.IMPROVEMENT else "concern"
        assert r.variation_icon.startswith(quality + "_")
    if options.target is None or options.improvement is Direction.NEUTRAL:
        assert r.assurance_icon is None
    else:
        assert r.assurance_icon in {"consistent_pass", "consistent_fail", "inconsistent"}
    # Every point strictly outside its limits is flagged by the outside-limits rule.
    outside = (r.values > r.upper_limit) | (r.values < r.lower_limit)
    assert all(r.rule[i] == "outside_limits" for i in np.flatnonzero(outside))
    assert r.rule_set == options.describe()


@settings(deadline=None)
@given(
    st.integers(-1000, 1000),
    st.integers(2, 60),
    st.sampled_from(list(Direction)),
    st.booleans(),
)
def test_constant_series(level: int, n: int, direction: Direction, screen: bool) -> None:
    options = SpcOptions(improvement=direction, screen_moving_ranges=screen)
    r = xmr([float(level)] * n, options)
    assert np.array_equal(r.upper_limit, r.lower_limit)
    assert np.array_equal(r.upper_limit, r.centre)
    assert np.allclose(r.centre, level)
    assert "outside_limits" not in r.rule
    assert r.point_type == (COMMON,) * n
    assert r.variation_icon == "common_cause"


@settings(deadline=None, max_examples=400)
@given(series_and_options(), st.lists(st.integers(1, 39), max_size=4, unique=True))
def test_engine_agrees_with_the_independent_reference(
    case: tuple[list[float], SpcOptions], raw_breaks: list[int]
) -> None:
    """Every point's side and rule equal those of tests/core/spc_reference.py, an exact
    (rational arithmetic) window-scan reading of the NHS England tool's rules, with and
    without gaps in the series."""
    values, options = case
    breaks = sorted(b for b in raw_breaks if b < len(values))
    try:
        r = xmr(values, options, breaks=breaks)
    except ValueError as exc:  # every moving range of a baseline crosses a gap
        assert "no two consecutive points" in str(exc)
        return
    expected = reference_rules(
        [int(v) for v in values],
        trend=options.trend_length,
        shift=options.shift_length,
        variant=options.two_of_three_variant,
        window=options.two_of_three_window,
        baseline=options.baseline_points,
        rebase_at=options.rebase_at,
        screen=options.screen_moving_ranges,
        breaks=breaks,
    )
    side_of = {
        PointType.COMMON_CAUSE: 0,
        PointType.NEUTRAL_HIGH: 1,
        PointType.NEUTRAL_LOW: -1,
    }
    for i, (point_type, rule) in enumerate(zip(r.point_type, r.rule, strict=True)):
        if point_type in side_of:
            side = side_of[point_type]
        else:
            good_is_high = options.improvement is Direction.INCREASE
            side = 1 if (point_type is PointType.IMPROVEMENT) == good_is_high else -1
        assert (side, rule) == expected[i], f"point {i} of {values}"


def test_same_side_differs_from_any_side_on_some_series() -> None:
    """The two readings of 2-of-3 are really different (so the option is not a no-op)."""
    rng = np.random.default_rng(7)
    differing = 0
    for _ in range(2000):
        values = [float(v) for v in rng.integers(-10, 11, size=24)]
        a = xmr(values, SpcOptions(two_of_three_window="same_side"))
        b = xmr(values, SpcOptions(two_of_three_window="any_side"))
        differing += a.rule != b.rule
    assert 0 < differing < 2000
