"""What-if runs: the same numbers as running each case alone on common random numbers, the
paired differences formed replication by replication, and the shortcut (patients drawn once)
used only when the change leaves the patients alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from lsr.data.scenario_files import example_path, load_scenario_file
from lsr.flow.experiment import daily_bands, experiment_max_rate
from lsr.flow.parameters import Arrivals, CapacityStep, FlowParameters
from lsr.flow.run import run
from lsr.flow.scenario import BASE_NAME
from lsr.flow.whatif import run_whatif

from flow_params import ParamsFactory

SEED = 4242
REPS = 6


def _alone(params: FlowParameters, rate: float) -> list[pd.DataFrame]:
    return [run(params, SEED, r, max_rate=rate).daily for r in range(REPS)]


@pytest.mark.parametrize("change", ["capacity", "surge"])
def test_whatif_equals_each_case_run_alone(make_params: ParamsFactory, change: str) -> None:
    base = make_params(days=40, readmission_probability=0.2)
    if change == "capacity":
        caps = ((CapacityStep(-1e9, 6),), (CapacityStep(10, 1),), (CapacityStep(-1e9, 3),))
        changed = make_params(days=40, readmission_probability=0.2, capacities=caps)
    else:
        changed = dataclasses.replace(base, arrivals=Arrivals(4.0, surges=((5.0, 25.0, 1.5),)))
    result = run_whatif(base, changed, replications=REPS, seed=SEED)
    assert result.same_patients is (change == "capacity")
    rate = experiment_max_rate([base, changed])
    assert result.max_rate == rate
    b, c = _alone(base, rate), _alone(changed, rate)
    want = daily_bands({"base": b, "changed": c})
    pd.testing.assert_frame_equal(result.daily, want, check_exact=True)
    metric = "acute_delayed"
    diffs = np.stack(
        [cc[metric].to_numpy() - bb[metric].to_numpy() for bb, cc in zip(b, c, strict=True)]
    )
    got = result.difference[result.difference.metric == metric]
    assert np.array_equal(got["mean"].to_numpy(), diffs.mean(axis=0))
    assert np.all(got["lo"].to_numpy() <= got["mean"].to_numpy())
    assert np.all(got["hi"].to_numpy() >= got["mean"].to_numpy())
    assert diffs.any()  # the change does something
    totals = result.totals.set_index("metric")
    tb = [run(base, SEED, r, max_rate=rate).totals["delayed_days"] for r in range(REPS)]
    tc = [run(changed, SEED, r, max_rate=rate).totals["delayed_days"] for r in range(REPS)]
    assert totals.loc["delayed_days", "base"] == pytest.approx(np.mean(tb), rel=1e-12)
    assert totals.loc["delayed_days", "diff_mean"] == pytest.approx(
        np.mean(np.subtract(tc, tb)), rel=1e-12, abs=1e-9
    )


def test_whatif_refuses_different_periods(make_params: ParamsFactory) -> None:
    with pytest.raises(ValueError, match="same period"):
        run_whatif(make_params(days=30), make_params(days=31), replications=2)
    with pytest.raises(ValueError, match="replications"):
        run_whatif(make_params(), make_params(), replications=0)


def test_whatif_on_the_winter_example_pairs_replications() -> None:
    """More home care lowers delays in every replication of the winter example (CRN pairs)."""
    sf = load_scenario_file(example_path("winter"))
    base = sf.parameters[BASE_NAME]
    more = sf.parameters["More home care from 1 December"]
    result = run_whatif(base, more, replications=4)
    assert result.same_patients
    t = result.totals.set_index("metric")
    assert t.loc["delayed_days", "diff_hi"] < 0
    # the same patients arrive from outside (readmissions follow when patients leave)
    first = t.loc["admissions"] - t.loc["readmissions"]
    assert first["base"] == first["changed"]


def test_one_replication_has_no_interval_and_warm_runs(make_params: ParamsFactory) -> None:
    from lsr.flow.whatif import warm

    warm()
    warm(make_params(days=5))
    result = run_whatif(make_params(days=20), make_params(days=20, per_day=5.0), replications=1)
    assert result.replications == 1 and not result.same_patients
    assert result.difference["lo"].isna().all() and result.difference["hi"].isna().all()
    assert result.totals["diff_lo"].isna().all()
    assert np.isfinite(result.difference["mean"]).all()
