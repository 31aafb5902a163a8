"""The shape of a computed data profile: what :mod:`lsr.core.profile` produces and what the
report, the JSON output and (later) the web application consume."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from lsr.core.indicators import Indicator


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing an area's value with a benchmark.

    ``outcome`` is one of ``better``, ``similar``, ``worse``, ``higher``, ``lower`` or
    ``not compared``; ``method`` says how (for example ``"benchmark value inside the area's 95%
    Wilson score interval"``)."""

    outcome: str
    method: str
    confidence: float | None
    benchmark: float | None


@dataclass(frozen=True)
class SpcPointResult:
    """The control-chart result for one point."""

    centre: float
    lower_limit: float
    upper_limit: float
    lower_2sigma: float
    upper_2sigma: float
    point_type: str  # common_cause | special_cause_improvement | special_cause_concern | ...
    rule: str | None  # the highest-priority rule that fired for this point, if any
    trial_limits: bool


@dataclass(frozen=True)
class ProfilePoint:
    """One indicator, one area, one period."""

    period: date
    period_label: str
    numerator: float | None
    denominator: float | None
    value: float | None
    ci_lower: float | None
    ci_upper: float | None
    england: float | None
    comparators: float | None
    vs_england: Comparison
    vs_comparators: Comparison
    spc: SpcPointResult | None
    suppressed: bool = False
    numerator_display: str = ""
    """The numerator as published: for indicators from person-level data 1-7 is "*" and other
    counts are rounded to the nearest 5 (``numerator`` then holds the rounded count)."""
    denominator_display: str = ""
    synthetic: bool = False
    """Whether this point's figures are synthetic demonstration data."""
    source: str = ""


@dataclass(frozen=True)
class IndicatorProfile:
    """An indicator's series for one area, with its benchmarks and control chart."""

    indicator: Indicator
    points: tuple[ProfilePoint, ...]
    variation_icon: str | None
    assurance_icon: str | None
    spc_rule_set: str
    synthetic: bool
    source: str
    missing_periods: tuple[date, ...] = ()
    """Periods between the first and the last with no data (the chart shows the gap, the
    control chart's moving ranges and runs do not cross it)."""

    @property
    def latest(self) -> ProfilePoint | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class EvidenceSection:
    """One evidence section computed for an area, beside the indicators: its id (which also
    says where the report puts it), title, status (``real``, ``approximation``, ``synthetic``
    or ``not available``), source, and the computed ``result`` (a frozen dataclass from
    :mod:`lsr.core` with ``to_dict()``, a table of rows, or the reason it is not available)."""

    id: str
    title: str
    status: str
    source: str
    result: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the result through its own ``to_dict()`` where it has one."""
        result = self.result
        to_dict = getattr(result, "to_dict", None)
        data = to_dict() if callable(to_dict) else result
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "real": self.status in ("real", "approximation"),
            "source": self.source,
            "result": data,
        }


@dataclass(frozen=True)
class AreaProfile:
    """The full data profile of one area."""

    area_code: str
    area_name: str
    comparator_method: str
    comparator_codes: tuple[str, ...]
    comparator_names: tuple[str, ...]
    indicators: tuple[IndicatorProfile, ...]
    notes: tuple[str, ...] = field(default=())
    confidence: float = 0.95
    """The confidence level of every interval and comparison."""
    supplementary: tuple[IndicatorProfile, ...] = ()
    """Indicators from public data besides the six (A&E, emergency admissions of all ages)."""
    sections: tuple[EvidenceSection, ...] = ()
    """Evidence sections computed for the area (e.g. delays by reason, social care outcomes)."""

    @property
    def all_indicators(self) -> tuple[IndicatorProfile, ...]:
        """The six indicators, then the supplementary ones."""
        return self.indicators + self.supplementary

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (dates as ISO strings)."""

        def convert(obj: Any) -> Any:
            if isinstance(obj, date):
                return obj.isoformat()
            if isinstance(obj, dict):
                return {k: convert(v) for k, v in obj.items()}
            if isinstance(obj, list | tuple):
                return [convert(v) for v in obj]
            if isinstance(obj, float) and obj != obj:  # NaN
                return None
            return obj

        sections = [convert(s.to_dict()) for s in self.sections]
        out = convert(asdict(replace(self, sections=())))
        out["sections"] = sections
        return out
