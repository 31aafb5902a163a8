"""The compiled part of :func:`lsr.flow.outputs.summarise`: one pass over the patient records.

:func:`summary_pass` computes every daily count of a run (as ``int64[column, day]``, the columns
in :data:`DAILY_COLUMNS` order) and, for every period total that is an integral or a mean over
patients, the per-patient terms in the order numpy would see them (``float64[total, slot]``
with the number used per total), so that :mod:`lsr.flow.outputs` sums them with ``np.sum`` and
gets the same floating-point result, bit for bit, as the earlier numpy code.

Daily counts at midday: an interval ``[s, e)`` contains ``d + 0.5`` when ``s <= d + 0.5 < e``;
``x <= d + 0.5`` exactly when ``ceil(x - 0.5) <= d`` (``x - 0.5`` is exact in floating point
wherever it matters, for ``x >= 0.5``), so each interval adds one to a difference array at
``ceil(s - 0.5)`` and subtracts one at ``ceil(e - 0.5)`` (clipped to the period), and a running
sum gives the counts.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lsr.flow.engine_reference import R_C, R_DI, R_DII, R_E, R_G

#: Daily count columns of :func:`summary_pass`, in order (``lsr.flow.outputs`` names them).
DAILY_COLUMNS: tuple[str, ...] = (
    "arrivals",
    "acute_occupied",
    "acute_delayed",
    "delayed_A",
    "delayed_C",
    "delayed_Di",
    "delayed_Dii",
    "delayed_E",
    "delayed_G",
    "home_care_occupied",
    "step_down_occupied",
    "care_home_occupied",
    "assessors_busy",
    "overflow_home_care",
    "overflow_step_down",
    "overflow_care_home",
    "left_acute",
    "left_acute_over_7",
    "readmissions_within_30",
    "flow_home",
    "flow_home_care",
    "flow_step_down",
    "flow_care_home",
    "flow_overflow_home_care",
    "flow_overflow_step_down",
    "flow_overflow_care_home",
    "flow_readmitted",
)
#: Per-patient terms of :func:`summary_pass` (rows of its second result), in order.
TERMS: tuple[str, ...] = (
    "delayed_days",
    "delayed_days_A",
    "delayed_days_C",
    "delayed_days_Di",
    "delayed_days_Dii",
    "delayed_days_E",
    "delayed_days_G",
    "acute_bed_days",
    "assessor_days",
    "bed_days_home_care",
    "bed_days_step_down",
    "bed_days_care_home",
    "los",  # acute length of stay of each patient leaving the acute bed in the period
)
#: Counts of :func:`summary_pass` (its fourth result), in order.
COUNTS: tuple[str, ...] = (
    "admissions",
    "readmissions",
    "discharges",
    "overflow",
    "los_over_7",
    "los_over_21",
    "readmission_base",
    "readmitted_base",
)


@njit(cache=True)
def _mark(diff: np.ndarray, row: int, s: float, e: float, days: int) -> None:
    """Count the interval ``[s, e)`` at the middays it contains (NaN ``e``: still open)."""
    if np.isnan(s):
        return
    k = np.ceil(s - 0.5)
    diff[row, int(min(max(k, 0.0), days))] += 1
    if not np.isnan(e):
        k = np.ceil(e - 0.5)
        diff[row, int(min(max(k, 0.0), days))] -= 1


@njit(cache=True)
def _terms(
    out: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    t1: float,
    use: np.ndarray,
    code: np.ndarray,
    wanted: int,
) -> int:
    """Time each interval ``[start, end)`` with ``use`` and ``code == wanted`` spends in
    ``[0, t1)``, written to ``out`` in slot order (NaN starts skipped); returns how many."""
    m = 0
    for i in range(start.shape[0]):
        s = start[i]
        if use[i] and code[i] == wanted and not np.isnan(s):
            e = end[i]
            hi = t1 if np.isnan(e) else min(e, t1)
            out[m] = max(hi - max(s, 0.0), 0.0)
            m += 1
    return m


@njit(cache=True)
def summary_pass(
    arrival: np.ndarray,
    fit: np.ndarray,
    assess_start: np.ndarray,
    assess_end: np.ndarray,
    leave: np.ndarray,
    s_start: np.ndarray,
    s_end: np.ndarray,
    overflowed: np.ndarray,
    reason: np.ndarray,
    is_readm: np.ndarray,
    index_patient: np.ndarray,
    pathway: np.ndarray,
    needs_chc: np.ndarray,
    chc_hospital: bool,
    days: int,
    cut: float,
):  # type: ignore[no-untyped-def]
    """Daily counts, per-patient terms (with how many of each) and counts of one run.

    ``cut`` is the end of the readmission-rate base (discharges in ``[0, cut)``)."""
    n = arrival.shape[0]
    t1 = float(days)
    diff = np.zeros((13, days + 1), dtype=np.int64)  # interval counts, rows 1-12 of the result
    daily = np.zeros((27, days), dtype=np.int64)
    terms = np.empty((13, n), dtype=np.float64)
    used = np.zeros(13, dtype=np.int64)
    counts = np.zeros(8, dtype=np.int64)

    readm = np.zeros(n, dtype=np.bool_)
    for q in range(n):
        if is_readm[q] and not np.isnan(arrival[q]):
            i = index_patient[q]
            if arrival[q] - leave[i] <= 30.0:
                readm[i] = True

    n_los = 0
    for i in range(n):
        a = arrival[i]
        lv = leave[i]
        pw = pathway[i]
        chc_h = needs_chc[i] and chc_hospital
        _mark(diff, 1, a, lv, days)
        _mark(diff, 2, fit[i], lv, days)
        wait_start = fit[i]
        if chc_h:
            _mark(diff, 3, fit[i], assess_end[i], days)
            wait_start = assess_end[i]
        code = reason[i]
        row = -1
        if code == R_C:
            row = 4
        elif code == R_DI:
            row = 5
        elif code == R_DII:
            row = 6
        elif code == R_E:
            row = 7
        elif code == R_G:
            row = 8
        if row >= 0:
            _mark(diff, row, wait_start, lv, days)
        if pw >= 1:
            _mark(diff, 8 + pw, s_start[i], s_end[i], days)
        _mark(diff, 12, assess_start[i], assess_end[i], days)

        if a >= 0.0 and a < t1:
            d = int(np.floor(a))
            daily[0, d] += 1
            counts[0] += 1
            if is_readm[i]:
                daily[26, d] += 1
                counts[1] += 1
        if lv >= 0.0 and lv < t1:
            d = int(np.floor(lv))
            counts[2] += 1
            los = lv - a
            terms[12, n_los] = los
            n_los += 1
            daily[16, d] += 1
            if los > 7:
                daily[17, d] += 1
                counts[4] += 1
            if los > 21:
                counts[5] += 1
            if readm[i]:
                daily[18, d] += 1
            if overflowed[i]:
                counts[3] += 1
                daily[12 + pw, d] += 1
                daily[22 + pw, d] += 1
            elif np.isnan(s_start[i]):
                daily[19, d] += 1
            elif pw >= 1:
                daily[19 + pw, d] += 1
            if lv < cut:
                counts[6] += 1
                if readm[i]:
                    counts[7] += 1

    used[12] = n_los
    # integrals, in the slot order numpy's filtered arrays have
    every = np.ones(n, dtype=np.bool_)
    chc_h = needs_chc & chc_hospital
    wait_from = np.where(chc_h, assess_end, fit)
    zero = np.zeros(n, dtype=np.int64)
    used[0] = _terms(terms[0], fit, leave, t1, every, zero, 0)
    used[1] = _terms(terms[1], fit, assess_end, t1, chc_h, zero, 0)
    codes = reason.astype(np.int64)
    used[2] = _terms(terms[2], wait_from, leave, t1, every, codes, R_C)
    used[3] = _terms(terms[3], wait_from, leave, t1, every, codes, R_DI)
    used[4] = _terms(terms[4], wait_from, leave, t1, every, codes, R_DII)
    used[5] = _terms(terms[5], wait_from, leave, t1, every, codes, R_E)
    used[6] = _terms(terms[6], wait_from, leave, t1, every, codes, R_G)
    used[7] = _terms(terms[7], arrival, leave, t1, every, zero, 0)
    used[8] = _terms(terms[8], assess_start, assess_end, t1, every, zero, 0)
    for pw in range(1, 4):
        used[8 + pw] = _terms(terms[8 + pw], s_start, s_end, t1, every, pathway, pw)

    for row in range(1, 13):
        c = 0
        for d in range(days):
            c += diff[row, d]
            daily[row, d] = c
    return daily, terms, used, counts
