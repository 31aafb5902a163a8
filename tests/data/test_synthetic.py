"""The synthetic generator: seeded, labelled, plausible and independent of the council list."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from lsr.data.synthetic import generate_counts

POP = pd.Series({"E10000025": 123_177.0, "E06000001": 17_702.0, "E08000003": 61_000.0})


def test_seeded_and_reproducible() -> None:
    a = generate_counts(POP, seed=1, months=12)
    b = generate_counts(POP, seed=1, months=12)
    c = generate_counts(POP, seed=2, months=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a["numerator"].equals(c["numerator"])


def test_labelled_synthetic() -> None:
    frame = generate_counts(POP, months=3)
    assert frame["synthetic"].all()
    assert frame["source"].str.startswith("SYNTHETIC").all()


def test_area_series_independent_of_other_areas() -> None:
    alone = generate_counts(POP[["E10000025"]], seed=7, months=24)
    together = generate_counts(POP, seed=7, months=24)
    key = ["indicator", "period"]
    a = alone.sort_values(key).reset_index(drop=True)
    b = together[together["area_code"] == "E10000025"].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_plausible_national_levels() -> None:
    frame = generate_counts(POP, months=60)
    rates = frame.groupby("indicator")[["numerator", "denominator"]].sum()
    value = rates["numerator"] / rates["denominator"]
    assert 0.02 < value["ae_attendances_65"] < 0.045  # per person 65+ per month
    assert 0.25 < value["long_stays_65"] < 0.42
    assert 0.14 < value["readmissions_30d_65"] < 0.25


@settings(max_examples=25, deadline=None)
@given(pop=st.floats(min_value=100, max_value=500_000), seed=st.integers(0, 2**32 - 1))
def test_counts_are_valid(pop: float, seed: int) -> None:
    frame = generate_counts(pd.Series({"E06000001": pop}), seed=seed, months=6)
    assert (frame["numerator"] >= 0).all()
    assert (frame["denominator"] > 0).all()
    props = frame[frame["indicator"].isin(["long_stays_65", "readmissions_30d_65"])]
    assert (props["numerator"] <= props["denominator"]).all()
    assert np.allclose(frame["numerator"], frame["numerator"].round())
