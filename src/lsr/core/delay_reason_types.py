"""The vocabulary and the shape of "delays by reason and responsible organisation".

Reason codes and the groups users speak of, the responsible organisations, the by-value
comparison rules (:class:`ValueThresholds`, :func:`compare_share`, :func:`compare_rate`) and the
frozen dataclasses :func:`lsr.core.delay_reasons.delay_reasons` returns (with ``to_dict()`` for
JSON). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

__all__ = [
    "AGENCIES",
    "BREAKDOWNS",
    "CHANGES",
    "ENGLAND_GIVEN",
    "ENGLAND_SUMMED",
    "GROUPS",
    "NOT_COMPARED",
    "OUTCOMES",
    "REASONS",
    "Agency",
    "CategoryResult",
    "Change",
    "DelayReasonsResult",
    "Kind",
    "Measure",
    "PeriodBreakdown",
    "Reason",
    "ReasonGroup",
    "ValueThresholds",
    "compare_rate",
    "compare_share",
    "rate_change",
    "reason",
    "share_change",
]

BREAKDOWNS: tuple[str, ...] = ("reason", "responsible_org")
"""The breakdowns of ``dtoc_days`` this module reads."""

Kind = Literal["reason", "group", "agency"]


@dataclass(frozen=True)
class Reason:
    """One NHS England reason-for-delay code."""

    code: str
    label: str
    """As in a table: ``"E) Awaiting care package in own home"``."""
    phrase: str
    """After "delays" in a sentence: ``"awaiting a care package in their own home (community
    support)"``, ``"due to patient or family choice"``."""

    @property
    def name(self) -> str:
        """The label without its code, as a noun in a sentence: ``"patient or family choice"``."""
        text = self.label.split(") ", 1)[1]
        return text[0].lower() + text[1:]


@dataclass(frozen=True)
class ReasonGroup:
    """A group of reason codes that users speak of as one reason."""

    id: str
    label: str
    phrase: str
    codes: tuple[str, ...]
    short_label: str = ""
    """For chart panels: ``"Care home placement (Di + Dii)"``."""


@dataclass(frozen=True)
class Agency:
    """An organisation responsible for delays (the ``responsible_org`` categories)."""

    id: str
    label: str
    phrase: str


REASONS: tuple[Reason, ...] = (
    Reason("A", "A) Awaiting completion of assessment", "awaiting completion of an assessment"),
    Reason("B", "B) Awaiting public funding", "awaiting public funding"),
    Reason("C", "C) Awaiting further non-acute NHS care", "awaiting further non-acute NHS care"),
    Reason(
        "Di",
        "Di) Awaiting residential home placement",
        "awaiting a residential home placement",
    ),
    Reason("Dii", "Dii) Awaiting nursing home placement", "awaiting a nursing home placement"),
    Reason(
        "E",
        "E) Awaiting care package in own home (community support)",
        "awaiting a care package in their own home (community support)",
    ),
    Reason(
        "F",
        "F) Awaiting community equipment and adaptations",
        "awaiting community equipment and adaptations",
    ),
    Reason("G", "G) Patient or family choice", "due to patient or family choice"),
    Reason("H", "H) Disputes", "due to disputes"),
    Reason("I", "I) Housing (patients not covered by the Care Act)", "due to housing"),
    Reason("O", "O) Other", "for other reasons"),
)
"""The reason codes, in NHS England's order (``O`` from April 2017 only)."""

GROUPS: tuple[ReasonGroup, ...] = (
    ReasonGroup(
        "care_package",
        "Awaiting care package in own home / community support (E)",
        "awaiting a care package in their own home (community support)",
        ("E",),
        "Care package in own home (E)",
    ),
    ReasonGroup(
        "care_home",
        "Awaiting nursing or residential home placement (Di + Dii)",
        "awaiting a residential or nursing home placement",
        ("Di", "Dii"),
        "Residential or nursing home (Di + Dii)",
    ),
    ReasonGroup(
        "assessment", "Awaiting assessment (A)", "awaiting assessment", ("A",), "Assessment (A)"
    ),
    ReasonGroup(
        "choice",
        "Patient or family choice (G)",
        "due to patient or family choice",
        ("G",),
        "Patient or family choice (G)",
    ),
)
"""The groupings users speak of."""

AGENCIES: tuple[Agency, ...] = (
    Agency("nhs", "NHS", "the NHS"),
    Agency("social_care", "Social care", "social care"),
    Agency("both", "Both NHS and social care", "both the NHS and social care"),
)

REASON_ORDER: dict[str, int] = {r.code: i for i, r in enumerate(REASONS)}
"""Reason code -> its position in :data:`REASONS` (breaks ties in rankings)."""


def reason(code: str) -> Reason:
    """The :class:`Reason` for a code (``KeyError`` for an unknown code)."""
    for r in REASONS:
        if r.code == code:
            return r
    raise KeyError(f"unknown reason code {code!r}")


ENGLAND_SUMMED = "England is the sum of the English councils (as for the DToC rate)"
ENGLAND_GIVEN = (
    "England is taken from the England rows given (for example the published England row, "
    "which also counts residents of Wales, Scotland and elsewhere), not summed from the councils"
)

NOT_COMPARED = "not compared"
OUTCOMES: tuple[str, ...] = (
    "much higher",
    "higher",
    "similar",
    "lower",
    "much lower",
    NOT_COMPARED,
)
"""The outcomes of comparing a value with a benchmark by value."""

CHANGES: tuple[str, ...] = ("increased", "little changed", "reduced", NOT_COMPARED)
"""The outcomes of comparing a month with the baseline month."""


@dataclass(frozen=True)
class ValueThresholds:
    """When a difference is "similar", "higher" or "much higher" (all judged by value).

    Shares (percentage of delayed days): within ``share_similar_points`` percentage points is
    similar; "much" higher (lower) needs both ``share_much_points`` points and a ratio of
    ``share_much_ratio`` (its inverse). Rates (delayed beds per day per 100,000 adults): within
    a ratio of ``rate_similar_ratio`` either way, or closer than ``rate_similar_abs``, is
    similar; "much" needs the ratio ``rate_much_ratio`` and ``rate_much_abs`` beds. An area
    month with fewer than ``min_days`` delayed days is not compared (one person can be a
    third of its days). The same thresholds judge a change since the baseline month."""

    share_similar_points: float = 5.0
    share_much_points: float = 10.0
    share_much_ratio: float = 1.5
    rate_similar_ratio: float = 1.25
    rate_similar_abs: float = 0.5
    rate_much_ratio: float = 2.0
    rate_much_abs: float = 1.0
    min_days: float = 100.0

    def __post_init__(self) -> None:
        if not 0 <= self.share_similar_points <= self.share_much_points:
            raise ValueError("need 0 <= share_similar_points <= share_much_points")
        if self.share_much_ratio < 1 or self.rate_similar_ratio < 1 or self.rate_much_ratio < 1:
            raise ValueError("ratios must be at least 1")
        if self.rate_similar_abs < 0 or self.rate_much_abs < 0 or self.min_days < 0:
            raise ValueError("thresholds must not be negative")

    def describe(self) -> str:
        """The rule in words, for reports and JSON output."""
        return (
            "by value (no interval: delayed days are correlated, one person delayed for 20 days "
            "is 20 days): a share within "
            f"{self.share_similar_points:g} percentage points of the benchmark is similar, "
            f"'much' higher or lower needs {self.share_much_points:g} points and "
            f"{self.share_much_ratio:g} times (or 1/{self.share_much_ratio:g}); a rate within "
            f"{self.rate_similar_ratio:g} times either way (or closer than "
            f"{self.rate_similar_abs:g} delayed beds per 100,000 adults) is similar, 'much' "
            f"needs {self.rate_much_ratio:g} times and a difference of {self.rate_much_abs:g} "
            f"per 100,000; months with fewer than {self.min_days:g} delayed days are not "
            "compared"
        )


def _valid(x: float | None) -> bool:
    return x is not None and x == x


def compare_share(
    value: float | None, benchmark: float | None, thresholds: ValueThresholds = ValueThresholds()
) -> str:
    """Compare two shares (percentages) by value: one of :data:`OUTCOMES`."""
    if not (_valid(value) and _valid(benchmark)):
        return NOT_COMPARED
    assert value is not None and benchmark is not None
    diff = value - benchmark
    if diff == 0 or abs(diff) < thresholds.share_similar_points:  # equal: similar, any margin
        return "similar"
    t = thresholds
    if diff > 0:
        much = diff >= t.share_much_points and value >= benchmark * t.share_much_ratio
        return "much higher" if much else "higher"
    much = -diff >= t.share_much_points and value * t.share_much_ratio <= benchmark
    return "much lower" if much else "lower"


def compare_rate(
    value: float | None, benchmark: float | None, thresholds: ValueThresholds = ValueThresholds()
) -> str:
    """Compare two rates (delayed beds per 100,000 adults) by value: one of :data:`OUTCOMES`."""
    if not (_valid(value) and _valid(benchmark)):
        return NOT_COMPARED
    assert value is not None and benchmark is not None
    t = thresholds
    diff = value - benchmark
    if diff == 0 or abs(diff) < t.rate_similar_abs:  # equal is similar with a zero margin too
        return "similar"
    if benchmark > 0 and 1 / t.rate_similar_ratio <= value / benchmark <= t.rate_similar_ratio:
        return "similar"
    if diff > 0:
        much = value >= benchmark * t.rate_much_ratio and diff >= t.rate_much_abs
        return "much higher" if much else "higher"
    much = value * t.rate_much_ratio <= benchmark and -diff >= t.rate_much_abs
    return "much lower" if much else "lower"


def _as_change(outcome: str) -> str:
    if outcome == NOT_COMPARED:
        return NOT_COMPARED
    if outcome == "similar":
        return "little changed"
    return "increased" if outcome.endswith("higher") else "reduced"


def share_change(
    before: float | None, after: float | None, thresholds: ValueThresholds = ValueThresholds()
) -> str:
    """A share's change between two months: one of :data:`CHANGES` (same thresholds)."""
    return _as_change(compare_share(after, before, thresholds))


def rate_change(
    before: float | None, after: float | None, thresholds: ValueThresholds = ValueThresholds()
) -> str:
    """A rate's change between two months: one of :data:`CHANGES` (same thresholds)."""
    return _as_change(compare_rate(after, before, thresholds))


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One category's delayed days, share and rate for the area or a benchmark, one month.

    ``share`` is the percentage of the month's delayed days of the breakdown; ``rate`` the
    average number of beds occupied each day by people delayed for this category, per 100,000
    adults aged 18+. ``None`` where the category was not reported (or no population is known)."""

    days: float | None = None
    share: float | None = None
    rate: float | None = None


@dataclass(frozen=True)
class CategoryResult:
    """One reason, group of reasons or responsible organisation in one month."""

    kind: Kind
    category: str
    """Reason code, group id or agency id."""
    label: str
    area: Measure
    england: Measure
    comparators: Measure
    share_vs_england: str = NOT_COMPARED
    share_vs_comparators: str = NOT_COMPARED
    rate_vs_england: str = NOT_COMPARED
    rate_vs_comparators: str = NOT_COMPARED
    rank: int | None = None
    """Reasons only: 1 for the area's largest share in the month (ties broken by code order)."""


@dataclass(frozen=True)
class PeriodBreakdown:
    """One month for the area: reasons, groups and responsible organisations."""

    period: date
    days_in_month: int
    area_days: float | None
    """The area's delayed days in the month (the sum of its reasons, or of its agencies)."""
    england_days: float | None
    comparators_days: float | None
    area_adults: float | None
    compared: bool
    """False when the area had fewer delayed days than ``min_days``: nothing is compared."""
    reasons: tuple[CategoryResult, ...]
    groups: tuple[CategoryResult, ...]
    agencies: tuple[CategoryResult, ...]
    missing_codes: tuple[str, ...] = ()
    """Reason codes not reported this month (e.g. ``O`` before April 2017)."""

    @property
    def ranking(self) -> tuple[str, ...]:
        """Reason codes by the area's share, largest first (codes not reported left out)."""
        ranked = sorted((r for r in self.reasons if r.rank is not None), key=lambda r: r.rank)
        return tuple(r.category for r in ranked)

    def get(self, category: str) -> CategoryResult | None:
        """The result for a reason code, group id or agency id."""
        for r in (*self.reasons, *self.groups, *self.agencies):
            if r.category == category:
                return r
        return None


@dataclass(frozen=True)
class Change:
    """One category's change between the baseline month and the latest month, for the area."""

    kind: Kind
    category: str
    label: str
    from_period: date
    to_period: date
    share_from: float | None
    share_to: float | None
    rate_from: float | None
    rate_to: float | None
    share_change: str
    """One of :data:`CHANGES`."""
    rate_change: str

    @property
    def share_points(self) -> float | None:
        """The change in share, in percentage points."""
        if _valid(self.share_from) and _valid(self.share_to):
            assert self.share_from is not None and self.share_to is not None
            return self.share_to - self.share_from
        return None


@dataclass(frozen=True)
class DelayReasonsResult:
    """Delays by reason and responsible organisation for one area, month by month."""

    area_code: str
    comparator_codes: tuple[str, ...]
    """The comparators with data (those without any are left out)."""
    periods: tuple[PeriodBreakdown, ...]
    baseline: date | None
    """The month changes are measured from (``None`` with a single month)."""
    changes: tuple[Change, ...]
    thresholds: ValueThresholds
    method: str
    england_definition: str
    notes: tuple[str, ...] = field(default=())

    @property
    def latest(self) -> PeriodBreakdown | None:
        return self.periods[-1] if self.periods else None

    def period(self, when: date) -> PeriodBreakdown | None:
        """The breakdown for a month (any day of it)."""
        key = date(when.year, when.month, 1)
        return next((p for p in self.periods if p.period == key), None)

    def missing_code_periods(self) -> dict[str, tuple[date, ...]]:
        """Reason code -> the months in which it was not reported."""
        out: dict[str, list[date]] = {}
        for p in self.periods:
            for code in p.missing_codes:
                out.setdefault(code, []).append(p.period)
        return {code: tuple(ps) for code, ps in out.items()}

    def change(self, category: str) -> Change | None:
        return next((c for c in self.changes if c.category == category), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (dates as ISO strings, NaN as ``None``)."""

        def convert(obj: Any) -> Any:
            if isinstance(obj, date):
                return obj.isoformat()
            if isinstance(obj, dict):
                return {k: convert(v) for k, v in obj.items()}
            if isinstance(obj, list | tuple):
                return [convert(v) for v in obj]
            if isinstance(obj, float) and obj != obj:
                return None
            return obj

        out = convert(asdict(self))
        for p_dict, p in zip(out["periods"], self.periods, strict=True):
            p_dict["ranking"] = list(p.ranking)
        return out
