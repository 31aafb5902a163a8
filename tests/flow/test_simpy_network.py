"""The engine against an independent SimPy implementation of the same blocked network.

Acute beds (unlimited) feed home care, step-down and care home places (limited, patients wait
in the acute bed, FIFO). No CHC, no readmission. The SimPy model below is written from the
model description only, with its own random numbers, so the two agree in distribution, not
exactly: per-replication means are compared with Welch's t-test, and the per-patient acute
delay distribution with a two-sample Kolmogorov-Smirnov test (on every 25th patient, to make
the samples close to independent). Significance level 0.001 for each comparison.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import simpy
from scipy import stats

from lsr.flow.engine import simulate
from lsr.flow.outputs import integral
from lsr.flow.parameters import CapacityStep, Duration, FlowParameters
from lsr.flow.sampling import draw_inputs

from flow_params import ParamsFactory

LAMBDA = 8.0
ACUTE = (5.0, 4.0)  # lognormal mean, sd
SPLIT = (0.4, 0.3, 0.2, 0.1)
CAPS = (26, 17, 9)
SERVICE = (("lognormal", 10.0, 6.0), ("exponential", 7.0, 0.0), ("gamma", 10.0, 6.0))
DAYS, WARM_UP, REPS, THIN = 300, 150, 20, 25
ALPHA = 0.001


def _params(make_params: ParamsFactory) -> FlowParameters:
    return make_params(
        days=DAYS,
        warm_up_days=WARM_UP,
        per_day=LAMBDA,
        acute_los=Duration(*ACUTE),
        split=SPLIT,
        capacities=tuple((CapacityStep(-1e9, c),) for c in CAPS),
        los=tuple(Duration(m, s, d) for d, m, s in SERVICE),
        self_funder_share=0.2,
    )


def _draw(rng: np.random.Generator, kind: str, mean: float, sd: float) -> float:
    if kind == "exponential":
        return float(rng.exponential(mean))
    if kind == "gamma":
        return float(rng.gamma((mean / sd) ** 2, sd**2 / mean))
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return float(rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2)))


@functools.cache
def simpy_replication(seed: int) -> dict[str, np.ndarray]:
    """One replication in SimPy: per-patient arrival, fit, leave-acute, service start/end and
    pathway (times in days from the end of the warm-up)."""
    rng = np.random.default_rng([seed, 12345])
    env = simpy.Environment(initial_time=-WARM_UP)
    places = [simpy.Resource(env, capacity=c) for c in CAPS]
    rows: list[list[float]] = []

    def patient(pathway: int) -> simpy.events.ProcessGenerator:
        row = [env.now, math.nan, math.nan, math.nan, math.nan, float(pathway)]
        rows.append(row)
        yield env.timeout(_draw(rng, "lognormal", *ACUTE))
        row[1] = env.now
        if pathway == 0:
            row[2] = env.now
            return
        s = pathway - 1
        with places[s].request() as req:
            yield req
            row[2] = row[3] = env.now
            yield env.timeout(_draw(rng, *SERVICE[s]))
            row[4] = env.now

    def arrivals() -> simpy.events.ProcessGenerator:
        while True:
            yield env.timeout(rng.exponential(1 / LAMBDA))
            env.process(patient(int(rng.choice(4, p=SPLIT))))

    env.process(arrivals())
    env.run(until=DAYS)
    a = np.array(rows)
    names = ("arrival", "fit", "leave", "s_start", "s_end", "pathway")
    return {n: a[:, i] for i, n in enumerate(names)}


def _measures(arrival, fit, leave, s_start, s_end, pathway):  # type: ignore[no-untyped-def]
    out = {"delayed_days": integral(fit, leave, 0.0, DAYS)}
    for s in range(3):
        sel = pathway == s + 1
        out[f"occupancy_{s}"] = integral(s_start[sel], s_end[sel], 0.0, DAYS) / DAYS
        out[f"delayed_{s}"] = integral(fit[sel], leave[sel], 0.0, DAYS)
    window = (arrival >= 0) & ~np.isnan(leave)
    delays = (leave - fit)[window]
    return out, delays


def test_engine_matches_independent_simpy_model(make_params: ParamsFactory) -> None:
    params = _params(make_params)
    ours: dict[str, list[float]] = {}
    theirs: dict[str, list[float]] = {}
    ours_delay, theirs_delay = [], []
    for rep in range(REPS):
        x = draw_inputs(params, 77, rep)
        r = simulate(x)
        m, d = _measures(
            r.arrival, r.fit, r.leave_acute, r.service_start, r.service_end, x.pathway[: r.n]
        )
        for k, v in m.items():
            ours.setdefault(k, []).append(v)
        ours_delay.append(d[::THIN])
        sp = simpy_replication(rep)
        m, d = _measures(
            sp["arrival"], sp["fit"], sp["leave"], sp["s_start"], sp["s_end"], sp["pathway"]
        )
        for k, v in m.items():
            theirs.setdefault(k, []).append(v)
        theirs_delay.append(d[::THIN])
    # the network is busy enough for the comparison to mean something
    assert np.mean(ours["delayed_days"]) > 500
    for k in ours:
        p = stats.ttest_ind(ours[k], theirs[k], equal_var=False).pvalue
        assert p > ALPHA, (k, np.mean(ours[k]), np.mean(theirs[k]), p)
    a, b = np.concatenate(ours_delay), np.concatenate(theirs_delay)
    assert (a > 0).mean() > 0.2
    ks = stats.ks_2samp(a, b)
    assert ks.pvalue > ALPHA, (ks.statistic, ks.pvalue)


def test_simpy_comparison_detects_a_different_network(make_params: ParamsFactory) -> None:
    """The same comparison does reject a network with two places fewer in home care."""
    params = _params(make_params)
    smaller = make_params(
        days=DAYS,
        warm_up_days=WARM_UP,
        per_day=LAMBDA,
        acute_los=Duration(*ACUTE),
        split=SPLIT,
        capacities=(
            (CapacityStep(-1e9, CAPS[0] - 2),),
            params.services[1].capacity,
            params.services[2].capacity,
        ),
        los=tuple(Duration(m, s, d) for d, m, s in SERVICE),
    )
    ours, theirs = [], []
    for rep in range(REPS):
        x = draw_inputs(smaller, 77, rep)
        r = simulate(x)
        sel = x.pathway[: r.n] == 1
        ours.append(integral(r.fit[sel], r.leave_acute[sel], 0.0, DAYS))
        sp = simpy_replication(rep)
        sel = sp["pathway"] == 1
        theirs.append(integral(sp["fit"][sel], sp["leave"][sel], 0.0, DAYS))
    assert stats.ttest_ind(ours, theirs, equal_var=False).pvalue < ALPHA
