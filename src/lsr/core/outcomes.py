"""Social care outcomes for one area: ASCOF and Oflog measures over the years available.

Pure computation over the tidy frame of published measures (one row per source, edition,
measure, area and year; see :mod:`lsr.data.measures` for its columns). For each of
:data:`OUTCOME_MEASURES` and each year the area has a row, :func:`social_care_outcomes` gives:

* the area's published value, the England value and the comparator average;
* where the publisher gives a numerator and denominator that are counts (care home admissions
  per 100,000, ASCOF 2A(2); still at home 91 days after reablement, 2B(1)): a confidence
  interval (:mod:`lsr.core.ci`: Byar's / exact Poisson for the rate, Wilson for the
  proportion) and better / similar / worse against England and the comparators
  (:func:`lsr.core.compare.compare`, the measure's polarity);
* where it does not (survey scores, whose published numerators are weighted estimates;
  percentages published without counts, such as Skills for Care's turnover rate): *no*
  significance test, and instead the area's place among all councils with a value that year
  (rank 1 = best by the measure's polarity, and the quartile, 1 = best quarter).

Each point says which source, edition and file it came from and is marked real (published
data). Each measure is tied to the report's themes (Carers, Workforce, Market shaping ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

from lsr.core import ci
from lsr.core.compare import Outcome, compare
from lsr.core.geography import ENGLAND_CODE
from lsr.core.indicators import Polarity, Statistic
from lsr.core.outcome_measures import (
    CARER_QUALITY_OF_LIFE,
    CARERS_INFORMATION,
    CONTROL_OVER_DAILY_LIFE,
    OUTCOME_MEASURES,
    PERMANENT_ADMISSIONS,
    REABLEMENT_91_DAYS,
    SOCIAL_CARE_QUALITY_OF_LIFE,
    THEMES,
    WORKFORCE_TURNOVER,
    OutcomeMeasure,
)
from lsr.core.profile_types import Comparison

__all__ = [
    "CARERS_INFORMATION",
    "CARER_QUALITY_OF_LIFE",
    "CONTROL_OVER_DAILY_LIFE",
    "INPUT_COLUMNS",
    "OUTCOME_MEASURES",
    "PERMANENT_ADMISSIONS",
    "REABLEMENT_91_DAYS",
    "SOCIAL_CARE_QUALITY_OF_LIFE",
    "THEMES",
    "WORKFORCE_TURNOVER",
    "Method",
    "OutcomeMeasure",
    "OutcomePoint",
    "OutcomeSeries",
    "Ranking",
    "SocialCareOutcomes",
    "quartile_for",
    "rank_among",
    "social_care_outcomes",
]

INPUT_COLUMNS: tuple[str, ...] = (
    "source",
    "edition",
    "measure_code",
    "area_code",
    "area_name",
    "area_level",
    "year",
    "value",
    "numerator",
    "denominator",
    "margin_of_error",
    "status",
    "file_name",
)
"""Columns :func:`social_care_outcomes` needs (one disaggregation, normally ``Total``)."""

EDITION_ORDER: tuple[str, ...] = ("official", "compiled")
"""Within a source, the publisher's own file is preferred to a compilation of it."""


class Method(StrEnum):
    """How a point is set against England and the other councils."""

    INTERVAL = "interval"
    """A confidence interval from counts, compared with England and the comparators."""
    RANKED = "ranked"
    """No interval (survey estimate or a published percentage): rank and quartile instead."""


_NO_COUNTS = (
    "this year's file gives the published value without its numerator and denominator, so no "
    "confidence interval is drawn and no significance is claimed"
)


# --- ranks and quartiles ------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    """An area's place among councils: ``rank`` 1 is the best (the highest value when high is
    good or the direction is neutral, the lowest when low is good); tied values share the best
    rank. ``quartile`` 1 is the best quarter (``None`` with fewer than 4 councils)."""

    rank: int
    count: int
    quartile: int | None


def quartile_for(rank: int, count: int) -> int | None:
    """The quartile (1 to 4) of a rank among ``count`` councils: ranks ``1..count/4`` are the
    first quartile; ``None`` when fewer than 4 councils are ranked."""
    if count < 1 or not 1 <= rank <= count:
        raise ValueError(f"rank {rank} is not between 1 and {count}")
    if count < 4:
        return None
    return min(4, 1 + (4 * (rank - 1)) // count)


def rank_among(values: Sequence[float], value: float, polarity: Polarity | str) -> Ranking:
    """The :class:`Ranking` of ``value`` among ``values`` (which include it): one plus the
    number of values strictly better than it."""
    finite = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if not finite or value is None or math.isnan(float(value)):
        raise ValueError("ranking needs a value and at least one council's value")
    pol = Polarity(polarity)
    if pol is Polarity.LOW_IS_GOOD:
        better = sum(1 for v in finite if v < value)
    else:
        better = sum(1 for v in finite if v > value)
    count = len(finite)
    rank = min(better + 1, count)
    return Ranking(rank=rank, count=count, quartile=quartile_for(rank, count))


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomePoint:
    """One measure, one area, one year."""

    year: str
    value: float | None
    status: str
    """``published``, ``suppressed`` or ``not available`` (the publisher's markers)."""
    numerator: float | None
    denominator: float | None
    ci_lower: float | None
    ci_upper: float | None
    margin_of_error: float | None
    """NHS Digital's published margin of error (survey measures), shown, not tested."""
    england: float | None
    comparators: float | None
    comparators_count: int
    comparators_method: str
    vs_england: Comparison
    vs_comparators: Comparison
    method: str
    """:class:`Method`: ``interval`` or ``ranked``."""
    rank: int | None
    councils: int
    """How many councils had a value that year (the field ranked)."""
    quartile: int | None
    council_median: float | None
    source: str
    measure_code: str
    edition: str
    file_name: str
    real: bool = True


@dataclass(frozen=True)
class OutcomeSeries:
    """A measure's years for one area."""

    measure: OutcomeMeasure
    points: tuple[OutcomePoint, ...]
    notes: tuple[str, ...] = ()

    @property
    def latest(self) -> OutcomePoint | None:
        """The latest year with a value (``None`` if there is none)."""
        valued = [p for p in self.points if p.value is not None]
        return valued[-1] if valued else None


@dataclass(frozen=True)
class SocialCareOutcomes:
    """The social care outcome measures of one area."""

    area_code: str
    area_name: str
    comparator_method: str
    comparator_codes: tuple[str, ...]
    confidence: float
    series: tuple[OutcomeSeries, ...]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (NaN as ``None``, enums as their values)."""
        return _json(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SocialCareOutcomes:
        """Rebuild from :meth:`to_dict` (for example after a JSON round trip)."""
        series = []
        for s in data["series"]:
            m = dict(s["measure"])
            measure = OutcomeMeasure(
                **{
                    **m,
                    "polarity": Polarity(m["polarity"]),
                    "statistic": Statistic(m["statistic"]) if m["statistic"] else None,
                    "sources": tuple(tuple(pair) for pair in m["sources"]),
                    "themes": tuple(m["themes"]),
                }
            )
            points = tuple(
                OutcomePoint(
                    **{
                        **p,
                        "vs_england": Comparison(**p["vs_england"]),
                        "vs_comparators": Comparison(**p["vs_comparators"]),
                    }
                )
                for p in s["points"]
            )
            series.append(OutcomeSeries(measure, points, tuple(s["notes"])))
        return cls(
            area_code=data["area_code"],
            area_name=data["area_name"],
            comparator_method=data["comparator_method"],
            comparator_codes=tuple(data["comparator_codes"]),
            confidence=float(data["confidence"]),
            series=tuple(series),
            notes=tuple(data["notes"]),
        )


def _json(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json(v) for v in obj]
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


# --- computing ----------------------------------------------------------------------------------


def _opt(x: Any) -> float | None:
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _interval_method(measure: OutcomeMeasure, confidence: float) -> str:
    level = f"{confidence:.1%}".replace(".0%", "%")
    if measure.statistic is Statistic.PROPORTION:
        return f"benchmark value inside the area's {level} Wilson score interval"
    return (
        f"benchmark value inside the area's {level} Poisson interval "
        "(exact below 10 events, Byar's otherwise)"
    )


def _interval(
    measure: OutcomeMeasure, num: float | None, den: float | None, z: float
) -> tuple[float | None, float | None]:
    if measure.statistic is None or num is None or den is None or den <= 0:
        return None, None
    if measure.statistic is Statistic.PROPORTION:
        if num > den:
            return None, None
        _, lo, hi = ci.proportion(num, den, measure.multiplier, z=z)
    else:
        _, lo, hi = ci.rate(num, den, measure.multiplier, z=z)
    return float(lo), float(hi)  # type: ignore[arg-type]


def _comparators(
    measure: OutcomeMeasure, peers: pd.DataFrame, pooled_ok: bool
) -> tuple[float | None, int, str]:
    valued = peers[peers["value"].notna()]
    n = len(valued)
    if n == 0:
        return None, 0, "no comparator council has a value for this year"
    counts = valued["numerator"].notna() & valued["denominator"].notna()
    if pooled_ok and bool(counts.all()) and float(valued["denominator"].sum()) > 0:
        value = float(valued["numerator"].sum()) / float(valued["denominator"].sum())
        return (
            value * measure.multiplier,
            n,
            f"pooled over {n} comparator council(s): their numerators summed over their "
            "denominators",
        )
    return (
        float(valued["value"].mean()),
        n,
        f"mean of the published values of {n} comparator council(s), unweighted",
    )


def _choose(rows: pd.DataFrame, measure: OutcomeMeasure, area: str) -> dict[str, pd.DataFrame]:
    """Per year, the rows of the most preferred (source, edition) that has the area."""
    preference = {pair: i for i, pair in enumerate(measure.sources)}
    chosen: dict[str, pd.DataFrame] = {}
    for year, group in rows.groupby("year", sort=True):
        options = sorted(
            {
                (s, c, e)
                for s, c, e in zip(
                    group["source"], group["measure_code"], group["edition"], strict=True
                )
            },
            key=lambda t: (
                preference.get((t[0], t[1]), 99),
                EDITION_ORDER.index(t[2]) if t[2] in EDITION_ORDER else 99,
            ),
        )
        for source, code, edition in options:
            part = group[
                (group["source"] == source)
                & (group["measure_code"] == code)
                & (group["edition"] == edition)
            ]
            if (part["area_code"] == area).any():
                chosen[str(year)] = part
                break
    return chosen


def _england(rows: pd.DataFrame, year: str, chosen: pd.DataFrame) -> float | None:
    own = chosen[chosen["area_code"] == ENGLAND_CODE]
    if len(own) and _opt(own["value"].iloc[0]) is not None:
        return _opt(own["value"].iloc[0])
    other = rows[(rows["year"] == year) & (rows["area_code"] == ENGLAND_CODE)]
    other = other[other["value"].notna()]
    return _opt(other["value"].iloc[0]) if len(other) else None


def _series(
    rows: pd.DataFrame,
    measure: OutcomeMeasure,
    area: str,
    peers: Sequence[str],
    confidence: float,
) -> OutcomeSeries:
    z = ci.z_for(confidence)
    pairs = pd.MultiIndex.from_arrays([rows["source"], rows["measure_code"]])
    mine = rows[pairs.isin(list(measure.sources))]
    points: list[OutcomePoint] = []
    notes: list[str] = []
    no_england: list[str] = []
    for year, chosen in _choose(mine, measure, area).items():
        row = chosen[chosen["area_code"] == area].iloc[0]
        value = _opt(row["value"])
        num, den = _opt(row["numerator"]), _opt(row["denominator"])
        lo, hi = _interval(measure, num, den, z) if value is not None else (None, None)
        tested = lo is not None and hi is not None
        england = _england(mine, year, chosen)
        councils = chosen[(chosen["area_level"] == "council") & chosen["value"].notna()]
        peer_rows = chosen[chosen["area_code"].isin(list(peers)) & (chosen["area_code"] != area)]
        cmp_value, cmp_n, cmp_method = _comparators(measure, peer_rows, tested)
        if tested:
            method = _interval_method(measure, confidence)
            vs_eng = compare(lo, hi, england, measure.polarity)
            vs_cmp = compare(lo, hi, cmp_value, measure.polarity)
            level: float | None = confidence
        else:
            reason = measure.not_tested or _NO_COUNTS
            method = f"not tested ({reason}); placed among councils by rank instead"
            vs_eng = vs_cmp = Outcome.NOT_COMPARED
            level = None
        ranking = None
        if value is not None and len(councils) >= 2:
            ranking = rank_among(councils["value"].astype(float).tolist(), value, measure.polarity)
        median = float(councils["value"].median()) if len(councils) else None
        if england is None:
            no_england.append(year)
        if value is None:
            notes.append(f"{year}: {row['status']} in {row['file_name']}")
        points.append(
            OutcomePoint(
                year=year,
                value=value,
                status=str(row["status"]),
                numerator=num,
                denominator=den,
                ci_lower=lo,
                ci_upper=hi,
                margin_of_error=_opt(row.get("margin_of_error")),
                england=england,
                comparators=cmp_value,
                comparators_count=cmp_n,
                comparators_method=cmp_method,
                vs_england=Comparison(str(vs_eng), method, level, england),
                vs_comparators=Comparison(str(vs_cmp), method, level, cmp_value),
                method=str(Method.INTERVAL if tested else Method.RANKED),
                rank=ranking.rank if ranking else None,
                councils=len(councils),
                quartile=ranking.quartile if ranking else None,
                council_median=median,
                source=str(row["source"]),
                measure_code=str(row["measure_code"]),
                edition=str(row["edition"]),
                file_name=str(row["file_name"]),
            )
        )
    if no_england:
        notes.insert(
            0,
            f"no England value in the source for {', '.join(no_england)}"
            + (
                " (Oflog publishes council values only)"
                if all(p.source == "oflog" for p in points if p.year in no_england)
                else ""
            ),
        )
    return OutcomeSeries(measure=measure, points=tuple(points), notes=tuple(notes))


def social_care_outcomes(
    rows: pd.DataFrame,
    area_code: str,
    comparators: Mapping[str, Sequence[str]],
    *,
    area_name: str | None = None,
    comparator_method: str = "",
    measures: Sequence[OutcomeMeasure] = OUTCOME_MEASURES,
    confidence: float = 0.95,
) -> SocialCareOutcomes:
    """The social care outcome measures of one area over the years in ``rows``.

    ``rows`` has :data:`INPUT_COLUMNS` for every area (councils, regions, England) of one
    disaggregation; ``comparators`` maps an area code to its peers' codes, as
    :func:`lsr.core.profile.compute_profile_table` takes it. A measure the area has no row
    for gives an empty series (and a note)."""
    missing = [c for c in INPUT_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack columns: {', '.join(missing)}")
    peers = tuple(comparators.get(area_code, ()))
    name = area_name
    if name is None:
        named = rows.loc[rows["area_code"] == area_code, "area_name"]
        name = str(named.iloc[0]) if len(named) else area_code
    series = tuple(_series(rows, m, area_code, peers, confidence) for m in measures)
    notes = [
        f"{s.measure.name}: no published value for {name} in the files loaded"
        for s in series
        if not s.points
    ]
    if not peers:
        notes.append("no comparator group for this area: comparator averages are not shown")
    return SocialCareOutcomes(
        area_code=area_code,
        area_name=name,
        comparator_method=comparator_method,
        comparator_codes=peers,
        confidence=confidence,
        series=series,
        notes=tuple(notes),
    )
