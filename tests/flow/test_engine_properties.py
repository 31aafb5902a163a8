"""Properties of the simulation on random small systems (Hypothesis): conservation, capacity,
FIFO and work conservation, consistent summaries, monotonicity in capacity, no delays when
capacity is unlimited."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr.flow.engine import simulate
from lsr.flow.engine_reference import PatientRecords, simulate_reference
from lsr.flow.outputs import summarise
from lsr.flow.parameters import CapacityStep, ChcAssessment, Duration, FlowParameters, Service
from lsr.flow.sampling import ASSESSORS, FlowInputs, draw_inputs

from flow_params import ParamsFactory, small_params

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.integers(0, 2**32 - 1)


def _check_timelines(x: FlowInputs, r: PatientRecords) -> None:
    n = r.n
    pw = x.pathway[:n]
    chc_h = x.needs_chc[:n] & x.chc_in_hospital
    arrived = ~np.isnan(r.arrival)
    assert np.all(arrived[: x.n_primary])
    # a later stage never happens without the earlier one, and never before it
    for a, b in [
        (r.arrival, r.fit),
        (r.fit, r.leave_acute),
        (r.assess_start, r.assess_end),
        (r.service_start, r.service_end),
    ]:
        assert not np.any(np.isnan(a) & ~np.isnan(b))
        both = ~np.isnan(b)
        assert np.all(a[both] <= b[both])
    assert np.all(np.isnan(r.assess_start[~chc_h]))
    h = chc_h & ~np.isnan(r.leave_acute)
    assert np.all(r.fit[h] <= r.assess_start[h])
    assert np.all(r.assess_end[h] <= r.leave_acute[h])
    # exactly one place at a time: acute [arrival, leave), then the service from the same instant
    served = ~np.isnan(r.service_start)
    assert np.array_equal(r.service_start[served], r.leave_acute[served])
    assert not np.any(served & r.overflowed)
    assert not np.any(served & (pw == 0))
    assert not np.any(r.overflowed & x.overflow_lose[np.maximum(pw - 1, 0)] & (pw == 0))
    assert np.all(x.overflow_lose[pw[r.overflowed] - 1])
    # patients who never wait leave when fit (or assessed)
    ready = np.where(chc_h, r.assess_end, r.fit)
    quick = ~np.isnan(r.leave_acute) & (r.delay_reason == 0)
    assert np.array_equal(r.leave_acute[quick], ready[quick])
    # pathway 0 leaves at once and nobody else leaves without service or overflow
    left = ~np.isnan(r.leave_acute)
    assert np.all(served[left] | r.overflowed[left] | (pw[left] == 0))
    extra = np.where(x.needs_chc[:n] & ~x.chc_in_hospital, x.chc_duration[:n], 0.0)
    done = ~np.isnan(r.service_end)
    stay = r.service_end[done] - r.service_start[done]
    np.testing.assert_allclose(stay, (x.service_duration[:n] + extra)[done], atol=1e-9)
    # readmissions come from readmitted patients, in order, delay days later
    q = np.flatnonzero(r.is_readmission)
    assert np.array_equal(q, np.arange(x.n_primary, n))
    idx = r.index_patient[q]
    assert np.all(x.readmitted[idx])
    assert np.all(np.diff(r.leave_acute[idx]) >= 0)
    ok = ~np.isnan(r.arrival[q])
    np.testing.assert_allclose(
        r.arrival[q][ok], (r.leave_acute[idx] + x.readmission_delay[idx])[ok], atol=1e-9
    )


def _occupancy_after(start: np.ndarray, end: np.ndarray, t: np.ndarray) -> np.ndarray:
    s = np.sort(start[~np.isnan(start)])
    e = np.sort(np.where(np.isnan(end), np.inf, end)[~np.isnan(start)])
    return np.searchsorted(s, t, side="right") - np.searchsorted(e, t, side="right")


def _join_order(x: FlowInputs, r: PatientRecords, res: int) -> np.ndarray:
    """Positions (within the patients of resource ``res``) of those who joined its queue, in the
    order the engine processed their joining: by (time, event priority, sequence number).

    The sequence number is not recorded, so it is derived from when each event was scheduled
    (sequence numbers grow with processing order, hence with simulated time):

    - arrivals at one instant go in slot order (primary slots are numbered first and in order;
      readmission slots are handed out in the order their arrivals are scheduled);
    - a medically-fit event is scheduled on arrival, so fit events at one instant go in arrival
      order: (arrival, slot);
    - the assessor queue is joined when fit, so in (fit, arrival, slot) order;
    - an assessment-complete event is scheduled when the assessment starts, so they go by
      start time, and for starts at the same instant by their place in the assessor queue
      (FIFO): (assess_start, fit, arrival, slot);
    - a service is requested when the assessment completes (priority 1) for a CHC assessment in
      hospital, otherwise when fit (priority 3); at the same instant priority 1 goes first.

    So at equal times the order is NOT simply the slot index (a patient assessed first may have
    the higher slot)."""
    n = r.n
    slot = np.arange(n)
    chc_h = x.needs_chc[:n] & x.chc_in_hospital
    if res == ASSESSORS:
        sel = chc_h
        keys = (slot, r.arrival, r.fit)
    else:
        sel = x.pathway[:n] == res + 1
        zero = np.zeros(n)
        keys = (
            slot,
            np.where(chc_h, r.arrival, zero),
            np.where(chc_h, r.fit, zero),
            np.where(chc_h, r.assess_start, r.arrival),
            np.where(chc_h, 1, 3),
            np.where(chc_h, r.assess_end, r.fit),
        )
    keys = tuple(k[sel] for k in keys)
    joined = np.flatnonzero(~np.isnan(keys[-1]))
    return joined[np.lexsort(tuple(k[joined] for k in keys))]


def _check_capacity_and_queues(x: FlowInputs, r: PatientRecords) -> None:
    n = r.n
    pw = x.pathway[:n]
    chc_h = x.needs_chc[:n] & x.chc_in_hospital
    ready = np.where(chc_h, r.assess_end, r.fit)  # when the service is requested
    resources = [(s, pw == s + 1, r.service_start, r.service_end, ready) for s in range(3)]
    resources.append((ASSESSORS, chc_h, r.assess_start, r.assess_end, r.fit))
    for res, sel, start, end, join in resources:
        st_, en, jn = start[sel], end[sel], join[sel]
        t = st_[~np.isnan(st_)]
        if t.size:
            occ = _occupancy_after(st_, en, t)
            before = x.capacity_at(res, np.nextafter(t, -np.inf))
            # admissions only up to capacity (a decrease at the same instant may come after)
            assert np.all(occ <= np.maximum(x.capacity_at(res, t), before))
        # work conservation: whoever had to wait found every place taken
        waited = ~np.isnan(jn) & (np.isnan(st_) | (st_ > jn))
        if res < 3:
            waited &= ~x.overflow_lose[res] & ~r.overflowed[sel]
        tj = jn[waited]
        if tj.size:
            occ_j = _occupancy_after(st_, en, tj)
            assert np.all(occ_j >= x.capacity_at(res, tj))
        # FIFO: patients start in the order they joined (the engine's event order at ties)
        started = ~np.isnan(st_) & ~np.isnan(jn)
        if res < 3:
            started &= ~r.overflowed[sel]
        order = _join_order(x, r, res)
        assert np.all(np.diff(jn[order]) >= 0)
        assert np.array_equal(np.sort(order), np.flatnonzero(~np.isnan(jn)))
        order = order[started[order]]
        assert np.all(np.diff(st_[order]) >= 0)
        # nobody queued is left behind by a later joiner
        not_started = ~np.isnan(jn) & np.isnan(st_)
        if res < 3:
            not_started &= ~r.overflowed[sel] & ~x.overflow_lose[res]
        if not_started.any() and started.any():
            assert jn[not_started].min() >= jn[started].max() or np.isclose(
                jn[not_started].min(), jn[started].max()
            )


@SETTINGS
@given(params=small_params(), seed=SEEDS)
def test_conservation_capacity_and_fifo(params: FlowParameters, seed: int) -> None:
    x = draw_inputs(params, seed, 0)
    r = simulate(x)
    _check_timelines(x, r)
    _check_capacity_and_queues(x, r)


@SETTINGS
@given(params=small_params(), seed=SEEDS)
def test_summary_is_consistent(params: FlowParameters, seed: int) -> None:
    x = draw_inputs(params, seed, 0)
    r = simulate(x)
    s = summarise(params, x, r)
    d, t = s.daily, s.totals
    assert len(d) == params.days
    assert (d.drop(columns=["date"]).to_numpy() >= 0).all()
    reasons = ["delayed_A", "delayed_C", "delayed_Di", "delayed_Dii", "delayed_E", "delayed_G"]
    assert (d[reasons].sum(axis=1) == d["acute_delayed"]).all()
    assert (d["delayed_nhs"] + d["delayed_social_care"] == d["acute_delayed"]).all()
    assert (d["acute_delayed"] <= d["acute_occupied"]).all()
    assert (d["delayed_both"] == 0).all()
    # capacity changes fall on whole days (see conftest), so between two middays places are
    # only taken up to the capacity of one of the two days; the occupancy half a day earlier
    # comes from the records, since the warm-up may leave a service above capacity on day 0
    pw = x.pathway[: r.n]
    day = d["day"].to_numpy()
    for i, svc in enumerate(("home_care", "step_down", "care_home")):
        cap = x.capacity_at(i, day + 0.5)
        prev = x.capacity_at(i, day - 0.5)
        sel = pw == i + 1
        before = _occupancy_after(r.service_start[sel], r.service_end[sel], day - 0.5)
        assert (d[f"{svc}_occupied"] <= np.maximum(cap, np.maximum(prev, before))).all()
    by_reason = sum(t[f"delayed_days_{k}"] for k in ("A", "C", "Di", "Dii", "E", "G"))
    assert np.isclose(by_reason, t["delayed_days"], rtol=1e-9, atol=1e-9)
    assert np.isclose(
        t["delayed_days_nhs"] + t["delayed_days_social_care"], t["delayed_days"], atol=1e-9
    )
    assert t["delayed_days"] <= t["acute_bed_days"] + 1e-9
    assert t["admissions"] == d["arrivals"].sum()
    # the daily midday counts and the totals' exact integrals come from the same step
    # functions, so both are bounded by the step function's peak over the period (the midday
    # counts alone bound nothing: a stay between two middays is in the integral only)
    for start, end, count, total in [
        (r.arrival, r.leave_acute, "acute_occupied", "acute_bed_days"),
        (r.fit, r.leave_acute, "acute_delayed", "delayed_days"),
    ]:
        jumps = start[(start > 0) & (start < params.days)]
        peak = _occupancy_after(start, end, np.append(jumps, 0.0)).max()
        assert d[count].max() <= peak
        assert t[total] <= peak * params.days + 1e-9
    assert t["events"] == r.events


def _double(params: FlowParameters, which: int) -> FlowParameters:
    svc = params.services[which]
    doubled = tuple(CapacityStep(s.day, 2 * s.capacity) for s in svc.capacity)
    services = list(params.services)
    services[which] = dataclasses.replace(svc, capacity=doubled)
    return dataclasses.replace(params, services=tuple(services))


WAIT_REASONS = {0: ("E",), 1: ("C",), 2: ("Di", "Dii", "G")}


@SETTINGS
@given(params=small_params(), seed=SEEDS, which=st.integers(0, 2))
def test_doubling_capacity_never_adds_delay(params: FlowParameters, seed: int, which: int) -> None:
    """Without readmissions the times at which patients ask for a service do not depend on its
    capacity, and a FIFO queue with more places (at every moment) never starts anyone later, so
    the delayed days for that service cannot increase. (With readmissions the reserve slots are
    handed out in a different order and this need not hold pathwise. Nor does it hold for a
    service whose overflow is "lose": in a loss system a patient admitted thanks to the extra
    places can fill the place that a later patient would have had, so the service is made to
    wait here.)"""
    services = list(params.services)
    services[which] = dataclasses.replace(services[which], overflow="wait")
    params = dataclasses.replace(params, readmission_probability=0.0, services=tuple(services))
    more = _double(params, which)
    a = summarise(params, x := draw_inputs(params, seed, 0), simulate(x)).totals
    b = summarise(more, y := draw_inputs(more, seed, 0), simulate(y)).totals
    for reason in WAIT_REASONS[which]:
        assert b[f"delayed_days_{reason}"] <= a[f"delayed_days_{reason}"] + 1e-9
    assert b["delayed_days_A"] == a["delayed_days_A"]
    ra, rb = simulate(x), simulate(y)
    s = ra.service_start[x.pathway[: ra.n] == which + 1]
    s2 = rb.service_start[y.pathway[: rb.n] == which + 1]
    # every patient starts no later (never-started counts as +inf)
    assert np.all(np.nan_to_num(s2, nan=np.inf) <= np.nan_to_num(s, nan=np.inf))


@SETTINGS
@given(params=small_params(), seed=SEEDS)
def test_no_delays_with_unlimited_capacity(params: FlowParameters, seed: int) -> None:
    huge = (CapacityStep(-1e9, 10**6),)
    params = dataclasses.replace(
        params,
        services=tuple(dataclasses.replace(s, capacity=huge) for s in params.services),
        chc=dataclasses.replace(params.chc, assessors=huge),
    )
    x = draw_inputs(params, seed, 0)
    r = simulate(x)
    t = summarise(params, x, r).totals
    assert t["overflow"] == 0
    for k in ("C", "Di", "Dii", "E", "G"):
        assert t[f"delayed_days_{k}"] == 0
    assert not r.delay_reason.any()
    # the only delay left is the hospital CHC assessment itself, started at once
    h = ~np.isnan(r.assess_start)
    assert np.array_equal(r.assess_start[h], r.fit[h])
    if not x.chc_in_hospital:
        assert t["delayed_days"] == 0


def test_community_assessment_moves_delay_out_of_hospital(make_params: ParamsFactory) -> None:
    hospital = make_params(days=200, chc=ChcAssessment(0.5, "hospital"))
    community = make_params(days=200, chc=ChcAssessment(0.5, "community"))
    th = summarise(hospital, x := draw_inputs(hospital, 4, 0), simulate(x)).totals
    tc = summarise(community, y := draw_inputs(community, 4, 0), simulate(y)).totals
    assert th["delayed_days_A"] > 0
    assert tc["delayed_days_A"] == 0
    # the community assessment lengthens the downstream stays instead
    assert tc["bed_days_home_care"] > 0
    assert np.array_equal(x.chc_duration, y.chc_duration)


def test_lost_patients_are_overflow_not_delays(make_params: ParamsFactory) -> None:
    params = make_params(
        days=120,
        split=(0.0, 1.0, 0.0, 0.0),
        capacities=((CapacityStep(-1e9, 2),), (CapacityStep(-1e9, 1),), (CapacityStep(-1e9, 1),)),
        overflow=("lose", "wait", "wait"),
    )
    t = summarise(params, x := draw_inputs(params, 2, 0), simulate(x)).totals
    assert t["overflow_home_care"] > 50
    assert t["delayed_days"] == 0


def test_reserve_exhaustion_is_counted(make_params: ParamsFactory) -> None:
    params = make_params(days=100, readmission_probability=0.5)
    x = draw_inputs(params, 1, 0, reserve=5)
    r = simulate(x)
    assert r.n == x.n_primary + 5
    assert r.dropped_readmissions > 0
    t = summarise(params, x, r).totals
    assert t["dropped_readmissions"] == r.dropped_readmissions


def test_capacity_steps_on_the_same_day_act_as_the_last(make_params: ParamsFactory) -> None:
    """Several steps of one service on the same day act as the last of them alone (the capacity
    in force, ``FlowInputs.capacity_at``): a place that exists for no time admits nobody."""
    one = Duration(1.0, 0.0, "fixed")
    for last, admitted in ((0, False), (1, True)):
        steps = (CapacityStep(-1e9, 0), CapacityStep(2.0, 1 - last), CapacityStep(2.0, last))
        params = make_params(
            days=5,
            warm_up_days=0,
            per_day=1.0,
            acute_los=one,
            split=(0.0, 0.0, 1.0, 0.0),
            capacities=((CapacityStep(-1e9, 0),), steps, (CapacityStep(-1e9, 0),)),
            los=(one, one, one),
        )
        x = draw_inputs(params, 0, 0)
        for r in (simulate(x), simulate_reference(x)):
            assert np.sum(r.fit < 2.0) >= 1  # someone is waiting for step-down on day 2
            assert np.any(r.service_start == 2.0) == admitted
            assert np.all(np.isnan(r.service_start)) != admitted  # capacity 0 otherwise


def test_service_validation(make_params: ParamsFactory) -> None:
    import pytest

    params = make_params()
    bad = dataclasses.replace(
        params, services=(*params.services[:2], Service("x", (), params.services[2].length_of_stay))
    )
    with pytest.raises(ValueError):
        draw_inputs(bad, 1, 0)
