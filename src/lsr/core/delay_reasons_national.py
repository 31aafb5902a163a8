"""Delays by reason and responsible organisation for every council at once (vectorised).

:func:`national_delay_reasons` gives, in one long table, what
:func:`lsr.core.delay_reasons.delay_reasons` gives for one area in its ``periods``: for every
council, month, reason, group of reasons and responsible organisation, the area's, England's and
the pooled comparators' delayed days, share and rate, the area's ranking of the reasons and the
four by-value comparisons. It is the same arithmetic done on arrays: the frame is pivoted once
into dense ``area x month x (breakdown, category)`` arrays, the comparators of every council are
pooled at once by multiplying a 0/1 peer matrix with those arrays, and the comparison rules of
:func:`~lsr.core.delay_reason_types.compare_share` and
:func:`~lsr.core.delay_reason_types.compare_rate` are applied to whole arrays
(:func:`compare_share_array`, :func:`compare_rate_array`). There is no Python loop over areas,
months or categories except to read the comparator mapping.

The per-area function is the definition; the tests compare the two value by value for every
council of the shipped data and on generated frames. Delayed days and populations are whole
numbers, so every sum is exact whatever its order and the figures agree to the last bit.

Pure computation: no I/O.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from lsr.core.delay_reason_types import (
    AGENCIES,
    BREAKDOWNS,
    GROUPS,
    NOT_COMPARED,
    OUTCOMES,
    REASON_ORDER,
    REASONS,
    ValueThresholds,
)
from lsr.core.delay_reasons import _prepare
from lsr.core.geography import ENGLAND_CODE

__all__ = [
    "NATIONAL_COLUMNS",
    "compare_rate_array",
    "compare_share_array",
    "national_delay_reasons",
]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Codes = npt.NDArray[np.int8]

NATIONAL_COLUMNS: tuple[str, ...] = (
    "area_code",
    "period",
    "kind",
    "category",
    "label",
    "area_days",
    "area_share",
    "area_rate",
    "england_days",
    "england_share",
    "england_rate",
    "comparators_days",
    "comparators_share",
    "comparators_rate",
    "rank",
    "compared",
    "share_vs_england",
    "share_vs_comparators",
    "rate_vs_england",
    "rate_vs_comparators",
    "days_in_month",
    "area_adults",
    "area_total_days",
    "england_total_days",
    "comparators_total_days",
)
"""The columns of :func:`national_delay_reasons`, in order."""

_OUTCOME_TEXT = np.array(OUTCOMES, dtype=object)
_MUCH_HIGHER, _HIGHER, _SIMILAR, _LOWER, _MUCH_LOWER, _NOT_COMPARED = range(6)
assert OUTCOMES[_NOT_COMPARED] == NOT_COMPARED

# The output's categories per month: the reasons, the groups, the responsible organisations.
_ROW_KIND = np.array(
    ["reason"] * len(REASONS) + ["group"] * len(GROUPS) + ["agency"] * len(AGENCIES), dtype=object
)
_ROW_CATEGORY = np.array(
    [r.code for r in REASONS] + [g.id for g in GROUPS] + [a.id for a in AGENCIES], dtype=object
)
_ROW_LABEL = np.array(
    [r.label for r in REASONS] + [g.label for g in GROUPS] + [a.label for a in AGENCIES],
    dtype=object,
)
# The known (breakdown, category) columns of the pivot, reasons first (in code order).
_KNOWN = [("reason", r.code) for r in REASONS] + [("responsible_org", a.id) for a in AGENCIES]
_N_REASONS = len(REASONS)
_GROUP_MEMBERS = [[REASON_ORDER[c] for c in g.codes] for g in GROUPS]


# --------------------------------------------------------------------------------------------
# Comparisons on arrays
# --------------------------------------------------------------------------------------------


def _share_codes(value: Floats, benchmark: Floats, t: ValueThresholds) -> Codes:
    """Positions in :data:`OUTCOMES`, rule for rule as :func:`compare_share` (NaN = ``None``)."""
    with np.errstate(invalid="ignore", over="ignore"):
        valid = (value == value) & (benchmark == benchmark)
        diff = value - benchmark
        similar = (diff == 0) | (np.abs(diff) < t.share_similar_points)
        up = diff > 0
        much_up = (diff >= t.share_much_points) & (value >= benchmark * t.share_much_ratio)
        much_down = (-diff >= t.share_much_points) & (value * t.share_much_ratio <= benchmark)
    out = np.where(
        up,
        np.where(much_up, _MUCH_HIGHER, _HIGHER),
        np.where(much_down, _MUCH_LOWER, _LOWER),
    )
    out = np.where(similar, _SIMILAR, out)
    return np.where(valid, out, _NOT_COMPARED).astype(np.int8)


def _rate_codes(value: Floats, benchmark: Floats, t: ValueThresholds) -> Codes:
    """Positions in :data:`OUTCOMES`, rule for rule as :func:`compare_rate` (NaN = ``None``)."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        valid = (value == value) & (benchmark == benchmark)
        diff = value - benchmark
        positive = benchmark > 0
        ratio = value / np.where(positive, benchmark, 1.0)
        similar = (
            (diff == 0)
            | (np.abs(diff) < t.rate_similar_abs)
            | (positive & (1 / t.rate_similar_ratio <= ratio) & (ratio <= t.rate_similar_ratio))
        )
        up = diff > 0
        much_up = (value >= benchmark * t.rate_much_ratio) & (diff >= t.rate_much_abs)
        much_down = (value * t.rate_much_ratio <= benchmark) & (-diff >= t.rate_much_abs)
    out = np.where(
        up,
        np.where(much_up, _MUCH_HIGHER, _HIGHER),
        np.where(much_down, _MUCH_LOWER, _LOWER),
    )
    out = np.where(similar, _SIMILAR, out)
    return np.where(valid, out, _NOT_COMPARED).astype(np.int8)


def compare_share_array(
    value: npt.ArrayLike,
    benchmark: npt.ArrayLike,
    thresholds: ValueThresholds | None = None,
) -> npt.NDArray[np.object_]:
    """:func:`~lsr.core.delay_reason_types.compare_share` element by element: an array of
    :data:`~lsr.core.delay_reason_types.OUTCOMES` strings (NaN stands for ``None``)."""
    t = thresholds if thresholds is not None else ValueThresholds()
    v, b = np.broadcast_arrays(np.asarray(value, float), np.asarray(benchmark, float))
    return _OUTCOME_TEXT[_share_codes(v, b, t)]


def compare_rate_array(
    value: npt.ArrayLike,
    benchmark: npt.ArrayLike,
    thresholds: ValueThresholds | None = None,
) -> npt.NDArray[np.object_]:
    """:func:`~lsr.core.delay_reason_types.compare_rate` element by element: an array of
    :data:`~lsr.core.delay_reason_types.OUTCOMES` strings (NaN stands for ``None``)."""
    t = thresholds if thresholds is not None else ValueThresholds()
    v, b = np.broadcast_arrays(np.asarray(value, float), np.asarray(benchmark, float))
    return _OUTCOME_TEXT[_rate_codes(v, b, t)]


# --------------------------------------------------------------------------------------------
# Pooling on arrays
# --------------------------------------------------------------------------------------------


class _Pivot:
    """The prepared frame as dense ``area x month x column`` arrays (one column per
    (breakdown, category); zeros where an area did not report a category)."""

    def __init__(self, f: pd.DataFrame) -> None:
        area_idx, areas = pd.factorize(f["area_code"], sort=True)
        period_idx, periods = pd.factorize(f["period"], sort=True)
        br_idx, br_names = pd.factorize(f["breakdown"])
        cat_idx, cat_names = pd.factorize(f["category"])
        # map each (breakdown, category) pair found to a column: the known ones first, in order
        position = {pair: i for i, pair in enumerate(_KNOWN)}
        pair_idx = br_idx.astype(np.int64) * len(cat_names) + cat_idx
        found = np.unique(pair_idx)
        extra = [
            (str(br_names[p // len(cat_names)]), str(cat_names[p % len(cat_names)])) for p in found
        ]
        columns = list(_KNOWN) + sorted(pair for pair in extra if pair not in position)
        position = {pair: i for i, pair in enumerate(columns)}
        lookup = np.zeros(len(br_names) * len(cat_names), dtype=np.int64)
        for p, pair in zip(found, extra, strict=True):
            lookup[p] = position[pair]
        col_idx = lookup[pair_idx]

        shape = (len(areas), len(periods), len(columns))
        self.areas = np.asarray(areas, dtype=object)
        self.periods = pd.DatetimeIndex(periods)
        self.breakdown = np.array([BREAKDOWNS.index(b) for b, _ in columns])
        self.reported = np.zeros(shape, dtype=bool)
        self.days = np.zeros(shape)
        self.total = np.zeros(shape)
        adults = np.full(shape, np.nan)
        at = (area_idx, period_idx, col_idx)
        self.reported[at] = True
        self.days[at] = f["days"].to_numpy(float)
        self.total[at] = f["total"].to_numpy(float)
        adults[at] = f["adults"].to_numpy(float)
        known = self.reported & (adults > 0)
        self.rate_days = np.where(known, self.days, 0.0)
        self.adults = np.where(known, adults, 0.0)
        self.dim = np.array(
            [calendar.monthrange(p.year, p.month)[1] for p in self.periods], dtype=float
        )
        # the first adults figure of each area and month, as delay_reasons reports it
        first = f.groupby([area_idx, period_idx])["adults"].first()
        self.area_adults = np.full(shape[:2], np.nan)
        self.area_adults[
            first.index.get_level_values(0).to_numpy(), first.index.get_level_values(1).to_numpy()
        ] = first.to_numpy(float)


class _Measures:
    """Days, shares and rates (NaN where not reported / not computable), shaped like the
    pivot's ``month x column`` (with leading area axis where pooled per area)."""

    def __init__(self, days: Floats, share: Floats, rate: Floats, present: Bools) -> None:
        self.days = np.where(present, days, np.nan)
        self.share = np.where(present, share, np.nan)
        self.rate = np.where(present, rate, np.nan)
        self.present = present


def _measures(
    days: Floats, total: Floats, rate_days: Floats, adults: Floats, present: Bools, dim: Floats
) -> _Measures:
    """Shares and rates from pooled sums, as ``_pool`` of :mod:`lsr.core.delay_reasons` does
    (same operations in the same order)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, days / total * 100.0, np.nan)
        rate = np.where(adults > 0, rate_days / dim[:, None] / adults * 100_000.0, np.nan)
    return _Measures(days, share, rate, present)


def _peer_matrix(
    councils: npt.NDArray[np.object_], comparators: Mapping[str, Sequence[str]]
) -> Floats:
    """0/1 matrix: row i has a 1 for each comparator of council i that is in the frame (the
    council itself and England left out)."""
    index = {str(c): i for i, c in enumerate(councils)}
    matrix = np.zeros((len(councils), len(councils)))
    for i, code in enumerate(councils):
        peers = [index[p] for p in set(comparators.get(str(code), ())) if p in index]
        matrix[i, peers] = 1.0
    np.fill_diagonal(matrix, 0.0)
    return matrix


def _breakdown_totals(days: Floats, present: Bools, breakdown: npt.NDArray[np.int_]) -> Floats:
    """Delayed days per month (last axis summed): the larger of the two breakdowns' sums over
    the categories present, NaN where neither breakdown has any."""
    best = np.full(days.shape[:-1], -np.inf)
    for b in range(len(BREAKDOWNS)):
        cols = breakdown == b
        total = np.where(present[..., cols], days[..., cols], 0.0).sum(axis=-1)
        best = np.maximum(best, np.where(present[..., cols].any(axis=-1), total, -np.inf))
    return np.where(np.isinf(best), np.nan, best)


# --------------------------------------------------------------------------------------------
# The national table
# --------------------------------------------------------------------------------------------


def _with_groups(values: Floats) -> Floats:
    """The output's 18 columns from a pivot's known columns: the reasons, each group as the sum
    of its codes (NaN if any is missing), the responsible organisations."""
    reasons = values[..., :_N_REASONS]
    groups = []
    for members in _GROUP_MEMBERS:
        acc = reasons[..., members[0]]
        for m in members[1:]:
            acc = acc + reasons[..., m]
        groups.append(acc)
    agencies = values[..., _N_REASONS : _N_REASONS + len(AGENCIES)]
    return np.concatenate([reasons, np.stack(groups, axis=-1), agencies], axis=-1)


def _ranks(shares: Floats) -> npt.NDArray[np.int64]:
    """Reasons ranked by share, largest first, ties in code order; 0 where not ranked."""
    order = np.argsort(-shares, axis=-1, kind="stable")  # NaN (not reported) sorts last
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, shares.shape[-1] + 1), axis=-1)
    return np.where(np.isnan(shares), 0, ranks)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in NATIONAL_COLUMNS})


def national_delay_reasons(
    frame: pd.DataFrame,
    comparators: Mapping[str, Sequence[str]],
    *,
    thresholds: ValueThresholds | None = None,
) -> pd.DataFrame:
    """Delays by reason, group of reasons and responsible organisation for every council and
    month, against England and each council's pooled comparators.

    ``frame`` is the long frame of :func:`lsr.data.queries.dtoc_breakdowns` (``area_code,
    period, breakdown, category, days, adults``) for every council and England, as
    :func:`~lsr.core.delay_reasons.delay_reasons` takes it; ``comparators`` maps an area code to
    its comparators' codes. Returns one row per council (every area of the frame except
    England), month it has data for, and category, in that order, with the columns
    :data:`NATIONAL_COLUMNS`:

    - ``kind`` (``reason``, ``group``, ``agency``), ``category`` (reason code, group id or
      agency id) and ``label``, in the order of ``REASONS``, ``GROUPS``, ``AGENCIES``;
    - ``area_*``, ``england_*``, ``comparators_*`` ``days``, ``share`` (%) and ``rate``
      (delayed beds per day per 100,000 adults): NaN where the per-area function gives
      ``None`` (a reason not reported that month, a group needing it, a share with no days, a
      rate with no population, comparators without data);
    - ``rank`` (reasons only, nullable integer), ``compared`` (the area's month has at least
      ``thresholds.min_days`` delayed days) and the outcomes ``share_vs_england``,
      ``share_vs_comparators``, ``rate_vs_england``, ``rate_vs_comparators`` (strings of
      ``OUTCOMES``; "not compared" when the month is not compared);
    - per month: ``days_in_month``, ``area_adults``, and the delayed days of the area, England
      and the comparators (``*_total_days``).

    Every value equals the per-area function's for the same area (its ``periods``), with
    England taken from the ``E92000001`` rows where the frame has them for a month and
    breakdown, otherwise summed over the councils."""
    t = thresholds if thresholds is not None else ValueThresholds()
    f = _prepare(frame, None)
    if f.empty:
        return _empty()
    pv = _Pivot(f)
    is_council = pv.areas != ENGLAND_CODE
    councils = pv.areas[is_council]
    if len(councils) == 0:
        return _empty()
    n_a, n_p, n_c = len(councils), len(pv.periods), len(pv.breakdown)
    reported, days, total = pv.reported[is_council], pv.days[is_council], pv.total[is_council]
    rate_days, adults = pv.rate_days[is_council], pv.adults[is_council]

    area = _measures(days, total, rate_days, adults, reported, pv.dim)

    # England: the E92000001 rows for the months and breakdowns they cover, else the councils
    summed = _measures(
        days.sum(axis=0),
        total.sum(axis=0),
        rate_days.sum(axis=0),
        adults.sum(axis=0),
        reported.any(axis=0),
        pv.dim,
    )
    if (~is_council).any():
        e = int(np.flatnonzero(~is_council)[0])
        given = _measures(
            pv.days[e], pv.total[e], pv.rate_days[e], pv.adults[e], pv.reported[e], pv.dim
        )
        covers = np.zeros((n_p, len(BREAKDOWNS)), dtype=bool)
        for b in range(len(BREAKDOWNS)):
            covers[:, b] = pv.reported[e][:, pv.breakdown == b].any(axis=1)
        use = covers[:, pv.breakdown]
        england = _Measures(
            np.where(use, given.days, summed.days),
            np.where(use, given.share, summed.share),
            np.where(use, given.rate, summed.rate),
            np.where(use, given.present, summed.present),
        )
    else:
        england = summed

    # comparators: one matrix product pools every council's peers
    peers = _peer_matrix(councils, comparators)
    flat = (n_a, n_p * n_c)

    def pool(values: Floats) -> Floats:
        return (peers @ values.reshape(flat)).reshape(n_a, n_p, n_c)

    cmp = _measures(
        pool(days),
        pool(total),
        pool(rate_days),
        pool(adults),
        pool(reported.astype(float)) > 0,
        pv.dim,
    )

    # per month
    area_total = _breakdown_totals(area.days, area.present, pv.breakdown)
    england_total = _breakdown_totals(england.days, england.present, pv.breakdown)
    cmp_total = _breakdown_totals(cmp.days, cmp.present, pv.breakdown)
    has_month = reported.any(axis=-1)  # (area, month) pairs the area has rows for
    a_i, p_i = np.nonzero(has_month)
    n_rows = len(a_i)
    compared = area_total[a_i, p_i] >= t.min_days

    def rows(values: Floats, *, national: bool = False) -> Floats:
        picked = values[p_i] if national else values[a_i, p_i]
        return _with_groups(picked)

    a_vals = {k: rows(getattr(area, k)) for k in ("days", "share", "rate")}
    e_vals = {k: rows(getattr(england, k), national=True) for k in ("days", "share", "rate")}
    c_vals = {k: rows(getattr(cmp, k)) for k in ("days", "share", "rate")}

    def outcomes(codes: Codes) -> npt.NDArray[np.object_]:
        return _OUTCOME_TEXT[np.where(compared[:, None], codes, _NOT_COMPARED)].ravel()

    ranks = np.zeros(a_vals["share"].shape, dtype=np.int64)
    ranks[:, :_N_REASONS] = _ranks(a_vals["share"][:, :_N_REASONS])
    width = len(_ROW_CATEGORY)

    def per_month(values: npt.ArrayLike) -> npt.NDArray[np.generic]:
        return np.repeat(np.asarray(values), width)

    out = {
        "area_code": per_month(councils[a_i]),
        "period": per_month(pv.periods[p_i].to_numpy()),
        "kind": np.tile(_ROW_KIND, n_rows),
        "category": np.tile(_ROW_CATEGORY, n_rows),
        "label": np.tile(_ROW_LABEL, n_rows),
        **{f"area_{k}": v.ravel() for k, v in a_vals.items()},
        **{f"england_{k}": v.ravel() for k, v in e_vals.items()},
        **{f"comparators_{k}": v.ravel() for k, v in c_vals.items()},
        "rank": pd.arrays.IntegerArray(ranks.ravel(), ranks.ravel() == 0),
        "compared": per_month(compared),
        "share_vs_england": outcomes(_share_codes(a_vals["share"], e_vals["share"], t)),
        "share_vs_comparators": outcomes(_share_codes(a_vals["share"], c_vals["share"], t)),
        "rate_vs_england": outcomes(_rate_codes(a_vals["rate"], e_vals["rate"], t)),
        "rate_vs_comparators": outcomes(_rate_codes(a_vals["rate"], c_vals["rate"], t)),
        "days_in_month": per_month(pv.dim[p_i].astype(np.int64)),
        "area_adults": per_month(pv.area_adults[is_council][a_i, p_i]),
        "area_total_days": per_month(area_total[a_i, p_i]),
        "england_total_days": per_month(england_total[p_i]),
        "comparators_total_days": per_month(cmp_total[a_i, p_i]),
    }
    # text stays as Python objects: fast to build and to iterate (no Arrow string conversion)
    return pd.DataFrame(
        {
            k: pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object else v
            for k, v in out.items()
        },
        columns=list(NATIONAL_COLUMNS),
    )
