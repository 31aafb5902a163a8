"""The compiled engine: the reference event loop as a numba ``@njit`` loop over arrays.

Same events, priorities, tie-breaking and order of actions as
:mod:`lsr.flow.engine_reference` (read that module for the logic); the records are identical.
Implementation: an array-based binary heap keyed by (time, priority x 2**40 + sequence number);
the primary arrivals, already sorted, are merged in lazily rather than pushed (their sequence
numbers are the ones the reference engine gives them, so the order is the same); one FIFO queue
per resource as an array with head and tail pointers; no Python objects per patient.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lsr.flow.engine_reference import (
    ARRIVAL,
    ASSESS_DONE,
    CAP_CHANGE,
    FIT,
    R_C,
    R_DI,
    R_DII,
    R_E,
    R_G,
    SERVICE_DONE,
    PatientRecords,
    superseded_changes,
)
from lsr.flow.sampling import ASSESSORS, N_RESOURCES, FlowInputs


@njit(cache=True)
def _push(
    ht: np.ndarray, hk: np.ndarray, hid: np.ndarray, size: int, t: float, key: int, ident: int
) -> int:
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if ht[parent] < t or (ht[parent] == t and hk[parent] < key):
            break
        ht[i] = ht[parent]
        hk[i] = hk[parent]
        hid[i] = hid[parent]
        i = parent
    ht[i] = t
    hk[i] = key
    hid[i] = ident
    return size + 1


@njit(cache=True)
def _pop(ht: np.ndarray, hk: np.ndarray, hid: np.ndarray, size: int) -> int:
    """Remove the root (the caller has read it); returns the new size."""
    size -= 1
    if size == 0:
        return 0
    t = ht[size]
    key = hk[size]
    ident = hid[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        r = c + 1
        if r < size and (ht[r] < ht[c] or (ht[r] == ht[c] and hk[r] < hk[c])):
            c = r
        if t < ht[c] or (t == ht[c] and key < hk[c]):
            break
        ht[i] = ht[c]
        hk[i] = hk[c]
        hid[i] = hid[c]
        i = c
    ht[i] = t
    hk[i] = key
    hid[i] = ident
    return size


@njit(cache=True)
def _run(
    arrival_in: np.ndarray,
    acute_los: np.ndarray,
    pathway: np.ndarray,
    needs_chc: np.ndarray,
    self_funder: np.ndarray,
    nursing: np.ndarray,
    service_duration: np.ndarray,
    chc_duration: np.ndarray,
    readmitted: np.ndarray,
    readmission_delay: np.ndarray,
    n_primary: int,
    initial_capacity: np.ndarray,
    cap_time: np.ndarray,
    cap_resource: np.ndarray,
    cap_value: np.ndarray,
    cap_superseded: np.ndarray,
    overflow_lose: np.ndarray,
    chc_hospital: bool,
    horizon: float,
):  # type: ignore[no-untyped-def]
    n = acute_los.shape[0]
    k = cap_time.shape[0]
    shift = np.int64(1) << np.int64(40)
    arrival = np.full(n, np.nan)
    fit = np.full(n, np.nan)
    assess_start = np.full(n, np.nan)
    assess_end = np.full(n, np.nan)
    leave = np.full(n, np.nan)
    s_start = np.full(n, np.nan)
    s_end = np.full(n, np.nan)
    overflowed = np.zeros(n, dtype=np.bool_)
    reason = np.zeros(n, dtype=np.int8)
    is_readm = np.zeros(n, dtype=np.bool_)
    index_patient = np.full(n, -1, dtype=np.int64)

    n_res = initial_capacity.shape[0]
    cap = initial_capacity.copy()
    busy = np.zeros(n_res, dtype=np.int64)
    queue = np.empty((n_res, n + 1), dtype=np.int64)
    qhead = np.zeros(n_res, dtype=np.int64)
    qtail = np.zeros(n_res, dtype=np.int64)

    hsize_max = n + k + 1
    ht = np.empty(hsize_max, dtype=np.float64)
    hk = np.empty(hsize_max, dtype=np.int64)
    hid = np.empty(hsize_max, dtype=np.int64)
    size = 0
    for c in range(k):
        size = _push(ht, hk, hid, size, cap_time[c], CAP_CHANGE * shift + c, c)
    seq = k + n_primary  # primary arrivals hold sequence numbers k .. k + n_primary - 1
    ai = 0  # next primary arrival
    arr_key_base = ARRIVAL * shift + k

    next_reserve = n_primary
    dropped = 0
    events = 0
    while True:
        # next event: the smaller of the heap root and the next primary arrival
        use_arrival = False
        if ai < n_primary:
            ta = arrival_in[ai]
            ka = arr_key_base + ai
            if size == 0 or ta < ht[0] or (ta == ht[0] and ka < hk[0]):
                use_arrival = True
        elif size == 0:
            break
        if use_arrival:
            t = arrival_in[ai]
            kind = ARRIVAL
            ident = ai
            ai += 1
        else:
            t = ht[0]
            kind = hk[0] // shift
            ident = hid[0]
            size = _pop(ht, hk, hid, size)
        if t >= horizon:
            break
        events += 1

        if kind == ARRIVAL:
            arrival[ident] = t
            size = _push(ht, hk, hid, size, t + acute_los[ident], FIT * shift + seq, ident)
            seq += 1
            continue

        # Actions below follow the reference engine exactly. ``req`` is a patient who requests
        # a downstream service after the resource drains (-1 = none); ``drain_r`` the resource
        # to drain first (-1 = none).
        req = -1
        drain_r = -1
        if kind == FIT:
            p = ident
            fit[p] = t
            if needs_chc[p] and chc_hospital:
                queue[ASSESSORS, qtail[ASSESSORS]] = p
                qtail[ASSESSORS] += 1
                drain_r = ASSESSORS
            else:
                req = p
        elif kind == ASSESS_DONE:
            p = ident
            assess_end[p] = t
            busy[ASSESSORS] -= 1
            drain_r = ASSESSORS
            req = p
        elif kind == SERVICE_DONE:
            p = ident
            s_end[p] = t
            s = pathway[p] - 1
            busy[s] -= 1
            drain_r = s
        else:  # CAP_CHANGE
            if cap_superseded[ident]:
                continue  # a later change of the same resource at this instant wins
            r = cap_resource[ident]
            cap[r] = cap_value[ident]
            drain_r = r

        # drain(drain_r): move queue heads in while places are free
        if drain_r >= 0:
            r = drain_r
            while qhead[r] < qtail[r] and busy[r] < cap[r]:
                p = queue[r, qhead[r]]
                qhead[r] += 1
                if r == ASSESSORS:
                    busy[ASSESSORS] += 1
                    assess_start[p] = t
                    size = _push(
                        ht, hk, hid, size, t + chc_duration[p], ASSESS_DONE * shift + seq, p
                    )
                    seq += 1
                else:
                    # start_service(p, r, t)
                    busy[r] += 1
                    s_start[p] = t
                    leave[p] = t
                    if readmitted[p]:
                        if next_reserve < n:
                            q = next_reserve
                            next_reserve += 1
                            is_readm[q] = True
                            index_patient[q] = p
                            size = _push(
                                ht,
                                hk,
                                hid,
                                size,
                                t + readmission_delay[p],
                                ARRIVAL * shift + seq,
                                q,
                            )
                            seq += 1
                        else:
                            dropped += 1
                    d = service_duration[p]
                    if needs_chc[p] and not chc_hospital:
                        d += chc_duration[p]
                    size = _push(ht, hk, hid, size, t + d, SERVICE_DONE * shift + seq, p)
                    seq += 1

        # request_service(req, t)
        if req >= 0:
            p = req
            pw = pathway[p]
            served = False
            leaving = False
            if pw == 0:
                leaving = True
            else:
                s = pw - 1
                if qhead[s] == qtail[s] and busy[s] < cap[s]:
                    busy[s] += 1
                    s_start[p] = t
                    served = True
                    leaving = True
                elif overflow_lose[s]:
                    overflowed[p] = True
                    leaving = True
                else:
                    queue[s, qtail[s]] = p
                    qtail[s] += 1
                    if pw == 1:
                        reason[p] = R_E
                    elif pw == 2:
                        reason[p] = R_C
                    elif self_funder[p]:
                        reason[p] = R_G
                    elif nursing[p]:
                        reason[p] = R_DII
                    else:
                        reason[p] = R_DI
            if leaving:
                leave[p] = t
                if readmitted[p]:
                    if next_reserve < n:
                        q = next_reserve
                        next_reserve += 1
                        is_readm[q] = True
                        index_patient[q] = p
                        size = _push(
                            ht, hk, hid, size, t + readmission_delay[p], ARRIVAL * shift + seq, q
                        )
                        seq += 1
                    else:
                        dropped += 1
            if served:
                d = service_duration[p]
                if needs_chc[p] and not chc_hospital:
                    d += chc_duration[p]
                size = _push(ht, hk, hid, size, t + d, SERVICE_DONE * shift + seq, p)
                seq += 1

    u = next_reserve
    return (
        arrival[:u],
        fit[:u],
        assess_start[:u],
        assess_end[:u],
        leave[:u],
        s_start[:u],
        s_end[:u],
        overflowed[:u],
        reason[:u],
        is_readm[:u],
        index_patient[:u],
        events,
        dropped,
    )


def simulate(inputs: FlowInputs) -> PatientRecords:
    """Run the model on ``inputs`` with the compiled engine (identical to
    :func:`lsr.flow.engine_reference.simulate_reference`)."""
    x = inputs
    if x.initial_capacity.shape[0] != N_RESOURCES:
        raise ValueError("initial_capacity needs one entry per service plus assessors")
    out = _run(
        np.ascontiguousarray(x.arrival[: x.n_primary], dtype=np.float64),
        np.ascontiguousarray(x.acute_los, dtype=np.float64),
        np.ascontiguousarray(x.pathway, dtype=np.int64),
        np.ascontiguousarray(x.needs_chc, dtype=np.bool_),
        np.ascontiguousarray(x.self_funder, dtype=np.bool_),
        np.ascontiguousarray(x.nursing, dtype=np.bool_),
        np.ascontiguousarray(x.service_duration, dtype=np.float64),
        np.ascontiguousarray(x.chc_duration, dtype=np.float64),
        np.ascontiguousarray(x.readmitted, dtype=np.bool_),
        np.ascontiguousarray(x.readmission_delay, dtype=np.float64),
        int(x.n_primary),
        np.ascontiguousarray(x.initial_capacity, dtype=np.int64),
        np.ascontiguousarray(x.cap_time, dtype=np.float64),
        np.ascontiguousarray(x.cap_resource, dtype=np.int64),
        np.ascontiguousarray(x.cap_value, dtype=np.int64),
        np.ascontiguousarray(superseded_changes(x.cap_time, x.cap_resource), dtype=np.bool_),
        np.ascontiguousarray(x.overflow_lose, dtype=np.bool_),
        bool(x.chc_in_hospital),
        float(x.horizon),
    )
    return PatientRecords(*out[:11], events=int(out[11]), dropped_readmissions=int(out[12]))
