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


def _texts(series: pd.Series) -> npt.NDArray[np.object_]:
    return series.astype(str).to_numpy(dtype=object)


class _Rows:
    """The input rows as arrays, read once; areas numbered by their first appearance."""

    def __init__(self, rows: pd.DataFrame) -> None:
        self.source = _texts(rows["source"])
        self.code = _texts(rows["measure_code"])
        self.edition = _texts(rows["edition"])
        self.area = _texts(rows["area_code"])
        self.name = rows["area_name"].to_numpy(dtype=object)
        self.level = _texts(rows["area_level"])
        self.year = rows["year"].to_numpy(dtype=object)
        self.status = _texts(rows["status"])
        self.file = _texts(rows["file_name"])
        self.value = _floats(rows["value"])
        self.num = _floats(rows["numerator"])
        self.den = _floats(rows["denominator"])
        self.moe = _floats(rows["margin_of_error"])
        self.pair = (pd.Series(self.source) + "\x1f" + pd.Series(self.code)).to_numpy(object)
        self.file_key = (pd.Series(self.pair) + "\x1f" + pd.Series(self.edition)).to_numpy(object)
        self.codes = pd.Index(pd.unique(self.area))
        self.area_id = self.codes.get_indexer(self.area)
        self.council = self.level == "council"
        self.england = self.area == ENGLAND_CODE


def _peer_matrix(
    codes: pd.Index, comparators: Mapping[str, Sequence[str]]
) -> npt.NDArray[np.bool_]:
    """``[i, j]`` is true when area ``codes[j]`` is one of area ``codes[i]``'s comparators (an
    area is never its own); codes absent from the rows are left out."""
    pairs = [(a, p) for a, peers in comparators.items() for p in peers]
    matrix = np.zeros((len(codes), len(codes)), dtype=bool)
    if pairs:
        areas = codes.get_indexer([str(a) for a, _ in pairs])
        peers = codes.get_indexer([str(p) for _, p in pairs])
        keep = (areas >= 0) & (peers >= 0)
        matrix[areas[keep], peers[keep]] = True
    np.fill_diagonal(matrix, False)
    return matrix


def _option_order(
    options: Sequence[str], data: _Rows, first: Mapping[str, int], measure: OutcomeMeasure
) -> list[str]:
    """The files (``source, code, edition`` keys) of one year, most preferred first, as
    ``_choose`` orders them; the keys themselves break ties, which ``_choose`` leaves to a
    set's order."""
    preference = {pair: i for i, pair in enumerate(measure.sources)}

    def rank(key: str) -> tuple[int, int, str]:
        i = first[key]
        edition = str(data.edition[i])
        return (
            preference.get((str(data.source[i]), str(data.code[i])), 99),
            EDITION_ORDER.index(edition) if edition in EDITION_ORDER else 99,
            key,
        )

    return sorted(options, key=rank)


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


def _comparator_text(count: int, pooled: bool) -> str:
    if count == 0:
        return "no comparator council has a value for this year"
    if pooled:
        return (
            f"pooled over {count} comparator council(s): their numerators summed over their "
            "denominators"
        )
    return f"mean of the published values of {count} comparator council(s), unweighted"


def _comparators(
    measure: OutcomeMeasure,
    peer_of: npt.NDArray[np.bool_],
    data: _Rows,
    part: npt.NDArray[np.intp],
    tested: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """Comparator value, count and method text for each area (rows of ``peer_of``; its columns
    are the file's rows ``part``), as :func:`lsr.core.outcomes._comparators` gives them."""
    value, num, den = data.value[part], data.num[part], data.den[part]
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
    # the method text depends only on (count, pooled): made once per distinct pair
    kinds, which = np.unique(n * 2 + pooled, return_inverse=True)
    texts = np.array([_comparator_text(int(k) // 2, bool(k % 2)) for k in kinds], dtype=object)
    text = texts[which.reshape(-1)] if len(kinds) else np.array([], dtype=object)
    return result, n.astype(np.int64), text


def _england(data: _Rows, year_rows: npt.NDArray[np.intp], part: npt.NDArray[np.intp]) -> float:
    """England's value for a file and year: the file's own (first) England row when it has a
    value, else the first England row with a value among the measure's files of that year
    (NaN when there is none)."""
    own = data.value[part[data.england[part]]]
    if len(own) and not np.isnan(own[0]):
        return float(own[0])
    other = data.value[year_rows[data.england[year_rows]]]
    other = other[~np.isnan(other)]
    return float(other[0]) if len(other) else float("nan")


def _year_points(
    measure: OutcomeMeasure,
    year: Any,
    data: _Rows,
    year_rows: npt.NDArray[np.intp],
    wanted: npt.NDArray[np.bool_] | None,
    levels: Collection[str],
    matrix: npt.NDArray[np.bool_],
    confidence: float,
    z: float,
) -> dict[str, npt.NDArray[Any]] | None:
    """The points of one measure and year (``year_rows``: positions of its rows, in order) as
    columns, sorted by area code; ``None`` when there are none."""
    keys = data.file_key[year_rows]
    options, first = np.unique(keys, return_index=True)
    ordered = _option_order(
        options.tolist(),
        data,
        dict(zip(options.tolist(), year_rows[first].tolist(), strict=True)),
        measure,
    )
    taken = np.zeros(len(data.codes), dtype=bool)
    parts: list[dict[str, npt.NDArray[Any]]] = []
    tested_text = _interval_method(measure, confidence)
    reason = measure.not_tested or _NO_COUNTS
    untested_text = f"not tested ({reason}); placed among councils by rank instead"
    for option in ordered:
        part = year_rows[keys == option]
        # each area's first row in this file, for the areas no preferred file has
        ids, first_of = np.unique(data.area_id[part], return_index=True)
        points = part[np.sort(first_of[~taken[ids]])]
        taken[ids] = True
        if wanted is None:
            points = points[np.isin(data.level[points], list(levels))]
        else:
            points = points[wanted[data.area_id[points]]]
        if not len(points):
            continue
        value, num, den = data.value[points], data.num[points], data.den[points]
        lo, hi = _intervals(measure, value, num, den, z)
        tested = ~np.isnan(lo) & ~np.isnan(hi)
        england = _england(data, year_rows, part)
        field = data.value[part[data.council[part] & ~np.isnan(data.value[part])]]
        rank, quartile = _ranks(value, field, measure.polarity)
        median = float(np.median(field)) if len(field) else np.nan
        peer_of = matrix[np.ix_(data.area_id[points], data.area_id[part])]
        cmp_value, cmp_n, cmp_text = _comparators(measure, peer_of, data, part, tested)
        not_compared = Outcome.NOT_COMPARED.value
        vs_england = np.where(tested, compare_many(lo, hi, england, measure.polarity), not_compared)
        vs_cmp = np.where(tested, compare_many(lo, hi, cmp_value, measure.polarity), not_compared)
        parts.append(
            {
                "measure": np.full(len(points), measure.id, dtype=object),
                "year": np.full(len(points), str(year), dtype=object),
                "area_code": data.area[points],
                "area_name": data.name[points],
                "area_level": data.level[points],
                "value": value,
                "status": data.status[points],
                "numerator": num,
                "denominator": den,
                "ci_lower": lo,
                "ci_upper": hi,
                "margin_of_error": data.moe[points],
                "england": np.full(len(points), england),
                "comparators": cmp_value,
                "comparators_count": cmp_n,
                "comparators_method": cmp_text,
                "vs_england": vs_england.astype(object),
                "vs_comparators": vs_cmp.astype(object),
                "comparison_method": np.where(tested, tested_text, untested_text).astype(object),
                "confidence": np.where(tested, confidence, np.nan),
                "method": np.where(tested, str(Method.INTERVAL), str(Method.RANKED)).astype(object),
                "rank": rank,
                "councils": np.full(len(points), len(field), dtype=np.int64),
                "quartile": quartile,
                "council_median": np.full(len(points), median),
                "source": data.source[points],
                "measure_code": data.code[points],
                "edition": data.edition[points],
                "file_name": data.file[points],
                "real": np.ones(len(points), dtype=bool),
            }
        )
    if not parts:
        return None
    columns = {c: np.concatenate([part[c] for part in parts]) for c in NATIONAL_COLUMNS}
    by_area = np.argsort(columns["area_code"], kind="stable")
    return {c: values[by_area] for c, values in columns.items()}


def _frame(columns: Mapping[str, npt.NDArray[Any]]) -> pd.DataFrame:
    """The table from its columns: text as Python objects (quick to iterate), numbers as
    float64, counts as int64, rank and quartile as nullable integers."""
    out: dict[str, pd.Series] = {}
    for c in NATIONAL_COLUMNS:
        values = columns[c]
        if c in _FLOATS:
            out[c] = pd.Series(values, dtype=np.float64)
        elif c in ("rank", "quartile"):
            out[c] = pd.Series(values, dtype=np.float64).astype("Int64")
        elif c in ("councils", "comparators_count"):
            out[c] = pd.Series(values, dtype=np.int64)
        elif c == "real":
            out[c] = pd.Series(values, dtype=bool)
        else:
            out[c] = pd.Series(values, dtype=object)
    return pd.DataFrame(out)


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
    data = _Rows(rows)
    matrix = _peer_matrix(data.codes, comparators)
    wanted = None
    if areas is not None:
        wanted = data.codes.isin([str(a) for a in areas])
    parts: list[dict[str, npt.NDArray[Any]]] = []
    for measure in measures:
        pairs = ["\x1f".join(pair) for pair in measure.sources]
        mine = np.flatnonzero(np.isin(data.pair, pairs))
        years = data.year[mine]
        for year in sorted({y for y in years.tolist() if not pd.isna(y)}):  # as groupby
            part = _year_points(
                measure, year, data, mine[years == year], wanted, area_levels, matrix, confidence, z
            )
            if part is not None:
                parts.append(part)
    return _frame(
        {
            c: np.concatenate([p[c] for p in parts]) if parts else np.array([], dtype=object)
            for c in NATIONAL_COLUMNS
        }
    )


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
