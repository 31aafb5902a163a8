"""The winter forecast: the flow model started from today's state, with what-if levers.

    model = area_model(daily)                   # today's state + parameters from the history
    result = forecast(model, days=42, replications=40, seed=2019, levers=Levers(...))

Each replication is one warm-started run (:mod:`lsr.flow.warm_start`) of ``days`` days after
today; the daily measures at midday (:data:`MEASURES`) are summarised over replications as
bands: the 5th, 50th and 95th percentiles (a 90% band) and the mean. ``above_92`` /
``above_100`` are the days whose *median* occupancy is above 92% / 100% of the beds open
today; ``p_above_92`` / ``p_above_100`` the share of replications above on each day.

Levers (:class:`Levers`) change capacities from a date or add a surge of admissions, and are
run on common random numbers with the base: the same seed, replication numbers and thinning
rate (the base's :func:`~lsr.flow.sampling.default_max_rate`, which allows any surge up to
double the admissions), so every patient of the base run exists in the lever run with the
same attributes, and ``difference`` is the paired difference lever - base per replication.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from lsr.flow.area_fit import DEFAULTS, AreaModel, DailyDataError, area_model, validate_daily
from lsr.flow.engine import simulate
from lsr.flow.engine_reference import PatientRecords, simulate_reference
from lsr.flow.outputs import count_at, delay_intervals
from lsr.flow.parameters import SERVICES, CapacityStep, ChcAssessment, FlowParameters
from lsr.flow.sampling import FlowInputs, default_max_rate
from lsr.flow.warm_start import WarmState, warm_inputs

__all__ = [
    "DEFAULTS",
    "MEASURES",
    "AreaModel",
    "DailyDataError",
    "Forecast",
    "Levers",
    "apply_levers",
    "area_model",
    "forecast",
    "validate_daily",
]

#: Daily measures of a forecast (people at midday, except ``admissions`` and ``discharges``:
#: admissions that day and patients leaving acute beds that day).
MEASURES: tuple[str, ...] = (
    "acute_occupied",
    "occupancy_pct",
    "mffd",
    "home_care_in_use",
    "step_down_occupied",
    "care_home_occupied",
    "waiting_home_care",
    "waiting_step_down",
    "waiting_care_home",
    "waiting_assessment",
    "admissions",
    "discharges",
)
SERVICE_MEASURE = {
    "home_care": "home_care_in_use",
    "step_down": "step_down_occupied",
    "care_home": "care_home_occupied",
}
#: Most a surge lever may add (a share of admissions): the shared thinning rate allows double.
MAX_SURGE = 1.0


@dataclass(frozen=True)
class Levers:
    """What-if levers. Each acts from its date (``None``: from the first forecast day) to the
    end of the forecast; ``surge`` adds a share of admissions (0.1 = 10% more, up to
    :data:`MAX_SURGE`; negative = fewer) for ``surge_weeks`` weeks (``None``: to the end)."""

    extra_home_care: int = 0
    extra_home_care_from: date | None = None
    extra_step_down: int = 0
    extra_step_down_from: date | None = None
    surge: float = 0.0
    surge_from: date | None = None
    surge_weeks: int | None = None
    extra_assessors: int = 0
    extra_assessors_from: date | None = None

    def __post_init__(self) -> None:
        for name in ("extra_home_care", "extra_step_down", "extra_assessors"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ValueError(f"{name} must be a whole number, not {value!r}")
            if not 0 <= value <= 100_000:
                raise ValueError(f"{name} must be between 0 and 100000, not {value}")
        if not isinstance(self.surge, int | float) or not -1.0 < self.surge <= MAX_SURGE:
            raise ValueError(
                f"surge must be a share of admissions above -1 and at most {MAX_SURGE:g} "
                f"(double), not {self.surge!r}"
            )
        if self.surge_weeks is not None and not (
            isinstance(self.surge_weeks, int) and 1 <= self.surge_weeks <= 52
        ):
            raise ValueError(f"surge_weeks must be 1 to 52, not {self.surge_weeks!r}")
        for name in ("extra_home_care_from", "extra_step_down_from", "surge_from"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                raise ValueError(f"{name} must be a date, not {value!r}")
        if self.extra_assessors_from is not None and not isinstance(
            self.extra_assessors_from, date
        ):
            raise ValueError(
                f"extra_assessors_from must be a date, not {self.extra_assessors_from!r}"
            )

    @property
    def is_zero(self) -> bool:
        """No lever changes anything."""
        return (
            self.extra_home_care == 0
            and self.extra_step_down == 0
            and self.surge == 0
            and self.extra_assessors == 0
        )


def _from_day(start: date, when: date | None) -> float:
    return 0.0 if when is None else float(max((when - start).days, 0))


def _add_capacity(
    steps: tuple[CapacityStep, ...], day: float, extra: int
) -> tuple[CapacityStep, ...]:
    """``steps`` with ``extra`` places from ``day`` on (later steps keep the extra too)."""
    ordered = sorted(steps, key=lambda s: s.day)
    in_force = ordered[0].capacity
    for s in ordered:
        if s.day <= day:
            in_force = s.capacity
    before = [s for s in ordered if s.day < day]
    after = [replace(s, capacity=s.capacity + extra) for s in ordered if s.day >= day]
    return (*before, CapacityStep(day, in_force + extra), *after)


def apply_levers(params: FlowParameters, levers: Levers) -> FlowParameters:
    """``params`` with the levers' capacity steps and surge (levers of zero change nothing)."""
    services = list(params.services)
    for k, name in enumerate(SERVICES):
        extra = getattr(levers, f"extra_{name}", 0)
        if extra:
            when = getattr(levers, f"extra_{name}_from")
            steps = _add_capacity(services[k].capacity, _from_day(params.start, when), extra)
            services[k] = replace(services[k], capacity=steps)
    chc: ChcAssessment = params.chc
    if levers.extra_assessors:
        day = _from_day(params.start, levers.extra_assessors_from)
        chc = replace(chc, assessors=_add_capacity(chc.assessors, day, levers.extra_assessors))
    arrivals = params.arrivals
    if levers.surge:
        s0 = _from_day(params.start, levers.surge_from)
        s1 = s0 + 7.0 * levers.surge_weeks if levers.surge_weeks else float(params.days)
        surges = (*arrivals.surges, (s0, s1, 1.0 + float(levers.surge)))
        arrivals = replace(arrivals, surges=surges)
    return replace(params, services=tuple(services), chc=chc, arrivals=arrivals)


@dataclass(frozen=True, eq=False)
class Forecast:
    """A forecast of ``len(dates)`` days after today (see the module docstring).

    ``bands``: one row per date x measure (columns date, measure, p05, p50, p95, mean);
    ``samples``: measure -> array [replication, day] (what the bands summarise); ``base`` and
    ``difference`` (lever - base, paired by replication, like ``bands``) only with levers."""

    dates: list[date]
    bands: pd.DataFrame
    above_92: list[date]
    above_100: list[date]
    p_above_92: pd.Series
    p_above_100: pd.Series
    state: WarmState
    notes: list[str]
    samples: dict[str, np.ndarray]
    area_code: str = ""
    today: date | None = None
    beds_open: int = 0
    mffd_other: int = 0
    replications: int = 0
    seed: int = 0
    levers: Levers | None = None
    base: Forecast | None = None
    difference: pd.DataFrame | None = None

    def band(self, measure: str) -> pd.DataFrame:
        """The bands of one measure, one row per date."""
        if measure not in MEASURES:
            raise KeyError(f"no measure {measure!r}; measures are {', '.join(MEASURES)}")
        rows = self.bands[self.bands["measure"] == measure]
        return rows.reset_index(drop=True)


def measures(
    inputs: FlowInputs, records: PatientRecords, days: int, beds_open: int, mffd_other: int
) -> dict[str, np.ndarray]:
    """The daily :data:`MEASURES` of one warm-started run (``mffd_other``, people medically
    fit for reasons the model does not represent, are added to beds and medically fit)."""
    r = records
    n = r.n
    midday = np.arange(days) + 0.5
    pathway = inputs.pathway[:n]
    out: dict[str, np.ndarray] = {}
    acute = count_at(r.arrival, r.leave_acute, midday) + mffd_other
    out["acute_occupied"] = acute
    out["occupancy_pct"] = acute / beds_open * 100.0 if beds_open > 0 else np.full(days, np.nan)
    out["mffd"] = count_at(r.fit, r.leave_acute, midday) + mffd_other
    for k, name in enumerate(SERVICES):
        sel = pathway == k + 1
        out[SERVICE_MEASURE[name]] = count_at(r.service_start[sel], r.service_end[sel], midday)
    delays = delay_intervals(inputs, r)
    out["waiting_home_care"] = count_at(*delays["E"], midday)
    out["waiting_step_down"] = count_at(*delays["C"], midday)
    out["waiting_care_home"] = sum(count_at(*delays[c], midday) for c in ("Di", "Dii", "G"))
    out["waiting_assessment"] = count_at(*delays["A"], midday)
    arrived = r.arrival[(r.arrival >= 0) & (r.arrival < days)]
    out["admissions"] = np.bincount(np.floor(arrived).astype(np.int64), minlength=days)[:days]
    left = r.leave_acute[(r.leave_acute >= 0) & (r.leave_acute < days)]
    out["discharges"] = np.bincount(np.floor(left).astype(np.int64), minlength=days)[:days]
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def _simulate(
    model: AreaModel,
    params: FlowParameters,
    seed: int,
    replications: int,
    max_rate: float,
    engine: str,
) -> dict[str, np.ndarray]:
    runs: list[dict[str, np.ndarray]] = []
    for rep in range(replications):
        w = warm_inputs(params, model.state, seed, rep, max_rate=max_rate)
        records = simulate(w.inputs) if engine == "compiled" else simulate_reference(w.inputs)
        runs.append(measures(w.inputs, records, params.days, model.beds_open, model.mffd_other))
    return {m: np.stack([r[m] for r in runs]) for m in MEASURES}


def _bands(samples: dict[str, np.ndarray], dates: list[date]) -> pd.DataFrame:
    frames = []
    for m in MEASURES:
        x = samples[m]
        with np.errstate(all="ignore"):
            p = np.percentile(x, [5, 50, 95], axis=0)
            mean = x.mean(axis=0)
        frames.append(
            pd.DataFrame(
                {"date": dates, "measure": m, "p05": p[0], "p50": p[1], "p95": p[2], "mean": mean}
            )
        )
    return pd.concat(frames, ignore_index=True)


def _result(
    model: AreaModel,
    samples: dict[str, np.ndarray],
    dates: list[date],
    seed: int,
    replications: int,
    notes: list[str],
    levers: Levers | None,
) -> Forecast:
    occ = samples["occupancy_pct"]
    known = model.beds_open > 0
    median = np.median(occ, axis=0) if known else np.full(len(dates), np.nan)
    index = pd.Index(dates, name="date")
    return Forecast(
        dates=dates,
        bands=_bands(samples, dates),
        above_92=[d for d, v in zip(dates, median, strict=True) if v > 92.0],
        above_100=[d for d, v in zip(dates, median, strict=True) if v > 100.0],
        p_above_92=pd.Series((occ > 92.0).mean(axis=0), index=index, name="p_above_92"),
        p_above_100=pd.Series((occ > 100.0).mean(axis=0), index=index, name="p_above_100"),
        state=model.state,
        notes=list(notes),
        samples=samples,
        area_code=model.area_code,
        today=model.today,
        beds_open=model.beds_open,
        mffd_other=model.mffd_other,
        replications=replications,
        seed=seed,
        levers=levers,
    )


def forecast(
    model: AreaModel,
    days: int = 42,
    replications: int = 40,
    seed: int = 2019,
    levers: Levers | None = None,
    engine: str = "compiled",
) -> Forecast:
    """Forecast ``days`` days after ``model.today`` from today's state, ``replications``
    warm-started runs; with ``levers``, also the base on common random numbers (``base``) and
    the paired differences (``difference``)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise ValueError(f"days must be 1 to 366, not {days!r}")
    if isinstance(replications, bool) or not isinstance(replications, int):
        raise ValueError(f"replications must be a whole number, not {replications!r}")
    if not 1 <= replications <= 10_000:
        raise ValueError(f"replications must be 1 to 10000, not {replications}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, not {seed!r}")
    if engine not in ("compiled", "reference"):
        raise ValueError(f"engine must be compiled or reference, not {engine!r}")
    params = replace(model.parameters, start=model.today + timedelta(days=1), days=days)
    dates = [params.start + timedelta(days=k) for k in range(days)]
    max_rate = default_max_rate(params)  # shared by base and levers: common random numbers
    notes = list(model.notes)
    if model.beds_open <= 0:
        notes.append("no beds open today: occupancy % is not computed")
    base_samples = _simulate(model, params, seed, replications, max_rate, engine)
    base = _result(model, base_samples, dates, seed, replications, notes, None)
    if levers is None:
        return base
    # run even when every lever is zero: the difference is then exactly zero by construction
    # of the inputs (common random numbers), which the tests check
    samples = _simulate(model, apply_levers(params, levers), seed, replications, max_rate, engine)
    result = _result(model, samples, dates, seed, replications, notes, levers)
    diff = {m: samples[m] - base_samples[m] for m in MEASURES}
    return replace(result, base=base, difference=_bands(diff, dates))


def weekly(result: Forecast, measure: str) -> pd.DataFrame:
    """Week-by-week summary of one measure: for each week of the forecast (week 1 = the first
    seven days), the mean over its days of the daily median, 5th and 95th percentiles."""
    b = result.band(measure)
    b["week"] = np.arange(len(b)) // 7 + 1
    out = b.groupby("week").agg(
        start=("date", "first"), p05=("p05", "mean"), p50=("p50", "mean"), p95=("p95", "mean")
    )
    return out.reset_index()
