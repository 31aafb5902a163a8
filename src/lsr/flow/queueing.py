"""Closed-form queueing results used to check the simulation and for quick sizing.

- Erlang B (loss system M/M/c/c, Erlang 1917): the probability an arrival finds all ``c``
  places busy and is lost, for offered load ``a = arrival rate x mean service time``. Computed
  with the stable recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), which is also valid for
  Erlang-distributed and general service times (the formula is insensitive to the service time
  distribution beyond its mean).
- Erlang C (delay system M/M/c): the probability an arrival has to wait,
  C = c B / (c - a (1 - B)) for a < c.
- M/M/c: utilisation rho = a / c, mean queue length Lq = C rho / (1 - rho), mean wait
  Wq = Lq / lambda, mean number in system L = Lq + a, mean time in system W = Wq + 1 / mu.

References: A. K. Erlang, "Solution of some problems in the theory of probabilities of
significance in automatic telephone exchanges", Elektroteknikeren 13 (1917); D. Gross,
J. F. Shortle, J. M. Thompson and C. M. Harris, *Fundamentals of Queueing Theory*, 4th ed.,
Wiley (2008), sections 2.3 (M/M/c) and 2.5 (M/M/c/K, Erlang's loss formula).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def erlang_b(c: int, a: float) -> float:
    """Erlang's loss probability for ``c`` servers and offered load ``a`` (erlangs)."""
    if c < 0 or a < 0:
        raise ValueError("c and a must be non-negative")
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in an M/M/c queue (1 if ``a >= c``: the queue is unstable)."""
    if c <= 0:
        raise ValueError("c must be positive")
    if a < 0:
        raise ValueError("a must be non-negative")
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


@dataclass(frozen=True)
class MMC:
    """Steady-state measures of an M/M/c queue (times in the units of the rates)."""

    utilisation: float  # rho = a / c
    p_wait: float  # Erlang C
    lq: float  # mean number waiting
    wq: float  # mean wait in the queue
    l: float  # noqa: E741  mean number in the system
    w: float  # mean time in the system


def mmc(arrival_rate: float, service_rate: float, c: int) -> MMC:
    """M/M/c measures for arrival rate lambda, service rate mu per server and ``c`` servers.

    Unstable queues (lambda >= c mu) return infinite Lq, Wq, L and W."""
    if arrival_rate < 0 or service_rate <= 0 or c <= 0:
        raise ValueError("need arrival_rate >= 0, service_rate > 0 and c > 0")
    a = arrival_rate / service_rate
    rho = a / c
    pw = erlang_c(c, a)
    if rho >= 1:
        return MMC(rho, 1.0, math.inf, math.inf, math.inf, math.inf)
    lq = pw * rho / (1.0 - rho)
    wq = lq / arrival_rate if arrival_rate > 0 else 0.0
    return MMC(rho, pw, lq, wq, lq + a, wq + 1.0 / service_rate)
