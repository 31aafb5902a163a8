"""Statistical process control: NHS England "Making Data Count" XmR charts.

Pure computation, no I/O. :func:`xmr` takes a series of values and a set of :class:`SpcOptions`
and returns an :class:`SpcResult` with, for every point, the centre line, the process limits, the
2-sigma lines, the special-cause type and the rule that decided it, plus the variation and
assurance icons and a sentence stating the rule set used.

The rules, written from the NHS England / NHS Improvement "Making Data Count" guidance (see
``docs/methods/spc.md``):

* centre = mean of the baseline; moving range ``mR_t = |y_t - y_(t-1)|``;
  limits = centre ± 2.66 × mean(mR); 2-sigma lines = centre ± 1.7733 × mean(mR);
* optional moving-range screening: moving ranges ≥ 3.267 × mean(mR) are dropped and mean(mR) is
  recomputed once (off by default, as in the NHS England spreadsheet);
* special-cause rules in priority order: ``outside_limits``, ``trend``, ``two_of_three``,
  ``shift``. The highest-priority rule that flags a point decides its type and is its ``rule``.
  Two of three counts a window only when all three points are on the same side of the centre,
  as NHS England's Making Data Count Single Chart tool does (NHSRplotthedots issues 143 and
  194); ``two_of_three_window="any_side"`` gives the Power BI custom visual's reading.

Decisions the guidance leaves open, fixed here and documented in ``docs/methods/spc.md``:

* a point exactly on a limit is not outside it; a point exactly on the centre breaks a shift;
  "exactly" allows for floating-point rounding (a relative tolerance of 1e-11);
* each rebase segment is computed on its own: its own centre and limits, moving ranges never
  cross a rebase boundary, and trend, shift and 2-of-3 runs restart at a rebase;
* a fixed baseline longer than a segment uses the whole segment;
* a point that ends one qualifying trend and starts another in the opposite direction keeps the
  direction of the earlier trend;
* the assurance icon compares the target with the limits of the last segment; a target exactly
  on a limit counts as inside (``inconsistent``); a neutral direction gives no assurance icon.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LIMIT_FACTOR",
    "MIN_BASELINE_POINTS",
    "MIN_NON_TRIAL_POINTS",
    "RULE_NAMES",
    "SCREEN_FACTOR",
    "TWO_SIGMA_FACTOR",
    "Direction",
    "PointType",
    "SpcOptions",
    "SpcResult",
    "xmr",
]

LIMIT_FACTOR = 2.66
"""Limits are centre ± ``LIMIT_FACTOR`` × mean moving range (3 / 1.128, rounded)."""
TWO_SIGMA_FACTOR = 1.7733
"""2-sigma lines are centre ± ``TWO_SIGMA_FACTOR`` × mean moving range (2/3 of 2.66)."""
SCREEN_FACTOR = 3.267
"""Screening drops moving ranges ≥ ``SCREEN_FACTOR`` × mean moving range (the mR chart's UCL)."""
MIN_BASELINE_POINTS = 12
"""The smallest fixed baseline a user may set."""
MIN_NON_TRIAL_POINTS = 13
"""Limits from a baseline with fewer points than this are trial limits."""
RULE_NAMES = ("outside_limits", "trend", "two_of_three", "shift")
"""The special-cause rules, highest priority first."""

_REL_TOL = 1e-11


class Direction(StrEnum):
    """Which direction of change is an improvement."""

    INCREASE = "increase"
    DECREASE = "decrease"
    NEUTRAL = "neutral"


class PointType(StrEnum):
    """The variation type of one point."""

    COMMON_CAUSE = "common_cause"
    IMPROVEMENT = "special_cause_improvement"
    CONCERN = "special_cause_concern"
    NEUTRAL_HIGH = "special_cause_neutral_high"
    NEUTRAL_LOW = "special_cause_neutral_low"


@dataclass(frozen=True)
class SpcOptions:
    """Settings for an XmR chart.

    Attributes:
        improvement: which direction is an improvement (``neutral``: neither).
        target: an optional target; with a non-neutral direction it gives the assurance icon.
        baseline_points: fix the centre and limits on the first ``n`` points of each segment
            (``n`` ≥ 12); ``None`` uses all points of each segment.
        rebase_at: 0-based point indexes where a new segment (with its own limits) starts.
        trend_length: points in a run of consecutive increases or decreases that signals a
            trend (at least 3; NHS tools use 6 or 7).
        shift_length: points in a run on one side of the centre that signals a shift
            (at least 2; NHS tools use 6 or 7).
        two_of_three_variant: ``"classic"`` counts only points between the 2-sigma line and the
            limit; ``"nhse_2023"`` also counts points beyond the limits.
        two_of_three_window: ``"same_side"`` (default, as NHS England's Making Data Count
            Single Chart tool) counts a window of three only when all three points lie on the
            same side of the centre as the two beyond 2 sigma; ``"any_side"`` (as the Power BI
            custom visual) lets the third point lie anywhere.
        screen_moving_ranges: drop moving ranges ≥ 3.267 × mean(mR) and recompute mean(mR) once.

    Raises:
        ValueError: for a baseline of fewer than 12 points, a trend length below 3, a shift
            length below 2, an unknown 2-of-3 variant or direction, or non-integer rebase
            indexes. Rebase indexes are checked against the series by :func:`xmr`.
    """

    improvement: Direction = Direction.NEUTRAL
    target: float | None = None
    baseline_points: int | None = None
    rebase_at: tuple[int, ...] = ()
    trend_length: int = 7
    shift_length: int = 7
    two_of_three_variant: Literal["classic", "nhse_2023"] = "classic"
    screen_moving_ranges: bool = False
    two_of_three_window: Literal["same_side", "any_side"] = "same_side"

    def __post_init__(self) -> None:
        try:
            direction = Direction(self.improvement)
        except ValueError:
            raise ValueError(
                f"improvement must be one of {[d.value for d in Direction]}, "
                f"not {self.improvement!r}"
            ) from None
        object.__setattr__(self, "improvement", direction)
        if self.target is not None:
            target = float(self.target)
            if not math.isfinite(target):
                raise ValueError(f"target must be a finite number, not {self.target!r}")
            object.__setattr__(self, "target", target)
        if self.baseline_points is not None:
            if not _is_int(self.baseline_points):
                raise ValueError(
                    f"baseline_points must be an integer, not {self.baseline_points!r}"
                )
            if self.baseline_points < MIN_BASELINE_POINTS:
                raise ValueError(
                    f"baseline_points must be at least {MIN_BASELINE_POINTS} "
                    f"(got {self.baseline_points}): limits fixed on fewer points are not "
                    "reliable enough to fix"
                )
            object.__setattr__(self, "baseline_points", int(self.baseline_points))
        rebase = tuple(self.rebase_at)
        if not all(_is_int(i) for i in rebase):
            raise ValueError(f"rebase_at must hold integer point indexes, not {self.rebase_at!r}")
        object.__setattr__(self, "rebase_at", tuple(int(i) for i in rebase))
        if not _is_int(self.trend_length) or self.trend_length < 3:
            raise ValueError(
                f"trend_length must be an integer of at least 3, not {self.trend_length!r}"
            )
        if not _is_int(self.shift_length) or self.shift_length < 2:
            raise ValueError(
                f"shift_length must be an integer of at least 2, not {self.shift_length!r}"
            )
        if self.two_of_three_variant not in ("classic", "nhse_2023"):
            raise ValueError(
                "two_of_three_variant must be 'classic' or 'nhse_2023', "
                f"not {self.two_of_three_variant!r}"
            )
        if self.two_of_three_window not in ("same_side", "any_side"):
            raise ValueError(
                "two_of_three_window must be 'same_side' or 'any_side', "
                f"not {self.two_of_three_window!r}"
            )
        object.__setattr__(self, "screen_moving_ranges", bool(self.screen_moving_ranges))

    def describe(self) -> str:
        """The rule-set sentence, stating exactly how the chart was computed.

        For the defaults: ``"XmR (NHS Making Data Count): limits mean ± 2.66 × mean moving
        range; moving-range screening off; rules: outside limits; trend of 7; 2 of 3 beyond 2
        sigma (classic, all three points on one side of the centre); shift of 7; baseline all
        points; no rebase"``.
        """
        if self.screen_moving_ranges:
            screening = (
                "moving-range screening on (moving ranges ≥ 3.267 × mean moving range "
                "excluded, mean recomputed once)"
            )
        else:
            screening = "moving-range screening off"
        if self.two_of_three_variant == "classic":
            variant = "classic"
        else:
            variant = "nhse_2023, counting points beyond the limits"
        if self.two_of_three_window == "same_side":
            variant += ", all three points on one side of the centre"
        else:
            variant += ", third point on either side"
        if self.baseline_points is None:
            baseline = "baseline all points"
        else:
            baseline = f"baseline first {self.baseline_points} points"
            if self.rebase_at:
                baseline += " of each segment"
        if self.rebase_at:
            rebase = "rebased at point indexes " + ", ".join(map(str, self.rebase_at))
            rebase += " (0-based)"
        else:
            rebase = "no rebase"
        return (
            "XmR (NHS Making Data Count): limits mean ± 2.66 × mean moving range; "
            f"{screening}; rules: outside limits; trend of {self.trend_length}; "
            f"2 of 3 beyond 2 sigma ({variant}); shift of {self.shift_length}; "
            f"{baseline}; {rebase}"
        )


@dataclass(frozen=True, eq=False)
class SpcResult:
    """An XmR chart: per-point lines and classification, icons and the rule set used.

    All arrays have one entry per point and are read-only. ``point_type`` and ``rule`` give each
    point's type and the highest-priority rule that flagged it (``None`` for common cause).
    ``trial_limits`` is true for points whose segment baseline has fewer than 13 points.

    ``variation_icon`` is the last point's type: ``common_cause``, ``improvement_high``,
    ``improvement_low``, ``concern_high``, ``concern_low``, ``neutral_high`` or ``neutral_low``.
    ``assurance_icon`` is ``consistent_pass``, ``consistent_fail`` or ``inconsistent`` when a
    target and a non-neutral improvement direction are given, otherwise ``None``.
    """

    values: npt.NDArray[np.float64]
    centre: npt.NDArray[np.float64]
    lower_limit: npt.NDArray[np.float64]
    upper_limit: npt.NDArray[np.float64]
    lower_2sigma: npt.NDArray[np.float64]
    upper_2sigma: npt.NDArray[np.float64]
    point_type: tuple[PointType, ...]
    rule: tuple[str | None, ...]
    trial_limits: npt.NDArray[np.bool_]
    variation_icon: str
    assurance_icon: str | None
    rule_set: str
    options: SpcOptions
    breaks: tuple[int, ...] = ()
    """Indexes of points that follow a gap in the series (see :func:`xmr`)."""

    @property
    def has_trial_limits(self) -> bool:
        """Whether any point's limits are trial limits (a segment baseline under 13 points)."""
        return bool(self.trial_limits.any())

    @property
    def segment(self) -> npt.NDArray[np.int64]:
        """The 0-based rebase segment of each point."""
        index = np.arange(len(self.values))
        return np.searchsorted(np.asarray(self.options.rebase_at, dtype=np.int64), index, "right")

    def to_frame(self) -> pd.DataFrame:
        """One row per point: value, segment, lines, type, rule and trial-limits flag."""
        import pandas as pd

        return pd.DataFrame(
            {
                "value": self.values,
                "segment": self.segment,
                "centre": self.centre,
                "lower_limit": self.lower_limit,
                "upper_limit": self.upper_limit,
                "lower_2sigma": self.lower_2sigma,
                "upper_2sigma": self.upper_2sigma,
                "point_type": [str(t) for t in self.point_type],
                "rule": pd.Series(self.rule, dtype=object),
                "trial_limits": self.trial_limits,
            }
        )


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _segment_bounds(n: int, rebase_at: tuple[int, ...]) -> list[tuple[int, int]]:
    for i in rebase_at:
        if not 0 < i < n:
            raise ValueError(
                f"rebase index {i} is out of range: a rebase must start a new segment at a "
                f"point index between 1 and {n - 1} for a series of {n} points"
            )
    if any(b <= a for a, b in itertools.pairwise(rebase_at)):
        raise ValueError(f"rebase indexes must be strictly increasing, got {list(rebase_at)}")
    starts = [0, *rebase_at]
    ends = [*rebase_at, n]
    bounds = list(zip(starts, ends, strict=True))
    for start, end in bounds:
        if end - start < 2:
            raise ValueError(
                f"the segment starting at point index {start} has {end - start} point; "
                "every rebase segment needs at least 2 points"
            )
    return bounds


def _segment_lines(
    segment: npt.NDArray[np.float64], options: SpcOptions, breaks: Sequence[int] = ()
) -> tuple[float, float, bool]:
    """Centre, mean moving range and trial-limits flag for one segment. ``breaks`` (indexes
    within the segment) are gaps in the series: no moving range spans one."""
    n_base = len(segment)
    if options.baseline_points is not None:
        n_base = min(n_base, options.baseline_points)
    baseline = segment[:n_base]
    centre = float(baseline.mean())
    moving_ranges = np.abs(np.diff(baseline))
    if breaks:
        keep = np.ones(len(moving_ranges), dtype=bool)
        for b in breaks:
            if 0 < b < n_base:
                keep[b - 1] = False  # the range from point b-1 to point b spans the gap
        moving_ranges = moving_ranges[keep]
    if len(moving_ranges) == 0:
        raise ValueError(
            "no two consecutive points without a gap between them in the baseline: an XmR "
            "chart needs at least one moving range"
        )
    mean_mr = float(moving_ranges.mean())
    if options.screen_moving_ranges and mean_mr > 0.0:
        # ">= threshold" is dropped; the tolerance keeps a range equal to it (up to rounding) out.
        kept = moving_ranges[moving_ranges < SCREEN_FACTOR * mean_mr * (1.0 - _REL_TOL)]
        mean_mr = float(kept.mean())
    return centre, mean_mr, n_base < MIN_NON_TRIAL_POINTS


def _close_run(
    sides: list[int], start: int, end: int, side: int, min_length: int, keep: bool
) -> None:
    """Flag points ``start..end-1`` with ``side`` if the run is long enough."""
    if side != 0 and end - start >= min_length:
        for k in range(start, end):
            if not (keep and sides[k]):
                sides[k] = side


def _trend(vals: list[float], start: int, end: int, length: int, sides: list[int]) -> None:
    run_start = start
    direction = 0
    for i in range(start + 1, end):
        diff = vals[i] - vals[i - 1]
        move = (diff > 0) - (diff < 0)
        if move != 0 and move == direction:
            continue
        _close_run(sides, run_start, i, direction, length, keep=True)
        direction = move
        run_start = i if move == 0 else i - 1
    _close_run(sides, run_start, end, direction, length, keep=True)


def _shift(position: list[int], start: int, end: int, length: int, sides: list[int]) -> None:
    run_start = start
    for i in range(start + 1, end):
        if position[i] != position[run_start]:
            _close_run(sides, run_start, i, position[run_start], length, keep=False)
            run_start = i
    _close_run(sides, run_start, end, position[run_start], length, keep=False)


def _two_of_three(
    counted: list[int],
    position: list[int],
    start: int,
    end: int,
    sides: list[int],
    same_side: bool,
) -> None:
    """Flag the points beyond 2 sigma of every window of three consecutive points that has two
    or more of them on one side; with ``same_side`` the window counts only when all three
    points lie on that side of the centre (a point on the centre line is on neither)."""
    for j in range(start, end - 2):
        window = counted[j : j + 3]
        for side in (1, -1):
            if window.count(side) < 2:
                continue
            if same_side and any(position[k] != side for k in range(j, j + 3)):
                continue
            for k in range(j, j + 3):
                if counted[k] == side:
                    sides[k] = side


def _check_breaks(breaks: Sequence[int], n: int) -> tuple[int, ...]:
    out = tuple(breaks)
    if not all(_is_int(b) for b in out):
        raise ValueError(f"breaks must hold integer point indexes, not {list(breaks)!r}")
    out = tuple(int(b) for b in out)
    if any(not 0 < b < n for b in out):
        raise ValueError(
            f"break indexes must lie between 1 and {n - 1} for a series of {n} points, "
            f"got {list(out)}"
        )
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise ValueError(f"break indexes must be strictly increasing, got {list(out)}")
    return out


def xmr(
    values: Sequence[float] | npt.NDArray[np.floating],
    options: SpcOptions = SpcOptions(),
    *,
    breaks: Sequence[int] = (),
) -> SpcResult:
    """Compute an NHS "Making Data Count" XmR chart for a series.

    Args:
        values: the series in time order (at least 2 finite values).
        options: the chart settings; see :class:`SpcOptions`.
        breaks: 0-based indexes ``i`` where periods are missing between point ``i - 1`` and
            point ``i`` (e.g. months with no data). The centre and limits come from the points
            that exist; no moving range spans a gap, and no trend, shift or 2-of-3 window runs
            across one. The rule-set sentence says so.

    Returns:
        The chart: per-point centre, limits, 2-sigma lines, point type and rule, trial-limits
        flags, the variation and assurance icons and the rule-set sentence.

    Raises:
        ValueError: for fewer than 2 points, a series that is not one-dimensional, missing or
            non-finite values, or rebase indexes that are out of range, not increasing or leave
            a segment with fewer than 2 points.
    """
    y = np.array(values, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"values must be a one-dimensional series, got shape {y.shape}")
    n = len(y)
    if n < 2:
        raise ValueError(f"an XmR chart needs at least 2 points, got {n}")
    if not np.isfinite(y).all():
        bad = np.flatnonzero(~np.isfinite(y)).tolist()
        raise ValueError(f"values must be finite numbers; missing or non-finite at indexes {bad}")
    bounds = _segment_bounds(n, options.rebase_at)
    gaps = _check_breaks(breaks, n)

    centre = np.empty(n)
    half_width = np.empty(n)
    half_2sigma = np.empty(n)
    trial = np.empty(n, dtype=bool)
    vals = y.tolist()
    outside = [0] * n  # +1 above the upper limit, -1 below the lower limit
    position = [0] * n  # side of the centre: +1 above, -1 below, 0 on it
    counted = [0] * n  # side for the 2-of-3 rule (0: does not count)
    trend_side = [0] * n
    shift_side = [0] * n
    two_side = [0] * n
    include_beyond = options.two_of_three_variant == "nhse_2023"
    last_limits = (0.0, 0.0, 0.0)

    for start, end in bounds:
        seg_breaks = [b - start for b in gaps if start < b < end]
        seg_centre, mean_mr, seg_trial = _segment_lines(y[start:end], options, seg_breaks)
        width = LIMIT_FACTOR * mean_mr
        width_2sigma = TWO_SIGMA_FACTOR * mean_mr
        centre[start:end] = seg_centre
        half_width[start:end] = width
        half_2sigma[start:end] = width_2sigma
        trial[start:end] = seg_trial
        tol = _REL_TOL * (abs(seg_centre) + mean_mr)
        ucl, lcl = seg_centre + width, seg_centre - width
        u2, l2 = seg_centre + width_2sigma, seg_centre - width_2sigma
        last_limits = (lcl, seg_centre, ucl)
        for i in range(start, end):
            v = vals[i]
            if v > ucl + tol:
                outside[i] = 1
            elif v < lcl - tol:
                outside[i] = -1
            if v > seg_centre + tol:
                position[i] = 1
            elif v < seg_centre - tol:
                position[i] = -1
            if v > u2 + tol and (include_beyond or not outside[i]):
                counted[i] = 1
            elif v < l2 - tol and (include_beyond or not outside[i]):
                counted[i] = -1
        cuts = [start, *(start + b for b in seg_breaks), end]
        for piece_start, piece_end in itertools.pairwise(cuts):  # runs stop at a gap
            _trend(vals, piece_start, piece_end, options.trend_length, trend_side)
            _two_of_three(
                counted,
                position,
                piece_start,
                piece_end,
                two_side,
                options.two_of_three_window == "same_side",
            )
            _shift(position, piece_start, piece_end, options.shift_length, shift_side)

    direction = options.improvement
    types: list[PointType] = []
    rules: list[str | None] = []
    last_side = 0
    for i in range(n):
        side, rule = 0, None
        for name, flags in zip(
            RULE_NAMES, (outside, trend_side, two_side, shift_side), strict=True
        ):
            if flags[i]:
                side, rule = flags[i], name
                break
        types.append(_point_type(side, direction))
        rules.append(rule)
        last_side = side

    result_arrays = {
        "values": y,
        "centre": centre,
        "lower_limit": centre - half_width,
        "upper_limit": centre + half_width,
        "lower_2sigma": centre - half_2sigma,
        "upper_2sigma": centre + half_2sigma,
        "trial_limits": trial,
    }
    for array in result_arrays.values():
        array.setflags(write=False)
    return SpcResult(
        **result_arrays,
        point_type=tuple(types),
        rule=tuple(rules),
        variation_icon=_variation_icon(last_side, direction),
        assurance_icon=_assurance_icon(last_limits, options),
        rule_set=options.describe() + _gaps_sentence(gaps),
        breaks=gaps,
        options=options,
    )


def _gaps_sentence(gaps: tuple[int, ...]) -> str:
    if not gaps:
        return ""
    count = "1 gap" if len(gaps) == 1 else f"{len(gaps)} gaps"
    return (
        f"; the series has {count} (missing periods): limits from the points that exist, "
        "no moving range or run crosses a gap"
    )


def _point_type(side: int, direction: Direction) -> PointType:
    if side == 0:
        return PointType.COMMON_CAUSE
    if direction is Direction.NEUTRAL:
        return PointType.NEUTRAL_HIGH if side > 0 else PointType.NEUTRAL_LOW
    high_is_good = direction is Direction.INCREASE
    return PointType.IMPROVEMENT if (side > 0) == high_is_good else PointType.CONCERN


def _variation_icon(side: int, direction: Direction) -> str:
    if side == 0:
        return "common_cause"
    level = "high" if side > 0 else "low"
    if direction is Direction.NEUTRAL:
        return f"neutral_{level}"
    good = (side > 0) == (direction is Direction.INCREASE)
    return f"{'improvement' if good else 'concern'}_{level}"


def _assurance_icon(limits: tuple[float, float, float], options: SpcOptions) -> str | None:
    target = options.target
    if target is None or options.improvement is Direction.NEUTRAL:
        return None
    lcl, centre, ucl = limits
    tol = _REL_TOL * (abs(centre) + (ucl - centre))
    if lcl - tol <= target <= ucl + tol:
        return "inconsistent"
    # The target lies outside the limits: the whole process is on one side of it.
    process_above_target = target < lcl
    passes = process_above_target == (options.improvement is Direction.INCREASE)
    return "consistent_pass" if passes else "consistent_fail"
