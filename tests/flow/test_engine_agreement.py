"""The compiled engine agrees exactly with the reference engine; sampling is reproducible and
uses common random numbers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr.flow.engine import simulate
from lsr.flow.engine_reference import PatientRecords, simulate_reference
from lsr.flow.parameters import Arrivals, CapacityStep, ChcAssessment, Duration, FlowParameters
from lsr.flow.run import run
from lsr.flow.sampling import FlowInputs, draw_inputs

from flow_params import ParamsFactory, small_params

ATTRIBUTES = (
    "arrival",
    "acute_los",
    "pathway",
    "needs_chc",
    "self_funder",
    "nursing",
    "service_duration",
    "chc_duration",
    "readmitted",
    "readmission_delay",
)


def assert_same_records(a: PatientRecords, b: PatientRecords) -> None:
    for f in PatientRecords.FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        assert x.dtype == y.dtype, f
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), f
    assert a.events == b.events
    assert a.dropped_readmissions == b.dropped_readmissions
    assert a.equals(b)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=small_params(),
    seed=st.integers(0, 2**32 - 1),
    rep=st.integers(0, 5),
    reserve=st.sampled_from([None, 0, 3]),
)
def test_engines_agree_exactly(
    params: FlowParameters, seed: int, rep: int, reserve: int | None
) -> None:
    inputs = draw_inputs(params, seed, rep, reserve=reserve)
    assert_same_records(simulate(inputs), simulate_reference(inputs))


def test_engines_agree_on_a_busy_year(make_params: ParamsFactory) -> None:
    params = make_params(
        days=365,
        warm_up_days=60,
        per_day=30.0,
        acute_los=Duration(5.0, 4.0),
        capacities=(
            (CapacityStep(-1e9, 60), CapacityStep(100, 30), CapacityStep(200, 90)),
            (CapacityStep(-1e9, 40),),
            (CapacityStep(-1e9, 90),),
        ),
        los=(Duration(15, 8), Duration(12, 6, "gamma"), Duration(40, 30)),
        overflow=("wait", "lose", "wait"),
        chc=ChcAssessment(0.2, "hospital", (CapacityStep(-1e9, 2), CapacityStep(50, 4))),
        readmission_probability=0.15,
        self_funder_share=0.3,
    )
    inputs = draw_inputs(params, 7, 0)
    a, b = simulate(inputs), simulate_reference(inputs)
    assert a.events > 30_000
    assert a.is_readmission.sum() > 100 and a.overflowed.sum() > 100
    assert (a.delay_reason > 0).sum() > 100
    assert_same_records(a, b)
    ra, rb = run(params, 7, 0, "compiled"), run(params, 7, 0, "reference")
    assert ra.totals == pytest.approx(rb.totals, nan_ok=True)
    assert ra.daily.equals(rb.daily)


def test_ties_are_broken_identically(make_params: ParamsFactory) -> None:
    """Whole-day fixed durations make many events fall at the same instant."""
    params = make_params(
        days=80,
        per_day=6.0,
        acute_los=Duration(2.0, 0, "fixed"),
        los=(Duration(3.0, 0, "fixed"), Duration(2.0, 0, "fixed"), Duration(4.0, 0, "fixed")),
        capacities=(
            (CapacityStep(-1e9, 3), CapacityStep(5.0, 1), CapacityStep(8.0, 5)),
            (CapacityStep(-1e9, 2), CapacityStep(5.0, 4)),
            (CapacityStep(-1e9, 1),),
        ),
        chc=ChcAssessment(
            0.5,
            "hospital",
            (CapacityStep(-1e9, 1), CapacityStep(5.0, 2)),
            Duration(1.0, 0, "fixed"),
        ),
        readmission_probability=0.3,
    )
    inputs = draw_inputs(params, 3, 1)
    # force ties: whole-day arrivals and readmission delays
    inputs = dataclasses.replace(
        inputs,
        arrival=np.where(np.isnan(inputs.arrival), np.nan, np.floor(inputs.arrival)),
        readmission_delay=np.ceil(inputs.readmission_delay),
    )
    a = simulate(inputs)
    finish = np.concatenate([a.fit, a.leave_acute, a.service_end])
    finish = finish[~np.isnan(finish)]
    assert np.unique(finish).size < finish.size / 5  # plenty of simultaneous events
    assert_same_records(a, simulate_reference(inputs))


def _assert_same_inputs(x: FlowInputs, y: FlowInputs) -> None:
    for f in dataclasses.fields(FlowInputs):
        u, v = getattr(x, f.name), getattr(y, f.name)
        if isinstance(u, np.ndarray):
            assert np.array_equal(u, v, equal_nan=u.dtype.kind == "f"), f.name
        else:
            assert u == v, f.name


def test_sampling_is_reproducible_and_replications_differ(make_params: ParamsFactory) -> None:
    params = make_params(readmission_probability=0.2)
    _assert_same_inputs(draw_inputs(params, 11, 2), draw_inputs(params, 11, 2))
    a, b, c = draw_inputs(params, 11, 2), draw_inputs(params, 11, 3), draw_inputs(params, 12, 2)
    assert not np.array_equal(a.acute_los[:10], b.acute_los[:10])
    assert not np.array_equal(a.acute_los[:10], c.acute_los[:10])


def test_crn_capacity_change_keeps_every_attribute(make_params: ParamsFactory) -> None:
    base = make_params(readmission_probability=0.2)
    more = make_params(
        readmission_probability=0.2,
        capacities=((CapacityStep(-1e9, 40),), (CapacityStep(-1e9, 1),), (CapacityStep(5, 9),)),
        overflow=("lose", "wait", "lose"),
    )
    x, y = draw_inputs(base, 5, 0), draw_inputs(more, 5, 0)
    for name in ATTRIBUTES:
        assert np.array_equal(getattr(x, name), getattr(y, name), equal_nan=True), name
    assert not np.array_equal(x.initial_capacity, y.initial_capacity)


def test_crn_surge_adds_patients_without_changing_the_others(make_params: ParamsFactory) -> None:
    base = make_params(days=200, per_day=5.0)
    surge = dataclasses.replace(base, arrivals=Arrivals(5.0, surges=((50.0, 120.0, 1.8),)))
    rate = 2.0 * 5.0
    x = draw_inputs(base, 9, 4, max_rate=rate)
    y = draw_inputs(surge, 9, 4, max_rate=rate)
    assert y.n_primary > x.n_primary
    # every baseline patient is in the surge run, with the same attributes
    pos = np.searchsorted(y.arrival[: y.n_primary], x.arrival[: x.n_primary])
    assert np.array_equal(y.arrival[pos], x.arrival[: x.n_primary])
    for name in ATTRIBUTES[1:]:
        assert np.array_equal(getattr(y, name)[pos], getattr(x, name)[: x.n_primary]), name
    extra = np.setdiff1d(y.arrival[: y.n_primary], x.arrival[: x.n_primary])
    assert np.all((extra >= 50.0) & (extra < 120.0))


def test_max_rate_below_rate_is_refused(make_params: ParamsFactory) -> None:
    with pytest.raises(ValueError, match="max_rate"):
        draw_inputs(make_params(per_day=5.0), 1, 0, max_rate=4.0)


def test_thinning_gives_the_requested_rate(make_params: ParamsFactory) -> None:
    params = make_params(days=2000, warm_up_days=0, per_day=3.0)
    x = draw_inputs(params, 1, 0)
    n = x.n_primary
    # Poisson count with mean 6000: within 4.5 standard deviations
    assert abs(n - 6000) < 4.5 * np.sqrt(6000)
    assert np.all(np.diff(x.arrival[:n]) > 0)
    assert x.arrival[0] >= 0 and x.arrival[n - 1] < 2000
