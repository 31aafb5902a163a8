"""Assemble the data profile: values, intervals, benchmarks, comparisons and control charts.

Pure computation over tidy frames. :func:`compute_profile_table` does the whole country at once
(vectorised, one control chart per area and indicator); :func:`area_profile` turns the rows for
one area into the :class:`~lsr.core.profile_types.AreaProfile` the report and JSON output use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from lsr.core import ci
from lsr.core.compare import Outcome, compare_many
from lsr.core.geography import ENGLAND_CODE
from lsr.core.indicators import (
    ALL_INDICATORS,
    INDICATORS,
    Indicator,
    Polarity,
    Statistic,
    get_indicator,
)
from lsr.core.profile_types import (
    AreaProfile,
    Comparison,
    IndicatorProfile,
    ProfilePoint,
    SpcPointResult,
)
from lsr.core.spc import Direction, SpcOptions, xmr
from lsr.core.suppression import suppress_array

COUNT_COLUMNS = (
    "indicator",
    "area_code",
    "period",
    "numerator",
    "denominator",
    "synthetic",
    "source",
)

DTOC_NOT_COMPARED = (
    "not compared by interval: delayed days are correlated (one person delayed for 20 days is "
    "20 days), so a Poisson interval would overstate precision; compared by value and control "
    "chart instead"
)


@dataclass(frozen=True)
class ProfileSettings:
    """Settings for a profile run."""

    confidence: float = 0.95
    spc: SpcOptions = field(default_factory=SpcOptions)
    suppress: bool = True
    targets: Mapping[str, float] = field(default_factory=dict)  # indicator id -> SPC target


@dataclass(frozen=True)
class ProfileTable:
    """The national profile: one row per (indicator, area, period) in ``points``, one row per
    (indicator, area) control chart in ``series``."""

    points: pd.DataFrame
    series: pd.DataFrame
    settings: ProfileSettings


def direction_for(polarity: Polarity) -> Direction:
    """The SPC improvement direction that matches an indicator's polarity."""
    return {
        Polarity.LOW_IS_GOOD: Direction.DECREASE,
        Polarity.HIGH_IS_GOOD: Direction.INCREASE,
        Polarity.NEUTRAL: Direction.NEUTRAL,
    }[polarity]


def _interval_method(ind: Indicator, confidence: float) -> str:
    level = f"{confidence:.1%}".replace(".0%", "%")
    if ind.statistic is Statistic.PROPORTION:
        return f"benchmark value inside the area's {level} Wilson score interval"
    return (
        f"benchmark value inside the area's {level} Poisson interval "
        "(exact below 10 events, Byar's otherwise)"
    )


def _values_and_intervals(
    ind: Indicator, num: np.ndarray, den: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if ind.statistic is Statistic.RATE:
        value, lo, hi = ci.rate(num, den, ind.multiplier, z=z)
    elif ind.statistic is Statistic.PROPORTION:
        value, lo, hi = ci.proportion(num, den, ind.multiplier, z=z)
    else:
        value = num / den * ind.multiplier
        lo = np.full_like(value, np.nan)
        hi = np.full_like(value, np.nan)
    return np.asarray(value, float), np.asarray(lo, float), np.asarray(hi, float)


NO_ENGLAND = (
    "not compared with England: there is no England figure for this period (England comes only "
    "from England data, never from the sum of the councils that happen to be loaded)"
)
NO_COMPARATORS = "not compared with the comparators: none of them has a figure for this period"


def _benchmarks(counts: pd.DataFrame, comparators: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """England and pooled comparator numerators and denominators per row of ``counts``.

    England is the England row (``E92000001``) of the same indicator and period, and nothing
    else: a sum over the councils loaded would make one loaded council "England"."""
    keys = ["indicator", "period"]
    councils = counts[counts["area_code"] != ENGLAND_CODE]
    england = counts[counts["area_code"] == ENGLAND_CODE][[*keys, "numerator", "denominator"]]
    england = england.rename(columns={"numerator": "eng_num", "denominator": "eng_den"})

    pairs = pd.DataFrame(
        [(a, p) for a, peers in comparators.items() for p in peers],
        columns=["area_code", "peer_code"],
    )
    peer_counts = councils.rename(columns={"area_code": "peer_code"})[
        ["indicator", "peer_code", "period", "numerator", "denominator"]
    ]
    pooled = (
        pairs.merge(peer_counts, on="peer_code")
        .groupby(["indicator", "area_code", "period"], as_index=False)
        .agg(
            cmp_num=("numerator", "sum"),
            cmp_den=("denominator", "sum"),
            cmp_n=("peer_code", "count"),
        )
    )
    out = counts.merge(england, on=keys, how="left").merge(
        pooled, on=["indicator", "area_code", "period"], how="left"
    )
    return out


def compute_profile_table(
    counts: pd.DataFrame,
    comparators: Mapping[str, Sequence[str]],
    settings: ProfileSettings = ProfileSettings(),
) -> ProfileTable:
    """Compute the profile for every area, indicator and period in ``counts``.

    ``counts`` is tidy: indicator, area_code, period, numerator, denominator, synthetic, source.
    England is taken from the rows with area code ``E92000001`` only; a period without one is
    "not compared" with England, with the reason. Comparator values are the pooled numerators
    over the pooled denominators of each area's peers."""
    missing = [c for c in COUNT_COLUMNS if c not in counts.columns]
    if missing:
        raise ValueError(f"counts frame lacks columns: {', '.join(missing)}")
    z = ci.z_for(settings.confidence)
    frame = _benchmarks(counts[list(COUNT_COLUMNS)].copy(), comparators)
    parts: list[pd.DataFrame] = []
    for ind_id, group in frame.groupby("indicator", sort=False):
        ind = get_indicator(str(ind_id))
        g = group.copy()
        num = g["numerator"].to_numpy(float)
        den = g["denominator"].to_numpy(float)
        g["value"], g["ci_lower"], g["ci_upper"] = _values_and_intervals(ind, num, den, z)
        g["england"] = g["eng_num"] / g["eng_den"] * ind.multiplier
        g["comparators"] = g["cmp_num"] / g["cmp_den"] * ind.multiplier
        if settings.suppress and ind.person_level:
            # Published counts from person-level data: 1-7 as "*", others to the nearest 5;
            # a proportion's denominator is such a count too (a population is not).
            display, hidden = suppress_array(np.round(num))
            g["numerator_display"] = display
            if ind.statistic is Statistic.PROPORTION:
                den_display, den_hidden = suppress_array(np.round(den))
                hidden = hidden | den_hidden
            else:
                den_display = np.array([f"{x:,.0f}" for x in den])
            g["denominator_display"] = den_display
        else:
            hidden = np.zeros(len(g), dtype=bool)
            g["numerator_display"] = [f"{x:,.0f}" for x in num]
            g["denominator_display"] = [f"{x:,.0f}" for x in den]
        g["suppressed"] = hidden
        for col in ("value", "ci_lower", "ci_upper"):
            g.loc[hidden, col] = np.nan
        if ind.statistic is Statistic.DTOC_BEDS:
            g["vs_england"] = Outcome.NOT_COMPARED.value
            g["vs_comparators"] = Outcome.NOT_COMPARED.value
            g["compare_method"] = DTOC_NOT_COMPARED
        else:
            lo = g["ci_lower"].to_numpy(float)
            hi = g["ci_upper"].to_numpy(float)
            g["vs_england"] = compare_many(lo, hi, g["england"].to_numpy(float), ind.polarity)
            g["vs_comparators"] = compare_many(
                lo, hi, g["comparators"].to_numpy(float), ind.polarity
            )
            g["compare_method"] = _interval_method(ind, settings.confidence)
        g["england_method"] = np.where(
            np.isfinite(g["england"].to_numpy(float)), g["compare_method"], NO_ENGLAND
        )
        g["comparators_method"] = np.where(
            np.isfinite(g["comparators"].to_numpy(float)), g["compare_method"], NO_COMPARATORS
        )
        suppressed_method = "not compared: value suppressed (small number)"
        for col in ("compare_method", "england_method", "comparators_method"):
            g.loc[hidden, col] = suppressed_method
        parts.append(g)
    if not parts:  # nothing loaded yet: an empty table with every column
        empty = frame.assign(
            value=np.nan,
            ci_lower=np.nan,
            ci_upper=np.nan,
            england=np.nan,
            comparators=np.nan,
            numerator_display="",
            denominator_display="",
            suppressed=False,
            vs_england="",
            vs_comparators="",
            compare_method="",
            england_method="",
            comparators_method="",
        )
        parts.append(empty)
    points = pd.concat(parts, ignore_index=True)
    points = points.sort_values(["indicator", "area_code", "period"], ignore_index=True)
    points, series = _control_charts(points, settings)
    return ProfileTable(points=points, series=series, settings=settings)


_SPC_COLUMNS = (
    "spc_centre",
    "spc_lower_limit",
    "spc_upper_limit",
    "spc_lower_2sigma",
    "spc_upper_2sigma",
)


def _control_charts(
    points: pd.DataFrame, settings: ProfileSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(points)
    arrays = {c: np.full(n, np.nan) for c in _SPC_COLUMNS}
    point_type = np.full(n, None, dtype=object)
    rule = np.full(n, None, dtype=object)
    trial = np.zeros(n, dtype=bool)
    series_rows = []
    values = points["value"].to_numpy(float)
    stamps = pd.DatetimeIndex(points["period"])
    month_no = (stamps.year * 12 + stamps.month).to_numpy(np.int64)
    for (ind_id, area), idx in points.groupby(
        ["indicator", "area_code"], sort=False
    ).indices.items():
        ind = get_indicator(str(ind_id))
        options = replace(
            settings.spc,
            improvement=direction_for(ind.polarity),
            target=settings.targets.get(ind.id, settings.spc.target),
        )
        usable = idx[np.isfinite(values[idx])]
        row = {
            "indicator": ind_id,
            "area_code": area,
            "variation_icon": None,
            "assurance_icon": None,
            "spc_rule_set": options.describe(),
            "spc_points": len(usable),
        }
        res = None
        if len(usable) >= 2:
            step = period_step(month_no[idx])
            gaps = np.flatnonzero(np.diff(month_no[usable]) > step) + 1
            try:
                res = xmr(values[usable], options, breaks=gaps.tolist())
            except ValueError:  # no two consecutive points: no moving range to chart
                res = None
        if res is not None:
            arrays["spc_centre"][usable] = res.centre
            arrays["spc_lower_limit"][usable] = res.lower_limit
            arrays["spc_upper_limit"][usable] = res.upper_limit
            arrays["spc_lower_2sigma"][usable] = res.lower_2sigma
            arrays["spc_upper_2sigma"][usable] = res.upper_2sigma
            point_type[usable] = [str(p) for p in res.point_type]
            rule[usable] = list(res.rule)
            trial[usable] = res.trial_limits
            row.update(
                variation_icon=res.variation_icon,
                assurance_icon=res.assurance_icon,
                spc_rule_set=res.rule_set,
            )
        series_rows.append(row)
    points = points.assign(**arrays, spc_point_type=point_type, spc_rule=rule, spc_trial=trial)
    columns = [
        "indicator",
        "area_code",
        "variation_icon",
        "assurance_icon",
        "spc_rule_set",
        "spc_points",
    ]
    return points, pd.DataFrame(series_rows, columns=columns)


def period_step(month_numbers: npt.ArrayLike) -> int:
    """The series' step in months (1 for monthly, 3 for quarterly, 12 for yearly data): the
    smallest positive gap between its periods (1 when there is none)."""
    diffs = np.diff(np.unique(np.asarray(month_numbers, dtype=np.int64)))
    return int(diffs.min()) if len(diffs) else 1


def missing_periods(periods: Sequence[date]) -> tuple[date, ...]:
    """The periods between the first and the last that have no row, at the series' step."""
    if len(periods) < 2:
        return ()
    numbers = sorted({p.year * 12 + p.month - 1 for p in periods})
    step = period_step(numbers)
    present = set(numbers)
    return tuple(
        date(n // 12, n % 12 + 1, 1)
        for n in range(numbers[0], numbers[-1] + 1, step)
        if n not in present
    )


_POPULATION_YEAR = re.compile(r"^(?P<head>.*population) (?P<year>\d{4})$")


def _year_ranges(years: Sequence[int]) -> str:
    runs: list[list[int]] = []
    for y in sorted(set(years)):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def summarise_sources(sources: Sequence[str]) -> str:
    """The distinct sources of a series in one line, folding sources that differ only in the
    population year ("...; ONS mid-year population 2011", "... 2015") into one ("...; ONS
    mid-year population 2011, 2015")."""
    folded: dict[str, list[int]] = {}
    plain: list[str] = []
    for source in sources:
        match = _POPULATION_YEAR.match(source)
        if match:
            folded.setdefault(match.group("head"), []).append(int(match.group("year")))
        elif source not in plain:
            plain.append(source)
    out = sorted(plain) + [
        f"{head} {_year_ranges(years)}" for head, years in sorted(folded.items())
    ]
    return "; ".join(out)


def _opt(x: object) -> float | None:
    if x is None:
        return None
    f = float(x)  # type: ignore[arg-type]
    return None if np.isnan(f) else f


def _opt_str(x: object) -> str | None:
    return x if isinstance(x, str) else None


def area_profile(
    table: ProfileTable,
    area_code: str,
    area_names: Mapping[str, str],
    comparators: Mapping[str, Sequence[str]],
    comparator_method: str,
) -> AreaProfile:
    """The profile of one area, drawn from a computed :class:`ProfileTable`."""
    if area_code not in area_names:
        raise KeyError(f"unknown area code {area_code!r}")
    pts = table.points[table.points["area_code"] == area_code]
    series = table.series[table.series["area_code"] == area_code].set_index("indicator")
    confidence = table.settings.confidence
    indicators = []
    supplementary = []
    for ind in ALL_INDICATORS:
        rows = pts[pts["indicator"] == ind.id]
        if ind not in INDICATORS and rows.empty:
            continue  # a supplementary indicator with no data for this area is left out
        points = tuple(
            _point(r, confidence, published=table.settings.suppress and ind.person_level)
            for r in rows.itertuples(index=False)
        )
        s = series.loc[ind.id] if ind.id in series.index else None
        (indicators if ind in INDICATORS else supplementary).append(
            IndicatorProfile(
                indicator=ind,
                points=points,
                variation_icon=_opt_str(None if s is None else s["variation_icon"]),
                assurance_icon=_opt_str(None if s is None else s["assurance_icon"]),
                spc_rule_set="" if s is None else str(s["spc_rule_set"]),
                synthetic=bool(rows["synthetic"].any()) if len(rows) else False,
                source=summarise_sources(list(rows["source"].unique()))
                if len(rows)
                else "no data loaded",
                missing_periods=missing_periods([p.period for p in points]),
            )
        )
    peers = tuple(comparators.get(area_code, ()))
    return AreaProfile(
        area_code=area_code,
        area_name=area_names[area_code],
        comparator_method=comparator_method,
        comparator_codes=peers,
        comparator_names=tuple(area_names.get(p, p) for p in peers),
        indicators=tuple(indicators),
        confidence=confidence,
        supplementary=tuple(supplementary),
    )


def _published_count(text: str) -> float | None:
    """A published (rounded) count back as a number; ``None`` for a suppressed one."""
    cleaned = text.replace(",", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def _point(r: object, confidence: float, *, published: bool = False) -> ProfilePoint:
    """One row of the profile table as a :class:`ProfilePoint`. ``published``: the counts come
    from person-level data, so the point carries only their published (rounded or suppressed)
    values, never the exact counts."""
    g = r.__getattribute__
    suppressed = bool(g("suppressed"))
    spc = None
    if isinstance(g("spc_point_type"), str):
        spc = SpcPointResult(
            centre=float(g("spc_centre")),
            lower_limit=float(g("spc_lower_limit")),
            upper_limit=float(g("spc_upper_limit")),
            lower_2sigma=float(g("spc_lower_2sigma")),
            upper_2sigma=float(g("spc_upper_2sigma")),
            point_type=str(g("spc_point_type")),
            rule=g("spc_rule") if isinstance(g("spc_rule"), str) else None,
            trial_limits=bool(g("spc_trial")),
        )
    period = pd.Timestamp(g("period")).date()
    england_method = str(g("england_method"))
    comparators_method = str(g("comparators_method"))
    return ProfilePoint(
        period=period,
        period_label=period.strftime("%b %Y"),
        numerator=(
            None
            if suppressed
            else _published_count(str(g("numerator_display")))
            if published
            else _opt(g("numerator"))
        ),
        denominator=(
            _published_count(str(g("denominator_display"))) if published else _opt(g("denominator"))
        ),
        value=_opt(g("value")),
        ci_lower=_opt(g("ci_lower")),
        ci_upper=_opt(g("ci_upper")),
        england=_opt(g("england")),
        comparators=_opt(g("comparators")),
        vs_england=Comparison(
            str(g("vs_england")),
            england_method,
            None if "not compared" in england_method else confidence,
            _opt(g("england")),
        ),
        vs_comparators=Comparison(
            str(g("vs_comparators")),
            comparators_method,
            None if "not compared" in comparators_method else confidence,
            _opt(g("comparators")),
        ),
        spc=spc,
        suppressed=suppressed,
        numerator_display=str(g("numerator_display")),
        denominator_display=str(g("denominator_display")),
        synthetic=bool(g("synthetic")),
        source=str(g("source")),
    )
