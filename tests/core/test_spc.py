"""Point-by-point checks of the XmR engine on small hand-made series.

Most tests put a tail of test points after a fixed 14-point baseline ``BASE`` = 12, 10, 12, 10,
... whose lines are worked out by hand once:

* centre = (12 + 10) / 2 = 11;
* every moving range is |12 - 10| = 2, so mean(mR) = 2;
* limits = 11 ± 2.66 × 2 = 11 ± 5.32, i.e. LCL 5.68 and UCL 16.32;
* 2-sigma lines = 11 ± 1.7733 × 2 = 11 ± 3.5466, i.e. 7.4534 and 14.5466.

The baseline alternates, so on its own it has no trend, no shift and no point beyond 2 sigma.
Its last point (index 13) is 10, below the centre.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lsr.core.spc import Direction, PointType, SpcOptions, SpcResult, xmr

BASE = [12.0, 10.0] * 7
N_BASE = len(BASE)  # 14: tail points start at index 14
CENTRE = 11.0
UCL = 11.0 + 2.66 * 2.0  # 16.32
LCL = 11.0 - 2.66 * 2.0  # 5.68
UPPER_2SIGMA = 11.0 + 1.7733 * 2.0  # 14.5466
LOWER_2SIGMA = 11.0 - 1.7733 * 2.0  # 7.4534

COMMON = PointType.COMMON_CAUSE
IMP = PointType.IMPROVEMENT
CON = PointType.CONCERN
N_HIGH = PointType.NEUTRAL_HIGH
N_LOW = PointType.NEUTRAL_LOW


def chart(tail: list[float], **options: object) -> SpcResult:
    """The chart of BASE followed by ``tail``, with limits fixed on BASE."""
    return xmr(BASE + tail, SpcOptions(baseline_points=N_BASE, **options))  # type: ignore[arg-type]


def tail_rules(result: SpcResult) -> list[str | None]:
    return list(result.rule[N_BASE:])


def tail_types(result: SpcResult) -> list[PointType]:
    return list(result.point_type[N_BASE:])


# --- the lines ----------------------------------------------------------------------------


def test_base_lines_by_hand() -> None:
    r = chart([])
    assert np.allclose(r.centre, 11.0)
    assert np.allclose(r.upper_limit, 16.32)
    assert np.allclose(r.lower_limit, 5.68)
    assert np.allclose(r.upper_2sigma, 14.5466)
    assert np.allclose(r.lower_2sigma, 7.4534)
    assert r.point_type == (COMMON,) * N_BASE
    assert r.rule == (None,) * N_BASE
    assert r.variation_icon == "common_cause"
    assert not r.has_trial_limits


def test_lines_use_all_points_by_default() -> None:
    values = [4.0, 8.0, 6.0, 10.0, 7.0]
    # centre = 35 / 5 = 7; moving ranges 4, 2, 4, 3 -> mean 13 / 4 = 3.25
    r = xmr(values)
    assert np.allclose(r.centre, 7.0)
    assert np.allclose(r.upper_limit, 7.0 + 2.66 * 3.25)  # 15.645
    assert np.allclose(r.lower_limit, 7.0 - 2.66 * 3.25)  # -1.645
    assert np.allclose(r.upper_2sigma, 7.0 + 1.7733 * 3.25)
    assert np.allclose(r.lower_2sigma, 7.0 - 1.7733 * 3.25)
    assert np.array_equal(r.values, values)


def test_lower_limit_is_not_truncated_at_zero() -> None:
    r = xmr([0.0, 5.0, 0.0, 5.0])
    # centre 2.5, mean mR 5: LCL = 2.5 - 13.3 = -10.8
    assert np.allclose(r.lower_limit, -10.8)


# --- rule 1: outside the limits -----------------------------------------------------------


def test_point_exactly_on_the_upper_limit_is_not_outside() -> None:
    on_limit = 11.0 + 2.66 * 2.0
    r = chart([on_limit])
    assert r.values[-1] == r.upper_limit[-1]
    assert r.rule[-1] is None
    assert r.point_type[-1] is COMMON


def test_point_exactly_on_the_lower_limit_is_not_outside() -> None:
    r = chart([11.0 - 2.66 * 2.0], improvement=Direction.INCREASE)
    assert r.rule[-1] is None
    assert r.variation_icon == "common_cause"


def test_point_above_the_upper_limit() -> None:
    r = chart([16.33], improvement=Direction.INCREASE)
    assert tail_rules(r) == ["outside_limits"]
    assert tail_types(r) == [IMP]
    assert r.variation_icon == "improvement_high"
    assert r.rule[:N_BASE] == (None,) * N_BASE


def test_point_below_the_lower_limit() -> None:
    r = chart([5.67], improvement=Direction.INCREASE)
    assert tail_rules(r) == ["outside_limits"]
    assert tail_types(r) == [CON]
    assert r.variation_icon == "concern_low"


# --- improvement, concern and neutral ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "direction", "expected_type", "icon"),
    [
        (17.0, Direction.INCREASE, IMP, "improvement_high"),
        (17.0, Direction.DECREASE, CON, "concern_high"),
        (17.0, Direction.NEUTRAL, N_HIGH, "neutral_high"),
        (5.0, Direction.INCREASE, CON, "concern_low"),
        (5.0, Direction.DECREASE, IMP, "improvement_low"),
        (5.0, Direction.NEUTRAL, N_LOW, "neutral_low"),
    ],
)
def test_type_and_icon_follow_side_and_direction(
    value: float, direction: Direction, expected_type: PointType, icon: str
) -> None:
    r = chart([value], improvement=direction)
    assert r.point_type[-1] is expected_type
    assert r.variation_icon == icon


def test_direction_may_be_given_as_a_string() -> None:
    options = SpcOptions(improvement="decrease")  # type: ignore[arg-type]
    assert options.improvement is Direction.DECREASE
    r = chart([17.0], improvement="decrease")
    assert r.point_type[-1] is CON


def test_variation_icon_is_the_last_points_type_only() -> None:
    # A special-cause point followed by an ordinary one: the icon is common cause.
    r = chart([17.0, 11.5], improvement=Direction.INCREASE)
    assert tail_types(r) == [IMP, COMMON]
    assert r.variation_icon == "common_cause"


# --- rule 2: trend ------------------------------------------------------------------------

# 10 (index 13) -> 9 is a fall, so the rise starts at index 14. All these points lie between
# the 2-sigma lines (7.4534 .. 14.5466); four are below the centre and three above, so no shift.
RISE_7 = [9.0, 9.5, 10.0, 10.5, 11.5, 12.0, 12.5]


def test_trend_of_7_is_flagged_with_trend_length_7() -> None:
    r = chart(RISE_7, improvement=Direction.INCREASE)
    assert tail_rules(r) == ["trend"] * 7
    # A rising trend is "high" even where its points are below the centre.
    assert tail_types(r) == [IMP] * 7
    assert r.rule[N_BASE - 1] is None
    assert r.variation_icon == "improvement_high"


def test_trend_of_6_is_not_flagged_with_trend_length_7() -> None:
    r = chart(RISE_7[:6], improvement=Direction.INCREASE)
    assert tail_rules(r) == [None] * 6
    assert r.variation_icon == "common_cause"


def test_trend_of_6_is_flagged_with_trend_length_6() -> None:
    r = chart(RISE_7[:6], trend_length=6)
    assert tail_rules(r) == ["trend"] * 6
    assert tail_types(r) == [N_HIGH] * 6


def test_trend_of_5_is_not_flagged_with_trend_length_6() -> None:
    r = chart(RISE_7[:5], trend_length=6)
    assert tail_rules(r) == [None] * 5


def test_falling_trend_is_low() -> None:
    # 10 -> 14 is a rise, then seven falling points, all inside the 2-sigma lines.
    fall = [14.0, 13.0, 12.0, 11.5, 10.5, 10.0, 9.0]
    r = chart(fall, improvement=Direction.INCREASE)
    assert tail_rules(r) == ["trend"] * 7
    assert tail_types(r) == [CON] * 7
    assert r.variation_icon == "concern_low"
    r = chart(fall, improvement=Direction.DECREASE)
    assert tail_types(r) == [IMP] * 7
    assert r.variation_icon == "improvement_low"


def test_a_tie_breaks_a_trend() -> None:
    tied = [9.0, 9.5, 10.0, 10.0, 10.5, 11.5, 12.0, 12.5]  # 9.5 -> 10 -> 10 is a tie
    assert chart(tied, trend_length=7).rule[N_BASE:] == (None,) * 8
    assert chart(tied, trend_length=6).rule[N_BASE:] == (None,) * 8
    # The tie ends the first run (3 points) and starts the second (5 points: 10 .. 12.5).
    r = chart(tied, trend_length=5)
    assert tail_rules(r) == [None, None, None] + ["trend"] * 5


def test_a_peak_shared_by_two_trends_keeps_the_earlier_trend() -> None:
    # 9, 10, 11, 12 rise (indexes 14-17); 12, 11, 10, 9 fall (indexes 17-20).
    r = chart([9.0, 10.0, 11.0, 12.0, 11.0, 10.0, 9.0], trend_length=4, improvement="increase")
    assert tail_rules(r) == ["trend"] * 7
    assert tail_types(r) == [IMP] * 4 + [CON] * 3
    # The same when the fall is followed by a rise (the fall ends before the series does).
    r = chart(
        [9.0, 10.0, 11.0, 12.0, 11.0, 10.0, 9.0, 10.0], trend_length=4, improvement="increase"
    )
    assert tail_types(r) == [IMP] * 4 + [CON] * 3 + [COMMON]


# --- rule 3: two of three beyond 2 sigma --------------------------------------------------


def test_two_of_three_in_the_band_is_flagged() -> None:
    # 15 is in the upper band (14.5466 < 15 <= 16.32); 11.5 is not beyond 2 sigma.
    r = chart([15.0, 11.5, 15.0], improvement=Direction.DECREASE)
    assert tail_rules(r) == ["two_of_three", None, "two_of_three"]
    assert tail_types(r) == [CON, COMMON, CON]
    assert r.variation_icon == "concern_high"


def test_two_of_three_low_side() -> None:
    # 7 is in the lower band (5.68 <= 7 < 7.4534).
    r = chart([7.0, 7.2, 11.5], improvement=Direction.DECREASE)
    assert tail_rules(r) == ["two_of_three", "two_of_three", None]
    assert tail_types(r) == [IMP, IMP, COMMON]
    assert r.variation_icon == "common_cause"


def test_two_of_three_on_opposite_sides_is_no_signal() -> None:
    r = chart([15.0, 11.5, 7.0])
    assert tail_rules(r) == [None, None, None]


def test_two_of_three_needs_the_third_point_on_the_same_side_by_default() -> None:
    # 15, 10, 15: two points in the upper band, but 10 lies below the centre (11). NHS England's
    # Making Data Count Single Chart tool counts the window only when all three points are on
    # one side (NHSRplotthedots issues 143 and 194), so there is no signal.
    r = chart([15.0, 10.0, 15.0], improvement=Direction.DECREASE)
    assert tail_rules(r) == [None, None, None]
    # The Power BI custom visual lets the third point lie anywhere: both 15s are flagged.
    powerbi = chart(
        [15.0, 10.0, 15.0], improvement=Direction.DECREASE, two_of_three_window="any_side"
    )
    assert tail_rules(powerbi) == ["two_of_three", None, "two_of_three"]
    assert tail_types(powerbi) == [CON, COMMON, CON]


def test_two_of_three_third_point_on_the_centre_is_on_neither_side() -> None:
    r = chart([15.0, 11.0, 15.0])
    assert tail_rules(r) == [None, None, None]
    assert tail_rules(chart([15.0, 11.0, 15.0], two_of_three_window="any_side")) == [
        "two_of_three",
        None,
        "two_of_three",
    ]


def test_two_of_three_same_side_windows_overlap() -> None:
    # 15, 15, 10: the window (10 from the base, 15, 15) has a point below the centre, but the
    # window (15, 15, 10) does too; only a window of three on one side counts. Adding 12 after
    # the two 15s makes the window (15, 15, 12) qualify.
    assert tail_rules(chart([15.0, 15.0, 10.0])) == [None, None, None]
    assert tail_rules(chart([15.0, 15.0, 12.0])) == ["two_of_three", "two_of_three", None]


def test_unknown_two_of_three_window_is_refused() -> None:
    with pytest.raises(ValueError, match="two_of_three_window"):
        SpcOptions(two_of_three_window="sideways")  # type: ignore[arg-type]


def test_two_beyond_2_sigma_but_not_within_three_points_is_no_signal() -> None:
    r = chart([15.0, 11.5, 10.5, 15.0])
    assert tail_rules(r) == [None] * 4


def test_a_point_exactly_on_the_2_sigma_line_does_not_count() -> None:
    r = chart([11.0 + 1.7733 * 2.0, 11.5, 15.0])
    assert tail_rules(r) == [None, None, None]


def test_a_point_exactly_on_the_limit_counts_in_the_classic_band() -> None:
    r = chart([11.0 + 2.66 * 2.0, 11.5, 15.0])
    assert tail_rules(r) == ["two_of_three", None, "two_of_three"]


def test_classic_two_of_three_ignores_points_beyond_the_limits() -> None:
    # 15 is in the band, 17 is beyond the UCL: classic counts only 15, so no 2-of-3.
    r = chart([15.0, 11.5, 17.0], two_of_three_variant="classic")
    assert tail_rules(r) == [None, None, "outside_limits"]
    assert tail_types(r) == [COMMON, COMMON, N_HIGH]


def test_nhse_2023_two_of_three_counts_points_beyond_the_limits() -> None:
    r = chart([15.0, 11.5, 17.0], two_of_three_variant="nhse_2023")
    # 17 is flagged by both rules; outside_limits has priority.
    assert tail_rules(r) == ["two_of_three", None, "outside_limits"]
    assert tail_types(r) == [N_HIGH, COMMON, N_HIGH]


def test_nhse_2023_two_beyond_the_limits_is_also_two_of_three() -> None:
    r = chart([17.0, 11.5, 17.0], two_of_three_variant="nhse_2023")
    assert tail_rules(r) == ["outside_limits", None, "outside_limits"]
    classic = chart([17.0, 11.5, 17.0], two_of_three_variant="classic")
    assert tail_rules(classic) == ["outside_limits", None, "outside_limits"]


# --- rule 4: shift ------------------------------------------------------------------------

# Seven points above the centre, inside the 2-sigma lines, alternating (no trend).
ABOVE_7 = [12.0, 11.5, 12.0, 11.5, 12.0, 11.5, 12.0]


def test_shift_of_7_is_flagged() -> None:
    r = chart(ABOVE_7, improvement=Direction.INCREASE)
    assert tail_rules(r) == ["shift"] * 7
    assert tail_types(r) == [IMP] * 7
    assert r.rule[N_BASE - 1] is None  # index 13 (10) is below the centre
    assert r.variation_icon == "improvement_high"


def test_shift_of_6_needs_shift_length_6() -> None:
    assert tail_rules(chart(ABOVE_7[:6])) == [None] * 6
    assert tail_rules(chart(ABOVE_7[:6], shift_length=6)) == ["shift"] * 6


def test_shift_below_the_centre() -> None:
    below = [10.0, 10.5, 10.0, 10.5, 10.0, 10.5, 10.0]
    # Index 13 (10) is also below the centre: the run is 8 points long.
    r = chart(below, improvement=Direction.INCREASE)
    assert list(r.rule[N_BASE - 1 :]) == ["shift"] * 8
    assert list(r.point_type[N_BASE - 1 :]) == [CON] * 8
    assert r.variation_icon == "concern_low"


def test_a_point_on_the_centre_breaks_a_shift() -> None:
    broken = [12.0, 11.5, 12.0, 11.0, 12.0, 11.5, 12.0, 11.5]  # 11.0 is the centre
    assert tail_rules(chart(broken)) == [None] * 8
    # With a shift of 4 the run after the centre point (4 points) is flagged, the one before
    # (3 points) is not, and the point on the centre is not.
    r = chart(broken, shift_length=4)
    assert tail_rules(r) == [None, None, None, None] + ["shift"] * 4


def test_a_point_on_the_centre_up_to_rounding_breaks_a_shift() -> None:
    # Baseline 0.1, 0.2, ...: the centre is 0.15 exactly, but 0.15000000000000005 in floating
    # point. A value of 0.15 is on the centre and must break the run below it.
    base = [0.1, 0.2] * 7
    tail = [0.1, 0.125, 0.1, 0.15, 0.1, 0.125, 0.1, 0.125]
    r = xmr(base + tail, SpcOptions(baseline_points=14, shift_length=4))
    assert r.centre[-1] != 0.15
    assert math.isclose(r.centre[-1], 0.15)
    assert list(r.rule[14:]) == [None] * 4 + ["shift"] * 4


# --- priority -----------------------------------------------------------------------------


def test_outside_limits_outranks_shift() -> None:
    r = chart([12.0, 11.5, 12.0, 11.5, 12.0, 11.5, 17.0])
    assert tail_rules(r) == ["shift"] * 6 + ["outside_limits"]


def test_trend_outranks_shift_and_decides_the_side() -> None:
    # Seven falling points, all above the centre and inside the 2-sigma lines: both a falling
    # trend (low) and a shift above the centre (high). The trend decides.
    fall_above = [14.0, 13.5, 13.0, 12.5, 12.0, 11.8, 11.6]
    r = chart(fall_above, improvement=Direction.INCREASE)
    assert tail_rules(r) == ["trend"] * 7
    assert tail_types(r) == [CON] * 7
    r = chart(fall_above, improvement=Direction.NEUTRAL)
    assert tail_types(r) == [N_LOW] * 7
    # Without the trend rule firing (length 8) the same points are a shift, high.
    r = chart(fall_above, improvement=Direction.INCREASE, trend_length=8)
    assert tail_rules(r) == ["shift"] * 7
    assert tail_types(r) == [IMP] * 7


def test_two_of_three_outranks_shift() -> None:
    r = chart([12.0, 15.0, 11.5, 15.0, 12.0, 11.5, 12.0])
    assert tail_rules(r) == ["shift", "two_of_three", "shift", "two_of_three"] + ["shift"] * 3


def test_trend_outranks_two_of_three() -> None:
    # Rising from 11.5 to 15: the last two points are in the upper band.
    rise = [11.5, 12.0, 12.5, 13.0, 13.5, 14.6, 15.0]
    r = chart(rise, trend_length=8, shift_length=8)
    assert tail_rules(r) == ["trend"] * 7
    # The rise starts at index 13 (10 -> 11.5), so it is 8 points long: a trend of 9 is needed
    # to switch the trend rule off.
    assert r.rule[N_BASE - 1] == "trend"
    r = chart(rise, trend_length=9, shift_length=8)
    assert tail_rules(r) == [None] * 5 + ["two_of_three"] * 2


# --- trial limits and a fixed baseline ----------------------------------------------------


def test_twelve_points_give_trial_limits() -> None:
    r = xmr([12.0, 10.0] * 6)
    assert r.trial_limits.tolist() == [True] * 12
    assert r.has_trial_limits


def test_thirteen_points_do_not_give_trial_limits() -> None:
    r = xmr([12.0, 10.0] * 6 + [12.0])
    assert r.trial_limits.tolist() == [False] * 13
    assert not r.has_trial_limits


def test_a_fixed_baseline_below_12_points_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least 12"):
        SpcOptions(baseline_points=11)


def test_a_fixed_baseline_of_12_points_is_allowed_and_trial() -> None:
    values = [12.0, 10.0] * 6 + [20.0, 22.0, 20.0, 22.0]
    r = xmr(values, SpcOptions(baseline_points=12))
    # Fixed on the first 12 points: centre 11, mean mR 2, limits 5.68 .. 16.32 for all 16.
    assert np.allclose(r.centre, 11.0)
    assert np.allclose(r.upper_limit, 16.32)
    assert r.trial_limits.all()
    assert list(r.rule[12:]) == ["outside_limits"] * 4


def test_without_a_fixed_baseline_all_points_set_the_limits() -> None:
    values = [12.0, 10.0] * 6 + [20.0, 22.0, 20.0, 22.0]
    r = xmr(values)
    # centre = (6 × 22 + 84) / 16 = 216 / 16 = 13.5
    # moving ranges: 11 × 2, |20 - 10| = 10, 3 × 2 -> 38 / 15
    ucl = 13.5 + 2.66 * 38 / 15  # 20.2387
    assert np.allclose(r.centre, 13.5)
    assert np.allclose(r.upper_limit, ucl)
    assert not r.trial_limits.any()
    # 22 is above 20.2387; 20 is not, but it is beyond the 2-sigma line
    # 13.5 + 1.7733 × 38 / 15 = 17.99, so the two 20s are 2 of 3 in the band.
    assert list(r.rule[12:]) == ["two_of_three", "outside_limits", "two_of_three", "outside_limits"]
    assert r.point_type[12:] == (N_HIGH,) * 4


def test_a_fixed_baseline_longer_than_the_series_uses_every_point() -> None:
    values = [4.0, 8.0, 6.0, 10.0, 7.0]
    r = xmr(values, SpcOptions(baseline_points=20))
    assert np.allclose(r.centre, 7.0)
    assert np.allclose(r.upper_limit, 7.0 + 2.66 * 3.25)
    assert r.trial_limits.all()


# --- rebasing -----------------------------------------------------------------------------


def test_rebasing_gives_each_segment_its_own_lines() -> None:
    a = [12.0, 10.0] * 7  # centre 11, mean mR 2: limits 5.68 .. 16.32
    b = [34.0, 30.0] * 7  # centre 32, mean mR 4: limits 32 ± 10.64 = 21.36 .. 42.64
    r = xmr(a + b, SpcOptions(rebase_at=(14,)))
    assert np.allclose(r.centre, [11.0] * 14 + [32.0] * 14)
    assert np.allclose(r.upper_limit, [16.32] * 14 + [42.64] * 14)
    assert np.allclose(r.lower_limit, [5.68] * 14 + [21.36] * 14)
    assert np.allclose(r.upper_2sigma, [11 + 1.7733 * 2] * 14 + [32 + 1.7733 * 4] * 14)
    # The jump of |34 - 10| = 24 between segments is not a moving range of either segment,
    # and the new level is not a special cause.
    assert r.point_type == (COMMON,) * 28
    assert r.segment.tolist() == [0] * 14 + [1] * 14
    # Without the rebase the step is flagged.
    assert any(r is not None for r in xmr(a + b).rule)


def test_rebasing_with_a_fixed_baseline_uses_each_segments_first_points() -> None:
    a = [12.0, 10.0] * 6 + [30.0, 30.0]  # baseline 12: centre 11, mean mR 2
    b = [34.0, 30.0] * 6 + [0.0]  # baseline 12: centre 32, mean mR 4
    r = xmr(a + b, SpcOptions(baseline_points=12, rebase_at=(14,)))
    assert np.allclose(r.centre, [11.0] * 14 + [32.0] * 13)
    assert np.allclose(r.upper_limit, [16.32] * 14 + [42.64] * 13)
    assert r.trial_limits.all()  # both baselines have 12 points
    assert list(r.rule[12:14]) == ["outside_limits"] * 2
    assert r.rule[-1] == "outside_limits"


def test_a_shift_restarts_at_a_rebase() -> None:
    a = [12.0, 10.0] * 6 + [12.0, 11.5, 12.0, 11.5]  # baseline 12: centre 11; 4 points above
    b = [34.0, 30.0] * 6  # centre 32: its first point is above, its second below
    options = {"baseline_points": 12, "rebase_at": (16,)}
    # 4 + 1 points above the centre either side of the rebase: not a shift of 5.
    r = xmr(a + b, SpcOptions(shift_length=5, **options))  # type: ignore[arg-type]
    assert r.rule == (None,) * 28
    # The 4 points at the end of the first segment are a shift of 4 (so the run is there).
    r = xmr(a + b, SpcOptions(shift_length=4, **options))  # type: ignore[arg-type]
    assert list(r.rule[12:17]) == ["shift"] * 4 + [None]


def test_a_trend_restarts_at_a_rebase() -> None:
    a = [12.0, 10.0] * 6 + [9.0, 10.0, 11.0]  # 10 -> 9 falls; 9, 10, 11 rise (indexes 12-14)
    b = [12.0, 13.0] + [11.0, 13.0] * 5  # 11 -> 12 -> 13 would continue the rise
    values = a + b
    r = xmr(values, SpcOptions(baseline_points=12, rebase_at=(15,), trend_length=4))
    assert r.rule == (None,) * 27
    # Without the rebase, 9, 10, 11, 12, 13 (indexes 12-16) is a trend of 5. The limits are
    # then 5.68 .. 16.32 from the first 12 points and the 2-sigma line 14.5466: no other rule.
    r = xmr(values, SpcOptions(baseline_points=12, trend_length=4))
    assert list(r.rule[11:18]) == [None] + ["trend"] * 5 + [None]


def test_two_of_three_restarts_at_a_rebase() -> None:
    a = [10.0, 12.0] * 10 + [16.0]
    b = [16.0] + [10.0, 12.0] * 10
    # a: centre = 236 / 21 = 11.238; mean mR = (19 × 2 + 4) / 20 = 2.1
    #    upper 2 sigma = 236 / 21 + 1.7733 × 2.1 = 14.962; UCL = 236 / 21 + 5.586 = 16.824
    # b: centre = 236 / 21; mean mR = (6 + 19 × 2) / 20 = 2.2
    #    upper 2 sigma = 236 / 21 + 1.7733 × 2.2 = 15.139; UCL = 236 / 21 + 5.852 = 17.090
    r = xmr(a + b, SpcOptions(rebase_at=(21,)))
    assert math.isclose(r.upper_2sigma[20], 236 / 21 + 1.7733 * 2.1)
    assert math.isclose(r.upper_2sigma[21], 236 / 21 + 1.7733 * 2.2)
    assert math.isclose(r.upper_limit[21], 236 / 21 + 2.66 * 2.2)
    # Both 16s (indexes 20 and 21) are in their segment's band, and adjacent, but in different
    # segments: no 2-of-3.
    assert r.upper_2sigma[20] < 16.0 <= r.upper_limit[20]
    assert r.upper_2sigma[21] < 16.0 <= r.upper_limit[21]
    assert r.rule == (None,) * 42


def test_trial_limits_are_per_segment() -> None:
    a = [12.0, 10.0] * 7  # 14 points
    b = [34.0, 30.0] * 3  # 6 points: trial
    r = xmr(a + b, SpcOptions(rebase_at=(14,)))
    assert r.trial_limits.tolist() == [False] * 14 + [True] * 6
    assert r.has_trial_limits


# --- moving-range screening ---------------------------------------------------------------


STEP = [10.0, 12.0] * 5 + [60.0, 62.0] * 5  # one huge jump, 12 -> 60


def test_screening_off_keeps_the_huge_moving_range() -> None:
    r = xmr(STEP)
    # centre = (5 × 22 + 5 × 122) / 20 = 720 / 20 = 36
    # moving ranges: 9 × 2, 48, 9 × 2 -> mean = 84 / 19 = 4.4211
    assert np.allclose(r.centre, 36.0)
    assert np.allclose(r.upper_limit, 36.0 + 2.66 * 84 / 19)  # 47.76
    assert np.allclose(r.lower_limit, 36.0 - 2.66 * 84 / 19)


def test_screening_on_drops_the_huge_moving_range() -> None:
    r = xmr(STEP, SpcOptions(screen_moving_ranges=True))
    # threshold = 3.267 × 84 / 19 = 14.44: the 48 is dropped; mean = 36 / 18 = 2
    assert np.allclose(r.centre, 36.0)
    assert np.allclose(r.upper_limit, 36.0 + 2.66 * 2.0)  # 41.32
    assert np.allclose(r.lower_limit, 36.0 - 2.66 * 2.0)  # 30.68
    assert "screening on" in r.rule_set


def test_screening_recomputes_the_mean_only_once() -> None:
    # Moving ranges 1 × 18, 10, 100: mean = 128 / 20 = 6.4, threshold 20.91 -> drop 100 only.
    # A second pass would use mean 28 / 19 = 1.474 (threshold 4.8) and also drop the 10.
    values = [0.0, 1.0] * 9 + [0.0, 10.0, 110.0]
    diffs = np.abs(np.diff(values))
    assert sorted(diffs.tolist())[-3:] == [1.0, 10.0, 100.0]
    assert diffs.sum() == 128.0
    r = xmr(values, SpcOptions(screen_moving_ranges=True))
    centre = sum(values) / 21
    assert np.allclose(r.upper_limit, centre + 2.66 * 28 / 19)


def test_screening_a_constant_series() -> None:
    r = xmr([3.0] * 15, SpcOptions(screen_moving_ranges=True))
    assert np.allclose(r.upper_limit, 3.0)
    assert r.point_type == (COMMON,) * 15


# --- assurance icon -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "target", "icon"),
    [
        (Direction.INCREASE, 5.0, "consistent_pass"),  # target below LCL 5.68
        (Direction.INCREASE, 17.0, "consistent_fail"),  # target above UCL 16.32
        (Direction.DECREASE, 5.0, "consistent_fail"),
        (Direction.DECREASE, 17.0, "consistent_pass"),
        (Direction.INCREASE, 11.0, "inconsistent"),
        (Direction.DECREASE, 6.0, "inconsistent"),
        (Direction.INCREASE, 11.0 + 2.66 * 2.0, "inconsistent"),  # exactly on the UCL
        (Direction.DECREASE, 11.0 - 2.66 * 2.0, "inconsistent"),  # exactly on the LCL
        (Direction.NEUTRAL, 17.0, None),
        (Direction.INCREASE, None, None),
    ],
)
def test_assurance_icon(direction: Direction, target: float | None, icon: str | None) -> None:
    r = xmr(BASE, SpcOptions(improvement=direction, target=target))
    assert r.assurance_icon == icon


def test_assurance_uses_the_last_segments_limits() -> None:
    a = [12.0, 10.0] * 7  # limits 5.68 .. 16.32: a target of 20 is above them
    b = [34.0, 30.0] * 7  # limits 21.36 .. 42.64: a target of 20 is below them
    options = SpcOptions(improvement=Direction.INCREASE, target=20.0, rebase_at=(14,))
    assert xmr(a + b, options).assurance_icon == "consistent_pass"
    first_only = SpcOptions(improvement=Direction.INCREASE, target=20.0)
    assert xmr(a, first_only).assurance_icon == "consistent_fail"


# --- constant series ----------------------------------------------------------------------


def test_constant_series_has_zero_width_limits_and_no_signal() -> None:
    r = xmr([5.0] * 20, SpcOptions(improvement=Direction.INCREASE))
    assert np.array_equal(r.upper_limit, r.lower_limit)
    assert np.allclose(r.centre, 5.0)
    assert r.point_type == (COMMON,) * 20
    assert r.variation_icon == "common_cause"


def test_point_off_a_constant_baseline_is_outside() -> None:
    r = xmr([5.0] * 12 + [5.5], SpcOptions(baseline_points=12, improvement=Direction.INCREASE))
    assert r.rule[-1] == "outside_limits"
    assert r.variation_icon == "improvement_high"


# --- rule set sentence --------------------------------------------------------------------


def test_default_rule_set_sentence() -> None:
    expected = (
        "XmR (NHS Making Data Count): limits mean ± 2.66 × mean moving range; "
        "moving-range screening off; rules: outside limits; trend of 7; "
        "2 of 3 beyond 2 sigma (classic, all three points on one side of the centre); "
        "shift of 7; baseline all points; no rebase"
    )
    assert SpcOptions().describe() == expected
    assert xmr(BASE).rule_set == expected


def test_rule_set_sentence_states_the_settings() -> None:
    options = SpcOptions(
        trend_length=6,
        shift_length=8,
        two_of_three_variant="nhse_2023",
        screen_moving_ranges=True,
        baseline_points=15,
        rebase_at=(20, 40),
    )
    text = options.describe()
    assert "trend of 6" in text
    assert "shift of 8" in text
    assert "nhse_2023" in text
    assert "all three points on one side" in text
    assert "third point on either side" in SpcOptions(two_of_three_window="any_side").describe()
    assert "screening on" in text
    assert "baseline first 15 points of each segment" in text
    assert "rebased at point indexes 20, 40" in text
    assert xmr(list(range(50)), options).rule_set == text


# --- the result object --------------------------------------------------------------------


def test_to_frame_has_one_row_per_point() -> None:
    r = chart([17.0], improvement=Direction.INCREASE)
    frame = r.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == N_BASE + 1
    assert list(frame.columns) == [
        "value",
        "segment",
        "centre",
        "lower_limit",
        "upper_limit",
        "lower_2sigma",
        "upper_2sigma",
        "point_type",
        "rule",
        "trial_limits",
    ]
    last = frame.iloc[-1]
    assert last["value"] == 17.0
    assert last["point_type"] == "special_cause_improvement"
    assert last["rule"] == "outside_limits"
    assert frame["rule"].iloc[0] is None


def test_result_arrays_are_read_only() -> None:
    r = chart([])
    with pytest.raises(ValueError):
        r.centre[0] = 0.0


def test_input_is_copied() -> None:
    values = np.array(BASE)
    r = xmr(values)
    values[0] = 1000.0
    assert r.values[0] == 12.0


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([], "at least 2 points"),
        ([1.0], "at least 2 points"),
        ([1.0, float("nan"), 2.0], "non-finite at indexes \\[1\\]"),
        ([1.0, float("inf")], "non-finite"),
        ([1.0, None, 2.0], "missing"),
        ([[1.0, 2.0], [3.0, 4.0]], "one-dimensional"),
    ],
)
def test_bad_values(values: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        xmr(values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rebase_at", "message"),
    [
        ((0,), "out of range"),
        ((10,), "out of range"),
        ((-1,), "out of range"),
        ((6, 4), "strictly increasing"),
        ((4, 4), "strictly increasing"),
        ((9,), "at least 2 points"),
        ((4, 5), "at least 2 points"),
    ],
)
def test_bad_rebase_indexes(rebase_at: tuple[int, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        xmr([float(i) for i in range(10)], SpcOptions(rebase_at=rebase_at))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"trend_length": 2}, "trend_length"),
        ({"shift_length": 1}, "shift_length"),
        ({"two_of_three_variant": "modern"}, "two_of_three_variant"),
        ({"improvement": "up"}, "improvement"),
        ({"baseline_points": 12.5}, "baseline_points"),
        ({"rebase_at": (1.5,)}, "rebase_at"),
        ({"target": float("nan")}, "target"),
    ],
)
def test_bad_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SpcOptions(**options)  # type: ignore[arg-type]


def test_rebase_indexes_given_as_a_list_are_stored_as_a_tuple() -> None:
    options = SpcOptions(rebase_at=[14])  # type: ignore[arg-type]
    assert options.rebase_at == (14,)
    hash(options)


# --- gaps in the series (missing periods) ---------------------------------------------------


def test_no_moving_range_spans_a_gap() -> None:
    values = [10.0, 12.0, 10.0, 30.0, 32.0]
    # with a gap before point 3: moving ranges 2, 2 and 2 (|30 - 10| is not one)
    r = xmr(values, breaks=[3])
    assert np.allclose(r.centre, 94.0 / 5)  # the centre uses every point that exists
    assert np.allclose(r.upper_limit, 94.0 / 5 + 2.66 * 2.0)
    joined = xmr(values)  # without the gap: ranges 2, 2, 20, 2
    assert np.allclose(joined.upper_limit, 94.0 / 5 + 2.66 * 26.0 / 4)
    assert r.breaks == (3,)
    assert "1 gap" in r.rule_set and "no moving range or run crosses a gap" in r.rule_set


def test_runs_stop_at_a_gap() -> None:
    rising = [9.5, 10.0, 10.5, 11.5, 12.0, 12.5, 13.0]  # 7 rising points inside 2 sigma
    assert xmr(BASE + rising, SpcOptions(baseline_points=N_BASE)).rule[-1] == "trend"
    gapped = xmr(BASE + rising, SpcOptions(baseline_points=N_BASE), breaks=[N_BASE + 4])
    assert gapped.rule[N_BASE:] == (None,) * 7
    above = ABOVE_7
    assert chart(above).rule[-1] == "shift"
    split = xmr(BASE + above, SpcOptions(baseline_points=N_BASE), breaks=[N_BASE + 3])
    assert split.rule[N_BASE:] == (None,) * 7


def test_two_of_three_window_does_not_span_a_gap() -> None:
    assert tail_rules(chart([15.0, 11.5, 15.0])) == ["two_of_three", None, "two_of_three"]
    r = xmr([*BASE, 15.0, 11.5, 15.0], SpcOptions(baseline_points=N_BASE), breaks=[N_BASE + 2])
    assert r.rule[N_BASE:] == (None, None, None)


def test_bad_breaks_are_refused() -> None:
    with pytest.raises(ValueError, match="between 1 and 4"):
        xmr([1.0, 2.0, 3.0, 4.0, 5.0], breaks=[0])
    with pytest.raises(ValueError, match="strictly increasing"):
        xmr([1.0, 2.0, 3.0, 4.0, 5.0], breaks=[3, 2])
    with pytest.raises(ValueError, match="no two consecutive points"):
        xmr([1.0, 2.0, 3.0], breaks=[1, 2])
