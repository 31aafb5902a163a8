"""Closed-form queueing results, and the simulation checked against them.

A single service fed straight from Poisson arrivals (acute stay 0, so patients are fit on
arrival; pathway 1 only; exponential service; no CHC, no readmission) is an M/M/c queue when
patients wait in the acute bed ("wait"), and Erlang's loss system when they are placed elsewhere
("lose"). The theory must lie inside the simulation's own 99% confidence interval over
independent replications (t interval on the replication means).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from lsr.flow.engine import simulate
from lsr.flow.outputs import summarise
from lsr.flow.parameters import CapacityStep, ChcAssessment, Duration
from lsr.flow.queueing import erlang_b, erlang_c, mmc
from lsr.flow.sampling import draw_inputs

from flow_params import ParamsFactory


def test_erlang_b_hand_values() -> None:
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(0, 3.0) == 1.0
    # B(3, 2) = (8/6) / (1 + 2 + 2 + 8/6) = 4/19
    assert erlang_b(3, 2.0) == pytest.approx(4 / 19)
    # standard tables (e.g. Gross & Harris): B(10, 5) = 0.01838, B(5, 5) = 0.2849
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=1e-6)
    assert erlang_b(5, 5.0) == pytest.approx(0.284868, abs=1e-6)
    # stable for large systems: the direct formula would overflow
    b = erlang_b(2000, 1900.0)
    assert 0 < b < 0.1 and math.isfinite(b)


def test_erlang_b_matches_direct_formula() -> None:
    for c in range(0, 15):
        for a in (0.3, 1.0, 4.5, 12.0):
            direct = a**c / math.factorial(c) / sum(a**k / math.factorial(k) for k in range(c + 1))
            assert erlang_b(c, a) == pytest.approx(direct, rel=1e-12)


def test_erlang_c_and_mmc_hand_values() -> None:
    # M/M/1: P(wait) = rho, Lq = rho^2 / (1 - rho)
    m = mmc(0.5, 1.0, 1)
    assert m.p_wait == pytest.approx(0.5)
    assert m.lq == pytest.approx(0.5)
    assert m.wq == pytest.approx(1.0)
    assert m.l == pytest.approx(1.0)
    assert m.w == pytest.approx(2.0)
    # M/M/2 with a = 1: C = 1/3, Lq = 1/3
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    m2 = mmc(2.0, 2.0, 2)
    assert m2.lq == pytest.approx(1 / 3)
    assert m2.wq == pytest.approx(1 / 6)
    assert m2.utilisation == pytest.approx(0.5)
    assert mmc(3.0, 1.0, 3).lq == math.inf
    assert erlang_c(3, 4.0) == 1.0


def _ci(values: np.ndarray, level: float = 0.99) -> tuple[float, float]:
    m = float(values.mean())
    half = stats.t.ppf(0.5 + level / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return m - half, m + half


LAMBDA, MEAN_SERVICE, SERVERS = 4.0, 2.5, 12  # offered load a = 10 erlangs
DAYS, WARM_UP, REPS = 4000, 100, 40


def _single_service(make_params: ParamsFactory, overflow: str):  # type: ignore[no-untyped-def]
    return make_params(
        days=DAYS,
        warm_up_days=WARM_UP,
        per_day=LAMBDA,
        acute_los=Duration(0.0, 0.0, "fixed"),
        split=(0.0, 1.0, 0.0, 0.0),
        capacities=(
            (CapacityStep(-1e9, SERVERS),),
            (CapacityStep(-1e9, 1),),
            (CapacityStep(-1e9, 1),),
        ),
        los=(Duration(MEAN_SERVICE, 0.0, "exponential"), Duration(1.0), Duration(1.0)),
        overflow=(overflow, "wait", "wait"),
    )


def test_simulated_mmc_queue_matches_theory(make_params: ParamsFactory) -> None:
    params = _single_service(make_params, "wait")
    theory = mmc(LAMBDA, 1 / MEAN_SERVICE, SERVERS)
    lq, occupancy, wq, p_wait = [], [], [], []
    for rep in range(REPS):
        x = draw_inputs(params, 2024, rep)
        r = simulate(x)
        t = summarise(params, x, r).totals
        lq.append(t["delayed_days"] / DAYS)  # time-average number waiting in acute beds
        occupancy.append(t["bed_days_home_care"] / DAYS)
        sel = (r.arrival >= 0) & ~np.isnan(r.leave_acute)
        wait = r.leave_acute[sel] - r.fit[sel]
        wq.append(wait.mean())
        p_wait.append((wait > 0).mean())
    for name, values, expected in [
        ("Lq", lq, theory.lq),
        ("L - Lq", occupancy, LAMBDA * MEAN_SERVICE),
        ("Wq", wq, theory.wq),
        ("P(wait)", p_wait, theory.p_wait),
    ]:
        lo, hi = _ci(np.asarray(values))
        assert lo <= expected <= hi, (name, lo, expected, hi)
        # and the interval is tight enough to mean something
        assert hi - lo < 0.25 * expected, (name, lo, hi)


def test_simulated_loss_system_matches_erlang_b(make_params: ParamsFactory) -> None:
    params = _single_service(make_params, "lose")
    b = erlang_b(SERVERS, LAMBDA * MEAN_SERVICE)
    lost, occupancy = [], []
    for rep in range(REPS):
        x = draw_inputs(params, 99, rep)
        t = summarise(params, x, simulate(x)).totals
        lost.append(t["overflow_home_care"] / t["admissions"])
        occupancy.append(t["bed_days_home_care"] / DAYS)
        assert t["delayed_days"] == 0
    lo, hi = _ci(np.asarray(lost))
    assert lo <= b <= hi, (lo, b, hi)
    assert hi - lo < 0.2 * b
    lo, hi = _ci(np.asarray(occupancy))  # carried load a (1 - B)
    assert lo <= LAMBDA * MEAN_SERVICE * (1 - b) <= hi


def test_simulated_assessor_queue_matches_theory(make_params: ParamsFactory) -> None:
    """Hospital CHC assessment with unlimited downstream places is an M/M/c queue for the
    assessors: the wait before an assessment starts is Wq."""
    lam, mean, c = 3.0, 0.5, 2  # a = 1.5
    params = make_params(
        days=DAYS,
        warm_up_days=WARM_UP,
        per_day=lam,
        acute_los=Duration(0.0, 0.0, "fixed"),
        split=(0.0, 1.0, 0.0, 0.0),
        capacities=((CapacityStep(-1e9, 10**6),),) * 3,
        chc=ChcAssessment(
            1.0, "hospital", (CapacityStep(-1e9, c),), Duration(mean, 0, "exponential")
        ),
    )
    theory = mmc(lam, 1 / mean, c)
    wq, busy = [], []
    for rep in range(REPS):
        x = draw_inputs(params, 5, rep)
        r = simulate(x)
        t = summarise(params, x, r).totals
        sel = (r.arrival >= 0) & ~np.isnan(r.assess_start)
        wq.append((r.assess_start[sel] - r.fit[sel]).mean())
        busy.append(t["assessor_days"] / DAYS)
        # the whole A delay is queueing plus assessing: time-average = L
    lo, hi = _ci(np.asarray(wq))
    assert lo <= theory.wq <= hi, (lo, theory.wq, hi)
    lo, hi = _ci(np.asarray(busy))
    assert lo <= lam * mean <= hi
