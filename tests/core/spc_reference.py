"""An independent reference for the Making Data Count XmR rules, for testing lsr.core.spc.

Written apart from the engine, in another style: exact rational arithmetic (``Fraction``) on
whole-number series, and every rule as a scan over fixed windows, the way the NHS England
Making Data Count Single Chart tool describes them:

* a point outside the process limits;
* a trend: every window of N points each higher (or each lower) than the one before flags all
  N points; a point in two windows of opposite trends keeps the earlier window's direction;
* two of three: every window of 3 consecutive points, all three on one side of the centre, with
  at least 2 of them beyond the 2-sigma line on that side flags those beyond it (classic: only
  up to the limit; nhse_2023: beyond the limit too); ``any_side`` drops the "all three on one
  side" condition, as the Power BI custom visual does;
* a shift: every window of N consecutive points on one side of the centre flags all N.

Priority: outside limits, trend, two of three, shift. It returns, per point, (side, rule):
side +1 (high), -1 (low) or 0."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction

LIMIT = Fraction("2.66")
TWO_SIGMA = Fraction("1.7733")
SCREEN = Fraction("3.267")


def _lines(
    segment: Sequence[int], baseline: int | None, screen: bool, gaps: Sequence[int]
) -> tuple[Fraction, Fraction]:
    base = list(segment if baseline is None else segment[:baseline])
    centre = Fraction(sum(base), len(base))
    ranges = [abs(base[k] - base[k - 1]) for k in range(1, len(base)) if k not in gaps]
    mean_mr = Fraction(sum(ranges), len(ranges))
    if screen and mean_mr > 0:
        kept = [r for r in ranges if r < SCREEN * mean_mr]
        mean_mr = Fraction(sum(kept), len(kept))
    return centre, mean_mr


def reference_rules(
    values: Sequence[int],
    *,
    trend: int = 7,
    shift: int = 7,
    variant: str = "classic",
    window: str = "same_side",
    baseline: int | None = None,
    rebase_at: Sequence[int] = (),
    screen: bool = False,
    breaks: Sequence[int] = (),
) -> list[tuple[int, str | None]]:
    """(side, rule) for every point of a whole-number series. ``breaks``: points that follow
    missing periods; no moving range and no window may contain a point and the one before a
    break."""
    n = len(values)
    result: list[tuple[int, str | None]] = [(0, None)] * n
    bounds = [0, *rebase_at, n]
    for start, end in itertools.pairwise(bounds):
        seg = list(values[start:end])
        m = len(seg)
        gaps = [b - start for b in breaks if start < b < end]
        centre, mean_mr = _lines(seg, baseline, screen, gaps)

        def whole(i: int, length: int, gaps: list[int] = gaps) -> bool:
            """Whether the window of ``length`` points from ``i`` has no gap inside."""
            return not any(i < g < i + length for g in gaps)

        ucl, lcl = centre + LIMIT * mean_mr, centre - LIMIT * mean_mr
        u2, l2 = centre + TWO_SIGMA * mean_mr, centre - TWO_SIGMA * mean_mr
        side = [(v > centre) - (v < centre) for v in seg]
        outside = [1 if v > ucl else -1 if v < lcl else 0 for v in seg]

        trend_flag = [0] * m
        for i in range(m - trend + 1):
            if not whole(i, trend):
                continue
            steps = [seg[k + 1] - seg[k] for k in range(i, i + trend - 1)]
            for direction in (1, -1):
                if all(s * direction > 0 for s in steps):
                    for k in range(i, i + trend):
                        if trend_flag[k] == 0:
                            trend_flag[k] = direction

        counts = variant == "nhse_2023"
        beyond = {
            1: [v > u2 and (counts or outside[k] == 0) for k, v in enumerate(seg)],
            -1: [v < l2 and (counts or outside[k] == 0) for k, v in enumerate(seg)],
        }

        two_flag = [0] * m
        for i in range(m - 2):
            if not whole(i, 3):
                continue
            for s in (1, -1):
                hits = [k for k in range(i, i + 3) if beyond[s][k]]
                if len(hits) < 2:
                    continue
                if window == "same_side" and any(side[k] != s for k in range(i, i + 3)):
                    continue
                for k in hits:
                    two_flag[k] = s

        shift_flag = [0] * m
        for i in range(m - shift + 1):
            if not whole(i, shift):
                continue
            for s in (1, -1):
                if all(side[k] == s for k in range(i, i + shift)):
                    for k in range(i, i + shift):
                        shift_flag[k] = s

        for k in range(m):
            for name, flags in (
                ("outside_limits", outside),
                ("trend", trend_flag),
                ("two_of_three", two_flag),
                ("shift", shift_flag),
            ):
                if flags[k]:
                    result[start + k] = (flags[k], name)
                    break
    return result
