"""A plain SimPy implementation of a whole ``lsr simulate`` scenario file (the baseline of
``bench/bench_simulate.py``), runnable as its own process.

Written from the model description (docs/methods/flow-model.md), not from lsr's engines: it
reads the scenario file with lsr's parser (YAML to parameters only) and then does everything
itself, as someone writing the model in SimPy would:

- sampling: one ``numpy.random.Generator`` per replication (the same seed for every scenario),
  draws made as the simulation needs them (``rng.lognormal``, ``rng.gamma``, ...);
- arrivals: a non-homogeneous Poisson process by thinning at the period's peak rate (day of
  week x seasonal cycle x surges, evaluated per candidate in Python);
- patients: one SimPy process each: acute bed until medically fit; a continuing healthcare
  assessment in hospital (``simpy.Resource`` of assessors; while waiting and assessing the
  patient is delayed, reason A) or in the community (added to the downstream stay); pathway 0
  home; pathways 1-3 request their service (``simpy.Resource``, FIFO): a free place means moving
  at once; when full, overflow ``lose`` places the patient elsewhere at once, ``wait`` keeps the
  patient in the acute bed (delayed) until a place frees; emergency readmissions arrive U(0, 30)
  days after leaving the acute bed, as new patients;
- capacity changes (e.g. more home care from a date): a process per change sets the resource's
  capacity and lets waiting requests in (SimPy has no public setter: ``_capacity`` is set and
  the put queue re-triggered; a decrease evicts nobody, as in lsr);
- summaries: per replication, daily counts at midday (acute beds occupied, delayed patients,
  each service occupied, arrivals, discharges) and totals (delayed days, acute bed days,
  overflow, admissions, readmissions, mean length of stay, costs); over replications, each
  scenario's mean and 5%/95% quantiles per day and per total, and every scenario's difference
  from the base case paired by replication.

Left out compared with ``lsr simulate``: the delay reasons by agency (reasons are recorded per
patient, not summarised by agency), the monthly profile indicators, the warm-up check, the
precision stopping rule (a fixed number of replications is run, as ``-n``), the HTML report
and the store write. The reserve-pool limit on readmissions of lsr does not apply (SimPy makes
new processes without limit).

Run: python bench/simpy_twin.py winter [-n 40] [--seed 20181101]
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any

import numpy as np
import simpy

from lsr.data.scenario_files import example_path, load_scenario_file
from lsr.flow.parameters import Duration, FlowParameters

SERVICES = ("home_care", "step_down", "care_home")


def draw(rng: np.random.Generator, d: Duration) -> float:
    """One duration from its distribution."""
    if d.distribution == "fixed" or d.mean == 0:
        return d.mean
    if d.distribution == "exponential":
        return float(rng.exponential(d.mean))
    if d.distribution == "gamma":
        return float(rng.gamma((d.mean / d.sd) ** 2, d.sd**2 / d.mean))
    s2 = math.log1p((d.sd / d.mean) ** 2)
    return float(rng.lognormal(math.log(d.mean) - s2 / 2, math.sqrt(s2)))


def rate_at(p: FlowParameters, t: float) -> float:
    """Admissions per day at time ``t`` (days from the start)."""
    a = p.arrivals
    day = math.floor(t)
    weekday = (p.start.weekday() + day) % 7
    doy = p.start.timetuple().tm_yday + t
    r = (
        a.per_day
        * a.day_of_week[weekday]
        * (1 + a.seasonal_amplitude * math.cos(2 * math.pi * (doy - a.peak_day_of_year) / 365.25))
    )
    for s0, s1, m in a.surges:
        if s0 <= t < s1:
            r *= m
    return r


def peak_rate(p: FlowParameters) -> float:
    """An upper bound of the rate over the run (for thinning)."""
    a = p.arrivals
    surge = 1.0
    for s0, _, _ in a.surges:
        surge = max(surge, math.prod(m for t0, t1, m in a.surges if t0 <= s0 < t1))
    return a.per_day * max(a.day_of_week) * (1 + abs(a.seasonal_amplitude)) * surge


def replication(p: FlowParameters, seed: int, rep: int) -> dict[str, np.ndarray]:
    """One replication: one row per patient (arrival, fit, assess start/end, leave, service
    start/end, pathway, overflow, readmission flag)."""
    rng = np.random.default_rng([seed, rep])
    t0 = -float(p.warm_up_days)
    env = simpy.Environment(initial_time=t0)

    def capacity(steps: Any) -> int:
        first = sorted(steps, key=lambda s: s.day)
        cap = first[0].capacity
        for s in first:
            if s.day <= t0:
                cap = s.capacity
        return cap

    places = [simpy.Resource(env, capacity=max(capacity(s.capacity), 1)) for s in p.services]
    assessors = simpy.Resource(env, capacity=max(capacity(p.chc.assessors), 1))
    for res, steps in [
        *zip(places, (s.capacity for s in p.services), strict=True),
        (assessors, p.chc.assessors),
    ]:
        initial = capacity(steps)
        res._capacity = initial  # SimPy has no public capacity setter

        def change(res: simpy.Resource, day: float, cap: int) -> Any:
            yield env.timeout(day - env.now)
            res._capacity = cap
            res._trigger_put(None)  # let waiting requests in

        for s in sorted(steps, key=lambda s: s.day):
            if s.day > t0:
                env.process(change(res, s.day, s.capacity))
    cum = np.cumsum(p.pathway_split)
    lose = [s.overflow == "lose" for s in p.services]
    in_hospital = p.chc.where == "hospital"
    rows: list[list[float]] = []

    def patient(readmission: bool) -> Any:
        row = [env.now] + [math.nan] * 6 + [0.0, 0.0, float(readmission)]
        rows.append(row)
        pathway = int(min(np.searchsorted(cum, rng.random(), side="right"), 3))
        row[7] = pathway
        yield env.timeout(draw(rng, p.acute_length_of_stay))
        row[1] = env.now
        chc = pathway >= 1 and rng.random() < p.chc.probability
        if chc and in_hospital:
            with assessors.request() as req:
                yield req
                row[2] = env.now
                yield env.timeout(draw(rng, p.chc.duration))
                row[3] = env.now
        readmitted = rng.random() < p.readmission_probability
        if pathway == 0:
            row[4] = env.now
        else:
            s = pathway - 1
            res = places[s]
            if lose[s] and not (len(res.users) < res.capacity and not res.queue):
                row[4] = env.now
                row[8] = 1.0
            else:
                req = res.request()
                yield req
                row[4] = row[5] = env.now
                if readmitted:
                    env.process(readmit())
                stay = draw(rng, p.services[s].length_of_stay)
                if chc and not in_hospital:
                    stay += draw(rng, p.chc.duration)
                yield env.timeout(stay)
                row[6] = env.now
                res.release(req)
                return
        if readmitted:
            env.process(readmit())

    def readmit() -> Any:
        yield env.timeout(30.0 * rng.random())
        yield env.process(patient(True))

    def arrivals() -> Any:
        peak = peak_rate(p)
        while True:
            yield env.timeout(rng.exponential(1.0 / peak))
            if rng.random() * peak < rate_at(p, env.now):
                env.process(patient(False))

    env.process(arrivals())
    env.run(until=float(p.days))
    a = np.array(rows, dtype=float)
    names = ("arrival", "fit", "a0", "a1", "leave", "s0", "s1", "pathway", "overflow", "readm")
    return {n: a[:, i] for i, n in enumerate(names)}


def _count_at(start: np.ndarray, end: np.ndarray, t: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(start)
    s = np.sort(start[ok])
    e = np.sort(np.where(np.isnan(end[ok]), np.inf, end[ok]))
    return np.searchsorted(s, t, side="right") - np.searchsorted(e, t, side="right")


def _integral(start: np.ndarray, end: np.ndarray, t1: float) -> float:
    ok = ~np.isnan(start)
    s = np.maximum(start[ok], 0.0)
    e = np.minimum(np.where(np.isnan(end[ok]), np.inf, end[ok]), t1)
    return float(np.clip(e - s, 0, None).sum())


def summarise(p: FlowParameters, r: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, float]]:
    """Daily counts at midday (rows: metrics) and totals of one replication."""
    days = p.days
    mid = np.arange(days) + 0.5
    daily = [
        _count_at(r["arrival"], r["leave"], mid),
        _count_at(r["fit"], r["leave"], mid),
        _count_at(r["a0"], r["a1"], mid),
        *(
            _count_at(r["s0"][r["pathway"] == k + 1], r["s1"][r["pathway"] == k + 1], mid)
            for k in range(3)
        ),
        np.bincount(np.floor(r["arrival"][(r["arrival"] >= 0)]).astype(int), minlength=days)[:days],
        np.bincount(
            np.floor(r["leave"][(r["leave"] >= 0) & (r["leave"] < days)]).astype(int),
            minlength=days,
        )[:days],
    ]
    left = (r["leave"] >= 0) & (r["leave"] < days)
    los = (r["leave"] - r["arrival"])[left]
    delayed = _integral(r["fit"], r["leave"], days)
    t = {
        "delayed_days": delayed,
        "acute_bed_days": _integral(r["arrival"], r["leave"], days),
        "admissions": float(((r["arrival"] >= 0) & (r["arrival"] < days)).sum()),
        "readmissions": float(((r["arrival"] >= 0) & (r["readm"] == 1)).sum()),
        "overflow": float((r["overflow"][left] == 1).sum()),
        "mean_acute_los": float(los.mean()) if los.size else math.nan,
        "share_los_over_7": float((los > 7).mean()) if los.size else math.nan,
    }
    cost = delayed * p.costs.acute_delayed_day
    for k, s in enumerate(p.services):
        sel = r["pathway"] == k + 1
        cost += _integral(r["s0"][sel], r["s1"][sel], days) * s.unit_cost
    t["cost_total"] = cost
    t["acute_occupancy_mean"] = t["acute_bed_days"] / days
    return np.vstack(daily).astype(float), t


def run(name: str, replications: int, seed: int) -> dict[str, dict[str, float]]:
    """Every scenario of the file, ``replications`` each: mean totals per scenario (and the
    daily bands and paired differences, computed and discarded as a report would use them)."""
    sf = load_scenario_file(example_path(name))
    out: dict[str, dict[str, float]] = {}
    base_totals: list[dict[str, float]] = []
    for scenario, p in sf.parameters.items():
        cubes, totals = [], []
        for rep in range(replications):
            daily, t = summarise(p, replication(p, seed, rep))
            cubes.append(daily)
            totals.append(t)
        cube = np.stack(cubes)
        _bands = (cube.mean(axis=0), *np.quantile(cube, [0.05, 0.95], axis=0))
        keys = list(totals[0])
        means = {k: float(np.mean([t[k] for t in totals])) for k in keys}
        if not base_totals:
            base_totals = totals
        else:
            for k in keys:
                d = np.array([t[k] for t in totals]) - np.array([t[k] for t in base_totals])
                means[f"diff_{k}"] = float(d.mean())
                means[f"diff_{k}_sd"] = float(d.std(ddof=1)) if d.size > 1 else math.nan
        out[scenario] = means
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="winter")
    parser.add_argument("-n", "--replications", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20181101)
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = run(args.scenario, args.replications, args.seed)
    for scenario, means in result.items():
        print(
            f"{scenario}: delayed days {means['delayed_days']:,.0f}, acute occupancy "
            f"{means['acute_occupancy_mean']:,.1f}, admissions {means['admissions']:,.0f}, "
            f"overflow {means['overflow']:,.0f}"
        )
    print(f"simpy: {args.replications} replications in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
