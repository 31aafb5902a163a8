"""Scenario files for the flow model: the schema, its validation and conversion to parameters.

A scenario file (YAML; see ``docs/scenarios.md``) has a ``base`` case describing one local
system and a list of named ``scenarios``, each a list of ``changes`` to the base case, such as
"+20% home care from 1 December"::

    {change: services.home_care.capacity, multiply: 1.2, from: 2018-12-01}

This module is pure: it validates already-parsed YAML data (reading the file, and finding the
line of each field, is :mod:`lsr.data.scenario_files`) and turns it into
:class:`~lsr.flow.parameters.FlowParameters`. Every problem is reported with the file, the YAML
path of the field (for example ``base.services.home_care.capacity``) and, when known, its line.

Conventions:

- Dates are converted to days from ``base.start`` (day 0); a change ``from`` a date takes effect
  at the start of that day. A change without ``from`` applies to the whole run, warm-up included.
- Capacities are concurrent places (packages of care, beds, assessors) and are rounded to the
  nearest whole number after a change.
- Home care may be given as ``hours_per_week`` with ``hours_per_package`` instead of
  ``capacity``: the number of concurrent packages is ``hours_per_week / hours_per_package``,
  rounded to the nearest whole package (each package delivers ``hours_per_package`` hours a week
  for as long as it lasts).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from lsr.flow.parameters import (
    SERVICES,
    Arrivals,
    CapacityStep,
    ChcAssessment,
    Costs,
    Duration,
    FlowParameters,
    Service,
)

__all__ = [
    "BASE_NAME",
    "CHANGE_TARGETS",
    "DEFAULT_ACUTE_DELAYED_DAY_COST",
    "DEFAULT_UNIT_COSTS",
    "BaseSpec",
    "ChangeSpec",
    "Locator",
    "Problem",
    "ScenarioError",
    "ScenarioFile",
    "ScenarioFileSpec",
    "ScenarioSpec",
    "apply_changes",
    "base_parameters",
    "scale_parameters",
    "validate_scenario_file",
]

#: The name under which the base case appears in results.
BASE_NAME = "Base case"

#: A function giving the (1-based) line of the YAML node at a path, or ``None`` if unknown.
Locator = Callable[[tuple[str | int, ...]], int | None]

DEFAULT_ACUTE_DELAYED_DAY_COST = 346.0
DEFAULT_ACUTE_DELAYED_DAY_SOURCE = (
    "Default: about £346 per acute bed day occupied by a delayed patient, the illustrative "
    "figure used by one NHS discharge model; replace with your local unit cost."
)
_COMMUNITY_RANGE = (
    "within the range of about £125 to £164 per community pathway day used by one NHS "
    "discharge model; replace with your local unit cost."
)
#: Default unit cost (pounds per occupied place per day) and its source, per service.
DEFAULT_UNIT_COSTS: dict[str, tuple[float, str]] = {
    "home_care": (
        125.0,
        f"Default: £125 per day of a home care package (pathway 1), {_COMMUNITY_RANGE}",
    ),
    "step_down": (164.0, f"Default: £164 per step-down bed day (pathway 2), {_COMMUNITY_RANGE}"),
    "care_home": (164.0, f"Default: £164 per care home bed day (pathway 3), {_COMMUNITY_RANGE}"),
}

_Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
_NonNegative = Annotated[float, Field(ge=0.0)]
_Positive = Annotated[float, Field(gt=0.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class DurationSpec(_Strict):
    """A length of stay in days: ``mean``, ``sd`` and ``distribution``."""

    mean: _Positive
    sd: _NonNegative = 0.0
    distribution: Literal["lognormal", "exponential", "gamma", "fixed"] = "lognormal"

    def to_duration(self) -> Duration:
        """As a :class:`~lsr.flow.parameters.Duration`."""
        return Duration(mean=self.mean, sd=self.sd, distribution=self.distribution)


class ServiceSpec(_Strict):
    """A downstream service: capacity (or home care hours), length of stay, overflow, cost."""

    capacity: Annotated[int, Field(ge=0)] | None = None
    hours_per_week: _Positive | None = None
    hours_per_package: _Positive | None = None
    length_of_stay: DurationSpec
    overflow: Literal["wait", "lose"] = "wait"
    unit_cost: _NonNegative | None = None
    unit_cost_source: str | None = None

    @model_validator(mode="after")
    def _capacity_or_hours(self) -> ServiceSpec:
        hours = self.hours_per_week is not None or self.hours_per_package is not None
        if self.capacity is not None and hours:
            raise ValueError(
                "give either capacity or hours_per_week with hours_per_package, not both"
            )
        if self.capacity is None and not hours:
            raise ValueError(
                "give capacity (concurrent places) or hours_per_week with hours_per_package"
            )
        if hours and (self.hours_per_week is None or self.hours_per_package is None):
            raise ValueError("hours_per_week and hours_per_package go together")
        return self

    def packages(self) -> int:
        """Concurrent places: ``capacity``, or hours per week / hours per package, rounded."""
        if self.capacity is not None:
            return self.capacity
        assert self.hours_per_week is not None and self.hours_per_package is not None
        return _round(self.hours_per_week / self.hours_per_package)


class ServicesSpec(_Strict):
    """The three downstream services (pathways 1, 2 and 3)."""

    home_care: ServiceSpec
    step_down: ServiceSpec
    care_home: ServiceSpec

    @model_validator(mode="after")
    def _hours_only_for_home_care(self) -> ServicesSpec:
        for name in ("step_down", "care_home"):
            if getattr(self, name).hours_per_week is not None:
                raise ValueError(f"{name}: hours_per_week is for home care only; give capacity")
        return self


class ArrivalsSpec(_Strict):
    """Emergency admissions of people aged 65+ per day, with weekly and seasonal pattern."""

    per_day: _Positive
    day_of_week: tuple[_Positive, ...] = (1.0,) * 7
    seasonal_amplitude: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    peak_day_of_year: Annotated[int, Field(ge=1, le=366)] = 15

    @field_validator("day_of_week")
    @classmethod
    def _seven(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) != 7:
            raise ValueError(f"day_of_week needs 7 multipliers, Monday first (got {len(value)})")
        return value


class PathwaySplitSpec(_Strict):
    """Shares of discharges by pathway 0, 1, 2 and 3; they must sum to 1."""

    pathway_0: _Fraction
    pathway_1: _Fraction
    pathway_2: _Fraction
    pathway_3: _Fraction

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            if len(value) != 4:
                raise ValueError(f"pathway_split needs 4 shares, pathways 0-3 (got {len(value)})")
            return {f"pathway_{i}": v for i, v in enumerate(value)}
        return value

    @model_validator(mode="after")
    def _sums_to_one(self) -> PathwaySplitSpec:
        total = sum(self.shares())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"pathway split must sum to 1 (it sums to {total:.6g})")
        return self

    def shares(self) -> tuple[float, float, float, float]:
        """The four shares, pathway 0 first."""
        return (self.pathway_0, self.pathway_1, self.pathway_2, self.pathway_3)


class ChcSpec(_Strict):
    """Continuing healthcare assessments: who needs one, where, how many assessors, how long."""

    probability: _Fraction = 0.0
    where: Literal["hospital", "community"] = "hospital"
    assessors: Annotated[int, Field(ge=0)] = 1
    duration: DurationSpec = DurationSpec(mean=2.0, sd=1.0)


class CostsSpec(_Strict):
    """Acute unit costs in pounds per bed day, with sources."""

    acute_bed_day: _NonNegative = 0.0
    acute_bed_day_source: str = ""
    acute_delayed_day: _NonNegative = DEFAULT_ACUTE_DELAYED_DAY_COST
    acute_delayed_day_source: str = DEFAULT_ACUTE_DELAYED_DAY_SOURCE


class BaseSpec(_Strict):
    """The base case: one local system over one simulated period."""

    start: date
    days: Annotated[int, Field(ge=1, le=3660)]
    warm_up_days: Annotated[int, Field(ge=0, le=3660)] = 90
    population_65: _Positive
    adult_population: _NonNegative = 0.0
    acute_beds: Annotated[int, Field(ge=0)] = 0
    arrivals: ArrivalsSpec
    acute_length_of_stay: DurationSpec
    pathway_split: PathwaySplitSpec
    services: ServicesSpec
    chc: ChcSpec = ChcSpec()
    self_funder_share: _Fraction = 0.0
    nursing_share: _Fraction = 0.5
    readmission_probability: _Fraction = 0.0
    costs: CostsSpec = CostsSpec()


class ChangeSpec(_Strict):
    """One change to the base case (see :data:`CHANGE_TARGETS` for what can change)."""

    change: str
    set: Any = None
    multiply: _NonNegative | None = None
    add: float | None = None
    surge: _Positive | None = None
    from_: date | None = Field(default=None, alias="from")
    weeks: _Positive | None = None
    days: _Positive | None = None
    until: date | None = None

    @field_validator("change")
    @classmethod
    def _known_target(cls, value: str) -> str:
        if value not in CHANGE_TARGETS:
            close = difflib.get_close_matches(value, list(CHANGE_TARGETS), n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise ValueError(f"cannot change {value!r}{hint} (see docs/scenarios.md)")
        return value

    @model_validator(mode="after")
    def _one_operation(self) -> ChangeSpec:
        ops = [op for op in ("set", "multiply", "add", "surge") if getattr(self, op) is not None]
        if len(ops) != 1:
            raise ValueError(
                "a change needs exactly one of set, multiply, add or surge"
                + (f" (got {', '.join(ops)})" if ops else "")
            )
        op = ops[0]
        target = CHANGE_TARGETS.get(self.change)
        if target is None:  # already reported by the field validator
            return self
        if op not in target.operations:
            raise ValueError(f"{self.change} takes {', '.join(target.operations)}, not {op}")
        if self.from_ is not None and not target.timed:
            raise ValueError(f"{self.change} cannot change part-way through the run (no 'from')")
        lengths = [k for k in ("weeks", "days", "until") if getattr(self, k) is not None]
        if op == "surge":
            if self.from_ is None:
                raise ValueError("a surge needs 'from' (its first day)")
            if len(lengths) != 1:
                raise ValueError("a surge needs exactly one of weeks, days or until")
        elif lengths:
            raise ValueError(f"{', '.join(lengths)} only go with a surge")
        return self

    @property
    def operation(self) -> str:
        """``"set"``, ``"multiply"``, ``"add"`` or ``"surge"``."""
        for op in ("set", "multiply", "add", "surge"):
            if getattr(self, op) is not None:
                return op
        raise AssertionError("validated change has no operation")


class ScenarioSpec(_Strict):
    """A named scenario: a list of changes to the base case."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    changes: list[ChangeSpec] = []


class ScenarioFileSpec(_Strict):
    """A whole scenario file."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    #: optional council name or ONS code: the report draws that area's observed series of the
    #: profile's indicators beside the simulated ones (``lsr simulate --area`` overrides it)
    area: Annotated[str, Field(min_length=1)] | None = None
    base: BaseSpec
    scenarios: list[ScenarioSpec] = []

    @model_validator(mode="after")
    def _unique_names(self) -> ScenarioFileSpec:
        seen = {BASE_NAME}
        for scenario in self.scenarios:
            if scenario.name in seen:
                raise ValueError(f"scenario name {scenario.name!r} is used twice (or is reserved)")
            seen.add(scenario.name)
        return self


@dataclass(frozen=True)
class ChangeTarget:
    """What a change may do to one field: its operations and whether it can start part-way."""

    operations: tuple[str, ...]
    timed: bool = False
    description: str = ""


_NUM = ("set", "multiply")
_CAP = ("set", "multiply", "add")

#: Every field a scenario change may name, with its allowed operations.
CHANGE_TARGETS: dict[str, ChangeTarget] = {
    "arrivals": ChangeTarget(("surge",), timed=True, description="a temporary surge in arrivals"),
    "arrivals.per_day": ChangeTarget(_NUM, description="mean emergency admissions 65+ per day"),
    "arrivals.seasonal_amplitude": ChangeTarget(("set",)),
    "acute_length_of_stay.mean": ChangeTarget(_NUM, description="days until medically fit"),
    "acute_length_of_stay.sd": ChangeTarget(_NUM),
    "pathway_split": ChangeTarget(("set",), description="shares of pathways 0-3"),
    "readmission_probability": ChangeTarget(_NUM),
    "self_funder_share": ChangeTarget(_NUM),
    "nursing_share": ChangeTarget(_NUM),
    "acute_beds": ChangeTarget(_NUM),
    "chc.where": ChangeTarget(("set",), description="hospital or community"),
    "chc.probability": ChangeTarget(_NUM),
    "chc.assessors": ChangeTarget(_CAP, timed=True),
    "chc.duration.mean": ChangeTarget(_NUM),
    "costs.acute_delayed_day": ChangeTarget(_NUM),
    "costs.acute_bed_day": ChangeTarget(_NUM),
    "services.home_care.hours_per_week": ChangeTarget(_CAP, timed=True),
}
for _service in SERVICES:
    CHANGE_TARGETS[f"services.{_service}.capacity"] = ChangeTarget(_CAP, timed=True)
    CHANGE_TARGETS[f"services.{_service}.length_of_stay.mean"] = ChangeTarget(_NUM)
    CHANGE_TARGETS[f"services.{_service}.length_of_stay.sd"] = ChangeTarget(_NUM)
    CHANGE_TARGETS[f"services.{_service}.overflow"] = ChangeTarget(("set",))
    CHANGE_TARGETS[f"services.{_service}.unit_cost"] = ChangeTarget(_NUM)

_TIMED_FIELDS = {"arrivals", "chc.assessors", "services.home_care.hours_per_week"} | {
    f"services.{s}.capacity" for s in SERVICES
}


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario file: the YAML path of the field, what is wrong, and the line."""

    path: str
    message: str
    line: int | None = None

    def describe(self, source: str) -> str:
        """``source, line N, path: message``."""
        where = source + (f", line {self.line}" if self.line is not None else "")
        return f"{where}, {self.path or '(top level)'}: {self.message}"


class ScenarioError(ValueError):
    """A scenario file is not valid; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [p.describe(source) for p in self.problems]
        if len(lines) == 1:
            text = lines[0]
        else:
            text = f"{len(lines)} problems in {source}:\n" + "\n".join(f"  {x}" for x in lines)
        super().__init__(text)


def yaml_path(loc: Sequence[str | int]) -> str:
    """``("base", "services", "home_care", "capacity")`` -> ``base.services.home_care.capacity``;
    list indices as ``[i]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


_ALL_FIELDS = sorted(
    {
        name if info.alias is None else info.alias
        for model in (
            DurationSpec,
            ServiceSpec,
            ServicesSpec,
            ArrivalsSpec,
            PathwaySplitSpec,
            ChcSpec,
            CostsSpec,
            BaseSpec,
            ChangeSpec,
            ScenarioSpec,
            ScenarioFileSpec,
        )
        for name, info in model.model_fields.items()
    }
)


def _clean_loc(loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """Drop pydantic's union/function tags, which are not YAML keys."""
    return tuple(
        p
        for p in loc
        if isinstance(p, int) or not (("[" in p) or ("(" in p) or p.startswith("function-"))
    )


def _problems(
    exc: ValidationError, prefix: tuple[str | int, ...], locate: Locator | None
) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = prefix + _clean_loc(err["loc"])
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            field = loc[-1]
            close = difflib.get_close_matches(str(field), _ALL_FIELDS, n=1)
            message = f"unknown field {field!r}" + (
                f"; did you mean {close[0]!r}?" if close else ""
            )
        elif err["type"] == "missing":
            message = "required field is missing"
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        elif err["type"].startswith("date"):
            message = f"{message} (write dates as YYYY-MM-DD, got {err.get('input')!r})"
        problems.append(Problem(yaml_path(loc), message, _line(locate, loc)))
    return problems


def _line(locate: Locator | None, loc: tuple[str | int, ...]) -> int | None:
    if locate is None:
        return None
    for n in range(len(loc), -1, -1):  # the deepest node that exists in the file
        line = locate(loc[:n])
        if line is not None:
            return line
    return None


# ---------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------


def _round(x: float) -> int:
    """Round half up (so 0.5 -> 1), as people expect for places."""
    return math.floor(x + 0.5)


def base_parameters(base: BaseSpec) -> FlowParameters:
    """The base case as :class:`~lsr.flow.parameters.FlowParameters` (capacities constant from
    the start of the warm-up; unit costs defaulted with their sources)."""
    first = float(-base.warm_up_days)
    services = []
    for name in SERVICES:
        spec: ServiceSpec = getattr(base.services, name)
        default_cost, default_source = DEFAULT_UNIT_COSTS[name]
        services.append(
            Service(
                name=name,
                capacity=(CapacityStep(first, spec.packages()),),
                length_of_stay=spec.length_of_stay.to_duration(),
                overflow=spec.overflow,
                unit_cost=default_cost if spec.unit_cost is None else spec.unit_cost,
                unit_cost_source=(
                    spec.unit_cost_source
                    or (default_source if spec.unit_cost is None else "Set in the scenario file")
                ),
            )
        )
    return FlowParameters(
        start=base.start,
        days=base.days,
        arrivals=Arrivals(
            per_day=base.arrivals.per_day,
            day_of_week=tuple(base.arrivals.day_of_week),
            seasonal_amplitude=base.arrivals.seasonal_amplitude,
            peak_day_of_year=base.arrivals.peak_day_of_year,
        ),
        acute_length_of_stay=base.acute_length_of_stay.to_duration(),
        pathway_split=base.pathway_split.shares(),
        services=tuple(services),
        chc=ChcAssessment(
            probability=base.chc.probability,
            where=base.chc.where,
            assessors=(CapacityStep(first, base.chc.assessors),),
            duration=base.chc.duration.to_duration(),
        ),
        self_funder_share=base.self_funder_share,
        nursing_share=base.nursing_share,
        readmission_probability=base.readmission_probability,
        acute_beds=base.acute_beds,
        adult_population=base.adult_population,
        warm_up_days=base.warm_up_days,
        costs=Costs(
            acute_bed_day=base.costs.acute_bed_day,
            acute_delayed_day=base.costs.acute_delayed_day,
            acute_delayed_day_source=base.costs.acute_delayed_day_source,
        ),
    )


def _step_capacity(
    steps: tuple[CapacityStep, ...], day: float | None, op: Callable[[int], float]
) -> tuple[CapacityStep, ...]:
    """Apply ``op`` to the capacity from ``day`` on (all of it when ``day`` is None)."""
    if day is None:
        return tuple(CapacityStep(s.day, _round(op(s.capacity))) for s in steps)
    before = [s for s in steps if s.day < day]
    after = [s for s in steps if s.day > day]
    in_force = [s for s in steps if s.day <= day]
    current = in_force[-1].capacity if in_force else steps[0].capacity
    new = [CapacityStep(day, _round(op(current)))]
    new += [CapacityStep(s.day, _round(op(s.capacity))) for s in after]
    return tuple(before + new)


def _set_in(data: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    node = data
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value


def _get_in(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        node = node[key]
    return node


def apply_changes(
    base: BaseSpec,
    changes: Sequence[ChangeSpec],
    *,
    prefix: tuple[str | int, ...] = (),
    locate: Locator | None = None,
    source: str = "<scenario>",
) -> FlowParameters:
    """The base case with ``changes`` applied, as parameters.

    Changes to plain fields (lengths of stay, shares, costs, CHC location...) are applied to the
    base case first, in order, and the result is validated again; changes to capacities and
    arrival surges are then applied in order as steps over time. ``prefix`` is the YAML path of
    the change list (for error messages)."""
    problems: list[Problem] = []
    data = base.model_dump(by_alias=True)
    plain = [(i, c) for i, c in enumerate(changes) if c.change not in _TIMED_FIELDS]
    timed = [(i, c) for i, c in enumerate(changes) if c.change in _TIMED_FIELDS]
    spec = base
    for i, change in plain:
        loc = (*prefix, i)
        op = change.operation
        if op == "set":
            value = change.set
            if isinstance(value, date):
                value = value.isoformat()
        else:
            current = _get_in(data, change.change)
            if current is None and change.change.endswith(".unit_cost"):
                current = DEFAULT_UNIT_COSTS[change.change.split(".")[1]][0]
            if not isinstance(current, int | float):
                problems.append(
                    Problem(yaml_path(loc), f"{change.change} is not a number", _line(locate, loc))
                )
                continue
            value = current * change.multiply if op == "multiply" else current + change.add
            if isinstance(current, int) and not isinstance(current, bool):
                value = _round(value)
        _set_in(data, change.change, value)
        try:
            spec = BaseSpec.model_validate(data)
        except ValidationError as exc:
            for p in _problems(exc, (), None):
                problems.append(
                    Problem(
                        yaml_path((*loc, op)),
                        f"after this change, {p.path}: {p.message}",
                        _line(locate, (*loc, op)),
                    )
                )
            break
    if problems:
        raise ScenarioError(source, problems)

    params = base_parameters(spec)
    end_day = params.days
    for i, change in timed:
        loc = (*prefix, i)
        day: float | None = None
        if change.from_ is not None:
            day = float((change.from_ - params.start).days)
            if day >= end_day or day < -params.warm_up_days:
                problems.append(
                    Problem(
                        yaml_path((*loc, "from")),
                        f"{change.from_.isoformat()} is outside the simulated period "
                        f"(warm-up from {_day_date(params, -params.warm_up_days)}, "
                        f"run {params.start.isoformat()} to {_day_date(params, end_day - 1)})",
                        _line(locate, (*loc, "from")),
                    )
                )
                continue
        try:
            params = _apply_timed(params, spec, change, day)
        except ValueError as exc:
            problems.append(
                Problem(
                    yaml_path((*loc, change.operation)),
                    str(exc),
                    _line(locate, (*loc, change.operation)),
                )
            )
    if problems:
        raise ScenarioError(source, problems)
    return params


def _day_date(params: FlowParameters, day: int) -> str:
    from datetime import timedelta

    return (params.start + timedelta(days=day)).isoformat()


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} cannot be negative (got {value})")
    return float(value)


def _apply_timed(
    params: FlowParameters, spec: BaseSpec, change: ChangeSpec, day: float | None
) -> FlowParameters:
    op = change.operation
    if op == "surge":
        assert day is not None and change.surge is not None
        if change.weeks is not None:
            end = day + 7.0 * change.weeks
        elif change.days is not None:
            end = day + change.days
        else:
            assert change.until is not None
            end = float((change.until - params.start).days)
            if end <= day:
                raise ValueError("a surge must end ('until') after it starts ('from')")
        arrivals = replace(
            params.arrivals, surges=(*params.arrivals.surges, (day, end, change.surge))
        )
        return replace(params, arrivals=arrivals)

    per_unit = 1.0
    if change.change == "services.home_care.hours_per_week":
        hpp = spec.services.home_care.hours_per_package
        if hpp is None:
            raise ValueError(
                "home care is given as capacity in the base case; change "
                "services.home_care.capacity instead, or give hours_per_week and "
                "hours_per_package in the base case"
            )
        per_unit = hpp
    if op == "set":
        value = _number(change.set, "the new value") / per_unit

        def fn(_: int) -> float:
            return value
    elif op == "multiply":
        factor = float(change.multiply or 0.0)

        def fn(c: int) -> float:
            return c * factor
    else:
        delta = float(change.add or 0.0) / per_unit

        def fn(c: int) -> float:
            result = c + delta
            if result < 0:
                raise ValueError(f"adding {change.add} leaves a negative capacity ({result:g})")
            return result

    if change.change == "chc.assessors":
        chc = replace(params.chc, assessors=_step_capacity(params.chc.assessors, day, fn))
        return replace(params, chc=chc)
    name = change.change.split(".")[1]
    services = tuple(
        replace(s, capacity=_step_capacity(s.capacity, day, fn)) if s.name == name else s
        for s in params.services
    )
    return replace(params, services=services)


def scale_parameters(
    params: FlowParameters, factor: float, adult_population: float
) -> FlowParameters:
    """The same system scaled to another population: arrivals and every capacity (services,
    CHC assessors, acute beds) multiplied by ``factor`` (area population 65+ / the scenario's
    reference ``population_65``; capacities rounded, and at least 1 where they were positive),
    and the adult population replaced. Lengths of stay, shares and costs are unchanged."""
    if factor <= 0:
        raise ValueError(f"scale factor must be positive, got {factor}")

    def cap(c: int) -> int:
        return 0 if c == 0 else max(1, _round(c * factor))

    services = tuple(
        replace(s, capacity=tuple(CapacityStep(x.day, cap(x.capacity)) for x in s.capacity))
        for s in params.services
    )
    chc = replace(
        params.chc,
        assessors=tuple(CapacityStep(x.day, cap(x.capacity)) for x in params.chc.assessors),
    )
    return replace(
        params,
        arrivals=replace(params.arrivals, per_day=params.arrivals.per_day * factor),
        services=services,
        chc=chc,
        acute_beds=cap(params.acute_beds),
        adult_population=adult_population,
    )


@dataclass(frozen=True)
class ScenarioFile:
    """A validated scenario file: the base case and each scenario as parameters."""

    spec: ScenarioFileSpec
    source: str
    parameters: dict[str, FlowParameters]  # BASE_NAME first, then the scenarios in file order

    @property
    def name(self) -> str:
        """The file's ``name``."""
        return self.spec.name

    @property
    def scenario_names(self) -> list[str]:
        """``BASE_NAME`` then the scenario names, in file order."""
        return list(self.parameters)

    @property
    def population_65(self) -> float:
        """The reference population aged 65+ that the base case describes."""
        return self.spec.base.population_65

    def descriptions(self) -> dict[str, str]:
        """Scenario name to its description (the base case's is the file's description)."""
        out = {BASE_NAME: self.spec.description}
        out.update({s.name: s.description for s in self.spec.scenarios})
        return out


def validate_scenario_file(
    data: Any, source: str = "<scenario>", locate: Locator | None = None
) -> ScenarioFile:
    """Validate parsed YAML ``data`` and convert it to parameters for every scenario.

    Raises :class:`ScenarioError` naming ``source``, each field's YAML path and (with
    ``locate``) its line."""
    if not isinstance(data, Mapping):
        raise ScenarioError(
            source, [Problem("", "a scenario file must be a mapping with base and scenarios", 1)]
        )
    try:
        spec = ScenarioFileSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, _problems(exc, (), locate)) from None
    parameters = {BASE_NAME: base_parameters(spec.base)}
    problems: list[Problem] = []
    for i, scenario in enumerate(spec.scenarios):
        try:
            parameters[scenario.name] = apply_changes(
                spec.base,
                scenario.changes,
                prefix=("scenarios", i, "changes"),
                locate=locate,
                source=source,
            )
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(source, problems)
    return ScenarioFile(spec=spec, source=source, parameters=parameters)
