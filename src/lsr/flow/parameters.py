"""Parameters of the flow model: the contract between scenarios, the sampler and the engines.

A :class:`FlowParameters` describes one local system for one simulated period: emergency
admissions of older people arrive, stay in an acute bed until medically fit, may need a
continuing healthcare (CHC) assessment, and leave by one of four discharge pathways:

- pathway 0: home without new support (leaves as soon as fit and assessed);
- pathway 1: home with support: a home care / reablement package (service ``home_care``);
- pathway 2: a step-down or rehabilitation bed (service ``step_down``);
- pathway 3: a care home bed (service ``care_home``).

A patient whose next service is full stays in the acute bed: a delayed transfer of care, with a
reason code and responsible agency as in the national collection. Times are in days from the
start of the simulation (day 0 = ``start``); the warm-up runs before day 0.

Everything here is plain data (frozen dataclasses, no I/O). Scenario files are turned into these
by :mod:`lsr.flow.scenario`; :mod:`lsr.flow.sampling` draws a run's random inputs from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SERVICES: tuple[str, ...] = ("home_care", "step_down", "care_home")
PATHWAY_SERVICE: dict[int, str | None] = {0: None, 1: "home_care", 2: "step_down", 3: "care_home"}


@dataclass(frozen=True)
class Duration:
    """A length-of-stay distribution in days.

    ``distribution`` is ``"lognormal"`` (parameterised by its mean and standard deviation in
    days), ``"exponential"`` (mean; ``sd`` ignored), ``"gamma"`` (mean and sd) or ``"fixed"``
    (always ``mean``)."""

    mean: float
    sd: float = 0.0
    distribution: str = "lognormal"


@dataclass(frozen=True)
class CapacityStep:
    """From ``day`` on (days from the start; may be negative for the warm-up), the capacity is
    ``capacity`` (concurrent places: packages of care, beds or assessors)."""

    day: float
    capacity: int


@dataclass(frozen=True)
class Service:
    """A downstream service with limited concurrent capacity.

    ``capacity`` is a step function over time (sorted by day; the first step applies from the
    start of the warm-up). ``overflow`` chooses what happens when it is full: ``"wait"`` (the
    patient waits in the acute bed: a delayed transfer) or ``"lose"`` (the patient is placed
    elsewhere at once, e.g. a spot-purchased out-of-area bed, and counted as overflow: an
    Erlang loss system). ``unit_cost`` is per occupied place per day, in pounds."""

    name: str
    capacity: tuple[CapacityStep, ...]
    length_of_stay: Duration
    overflow: str = "wait"
    unit_cost: float = 0.0
    unit_cost_source: str = ""


@dataclass(frozen=True)
class Arrivals:
    """Emergency admissions: a non-homogeneous Poisson process.

    Rate on day ``t`` = ``per_day`` x ``day_of_week[weekday]`` x (1 + ``seasonal_amplitude`` x
    cos(2 pi (day of year - ``peak_day_of_year``) / 365.25)) x the surge multiplier in force.
    ``day_of_week`` has seven multipliers, Monday first. ``surges`` are (start day, end day,
    multiplier) triples."""

    per_day: float
    day_of_week: tuple[float, ...] = (1.0,) * 7
    seasonal_amplitude: float = 0.0
    peak_day_of_year: int = 15
    surges: tuple[tuple[float, float, float], ...] = ()


@dataclass(frozen=True)
class ChcAssessment:
    """Continuing healthcare assessment.

    A fraction ``probability`` of patients on pathways 1-3 need one. ``where = "hospital"``:
    done in the acute bed after the patient is fit, by one of ``assessors`` concurrent
    assessors taking ``duration`` each (waiting and assessing are delay reason A, agency NHS).
    ``where = "community"`` (discharge to assess): done after discharge, adding ``duration`` to
    the downstream stay and no acute delay."""

    probability: float = 0.0
    where: str = "hospital"
    assessors: tuple[CapacityStep, ...] = (CapacityStep(-1e9, 1),)
    duration: Duration = Duration(mean=2.0, sd=1.0)


@dataclass(frozen=True)
class Costs:
    """Unit costs in pounds, with their sources (shown beside every cost output)."""

    acute_bed_day: float = 0.0
    acute_delayed_day: float = 346.0
    acute_delayed_day_source: str = (
        "illustrative figure used by one NHS discharge model (about £346 per acute delayed day)"
    )


@dataclass(frozen=True)
class FlowParameters:
    """One local system, one simulated period."""

    start: date
    days: int
    arrivals: Arrivals
    acute_length_of_stay: Duration
    pathway_split: tuple[float, float, float, float]  # pathways 0, 1, 2, 3; sums to 1
    services: tuple[Service, ...]  # one per name in SERVICES, in that order
    chc: ChcAssessment = field(default_factory=ChcAssessment)
    self_funder_share: float = 0.0  # of pathway 3; their delays are reason G ("choice")
    nursing_share: float = 0.5  # of pathway 3; residential (Di) otherwise nursing (Dii)
    readmission_probability: float = 0.0  # emergency readmission within 30 days of discharge
    acute_beds: int = 0  # general and acute beds for older people, for occupancy (0 = unknown)
    adult_population: float = 0.0  # 18+, for the DToC rate per 100,000 (0 = not reported)
    warm_up_days: int = 90
    costs: Costs = field(default_factory=Costs)

    def service(self, name: str) -> Service:
        """The service called ``name``."""
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(f"no service {name!r}; services are {', '.join(SERVICES)}")
