"""The reference engine: a plain Python event loop with :mod:`heapq` (the specification).

It is written to be read. :mod:`lsr.flow.engine` runs the same logic compiled with numba and
must produce identical :class:`PatientRecords` on the same :class:`~lsr.flow.sampling.FlowInputs`.

Events and their priorities at equal times (lower first):

==========  ============================  =========================================
priority    event                         what happens
==========  ============================  =========================================
0           downstream service complete   place freed; head of that service's queue moves in
1           CHC assessment complete       assessor freed (next in the assessor queue starts);
                                          the patient requests the downstream service
2           capacity change               new capacity; queue heads move in if places free
                                          (a change superseded at the same instant is ignored)
3           medically fit                 pathway 0 leaves; CHC in hospital joins the assessor
                                          queue; others request their service
4           arrival                       the patient takes an acute bed; fit after acute LOS
==========  ============================  =========================================

Tie-breaking: events are ordered by (time, priority, sequence number). Sequence numbers are
given when an event is scheduled: first the capacity changes (in the order of
``FlowInputs.cap_time``), then the primary arrivals (slot order), then every event scheduled
while running, in the order scheduled. Within one event the order of actions is fixed (as
written below) so both engines schedule in the same order.

Requesting a service: if a place is free (and nobody is queueing) the patient moves (leaving the
acute bed); if full and the overflow rule is ``"lose"`` the patient leaves at once, counted as
overflow; if ``"wait"`` the patient joins the service's FIFO queue and stays in the acute bed,
delayed with a reason code. Capacity decreases never evict anyone. Several changes of one
resource at the same instant act as the last of them alone (as
:meth:`~lsr.flow.sampling.FlowInputs.capacity_at` defines the capacity in force): the earlier
ones are superseded and ignored, so no one is admitted on a capacity that is never in force
for any length of time. On leaving the acute bed a
patient marked ``readmitted`` takes the next reserve slot, arriving ``readmission_delay`` days
later (if the reserve is exhausted the readmission is dropped and counted).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from lsr.flow.sampling import ASSESSORS, FlowInputs

#: Delay reason codes (index = code in ``PatientRecords.delay_reason``); code 0 = not delayed.
REASONS: tuple[str, ...] = ("", "A", "C", "Di", "Dii", "E", "G")
#: Responsible agency per reason (national DToC collection); "both" is never assigned here.
REASON_AGENCY: dict[str, str] = {
    "A": "nhs",
    "C": "nhs",
    "G": "nhs",
    "Di": "social_care",
    "Dii": "social_care",
    "E": "social_care",
}
R_NONE, R_A, R_C, R_DI, R_DII, R_E, R_G = range(7)

SERVICE_DONE, ASSESS_DONE, CAP_CHANGE, FIT, ARRIVAL = range(5)


@dataclass(frozen=True, eq=False)
class PatientRecords:
    """What happened to each patient slot used (primary patients, then readmissions used).

    Times are days from the start; NaN = did not happen before the horizon (or not at all).
    ``delay_reason`` is the reason code (see :data:`REASONS`) of waiting in the acute bed for
    the downstream service (0 if the patient never waited for it); a hospital CHC assessment
    delay (reason A) runs from ``fit`` to ``assess_end``. ``index_patient`` is the slot whose
    readmission this is (-1 for primary patients).
    """

    arrival: np.ndarray
    fit: np.ndarray
    assess_start: np.ndarray
    assess_end: np.ndarray
    leave_acute: np.ndarray
    service_start: np.ndarray
    service_end: np.ndarray
    overflowed: np.ndarray
    delay_reason: np.ndarray
    is_readmission: np.ndarray
    index_patient: np.ndarray
    events: int
    dropped_readmissions: int

    FIELDS = (
        "arrival",
        "fit",
        "assess_start",
        "assess_end",
        "leave_acute",
        "service_start",
        "service_end",
        "overflowed",
        "delay_reason",
        "is_readmission",
        "index_patient",
    )

    @property
    def n(self) -> int:
        """Number of slots used."""
        return int(self.arrival.shape[0])

    def equals(self, other: PatientRecords) -> bool:
        """Exact equality of every array (NaN equal to NaN) and of the counts."""
        return (
            self.events == other.events
            and self.dropped_readmissions == other.dropped_readmissions
            and all(
                np.array_equal(getattr(self, f), getattr(other, f), equal_nan=f in _FLOATS)
                for f in self.FIELDS
            )
        )


_FLOATS = {
    "arrival",
    "fit",
    "assess_start",
    "assess_end",
    "leave_acute",
    "service_start",
    "service_end",
}


def superseded_changes(cap_time: np.ndarray, cap_resource: np.ndarray) -> np.ndarray:
    """``bool[k]``: capacity change ``k`` is followed, at the same instant, by a later change
    (a larger index) of the same resource, so it is never in force and is ignored.
    ``cap_time`` is sorted, so only the run of changes at the same instant is looked at."""
    k = cap_time.shape[0]
    out = np.zeros(k, dtype=bool)
    for i in range(k):
        j = i + 1
        while j < k and cap_time[j] == cap_time[i]:
            if cap_resource[j] == cap_resource[i]:
                out[i] = True
                break
            j += 1
    return out


def wait_reason(pathway: int, self_funder: bool, nursing: bool) -> int:
    """Reason code for waiting for the service of ``pathway`` (1-3)."""
    if pathway == 1:
        return R_E
    if pathway == 2:
        return R_C
    if self_funder:
        return R_G
    return R_DII if nursing else R_DI


def simulate_reference(inputs: FlowInputs) -> PatientRecords:
    """Run the model on ``inputs`` with a heapq event loop (see the module docstring)."""
    x = inputs
    n = x.n_slots
    pathway = x.pathway.tolist()
    acute_los = x.acute_los.tolist()
    needs_chc = x.needs_chc.tolist()
    self_funder = x.self_funder.tolist()
    nursing = x.nursing.tolist()
    service_duration = x.service_duration.tolist()
    chc_duration = x.chc_duration.tolist()
    readmitted = x.readmitted.tolist()
    readmission_delay = x.readmission_delay.tolist()
    lose = x.overflow_lose.tolist()
    chc_hospital = bool(x.chc_in_hospital)
    horizon = x.horizon
    superseded = superseded_changes(x.cap_time, x.cap_resource).tolist()

    nan = float("nan")
    arrival = [nan] * n
    fit = [nan] * n
    assess_start = [nan] * n
    assess_end = [nan] * n
    leave = [nan] * n
    s_start = [nan] * n
    s_end = [nan] * n
    overflowed = [False] * n
    reason = [0] * n
    is_readm = [False] * n
    index_patient = [-1] * n

    cap = [int(c) for c in x.initial_capacity]
    busy = [0] * len(cap)  # in service (0-2) or assessing (3)
    queues: list[list[int]] = [[] for _ in cap]  # FIFO: list + head pointer
    heads = [0] * len(cap)

    heap: list[tuple[float, int, int, int]] = []  # (time, priority, seq, id)
    seq = 0

    def push(t: float, kind: int, ident: int) -> None:
        nonlocal seq
        heapq.heappush(heap, (t, kind, seq, ident))
        seq += 1

    for k in range(x.cap_time.shape[0]):
        push(float(x.cap_time[k]), CAP_CHANGE, k)
    for i in range(x.n_primary):
        push(float(x.arrival[i]), ARRIVAL, i)

    next_reserve = x.n_primary
    dropped = 0
    events = 0

    def leave_acute(p: int, t: float) -> None:
        nonlocal next_reserve, dropped
        leave[p] = t
        if readmitted[p]:
            if next_reserve < n:
                q = next_reserve
                next_reserve += 1
                is_readm[q] = True
                index_patient[q] = p
                push(t + readmission_delay[p], ARRIVAL, q)
            else:
                dropped += 1

    def start_service(p: int, s: int, t: float) -> None:
        busy[s] += 1
        s_start[p] = t
        leave_acute(p, t)
        d = service_duration[p]
        if needs_chc[p] and not chc_hospital:
            d += chc_duration[p]
        push(t + d, SERVICE_DONE, p)

    def start_assessment(p: int, t: float) -> None:
        busy[ASSESSORS] += 1
        assess_start[p] = t
        push(t + chc_duration[p], ASSESS_DONE, p)

    def drain(r: int, t: float) -> None:
        q = queues[r]
        while heads[r] < len(q) and busy[r] < cap[r]:
            p = q[heads[r]]
            heads[r] += 1
            if r == ASSESSORS:
                start_assessment(p, t)
            else:
                start_service(p, r, t)

    def request_service(p: int, t: float) -> None:
        pw = pathway[p]
        if pw == 0:
            leave_acute(p, t)
            return
        s = pw - 1
        if heads[s] == len(queues[s]) and busy[s] < cap[s]:
            start_service(p, s, t)
        elif lose[s]:
            overflowed[p] = True
            leave_acute(p, t)
        else:
            queues[s].append(p)
            reason[p] = wait_reason(pw, self_funder[p], nursing[p])

    while heap:
        t, kind, _, ident = heapq.heappop(heap)
        if t >= horizon:
            break
        events += 1
        if kind == ARRIVAL:
            p = ident
            arrival[p] = t
            push(t + acute_los[p], FIT, p)
        elif kind == FIT:
            p = ident
            fit[p] = t
            if needs_chc[p] and chc_hospital:
                queues[ASSESSORS].append(p)
                drain(ASSESSORS, t)
            else:
                request_service(p, t)
        elif kind == ASSESS_DONE:
            p = ident
            assess_end[p] = t
            busy[ASSESSORS] -= 1
            drain(ASSESSORS, t)
            request_service(p, t)
        elif kind == SERVICE_DONE:
            p = ident
            s_end[p] = t
            s = pathway[p] - 1
            busy[s] -= 1
            drain(s, t)
        else:  # CAP_CHANGE
            if superseded[ident]:
                continue  # a later change of the same resource at this instant wins
            r = int(x.cap_resource[ident])
            cap[r] = int(x.cap_value[ident])
            drain(r, t)

    used = next_reserve
    return PatientRecords(
        arrival=np.array(arrival[:used], dtype=np.float64),
        fit=np.array(fit[:used], dtype=np.float64),
        assess_start=np.array(assess_start[:used], dtype=np.float64),
        assess_end=np.array(assess_end[:used], dtype=np.float64),
        leave_acute=np.array(leave[:used], dtype=np.float64),
        service_start=np.array(s_start[:used], dtype=np.float64),
        service_end=np.array(s_end[:used], dtype=np.float64),
        overflowed=np.array(overflowed[:used], dtype=bool),
        delay_reason=np.array(reason[:used], dtype=np.int8),
        is_readmission=np.array(is_readm[:used], dtype=bool),
        index_patient=np.array(index_patient[:used], dtype=np.int64),
        events=events,
        dropped_readmissions=dropped,
    )
