"""Delayed transfers of care by reason for delay and by responsible organisation, for one area.

Pure computation over a long frame of delayed days (``area_code, period, breakdown, category,
days`` and optionally ``adults``, the population aged 18+), as :func:`lsr.data.queries.
dtoc_breakdowns` reads it from the store. For one area and each month it gives every reason's
(and every group of reasons') share of delayed days and its rate (average delayed beds per day
per 100,000 adults aged 18+), the same for England and for the area's comparators pooled, the
split between the NHS, social care and both, the ranking of the reasons and the change since a
baseline month.

How the area is judged against a benchmark: **by value**, with the thresholds of
:class:`~lsr.core.delay_reason_types.ValueThresholds`. Delayed days are correlated (one person
delayed for 20 days is 20 days), so a binomial interval on shares of days, or a Poisson interval
on days, would overstate precision by an unknown factor; the thresholds are set from how much a
council's own shares and days move from one month to the next (see
docs/methods/delay-reasons.md).

Months that lack a reason code (``O) Other`` was only collected from 2017) are handled without
distorting the shares: a share is the reason's days out of the days of the reasons *reported*
that month (which is the month's total of delayed days, as the workbook's reasons add up to its
Total), a code not reported is ``None`` ("not collected"), never 0, and a group or change that
needs a missing code is not computed.

The codes, comparison rules and result dataclasses live in :mod:`lsr.core.delay_reason_types`
and are re-exported here.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from lsr.core.delay_reason_types import (
    AGENCIES,
    BREAKDOWNS,
    CHANGES,
    ENGLAND_GIVEN,
    ENGLAND_SUMMED,
    GROUPS,
    NOT_COMPARED,
    OUTCOMES,
    REASON_ORDER,
    REASONS,
    Agency,
    CategoryResult,
    Change,
    DelayReasonsResult,
    Kind,
    Measure,
    PeriodBreakdown,
    Reason,
    ReasonGroup,
    ValueThresholds,
    compare_rate,
    compare_share,
    rate_change,
    reason,
    share_change,
)
from lsr.core.geography import ENGLAND_CODE

__all__ = [
    "AGENCIES",
    "BREAKDOWNS",
    "CHANGES",
    "GROUPS",
    "NOT_COMPARED",
    "OUTCOMES",
    "REASONS",
    "Agency",
    "CategoryResult",
    "Change",
    "DelayReasonsResult",
    "Measure",
    "PeriodBreakdown",
    "Reason",
    "ReasonGroup",
    "ValueThresholds",
    "compare_rate",
    "compare_share",
    "delay_reasons",
    "rate_change",
    "reason",
    "share_change",
]

# --------------------------------------------------------------------------------------------
# Computation
# --------------------------------------------------------------------------------------------

_KEY = ["period", "breakdown", "category"]
_REQUIRED = ("area_code", "period", "breakdown", "category", "days")


def _prepare(frame: pd.DataFrame, population: Mapping[str, float] | None) -> pd.DataFrame:
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"delayed-days frame lacks columns: {', '.join(missing)}")
    f = frame[frame["breakdown"].isin(BREAKDOWNS)].copy()
    f["period"] = pd.to_datetime(f["period"]).dt.to_period("M").dt.to_timestamp()
    f["days"] = f["days"].astype(float)
    if (f["days"] < 0).any() or f["days"].isna().any():
        raise ValueError("delayed days must be non-negative numbers")
    if f.duplicated(["area_code", *_KEY]).any():
        dup = f[f.duplicated(["area_code", *_KEY])].iloc[0]
        raise ValueError(
            f"duplicate row for {dup['area_code']} {dup['period']:%B %Y} {dup['breakdown']} "
            f"{dup['category']}"
        )
    if population is not None:
        f["adults"] = f["area_code"].map(lambda c: population.get(c, np.nan)).astype(float)
    elif "adults" in f.columns:
        f["adults"] = f["adults"].astype(float)
    else:
        f["adults"] = np.nan
    f["total"] = f.groupby(["area_code", "period", "breakdown"])["days"].transform("sum")
    return f


def _pool(rows: pd.DataFrame) -> pd.DataFrame:
    """Pool rows of one or more areas: days, shares and rates per (period, breakdown, category).

    A category's share is pooled over the areas that report it (its days over their totals);
    its rate over the areas that report it and have a population."""
    if rows.empty:
        return pd.DataFrame(columns=[*_KEY, "days", "share", "rate", "total"])
    known = rows["adults"].notna() & (rows["adults"] > 0)
    g = rows.assign(
        rate_days=np.where(known, rows["days"], 0.0),
        adults=np.where(known, rows["adults"], 0.0),
    )
    agg = g.groupby(_KEY, as_index=False).agg(
        days=("days", "sum"),
        total=("total", "sum"),
        rate_days=("rate_days", "sum"),
        adults=("adults", "sum"),
    )
    dim = agg["period"].map(lambda p: calendar.monthrange(p.year, p.month)[1]).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        agg["share"] = np.where(agg["total"] > 0, agg["days"] / agg["total"] * 100.0, np.nan)
        agg["rate"] = np.where(
            agg["adults"] > 0, agg["rate_days"] / dim / agg["adults"] * 100_000.0, np.nan
        )
    return agg


def _lookup(pooled: pd.DataFrame) -> dict[tuple[pd.Timestamp, str, str], Measure]:
    out: dict[tuple[pd.Timestamp, str, str], Measure] = {}
    for r in pooled.itertuples(index=False):
        out[(r.period, r.breakdown, r.category)] = Measure(
            days=float(r.days),
            share=None if r.share != r.share else float(r.share),
            rate=None if r.rate != r.rate else float(r.rate),
        )
    return out


def _totals(pooled: pd.DataFrame) -> dict[pd.Timestamp, float]:
    """Delayed days per month (the larger of the two breakdowns' sums; they agree when both
    are loaded from one workbook)."""
    if pooled.empty:
        return {}
    per = pooled.groupby(["period", "breakdown"])["days"].sum()
    return {p: float(v) for p, v in per.groupby(level="period").max().items()}


def _sum_measures(measures: Sequence[Measure]) -> Measure:
    """A group's measure: the sum of its members' days, shares and rates (``None`` if any
    member is missing)."""

    def total(values: list[float | None]) -> float | None:
        return None if any(v is None for v in values) else float(sum(v for v in values if v))

    if not measures:
        return Measure()
    return Measure(
        days=total([m.days for m in measures]),
        share=total([m.share for m in measures]),
        rate=total([m.rate for m in measures]),
    )


def _category(
    kind: Kind,
    category: str,
    label: str,
    area: Measure,
    england: Measure,
    comparators: Measure,
    compared: bool,
    thresholds: ValueThresholds,
    rank: int | None = None,
) -> CategoryResult:
    if not compared:
        return CategoryResult(kind, category, label, area, england, comparators, rank=rank)
    return CategoryResult(
        kind=kind,
        category=category,
        label=label,
        area=area,
        england=england,
        comparators=comparators,
        share_vs_england=compare_share(area.share, england.share, thresholds),
        share_vs_comparators=compare_share(area.share, comparators.share, thresholds),
        rate_vs_england=compare_rate(area.rate, england.rate, thresholds),
        rate_vs_comparators=compare_rate(area.rate, comparators.rate, thresholds),
        rank=rank,
    )


def _months_between(a: date, b: date) -> int:
    return (b.year * 12 + b.month) - (a.year * 12 + a.month)


def _default_baseline(periods: Sequence[date]) -> date | None:
    """The earliest month within the 12 months before the latest (``None`` with one month)."""
    if len(periods) < 2:
        return None
    latest = periods[-1]
    earlier = [p for p in periods[:-1] if _months_between(p, latest) <= 12]
    return earlier[0] if earlier else periods[-2]


def delay_reasons(
    frame: pd.DataFrame,
    area_code: str,
    comparators: Sequence[str] = (),
    population: Mapping[str, float] | None = None,
    *,
    thresholds: ValueThresholds | None = None,
    baseline: date | None = None,
    england_summed: bool | None = None,
) -> DelayReasonsResult:
    """Delays by reason and responsible organisation for ``area_code``, every month it has.

    ``frame`` is long: ``area_code, period, breakdown, category, days`` (other breakdowns than
    ``reason`` and ``responsible_org`` are ignored) and optionally ``adults``. ``population``
    maps area codes to adults aged 18+ and, when given, is used for every month instead of the
    ``adults`` column; without either, rates are ``None``. England is taken from rows with area
    code ``E92000001`` where the frame has them for a month and breakdown (e.g. the sum of
    English councils from :func:`lsr.data.queries.dtoc_breakdowns`, or the published England
    row), otherwise summed over the councils in the frame. The comparator value pools the
    ``comparators`` (the area itself and England excluded): their days over their totals, their
    days over their adults. ``baseline`` is the month changes are measured from; by default the
    earliest month within the 12 months before the latest; ``thresholds`` default to
    :class:`~lsr.core.delay_reason_types.ValueThresholds` ``()``. ``england_summed`` says
    whether the England rows given are the sum of every English council (``True``, as
    :func:`lsr.data.queries.dtoc_breakdowns` makes them, e.g. when ``frame`` holds only the
    area, its comparators and England) or published rows (``False``); by default it is worked
    out by comparing them with the sum of the councils in ``frame``."""
    thresholds = thresholds if thresholds is not None else ValueThresholds()
    f = _prepare(frame, population)
    area_rows = f[f["area_code"] == area_code]
    councils = f[f["area_code"] != ENGLAND_CODE]
    explicit = f[f["area_code"] == ENGLAND_CODE]
    summed = _pool(councils)
    england = _pool(explicit)
    if not england.empty:  # published (or pre-summed) England rows win for their month
        have = set(zip(england["period"], england["breakdown"], strict=True))
        keep = [
            (p, b) not in have for p, b in zip(summed["period"], summed["breakdown"], strict=True)
        ]
        england = pd.concat([england, summed[keep]], ignore_index=True)
    else:
        england = summed
    peers = tuple(sorted({p for p in comparators if p not in (area_code, ENGLAND_CODE)}))
    peer_rows = councils[councils["area_code"].isin(peers)]
    used_peers = tuple(p for p in peers if p in set(peer_rows["area_code"]))
    pooled_peers = _pool(peer_rows)
    area_pool = _pool(area_rows)

    area_m, eng_m, cmp_m = _lookup(area_pool), _lookup(england), _lookup(pooled_peers)
    area_tot, eng_tot, cmp_tot = _totals(area_pool), _totals(england), _totals(pooled_peers)
    adults = area_rows.groupby("period")["adults"].first()
    reported = area_rows[area_rows["breakdown"] == "reason"].groupby("period")["category"]
    reported_codes = {p: set(c) for p, c in reported}

    periods: list[PeriodBreakdown] = []
    for ts in sorted(area_tot):
        day0 = ts.date()
        days = area_tot[ts]
        compared = days >= thresholds.min_days
        codes = reported_codes.get(ts, set())

        def measures(
            breakdown: str, category: str, ts: pd.Timestamp = ts
        ) -> tuple[Measure, Measure, Measure]:
            key = (ts, breakdown, category)
            return (
                area_m.get(key, Measure()),
                eng_m.get(key, Measure()),
                cmp_m.get(key, Measure()),
            )

        order = sorted(
            (r for r in REASONS if area_m.get((ts, "reason", r.code), Measure()).share is not None),
            key=lambda r: (-(area_m[(ts, "reason", r.code)].share or 0.0), REASON_ORDER[r.code]),
        )
        ranks = {r.code: i for i, r in enumerate(order, start=1)}
        reasons = tuple(
            _category(
                "reason",
                r.code,
                r.label,
                *measures("reason", r.code),
                compared,
                thresholds,
                ranks.get(r.code),
            )
            for r in REASONS
        )
        by_code = {r.category: r for r in reasons}
        groups = tuple(
            _category(
                "group",
                g.id,
                g.label,
                _sum_measures([by_code[c].area for c in g.codes]),
                _sum_measures([by_code[c].england for c in g.codes]),
                _sum_measures([by_code[c].comparators for c in g.codes]),
                compared,
                thresholds,
            )
            for g in GROUPS
        )
        agencies = tuple(
            _category(
                "agency", a.id, a.label, *measures("responsible_org", a.id), compared, thresholds
            )
            for a in AGENCIES
        )
        area_adults = adults.get(ts)
        periods.append(
            PeriodBreakdown(
                period=day0,
                days_in_month=calendar.monthrange(day0.year, day0.month)[1],
                area_days=days,
                england_days=eng_tot.get(ts),
                comparators_days=cmp_tot.get(ts),
                area_adults=None
                if area_adults is None or area_adults != area_adults
                else float(area_adults),
                compared=compared,
                reasons=reasons,
                groups=groups,
                agencies=agencies,
                missing_codes=(
                    tuple(r.code for r in REASONS if r.code not in codes) if codes else ()
                ),
            )
        )

    dates = [p.period for p in periods]
    if baseline is not None:
        baseline = date(baseline.year, baseline.month, 1)
        if baseline not in dates:
            raise ValueError(f"baseline {baseline:%B %Y} is not a month with data for {area_code}")
    else:
        baseline = _default_baseline(dates)
    changes = _changes(periods, baseline, thresholds)
    notes = _notes(periods, thresholds)
    definition = ENGLAND_SUMMED
    if england_summed is not None:
        definition = ENGLAND_SUMMED if england_summed or explicit.empty else ENGLAND_GIVEN
    elif not explicit.empty:
        given = _pool(explicit).merge(summed, on=_KEY, how="left", suffixes=("", "_sum"))
        sums = pd.to_numeric(given["days_sum"], errors="coerce").fillna(-1.0).to_numpy(float)
        if not np.allclose(given["days"].to_numpy(float), sums, atol=0.5):
            definition = ENGLAND_GIVEN
    return DelayReasonsResult(
        area_code=area_code,
        comparator_codes=used_peers,
        periods=tuple(periods),
        baseline=baseline,
        changes=changes,
        thresholds=thresholds,
        method=thresholds.describe(),
        england_definition=definition,
        notes=notes,
    )


def _changes(
    periods: Sequence[PeriodBreakdown], baseline: date | None, thresholds: ValueThresholds
) -> tuple[Change, ...]:
    if baseline is None or not periods or periods[-1].period == baseline:
        return ()
    start = next(p for p in periods if p.period == baseline)
    end = periods[-1]
    both = start.compared and end.compared
    out: list[Change] = []
    for before, after in zip(
        (*start.reasons, *start.groups, *start.agencies),
        (*end.reasons, *end.groups, *end.agencies),
        strict=True,
    ):
        out.append(
            Change(
                kind=after.kind,
                category=after.category,
                label=after.label,
                from_period=start.period,
                to_period=end.period,
                share_from=before.area.share,
                share_to=after.area.share,
                rate_from=before.area.rate,
                rate_to=after.area.rate,
                share_change=(
                    share_change(before.area.share, after.area.share, thresholds)
                    if both
                    else NOT_COMPARED
                ),
                rate_change=(
                    rate_change(before.area.rate, after.area.rate, thresholds)
                    if both
                    else NOT_COMPARED
                ),
            )
        )
    return tuple(out)


def _notes(periods: Sequence[PeriodBreakdown], thresholds: ValueThresholds) -> tuple[str, ...]:
    notes: list[str] = []
    missing: dict[str, list[date]] = {}
    for p in periods:
        for code in p.missing_codes:
            missing.setdefault(code, []).append(p.period)
    for code, months in missing.items():
        label = reason(code).label
        notes.append(
            f"{label} was not reported in {len(months)} of {len(periods)} months "
            f"({months[0]:%B %Y} to {months[-1]:%B %Y}): shares in those months are of the "
            "reasons reported, which add up to all delayed days; it is shown as not collected, "
            "not as zero"
        )
    few = [p.period for p in periods if not p.compared]
    if few:
        notes.append(
            f"{len(few)} month(s) with fewer than {thresholds.min_days:g} delayed days, not "
            f"compared with England or the comparators (first {few[0]:%B %Y})"
        )
    return tuple(notes)
