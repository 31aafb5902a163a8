"""The social care outcome measures of the profile: what each is, where it comes from, its
polarity, whether counts allow a significance test, and the report themes it is evidence for.

:mod:`lsr.core.outcomes` computes them; this module only defines them (one place for names,
units, polarity and sources, as :mod:`lsr.core.indicators` is for the six indicators).
"""

from __future__ import annotations

from dataclasses import dataclass

from lsr.core.indicators import Polarity, Statistic

__all__ = [
    "CARERS_INFORMATION",
    "CARER_QUALITY_OF_LIFE",
    "CONTROL_OVER_DAILY_LIFE",
    "OUTCOME_MEASURES",
    "PERMANENT_ADMISSIONS",
    "REABLEMENT_91_DAYS",
    "SOCIAL_CARE_QUALITY_OF_LIFE",
    "THEMES",
    "WORKFORCE_TURNOVER",
    "OutcomeMeasure",
    "get_measure",
]

THEMES: tuple[str, ...] = (
    "Strategic approach to meeting the needs of older people",
    "Market shaping",
    "Workforce",
    "Review of pathways, points of access and services",
    "Carers",
)
"""The report's themes these outcomes are evidence for, in the report's order."""

_SURVEY = (
    "a survey estimate: NHS Digital's numerator and denominator for it are weighted, rounded "
    "estimates of the population, not counts, so no confidence interval is drawn from them and "
    "no significance is claimed"
)


@dataclass(frozen=True)
class OutcomeMeasure:
    """One social care outcome measure: what it is, where it comes from, how it is judged."""

    id: str
    name: str
    short_name: str
    label: str
    """The publisher's code, e.g. ``"ASCOF 2A(2)"``."""
    unit: str
    polarity: Polarity
    statistic: Statistic | None
    """``RATE`` or ``PROPORTION`` when counts can give an interval; ``None`` never."""
    multiplier: float
    sources: tuple[tuple[str, str], ...]
    """``(source, measure_code)`` pairs, most preferred first."""
    themes: tuple[str, ...]
    definition: str
    not_tested: str | None = None
    """Why this measure is ranked rather than tested (``None`` when counts allow a test)."""
    not_tested_short: str = "no numerator and denominator published for this year"
    """The reason in a few words, for sentences and tables."""
    decimals: int = 1
    subject: str = ""
    """The measure as the subject of a sentence ("the proportion of carers who ..."); the name,
    lower-cased, when empty."""

    def format(self, value: float | None) -> str:
        """A value with its unit's usual form (``62.0%``, ``441.7``, ``7.4``)."""
        if value is None or value != value:
            return "not available"
        text = f"{value:,.{self.decimals}f}"
        return f"{text}%" if self.unit.startswith("%") else text


PERMANENT_ADMISSIONS = OutcomeMeasure(
    id="permanent_admissions_65",
    name="Permanent admissions to residential and nursing care homes (65+)",
    short_name="Care home admissions (65+)",
    label="ASCOF 2A(2)",
    unit="per 100,000 population aged 65+",
    polarity=Polarity.LOW_IS_GOOD,
    statistic=Statistic.RATE,
    multiplier=100_000.0,
    sources=(("ascof", "2A(2)"),),
    themes=("Market shaping", "Review of pathways, points of access and services"),
    definition="Long-term support needs of older adults (65+) met by admission to residential "
    "and nursing care homes in the year, per 100,000 population aged 65+.",
    subject="the rate of permanent admissions of older people (65+) to residential and "
    "nursing care homes",
)
REABLEMENT_91_DAYS = OutcomeMeasure(
    id="reablement_91_days",
    name="Older people (65+) still at home 91 days after discharge from hospital into reablement",
    short_name="At home 91 days after reablement",
    label="ASCOF 2B(1)",
    unit="% of older people discharged into reablement",
    polarity=Polarity.HIGH_IS_GOOD,
    statistic=Statistic.PROPORTION,
    multiplier=100.0,
    sources=(("ascof", "2B(1)"),),
    themes=("Market shaping", "Review of pathways, points of access and services"),
    definition="Of older people (65+) discharged from hospital into reablement or "
    "rehabilitation services between October and December, the percentage still at home 91 "
    "days after discharge.",
    subject="the proportion of older people (65+) still at home 91 days after discharge from "
    "hospital into reablement",
)
CARER_QUALITY_OF_LIFE = OutcomeMeasure(
    id="carer_quality_of_life",
    name="Carer-reported quality of life",
    short_name="Carer quality of life",
    label="ASCOF 1D (Oflog ASC1)",
    unit="score out of 12",
    polarity=Polarity.HIGH_IS_GOOD,
    statistic=None,
    multiplier=1.0,
    sources=(("ascof", "1D"), ("oflog", "ASC1")),
    themes=("Carers",),
    definition="Average quality of life score (0 to 12) reported by carers in the Survey of "
    "Adult Carers in England (every other year).",
    not_tested=_SURVEY,
    not_tested_short="a survey estimate",
    subject="carer-reported quality of life",
)
CARERS_INFORMATION = OutcomeMeasure(
    id="carers_information",
    name="Carers who find it easy to find information about support",
    short_name="Carers finding information easily",
    label="ASCOF 3D(2) (Oflog ASC4)",
    unit="% of carers",
    polarity=Polarity.HIGH_IS_GOOD,
    statistic=None,
    multiplier=100.0,
    sources=(("ascof", "3D(2)"), ("oflog", "ASC4")),
    themes=("Carers",),
    definition="Percentage of carers who tried to find information about support who found "
    "it easy (Survey of Adult Carers in England).",
    not_tested=_SURVEY,
    not_tested_short="a survey estimate",
    subject="the proportion of carers who find it easy to find information about support",
)
SOCIAL_CARE_QUALITY_OF_LIFE = OutcomeMeasure(
    id="social_care_quality_of_life",
    name="Social care-related quality of life",
    short_name="Social care quality of life",
    label="ASCOF 1A",
    unit="score out of 24",
    polarity=Polarity.HIGH_IS_GOOD,
    statistic=None,
    multiplier=1.0,
    sources=(("ascof", "1A"),),
    themes=("Strategic approach to meeting the needs of older people",),
    definition="Average social care-related quality of life score (0 to 24) of people who use "
    "services (Adult Social Care Survey).",
    not_tested=_SURVEY,
    not_tested_short="a survey estimate",
    subject="social care-related quality of life",
)
CONTROL_OVER_DAILY_LIFE = OutcomeMeasure(
    id="control_over_daily_life",
    name="People who use services who have control over their daily life",
    short_name="Control over daily life",
    label="ASCOF 1B",
    unit="% of people who use services",
    polarity=Polarity.HIGH_IS_GOOD,
    statistic=None,
    multiplier=100.0,
    sources=(("ascof", "1B"),),
    themes=("Strategic approach to meeting the needs of older people",),
    definition="Percentage of people who use services who say they have as much or adequate "
    "control over their daily life (Adult Social Care Survey).",
    not_tested=_SURVEY,
    not_tested_short="a survey estimate",
    subject="the proportion of people who use services who have control over their daily life",
)
WORKFORCE_TURNOVER = OutcomeMeasure(
    id="workforce_turnover",
    name="Adult social care workforce turnover rate",
    short_name="Workforce turnover",
    label="Oflog ASC7",
    unit="% of staff leaving in the year",
    polarity=Polarity.LOW_IS_GOOD,
    statistic=None,
    multiplier=100.0,
    sources=(("oflog", "ASC7"),),
    themes=("Workforce",),
    definition="Staff turnover rate in adult social care in the council's area (Skills for "
    "Care estimates, published by Oflog). Lower is taken as better: Oflog ranks no direction "
    "for it; high turnover means more posts to refill and less continuity of care.",
    not_tested_short="a published percentage without counts",
    not_tested="a published percentage: Oflog gives the turnover rate without the numbers of "
    "leavers and staff behind it (Skills for Care estimates from employers' returns), so no "
    "confidence interval can be drawn and no significance is claimed",
    subject="the adult social care workforce turnover rate",
)

OUTCOME_MEASURES: tuple[OutcomeMeasure, ...] = (
    PERMANENT_ADMISSIONS,
    REABLEMENT_91_DAYS,
    CARER_QUALITY_OF_LIFE,
    CARERS_INFORMATION,
    SOCIAL_CARE_QUALITY_OF_LIFE,
    CONTROL_OVER_DAILY_LIFE,
    WORKFORCE_TURNOVER,
)
"""The social care outcome measures of the profile, in the order the report shows them."""


_BY_ID = {m.id: m for m in OUTCOME_MEASURES}


def get_measure(measure_id: str) -> OutcomeMeasure:
    """Look up a measure by id; raises ``KeyError`` naming the valid ids."""
    try:
        return _BY_ID[measure_id]
    except KeyError:
        valid = ", ".join(_BY_ID)
        raise KeyError(f"unknown social care measure {measure_id!r}; valid ids: {valid}") from None
