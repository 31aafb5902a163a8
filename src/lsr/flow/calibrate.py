"""Calibrating unknown parameters so that the model matches an area's observed figures.

Targets: the delayed transfers of care rate (delayed beds a day per 100,000 adults aged 18+,
``dtoc_per_100k``) and the share of stays over 7 days (``share_los_over_7``). The objective is
the sum over the targets given of the squared relative error of the simulated mean (over
``replications`` runs) from the observed value. Every evaluation uses the same seeds, replication
numbers and arrival thinning rate (common random numbers), so the objective changes only because
the parameters change, not because of fresh noise: it is a step function of the integer
capacities, but smooth enough for a bounded search over one or two parameters.

Fitted parameters (default: home care capacity and acute length-of-stay mean):

- ``services.<service>.capacity``: the service's capacity, constant over the run (any steps are
  replaced);
- ``acute_length_of_stay.mean``: days from admission until medically fit.

One parameter: a grid of 9 values over the bounds, then :func:`scipy.optimize.minimize_scalar`
(bounded Brent) between the grid neighbours of the best. Several: Nelder-Mead
with bounds, on parameters scaled by their starting values. Pure: the run function is injected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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

    def objective_of(values: dict[str, float]) -> float:
        nonlocal evaluations
        sim = simulate_targets(with_values(params, values), targets, run_fn, seed, replications)
        evaluations += 1
        value = float(sum(((np.mean(sim[t]) - observed[t]) / observed[t]) ** 2 for t in targets))
        if progress is not None:
            progress(evaluations, value)
        return value

    if len(names) == 1:
        # A coarse grid first (the objective can be flat far from the answer, e.g. when a
        # capacity is so large that it no longer causes delays), then bounded Brent between the
        # grid points either side of the best one.
        (n,) = names
        lo, hi = bounds[n]
        grid = np.linspace(lo, hi, 9)
        values = [objective_of({n: float(x)}) for x in grid]
        best = int(np.argmin(values))
        a, b = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
        xatol = 0.5 if "capacity" in n else 1e-3 * start[n]
        res = optimize.minimize_scalar(
            lambda x: objective_of({n: float(x)}),
            bounds=(float(a), float(b)),
            method="bounded",
            options={"xatol": xatol, "maxiter": max(1, max_evaluations - len(grid))},
        )
        fitted = {n: float(res.x) if res.fun <= values[best] else float(grid[best])}
        method = "grid of 9 then minimize_scalar (bounded Brent)"
        success, message = bool(res.success), str(res.message)
    else:
        scale = np.array([start[n] for n in names])
        x0 = np.ones(len(names))
        scaled_bounds = [(bounds[n][0] / start[n], bounds[n][1] / start[n]) for n in names]
        simplex = np.vstack([x0] + [x0 + 0.1 * np.eye(len(names))[i] for i in range(len(names))])
        res = optimize.minimize(
            lambda x: objective_of(dict(zip(names, (x * scale).tolist(), strict=True))),
            x0,
            method="Nelder-Mead",
            bounds=scaled_bounds,
            options={
                "initial_simplex": simplex,
                "maxfev": max_evaluations,
                "xatol": 1e-3,
                "fatol": 1e-5,
            },
        )
        fitted = dict(zip(names, (np.asarray(res.x) * scale).tolist(), strict=True))
        method, success, message = "Nelder-Mead (bounded)", bool(res.success), str(res.message)
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
    )


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
