"""Comparator groups: which areas an area is compared with.

The regulator's reports used CIPFA nearest neighbours, which are licensed and cannot ship with
``lsr``. Users load their own groups (``lsr load comparators``); the documented open default is
computed here: for each council, the ``k`` councils closest to it in population size and age
structure (standardised Euclidean distance over log total population and the shares aged 65+,
75+ and 85+), from the ONS mid-year estimates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFAULT_K = 15
DEFAULT_METHOD = (
    f"lsr default: the {DEFAULT_K} nearest councils by population size and age structure "
    "(log population, shares aged 65+, 75+ and 85+; ONS mid-2017 estimates, or for councils "
    "created later the latest estimates that have them). "
    "Not the CIPFA nearest neighbours the regulator used; load your own groups with "
    "`lsr load comparators`."
)


def population_features(population: pd.DataFrame) -> pd.DataFrame:
    """Features for nearest neighbours from a wide population table.

    ``population`` has one row per area, indexed by area code, with columns ``all``, ``65+``,
    ``75+`` and ``85+``."""
    total = population["all"].astype(float)
    return pd.DataFrame(
        {
            "log_population": np.log(total),
            "share_65": population["65+"] / total,
            "share_75": population["75+"] / total,
            "share_85": population["85+"] / total,
        },
        index=population.index,
    )


def nearest_neighbours(features: pd.DataFrame, k: int = DEFAULT_K) -> dict[str, list[str]]:
    """For each area (row), the ``k`` other areas nearest in standardised feature space.

    Ties are broken by area code so the result is deterministic."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if len(features) <= k:
        raise ValueError(f"need more than k={k} areas to choose {k} comparators each")
    x = features.to_numpy(dtype=float)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    z = (x - x.mean(axis=0)) / sd
    dist = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(dist, np.inf)
    codes = np.asarray(features.index, dtype=str)
    code_rank = np.argsort(np.argsort(codes))
    result: dict[str, list[str]] = {}
    for i, code in enumerate(codes):
        order = np.lexsort((code_rank, dist[i]))[:k]
        result[str(code)] = [str(c) for c in codes[order]]
    return result
