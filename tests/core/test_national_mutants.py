"""The national modules' small rules left open by their equivalence tests, found by mutation
testing (docs/mutation-testing.md): missing values in the vectorised comparisons and in a
national outcomes row read back as a point."""

from __future__ import annotations

import math
from typing import Any

from lsr.core.delay_reason_types import compare_rate, compare_share
from lsr.core.delay_reasons_national import compare_rate_array, compare_share_array
from lsr.core.outcomes_national import point_from_record


def test_missing_benchmarks_given_as_none_are_not_compared() -> None:
    """As the scalar rules: None (or NaN) on either side is "not compared"."""
    values, benchmarks = [1.0, 2.0, None, 3.0], [None, 2.0, 2.0, math.nan]
    expected = [compare_rate(v, b) for v, b in zip(values, benchmarks, strict=True)]
    assert compare_rate_array(values, benchmarks).tolist() == expected
    assert expected[0] == expected[2] == expected[3] != expected[1]
    shares = [compare_share(v, b) for v, b in zip(values, benchmarks, strict=True)]
    assert compare_share_array(values, benchmarks).tolist() == shares


def _record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "comparison_method": "m", "confidence": 0.95, "england": 60.0, "comparators": 55.0,
        "rank": 3.0, "quartile": 1.0, "year": "2019-20", "value": 62.0, "status": "real",
        "numerator": 620.0, "denominator": 1_000.0, "ci_lower": 59.0, "ci_upper": 65.0,
        "margin_of_error": 3.0, "comparators_count": 15, "comparators_method": "k nearest",
        "vs_england": "similar", "vs_comparators": "better", "method": "m", "councils": 151,
        "council_median": 58.0, "source": "s", "measure_code": "2A", "edition": "e",
        "file_name": "f.csv", "real": True,
    }  # fmt: skip
    return record | changes


def test_a_national_row_without_rank_or_quartile_reads_back_as_none() -> None:
    point = point_from_record(_record())
    assert (point.rank, point.quartile) == (3, 1)
    for missing in (None, math.nan):
        point = point_from_record(_record(rank=missing, quartile=missing))
        assert point.rank is None and point.quartile is None
