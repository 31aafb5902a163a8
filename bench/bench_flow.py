"""Benchmark: the flow model's event loop against the reference engine, SimPy and Ciw.

One four-service network (unlimited acute beds feeding home care, step-down and care home
places where patients wait in the acute bed when full), 55 admissions a day, a 90-day warm-up
plus one simulated year: about 60,000 events. No CHC assessment and no readmission, so that the
SimPy and Ciw models can express the same network.

(a) the compiled numba engine (a first call compiles or loads the cache: reported separately),
(b) the reference heapq engine on the same inputs (identical records, checked),
(c) an equivalent SimPy model (one process per patient, ``simpy.Resource`` per service),
(d) an equivalent Ciw model: node 1 = acute (infinite servers), nodes 2-4 the services with
    queue capacity 0, so a patient who finds the service full stays blocked in the acute server
    (Ciw's type I blocking, released in blocking order). Differences: Ciw starts empty at time 0
    (no warm-up), draws its own random numbers, and routes by probabilities after the acute stay
    rather than with a pathway drawn on arrival. Ciw is slow, so it simulates a shorter period
    (``--ciw-days``) and its events/s are measured on that period.

Events are the model's logical events: arrival, medically fit, service complete (capacity
changes: none here). For SimPy and Ciw the same events are counted from their runs. Times are
the best of ``--repeat`` runs, on one core. Targets: compiled >= 5 million events/s and >= 50x
SimPy.

Run: .venv/bin/python bench/bench_flow.py [--repeat 3] [--ciw-days 455]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from datetime import date

import ciw
import numpy as np
import simpy

from lsr.flow.engine import simulate
from lsr.flow.engine_reference import simulate_reference
from lsr.flow.parameters import (
    Arrivals,
    CapacityStep,
    Duration,
    FlowParameters,
    Service,
)
from lsr.flow.sampling import draw_inputs

PER_DAY = 55.0
SPLIT = (0.5, 0.25, 0.15, 0.1)
ACUTE = Duration(6.0, 5.0)
LOS = (Duration(20.0, 10.0), Duration(14.0, 7.0, "gamma"), Duration(60.0, 40.0, "gamma"))
CAPS = (280, 120, 335)
DAYS, WARM_UP = 365, 90


def params() -> FlowParameters:
    names = ("home_care", "step_down", "care_home")
    return FlowParameters(
        start=date(2024, 4, 1),
        days=DAYS,
        arrivals=Arrivals(PER_DAY),
        acute_length_of_stay=ACUTE,
        pathway_split=SPLIT,
        services=tuple(
            Service(n, (CapacityStep(-1e9, c),), d)
            for n, c, d in zip(names, CAPS, LOS, strict=True)
        ),
        warm_up_days=WARM_UP,
    )


def _lognormal_mu_sigma(d: Duration) -> tuple[float, float]:
    s2 = math.log1p((d.sd / d.mean) ** 2)
    return math.log(d.mean) - s2 / 2, math.sqrt(s2)


def _gamma_shape_scale(d: Duration) -> tuple[float, float]:
    return (d.mean / d.sd) ** 2, d.sd**2 / d.mean


def simpy_model(seed: int, days: float = DAYS, warm_up: float = WARM_UP) -> int:
    """The network in SimPy; returns the number of model events."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment(initial_time=-warm_up)
    places = [simpy.Resource(env, capacity=c) for c in CAPS]
    acute_mu, acute_sigma = _lognormal_mu_sigma(ACUTE)
    hc_mu, hc_sigma = _lognormal_mu_sigma(LOS[0])
    shapes = [_gamma_shape_scale(d) for d in LOS[1:]]
    events = 0

    def draw(s: int) -> float:
        if s == 0:
            return float(rng.lognormal(hc_mu, hc_sigma))
        k, theta = shapes[s - 1]
        return float(rng.gamma(k, theta))

    def patient(pathway: int) -> simpy.events.ProcessGenerator:
        nonlocal events
        yield env.timeout(float(rng.lognormal(acute_mu, acute_sigma)))
        events += 1  # fit
        if pathway == 0:
            return
        with places[pathway - 1].request() as req:
            yield req
            yield env.timeout(draw(pathway - 1))
            events += 1  # service complete

    cum = np.cumsum(SPLIT)

    def arrivals() -> simpy.events.ProcessGenerator:
        nonlocal events
        while True:
            yield env.timeout(float(rng.exponential(1 / PER_DAY)))
            events += 1  # arrival
            env.process(patient(int(np.searchsorted(cum, rng.random(), side="right"))))

    env.process(arrivals())
    env.run(until=days)
    return events


def ciw_model(seed: int, days: float) -> int:
    """The network in Ciw (see the module docstring); returns the number of model events."""
    ciw.seed(seed)
    hc_mu, hc_sigma = _lognormal_mu_sigma(LOS[0])
    acute_mu, acute_sigma = _lognormal_mu_sigma(ACUTE)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=PER_DAY), None, None, None],
        service_distributions=[
            ciw.dists.Lognormal(acute_mu, acute_sigma),
            ciw.dists.Lognormal(hc_mu, hc_sigma),
            ciw.dists.Gamma(*_gamma_shape_scale(LOS[1])),
            ciw.dists.Gamma(*_gamma_shape_scale(LOS[2])),
        ],
        number_of_servers=[float("inf"), *CAPS],
        queue_capacities=[float("inf"), 0, 0, 0],
        routing=[[0.0, *SPLIT[1:]], [0.0] * 4, [0.0] * 4, [0.0] * 4],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(days)
    records = sim.get_all_records()
    acute = sum(1 for r in records if r.node == 1)
    downstream = sum(1 for r in records if r.node > 1)
    return 2 * acute + downstream  # arrival + fit per acute stay, one completion per service


def best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ciw-days", type=float, default=float(DAYS + WARM_UP))
    args = ap.parse_args()

    p = params()
    inputs = draw_inputs(p, 2024, 0)
    t = time.perf_counter()
    first = simulate(inputs)
    t_first = time.perf_counter() - t
    t_comp, events = best(lambda: simulate(inputs).events, max(args.repeat, 5))
    t_ref, ref_events = best(lambda: simulate_reference(inputs).events, args.repeat)
    assert ref_events == events and simulate_reference(inputs).equals(first)
    t_simpy, simpy_events = best(lambda: simpy_model(2024), args.repeat)
    t_ciw, ciw_events = best(lambda: ciw_model(2024, args.ciw_days), 1)

    rate = {
        "compiled": events / t_comp,
        "reference": ref_events / t_ref,
        "simpy": simpy_events / t_simpy,
        "ciw": ciw_events / t_ciw,
    }
    print(
        f"network: {PER_DAY:g} admissions/day, capacities {CAPS}, "
        f"{WARM_UP} warm-up days + {DAYS} days; {inputs.n_primary} patients"
    )
    print(f"first compiled call (JIT compile or cache load): {t_first:.2f} s")
    print(f"{'engine':<10} {'events':>9} {'seconds':>9} {'events/s':>14}")
    for name, n_ev, secs in [
        ("compiled", events, t_comp),
        ("reference", ref_events, t_ref),
        ("simpy", simpy_events, t_simpy),
        ("ciw", ciw_events, t_ciw),
    ]:
        print(f"{name:<10} {n_ev:>9,} {secs:>9.4f} {rate[name]:>14,.0f}")
    print(
        f"(ciw simulated {args.ciw_days:g} days from empty; its events/s are from that run; "
        f"a full year would take about {t_ciw * (DAYS + WARM_UP) / args.ciw_days:.0f} s)"
    )
    print(f"compiled / reference: {rate['compiled'] / rate['reference']:,.0f}x")
    print(f"compiled / SimPy:     {rate['compiled'] / rate['simpy']:,.0f}x  (target >= 50x)")
    print(f"compiled / Ciw:       {rate['compiled'] / rate['ciw']:,.0f}x")
    ok = rate["compiled"] >= 5e6 and rate["compiled"] / rate["simpy"] >= 50
    print(f"targets (>= 5 million events/s, >= 50x SimPy): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
