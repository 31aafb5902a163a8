"""Social care outcomes for every council at once: the national table.

:func:`national_outcomes` gives, in one data frame, what :func:`lsr.core.outcomes.
social_care_outcomes` gives one area at a time: for each of :data:`OUTCOME_MEASURES`, each year
and each council, the published value, its interval and better / similar / worse where counts
allow, England, the comparator average (pooled counts or an unweighted mean, with its method),
the rank and quartile among councils and the council median. The numbers and labels are the
same as the per-area function's, point for point (a test checks every council of the default
store); only the work is arranged differently:

* the source and edition of each year are chosen as :func:`lsr.core.outcomes._choose` chooses
  them (the most preferred ``(source, measure_code)``, then the official edition before the
  compiled one, that has a row for the area), for all areas together;
* the statistics of each chosen file and year (England, the ranked councils, their median) are
  computed once, and every area chosen from it is placed by ``numpy.searchsorted`` on the sorted
  council values (rank = 1 + the councils strictly better by the measure's polarity; ties share
  the best rank);
* the comparator averages of all areas come from one product of a peer matrix (area x rows of
  the file, 1 where the row is one of the area's peers) with the peers' values, numerators and
  denominators;
* intervals and comparisons use the vectorised :mod:`lsr.core.ci` and
  :func:`lsr.core.compare.compare_many`.

Python loops run over measures, years and the (at most a few) files of a year, never over
areas. Sums over peers are taken in a different order from pandas', so pooled and mean
comparator values may differ from the per-area function's in the last bits (relative 1e-12).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from lsr.core import ci
from lsr.core.compare import Outcome, compare_many
from lsr.core.geography import ENGLAND_CODE
from lsr.core.indicators import Polarity, Statistic
from lsr.core.outcome_measures import OUTCOME_MEASURES, OutcomeMeasure
from lsr.core.outcomes import (
    _NO_COUNTS,
    EDITION_ORDER,
    INPUT_COLUMNS,
    Method,
    OutcomePoint,
    _interval_method,
)
from lsr.core.profile_types import Comparison

__all__ = ["NATIONAL_COLUMNS", "national_outcomes", "point_from_record"]

NATIONAL_COLUMNS: tuple[str, ...] = (
    "measure",
    "year",
    "area_code",
    "area_name",
    "area_level",
    "value",
    "status",
    "numerator",
    "denominator",
    "ci_lower",
    "ci_upper",
    "margin_of_error",
    "england",
    "comparators",
    "comparators_count",
    "comparators_method",
    "vs_england",
    "vs_comparators",
    "comparison_method",
    "confidence",
    "method",
    "rank",
    "councils",
    "quartile",
    "council_median",
    "source",
    "measure_code",
    "edition",
    "file_name",
    "real",
)
"""Columns of :func:`national_outcomes`' frame, in order.

``measure`` is the :class:`OutcomeMeasure` id; ``vs_england`` and ``vs_comparators`` are the
outcomes of the two :class:`Comparison` objects of an :class:`OutcomePoint`, whose shared
``method`` text and ``confidence`` level are ``comparison_method`` and ``confidence`` (NaN when
not tested); their benchmarks are ``england`` and ``comparators``. Missing numbers are NaN;
``rank`` and ``quartile`` are nullable integers (``Int64``)."""

_FLOATS = (
    "value",
    "numerator",
    "denominator",
    "ci_lower",
    "ci_upper",
    "margin_of_error",
    "england",
    "comparators",
    "confidence",
    "council_median",
)


def _floats(series: pd.Series) -> npt.NDArray[np.float64]:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _option_order(
    options: set[tuple[str, str, str]], measure: OutcomeMeasure
) -> list[tuple[str, str, str]]:
    """The files of one year, most preferred first (as ``_choose`` orders them; the options
    themselves break ties, which ``_choose`` leaves to a set's order)."""
    preference = {pair: i for i, pair in enumerate(measure.sources)}
    return sorted(
        options,
        key=lambda t: (
            preference.get((t[0], t[1]), 99),
            EDITION_ORDER.index(t[2]) if t[2] in EDITION_ORDER else 99,
            t,
        ),
    )


class _Peers:
    """The comparator groups as a boolean matrix over the codes of the rows."""

    def __init__(self, codes: Sequence[str], comparators: Mapping[str, Sequence[str]]) -> None:
        self.index = pd.Index(pd.unique(np.asarray(codes, dtype=object)))
        pairs = [(a, p) for a, peers in comparators.items() for p in peers]
        n = len(self.index)
        self.matrix = np.zeros((n, n), dtype=bool)
        if pairs:
            areas = self.index.get_indexer([a for a, _ in pairs])
            peers = self.index.get_indexer([p for _, p in pairs])
            keep = (areas >= 0) & (peers >= 0)
            self.matrix[areas[keep], peers[keep]] = True
        np.fill_diagonal(self.matrix, False)  # an area is never its own comparator

    def positions(self, codes: pd.Series | Sequence[str]) -> npt.NDArray[np.intp]:
        return self.index.get_indexer(np.asarray(codes, dtype=object))


def _ranks(
    values: npt.NDArray[np.float64], field: npt.NDArray[np.float64], polarity: Polarity
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Rank and quartile (NaN where none) of each value among ``field`` (the council values):
    1 + the number strictly better; ties share the best rank; quartiles from 4 councils."""
    count = len(field)
    rank = np.full(len(values), np.nan)
    quartile = np.full(len(values), np.nan)
    ok = ~np.isnan(values)
    if count < 2 or not ok.any():
        return rank, quartile
    ordered = np.sort(field)
    v = values[ok]
    if polarity is Polarity.LOW_IS_GOOD:
        better = np.searchsorted(ordered, v, side="left")
    else:
        better = count - np.searchsorted(ordered, v, side="right")
    r = np.minimum(better + 1, count)
    rank[ok] = r
    if count >= 4:
        quartile[ok] = np.minimum(4, 1 + (4 * (r - 1)) // count)
    return rank, quartile


def _intervals(
    measure: OutcomeMeasure,
    value: npt.NDArray[np.float64],
    num: npt.NDArray[np.float64],
    den: npt.NDArray[np.float64],
    z: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    lo = np.full(len(value), np.nan)
    hi = np.full(len(value), np.nan)
    if measure.statistic is None:
        return lo, hi
    with np.errstate(invalid="ignore"):
        ok = ~np.isnan(value) & ~np.isnan(num) & ~np.isnan(den) & (den > 0)
        if measure.statistic is Statistic.PROPORTION:
            ok &= num <= den
    if ok.any():
        if measure.statistic is Statistic.PROPORTION:
            _, low, high = ci.proportion(num[ok], den[ok], measure.multiplier, z=z)
        else:
            _, low, high = ci.rate(num[ok], den[ok], measure.multiplier, z=z)
        lo[ok] = np.asarray(low, dtype=np.float64)
        hi[ok] = np.asarray(high, dtype=np.float64)
    return lo, hi


def _comparators(
    measure: OutcomeMeasure,
    peer_of: npt.NDArray[np.bool_],
    part: pd.DataFrame,
    tested: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """Comparator value, count and method text for each area (rows of ``peer_of``, columns the
    rows of ``part``), as :func:`lsr.core.outcomes._comparators` gives them one by one."""
    value = _floats(part["value"])
    num = _floats(part["numerator"])
    den = _floats(part["denominator"])
    valued = ~np.isnan(value)
    counted = valued & ~np.isnan(num) & ~np.isnan(den)
    peers = peer_of & valued  # areas x rows: the peers with a value
    n = peers.sum(axis=1)
    weights = peers.astype(np.float64)
    missing_counts = (peers & ~counted).sum(axis=1)
    sum_value = weights @ np.where(valued, value, 0.0)
    sum_num = weights @ np.where(counted, num, 0.0)
    sum_den = weights @ np.where(counted, den, 0.0)
    pooled = tested & (n > 0) & (missing_counts == 0) & (sum_den > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(
            pooled,
            sum_num / np.where(pooled, sum_den, 1.0) * measure.multiplier,
            sum_value / np.maximum(n, 1),
        )
    result = np.where(n > 0, result, np.nan)
    text = np.array(
        [
            "no comparator council has a value for this year"
            if k == 0
            else (
                f"pooled over {k} comparator council(s): their numerators summed over their "
                "denominators"
                if p
                else f"mean of the published values of {k} comparator council(s), unweighted"
            )
            for k, p in zip(n.tolist(), pooled.tolist(), strict=True)
        ],
        dtype=object,
    )
    return result, n.astype(np.int64), text


def _england(year_rows: pd.DataFrame, part: pd.DataFrame) -> float:
    """England's value for a file and year: the file's own England row when it has a value,
    else the first England row with a value among the measure's files of that year (NaN
    when there is none)."""
    own = _floats(part.loc[part["area_code"] == ENGLAND_CODE, "value"])
    if len(own) and not np.isnan(own[0]):
        return float(own[0])
    other = _floats(year_rows.loc[year_rows["area_code"] == ENGLAND_CODE, "value"])
    other = other[~np.isnan(other)]
    return float(other[0]) if len(other) else float("nan")


def _year_points(
    measure: OutcomeMeasure,
    year: Any,
    year_rows: pd.DataFrame,
    targets: frozenset[str] | None,
    levels: frozenset[str],
    peers: _Peers,
    confidence: float,
    z: float,
) -> list[pd.DataFrame]:
    options = _option_order(
        set(
            zip(
                year_rows["source"].astype(str),
                year_rows["measure_code"].astype(str),
                year_rows["edition"].astype(str),
                strict=True,
            )
        ),
        measure,
    )
    key = (
        year_rows["source"].astype(str)
        + "\x1f"
        + year_rows["measure_code"].astype(str)
        + "\x1f"
        + year_rows["edition"].astype(str)
    )
    taken: set[str] = set()
    frames: list[pd.DataFrame] = []
    tested_text = _interval_method(measure, confidence)
    reason = measure.not_tested or _NO_COUNTS
    untested_text = f"not tested ({reason}); placed among councils by rank instead"
    for option in options:
        part = year_rows[key == "\x1f".join(option)]
        # the areas this file is chosen for: those not found in a preferred file
        first = part.drop_duplicates("area_code", keep="first")
        codes = first["area_code"].astype(str)
        chosen = ~codes.isin(taken)
        taken.update(codes)
        if targets is None:
            chosen &= first["area_level"].astype(str).isin(levels)
        else:
            chosen &= codes.isin(targets)
        points = first[chosen.to_numpy()]
        if points.empty:
            continue
        value = _floats(points["value"])
        num = _floats(points["numerator"])
        den = _floats(points["denominator"])
        lo, hi = _intervals(measure, value, num, den, z)
        tested = ~np.isnan(lo) & ~np.isnan(hi)
        england = _england(year_rows, part)
        council_rows = (part["area_level"] == "council").to_numpy() & ~np.isnan(
            _floats(part["value"])
        )
        field = _floats(part["value"])[council_rows]
        rank, quartile = _ranks(value, field, measure.polarity)
        median = float(np.median(field)) if len(field) else np.nan
        area_pos = peers.positions(points["area_code"])
        row_pos = peers.positions(part["area_code"])
        peer_of = peers.matrix[np.ix_(area_pos, row_pos)]
        cmp_value, cmp_n, cmp_text = _comparators(measure, peer_of, part, tested)
        vs_england = np.where(
            tested, compare_many(lo, hi, england, measure.polarity), Outcome.NOT_COMPARED.value
        )
        vs_comparators = np.where(
            tested, compare_many(lo, hi, cmp_value, measure.polarity), Outcome.NOT_COMPARED.value
        )
        frames.append(
            pd.DataFrame(
                {
                    "measure": measure.id,
                    "year": str(year),
                    "area_code": points["area_code"].astype(object).to_numpy(),
                    "area_name": points["area_name"].astype(object).to_numpy(),
                    "area_level": points["area_level"].astype(object).to_numpy(),
                    "value": value,
                    "status": points["status"].astype(str).astype(object).to_numpy(),
                    "numerator": num,
                    "denominator": den,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "margin_of_error": _floats(points["margin_of_error"]),
                    "england": england,
                    "comparators": cmp_value,
                    "comparators_count": cmp_n,
                    "comparators_method": cmp_text,
                    "vs_england": vs_england.astype(object),
                    "vs_comparators": vs_comparators.astype(object),
                    "comparison_method": np.where(tested, tested_text, untested_text).astype(
                        object
                    ),
                    "confidence": np.where(tested, confidence, np.nan),
                    "method": np.where(tested, str(Method.INTERVAL), str(Method.RANKED)).astype(
                        object
                    ),
                    "rank": rank,
                    "councils": len(field),
                    "quartile": quartile,
                    "council_median": median,
                    "source": option[0],
                    "measure_code": option[1],
                    "edition": option[2],
                    "file_name": points["file_name"].astype(str).astype(object).to_numpy(),
                    "real": True,
                }
            )
        )
    return frames


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in NATIONAL_COLUMNS})
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(
        {
            **{c: np.float64 for c in _FLOATS},
            "rank": "Int64",
            "quartile": "Int64",
            "councils": np.int64,
            "comparators_count": np.int64,
            "real": bool,
        }
    )


def national_outcomes(
    rows: pd.DataFrame,
    comparators: Mapping[str, Sequence[str]],
    *,
    measures: Sequence[OutcomeMeasure] = OUTCOME_MEASURES,
    confidence: float = 0.95,
    areas: Collection[str] | None = None,
    area_levels: Collection[str] = ("council",),
) -> pd.DataFrame:
    """The social care outcome measures of every council, every year, in one frame.

    ``rows`` is what :func:`lsr.data.measures.measure_rows` gives for the measures' sources
    (:data:`lsr.core.outcomes.INPUT_COLUMNS` for every area of one disaggregation);
    ``comparators`` maps an area code to its peers' codes. The result has
    :data:`NATIONAL_COLUMNS`, one row per (measure, year, area) for which
    :func:`lsr.core.outcomes.social_care_outcomes` gives the area a point, with the same
    numbers and labels; sorted by the measures' order, year and area code.

    By default the areas are those whose chosen row is at the ``council`` level; ``areas``
    names them instead (any code in ``rows``: a region or England gets points as the per-area
    function would give them)."""
    missing = [c for c in INPUT_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack columns: {', '.join(missing)}")
    z = ci.z_for(confidence)
    targets = None if areas is None else frozenset(str(a) for a in areas)
    levels = frozenset(area_levels)
    peers = _Peers(rows["area_code"].astype(str).tolist(), comparators)
    pairs = pd.MultiIndex.from_arrays([rows["source"], rows["measure_code"]])
    frames: list[pd.DataFrame] = []
    for order, measure in enumerate(measures):
        mine = rows[pairs.isin(list(measure.sources))]
        for year, year_rows in mine.groupby("year", sort=True):
            for frame in _year_points(
                measure, year, year_rows, targets, levels, peers, confidence, z
            ):
                frames.append(frame.assign(_order=order))
    if not frames:
        return _empty()
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["_order", "year", "area_code"], kind="stable").drop(columns="_order")
    return _typed(out.reset_index(drop=True)[list(NATIONAL_COLUMNS)])


def _opt(x: Any) -> float | None:
    if x is None or pd.isna(x):
        return None
    return float(x)


def point_from_record(record: Mapping[str, Any]) -> OutcomePoint:
    """One row of :func:`national_outcomes` (a mapping, e.g. from ``to_dict("records")``) as
    the :class:`OutcomePoint` the per-area function gives (NaN as ``None``)."""
    method = str(record["comparison_method"])
    level = _opt(record["confidence"])
    england = _opt(record["england"])
    cmp_value = _opt(record["comparators"])
    rank = record["rank"]
    quartile = record["quartile"]
    return OutcomePoint(
        year=str(record["year"]),
        value=_opt(record["value"]),
        status=str(record["status"]),
        numerator=_opt(record["numerator"]),
        denominator=_opt(record["denominator"]),
        ci_lower=_opt(record["ci_lower"]),
        ci_upper=_opt(record["ci_upper"]),
        margin_of_error=_opt(record["margin_of_error"]),
        england=england,
        comparators=cmp_value,
        comparators_count=int(record["comparators_count"]),
        comparators_method=str(record["comparators_method"]),
        vs_england=Comparison(str(record["vs_england"]), method, level, england),
        vs_comparators=Comparison(str(record["vs_comparators"]), method, level, cmp_value),
        method=str(record["method"]),
        rank=None if rank is None or pd.isna(rank) else int(rank),
        councils=int(record["councils"]),
        quartile=None if quartile is None or pd.isna(quartile) else int(quartile),
        council_median=_opt(record["council_median"]),
        source=str(record["source"]),
        measure_code=str(record["measure_code"]),
        edition=str(record["edition"]),
        file_name=str(record["file_name"]),
        real=bool(record["real"]),
    )
