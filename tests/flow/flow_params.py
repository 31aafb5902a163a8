"""Shared builders for the flow-model tests: small parameter sets and a Hypothesis strategy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import strategies as st

from lsr.flow.parameters import (
    Arrivals,
    CapacityStep,
    ChcAssessment,
    Duration,
    FlowParameters,
    Service,
)

ParamsFactory = Callable[..., FlowParameters]
ACUTE_LOS = Duration(3.0, 2.0)


def build_params(
    *,
    days: int = 60,
    warm_up_days: int = 10,
    per_day: float = 4.0,
    acute_los: Duration = ACUTE_LOS,
    split: tuple[float, float, float, float] = (0.4, 0.3, 0.2, 0.1),
    capacities: tuple[tuple[CapacityStep, ...], ...] = (
        (CapacityStep(-1e9, 4),),
        (CapacityStep(-1e9, 3),),
        (CapacityStep(-1e9, 2),),
    ),
    los: tuple[Duration, Duration, Duration] = (
        Duration(5.0, 3.0),
        Duration(4.0, 2.0, "gamma"),
        Duration(10.0, 0.0, "exponential"),
    ),
    overflow: tuple[str, str, str] = ("wait", "wait", "wait"),
    chc: ChcAssessment | None = None,
    readmission_probability: float = 0.0,
    **kw: Any,
) -> FlowParameters:
    """A small four-service system (defaults can be overridden one by one)."""
    names = ("home_care", "step_down", "care_home")
    services = tuple(
        Service(n, capacities[i], los[i], overflow[i], unit_cost=10.0 * (i + 1))
        for i, n in enumerate(names)
    )
    return FlowParameters(
        start=date(2024, 4, 1),
        days=days,
        arrivals=Arrivals(per_day),
        acute_length_of_stay=acute_los,
        pathway_split=split,
        services=services,
        chc=chc if chc is not None else ChcAssessment(),
        readmission_probability=readmission_probability,
        warm_up_days=warm_up_days,
        **kw,
    )


@pytest.fixture(scope="session")
def make_params() -> ParamsFactory:
    """The :func:`build_params` builder (session-scoped so Hypothesis tests may use it)."""
    return build_params


def _duration(integer_means: bool) -> st.SearchStrategy[Duration]:
    mean = (
        st.integers(0, 6).map(float)
        if integer_means
        else st.floats(0.1, 8.0, allow_nan=False, allow_infinity=False)
    )
    return st.builds(
        Duration,
        mean=mean,
        sd=st.floats(0.0, 5.0),
        distribution=st.sampled_from(["fixed", "lognormal", "gamma", "exponential"]),
    )


def _steps() -> st.SearchStrategy[tuple[CapacityStep, ...]]:
    first = st.builds(CapacityStep, day=st.just(-1e9), capacity=st.integers(0, 5))
    later = st.lists(
        st.builds(CapacityStep, day=st.integers(-15, 40).map(float), capacity=st.integers(0, 6)),
        max_size=3,
    )
    return st.tuples(first, later).map(lambda fl: (fl[0], *fl[1]))


@st.composite
def small_params(draw: st.DrawFn) -> FlowParameters:
    """Small random systems: capacity changes, both overflow rules, CHC in hospital or the
    community, readmissions and (with fixed whole-day durations) many ties."""
    ties = draw(st.booleans())
    weights = draw(st.lists(st.integers(0, 5), min_size=4, max_size=4).filter(lambda w: sum(w)))
    split = tuple(w / sum(weights) for w in weights)
    split = (*split[:3], 1.0 - sum(split[:3]))
    chc = ChcAssessment(
        probability=draw(st.sampled_from([0.0, 0.3, 0.8])),
        where=draw(st.sampled_from(["hospital", "community"])),
        assessors=draw(_steps()),
        duration=draw(_duration(ties)),
    )
    return build_params(
        days=draw(st.integers(5, 50)),
        warm_up_days=draw(st.integers(0, 20)),
        per_day=draw(st.floats(0.5, 8.0)),
        acute_los=draw(_duration(ties)),
        split=split,  # type: ignore[arg-type]
        capacities=(draw(_steps()), draw(_steps()), draw(_steps())),
        los=(draw(_duration(ties)), draw(_duration(ties)), draw(_duration(ties))),
        overflow=tuple(draw(st.sampled_from(["wait", "lose"])) for _ in range(3)),  # type: ignore[arg-type]
        chc=chc,
        readmission_probability=draw(st.sampled_from([0.0, 0.2, 0.5])),
        self_funder_share=draw(st.sampled_from([0.0, 0.5])),
        nursing_share=draw(st.sampled_from([0.0, 0.5, 1.0])),
    )
