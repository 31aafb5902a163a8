"""Drawing a run's random inputs: the only randomness in the flow model.

:func:`draw_inputs` turns a :class:`~lsr.flow.parameters.FlowParameters`, a seed and a
replication number into a :class:`FlowInputs`: plain numpy arrays, one entry per patient slot.
The engines (:mod:`lsr.flow.engine_reference`, :mod:`lsr.flow.engine`) are deterministic given
these arrays, so two engines fed the same inputs must produce identical records.

Common random numbers (CRN). Every attribute has its own independent stream (a numpy
``Generator`` seeded from ``(seed, replication, stream name)`` through ``SeedSequence``), and
every continuous attribute is drawn by inversion from a uniform, so two scenarios run with the
same seed and replication share every patient's attributes and, where a parameter changes, the
attribute moves monotonically. Arrivals are made by thinning one candidate Poisson stream at a
fixed maximum rate ``max_rate``: a candidate at time ``t`` is admitted if its own uniform ``u``
satisfies ``u * max_rate < rate(t)``. A surge scenario therefore admits a superset of the
baseline's patients, each with the same attributes. **Scenarios compared together must use the
same ``max_rate``** (the default, :func:`default_max_rate`, depends on the day-of-week pattern
and seasonal amplitude, and allows any surge up to twice the rate).

Readmissions take slots from a reserve pool drawn from separate streams: the k-th readmission
that happens in a run takes reserve slot k (the engine sets its arrival time).

Only what is used is transformed: every stream gives one uniform per candidate (cheap, and what
ties attributes to candidates), but inverse distribution functions are applied only to admitted
patients and only where the value is used (see :func:`_attributes`); gamma quantiles come from
a per-shape table (:func:`gamma_quantile`). Scenarios that share patients need not draw them
twice: :func:`patient_key` says what the patients depend on, :func:`with_system` swaps the
system of drawn inputs, and :func:`draw_inputs_many` draws several parameter sets at once,
sharing candidates and attributes between sets that differ only in their arrival rate.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import gammainccinv, gammaincinv, gammaln, ndtr, ndtri

from lsr.flow.parameters import PATHWAY_SERVICE, SERVICES, CapacityStep, Duration, FlowParameters

#: Resource indices in the capacity arrays: the three services in SERVICES order, then assessors.
ASSESSORS = len(SERVICES)
N_RESOURCES = len(SERVICES) + 1

#: Surge headroom of the default maximum rate: any surge up to this multiplier keeps the same
#: candidate arrival stream as the baseline.
DEFAULT_SURGE_HEADROOM = 2.0

FloatArray = np.ndarray
IntArray = np.ndarray
BoolArray = np.ndarray


@dataclass(frozen=True, eq=False)
class FlowInputs:
    """Everything random about one run, as arrays (slot ``i`` is one patient).

    Slots ``0 .. n_primary-1`` are the patients arriving from outside, sorted by ``arrival``;
    slots ``n_primary ..`` are the readmission reserve (their ``arrival`` is NaN: the engine sets
    it). Times are days from the start (day 0); the warm-up runs from ``-warm_up``; the run
    stops at ``horizon``.
    """

    arrival: FloatArray  # float64[n]: arrival time (NaN for reserve slots)
    acute_los: FloatArray  # float64[n]: days in the acute bed until medically fit
    pathway: IntArray  # int64[n]: discharge pathway 0-3
    needs_chc: BoolArray  # bool[n]: needs a continuing healthcare assessment
    self_funder: BoolArray  # bool[n]: self-funder (pathway 3 only)
    nursing: BoolArray  # bool[n]: nursing home (pathway 3 only), residential otherwise
    service_duration: FloatArray  # float64[n]: downstream stay in days (0 on pathway 0)
    chc_duration: FloatArray  # float64[n]: CHC assessment duration (0 where not needed)
    readmitted: BoolArray  # bool[n]: readmitted after leaving the acute bed
    readmission_delay: FloatArray  # float64[n]: days from leaving acute to readmission, U(0, 30)
    n_primary: int
    initial_capacity: IntArray  # int64[4]: services in SERVICES order, then assessors
    cap_time: FloatArray  # float64[k]: capacity changes after the start, sorted by time
    cap_resource: IntArray  # int64[k]
    cap_value: IntArray  # int64[k]
    overflow_lose: BoolArray  # bool[3]: service overflow rule is "lose"
    chc_in_hospital: bool
    warm_up: float
    horizon: float
    max_rate: float

    @property
    def n_slots(self) -> int:
        """Primary patients plus the readmission reserve."""
        return int(self.arrival.shape[0])

    @property
    def n_reserve(self) -> int:
        """Size of the readmission reserve pool."""
        return self.n_slots - self.n_primary

    def capacity_at(self, resource: int, t: float | FloatArray) -> IntArray:
        """Capacity of ``resource`` (0-2 services, 3 assessors) in force at time(s) ``t``.

        A change at time ``t`` is in force at ``t`` (later changes at the same time win)."""
        times = np.asarray(t, dtype=np.float64)
        sel = self.cap_resource == resource
        ct, cv = self.cap_time[sel], self.cap_value[sel]
        init = self.initial_capacity[resource]
        if ct.size == 0:
            return np.full(times.shape, init, dtype=np.int64)
        idx = np.searchsorted(ct, times, side="right") - 1
        values = np.where(idx >= 0, cv[np.maximum(idx, 0)], init)
        return values.astype(np.int64)


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The independent random stream ``name`` of one replication (stable across versions)."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, replication, key])))


def sample_duration(d: Duration, u: FloatArray) -> FloatArray:
    """Durations by inversion of uniforms ``u`` in [0, 1): monotone in ``u`` (for CRN)."""
    u = np.asarray(u, dtype=np.float64)
    if d.mean < 0 or d.sd < 0:
        raise ValueError("duration mean and sd must be non-negative")
    if d.distribution == "fixed" or d.mean == 0:
        return np.full(u.shape, float(d.mean))
    if d.distribution == "exponential":
        return -d.mean * np.log1p(-u)
    if d.sd <= 1e-9 * d.mean and d.distribution in ("lognormal", "gamma"):
        return np.full(u.shape, float(d.mean))  # degenerate: fixed (avoids overflow)
    if d.distribution == "lognormal":
        sigma2 = math.log1p((d.sd / d.mean) ** 2)
        mu = math.log(d.mean) - sigma2 / 2
        return np.exp(mu + math.sqrt(sigma2) * ndtri(u))
    if d.distribution == "gamma":
        shape = (d.mean / d.sd) ** 2
        scale = d.sd**2 / d.mean
        return gamma_quantile(shape, u) * scale
    raise ValueError(f"unknown distribution {d.distribution!r}")


#: Normal scores covered by the gamma quantile tables: every uniform numpy draws (53 bits, below
#: 1 - 2**-53) has a normal score inside (-8.3, 8.3).
_Z_LIMIT = 8.5
_Z_POINTS = 4097
#: Below this shape the quantile function is too steep near 0 for the table: direct inversion.
_TABLE_MIN_SHAPE = 0.5


@functools.lru_cache(maxsize=256)
def _gamma_table(shape: float) -> tuple[FloatArray, FloatArray] | None:
    """log Q and d(log Q)/dz on a grid of normal scores z, Q the unit-scale gamma quantile at
    the uniform ndtr(z) (None where the table would not be accurate: use direct inversion)."""
    z = np.linspace(-_Z_LIMIT, _Z_LIMIT, _Z_POINTS)
    # upper half through the complement, accurate where ndtr(z) rounds to 1
    q = np.where(z < 0, gammaincinv(shape, ndtr(z)), gammainccinv(shape, ndtr(-z)))
    if not np.all(np.isfinite(q)) or np.any(q <= 0):
        return None
    log_q = np.log(q)
    # dQ/dz = phi(z) / f(Q), f the gamma density: d log Q / dz = phi(z) Gamma(k) / (Q^k e^-Q)
    slope = np.exp(-0.5 * z * z - 0.5 * math.log(2 * math.pi) + gammaln(shape) - shape * log_q + q)
    if not np.all(np.isfinite(slope)):
        return None
    return log_q, slope


def gamma_quantile(shape: float, u: FloatArray) -> FloatArray:
    """The unit-scale gamma quantile at uniforms ``u`` in [0, 1): ``gammaincinv(shape, u)``,
    about ten times faster.

    The quantile is tabulated once per shape as log Q against the normal score z = ndtri(u)
    (smooth in z, whatever the shape) with its exact derivative, and interpolated by cubic
    Hermite polynomials: relative error below 1e-9 (tests/flow/test_gamma_quantile.py).
    Shapes below 0.5 use ``gammaincinv`` itself."""
    u = np.asarray(u, dtype=np.float64)
    table = _gamma_table(float(shape)) if shape >= _TABLE_MIN_SHAPE else None
    if table is None:
        return np.asarray(gammaincinv(shape, u), dtype=np.float64)
    log_q, slope = table
    h = 2 * _Z_LIMIT / (_Z_POINTS - 1)
    z = ndtri(u)
    x = np.clip((z + _Z_LIMIT) / h, 0.0, _Z_POINTS - 1 - 1e-9)
    j = x.astype(np.int64)
    t = x - j
    t2 = t * t
    t3 = t2 * t
    y = (
        (2 * t3 - 3 * t2 + 1) * log_q[j]
        + (t3 - 2 * t2 + t) * h * slope[j]
        + (-2 * t3 + 3 * t2) * log_q[j + 1]
        + (t3 - t2) * h * slope[j + 1]
    )
    q = np.exp(y)
    outside = ~(np.abs(z) <= _Z_LIMIT)  # u = 0 and uniforms numpy never draws: direct
    if outside.any():
        q[outside] = gammaincinv(shape, u[outside])
    return q


def arrival_rate(params: FlowParameters, t: FloatArray) -> FloatArray:
    """The admission rate per day at times ``t`` (days from the start), as in
    :class:`~lsr.flow.parameters.Arrivals` (overlapping surges multiply)."""
    a = params.arrivals
    t = np.asarray(t, dtype=np.float64)
    day = np.floor(t)
    dow = np.asarray(a.day_of_week, dtype=np.float64)
    if dow.shape != (7,):
        raise ValueError("day_of_week needs seven multipliers, Monday first")
    weekday = ((params.start.weekday() + day) % 7).astype(np.int64)
    doy = params.start.timetuple().tm_yday + t
    seasonal = 1.0 + a.seasonal_amplitude * np.cos(2 * np.pi * (doy - a.peak_day_of_year) / 365.25)
    rate = a.per_day * dow[weekday] * seasonal
    for s0, s1, m in a.surges:
        rate = np.where((t >= s0) & (t < s1), rate * m, rate)
    return rate


def default_max_rate(params: FlowParameters) -> float:
    """A safe thinning rate: per-day rate x largest day-of-week multiplier x seasonal peak x
    max(2, largest product of surge multipliers)."""
    a = params.arrivals
    surge = 1.0
    points = sorted({s[0] for s in a.surges})
    for p in points:
        prod = 1.0
        for s0, s1, m in a.surges:
            if s0 <= p < s1:
                prod *= m
        surge = max(surge, prod)
    return float(
        a.per_day
        * max(max(a.day_of_week), 0.0)
        * (1.0 + abs(a.seasonal_amplitude))
        * max(DEFAULT_SURGE_HEADROOM, surge)
    )


def _initial_and_changes(
    steps: tuple[CapacityStep, ...], start: float
) -> tuple[int, list[tuple[float, int]]]:
    if not steps:
        raise ValueError("a capacity needs at least one step")
    ordered = sorted(steps, key=lambda s: s.day)  # stable: equal days keep their order
    initial = int(ordered[0].capacity)
    changes: list[tuple[float, int]] = []
    for s in ordered:
        if s.capacity < 0:
            raise ValueError("capacities must be non-negative")
        if s.day <= start:
            initial = int(s.capacity)
        else:
            changes.append((float(s.day), int(s.capacity)))
    return initial, changes


def _validate(params: FlowParameters) -> None:
    if tuple(s.name for s in params.services) != SERVICES:
        raise ValueError(f"services must be {', '.join(SERVICES)} in that order")
    split = np.asarray(params.pathway_split, dtype=np.float64)
    if split.shape != (4,) or np.any(split < 0) or not math.isclose(split.sum(), 1.0, abs_tol=1e-6):
        raise ValueError("pathway_split needs four non-negative shares summing to 1")
    for s in params.services:
        if s.overflow not in ("wait", "lose"):
            raise ValueError(f"overflow must be 'wait' or 'lose', not {s.overflow!r}")
    if params.chc.where not in ("hospital", "community"):
        raise ValueError("chc.where must be 'hospital' or 'community'")
    if params.days <= 0 or params.warm_up_days < 0:
        raise ValueError("days must be positive and warm_up_days non-negative")
    if not 0 <= params.readmission_probability < 1:
        raise ValueError("readmission_probability must be in [0, 1)")


def _attributes(
    params: FlowParameters,
    seed: int,
    replication: int,
    n: int,
    prefix: str,
    keep: BoolArray | None = None,
) -> dict[str, np.ndarray]:
    """The attributes of slots ``0 .. n-1`` of one pool, returned for the slots in ``keep``
    (every slot when ``None``).

    Every stream draws one uniform per slot, kept or not: that is what ties a patient's
    attributes to its slot (common random numbers); uniforms cost about a nanosecond each. The
    costly transforms (inverse distribution functions) are applied only to kept slots, and only
    where the attribute is used: service durations on that service's pathway, CHC durations
    where an assessment is needed. The values are the ones a transform of every slot would
    give, subset afterwards."""

    def u(name: str) -> FloatArray:
        x = stream(seed, replication, prefix + name).random(n)
        return x if keep is None else x[keep]

    cum = np.cumsum(np.asarray(params.pathway_split, dtype=np.float64))
    pathway = np.minimum(np.searchsorted(cum, u("pathway"), side="right"), 3).astype(np.int64)
    m = pathway.shape[0]
    acute_los = sample_duration(params.acute_length_of_stay, u("acute_los"))
    needs_chc = (pathway >= 1) & (u("chc") < params.chc.probability)
    p3 = pathway == 3
    self_funder = p3 & (u("self_funder") < params.self_funder_share)
    nursing = p3 & (u("nursing") < params.nursing_share)
    u_service = u("service_duration")
    service_duration = np.zeros(m)
    for pw, name in PATHWAY_SERVICE.items():
        if name is None:
            continue
        sel = pathway == pw
        service_duration[sel] = sample_duration(params.service(name).length_of_stay, u_service[sel])
    chc_duration = np.zeros(m)
    u_chc = u("chc_duration")
    chc_duration[needs_chc] = sample_duration(params.chc.duration, u_chc[needs_chc])
    readmitted = u("readmitted") < params.readmission_probability
    readmission_delay = 30.0 * u("readmission_delay")
    return {
        "acute_los": acute_los,
        "pathway": pathway,
        "needs_chc": needs_chc,
        "self_funder": self_funder,
        "nursing": nursing,
        "service_duration": service_duration,
        "chc_duration": chc_duration,
        "readmitted": readmitted,
        "readmission_delay": readmission_delay,
    }


def _system(params: FlowParameters) -> dict[str, Any]:
    """The :class:`FlowInputs` fields that describe the system, not the patients: capacities
    over time, overflow rules and where CHC assessments are done."""
    t0 = -float(params.warm_up_days)
    initial = np.zeros(N_RESOURCES, dtype=np.int64)
    changes: list[tuple[float, int, int]] = []
    steps = [s.capacity for s in params.services] + [params.chc.assessors]
    for r, st in enumerate(steps):
        init, ch = _initial_and_changes(st, t0)
        initial[r] = init
        changes += [(day, r, cap) for day, cap in ch]
    changes.sort(key=lambda c: c[0])  # stable: resource order, then step order, at equal times
    return {
        "initial_capacity": initial,
        "cap_time": np.array([c[0] for c in changes], dtype=np.float64),
        "cap_resource": np.array([c[1] for c in changes], dtype=np.int64),
        "cap_value": np.array([c[2] for c in changes], dtype=np.int64),
        "overflow_lose": np.array([s.overflow == "lose" for s in params.services], dtype=bool),
        "chc_in_hospital": params.chc.where == "hospital",
    }


def patient_key(params: FlowParameters) -> tuple[Any, ...]:
    """Everything the patients (arrival times and attributes) depend on, given the seed, the
    replication and the thinning rate: two parameter sets with equal keys draw the same patients,
    whatever their capacities, overflow rules, place of CHC assessment, costs or bed base."""
    return (
        params.start,
        params.days,
        params.warm_up_days,
        params.arrivals,
        params.acute_length_of_stay,
        tuple(params.pathway_split),
        tuple(s.length_of_stay for s in params.services),
        params.chc.probability,
        params.chc.duration,
        params.self_funder_share,
        params.nursing_share,
        params.readmission_probability,
    )


def with_system(inputs: FlowInputs, params: FlowParameters) -> FlowInputs:
    """``inputs`` (drawn for parameters with the same :func:`patient_key` as ``params``) with the
    capacities, overflow rules and place of CHC assessment of ``params``: what
    :func:`draw_inputs` would give for ``params``, without drawing the patients again."""
    _validate(params)
    return dataclasses.replace(inputs, **_system(params))


def _candidate_times(seed: int, replication: int, rate: float, t0: float, t1: float) -> FloatArray:
    gen = stream(seed, replication, "arrival_gaps")
    span = t1 - t0
    chunks: list[FloatArray] = []
    t = t0
    expected = rate * span
    size = int(expected + 10 * math.sqrt(expected) + 100)
    while t < t1:
        times = t + np.cumsum(-np.log1p(-gen.random(size)) / rate)
        chunks.append(times)
        t = float(times[-1])
    times = np.concatenate(chunks)
    return times[times < t1]


def draw_inputs(
    params: FlowParameters,
    seed: int,
    replication: int,
    max_rate: float | None = None,
    reserve: int | None = None,
) -> FlowInputs:
    """Draw one replication's random inputs.

    ``max_rate`` is the thinning rate (default :func:`default_max_rate`); scenarios compared
    under common random numbers must use the same value. ``reserve`` is the number of
    readmission slots (default: the expected number of readmissions, including readmissions of
    readmissions, plus six standard deviations plus 20); readmissions beyond it are dropped and
    counted by the engine.
    """
    _validate(params)
    if seed < 0 or replication < 0:
        raise ValueError("seed and replication must be non-negative")
    t0, t1 = -float(params.warm_up_days), float(params.days)
    rate_max = default_max_rate(params) if max_rate is None else float(max_rate)
    if params.arrivals.per_day > 0 and rate_max > 0:
        cand = _candidate_times(seed, replication, rate_max, t0, t1)
    else:
        cand = np.zeros(0)
    rate = arrival_rate(params, cand)
    if np.any(rate > rate_max * (1 + 1e-12)):
        raise ValueError(f"max_rate {rate_max} is below the arrival rate {rate.max()}")
    accept = stream(seed, replication, "thinning").random(cand.shape[0]) * rate_max < rate
    attrs = _attributes(params, seed, replication, cand.shape[0], "", keep=accept)
    n_primary = int(accept.sum())

    p = params.readmission_probability
    if reserve is None:
        if p > 0:
            expected = n_primary * p / (1 - p)
            reserve = math.ceil(expected + 6 * math.sqrt(expected) + 20)
        else:
            reserve = 0
    res = _attributes(params, seed, replication, reserve, "reserve:")

    def cat(name: str) -> np.ndarray:
        return np.concatenate([attrs[name], res[name]])

    return FlowInputs(
        arrival=np.concatenate([cand[accept], np.full(reserve, np.nan)]),
        acute_los=cat("acute_los"),
        pathway=cat("pathway"),
        needs_chc=cat("needs_chc"),
        self_funder=cat("self_funder"),
        nursing=cat("nursing"),
        service_duration=cat("service_duration"),
        chc_duration=cat("chc_duration"),
        readmitted=cat("readmitted"),
        readmission_delay=cat("readmission_delay"),
        n_primary=n_primary,
        **_system(params),
        warm_up=float(params.warm_up_days),
        horizon=t1,
        max_rate=rate_max,
    )


def draw_inputs_many(
    params: list[FlowParameters], seed: int, replication: int, max_rate: float | None = None
) -> list[FlowInputs]:
    """``[draw_inputs(p, seed, replication, max_rate) for p in params]``, sharing the work.

    ``max_rate`` defaults to the largest :func:`default_max_rate` of ``params`` (they are
    compared under common random numbers, so they share it). Parameter sets whose patients
    differ only by their arrival rate (a surge, more admissions) share the candidate arrivals,
    the thinning and the attribute draws: the attributes are transformed once for every
    candidate admitted by any of them. Sets with the same :func:`patient_key` share everything
    but the system. The results are identical to separate draws (tested)."""
    if not params:
        return []
    for p in params:
        _validate(p)
    if seed < 0 or replication < 0:
        raise ValueError("seed and replication must be non-negative")
    rate_max = max(default_max_rate(p) for p in params) if max_rate is None else float(max_rate)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, p in enumerate(params):
        key = patient_key(p)
        groups.setdefault(key[:3] + key[4:], []).append(i)  # all but the arrivals
    out: list[FlowInputs | None] = [None] * len(params)
    for members in groups.values():
        first = params[members[0]]
        t0, t1 = -float(first.warm_up_days), float(first.days)
        cand = (
            _candidate_times(seed, replication, rate_max, t0, t1)
            if rate_max > 0 and any(params[i].arrivals.per_day > 0 for i in members)
            else np.zeros(0)
        )
        u_thin = stream(seed, replication, "thinning").random(cand.shape[0]) * rate_max
        accepts = {}
        for i in members:
            p = params[i]
            if p.arrivals.per_day > 0 and rate_max > 0:
                rate = arrival_rate(p, cand)
                if np.any(rate > rate_max * (1 + 1e-12)):
                    raise ValueError(f"max_rate {rate_max} is below the arrival rate {rate.max()}")
                accepts[i] = u_thin < rate
            else:
                accepts[i] = np.zeros(cand.shape[0], dtype=bool)
        union = np.logical_or.reduce(list(accepts.values()))
        attrs = _attributes(first, seed, replication, cand.shape[0], "", keep=union)
        sizes = {}
        for i in members:
            n_primary = int(accepts[i].sum())
            pr = first.readmission_probability
            expected = n_primary * pr / (1 - pr) if pr > 0 else 0.0
            sizes[i] = math.ceil(expected + 6 * math.sqrt(expected) + 20) if pr > 0 else 0
        res = _attributes(first, seed, replication, max(sizes.values()), "reserve:")
        for i in members:
            sel = accepts[i][union]
            size = sizes[i]
            columns = {name: np.concatenate([attrs[name][sel], res[name][:size]]) for name in attrs}
            out[i] = FlowInputs(
                arrival=np.concatenate([cand[accepts[i]], np.full(size, np.nan)]),
                **columns,
                n_primary=int(accepts[i].sum()),
                **_system(params[i]),
                warm_up=float(params[i].warm_up_days),
                horizon=t1,
                max_rate=rate_max,
            )
    return [x for x in out if x is not None]
