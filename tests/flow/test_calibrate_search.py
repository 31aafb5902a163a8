"""The calibration search (issue 10): global over the bounds, never worse than the start, and a
warning when the fit is poor. The docs example (Kent, home care capacity) used to report
"Solution found" at a point far worse than its start."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lsr.cli.main import app
from lsr.data.scenario_files import example_path, load_scenario_file
from lsr.flow.calibrate import (
    POOR_FIT,
    Fit,
    calibrate,
    current_value,
    fit_warnings,
    simulate_targets,
    with_values,
)
from lsr.flow.scenario import BASE_NAME

HOME_CARE = "services.home_care.capacity"
LOS = "acute_length_of_stay.mean"


def noisy_model(knee: float, noise: float) -> Any:
    """A run function with the shape of the real objective: delays fall steeply as home care
    capacity passes ``knee`` and are flat (near 0) beyond it; a longer stay raises both targets;
    each (parameters, seed, replication) has its own deterministic noise, as common random
    numbers give."""

    def run_fn(params: Any, seed: int, replication: int) -> Any:
        cap = current_value(params, HOME_CARE)
        los = params.acute_length_of_stay.mean
        key = (int(cap), round(los * 1000), seed, replication)
        rng = np.random.default_rng(abs(hash(key)) % 2**32)
        dtoc = 40.0 / (1.0 + math.exp((cap - knee) / 15.0)) + los + noise * rng.normal()
        share = min(0.9, 0.05 * los) + 0.1 * noise * rng.normal()
        return SimpleNamespace(totals={"dtoc_per_100k": dtoc, "share_los_over_7": share})

    return run_fn


@pytest.fixture(scope="module")
def base() -> Any:
    return load_scenario_file(example_path()).parameters[BASE_NAME]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    knee=st.floats(360, 1390),
    noise=st.floats(0, 3),
    target=st.floats(1, 60),
    share=st.one_of(st.none(), st.floats(0.05, 0.6)),
    two=st.booleans(),
    seed=st.integers(0, 2**31),
    start_cap=st.integers(400, 1300),
    at_start=st.booleans(),
)
def test_never_worse_than_the_start(
    base: Any,
    knee: float,
    noise: float,
    target: float,
    share: float | None,
    two: bool,
    seed: int,
    start_cap: int,
    at_start: bool,
) -> None:
    """Any landscape, noise and target; ``at_start``: the observed values are exactly what the
    start simulates (objective 0 there, so nothing else can be returned)."""
    start = with_values(base, {HOME_CARE: start_cap})
    observed = {"dtoc_per_100k": target}
    if share is not None:
        observed["share_los_over_7"] = share
    run_fn = noisy_model(knee, noise)
    if at_start:
        sim = simulate_targets(start, list(observed), run_fn, seed, 3)
        observed = {t: float(np.mean(v)) for t, v in sim.items() if np.mean(v) > 0}
        assume(observed)
    names = [HOME_CARE, LOS] if two else [HOME_CARE]
    result = calibrate(
        start,
        observed,
        parameters=names,
        replications=3,
        seed=seed,
        run_fn=run_fn,
        max_evaluations=40,
    )
    assert result.objective <= result.start_objective + 1e-12
    if at_start:
        assert result.objective == 0.0
    for n in names:
        lo, hi = result.bounds[n]
        assert lo <= result.values[n] <= hi
    assert result.evaluations <= 40  # a hard budget
    assert result.poor == any(abs(f.relative_error) > POOR_FIT for f in result.fits)


def test_finds_a_narrow_valley_a_local_search_misses(base: Any) -> None:
    """The objective is flat above the knee and steep below it; the answer is near the knee,
    far from the start (700)."""
    run_fn = noisy_model(knee=1200, noise=0.0)
    target = run_fn(
        SimpleNamespace(
            acute_length_of_stay=base.acute_length_of_stay,
            service=lambda name: SimpleNamespace(capacity=[SimpleNamespace(capacity=1190)]),
        ),
        0,
        0,
    ).totals["dtoc_per_100k"]
    result = calibrate(
        base, {"dtoc_per_100k": target}, parameters=[HOME_CARE], run_fn=run_fn, replications=2
    )
    assert abs(result.values[HOME_CARE] - 1190) <= 3
    assert result.objective < 1e-4 < result.start_objective
    assert not result.warnings


def test_poor_fit_and_bound_warnings() -> None:
    good = Fit("dtoc_per_100k", "DToC", 10.0, 10.5, 9.0, 12.0)
    poor = Fit("share_los_over_7", "Stays", 0.30, 0.25, 0.24, 0.26)
    assert fit_warnings([good], {HOME_CARE: 700}, {HOME_CARE: (350, 1400)}) == []
    (line,) = fit_warnings([good, poor], {HOME_CARE: 700}, {HOME_CARE: (350, 1400)})
    assert line.startswith("Poor fit") and "share_los_over_7" in line and "-17%" in line
    (line,) = fit_warnings([good], {HOME_CARE: 1400}, {HOME_CARE: (350, 1400)})
    assert "at a bound" in line


@pytest.fixture()
def store(default_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(default_store_path, target)
    return target


def test_docs_example_kent_home_care(store: Path, tmp_path: Path) -> None:
    """`lsr calibrate winter --area Kent -p services.home_care.capacity` (docs/commands.md), on
    2 replications: the fit is better than the start, says so, and warns that the share of
    stays over 7 days (not fitted by home care) is poor; readable at 80 columns."""
    out = tmp_path / "kent.yaml"
    result = CliRunner().invoke(
        app,
        ["calibrate", "winter", "--area", "Kent", "-p", HOME_CARE, "-n", "2",
         "--out", str(out), "--db", str(store)],
        env={"COLUMNS": "80"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Solution found" not in text
    assert HOME_CARE in text  # the name whole, not cut
    assert max(len(line) for line in text.splitlines()) <= 80
    words = " ".join(text.split())
    number = r"(\d+(?:\.\d+)?(?:e[+-]?\d+)?)"
    start = re.search(rf"objective at the start {number}", words)
    fitted = re.search(rf"objective {number} \(sum of squared", words)
    assert start and fitted, words
    assert float(fitted.group(1)) < float(start.group(1))
    assert "Warning: Poor fit" in words and "share_los_over_7" in words
    assert load_scenario_file(out).parameters[BASE_NAME].service("home_care").capacity
