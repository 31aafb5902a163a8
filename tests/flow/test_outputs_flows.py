"""Flows between services in the run summary: a hand-checked tiny system, conservation on random
systems (every patient leaving the acute bed counted once), and agreement of both engines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from lsr.flow.engine import simulate
from lsr.flow.engine_reference import PatientRecords, simulate_reference
from lsr.flow.outputs import FLOW_COLUMNS, FLOW_DESTINATIONS, summarise
from lsr.flow.parameters import CapacityStep, Duration, FlowParameters
from lsr.flow.sampling import FlowInputs, draw_inputs

from flow_params import build_params, small_params

DAYS = 10

# The tiny system: one place in each service; step-down beds overflow ("lose") when full, the
# others make the patient wait. One day of warm-up. Fixed durations, no CHC.
#
# slot  arrival  acute stay  fit    pathway  service stay  what happens
# P7    -0.9     0.5         -0.4   0        -             home during the warm-up: not counted
# P0     0.2     1.0          1.2   0        -             home on day 1; readmitted 2 days later
# P5     0.4     7.2          7.6   3        1.0           care home on day 7 (stay over 7 days)
# P1     0.5     2.0          2.5   1        3.0           home care on day 2 (until 5.5)
# P2     1.0     2.0          3.0   1        3.0           waits for home care, moves on day 5
# P3     1.5     1.0          2.5   2        4.0           step-down bed on day 2 (until 6.5)
# P4     2.0     1.0          3.0   2        4.0           step-down full: placed elsewhere day 3
# P6     8.0     5.0         13.0   0        -             still in the acute bed at the end
# R0     3.2     1.0          4.2   0        -             P0's readmission: home on day 4
ARRIVAL = [-0.9, 0.2, 0.4, 0.5, 1.0, 1.5, 2.0, 8.0, math.nan]
ACUTE_LOS = [0.5, 1.0, 7.2, 2.0, 2.0, 1.0, 1.0, 5.0, 1.0]
PATHWAY = [0, 0, 3, 1, 1, 2, 2, 0, 0]
SERVICE_STAY = [0.0, 0.0, 1.0, 3.0, 3.0, 4.0, 4.0, 0.0, 0.0]
READMITTED = [False, True, False, False, False, False, False, False, False]
READMISSION_DELAY = [0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def tiny_system() -> tuple[FlowParameters, FlowInputs]:
    fixed = Duration(1.0, 0.0, "fixed")
    params = build_params(
        days=DAYS,
        warm_up_days=1,
        acute_los=fixed,
        los=(fixed, fixed, fixed),
        capacities=((CapacityStep(-1e9, 1),),) * 3,
        overflow=("wait", "lose", "wait"),
    )
    n = len(ARRIVAL)
    zeros = np.zeros(n, dtype=bool)
    inputs = FlowInputs(
        arrival=np.array(ARRIVAL),
        acute_los=np.array(ACUTE_LOS),
        pathway=np.array(PATHWAY, dtype=np.int64),
        needs_chc=zeros,
        self_funder=zeros,
        nursing=zeros,
        service_duration=np.array(SERVICE_STAY),
        chc_duration=np.zeros(n),
        readmitted=np.array(READMITTED),
        readmission_delay=np.array(READMISSION_DELAY),
        n_primary=n - 1,
        initial_capacity=np.array([1, 1, 1, 1], dtype=np.int64),
        cap_time=np.zeros(0),
        cap_resource=np.zeros(0, dtype=np.int64),
        cap_value=np.zeros(0, dtype=np.int64),
        overflow_lose=np.array([False, True, False]),
        chc_in_hospital=True,
        warm_up=1.0,
        horizon=float(DAYS),
        max_rate=10.0,
    )
    return params, inputs


def by_day(**counts: int) -> list[int]:
    """``by_day(d1=1, d4=1)`` -> ``[0, 1, 0, 0, 1, 0, ...]`` over the period."""
    out = [0] * DAYS
    for key, value in counts.items():
        out[int(key[1:])] = value
    return out


EXPECTED = {
    "flow_home": by_day(d1=1, d4=1),  # P0, then its readmission R0
    "flow_home_care": by_day(d2=1, d5=1),  # P1; P2 after waiting for P1's place
    "flow_step_down": by_day(d2=1),  # P3
    "flow_care_home": by_day(d7=1),  # P5
    "flow_overflow_home_care": by_day(),
    "flow_overflow_step_down": by_day(d3=1),  # P4, step-down bed taken by P3
    "flow_overflow_care_home": by_day(),
    "flow_readmitted": by_day(d3=1),  # R0 arrives at 3.2
    "left_acute": by_day(d1=1, d2=2, d3=1, d4=1, d5=1, d7=1),
    "left_acute_over_7": by_day(d7=1),  # P5: 7.2 days
    "readmissions_within_30": by_day(d1=1),  # P0, readmitted 2 days after leaving
}


@pytest.mark.parametrize("engine", [simulate, simulate_reference], ids=["compiled", "reference"])
def test_flows_of_a_tiny_system_by_hand(engine) -> None:  # type: ignore[no-untyped-def]
    params, inputs = tiny_system()
    records = engine(inputs)
    assert records.n == len(ARRIVAL) and records.dropped_readmissions == 0
    summary = summarise(params, inputs, records)
    for column, expected in EXPECTED.items():
        assert summary.daily[column].tolist() == expected, column
    t = summary.totals
    assert t["flow_home"] == 2 and t["flow_home_care"] == 2 and t["flow_step_down"] == 1
    assert t["flow_care_home"] == 1 and t["flow_overflow_step_down"] == 1
    assert t["flow_overflow_home_care"] == 0 and t["flow_overflow_care_home"] == 0
    assert t["flow_readmitted"] == 1 == t["readmissions"]
    assert t["discharges"] == 7  # P0, P1, P2, P3, P4, P5, R0 (not P7: warm-up; not P6)
    assert t["share_los_over_7"] == pytest.approx(1 / 7)


def destination(r: PatientRecords, pathway: np.ndarray, i: int) -> str:
    """Where slot ``i`` went on leaving the acute bed, decided one patient at a time."""
    if r.overflowed[i]:
        return f"overflow_{('home_care', 'step_down', 'care_home')[pathway[i] - 1]}"
    if math.isnan(r.service_start[i]):
        return "home"
    assert r.service_start[i] == r.leave_acute[i]  # moved straight into the service
    return ("home_care", "step_down", "care_home")[pathway[i] - 1]


def check_flows(params: FlowParameters, inputs: FlowInputs, records: PatientRecords) -> None:
    s = summarise(params, inputs, records)
    d, t = s.daily, s.totals
    days = params.days
    # a second count, patient by patient, of the flows out of the acute bed
    expected = {f"flow_{dest}": np.zeros(days, dtype=np.int64) for dest in FLOW_DESTINATIONS}
    left_in_period = 0
    for i in range(records.n):
        leave = records.leave_acute[i]
        if math.isnan(leave) or not 0 <= leave < days:
            continue
        left_in_period += 1
        expected[f"flow_{destination(records, inputs.pathway, i)}"][math.floor(leave)] += 1
    for column, counts in expected.items():
        assert d[column].tolist() == counts.tolist(), column
    # conservation: the flows out of the acute bed add up to the patients leaving it, each day
    out = sum(d[f"flow_{dest}"] for dest in FLOW_DESTINATIONS)
    assert out.tolist() == d["left_acute"].tolist()
    assert int(d["left_acute"].sum()) == left_in_period == t["discharges"]
    assert sum(t[f"flow_{dest}"] for dest in FLOW_DESTINATIONS) == t["discharges"]
    for column in FLOW_COLUMNS:
        assert t[column] == d[column].sum()
    assert t["flow_readmitted"] == t["readmissions"]
    assert t["overflow"] == sum(
        t[f"flow_overflow_{svc}"] for svc in ("home_care", "step_down", "care_home")
    )
    for svc in ("home_care", "step_down", "care_home"):
        assert d[f"flow_overflow_{svc}"].tolist() == d[f"overflow_{svc}"].tolist()
    if t["discharges"]:
        assert d["left_acute_over_7"].sum() / t["discharges"] == pytest.approx(
            t["share_los_over_7"]
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=small_params())
def test_flows_are_conserved_and_the_engines_agree(params: FlowParameters) -> None:
    inputs = draw_inputs(params, 11, 0)
    a, b = simulate(inputs), simulate_reference(inputs)
    check_flows(params, inputs, a)
    sa, sb = summarise(params, inputs, a), summarise(params, inputs, b)
    assert sa.daily.equals(sb.daily)
    assert sa.totals == pytest.approx(sb.totals, nan_ok=True)


def test_flows_on_a_busy_system_with_overflow_and_readmissions() -> None:
    """A larger system where every destination and readmissions occur."""
    params = build_params(
        days=120,
        warm_up_days=30,
        per_day=12.0,
        capacities=((CapacityStep(-1e9, 15),), (CapacityStep(-1e9, 6),), (CapacityStep(-1e9, 8),)),
        overflow=("lose", "lose", "wait"),
        readmission_probability=0.2,
    )
    inputs = draw_inputs(params, 5, 1)
    records = simulate(inputs)
    check_flows(params, inputs, records)
    t = summarise(params, inputs, records).totals
    for dest in (*FLOW_DESTINATIONS[:6], "readmitted"):
        assert t[f"flow_{dest}"] > 0, dest  # the check above was not vacuous
    assert t["flow_overflow_care_home"] == 0  # care homes make patients wait instead
