"""Running a scenario file: the base case and every scenario, compared under common random numbers.

Every scenario is run with the same seed and the same replication numbers as the base case, and
with the same thinning rate for arrivals (the largest :func:`~lsr.flow.sampling.default_max_rate`
over the scenarios), so that replication ``r`` of every scenario sees the same patients with the
same attributes (common random numbers, CRN). Differences from the base case are therefore
paired by replication, and their confidence intervals are much narrower than those of two
independent runs.

How many replications: unless a fixed number is asked for, replications are run in batches until
the 95% confidence interval half-width of the base case's mean delayed days is within
``relative_precision`` (default 5%) of the mean, with at least ``min_replications`` and at most
``max_replications``. The result says how many were run and the precision achieved.

Warm-up check: the engine reports only the days after the warm-up, so the check looks for a
trend at the start of the reported period instead: the base case's mean acute occupancy over days
0-29 is compared with days 30-59 (averaged over replications), and a relative difference above
``warm_up_tolerance`` is flagged in the result (a too-short warm-up, or a period that starts in
a strong seasonal rise or a surge).

Profile indicators: the simulated monthly values of the profile's own indicators (delayed
transfers of care per 100,000 adults, the share of stays over 7 days and the 30-day readmission
rate) are formed from each replication's daily output by :func:`monthly_indicators` and
summarised over replications by :func:`monthly_bands`, so a scenario can be drawn on the same
charts as an area's observed series.

Pure computation: no I/O. The run function is injectable (tests, other engines).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from lsr.flow.bands import (
    PROFILE_INDICATORS,
    daily_bands,
    experiment_monthly,
    monthly_bands,
    monthly_indicators,
    summarise_totals,
)
from lsr.flow.outputs import RunSummary
from lsr.flow.parameters import FlowParameters
from lsr.flow.run import PatientCache, run
from lsr.flow.sampling import default_max_rate
from lsr.flow.scenario import BASE_NAME, ScenarioFile

__all__ = [
    "DEFAULT_SEED",
    "METRICS",
    "PROFILE_INDICATORS",
    "ExperimentResult",
    "Metric",
    "Precision",
    "ProgressCallback",
    "RunFunction",
    "WarmUpCheck",
    "check_warm_up",
    "daily_bands",
    "experiment_max_rate",
    "monthly_bands",
    "monthly_indicators",
    "paired_difference",
    "precision",
    "replications_to_add",
    "run_experiment",
    "summarise_totals",
]

DEFAULT_SEED = 20181101

#: ``run_fn(params, seed, replication) -> RunSummary``.
RunFunction = Callable[[FlowParameters, int, int], RunSummary]
#: ``progress(runs_done, runs_expected)``; ``runs_expected`` may grow as batches are added.
ProgressCallback = Callable[[int, int], None]

#: The metric whose precision decides how many replications to run.
PRECISION_METRIC = "delayed_days"

#: Seed offset between scenarios when common random numbers are switched off.
_INDEPENDENT_SEED_STEP = 1_000_003


@dataclass(frozen=True)
class Metric:
    """A headline output: its key in ``RunSummary.totals``, label, unit and display scale."""

    key: str
    label: str
    unit: str
    scale: float = 1.0  # multiply by this for display (e.g. 100 for shares shown as %)
    decimals: int = 0


#: Headline metrics, in display order (tables, report, store).
METRICS: tuple[Metric, ...] = (
    Metric("delayed_days", "Delayed days in acute beds", "bed days over the period"),
    Metric(
        "dtoc_per_100k",
        "Delayed transfers of care per 100,000 adults",
        "delayed beds per day per 100,000 aged 18+",
        decimals=1,
    ),
    Metric("acute_occupancy_mean", "Acute beds occupied", "mean beds a day", decimals=1),
    Metric("share_los_over_7", "Stays over 7 days", "% of discharges", 100.0, 1),
    Metric("share_los_over_21", "Stays over 21 days", "% of discharges", 100.0, 1),
    Metric("readmissions", "Emergency readmissions", "readmissions over the period"),
    Metric("overflow", "Overflow placements", "patients placed elsewhere when full"),
    Metric("cost_acute_delayed", "Cost of delayed acute bed days", "£"),
    Metric("cost_total", "Total cost (acute delays and community services)", "£"),
)


@dataclass(frozen=True)
class Precision:
    """The 95% confidence interval of a mean over replications."""

    n: int
    mean: float
    half_width: float
    relative: float  # half-width / |mean|; inf when the mean is 0 and the half-width is not

    def met(self, relative_precision: float) -> bool:
        """Whether the half-width is within ``relative_precision`` of the mean."""
        return self.n >= 2 and self.relative <= relative_precision


def precision(values: Sequence[float], confidence: float = 0.95) -> Precision:
    """Mean and the Student-t confidence interval half-width of ``values`` (n >= 2)."""
    x = np.asarray(values, dtype=float)
    n = int(x.size)
    mean = float(x.mean()) if n else math.nan
    if n < 2:
        return Precision(n, mean, math.inf, math.inf)
    sd = float(x.std(ddof=1))
    hw = float(stdtrit(n - 1, 0.5 + confidence / 2) * sd / math.sqrt(n))  # Student t quantile
    rel = hw / abs(mean) if mean != 0 else (0.0 if hw == 0 else math.inf)
    return Precision(n, mean, hw, rel)


def replications_to_add(
    values: Sequence[float],
    *,
    relative_precision: float = 0.05,
    min_replications: int = 5,
    max_replications: int = 40,
    batch_size: int = 5,
) -> int:
    """How many more replications to run, given the values so far (0 = stop).

    Runs up to ``min_replications`` first; then, while the 95% CI half-width is wider than
    ``relative_precision`` x |mean|, another batch of ``batch_size`` (never beyond
    ``max_replications``)."""
    if min_replications < 2 or max_replications < min_replications or batch_size < 1:
        raise ValueError(
            "need 2 <= min_replications <= max_replications and batch_size >= 1 "
            f"(got {min_replications}, {max_replications}, {batch_size})"
        )
    n = len(values)
    if n < min_replications:
        return min_replications - n
    if n >= max_replications or precision(values).met(relative_precision):
        return 0
    return min(batch_size, max_replications - n)


def paired_difference(
    scenario: Sequence[float], base: Sequence[float], confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean difference ``scenario - base`` paired by replication, with its confidence interval
    (Student t on the paired differences; NaN bounds with fewer than 2 pairs)."""
    d = np.asarray(scenario, dtype=float) - np.asarray(base, dtype=float)
    p = precision(d, confidence)
    if p.n < 2:
        return p.mean, math.nan, math.nan
    return p.mean, p.mean - p.half_width, p.mean + p.half_width


@dataclass(frozen=True)
class WarmUpCheck:
    """Mean base-case acute occupancy over days 0-29 and 30-59, and whether they differ by more
    than ``tolerance`` (relative to days 30-59)."""

    first: float
    second: float
    relative_difference: float
    tolerance: float
    flagged: bool
    message: str


def check_warm_up(
    occupancy: Sequence[np.ndarray], tolerance: float = 0.10, window: int = 30
) -> WarmUpCheck:
    """Compare the mean of days ``0..window-1`` with days ``window..2*window-1`` of each
    replication's daily acute occupancy (averaged over replications)."""
    series = [np.asarray(o, dtype=float) for o in occupancy]
    if not series or min(len(s) for s in series) < 2 * window:
        return WarmUpCheck(
            math.nan,
            math.nan,
            math.nan,
            tolerance,
            False,
            f"Warm-up not checked: the period is shorter than {2 * window} days.",
        )
    first = float(np.mean([s[:window].mean() for s in series]))
    second = float(np.mean([s[window : 2 * window].mean() for s in series]))
    rel = abs(first - second) / second if second else (0.0 if first == second else math.inf)
    flagged = rel > tolerance
    numbers = (
        f"mean acute occupancy {first:,.1f} over days 0-{window - 1} and {second:,.1f} over days "
        f"{window}-{2 * window - 1} ({rel:.1%} apart; tolerance {tolerance:.0%})"
    )
    if flagged:
        message = (
            f"Warm-up check FLAGGED: {numbers}. The warm-up may be too short, or the period "
            "starts in a strong seasonal rise or surge; read early days with care."
        )
    else:
        message = f"Warm-up check passed: {numbers}."
    return WarmUpCheck(first, second, rel, tolerance, flagged, message)


def experiment_max_rate(parameters: Sequence[FlowParameters]) -> float:
    """The thinning rate shared by all scenarios of one experiment (the largest default)."""
    return max(default_max_rate(p) for p in parameters)


@dataclass
class ExperimentResult:
    """Everything an experiment produced."""

    name: str
    source: str
    scenario_names: list[str]
    descriptions: dict[str, str]
    seed: int
    engine: str
    replications: int
    precision: Precision  # of the base case's mean delayed days
    relative_precision: float | None  # the target (None when a fixed number was asked for)
    stopped_because: str
    warm_up: WarmUpCheck
    totals: pd.DataFrame  # scenario, replication, one column per total
    results: pd.DataFrame  # see summarise_totals
    daily: pd.DataFrame  # see daily_bands
    cost_sources: dict[str, str] = field(default_factory=dict)  # cost item -> source
    unit_costs: dict[str, float] = field(default_factory=dict)  # cost item -> £ per day
    common_random_numbers: bool = True
    #: the profile's indicators per month (see :func:`monthly_bands`); empty if not computed
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    adult_population: float = 0.0  # the base case's population aged 18+ (0 = not set)
    area: str | None = None  # the area named in the scenario file (name or ONS code), if any

    def result(self, scenario: str, metric: str) -> pd.Series:
        """The results row for one scenario and metric."""
        rows = self.results[(self.results.scenario == scenario) & (self.results.metric == metric)]
        if rows.empty:
            raise KeyError(f"no result for {scenario!r}, {metric!r}")
        return rows.iloc[0]


def _cost_sources(params: FlowParameters) -> dict[str, str]:
    out = {"acute_delayed_day": params.costs.acute_delayed_day_source}
    for s in params.services:
        out[s.name] = s.unit_cost_source
    return out


def _unit_costs(params: FlowParameters) -> dict[str, float]:
    out = {"acute_delayed_day": params.costs.acute_delayed_day}
    for s in params.services:
        out[s.name] = s.unit_cost
    return out


def run_experiment(
    scenario_file: ScenarioFile,
    *,
    seed: int = DEFAULT_SEED,
    replications: int | None = None,
    min_replications: int = 5,
    max_replications: int = 40,
    relative_precision: float = 0.05,
    batch_size: int = 5,
    engine: str = "compiled",
    warm_up_tolerance: float = 0.10,
    common_random_numbers: bool = True,
    progress: ProgressCallback | None = None,
    run_fn: RunFunction | None = None,
) -> ExperimentResult:
    """Run the base case and every scenario of ``scenario_file``.

    With ``replications`` given, exactly that many are run; otherwise the stopping rule of
    :func:`replications_to_add` decides. ``common_random_numbers=False`` gives each scenario its
    own seed (only useful to show what CRN gains)."""
    params = scenario_file.parameters
    names = list(params)
    if run_fn is None:
        max_rate = experiment_max_rate(list(params.values()))
        run_fn = functools.partial(
            _run_one,
            engine=engine,
            max_rate=max_rate,
            cache=PatientCache(len(names) + 1, group=list(params.values())),
        )
    seeds = {
        name: seed + (0 if common_random_numbers else k * _INDEPENDENT_SEED_STEP)
        for k, name in enumerate(names)
    }
    summaries: dict[str, list[RunSummary]] = {name: [] for name in names}
    done = 0

    def run_batch(count: int) -> None:
        nonlocal done
        start = len(summaries[names[0]])
        expected = (start + count) * len(names)
        for r in range(start, start + count):
            for name in names:
                summaries[name].append(run_fn(params[name], seeds[name], r))
                done += 1
                if progress is not None:
                    progress(done, expected)

    if replications is not None:
        if replications < 1:
            raise ValueError(f"replications must be at least 1, got {replications}")
        run_batch(replications)
        stopped = f"fixed number of replications ({replications})"
    else:
        while True:
            values = [s.totals[PRECISION_METRIC] for s in summaries[BASE_NAME]]
            more = replications_to_add(
                values,
                relative_precision=relative_precision,
                min_replications=min_replications,
                max_replications=max_replications,
                batch_size=batch_size,
            )
            if more == 0:
                break
            run_batch(more)
        p = precision([s.totals[PRECISION_METRIC] for s in summaries[BASE_NAME]])
        if p.met(relative_precision):
            stopped = (
                f"precision reached: 95% CI half-width within {relative_precision:.0%} of the "
                "base case's mean delayed days"
            )
        else:
            stopped = (
                f"maximum of {max_replications} replications reached before the target "
                f"precision ({relative_precision:.0%})"
            )

    base_values = [s.totals[PRECISION_METRIC] for s in summaries[BASE_NAME]]
    totals = pd.DataFrame(
        [
            {"scenario": name, "replication": r, **s.totals}
            for name in names
            for r, s in enumerate(summaries[name])
        ]
    )
    warm = check_warm_up(
        [s.daily["acute_occupied"].to_numpy() for s in summaries[BASE_NAME]], warm_up_tolerance
    )
    return ExperimentResult(
        name=scenario_file.name,
        source=scenario_file.source,
        scenario_names=names,
        descriptions=scenario_file.descriptions(),
        seed=seed,
        engine=engine,
        replications=len(base_values),
        precision=precision(base_values),
        relative_precision=None if replications is not None else relative_precision,
        stopped_because=stopped,
        warm_up=warm,
        totals=totals,
        results=summarise_totals(totals),
        daily=daily_bands({name: [s.daily for s in summaries[name]] for name in names}),
        cost_sources=_cost_sources(params[BASE_NAME]),
        unit_costs=_unit_costs(params[BASE_NAME]),
        common_random_numbers=common_random_numbers,
        monthly=experiment_monthly(
            {name: [s.daily for s in summaries[name]] for name in names},
            {name: params[name].adult_population for name in names},
        ),
        adult_population=params[BASE_NAME].adult_population,
        area=scenario_file.spec.area,
    )


def _run_one(
    params: FlowParameters,
    seed: int,
    replication: int,
    *,
    engine: str,
    max_rate: float,
    cache: PatientCache | None = None,
) -> RunSummary:
    return run(params, seed, replication, engine=engine, max_rate=max_rate, cache=cache)
