"""Warm start: a run that begins from a given state at day 0 instead of an empty system.

A forecast has to start from today's hospital and services: people in acute beds who are not
yet medically fit, people medically fit waiting for a service or for a continuing healthcare
(CHC) assessment, and people already in each service. :func:`warm_inputs` builds that state as
ordinary engine inputs (:class:`~lsr.flow.sampling.FlowInputs`), so both engines run it
unchanged:

- **In acute beds, not yet fit**: a patient who arrived ``age`` days ago with a total acute
  stay ``T``; ``arrival = -age``, ``acute_los = T``, so they become fit at ``T - age`` (> 0).
- **Already in a service**: arrives at ``-3 eps``, fit at ``-2 eps`` and moves straight into the
  service (everyone here is placed before anyone else asks); the stay is set to end at its
  residual time after day 0. If more are in a service than its capacity (an overfull service),
  the capacity is raised for that instant and set back at ``-eps``: nobody is evicted, and new
  patients wait until occupancy falls below capacity, as after any capacity reduction.
- **Medically fit, waiting for a service**: fit at ``-eps``, after everyone in service is
  placed; they queue in slot order (their order in the state), ahead of every new patient.
- **Waiting for a CHC assessment in hospital**: fit at ``-eps``, join the assessor queue; the
  first ones (as many as there are assessors) are being assessed, with residual durations.

``eps`` is :data:`EPS` (about 0.1 s), so none of this shows in a daily count: day 0 starts
with exactly the given numbers in each place (counted at midday like every other day).

Residual durations. For a stay already in progress in a system in steady state, the time left
has the *equilibrium residual* distribution, density ``(1 - F(x)) / mean`` (the stays seen in
progress are length-biased: a long stay is more likely to be in progress at a given moment).
It is drawn as a length-biased total ``T`` (density ``x f(x) / mean``) and a uniform share of
it: elapsed ``U T``, remaining ``(1 - U) T``. The length-biased law is closed-form for every
distribution the model uses: exponential(mean m) -> gamma(2, m) (so the residual is the same
exponential); gamma(k, theta) -> gamma(k + 1, theta); lognormal(mu, sigma) ->
lognormal(mu + sigma^2, sigma); fixed m -> m (residual uniform on [0, m]). Every draw is by
inversion from its own random stream, so two runs with the same seed and replication share
every initial patient (common random numbers). **Assumption**: the stays in progress today
started in a system in steady state with today's length-of-stay distribution; after a recent
surge or a backlog the real remaining times may be longer or shorter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import gammaincinv, ndtri

from lsr.flow.parameters import SERVICES, Duration, FlowParameters
from lsr.flow.sampling import ASSESSORS, FlowInputs, draw_inputs, sample_duration, stream

#: The small time step (days) between the initial placements before day 0.
EPS = 1e-6

FloatArray = np.ndarray


@dataclass(frozen=True)
class WarmState:
    """The state of the system at the start of day 0 (whole numbers of people).

    ``waiting_<service>``: medically fit in an acute bed, waiting for that service;
    ``awaiting_assessment``: medically fit, waiting for (or having) a CHC assessment in
    hospital; ``in_<service>``: people in the service (packages in use, beds occupied)."""

    acute_not_fit: int = 0
    waiting_home_care: int = 0
    waiting_step_down: int = 0
    waiting_care_home: int = 0
    awaiting_assessment: int = 0
    in_home_care: int = 0
    in_step_down: int = 0
    in_care_home: int = 0

    def __post_init__(self) -> None:
        for name, value in self.as_dict().items():
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise ValueError(f"warm start {name} must be a whole number >= 0, not {value!r}")

    def as_dict(self) -> dict[str, int]:
        """The state as a plain dict (field name -> people)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def waiting(self, service: str) -> int:
        """People medically fit in acute beds waiting for ``service``."""
        return int(getattr(self, f"waiting_{service}"))

    def in_service(self, service: str) -> int:
        """People in ``service`` at the start."""
        return int(getattr(self, f"in_{service}"))

    @property
    def mffd(self) -> int:
        """Medically fit people in acute beds (waiting for a service or an assessment)."""
        return self.awaiting_assessment + sum(self.waiting(s) for s in SERVICES)

    @property
    def acute_occupied(self) -> int:
        """People in acute beds (fit or not)."""
        return self.acute_not_fit + self.mffd


def length_biased(d: Duration, u: FloatArray) -> FloatArray:
    """Stays seen in progress: the length-biased law of ``d`` (density ``x f(x) / mean``),
    by inversion of uniforms ``u`` in [0, 1) (monotone in ``u``)."""
    u = np.asarray(u, dtype=np.float64)
    if d.mean < 0 or d.sd < 0:
        raise ValueError("duration mean and sd must be non-negative")
    if d.distribution == "fixed" or d.mean == 0:
        return np.full(u.shape, float(d.mean))
    if d.distribution == "exponential":
        return np.asarray(gammaincinv(2.0, u) * d.mean, dtype=np.float64)
    if d.sd <= 1e-9 * d.mean and d.distribution in ("lognormal", "gamma"):
        return np.full(u.shape, float(d.mean))  # degenerate: fixed, as in sample_duration
    if d.distribution == "lognormal":
        sigma2 = math.log1p((d.sd / d.mean) ** 2)
        mu = math.log(d.mean) - sigma2 / 2
        return np.exp(mu + sigma2 + math.sqrt(sigma2) * ndtri(u))
    if d.distribution == "gamma":
        shape = (d.mean / d.sd) ** 2
        scale = d.sd**2 / d.mean
        return np.asarray(gammaincinv(shape + 1.0, u) * scale, dtype=np.float64)
    raise ValueError(f"unknown distribution {d.distribution!r}")


def residual(
    d: Duration, u_total: FloatArray, u_share: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``(elapsed, remaining)`` of stays in progress: a length-biased total split at a uniform
    share. ``remaining`` has the equilibrium residual density ``(1 - F(x)) / mean``."""
    total = length_biased(d, u_total)
    elapsed = np.asarray(u_share, dtype=np.float64) * total
    return elapsed, total - elapsed


@dataclass(frozen=True, eq=False)
class WarmInputs:
    """Engine inputs with the initial patients first: slots ``0 .. n_initial-1`` are the
    state's people (sorted by arrival), then the new arrivals, then the readmission reserve."""

    inputs: FlowInputs
    n_initial: int


def _pathways_needing_services(split: tuple[float, ...], u: FloatArray) -> np.ndarray:
    """Pathways 1-3 in proportion to ``split`` (pathway 1 if pathways 1-3 all have share 0)."""
    share = np.asarray(split[1:], dtype=np.float64)
    if share.sum() <= 0:
        return np.ones(u.shape, dtype=np.int64)
    cum = np.cumsum(share / share.sum())
    return 1 + np.minimum(np.searchsorted(cum, u, side="right"), 2).astype(np.int64)


def _service_stays(params: FlowParameters, pathway: np.ndarray, u: FloatArray) -> FloatArray:
    """Downstream stays for pathways ``pathway`` by inversion of ``u`` (0 on pathway 0)."""
    stay = np.zeros(pathway.shape)
    for k, name in enumerate(SERVICES):
        sel = pathway == k + 1
        stay[sel] = sample_duration(params.service(name).length_of_stay, u[sel])
    return stay


def warm_inputs(
    params: FlowParameters,
    state: WarmState,
    seed: int,
    replication: int,
    max_rate: float | None = None,
) -> WarmInputs:
    """One replication's inputs for a run started from ``state`` at day 0 (no warm-up).

    New arrivals, their attributes and the capacities are exactly those of
    :func:`~lsr.flow.sampling.draw_inputs` for ``params`` with ``warm_up_days = 0`` (same seed,
    replication and ``max_rate``: common random numbers hold across scenarios); the initial
    patients come from streams of their own (``warm:...``)."""
    new = draw_inputs(replace(params, warm_up_days=0), seed, replication, max_rate=max_rate)

    def u(name: str, n: int) -> FloatArray:
        return stream(seed, replication, "warm:" + name).random(n)

    arrival: list[FloatArray] = []
    acute_los: list[FloatArray] = []
    pathway: list[np.ndarray] = []
    needs_chc: list[np.ndarray] = []
    service_duration: list[FloatArray] = []
    chc_duration: list[FloatArray] = []

    def add(
        arr: FloatArray,
        los: FloatArray,
        pw: np.ndarray,
        chc: np.ndarray,
        sd: FloatArray,
        cd: FloatArray,
    ) -> None:
        arrival.append(arr)
        acute_los.append(los)
        pathway.append(pw)
        needs_chc.append(chc)
        service_duration.append(sd)
        chc_duration.append(cd)

    # 1. people already in each service: placed at -2 eps, stays ending at their residual time
    initial_capacity = new.initial_capacity.copy()
    changes: list[tuple[float, int, int]] = []
    for s, name in enumerate(SERVICES):
        n = state.in_service(name)
        if n == 0:
            continue
        los = params.service(name).length_of_stay
        _, left = residual(los, u(f"in_{name}_total", n), u(f"in_{name}_share", n))
        zeros = np.zeros(n)
        add(
            np.full(n, -3 * EPS),
            np.full(n, EPS),
            np.full(n, s + 1, dtype=np.int64),
            np.zeros(n, dtype=bool),
            left + 2 * EPS,
            zeros,
        )
        if n > initial_capacity[s]:  # overfull: room for everyone, then back to capacity
            changes.append((-EPS, s, int(initial_capacity[s])))
            initial_capacity[s] = n
    # 2. medically fit, waiting for each service: queue at -eps in this order
    for s, name in enumerate(SERVICES):
        n = state.waiting(name)
        if n == 0:
            continue
        los = params.service(name).length_of_stay
        add(
            np.full(n, -3 * EPS),
            np.full(n, 2 * EPS),
            np.full(n, s + 1, dtype=np.int64),
            np.zeros(n, dtype=bool),
            sample_duration(los, u(f"wait_{name}_stay", n)),
            np.zeros(n),
        )
    # 3. awaiting a CHC assessment in hospital: the first (as many as assessors) are being
    #    assessed; with CHC in the community they simply wait for their service
    n = state.awaiting_assessment
    if n:
        pw = _pathways_needing_services(params.pathway_split, u("assess_pathway", n))
        stay = _service_stays(params, pw, u("assess_stay", n))
        duration = sample_duration(params.chc.duration, u("assess_fresh", n))
        busy = min(n, int(initial_capacity[ASSESSORS]))
        _, left = residual(params.chc.duration, u("assess_total", busy), u("assess_share", busy))
        duration[:busy] = left + EPS
        hospital = params.chc.where == "hospital"
        add(
            np.full(n, -3 * EPS),
            np.full(n, 2 * EPS),
            pw,
            np.full(n, hospital),
            stay,
            duration if hospital else np.zeros(n),
        )
    # 4. in acute beds, not yet fit: arrived `elapsed` days ago, total stay length-biased
    n = state.acute_not_fit
    if n:
        total = length_biased(params.acute_length_of_stay, u("acute_total", n))
        elapsed = u("acute_share", n) * total
        cum = np.cumsum(np.asarray(params.pathway_split, dtype=np.float64))
        pw = np.minimum(np.searchsorted(cum, u("acute_pathway", n), side="right"), 3)
        pw = pw.astype(np.int64)
        chc = (pw >= 1) & (u("acute_chc", n) < params.chc.probability)
        stay = _service_stays(params, pw, u("acute_stay", n))
        cd = np.where(chc, sample_duration(params.chc.duration, u("acute_chc_duration", n)), 0.0)
        add(-elapsed, total, pw, chc, stay, cd)

    n0 = int(sum(a.shape[0] for a in arrival))
    if n0:
        init_arrival = np.concatenate(arrival)
        order = np.argsort(init_arrival, kind="stable")
        pw0 = np.concatenate(pathway)[order]
        u_sf, u_nu = u("self_funder", n0), u("nursing", n0)
        init = {
            "arrival": init_arrival[order],
            "acute_los": np.concatenate(acute_los)[order],
            "pathway": pw0,
            "needs_chc": np.concatenate(needs_chc)[order],
            "self_funder": (pw0 == 3) & (u_sf < params.self_funder_share),
            "nursing": (pw0 == 3) & (u_nu < params.nursing_share),
            "service_duration": np.concatenate(service_duration)[order],
            "chc_duration": np.concatenate(chc_duration)[order],
            "readmitted": np.zeros(n0, dtype=bool),
            "readmission_delay": np.zeros(n0),
        }
    else:
        init = {}

    def cat(name: str) -> np.ndarray:
        x = getattr(new, name)
        if not n0:
            return x
        return np.concatenate([init[name].astype(x.dtype), x])

    cap_time = np.concatenate([[c[0] for c in changes], new.cap_time]).astype(np.float64)
    cap_resource = np.concatenate([[c[1] for c in changes], new.cap_resource]).astype(np.int64)
    cap_value = np.concatenate([[c[2] for c in changes], new.cap_value]).astype(np.int64)
    inputs = replace(
        new,
        arrival=cat("arrival"),
        acute_los=cat("acute_los"),
        pathway=cat("pathway"),
        needs_chc=cat("needs_chc"),
        self_funder=cat("self_funder"),
        nursing=cat("nursing"),
        service_duration=cat("service_duration"),
        chc_duration=cat("chc_duration"),
        readmitted=cat("readmitted"),
        readmission_delay=cat("readmission_delay"),
        n_primary=new.n_primary + n0,
        initial_capacity=initial_capacity,
        cap_time=cap_time,
        cap_resource=cap_resource,
        cap_value=cap_value,
    )
    return WarmInputs(inputs=inputs, n_initial=n0)
