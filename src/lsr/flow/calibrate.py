"""Calibrating unknown parameters so that the model matches an area's observed figures.

Targets: the delayed transfers of care rate (delayed beds a day per 100,000 adults aged 18+,
``dtoc_per_100k``) and the share of stays over 7 days (``share_los_over_7``). The objective is
the sum over the targets given of the squared relative error of the simulated mean (over
``replications`` runs) from the observed value. Every evaluation uses the same seeds, replication
numbers and arrival thinning rate (common random numbers), so the objective changes only because
the parameters change, not because of fresh noise: it is a step function of the integer
capacities, flat where a capacity is so large that it causes no delays, and steep near the
capacity where delays start: a local search from one point can stop far from the answer.

Fitted parameters (default: home care capacity and acute length-of-stay mean):

- ``services.<service>.capacity``: the service's capacity, constant over the run (any steps are
  replaced);
- ``acute_length_of_stay.mean``: days from admission until medically fit.

The search is global over the bounds, and the answer is the best point evaluated, the starting
value included, so it is never worse than the start:

- one parameter: the start, a grid of :data:`GRID_POINTS` values over the bounds, a finer grid
  of :data:`FINE_POINTS` between the evaluated neighbours of the best, then
  :func:`scipy.optimize.minimize_scalar` (bounded Brent) between the neighbours of the best;
- several: the start, then :func:`scipy.optimize.direct` (DIRECT, deterministic: no seed
  needed) over the box of bounds scaled by the starting values.

Capacities are whole numbers, and each value is simulated once (the objective is deterministic
on common random numbers). A fit is **poor** when any target's simulated mean is more than
:data:`POOR_FIT` (10%) away from the observed value; the result then carries a warning, as it
does when a fitted value lies at a bound (the answer may be outside the bounds). Pure: the run
function is injected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import optimize

from lsr.flow.experiment import RunFunction, experiment_max_rate, precision
from lsr.flow.parameters import SERVICES, CapacityStep, FlowParameters
from lsr.flow.run import run
from lsr.flow.scenario import ScenarioFile

__all__ = [
    "CALIBRATION_PARAMETERS",
    "DEFAULT_PARAMETERS",
    "POOR_FIT",
    "TARGETS",
    "CalibrationResult",
    "Fit",
    "calibrate",
    "calibrated_scenario_data",
    "current_value",
    "simulate_targets",
    "with_values",
]

#: Simulated totals that can be matched, with their labels.
TARGETS: dict[str, str] = {
    "dtoc_per_100k": "Delayed transfers of care (delayed beds a day per 100,000 aged 18+)",
    "share_los_over_7": "Share of stays over 7 days",
}

CALIBRATION_PARAMETERS: tuple[str, ...] = (
    *(f"services.{s}.capacity" for s in SERVICES),
    "acute_length_of_stay.mean",
)
DEFAULT_PARAMETERS: tuple[str, ...] = ("services.home_care.capacity", "acute_length_of_stay.mean")
#: Points of the coarse grid over the bounds (one parameter), and of the finer grid between the
#: neighbours of the best.
GRID_POINTS = 13
FINE_POINTS = 7
#: A fit is poor when a target's simulated mean is more than this (relative) off the observed.
POOR_FIT = 0.10
#: A fitted value within this share of the range from a bound is "at the bound".
AT_BOUND = 0.01


def current_value(params: FlowParameters, name: str) -> float:
    """The parameter's value in ``params`` (a capacity: the first step's)."""
    if name == "acute_length_of_stay.mean":
        return params.acute_length_of_stay.mean
    if name in CALIBRATION_PARAMETERS:
        return float(params.service(name.split(".")[1]).capacity[0].capacity)
    raise ValueError(f"cannot calibrate {name!r}; choose from {', '.join(CALIBRATION_PARAMETERS)}")


def with_values(params: FlowParameters, values: dict[str, float]) -> FlowParameters:
    """``params`` with calibrated values set (capacities rounded, constant over the run)."""
    for name, value in values.items():
        if name == "acute_length_of_stay.mean":
            params = replace(
                params, acute_length_of_stay=replace(params.acute_length_of_stay, mean=value)
            )
        elif name in CALIBRATION_PARAMETERS:
            service = name.split(".")[1]
            first = params.service(service).capacity[0].day
            cap = (CapacityStep(first, max(0, math.floor(value + 0.5))),)
            params = replace(
                params,
                services=tuple(
                    replace(s, capacity=cap) if s.name == service else s for s in params.services
                ),
            )
        else:
            raise ValueError(
                f"cannot calibrate {name!r}; choose from {', '.join(CALIBRATION_PARAMETERS)}"
            )
    return params


def simulate_targets(
    params: FlowParameters,
    targets: Sequence[str],
    run_fn: RunFunction,
    seed: int,
    replications: int,
) -> dict[str, list[float]]:
    """Each target's simulated value in each replication."""
    out: dict[str, list[float]] = {t: [] for t in targets}
    for r in range(replications):
        totals = run_fn(params, seed, r).totals
        for t in targets:
            out[t].append(float(totals[t]))
    return out


@dataclass(frozen=True)
class Fit:
    """Observed against simulated for one target (simulated: mean and 95% CI over replications)."""

    target: str
    label: str
    observed: float
    simulated: float
    lower: float
    upper: float

    @property
    def relative_error(self) -> float:
        """(simulated - observed) / observed."""
        return (self.simulated - self.observed) / self.observed


@dataclass
class CalibrationResult:
    """Fitted values, the fit, and how the search went."""

    values: dict[str, float]
    start: dict[str, float]
    bounds: dict[str, tuple[float, float]]
    fits: list[Fit]
    objective: float
    evaluations: int
    method: str
    success: bool
    message: str
    parameters: FlowParameters  # the calibrated parameters
    start_objective: float = math.nan  # the objective at the starting values
    warnings: list[str] = field(default_factory=list)  # poor fit, value at a bound

    @property
    def poor(self) -> bool:
        """Whether any target is more than :data:`POOR_FIT` off (see :func:`fit_warnings`)."""
        return any(abs(f.relative_error) > POOR_FIT for f in self.fits)


def calibrate(
    params: FlowParameters,
    observed: dict[str, float],
    *,
    parameters: Sequence[str] = DEFAULT_PARAMETERS,
    bounds: dict[str, tuple[float, float]] | None = None,
    replications: int = 5,
    seed: int = 20181101,
    engine: str = "compiled",
    run_fn: RunFunction | None = None,
    max_evaluations: int = 60,
    progress: Callable[[int, float], None] | None = None,
) -> CalibrationResult:
    """Fit ``parameters`` so the simulated means of the ``observed`` targets match them.

    ``observed`` maps target names (:data:`TARGETS`) to values in model units (shares as
    fractions). ``bounds`` default to half and twice each starting value. ``progress`` is called
    with (evaluations so far, objective value)."""
    targets = [t for t in observed if t in TARGETS]
    unknown = [t for t in observed if t not in TARGETS]
    if unknown or not targets:
        raise ValueError(f"targets must be among {', '.join(TARGETS)}; got {', '.join(observed)}")
    for t in targets:
        if not observed[t] > 0:
            raise ValueError(
                f"observed {t} must be positive to calibrate against, got {observed[t]}"
            )
    names = list(dict.fromkeys(parameters))
    if not names:
        raise ValueError("name at least one parameter to calibrate")
    start = {n: current_value(params, n) for n in names}
    bounds = dict(bounds or {})
    for n in names:
        bounds.setdefault(n, (0.5 * start[n], 2.0 * start[n]))
        lo, hi = bounds[n]
        if not 0 <= lo < hi:
            raise ValueError(f"bounds for {n} must satisfy 0 <= lower < upper, got {bounds[n]}")
    if run_fn is None:
        max_rate = experiment_max_rate([params])
        run_fn = _runner(engine, max_rate)
    evaluations = 0
    seen: dict[tuple[float, ...], float] = {}  # values (capacities rounded) -> objective

    def key_of(values: dict[str, float]) -> tuple[float, ...]:
        return tuple(
            float(math.floor(values[n] + 0.5)) if "capacity" in n else float(values[n])
            for n in names
        )

    def objective_of(values: dict[str, float]) -> float:
        nonlocal evaluations
        key = key_of(values)
        if key in seen:  # a capacity rounds to one already simulated: same objective
            return seen[key]
        if evaluations >= max_evaluations and seen:
            raise _BudgetSpent
        sim = simulate_targets(with_values(params, values), targets, run_fn, seed, replications)
        evaluations += 1
        value = float(sum(((np.mean(sim[t]) - observed[t]) / observed[t]) ** 2 for t in targets))
        seen[key] = value
        if progress is not None:
            progress(evaluations, value)
        return value

    start_objective = objective_of(start)
    if len(names) == 1:
        (n,) = names
        method = (
            f"start, grid of {GRID_POINTS}, finer grid of {FINE_POINTS}, then bounded Brent "
            "(scipy.optimize.minimize_scalar)"
        )
        search: Callable[[], tuple[bool, str]] = lambda: _search_one(  # noqa: E731
            lambda x: objective_of({n: x}),
            bounds[n],
            xatol=0.5 if "capacity" in n else 1e-3 * start[n],
            budget=max_evaluations,
            seen_x=lambda: {k[0]: v for k, v in seen.items()},
        )
    else:
        method = "DIRECT global search (scipy.optimize.direct)"
        scale = np.array([start[n] for n in names])
        scaled_bounds = [(bounds[n][0] / start[n], bounds[n][1] / start[n]) for n in names]

        def search() -> tuple[bool, str]:
            res = optimize.direct(
                lambda x: objective_of(dict(zip(names, (x * scale).tolist(), strict=True))),
                scaled_bounds,
                maxfun=max_evaluations,
                locally_biased=True,
            )
            return bool(res.success), str(res.message)

    try:
        success, message = search()
    except _BudgetSpent:  # the budget is a hard limit: stop with the best point so far
        success, message = False, f"the budget of {max_evaluations} evaluations was spent"
    best_key = min(seen, key=lambda k: (seen[k], k != key_of(start)))  # ties: keep the start
    fitted = dict(zip(names, best_key, strict=True))
    for n in names:
        if "capacity" in n:
            fitted[n] = float(math.floor(fitted[n] + 0.5))
    calibrated = with_values(params, fitted)
    sim = simulate_targets(calibrated, targets, run_fn, seed, replications)
    fits = []
    for t in targets:
        p = precision(sim[t])
        fits.append(
            Fit(t, TARGETS[t], observed[t], p.mean, p.mean - p.half_width, p.mean + p.half_width)
        )
    objective = float(sum(((f.simulated - f.observed) / f.observed) ** 2 for f in fits))
    kept_start = key_of(fitted) == key_of(start)
    message = (
        f"Best of {evaluations} evaluations"
        + (", the starting values (nothing evaluated fitted better)" if kept_start else "")
        + f"; objective at the start {start_objective:.4g}"
        + ("" if success else f" (the search stopped: {message})")
        + "."
    )
    return CalibrationResult(
        values=fitted,
        start=start,
        bounds=bounds,
        fits=fits,
        objective=objective,
        evaluations=evaluations,
        method=method,
        success=success,
        message=message,
        parameters=calibrated,
        start_objective=start_objective,
        warnings=fit_warnings(fits, fitted, bounds),
    )


def fit_warnings(
    fits: Sequence[Fit], fitted: dict[str, float], bounds: dict[str, tuple[float, float]]
) -> list[str]:
    """One line per problem: a target more than :data:`POOR_FIT` off (a poor fit), a fitted
    value at a bound (the best value may lie outside the bounds)."""
    out = []
    off = [f for f in fits if abs(f.relative_error) > POOR_FIT]
    if off:
        parts = ", ".join(
            f"{f.target} simulated {f.simulated:.4g} against observed {f.observed:.4g} "
            f"({f.relative_error:+.0%})"
            for f in off
        )
        out.append(
            f"Poor fit (a target more than {POOR_FIT:.0%} off): {parts}. Fit more parameters, "
            "or check the observed data and the scenario."
        )
    for n, value in fitted.items():
        lo, hi = bounds[n]
        if min(value - lo, hi - value) <= AT_BOUND * (hi - lo):
            out.append(
                f"{n} = {value:,.4g} is at a bound ({lo:,.4g} to {hi:,.4g}): the best value "
                "may lie outside; widen the bounds or check the scenario."
            )
    return out


class _BudgetSpent(Exception):
    """The evaluation budget is spent: the search stops with the best point so far."""


def _search_one(
    f: Callable[[float], float],
    bounds: tuple[float, float],
    *,
    xatol: float,
    budget: int,
    seen_x: Callable[[], dict[float, float]],
) -> tuple[bool, str]:
    """Search one parameter over ``bounds``: a coarse grid, a finer grid between the evaluated
    neighbours of the best point, then bounded Brent between its neighbours. ``seen_x`` gives
    every point evaluated so far (the start included) with its objective; the caller keeps
    the best. Returns whether Brent converged, and its message."""
    lo, hi = bounds

    def bracket() -> tuple[float, float]:
        pts = sorted(seen_x().items())
        xs = [x for x, _ in pts]
        i = min(range(len(pts)), key=lambda j: pts[j][1])
        return max(lo, xs[max(i - 1, 0)]), min(hi, xs[min(i + 1, len(xs) - 1)])

    for x in np.linspace(lo, hi, GRID_POINTS):
        f(float(x))
    a, b = bracket()
    for x in np.linspace(a, b, FINE_POINTS + 2)[1:-1]:
        f(float(x))
    a, b = bracket()
    left = budget - len(seen_x())
    success, message = True, "the grids bracketed the best point to within the tolerance"
    if b - a > 2 * xatol and left > 0:
        res = optimize.minimize_scalar(
            lambda x: f(float(x)),
            bounds=(a, b),
            method="bounded",
            options={"xatol": xatol, "maxiter": left},
        )
        success, message = bool(res.success), str(res.message)
    return success, message


def _runner(engine: str, max_rate: float) -> RunFunction:
    def run_one(params: FlowParameters, seed: int, replication: int):  # type: ignore[no-untyped-def]
        return run(params, seed, replication, engine, max_rate=max_rate)

    return run_one


def calibrated_scenario_data(
    scenario_file: ScenarioFile,
    *,
    factor: float,
    population_65: float,
    adult_population: float,
    values: dict[str, float],
    name: str,
) -> dict[str, Any]:
    """The scenario file's data with the base case scaled to an area (as
    :func:`~lsr.flow.scenario.scale_parameters` does) and the calibrated ``values`` written in,
    ready to be saved as YAML. Home care given in hours stays in hours
    (capacity x hours per package). Scenario changes are kept as written."""

    def cap(c: int) -> int:
        return 0 if c == 0 else max(1, math.floor(c * factor + 0.5))

    data = scenario_file.spec.model_dump(by_alias=True, exclude_none=True, mode="json")
    base = data["base"]
    base["population_65"] = population_65
    base["adult_population"] = adult_population
    base["arrivals"]["per_day"] = base["arrivals"]["per_day"] * factor
    base["acute_beds"] = cap(base["acute_beds"])
    base["chc"]["assessors"] = cap(base["chc"]["assessors"])
    for service in SERVICES:
        spec = getattr(scenario_file.spec.base.services, service)
        entry = base["services"][service]
        packages = values.get(f"services.{service}.capacity")
        packages = cap(spec.packages()) if packages is None else math.floor(packages + 0.5)
        if spec.hours_per_package is not None:
            entry["hours_per_week"] = packages * spec.hours_per_package
        else:
            entry["capacity"] = packages
    if "acute_length_of_stay.mean" in values:
        base["acute_length_of_stay"]["mean"] = round(values["acute_length_of_stay.mean"], 3)
    data["name"] = name
    return data
