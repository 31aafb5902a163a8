"""Small rules of lsr.core left open by the other tests, found by mutation testing
(docs/mutation-testing.md): area codes, an indicator's value, measure look-up and formatting,
overdispersion's missing values, and the month look-up of a delay-reasons result."""

from __future__ import annotations

import math
import re
from datetime import date

import numpy as np
import pytest

from lsr.core.compare import overdispersion
from lsr.core.geography import ENGLAND_CODE, is_area_code
from lsr.core.indicators import Statistic, get_indicator
from lsr.core.outcome_measures import OUTCOME_MEASURES, get_measure


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("E06000001", True),
        (ENGLAND_CODE, True),
        ("E1000002", False),
        ("E100000025", False),
        ("W06000001", False),
        ("e06000001", False),
        ("E0600000A", False),
        ("", False),
    ],
)
def test_area_codes_are_e_and_eight_digits(code: str, ok: bool) -> None:
    assert is_area_code(code) is ok


def test_an_indicator_value_is_numerator_over_denominator_times_its_multiplier() -> None:
    """A rate per 1,000: 5 over 200 is 25 per 1,000."""
    indicator = get_indicator("ae_attendances_65")
    assert indicator.multiplier == 1_000.0
    assert indicator.value(5, 200) == 25.0


def test_an_unknown_measure_names_every_valid_id() -> None:
    valid = ", ".join(m.id for m in OUTCOME_MEASURES)
    message = f"unknown social care measure 'nope'; valid ids: {valid}"
    with pytest.raises(KeyError, match=f"^{re.escape(repr(message))}$"):
        get_measure("nope")


def test_a_measure_formats_numbers_and_says_when_there_is_none() -> None:
    for measure in OUTCOME_MEASURES:
        assert measure.format(None) == "not available"
        assert measure.format(math.nan) == "not available"
        text = measure.format(1234.5678)
        assert text.replace(",", "").rstrip("%").startswith("123")
        assert text.endswith("%") == measure.unit.startswith("%")


def test_overdispersion_leaves_out_missing_values_given_as_none() -> None:
    """``None`` is a missing value like NaN: the result equals the one without that area."""
    with_none = overdispersion([0.1, None, 0.3, 0.2], [100, 100, 100, 100], 0.2,
                               Statistic.PROPORTION, winsor_fraction=0.0)  # fmt: skip
    without = overdispersion([0.1, 0.3, 0.2], [100, 100, 100], 0.2, Statistic.PROPORTION,
                             winsor_fraction=0.0)  # fmt: skip
    assert with_none.phi == without.phi
    assert np.array_equal(with_none.winsorised_z_scores, without.winsorised_z_scores)


def test_a_delay_reasons_result_finds_a_month_by_any_day_of_it() -> None:
    """``period(when)`` gives that month's breakdown, or None for a month without data."""
    from delay_reason_frames import frame, full, month_rows
    from lsr.core.delay_reasons import delay_reasons

    area = "E10000001"
    f = frame(
        month_rows(area, date(2018, 6, 1), full(A=50, E=150)),
        month_rows(area, date(2018, 7, 1), full(A=10, E=10)),
    )
    result = delay_reasons(f, area)
    june, july = (result.period(date(2018, m, 17)) for m in (6, 7))
    assert june is not None and june.period == date(2018, 6, 1) and june.area_days == 200
    assert july is not None and july.period == date(2018, 7, 1) and july.area_days == 20
    assert result.period(date(2018, 8, 1)) is None


def test_changes_since_the_baseline_honour_non_default_thresholds() -> None:
    """By hand: a rate from 10 to 12 (ratio 1.2) is little changed with the default similar
    ratio 1.25; with a ratio of 1.1 (and no absolute margin) it has increased. The same for a
    share 3 points up: within 5 points by default, beyond 2."""
    from lsr.core.delay_reason_types import ValueThresholds, rate_change, share_change

    assert rate_change(10.0, 12.0) == "little changed"
    strict = ValueThresholds(rate_similar_ratio=1.1, rate_similar_abs=0.0, share_similar_points=2.0)
    assert rate_change(10.0, 12.0, strict) == "increased"
    assert rate_change(12.0, 10.0, strict) == "reduced"
    assert share_change(20.0, 23.0) == "little changed"
    assert share_change(20.0, 23.0, strict) == "increased"


def test_an_unknown_indicator_names_every_valid_id() -> None:
    from lsr.core.indicators import INDICATORS, SUPPLEMENTARY

    valid = ", ".join(ind.id for ind in (*INDICATORS, *SUPPLEMENTARY))
    message = f"unknown indicator 'nope'; valid ids: {valid}"
    with pytest.raises(KeyError, match=f"^{re.escape(repr(message))}$"):
        get_indicator("nope")


def test_a_scalar_proportion_gives_floats() -> None:
    """Scalars in, plain floats out (value and both limits), as for every interval."""
    from lsr.core.ci import proportion

    result = proportion(3, 10)
    assert [type(v) for v in result] == [float, float, float]
    assert result[0] == 30.0
