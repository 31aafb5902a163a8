"""Sampling draws only what is used, with the same numbers, and common random numbers hold.

- :func:`draw_inputs` applies inverse distribution functions only to accepted arrivals and only
  where an attribute is used; its output is compared, array by array, with a slow reference
  copy of the earlier sampler (which transformed every thinning candidate), on random systems.
- Common random numbers (Hypothesis, random systems and seeds): a change in anything that does
  not touch the arrival stream (capacities, overflow rules, CHC place, assessors, bed base) leaves
  every patient's arrival and attributes unchanged; a change of one duration distribution
  changes only that duration, monotonically; a surge that raises the rate only adds patients,
  never changing the attributes of those both runs share; the readmission reserve is shared slot
  by slot whatever its size.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr.flow import sampling
from lsr.flow.parameters import PATHWAY_SERVICE, CapacityStep, Duration, FlowParameters
from lsr.flow.sampling import draw_inputs, patient_key, sample_duration, stream, with_system

from flow_params import small_params

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.integers(0, 2**32 - 1)
REPS = st.integers(0, 50)
ATTRIBUTES = (
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


def _reference_attributes(
    params: FlowParameters, seed: int, replication: int, n: int, prefix: str
) -> dict[str, np.ndarray]:
    """The earlier sampler: every slot's durations transformed, kept or not (slow)."""

    def u(name: str) -> np.ndarray:
        return stream(seed, replication, prefix + name).random(n)

    cum = np.cumsum(np.asarray(params.pathway_split, dtype=np.float64))
    pathway = np.minimum(np.searchsorted(cum, u("pathway"), side="right"), 3).astype(np.int64)
    acute_los = sample_duration(params.acute_length_of_stay, u("acute_los"))
    needs_chc = (pathway >= 1) & (u("chc") < params.chc.probability)
    p3 = pathway == 3
    self_funder = p3 & (u("self_funder") < params.self_funder_share)
    nursing = p3 & (u("nursing") < params.nursing_share)
    u_service = u("service_duration")
    service_duration = np.zeros(n)
    for pw, name in PATHWAY_SERVICE.items():
        if name is not None:
            sel = pathway == pw
            service_duration[sel] = sample_duration(
                params.service(name).length_of_stay, u_service[sel]
            )
    chc_duration = np.where(needs_chc, sample_duration(params.chc.duration, u("chc_duration")), 0)
    return {
        "acute_los": acute_los,
        "pathway": pathway,
        "needs_chc": needs_chc,
        "self_funder": self_funder,
        "nursing": nursing,
        "service_duration": service_duration,
        "chc_duration": chc_duration,
        "readmitted": u("readmitted") < params.readmission_probability,
        "readmission_delay": 30.0 * u("readmission_delay"),
    }


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


@SETTINGS
@given(small_params(), SEEDS, REPS)
def test_sampler_gives_the_reference_numbers(params: FlowParameters, seed: int, rep: int) -> None:
    x = draw_inputs(params, seed, rep)
    t0, t1 = -float(params.warm_up_days), float(params.days)
    cand = (
        sampling._candidate_times(seed, rep, x.max_rate, t0, t1)
        if params.arrivals.per_day > 0
        else np.zeros(0)
    )
    accept = stream(seed, rep, "thinning").random(cand.shape[0]) * x.max_rate < (
        sampling.arrival_rate(params, cand)
    )
    primary = _reference_attributes(params, seed, rep, cand.shape[0], "")
    reserve = _reference_attributes(params, seed, rep, x.n_reserve, "reserve:")
    assert x.n_primary == int(accept.sum())
    assert np.array_equal(x.arrival[: x.n_primary], cand[accept])
    for name in ATTRIBUTES:
        want = np.concatenate([primary[name][accept], reserve[name]])
        assert getattr(x, name).dtype == want.dtype, name
        assert _same(getattr(x, name), want), name


def _steps(draw: st.DrawFn) -> tuple[CapacityStep, ...]:
    first = CapacityStep(-1e9, draw(st.integers(0, 9)))
    later = draw(st.lists(st.integers(-15, 40), max_size=2))
    return (first, *(CapacityStep(float(d), draw(st.integers(0, 9))) for d in later))


@st.composite
def _not_arrivals(draw: st.DrawFn, params: FlowParameters) -> FlowParameters:
    """``params`` with changes that leave the arrival stream alone."""
    services = tuple(
        dataclasses.replace(
            s,
            capacity=_steps(draw),
            overflow=draw(st.sampled_from(["wait", "lose"])),
            unit_cost=draw(st.floats(0, 500)),
        )
        for s in params.services
    )
    chc = dataclasses.replace(
        params.chc, where=draw(st.sampled_from(["hospital", "community"])), assessors=_steps(draw)
    )
    return dataclasses.replace(
        params,
        services=services,
        chc=chc,
        acute_beds=draw(st.integers(0, 900)),
        adult_population=draw(st.floats(0, 1e6)),
    )


@SETTINGS
@given(st.data(), small_params(), SEEDS, REPS)
def test_crn_changes_off_the_arrival_stream_keep_every_patient(
    data: st.DataObject, params: FlowParameters, seed: int, rep: int
) -> None:
    other = data.draw(_not_arrivals(params))
    rate = sampling.default_max_rate(params)
    x, y = (
        draw_inputs(params, seed, rep, max_rate=rate),
        draw_inputs(other, seed, rep, max_rate=rate),
    )
    assert x.n_primary == y.n_primary and x.n_slots == y.n_slots
    assert _same(x.arrival, y.arrival)
    for name in ATTRIBUTES:
        assert _same(getattr(x, name), getattr(y, name)), name


@SETTINGS
@given(st.data(), small_params(), SEEDS, REPS)
def test_crn_a_duration_change_moves_only_that_duration_monotonically(
    data: st.DataObject, params: FlowParameters, seed: int, rep: int
) -> None:
    k = data.draw(st.integers(0, 2))
    old = params.services[k].length_of_stay
    factor = data.draw(st.floats(1.01, 3.0))
    longer = Duration(old.mean * factor, old.sd * factor, old.distribution)
    services = list(params.services)
    services[k] = dataclasses.replace(services[k], length_of_stay=longer)
    other = dataclasses.replace(params, services=tuple(services))
    rate = sampling.default_max_rate(params)
    x, y = (
        draw_inputs(params, seed, rep, max_rate=rate),
        draw_inputs(other, seed, rep, max_rate=rate),
    )
    assert _same(x.arrival, y.arrival)
    for name in ATTRIBUTES:
        if name != "service_duration":
            assert _same(getattr(x, name), getattr(y, name)), name
    on = x.pathway == k + 1
    assert _same(x.service_duration[~on], y.service_duration[~on])
    assert np.all(y.service_duration[on] >= x.service_duration[on])


@SETTINGS
@given(
    small_params(),
    SEEDS,
    REPS,
    st.floats(0.0, 40.0),
    st.floats(1.0, 30.0),
    st.floats(1.01, 2.0),
)
def test_crn_a_surge_only_adds_patients(
    params: FlowParameters, seed: int, rep: int, start: float, length: float, m: float
) -> None:
    surge = dataclasses.replace(
        params,
        arrivals=dataclasses.replace(
            params.arrivals, surges=(*params.arrivals.surges, (start, start + length, m))
        ),
    )
    rate = max(sampling.default_max_rate(params), sampling.default_max_rate(surge))
    x, y = (
        draw_inputs(params, seed, rep, max_rate=rate),
        draw_inputs(surge, seed, rep, max_rate=rate),
    )
    xa, ya = x.arrival[: x.n_primary], y.arrival[: y.n_primary]
    assert y.n_primary >= x.n_primary
    pos = np.searchsorted(ya, xa)
    assert np.array_equal(ya[pos], xa)  # every baseline patient is in the surge run ...
    for name in ATTRIBUTES:  # ... with the same attributes
        assert _same(getattr(y, name)[pos], getattr(x, name)[: x.n_primary]), name
    extra = np.setdiff1d(ya, xa)
    assert np.all((extra >= start) & (extra < start + length))
    # the readmission reserve is shared slot by slot (its size follows the admissions)
    k = min(x.n_reserve, y.n_reserve)
    for name in ATTRIBUTES:
        a = getattr(x, name)[x.n_primary : x.n_primary + k]
        b = getattr(y, name)[y.n_primary : y.n_primary + k]
        assert _same(a, b), name


@SETTINGS
@given(st.data(), small_params(), SEEDS, REPS)
def test_with_system_is_draw_inputs_without_redrawing(
    data: st.DataObject, params: FlowParameters, seed: int, rep: int
) -> None:
    """The what-if shortcut: same patients, the other system, as if drawn afresh."""
    other = data.draw(_not_arrivals(params))
    assert patient_key(other) == patient_key(params)
    rate = sampling.default_max_rate(params)
    got = with_system(draw_inputs(params, seed, rep, max_rate=rate), other)
    want = draw_inputs(other, seed, rep, max_rate=rate)
    for f in dataclasses.fields(want):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, np.ndarray):
            assert a.dtype == b.dtype and _same(a, b), f.name
        else:
            assert a == b, f.name


def test_patient_key_sees_every_patient_parameter(make_params) -> None:  # type: ignore[no-untyped-def]
    base = make_params(readmission_probability=0.1)
    changes = {
        "days": 61,
        "warm_up_days": 11,
        "arrivals": dataclasses.replace(base.arrivals, per_day=4.5),
        "acute_length_of_stay": Duration(3.0, 2.5),
        "pathway_split": (0.5, 0.2, 0.2, 0.1),
        "self_funder_share": 0.3,
        "nursing_share": 0.2,
        "readmission_probability": 0.2,
        "chc": dataclasses.replace(base.chc, probability=0.4),
    }
    for field, value in changes.items():
        assert patient_key(dataclasses.replace(base, **{field: value})) != patient_key(base), field
    services = (dataclasses.replace(base.services[0], length_of_stay=Duration(6.0, 3.0)),)
    other = dataclasses.replace(base, services=services + base.services[1:])
    assert patient_key(other) != patient_key(base)


@SETTINGS
@given(st.data(), small_params(), SEEDS, REPS, st.floats(0.5, 2.0), st.floats(0.0, 30.0))
def test_draw_inputs_many_equals_separate_draws(
    data: st.DataObject, params: FlowParameters, seed: int, rep: int, m: float, start: float
) -> None:
    """Sharing candidates, thinning and attributes between a base case, a surge (or a fall),
    a system change and a longer stay gives exactly the separate draws."""
    surge = dataclasses.replace(
        params,
        arrivals=dataclasses.replace(params.arrivals, surges=((start, start + 10.0, m),)),
    )
    other_system = data.draw(_not_arrivals(params))
    services = list(params.services)
    los = services[0].length_of_stay
    services[0] = dataclasses.replace(
        services[0], length_of_stay=Duration(los.mean * 1.5, los.sd * 1.5, los.distribution)
    )
    longer = dataclasses.replace(params, services=tuple(services))
    every = [params, surge, other_system, longer, surge]
    rate = max(sampling.default_max_rate(p) for p in every)
    many = sampling.draw_inputs_many(every, seed, rep)
    for p, got in zip(every, many, strict=True):
        want = draw_inputs(p, seed, rep, max_rate=rate)
        for f in dataclasses.fields(want):
            a, b = getattr(got, f.name), getattr(want, f.name)
            if isinstance(b, np.ndarray):
                assert a.dtype == b.dtype and _same(a, b), f.name
            else:
                assert a == b, f.name
