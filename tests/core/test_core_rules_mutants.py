"""More rules of lsr.core left open by the other tests, found by mutation testing
(docs/mutation-testing.md): missing values, scalar and array shapes, settings carried through,
and each error or note in its exact words."""

from __future__ import annotations

import math
import re
import warnings
from datetime import date

import numpy as np
import pandas as pd
import pytest

from delay_reason_frames import frame, full, month_rows, without_o
from lsr.core import ci
from lsr.core.compare import compare
from lsr.core.delay_reason_types import ValueThresholds, reason
from lsr.core.delay_reasons import delay_reasons
from lsr.core.outcomes import rank_among
from lsr.core.spc import SpcOptions, xmr

AREA = "E10000001"


def _exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def test_a_missing_count_gives_a_missing_interval_without_warnings() -> None:
    """None (and NaN) counts are missing: value and limits NaN, no warning, no error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in (None, math.nan):
            assert all(math.isnan(v) for v in ci.proportion(x, 10))
            assert all(math.isnan(v) for v in ci.wilson(x, 10))
            assert all(math.isnan(v) for v in ci.rate(x, 1_000, 1_000))
        lower, upper = ci.wilson([math.nan, 3.0], [10.0, 10.0])
        assert math.isnan(lower[0]) and 0 < lower[1] < 0.3 < upper[1] < 1


def test_an_array_of_counts_over_one_denominator_gives_arrays() -> None:
    """Scalars only when every input is a scalar: counts [1, 2] over n = 10 give two limits
    each, equal to the scalar calls."""
    lower, upper = ci.wilson([1, 2], 10)
    assert lower.shape == upper.shape == (2,)
    for i, x in enumerate((1, 2)):
        assert (lower[i], upper[i]) == pytest.approx(ci.wilson(x, 10), rel=1e-12)


def test_errors_name_what_is_wrong() -> None:
    with pytest.raises(ValueError, match=_exactly("lower limit 5.0 exceeds upper limit 2.0")):
        compare(5.0, 2.0, 3.0, "high_is_good")
    with pytest.raises(KeyError, match=_exactly(repr("unknown reason code 'ZZ'"))):
        reason("ZZ")
    message = (
        "no two consecutive points without a gap between them in the baseline: an XmR chart "
        "needs at least one moving range"
    )
    with pytest.raises(ValueError, match=_exactly(message)):
        xmr([1.0, 2.0, 3.0], breaks=[1, 2])


def test_the_thresholds_describe_themselves_in_plain_words() -> None:
    assert (
        ValueThresholds()
        .describe()
        .startswith(
            "by value (no interval: delayed days are correlated, one person delayed for 20 days "
            "is 20 days): a share within 5 percentage points of the benchmark is similar"
        )
    )


def test_a_baseline_length_given_as_a_numpy_integer_is_kept_as_an_int() -> None:
    options = SpcOptions(baseline_points=np.int64(12))
    assert type(options.baseline_points) is int and options.baseline_points == 12


def test_ranking_leaves_out_missing_values() -> None:
    """None and NaN are councils without a figure: 3 is first of the two with one."""
    ranking = rank_among([1.0, None, math.nan, 3.0], 3.0, "high_is_good")
    assert (ranking.rank, ranking.count) == (1, 2)


def test_delay_reasons_months_given_as_any_day_and_a_note_on_missing_codes() -> None:
    """A period on the 15th is that month; a month without code O gets the note in full;
    a category with no delayed days at all has no share (None, not NaN)."""
    f = frame(
        month_rows(AREA, date(2018, 6, 15), full(A=50, E=150)),
        month_rows(AREA, date(2017, 3, 1), without_o(A=40, E=60)),
    )
    f["period"] = pd.to_datetime(f["period"])
    result = delay_reasons(f, AREA)
    assert [p.period for p in result.periods] == [date(2017, 3, 1), date(2018, 6, 1)]
    assert any(
        "shares in those months are of the reasons reported, which add up to all delayed "
        "days; it is shown as not collected, not as zero" in note
        for note in result.notes
    )
    empty = frame(month_rows(AREA, date(2018, 6, 1), full()))
    p = delay_reasons(empty, AREA).latest
    assert p is not None
    e = p.get("E")
    assert e is not None and e.area.share is None


def test_rate_comparison_at_its_thresholds_by_hand() -> None:
    """Defaults: similar within 0.5 beds or a ratio of 1.25 either way (1.25 itself is
    similar); "much" needs a ratio of 2 and 1 bed (both reached exactly here)."""
    from lsr.core.delay_reason_types import compare_rate

    assert compare_rate(5.0, 4.0) == "similar"  # ratio exactly 1.25
    assert compare_rate(4.0, 5.0) == "similar"  # ratio exactly 1 / 1.25
    assert compare_rate(5.01, 4.0) == "higher"
    assert compare_rate(1.0, 2.0) == "much lower"  # half, 1 bed below: both exactly reached
    assert compare_rate(4.0, 2.0) == "much higher"
    no_margin = ValueThresholds(rate_similar_abs=0.0)
    assert compare_rate(0.9, 0.8, no_margin) == "similar"  # ratio 1.125 below a benchmark of 1
    assert compare_rate(0.0, 0.0, no_margin) == "similar"  # bug fixed: equal was "lower"


def test_a_duplicate_row_is_refused_naming_it() -> None:
    rows = month_rows(AREA, date(2018, 6, 1), full(A=50, E=150))
    first = rows[0]
    f = frame(rows, [{**first, "days": first["days"] + 7}])  # same key, other days
    message = f"duplicate row for {AREA} June 2018 {first['breakdown']} {first['category']}"
    with pytest.raises(ValueError, match=_exactly(message)):
        delay_reasons(f, AREA)


def test_a_month_without_population_has_no_adults() -> None:
    rows = month_rows(AREA, date(2018, 6, 1), full(E=300), adults=None)
    p = delay_reasons(frame(rows), AREA).latest
    assert p is not None and p.area_adults is None
    p = delay_reasons(frame(month_rows(AREA, date(2018, 6, 1), full(E=300))), AREA).latest
    assert p is not None and p.area_adults == 100_000.0


def test_equal_values_are_similar_even_with_a_zero_margin() -> None:
    """Bug found by the mutation run: with a margin of 0 (allowed), equal rates or shares were
    "lower" (0 < 0 is false and the code fell through to the "lower" branch). Scalar and
    vectorised forms agree."""
    from lsr.core.delay_reason_types import compare_rate, compare_share
    from lsr.core.delay_reasons_national import compare_rate_array, compare_share_array

    zero = ValueThresholds(rate_similar_abs=0.0, share_similar_points=0.0)
    for v in (0.0, 12.5):
        assert compare_rate(v, v, zero) == "similar"
        assert compare_share(v, v, zero) == "similar"
    assert compare_rate_array([0.0, 12.5], [0.0, 12.5], zero).tolist() == ["similar"] * 2
    assert compare_share_array([0.0, 12.5], [0.0, 12.5], zero).tolist() == ["similar"] * 2


def test_thresholds_at_the_edges_of_their_valid_range() -> None:
    """Equal similar and "much" share margins, and ratios of exactly 1, are valid settings;
    below them the error says which rule is broken."""
    edge = ValueThresholds(
        share_similar_points=10.0,
        share_much_points=10.0,
        share_much_ratio=1.0,
        rate_similar_ratio=1.0,
        rate_much_ratio=1.0,
        rate_similar_abs=0.0,
        rate_much_abs=0.0,
        min_days=0.0,
    )
    assert edge.rate_much_ratio == 1.0 and edge.share_similar_points == edge.share_much_points
    with pytest.raises(ValueError, match=_exactly("ratios must be at least 1")):
        ValueThresholds(rate_much_ratio=0.99)
    with pytest.raises(
        ValueError, match=_exactly("need 0 <= share_similar_points <= share_much_points")
    ):
        ValueThresholds(share_similar_points=11.0, share_much_points=10.0)


def test_share_comparison_just_above_and_below_with_no_margin() -> None:
    """With no similarity margin, half a point above is higher and half below is lower."""
    from lsr.core.delay_reason_types import compare_share

    no_margin = ValueThresholds(share_similar_points=0.0)
    assert compare_share(20.5, 20.0, no_margin) == "higher"
    assert compare_share(19.5, 20.0, no_margin) == "lower"
