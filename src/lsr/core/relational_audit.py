"""Relational audit statistics: how staff of one organisation rate their relationship with
another, on 1-5 scales, with small-number suppression applied here and only here.

The unit is the **ordered pair** (rater, rated): the respondent's own organisation rating
another organisation. "Trust from the council in the hospital" and "trust from the hospital in
the council" are different cells of the heatmap (rows are raters, columns rated).

For each ordered pair and dimension (a *cell*):

* ``n`` answers (a "don't know" is no answer), the mean, and a **t interval** for the mean
  (95 %: ``mean +- t(0.975, n-1) * s / sqrt(n)``), cut to the 1-5 scale. A t interval rather
  than a bootstrap: cells are published only from 5 answers, where a percentile bootstrap is
  too narrow (it cannot be wider than the spread of a handful of values) and depends on a seed;
  the t interval is the usual choice for a mean of Likert-type scores, exact under normality and
  conservative enough for bounded scores at these sizes. When every answer is the same the
  interval is that value (no spread observed).
* the **change between two rounds** (independent samples: different people answer each round,
  and nothing links their answers): difference of means with a **Welch** interval (unequal
  variances, Welch-Satterthwaite degrees of freedom), cut to -4..4.

**Suppression** (:data:`MIN_RESPONSES` = 5): a cell with fewer than 5 answers is published with
no value at all: not its mean, interval, or count (``n`` is ``None``; shown as "fewer than 5").
Every output (page, export, API, report) is built from :class:`Cell`, :class:`Edge` and
:class:`Change`, which never hold the value of a suppressed cell: the raw figures are computed
by private functions and dropped here. A count of 0 is not a disclosure and is published as 0.

**Secondary suppression**: no row or column totals or means are published, so a suppressed cell
cannot be recovered by subtraction from a margin. The only aggregate of several cells is the
network chart's edge between two organisations (both directions together): it is published only
when each direction has 0 or at least 5 answers, so that it never includes a suppressed cell
(otherwise ``edge * n - published direction`` would give the suppressed one). Counts of
respondents per organisation follow the same rule as cells (fewer than 5: not published).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scipy import stats

#: The fewest answers a published cell may have.
MIN_RESPONSES = 5
#: The scale of every dimension.
SCALE_MIN, SCALE_MAX = 1, 5
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Rating:
    """One answer: the respondent's organisation (``rater``) rating ``rated`` on ``dimension``
    with ``score`` (1-5)."""

    rater: str
    rated: str
    dimension: str
    score: int


@dataclass(frozen=True)
class Cell:
    """One ordered pair and dimension. ``suppressed``: fewer than 5 answers (and at least 1);
    then ``n``, ``mean``, ``low`` and ``high`` are all ``None``."""

    rater: str
    rated: str
    dimension: str
    n: int | None
    mean: float | None
    low: float | None
    high: float | None
    suppressed: bool


@dataclass(frozen=True)
class Edge:
    """Two organisations, both directions together (the network chart)."""

    a: str
    b: str
    dimension: str
    n: int | None
    mean: float | None
    suppressed: bool


@dataclass(frozen=True)
class Change:
    """A cell in two rounds: round 2 minus round 1 with a Welch interval. Suppressed when
    either round's cell is."""

    rater: str
    rated: str
    dimension: str
    n1: int | None
    n2: int | None
    mean1: float | None
    mean2: float | None
    difference: float | None
    low: float | None
    high: float | None
    suppressed: bool


def _check(score: object) -> int:
    if isinstance(score, bool) or not isinstance(score, int):
        raise TypeError(f"a score must be a whole number, got {score!r}")
    if not SCALE_MIN <= score <= SCALE_MAX:
        raise ValueError(f"a score must be from {SCALE_MIN} to {SCALE_MAX}, got {score}")
    return score


def is_published(n: int) -> bool:
    """Whether a group of ``n`` answers may be published (0, or at least 5)."""
    if n < 0:
        raise ValueError("a count cannot be negative")
    return n == 0 or n >= MIN_RESPONSES


def published_count(n: int) -> int | None:
    """``n`` if it may be published, else ``None`` (shown as "fewer than 5")."""
    return n if is_published(n) else None


def _mean_sd(scores: Sequence[int]) -> tuple[float, float]:
    n = len(scores)
    mean = math.fsum(scores) / n
    var = math.fsum((x - mean) ** 2 for x in scores) / (n - 1) if n > 1 else 0.0
    return mean, math.sqrt(var)


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def mean_interval(scores: Sequence[int]) -> tuple[float, float, float]:
    """Mean and 95 % t interval of at least two scores, cut to the scale. Not suppressed: use
    :func:`cells` for anything published."""
    values = [_check(s) for s in scores]
    if len(values) < 2:
        raise ValueError("an interval needs at least two scores")
    mean, sd = _mean_sd(values)
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(values) - 1)) * sd / math.sqrt(len(values))
    return mean, _clip(mean - half, SCALE_MIN, mean), _clip(mean + half, mean, SCALE_MAX)


def welch_interval(first: Sequence[int], second: Sequence[int]) -> tuple[float, float, float]:
    """``mean(second) - mean(first)`` and its 95 % Welch interval, cut to -4..4."""
    a = [_check(s) for s in first]
    b = [_check(s) for s in second]
    if len(a) < 2 or len(b) < 2:
        raise ValueError("a Welch interval needs at least two scores in each round")
    m1, s1 = _mean_sd(a)
    m2, s2 = _mean_sd(b)
    diff = m2 - m1
    v1, v2 = s1**2 / len(a), s2**2 / len(b)
    se = math.sqrt(v1 + v2)
    if se == 0:
        return diff, diff, diff
    df = (v1 + v2) ** 2 / (v1**2 / (len(a) - 1) + v2**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * se
    span = SCALE_MAX - SCALE_MIN
    return diff, _clip(diff - half, -span, diff), _clip(diff + half, diff, span)


def _grouped(ratings: Iterable[Rating]) -> dict[tuple[str, str, str], list[int]]:
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for r in ratings:
        if r.rater == r.rated:
            raise ValueError(f"{r.rater} cannot rate itself")
        groups[(r.rater, r.rated, r.dimension)].append(_check(r.score))
    return groups


def _cell(key: tuple[str, str, str], scores: Sequence[int]) -> Cell:
    rater, rated, dimension = key
    n = len(scores)
    if not is_published(n):
        return Cell(rater, rated, dimension, None, None, None, None, True)
    if n == 0:
        return Cell(rater, rated, dimension, 0, None, None, None, False)
    mean, low, high = mean_interval(scores)
    return Cell(rater, rated, dimension, n, mean, low, high, False)


def cells(
    ratings: Iterable[Rating], organisations: Sequence[str], dimensions: Sequence[str]
) -> list[Cell]:
    """Every ordered pair of ``organisations`` (rater first, no self-pairs) for every dimension,
    in that order, suppressed below :data:`MIN_RESPONSES`."""
    groups = _grouped(ratings)
    return [
        _cell((a, b, d), groups.get((a, b, d), []))
        for d in dimensions
        for a in organisations
        for b in organisations
        if a != b
    ]


def edges(
    ratings: Iterable[Rating], organisations: Sequence[str], dimensions: Sequence[str]
) -> list[Edge]:
    """Every unordered pair for every dimension: both directions' answers together, published
    only when each direction has 0 or at least 5 answers (see the module docstring)."""
    groups = _grouped(ratings)
    out: list[Edge] = []
    for d in dimensions:
        for i, a in enumerate(organisations):
            for b in organisations[i + 1 :]:
                ab, ba = groups.get((a, b, d), []), groups.get((b, a, d), [])
                both = [*ab, *ba]
                if not (is_published(len(ab)) and is_published(len(ba))):
                    out.append(Edge(a, b, d, None, None, True))
                elif not both:
                    out.append(Edge(a, b, d, 0, None, False))
                else:
                    out.append(Edge(a, b, d, len(both), math.fsum(both) / len(both), False))
    return out


def changes(
    first: Iterable[Rating],
    second: Iterable[Rating],
    organisations: Sequence[str],
    dimensions: Sequence[str],
) -> list[Change]:
    """Each cell's change from round ``first`` to round ``second`` (Welch), suppressed when the
    cell has fewer than 5 answers in either round; no change when a round has none."""
    g1, g2 = _grouped(first), _grouped(second)
    out: list[Change] = []
    for d in dimensions:
        for a in organisations:
            for b in organisations:
                if a == b:
                    continue
                s1, s2 = g1.get((a, b, d), []), g2.get((a, b, d), [])
                if not (is_published(len(s1)) and is_published(len(s2))):
                    out.append(Change(a, b, d, *([None] * 7), True))  # type: ignore[arg-type]
                    continue
                if not s1 or not s2:
                    m1 = math.fsum(s1) / len(s1) if s1 else None
                    m2 = math.fsum(s2) / len(s2) if s2 else None
                    out.append(Change(a, b, d, len(s1), len(s2), m1, m2, None, None, None, False))
                    continue
                diff, low, high = welch_interval(s1, s2)
                out.append(
                    Change(
                        a, b, d, len(s1), len(s2), math.fsum(s1) / len(s1),
                        math.fsum(s2) / len(s2), diff, low, high, False,
                    )
                )  # fmt: skip
    return out


def respondent_counts(counts: Mapping[str, int]) -> tuple[dict[str, int | None], int | None]:
    """Respondents per organisation and in all, each published only if 0 or at least 5, with
    the total published: when exactly one organisation's count is suppressed, the smallest
    other non-zero count is suppressed too (*secondary suppression*), else the total minus
    the published counts would give it."""
    out = {org: published_count(n) for org, n in counts.items()}
    hidden = [org for org, n in out.items() if n is None]
    if len(hidden) == 1:
        others = sorted((n, org) for org, n in counts.items() if org not in hidden and n > 0)
        if others:
            out[others[0][1]] = None
    return out, published_count(sum(counts.values()))
