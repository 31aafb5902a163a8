"""Tests for lsr.core.suppression: small-number disclosure control."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsr.core.suppression import (
    is_suppressed,
    round_half_up,
    suppress_count,
    suppress_counts,
    suppress_with_total,
)

counts = st.integers(min_value=0, max_value=10_000_000)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0"),
        (1, "*"),
        (4, "*"),
        (7, "*"),
        (8, "10"),
        (9, "10"),
        (10, "10"),
        (12, "10"),
        (13, "15"),
        (17, "15"),
        (18, "20"),
        (102, "100"),
        (103, "105"),
        (123_456, "123455"),
        (123_458, "123460"),
    ],
)
def test_suppress_count_cases(n: int, expected: str) -> None:
    assert suppress_count(n) == expected


@pytest.mark.parametrize("n", [0, 1, 7, 8, 12, 13, 987_654])
def test_national_counts_published_exactly(n: int) -> None:
    assert suppress_count(n, national=True) == str(n)
    assert not is_suppressed(n, national=True)


def test_accepts_numpy_and_whole_floats() -> None:
    assert suppress_count(np.int64(13)) == "15"
    assert suppress_count(13.0) == "15"
    assert suppress_counts(np.array([0, 3, 13])) == ["0", "*", "15"]


@pytest.mark.parametrize("bad", [-1, 2.5, float("nan"), float("inf")])
def test_rejects_impossible_counts(bad: float) -> None:
    with pytest.raises(ValueError):
        suppress_count(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["5", None, True])
def test_rejects_non_numbers(bad: object) -> None:
    with pytest.raises(TypeError):
        suppress_count(bad)  # type: ignore[arg-type]


def test_is_suppressed() -> None:
    assert [is_suppressed(n) for n in range(10)] == [False] + [True] * 7 + [False, False]


def test_thresholds_are_parameters() -> None:
    assert suppress_count(9, max_suppressed=9) == "*"
    assert suppress_count(10, max_suppressed=9) == "10"
    assert suppress_count(12, rounding_base=10) == "10"
    assert suppress_count(15, rounding_base=10) == "20"  # halves round up
    assert suppress_count(3, min_suppressed=2, max_suppressed=5) == "*"
    assert is_suppressed(9, max_suppressed=10)
    with pytest.raises(ValueError):
        suppress_count(5, min_suppressed=0)
    with pytest.raises(ValueError):
        suppress_count(5, min_suppressed=6, max_suppressed=5)
    with pytest.raises(ValueError):
        suppress_count(5, rounding_base=0)


def test_round_half_up() -> None:
    assert [round_half_up(n) for n in (0, 2, 3, 5, 7, 8)] == [0, 0, 5, 5, 5, 10]
    assert round_half_up(25, 10) == 30
    assert round_half_up(24, 10) == 20


@given(n=counts)
def test_output_never_reveals_one_to_seven(n: int) -> None:
    out = suppress_count(n)
    assert out == "*" or int(out) not in range(1, 8)
    if 1 <= n <= 7:
        assert out == "*"


@given(n=counts)
def test_rounding_within_half_base(n: int) -> None:
    out = suppress_count(n)
    if out != "*":
        published = int(out)
        assert published % 5 == 0
        assert abs(published - n) <= 2.5
        # independent check: nearest multiple of 5, halves (none for odd base) up
        assert published == 5 * int(np.floor(n / 5 + 0.5))


@given(n=counts)
def test_rounding_is_monotonic(n: int) -> None:
    assert round_half_up(n) <= round_half_up(n + 1)


@given(values=st.lists(counts, max_size=20))
def test_suppress_counts_is_elementwise(values: list[int]) -> None:
    assert suppress_counts(values) == [suppress_count(v) for v in values]


# --- secondary suppression -------------------------------------------------------------------


def test_secondary_suppresses_next_smallest_non_zero() -> None:
    assert suppress_with_total([3, 0, 40, 25, 100]) == ["*", "0", "40", "*", "100"]


def test_secondary_ties_take_the_first() -> None:
    assert suppress_with_total([20, 5, 20]) == ["*", "*", "20"]


def test_two_primary_cells_need_no_secondary() -> None:
    assert suppress_with_total([3, 4, 40]) == ["*", "*", "40"]


def test_no_primary_cells_unchanged() -> None:
    assert suppress_with_total([0, 12, 40]) == ["0", "10", "40"]


def test_only_non_zero_cell_is_protected_by_suppressed_total() -> None:
    row = [0, 6, 0]
    assert suppress_with_total(row) == ["0", "*", "0"]
    # the published total is the same count, so it is suppressed too
    assert suppress_count(sum(row)) == "*"


def test_national_row_not_suppressed() -> None:
    assert suppress_with_total([3, 0, 40], national=True) == ["3", "0", "40"]


def test_secondary_with_custom_thresholds() -> None:
    assert suppress_with_total([9, 30, 11], max_suppressed=9) == ["*", "30", "*"]


@given(row=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=12))
def test_no_row_has_exactly_one_star_when_total_published(row: list[int]) -> None:
    out = suppress_with_total(row)
    stars = [i for i, p in enumerate(out) if p == "*"]
    total_published = suppress_count(sum(row))
    if total_published != "*":
        assert len(stars) != 1
    # every primary cell is starred and nothing 1-7 is revealed
    for value, published in zip(row, out, strict=True):
        if 1 <= value <= 7:
            assert published == "*"
        if published != "*":
            assert published == suppress_count(value)
    # at most one extra cell is starred, and only when exactly one was primary
    primary = sum(1 <= v <= 7 for v in row)
    assert len(stars) - primary in ((1,) if primary == 1 and total_published != "*" else (0, 1))
    if primary != 1:
        assert len(stars) == primary


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=50), st.booleans())
def test_suppress_array_matches_suppress_count(counts: list[int], national: bool) -> None:
    from lsr.core.suppression import suppress_array

    text, hidden = suppress_array(counts, national)
    assert list(text) == [suppress_count(c, national) for c in counts]
    assert list(hidden) == [is_suppressed(c, national) for c in counts]


def test_suppress_array_rejects_bad_counts() -> None:
    from lsr.core.suppression import suppress_array

    with pytest.raises(ValueError):
        suppress_array([1.5])
    with pytest.raises(ValueError):
        suppress_array([-1])
