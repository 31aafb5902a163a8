"""Small-number disclosure control for counts published from person-level data.

The rules follow the NHS Digital disclosure control guidance for Hospital Episode Statistics
(HES Analysis Guide):

* ``0`` is published as ``"0"``;
* counts from 1 to 7 are suppressed and published as ``"*"`` (*primary suppression*);
* counts of 8 and over are rounded to the nearest 5 (halves round up), so 8 -> ``"10"``,
  12 -> ``"10"``, 13 -> ``"15"``;
* national totals are published unsuppressed and unrounded (``national=True``).

When a row of cells adds up to a published total and exactly one cell is primary-suppressed, the
suppressed value could be recovered by subtracting the others from the total, so the next
smallest non-zero cell is also suppressed (*secondary suppression*, :func:`suppress_with_total`).

The thresholds are keyword parameters (``min_suppressed=1``, ``max_suppressed=7``,
``rounding_base=5``) so that a different publication policy can be applied consistently.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral, Real

import numpy as np
import numpy.typing as npt

#: The symbol published in place of a suppressed count.
SUPPRESSED: str = "*"
MIN_SUPPRESSED: int = 1
MAX_SUPPRESSED: int = 7
ROUNDING_BASE: int = 5


def _check_policy(min_suppressed: int, max_suppressed: int, rounding_base: int) -> None:
    if not 1 <= min_suppressed <= max_suppressed:
        raise ValueError("need 1 <= min_suppressed <= max_suppressed")
    if rounding_base < 1:
        raise ValueError("rounding_base must be at least 1")


def _as_count(n: object) -> int:
    """A non-negative integer count, or ``ValueError``/``TypeError``."""
    if isinstance(n, bool | np.bool_):
        raise TypeError("a count must be a number, not a bool")
    if isinstance(n, Integral):
        value = int(n)
    elif isinstance(n, Real):
        f = float(n)
        if not math.isfinite(f) or not f.is_integer():
            raise ValueError(f"a count must be a whole number, got {n!r}")
        value = int(f)
    else:
        raise TypeError(f"a count must be a number, got {type(n).__name__}")
    if value < 0:
        raise ValueError(f"a count must be non-negative, got {value}")
    return value


def round_half_up(n: int, base: int = ROUNDING_BASE) -> int:
    """Round a non-negative integer to the nearest multiple of ``base``; halves round up."""
    count = _as_count(n)
    if base < 1:
        raise ValueError("base must be at least 1")
    return (2 * count + base) // (2 * base) * base


def is_suppressed(
    n: int,
    national: bool = False,
    *,
    min_suppressed: int = MIN_SUPPRESSED,
    max_suppressed: int = MAX_SUPPRESSED,
) -> bool:
    """Whether the count ``n`` is primary-suppressed (1 to 7 by default; never when national)."""
    if min_suppressed > max_suppressed or min_suppressed < 1:
        raise ValueError("need 1 <= min_suppressed <= max_suppressed")
    count = _as_count(n)
    return not national and min_suppressed <= count <= max_suppressed


def suppress_count(
    n: int,
    national: bool = False,
    *,
    min_suppressed: int = MIN_SUPPRESSED,
    max_suppressed: int = MAX_SUPPRESSED,
    rounding_base: int = ROUNDING_BASE,
) -> str:
    """The published form of one count.

    ``0`` -> ``"0"``; ``min_suppressed``..``max_suppressed`` -> ``"*"``; larger counts rounded
    to the nearest ``rounding_base`` (halves up). With ``national=True`` the exact count is
    returned.

    Raises:
        ValueError: for a negative or non-whole count, or an inconsistent policy.
        TypeError: for a non-numeric count.
    """
    _check_policy(min_suppressed, max_suppressed, rounding_base)
    count = _as_count(n)
    if national or count == 0:
        return str(count)
    if min_suppressed <= count <= max_suppressed:
        return SUPPRESSED
    return str(round_half_up(count, rounding_base))


def suppress_counts(
    counts: Iterable[int] | npt.ArrayLike,
    national: bool = False,
    *,
    min_suppressed: int = MIN_SUPPRESSED,
    max_suppressed: int = MAX_SUPPRESSED,
    rounding_base: int = ROUNDING_BASE,
) -> list[str]:
    """:func:`suppress_count` applied to each count (no secondary suppression)."""
    flat = np.asarray(counts).ravel().tolist()
    return [
        suppress_count(
            c,
            national,
            min_suppressed=min_suppressed,
            max_suppressed=max_suppressed,
            rounding_base=rounding_base,
        )
        for c in flat
    ]


def suppress_array(
    counts: npt.ArrayLike,
    national: bool = False,
    *,
    min_suppressed: int = MIN_SUPPRESSED,
    max_suppressed: int = MAX_SUPPRESSED,
    rounding_base: int = ROUNDING_BASE,
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.bool_]]:
    """Vectorised :func:`suppress_count` for large arrays: ``(published strings, suppressed)``.

    Same rules and errors as :func:`suppress_count`, computed with numpy (used for the national
    profile, where a per-count Python call would dominate the run time)."""
    _check_policy(min_suppressed, max_suppressed, rounding_base)
    raw = np.asarray(counts)
    if raw.dtype.kind not in "iuf":  # as suppress_count: no booleans, text or other objects
        raise TypeError(f"counts must be numbers, got an array of {raw.dtype}")
    values = raw.astype(np.float64).ravel()
    if not np.all(np.isfinite(values)) or np.any(values != np.floor(values)):
        raise ValueError("counts must be whole numbers")
    if np.any(values < 0):
        raise ValueError("counts must be non-negative")
    whole = values.astype(np.int64)
    hidden = (whole >= min_suppressed) & (whole <= max_suppressed) & (not national)
    if national:
        shown = whole
    else:
        shown = (2 * whole + rounding_base) // (2 * rounding_base) * rounding_base
        shown = np.where(whole == 0, 0, shown)
    text = shown.astype(str)
    text = np.where(hidden, SUPPRESSED, text)
    return text, hidden


def suppress_with_total(
    counts: Sequence[int],
    national: bool = False,
    *,
    min_suppressed: int = MIN_SUPPRESSED,
    max_suppressed: int = MAX_SUPPRESSED,
    rounding_base: int = ROUNDING_BASE,
) -> list[str]:
    """Suppress a row of cells that add up to a published total, with secondary suppression.

    Each cell gets :func:`suppress_count`. If exactly one cell is then primary-suppressed, the
    smallest remaining non-zero cell (the first one, on ties) is also published as ``"*"`` so
    the suppressed value cannot be recovered as *total minus the other cells*.

    If the suppressed cell is the only non-zero cell there is nothing to add: the total then
    equals that cell and is itself suppressed when published with :func:`suppress_count`
    (``suppress_count(sum(counts))``), which is how the total should be published.

    National rows (``national=True``) are published exactly, without any suppression.
    """
    values = [_as_count(c) for c in counts]
    published = suppress_counts(
        values,
        national,
        min_suppressed=min_suppressed,
        max_suppressed=max_suppressed,
        rounding_base=rounding_base,
    )
    if national:
        return published
    primary = [i for i, p in enumerate(published) if p == SUPPRESSED]
    if len(primary) == 1:
        candidates = [i for i, v in enumerate(values) if v > 0 and published[i] != SUPPRESSED]
        if candidates:
            secondary = min(candidates, key=lambda i: (values[i], i))
            published[secondary] = SUPPRESSED
    return published
