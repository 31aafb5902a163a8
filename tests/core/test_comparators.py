import numpy as np
import pandas as pd
import pytest

from lsr.core.comparators import nearest_neighbours, population_features


def test_nearest_neighbours_picks_closest_by_hand() -> None:
    # one feature: distances are plain differences after standardising (monotone), so the
    # nearest two of "b" (value 2) are "a" (1) and "c" (3.5); ties broken by code.
    features = pd.DataFrame({"x": [1.0, 2.0, 3.5, 10.0]}, index=["a", "b", "c", "d"])
    groups = nearest_neighbours(features, k=2)
    assert groups["b"] == ["a", "c"]
    assert groups["d"] == ["c", "b"]
    assert groups["a"] == ["b", "c"]


def test_tie_broken_by_code() -> None:
    features = pd.DataFrame({"x": [0.0, 1.0, -1.0]}, index=["m", "z", "b"])
    assert nearest_neighbours(features, k=1)["m"] == ["b"]


def test_never_includes_self_and_has_k_peers() -> None:
    rng = np.random.default_rng(1)
    features = pd.DataFrame(rng.normal(size=(40, 3)), index=[f"E{i:08d}" for i in range(40)])
    groups = nearest_neighbours(features, k=15)
    for code, peers in groups.items():
        assert code not in peers
        assert len(peers) == len(set(peers)) == 15


def test_too_few_areas() -> None:
    with pytest.raises(ValueError, match="more than k"):
        nearest_neighbours(pd.DataFrame({"x": [1.0, 2.0]}, index=["a", "b"]), k=2)


def test_population_features() -> None:
    pop = pd.DataFrame(
        {"all": [1000.0], "65+": [200.0], "75+": [100.0], "85+": [30.0]}, index=["E06000001"]
    )
    f = population_features(pop)
    assert f.loc["E06000001", "share_65"] == pytest.approx(0.2)
    assert f.loc["E06000001", "log_population"] == pytest.approx(np.log(1000))
