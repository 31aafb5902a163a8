"""The fast summaries give the numbers of the earlier numpy code (a slow reference copy kept in
``reference_summaries.py``): every daily column and every total of a run, bit for bit, on random
small systems (Hypothesis) and on the shipped ``winter`` example; the experiment's daily and
monthly bands over replications likewise."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import reference_summaries as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lsr.data.scenario_files import example_path, load_scenario_file
from lsr.flow.engine import simulate
from lsr.flow.experiment import (
    daily_bands,
    experiment_max_rate,
    monthly_bands,
    monthly_indicators,
    run_experiment,
    summarise_totals,
)
from lsr.flow.outputs import RunSummary, summarise
from lsr.flow.parameters import FlowParameters
from lsr.flow.run import run
from lsr.flow.sampling import draw_inputs

from flow_params import small_params

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same_summary(fast: RunSummary, slow: ref.RunSummary) -> None:
    pd.testing.assert_frame_equal(fast.daily, slow.daily, check_exact=True)
    assert list(fast.totals) == list(slow.totals)
    for key, value in slow.totals.items():
        got = fast.totals[key]
        assert type(got) is type(value), key
        assert got == value or (math.isnan(got) and math.isnan(value)), (key, got, value)


@SETTINGS
@given(small_params(), st.integers(0, 2**32 - 1), st.integers(0, 30))
def test_summarise_matches_the_reference(params: FlowParameters, seed: int, rep: int) -> None:
    x = draw_inputs(params, seed, rep)
    r = simulate(x)
    _same_summary(summarise(params, x, r), ref.summarise(params, x, r))


@pytest.fixture(scope="module")
def winter_runs() -> dict[str, list[tuple[FlowParameters, RunSummary, ref.RunSummary]]]:
    sf = load_scenario_file(example_path("winter"))
    rate = experiment_max_rate(list(sf.parameters.values()))
    out: dict[str, list[tuple[FlowParameters, RunSummary, ref.RunSummary]]] = {}
    for name, params in sf.parameters.items():
        for rep in range(3):
            x = draw_inputs(params, 20181101, rep, max_rate=rate)
            r = simulate(x)
            out.setdefault(name, []).append(
                (params, summarise(params, x, r), ref.summarise(params, x, r))
            )
    return out


def test_winter_runs_match_the_reference(winter_runs) -> None:  # type: ignore[no-untyped-def]
    for runs in winter_runs.values():
        for _, fast, slow in runs:
            _same_summary(fast, slow)
    # the example is busy enough for every kind of delay and flow to be compared
    totals = winter_runs["Base case"][0][1].totals
    assert totals["delayed_days"] > 1000 and totals["delayed_days_A"] > 0
    assert totals["readmissions"] > 100


def test_bands_match_the_reference(winter_runs) -> None:  # type: ignore[no-untyped-def]
    daily = {name: [s.daily for _, s, _ in runs] for name, runs in winter_runs.items()}
    pd.testing.assert_frame_equal(daily_bands(daily), ref.daily_bands(daily), check_exact=True)
    monthly = {
        name: [monthly_indicators(s.daily, p.adult_population) for p, s, _ in runs]
        for name, runs in winter_runs.items()
    }
    slow_monthly = {
        name: [ref.monthly_indicators(s.daily, p.adult_population) for p, s, _ in runs]
        for name, runs in winter_runs.items()
    }
    for name in monthly:
        for a, b in zip(monthly[name], slow_monthly[name], strict=True):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(
        monthly_bands(monthly), ref.monthly_bands(slow_monthly), check_exact=True
    )


def test_monthly_indicators_without_population_or_days() -> None:
    """NaN values (no adult population, months without leavers) as in the reference."""
    days = 75
    frame = pd.DataFrame(
        {
            "day": np.arange(days),
            "date": pd.date_range("2024-01-20", periods=days, freq="D"),
            "acute_delayed": np.arange(days) % 5,
            "left_acute": np.where(np.arange(days) < 20, 0, 3),
            "left_acute_over_7": np.where(np.arange(days) < 20, 0, 1),
            "readmissions_within_30": np.arange(days) % 2,
        }
    )
    for population in (0.0, 1234.0):
        pd.testing.assert_frame_equal(
            monthly_indicators(frame, population),
            ref.monthly_indicators(frame, population),
            check_exact=True,
        )


@pytest.mark.parametrize("reps", [1, 2, 3, 9, 40])
def test_summarise_totals_matches_the_reference(reps: int) -> None:
    """Random totals (some NaN, some constant) for a base case and two scenarios."""
    rng = np.random.default_rng(reps)
    rows = []
    for scenario in ("Base case", "A", "B"):
        for r in range(reps):
            rows.append(
                {
                    "scenario": scenario,
                    "replication": r,
                    "delayed_days": float(rng.gamma(2.0, 3000.0)),
                    "share": float(rng.random()),
                    "constant": 5.0,
                    "rate": math.nan if r == 1 else float(rng.random()),
                }
            )
    totals = pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # any row order
    totals = pd.concat(
        [totals[totals.scenario == "Base case"], totals[totals.scenario != "Base case"]]
    )
    pd.testing.assert_frame_equal(
        summarise_totals(totals), ref.summarise_totals(totals), check_exact=True
    )


def test_summarise_totals_of_winter_runs(winter_runs) -> None:  # type: ignore[no-untyped-def]
    totals = pd.DataFrame(
        [
            {"scenario": name, "replication": r, **s.totals}
            for name, runs in winter_runs.items()
            for r, (_, s, _) in enumerate(runs)
        ]
    )
    pd.testing.assert_frame_equal(
        summarise_totals(totals), ref.summarise_totals(totals), check_exact=True
    )


def test_experiment_bands_match_the_reference() -> None:
    """run_experiment's monthly bands, daily bands and results (formed without a frame per
    replication) against the reference functions applied to the same runs."""
    sf = load_scenario_file(example_path("winter"))
    rate = experiment_max_rate(list(sf.parameters.values()))
    seen: dict[str, list[RunSummary]] = {}

    def capture(params: FlowParameters, seed: int, replication: int) -> RunSummary:
        summary = run(params, seed, replication, max_rate=rate)
        name = next(n for n, p in sf.parameters.items() if p is params)
        seen.setdefault(name, []).append(summary)
        return summary

    result = run_experiment(sf, seed=3, replications=9, run_fn=capture)
    slow_monthly = ref.monthly_bands(
        {
            name: [
                ref.monthly_indicators(s.daily, sf.parameters[name].adult_population) for s in runs
            ]
            for name, runs in seen.items()
        }
    )
    pd.testing.assert_frame_equal(result.monthly, slow_monthly, check_exact=True)
    daily = {name: [s.daily for s in runs] for name, runs in seen.items()}
    pd.testing.assert_frame_equal(result.daily, ref.daily_bands(daily), check_exact=True)
    pd.testing.assert_frame_equal(
        result.results, ref.summarise_totals(result.totals), check_exact=True
    )
