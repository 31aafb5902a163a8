"""Small-number suppression: the rules test_suppression.py left open, found by mutation testing
(docs/mutation-testing.md): the edges of a publication policy (a single suppressed value, no
rounding), every function honouring a non-default policy, the vectorised form agreeing with the
scalar one for every policy, and each error naming what is wrong."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lsr.core.suppression import (
    is_suppressed,
    round_half_up,
    suppress_array,
    suppress_count,
    suppress_counts,
    suppress_with_total,
)


def _exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


@st.composite
def policies(draw: st.DrawFn) -> dict[str, int]:
    low = draw(st.integers(1, 6))
    return {
        "min_suppressed": low,
        "max_suppressed": draw(st.integers(low, 12)),
        "rounding_base": draw(st.integers(1, 10)),
    }


def test_a_policy_may_suppress_a_single_value_and_round_to_one() -> None:
    """``min_suppressed == max_suppressed`` suppresses that one value; ``rounding_base=1``
    publishes every other count exactly."""
    policy = {"min_suppressed": 3, "max_suppressed": 3, "rounding_base": 1}
    counts = [0, 1, 2, 3, 4, 11]
    published = ["0", "1", "2", "*", "4", "11"]
    assert [suppress_count(n, **policy) for n in counts] == published
    text, hidden = suppress_array(counts, **policy)
    assert text.tolist() == published
    assert hidden.tolist() == [n == 3 for n in counts]
    assert [is_suppressed(n, min_suppressed=3, max_suppressed=3) for n in (2, 3, 4)] == [
        False,
        True,
        False,
    ]
    assert [round_half_up(n, 1) for n in (0, 1, 7, 12)] == [0, 1, 7, 12]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: suppress_count(5, min_suppressed=0), ValueError, "need 1 <= min_suppressed"),
        (
            lambda: suppress_count(5, min_suppressed=4, max_suppressed=3),
            ValueError,
            "need 1 <= min_suppressed",
        ),
        (lambda: suppress_array([5], min_suppressed=0), ValueError, "need 1 <= min_suppressed"),
        (
            lambda: is_suppressed(4, min_suppressed=5, max_suppressed=3),
            ValueError,
            "need 1 <= min_suppressed",
        ),
        (lambda: is_suppressed(4, min_suppressed=0), ValueError, "need 1 <= min_suppressed"),
        (
            lambda: suppress_count(5, rounding_base=0),
            ValueError,
            "rounding_base must be at least 1",
        ),
        (lambda: round_half_up(5, 0), ValueError, "base must be at least 1"),
        (lambda: suppress_count(True), TypeError, "a count must be a number, not a bool"),
        (lambda: suppress_count(2.5), ValueError, "a count must be a whole number, got 2.5"),
        (lambda: suppress_count("5"), TypeError, "a count must be a number, got str"),
        (lambda: suppress_count(-3), ValueError, "a count must be non-negative, got -3"),
        (lambda: suppress_array([1, 2.5]), ValueError, "counts must be whole numbers"),
        (lambda: suppress_array([4, -1]), ValueError, "counts must be non-negative"),
        (
            lambda: suppress_array([True, False]),
            TypeError,
            "counts must be numbers, got an array of bool",
        ),
    ],
    ids=[
        "min_zero",
        "min_above_max",
        "array_min_zero",
        "is_suppressed_min_above_max",
        "is_suppressed_min_zero",
        "rounding_base_zero",
        "round_half_up_base_zero",
        "bool",
        "fraction",
        "text",
        "negative",
        "array_fraction",
        "array_negative",
        "array_bool",
    ],
)
def test_every_error_says_what_is_wrong(call: Any, error: type, message: str) -> None:
    """Each error is one line naming the value or setting that is wrong."""
    full = {
        "need 1 <= min_suppressed": "need 1 <= min_suppressed <= max_suppressed",
    }.get(message, message)
    with pytest.raises(error, match=_exactly(full)):
        call()


@given(policy=policies(), counts=st.lists(st.integers(0, 60), max_size=30), national=st.booleans())
def test_every_form_follows_the_same_policy(
    policy: dict[str, int], counts: list[int], national: bool
) -> None:
    """For any policy, the vectorised form, the list form and ``is_suppressed`` agree with
    :func:`suppress_count` count by count."""
    one_by_one = [suppress_count(c, national, **policy) for c in counts]
    assert suppress_counts(counts, national, **policy) == one_by_one
    text, hidden = suppress_array(counts, national, **policy)
    assert text.tolist() == one_by_one
    low, high = policy["min_suppressed"], policy["max_suppressed"]
    flags = [is_suppressed(c, national, min_suppressed=low, max_suppressed=high) for c in counts]
    assert hidden.tolist() == flags


def test_every_count_up_to_twenty_in_the_vectorised_form() -> None:
    """The default policy by hand: 0 as "0", 1-7 suppressed, 8 and over to the nearest 5."""
    text, hidden = suppress_array(np.arange(21))
    published = ["0", *["*"] * 7, *["10"] * 5, *["15"] * 5, *["20"] * 3]
    assert text.tolist() == published
    assert hidden.tolist() == [False, *[True] * 7, *[False] * 13]


def test_a_row_with_a_total_follows_the_policy() -> None:
    """With 1-2 published (``min_suppressed=3``), a row's only primary cell 3 is protected by
    the next smallest non-zero cell, which may be a 1; counts round to the policy's base."""
    policy = {"min_suppressed": 3, "max_suppressed": 7, "rounding_base": 10}
    assert suppress_with_total([1, 3, 20], **policy) == ["*", "*", "20"]
    assert suppress_with_total([2, 9, 14], **policy) == ["0", "10", "10"]
    assert suppress_with_total([2, 9, 14]) == ["*", "*", "15"]


def test_the_vectorised_form_takes_numeric_columns_as_read() -> None:
    """Integer, float and nullable-integer columns (as pandas reads a store) are counts;
    anything that is not a number is refused as by :func:`suppress_count`."""
    for column in (
        np.array([0, 3, 12], dtype=np.int64),
        np.array([0.0, 3.0, 12.0]),
        pd.Series([0, 3, 12], dtype="Int64"),
        np.array([0, 3, 12], dtype=np.uint16),
    ):
        assert suppress_array(column)[0].tolist() == ["0", "*", "10"]
    for bad in (["5"], [Decimal(5)], [None]):
        with pytest.raises(TypeError, match=r"^counts must be numbers, got an array of "):
            suppress_array(bad)
        with pytest.raises(TypeError):
            suppress_count(bad[0])
