"""The national modules' small rules left open by their equivalence tests, found by mutation
testing (docs/mutation-testing.md): missing values in the vectorised comparisons and in a
national outcomes row read back as a point."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

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


def test_a_peer_with_a_value_but_no_counts_stops_pooling() -> None:
    """Reablement (a proportion with counts), 2019-20: peer B publishes 50% without counts,
    peer C 70% with 70 of 100. Pooling needs every peer's counts, so the comparator value is
    the plain mean of the published values, (50 + 70) / 2 = 60, as the per-area function
    gives it."""
    import pandas as pd

    from lsr.core.outcome_measures import REABLEMENT_91_DAYS
    from lsr.core.outcomes import INPUT_COLUMNS, social_care_outcomes
    from lsr.core.outcomes_national import national_outcomes

    a, b, c = "E06000001", "E06000002", "E08000003"

    def row(area: str, value: float, num: float | None, den: float | None) -> dict[str, Any]:
        return {
            "source": "ascof", "edition": "official", "measure_code": "2B(1)",
            "area_code": area, "area_name": area, "area_level": "council", "year": "2019-20",
            "value": value, "numerator": num, "denominator": den, "margin_of_error": None,
            "status": "published", "file_name": "ascof-official-2019-20.csv",
        }  # fmt: skip

    rows = pd.DataFrame(
        [row(a, 80.0, 80.0, 100.0), row(b, 50.0, None, None), row(c, 70.0, 70.0, 100.0)],
        columns=list(INPUT_COLUMNS),
    )
    groups = {a: [b, c]}
    table = national_outcomes(rows, groups, measures=(REABLEMENT_91_DAYS,), areas=[a])
    mine = table[(table["area_code"] == a) & (table["year"] == "2019-20")]
    assert mine["comparators"].tolist() == [60.0]
    per_area = social_care_outcomes(rows, a, groups, measures=(REABLEMENT_91_DAYS,))
    latest = per_area.series[0].latest
    assert latest is not None and latest.comparators == 60.0
    assert mine["comparators_method"].tolist() == [latest.comparators_method]


def test_a_council_without_counts_does_not_stop_pooling_for_others() -> None:
    """B publishes a value without counts but is nobody's peer: A's only peer C has counts,
    so A's comparator is pooled, 70 of 100 = 70% (not C's published, rounded 71%)."""
    import pandas as pd

    from lsr.core.outcome_measures import REABLEMENT_91_DAYS
    from lsr.core.outcomes import INPUT_COLUMNS
    from lsr.core.outcomes_national import national_outcomes

    a, b, c = "E06000001", "E06000002", "E08000003"

    def row(area: str, value: float, num: float | None, den: float | None) -> dict[str, Any]:
        return {
            "source": "ascof", "edition": "official", "measure_code": "2B(1)",
            "area_code": area, "area_name": area, "area_level": "council", "year": "2019-20",
            "value": value, "numerator": num, "denominator": den, "margin_of_error": None,
            "status": "published", "file_name": "ascof-official-2019-20.csv",
        }  # fmt: skip

    rows = pd.DataFrame(
        [row(a, 80.0, 80.0, 100.0), row(b, 50.0, None, None), row(c, 71.0, 70.0, 100.0)],
        columns=list(INPUT_COLUMNS),
    )
    table = national_outcomes(rows, {a: [c]}, measures=(REABLEMENT_91_DAYS,), areas=[a])
    mine = table[table["area_code"] == a]
    assert mine["comparators"].tolist() == [70.0]
    assert mine["comparators_method"].iloc[0].startswith("pooled over 1 comparator council")


def test_a_council_without_adults_has_no_rate_not_an_infinite_one() -> None:
    """Rates per 100,000 adults need adults: 0 adults gives NaN (as the per-area ``_pool``),
    never infinity, whatever the delayed days."""
    from lsr.core.delay_reasons_national import _measures

    days = np.array([[10.0, 0.0]])
    present = np.ones((1, 2), dtype=bool)
    got = _measures(days, days.sum(axis=1, keepdims=True), days, np.array([[0.0, 200_000.0]]),
                    present, np.array([31.0]))  # fmt: skip
    assert math.isnan(got.rate[0, 0])
    assert got.rate[0, 1] == 0.0


def test_nullable_numbers_read_as_floats_with_nan() -> None:
    """Columns read from the store may be pandas' nullable types: NA becomes NaN."""
    import pandas as pd

    from lsr.core.outcomes_national import _floats

    got = _floats(pd.Series([1, None, 3], dtype="Int64"))
    assert got.dtype == np.float64 and got[0] == 1.0 and math.isnan(got[1]) and got[2] == 3.0


def test_national_table_text_columns_are_python_objects() -> None:
    """Text columns hold Python objects, as the per-area tables do (pandas 3 would otherwise
    infer its own string type, and concatenating the two would change the column's type)."""
    from lsr.core.outcomes_national import _FLOATS, NATIONAL_COLUMNS, _frame

    special = {"rank", "quartile", "councils", "comparators_count", "real"}
    columns = {
        c: np.array([1.0]) if c in _FLOATS or c in special else np.array(["x"], dtype=object)
        for c in NATIONAL_COLUMNS
    }
    columns["real"] = np.array([True])
    frame = _frame(columns)
    text = [c for c in NATIONAL_COLUMNS if c not in _FLOATS and c not in special]
    assert text and all(frame[c].dtype == object for c in text)
    assert frame["councils"].dtype == np.int64 and str(frame["rank"].dtype) == "Int64"
