"""The indicators of a local system review data profile.

:data:`INDICATORS` are the six indicators of the review's data profile (numbered 1 to 6 as in
the report). :data:`SUPPLEMENTARY` are further indicators from public data that the report's
themes use (A&E four-hour performance and attendances apportioned from trusts, emergency
admissions of all ages from the Monthly Activity Return); they have no number.

Each indicator is a ratio ``numerator / denominator x multiplier``. The definitions here are the
single place that names, units, polarity and confidence-interval method live; the store, the
profile and the report all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Polarity(StrEnum):
    """Which direction is good for an indicator."""

    LOW_IS_GOOD = "low_is_good"
    HIGH_IS_GOOD = "high_is_good"
    NEUTRAL = "neutral"


class Statistic(StrEnum):
    """How an indicator's value and confidence interval are computed."""

    RATE = "rate"  # count / population x multiplier; Poisson (exact < 10, Byar's) interval
    PROPORTION = "proportion"  # count / count x 100; Wilson score interval
    DTOC_BEDS = "dtoc_beds"  # delayed days / person-days x 100,000; no interval (see docs)


@dataclass(frozen=True)
class Indicator:
    """One indicator definition."""

    id: str
    number: int
    name: str
    short_name: str
    statistic: Statistic
    multiplier: float
    unit: str
    numerator: str
    denominator: str
    polarity: Polarity = Polarity.LOW_IS_GOOD
    person_level: bool = True  # derived from person-level records: small-number suppression applies
    approximation: str | None = None
    """Why the figures are only an approximation for a council, when they are (shown with them)."""
    themes: tuple[str, ...] = ()
    """The report themes this indicator is evidence for."""

    def value(self, numerator: float, denominator: float) -> float:
        """The indicator value for one numerator and denominator."""
        return numerator / denominator * self.multiplier


AE_ATTENDANCES = Indicator(
    id="ae_attendances_65",
    number=1,
    name="A&E attendances (65+)",
    short_name="A&E attendances",
    statistic=Statistic.RATE,
    multiplier=1_000.0,
    unit="attendances per 1,000 population aged 65+",
    numerator="A&E attendances by people aged 65+",
    denominator="population aged 65+ (ONS mid-year estimate)",
)
EMERGENCY_ADMISSIONS = Indicator(
    id="emergency_admissions_65",
    number=2,
    name="Emergency admissions (65+)",
    short_name="Emergency admissions",
    statistic=Statistic.RATE,
    multiplier=100_000.0,
    unit="admissions per 100,000 population aged 65+",
    numerator="emergency admissions of people aged 65+",
    denominator="population aged 65+ (ONS mid-year estimate)",
)
CARE_HOME_ADMISSIONS = Indicator(
    id="care_home_admissions_65",
    number=3,
    name="Emergency admissions from care homes (65+)",
    short_name="Admissions from care homes",
    statistic=Statistic.RATE,
    multiplier=100_000.0,
    unit="admissions per 100,000 population aged 65+",
    numerator="emergency admissions of people aged 65+ whose source of admission is a care home",
    denominator="population aged 65+ by default; care-home beds is a setting (see docs/methods.md)",
)
LONG_STAYS = Indicator(
    id="long_stays_65",
    number=4,
    name="Hospital length of stay over 7 days (65+)",
    short_name="Stays over 7 days",
    statistic=Statistic.PROPORTION,
    multiplier=100.0,
    unit="% of emergency admissions aged 65+",
    numerator="emergency admissions aged 65+ with a length of stay over 7 days",
    denominator="emergency admissions aged 65+ discharged in the period",
)
DELAYED_TRANSFERS = Indicator(
    id="dtoc_18",
    number=5,
    name="Delayed transfers of care (18+)",
    short_name="Delayed transfers of care",
    statistic=Statistic.DTOC_BEDS,
    multiplier=100_000.0,
    unit="delayed beds per day per 100,000 population aged 18+",
    numerator="total delayed days in the month (NHS England DToC, by local authority)",
    denominator="population aged 18+ x days in the month",
    person_level=False,
)
READMISSIONS = Indicator(
    id="readmissions_30d_65",
    number=6,
    name="Emergency readmissions within 30 days (65+)",
    short_name="Readmissions within 30 days",
    statistic=Statistic.PROPORTION,
    multiplier=100.0,
    unit="% of discharges aged 65+ readmitted as an emergency within 30 days",
    numerator="discharges aged 65+ followed by an emergency admission within 30 days",
    denominator="discharges of people aged 65+",
)

INDICATORS: tuple[Indicator, ...] = (
    AE_ATTENDANCES,
    EMERGENCY_ADMISSIONS,
    CARE_HOME_ADMISSIONS,
    LONG_STAYS,
    DELAYED_TRANSFERS,
    READMISSIONS,
)
"""The six indicators of the review's data profile, numbered as in the report."""

_APPORTIONED = (
    "NHS England publishes A&E figures by provider (trust), not by council. A council's figure "
    "here is each trust's monthly count shared out by the fraction of the trust's patients who "
    "live in the council (an open trust-to-council table built from 2020 admissions), so it is "
    "an approximation, not an official council figure. England is shown over the same providers "
    "(minor injury units and walk-in centres without a catchment are left out of both), so "
    "that the comparison is like for like."
)

AE_FOUR_HOURS = Indicator(
    id="ae_four_hours",
    number=0,
    name="A&E attendances seen within four hours (all ages)",
    short_name="A&E within four hours",
    statistic=Statistic.PROPORTION,
    multiplier=100.0,
    unit="% of A&E attendances (all department types) admitted, transferred or discharged "
    "within four hours of arrival",
    numerator="A&E attendances within four hours (attendances minus four-hour breaches), "
    "apportioned from trusts",
    denominator="A&E attendances, all ages, all department types, apportioned from trusts",
    polarity=Polarity.HIGH_IS_GOOD,
    person_level=False,
    approximation=_APPORTIONED,
    themes=("Winter planning", "Review of pathways, points of access and services"),
)
AE_ATTENDANCES_ALL = Indicator(
    id="ae_attendances_all",
    number=0,
    name="A&E attendances (all ages)",
    short_name="A&E attendances, all ages",
    statistic=Statistic.RATE,
    multiplier=1_000.0,
    unit="A&E attendances in the month per 1,000 population (all ages)",
    numerator="A&E attendances, all ages, all department types, apportioned from trusts",
    denominator="population, all ages (ONS mid-year estimate)",
    person_level=False,
    approximation=_APPORTIONED,
    themes=("Winter planning",),
)
EMERGENCY_ADMISSIONS_ALL = Indicator(
    id="emergency_admissions_all",
    number=0,
    name="Emergency admissions (all ages)",
    short_name="Emergency admissions, all ages",
    statistic=Statistic.RATE,
    multiplier=100_000.0,
    unit="emergency (non-elective) admissions in the month per 100,000 population (all ages)",
    numerator="total non-elective general and acute admissions (first finished consultant "
    "episodes) commissioned by the clinical commissioning group(s), or before April 2013 the "
    "primary care trust(s), whose area is exactly the council's (NHS England Monthly Activity "
    "Return by commissioner)",
    denominator="population, all ages (ONS mid-year estimate)",
    person_level=False,
    themes=("Review of pathways, points of access and services",),
)

SUPPLEMENTARY: tuple[Indicator, ...] = (
    AE_FOUR_HOURS,
    AE_ATTENDANCES_ALL,
    EMERGENCY_ADMISSIONS_ALL,
)
"""Indicators from public data that the report's themes use, besides the six."""

ALL_INDICATORS: tuple[Indicator, ...] = INDICATORS + SUPPLEMENTARY
_BY_ID = {ind.id: ind for ind in ALL_INDICATORS}


def get_indicator(indicator_id: str) -> Indicator:
    """Look up an indicator by id; raises ``KeyError`` naming the valid ids."""
    try:
        return _BY_ID[indicator_id]
    except KeyError:
        valid = ", ".join(_BY_ID)
        raise KeyError(f"unknown indicator {indicator_id!r}; valid ids: {valid}") from None
