"""Comparator groups: rules test_comparators.py left open, found by mutation testing
(docs/mutation-testing.md). The nearest neighbours are checked against an independent reference
(SciPy's standardised Euclidean distance); the features against hand-worked values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist

from lsr.core.comparators import nearest_neighbours, population_features


def _reference(features: pd.DataFrame, k: int) -> dict[str, list[str]]:
    """The k nearest by SciPy's standardised Euclidean distance (variance with ddof 0), ties by
    area code."""
    x = features.to_numpy(dtype=float)
    dist = cdist(x, x, metric="seuclidean", V=x.var(axis=0))
    codes = list(features.index)
    out = {}
    for i, code in enumerate(codes):
        others = sorted((dist[i, j], codes[j]) for j in range(len(codes)) if j != i)
        out[code] = [c for _, c in others[:k]]
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    x=arrays(np.float64, (8, 3), elements=st.integers(-1_000, 1_000).map(float), unique=True),
    scales=st.tuples(*[st.sampled_from([1e-2, 1.0, 1e3])] * 3),
    k=st.integers(1, 7),
)
def test_nearest_neighbours_equal_the_standardised_euclidean_reference(
    x: np.ndarray, scales: tuple[float, float, float], k: int
) -> None:
    """Standardising makes each feature count equally whatever its scale."""
    x = x * np.array(scales)
    assume(np.all(x.std(axis=0) > 1e-6 * np.abs(x).max(axis=0).clip(1)))
    features = pd.DataFrame(x, index=[f"E0600{i:04d}" for i in range(8)])
    dist = cdist(x, x, metric="seuclidean", V=x.var(axis=0))
    gaps = np.diff(np.sort(dist, axis=1), axis=1)
    assume(np.all(gaps[:, : k + 1] > 1e-9))  # no near-ties: the order is well defined
    assert nearest_neighbours(features, k) == _reference(features, k)


def test_a_feature_on_a_large_scale_does_not_dominate() -> None:
    """By hand: population in the millions and a share between 0 and 1. Unstandardised, the
    population alone would decide; standardised, "b" (same share as "a") is nearest to "a"."""
    features = pd.DataFrame(
        {"pop": [1_000_000.0, 1_300_000.0, 1_100_000.0, 2_000_000.0],
         "share": [0.20, 0.20, 0.30, 0.25]},
        index=["a", "b", "c", "d"],
    )  # fmt: skip
    # z(pop) = (-0.75, 0.0, -0.5, 1.25) * 400_000 / sd ..., z(share) = (-1, -1, 1.5, 0.5) * ...
    assert nearest_neighbours(features, k=1)["a"] == ["b"]
    assert nearest_neighbours(features, k=1) == _reference(features, 1)


@pytest.mark.parametrize("k", [0, -3])
def test_k_below_one_is_refused_with_its_reason(k: int) -> None:
    features = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"^k must be at least 1$"):
        nearest_neighbours(features, k)


def test_population_features_by_hand() -> None:
    """Log population and the three shares, per area, indexed by area code."""
    population = pd.DataFrame(
        {"all": [1_000, 4_000], "65+": [200, 1_000], "75+": [100, 400], "85+": [30, 200]},
        index=pd.Index(["E06000001", "E06000002"], name="area_code"),
    )
    features = population_features(population)
    assert list(features.columns) == ["log_population", "share_65", "share_75", "share_85"]
    assert list(features.index) == ["E06000001", "E06000002"]
    assert features.index.name == "area_code"
    expected = [
        [np.log(1_000), 0.2, 0.1, 0.03],
        [np.log(4_000), 0.25, 0.1, 0.05],
    ]
    np.testing.assert_allclose(features.to_numpy(), expected, rtol=1e-12)
