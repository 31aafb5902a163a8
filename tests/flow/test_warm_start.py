"""Warm start: runs started from a given state at day 0 (``lsr.flow.warm_start``).

- the state is exactly what day 0 shows (people in acute beds, waiting, being assessed, in each
  service, an overfull service), and both engines agree on warm-started runs;
- residual durations follow the equilibrium residual law (1 - F(x)) / mean (KS tests against a
  numerical integral of the survival function, not the closed forms the module uses);
- an M/M/c queue warm-started from empty, from overfull and from its stationary mean converges
  to the Erlang C stationary values, and one started *from* the stationary distribution stays
  there from day 0 (no drift).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from lsr.flow.engine import simulate
from lsr.flow.engine_reference import simulate_reference
from lsr.flow.outputs import summarise
from lsr.flow.parameters import CapacityStep, ChcAssessment, Duration, FlowParameters
from lsr.flow.queueing import mmc
from lsr.flow.warm_start import WarmState, length_biased, residual, warm_inputs

from flow_params import ParamsFactory, build_params, small_params

LONG = Duration(1e5, 0.0, "exponential")  # nobody leaves during a short test


def _states() -> st.SearchStrategy[WarmState]:
    n = st.integers(0, 12)
    return st.builds(
        WarmState,
        acute_not_fit=n,
        waiting_home_care=n,
        waiting_step_down=n,
        waiting_care_home=n,
        awaiting_assessment=n,
        in_home_care=n,
        in_step_down=n,
        in_care_home=n,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    state=_states(),
    caps=st.tuples(*(st.integers(0, 10) for _ in range(4))),
    where=st.sampled_from(["hospital", "community"]),
)
def test_day_zero_shows_the_state(
    state: WarmState, caps: tuple[int, int, int, int], where: str
) -> None:
    """No arrivals and stays far longer than the test: at midday of day 0 everyone is where the
    state puts them. Waiting people take free places at once (nobody waits beside a free place);
    an overfull service keeps everyone in it; the first ones awaiting assessment are assessed."""
    params = build_params(
        days=3,
        warm_up_days=0,
        per_day=0.0,
        acute_los=LONG,
        capacities=tuple((CapacityStep(-1e9, c),) for c in caps[:3]),  # type: ignore[arg-type]
        los=(LONG, LONG, LONG),
        chc=ChcAssessment(0.5, where, (CapacityStep(-1e9, caps[3]),), LONG),
    )
    w = warm_inputs(params, state, seed=5, replication=0)
    records = simulate(w.inputs)
    assert records.equals(simulate_reference(w.inputs))
    day0 = summarise(params, w.inputs, records).daily.iloc[0]
    assessed = state.awaiting_assessment if where == "hospital" else 0
    assert day0["assessors_busy"] == min(assessed, caps[3])
    assert day0["delayed_A"] == assessed
    # with CHC in the community the people awaiting assessment ask for their service at once
    extra = {"home_care": 0, "step_down": 0, "care_home": 0}
    if where == "community":
        pw = w.inputs.pathway[: w.n_initial][np.isclose(w.inputs.acute_los[: w.n_initial], 2e-6)]
        for k, name in enumerate(extra):
            extra[name] = int((pw == k + 1).sum()) - state.waiting(name)
    placed_total = 0
    for k, (name, code) in enumerate([("home_care", "E"), ("step_down", "C")]):
        free = max(caps[k] - state.in_service(name), 0)
        asking = state.waiting(name) + extra[name]
        placed = min(asking, free)
        placed_total += placed
        assert day0[f"{name}_occupied"] == state.in_service(name) + placed
        assert day0[f"delayed_{code}"] == asking - placed
    free = max(caps[2] - state.in_care_home, 0)
    asking = state.waiting_care_home + extra["care_home"]
    placed_total += min(asking, free)
    assert day0["care_home_occupied"] == state.in_care_home + min(asking, free)
    assert day0["delayed_Di"] + day0["delayed_Dii"] + day0["delayed_G"] == asking - min(
        asking, free
    )
    assert day0["acute_occupied"] == state.acute_occupied - placed_total
    assert day0["arrivals"] == 0 and day0["left_acute"] == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=small_params(), state=_states(), rep=st.integers(0, 3))
def test_engines_agree_on_warm_starts(params: FlowParameters, state: WarmState, rep: int) -> None:
    w = warm_inputs(params, state, seed=11, replication=rep)
    x = w.inputs
    assert np.all(np.diff(x.arrival[: x.n_primary]) >= 0)  # primary arrivals stay sorted
    assert np.all(x.arrival[: w.n_initial] <= 0) and np.all(
        x.arrival[w.n_initial : x.n_primary] >= 0
    )
    assert simulate(x).equals(simulate_reference(x))


def test_new_arrivals_are_those_of_a_cold_run(make_params: ParamsFactory) -> None:
    """The warm start adds people; it changes nothing about the new arrivals (CRN with any run
    of the same parameters, seed and replication without warm-up)."""
    from lsr.flow.sampling import draw_inputs

    params = make_params(warm_up_days=0)
    cold = draw_inputs(params, 3, 1)
    w = warm_inputs(params, WarmState(acute_not_fit=7, waiting_home_care=3, in_step_down=5), 3, 1)
    for name in ("arrival", "acute_los", "pathway", "service_duration", "needs_chc"):
        np.testing.assert_array_equal(getattr(w.inputs, name)[w.n_initial :], getattr(cold, name))


# --- residual durations -----------------------------------------------------------------


def _frozen(d: Duration) -> stats.rv_continuous:
    if d.distribution == "exponential":
        return stats.expon(scale=d.mean)
    if d.distribution == "gamma":
        shape = (d.mean / d.sd) ** 2
        return stats.gamma(shape, scale=d.sd**2 / d.mean)
    sigma2 = math.log1p((d.sd / d.mean) ** 2)
    return stats.lognorm(math.sqrt(sigma2), scale=math.exp(math.log(d.mean) - sigma2 / 2))


def _residual_cdf(d: Duration, x: np.ndarray) -> np.ndarray:
    """The equilibrium residual CDF: integral of the survival function from 0 to x, / mean."""
    dist = _frozen(d)
    return np.array([integrate.quad(dist.sf, 0.0, float(v), limit=200)[0] / d.mean for v in x])


@pytest.mark.parametrize(
    "d",
    [
        Duration(4.0, 0.0, "exponential"),
        Duration(28.0, 14.0, "gamma"),
        Duration(3.0, 6.0, "gamma"),  # shape < 1
        Duration(5.5, 6.0, "lognormal"),
        Duration(21.0, 5.0, "lognormal"),
    ],
)
def test_residuals_follow_the_equilibrium_law(d: Duration) -> None:
    rng = np.random.default_rng(2019)
    _, left = residual(d, rng.random(3000), rng.random(3000))
    xs = np.sort(left)
    grid = xs[::10]
    cdf = np.interp(xs, grid, _residual_cdf(d, grid))
    ks = stats.kstest(xs, lambda v: np.interp(v, xs, cdf))
    assert ks.pvalue > 0.01, (d, ks)
    # the mean residual is E[X^2] / (2 E[X]) = (sd^2 + mean^2) / (2 mean)
    expected = (d.sd**2 + d.mean**2) / (2 * d.mean) if d.distribution != "exponential" else d.mean
    assert left.mean() == pytest.approx(expected, rel=0.08)


def test_exponential_residual_is_the_same_exponential() -> None:
    d = Duration(4.0, 0.0, "exponential")
    rng = np.random.default_rng(7)
    _, left = residual(d, rng.random(4000), rng.random(4000))
    assert stats.kstest(left, stats.expon(scale=4.0).cdf).pvalue > 0.01
    # length-biased total of an exponential is gamma(2, mean)
    total = length_biased(d, rng.random(4000))
    assert stats.kstest(total, stats.gamma(2, scale=4.0).cdf).pvalue > 0.01


def test_fixed_residual_is_uniform_and_draws_are_monotone() -> None:
    rng = np.random.default_rng(8)
    _, left = residual(Duration(6.0, 0.0, "fixed"), rng.random(3000), rng.random(3000))
    assert stats.kstest(left, stats.uniform(0, 6).cdf).pvalue > 0.01
    u = np.linspace(0.001, 0.999, 200)
    for d in (Duration(5.5, 6.0), Duration(28, 14, "gamma"), Duration(3, 0, "exponential")):
        assert np.all(np.diff(length_biased(d, u)) > 0)  # inversion: common random numbers


# --- M/M/c from a known state ----------------------------------------------------------------

LAM, MEAN, SERVERS = 3.0, 2.0, 10  # a = 6 erlangs, utilisation 0.6


def _mmc_params(days: int) -> FlowParameters:
    return build_params(
        days=days,
        warm_up_days=0,
        per_day=LAM,
        acute_los=Duration(0.0, 0.0, "fixed"),
        split=(0.0, 1.0, 0.0, 0.0),
        capacities=(
            (CapacityStep(-1e9, SERVERS),),
            (CapacityStep(-1e9, 1),),
            (CapacityStep(-1e9, 1),),
        ),
        los=(Duration(MEAN, 0.0, "exponential"), Duration(1.0), Duration(1.0)),
    )


def _in_system(params: FlowParameters, state: WarmState, rep: int) -> np.ndarray:
    """Daily (midday) number in the M/M/c system: in service plus waiting in acute beds."""
    w = warm_inputs(params, state, seed=1917, replication=rep)
    daily = summarise(params, w.inputs, simulate(w.inputs)).daily
    return (daily["home_care_occupied"] + daily["delayed_E"]).to_numpy(dtype=float)


THEORY = mmc(LAM, 1 / MEAN, SERVERS)


@pytest.mark.parametrize(
    "state",
    [
        WarmState(),  # empty
        WarmState(in_home_care=25, waiting_home_care=30),  # overfull and a long queue
        WarmState(in_home_care=round(LAM * MEAN), waiting_home_care=round(THEORY.lq)),
    ],
    ids=["empty", "overfull", "stationary-mean"],
)
def test_warm_started_mmc_converges_to_erlang_c(state: WarmState) -> None:
    days, reps = 80, 120
    params = _mmc_params(days)
    late = np.array([_in_system(params, state, r)[40:].mean() for r in range(reps)])
    se = late.std(ddof=1) / math.sqrt(reps)
    assert abs(late.mean() - THEORY.l) < 4 * se, (late.mean(), THEORY.l, se)
    assert se < 0.05 * THEORY.l  # the tolerance is tight enough to mean something


def _stationary_counts(n: int, rng: np.random.Generator) -> np.ndarray:
    """Draws from the stationary distribution of the number in an M/M/c system."""
    a, c = LAM * MEAN, SERVERS
    rho = a / c
    k = np.arange(0, 200)
    logp = np.where(
        k <= c,
        k * math.log(a) - np.array([math.lgamma(v + 1) for v in k]),
        c * math.log(a) - math.lgamma(c + 1) + (k - c) * math.log(rho),
    )
    p = np.exp(logp - logp.max())
    return rng.choice(k, size=n, p=p / p.sum())


def test_started_at_the_stationary_distribution_stays_there() -> None:
    """Exponential stays are memoryless, so a system started from the stationary law with
    residual stays drawn correctly is stationary from day 0: the mean number in the system is
    L on day 0, day 1, ... (a wrong residual, e.g. a uniform share of an ordinary stay, makes
    the first days drift down)."""
    reps = 400
    params = _mmc_params(12)
    counts = _stationary_counts(reps, np.random.default_rng(42))
    runs = np.array(
        [
            _in_system(
                params,
                WarmState(
                    in_home_care=int(min(n, SERVERS)), waiting_home_care=int(max(n - SERVERS, 0))
                ),
                r,
            )
            for r, n in enumerate(counts)
        ]
    )
    means = runs.mean(axis=0)
    se = runs.std(axis=0, ddof=1) / math.sqrt(reps)
    for day in (0, 1, 2, 5, 11):
        assert abs(means[day] - THEORY.l) < 4 * se[day], (day, means[day], THEORY.l, se[day])
    # and no trend: the first and last days agree with each other
    assert abs(means[:3].mean() - means[-3:].mean()) < 4 * max(se[:3].mean(), se[-3:].mean())


def test_service_in_progress_counts_in_outputs(make_params: ParamsFactory) -> None:
    """People in a service at the start are counted in its occupancy and bed days, are not
    admissions or discharges of the period, and free their places when their stays end."""
    params = make_params(
        days=5, warm_up_days=0, per_day=0.0, los=(Duration(2.0, 0.0, "fixed"),) * 3
    )
    w = warm_inputs(params, WarmState(in_home_care=3, in_care_home=1), seed=1, replication=0)
    s = summarise(params, w.inputs, simulate(w.inputs))
    assert s.daily["home_care_occupied"].iloc[0] == 3
    assert s.daily["home_care_occupied"].iloc[-1] == 0  # residuals of a 2-day stay are < 2 days
    assert s.totals["admissions"] == 0 and s.totals["discharges"] == 0
    assert 0 < s.totals["bed_days_home_care"] < 3 * 2.0 + 1e-9
    assert s.totals["acute_occupancy_mean"] == 0


def test_state_rejects_bad_counts() -> None:
    with pytest.raises(ValueError, match="in_home_care"):
        WarmState(in_home_care=-1)
    with pytest.raises(ValueError, match="waiting_step_down"):
        WarmState(waiting_step_down=2.5)  # type: ignore[arg-type]
    assert replace(WarmState(), acute_not_fit=3).acute_occupied == 3
