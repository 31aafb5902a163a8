"""Experiments: the replication stopping rule, paired differences, the warm-up check, and
common random numbers making scenario differences less noisy than independent seeds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lsr.data.scenario_files import example_path, parse_scenario_text
from lsr.flow.experiment import (
    check_warm_up,
    paired_difference,
    precision,
    replications_to_add,
    run_experiment,
    summarise_totals,
)
from lsr.flow.scenario import BASE_NAME


def short_example(days: int = 70, warm_up: int = 30) -> str:
    """The shipped example over a shorter period (quicker runs)."""
    text = example_path().read_text(encoding="utf-8")
    return text.replace("days: 182 ", f"days: {days} ").replace(
        "warm_up_days: 90 ", f"warm_up_days: {warm_up} "
    )


def test_precision_by_hand() -> None:
    p = precision([10.0, 12.0, 14.0])
    # mean 12, sd 2, t(0.975, 2) = 4.302653; half-width = 4.302653 * 2 / sqrt(3) = 4.968275
    assert p.mean == 12.0
    assert p.half_width == pytest.approx(4.302653 * 2 / math.sqrt(3), rel=1e-6)
    assert p.relative == pytest.approx(p.half_width / 12.0)


def test_stopping_rule_on_a_hand_made_sequence() -> None:
    kw = {"relative_precision": 0.05, "min_replications": 3, "max_replications": 8, "batch_size": 2}
    assert replications_to_add([], **kw) == 3
    assert replications_to_add([100.0], **kw) == 2
    # 100, 120, 80: mean 100, sd 20, hw = 4.303 * 20 / 1.732 = 49.7 -> 49.7% > 5%: one batch
    assert replications_to_add([100.0, 120.0, 80.0], **kw) == 2
    # 100, 101, 99, 100, 100: sd 0.707, hw = 2.776 * 0.707 / 2.236 = 0.88 -> 0.9%: stop
    assert replications_to_add([100.0, 101.0, 99.0, 100.0, 100.0], **kw) == 0
    # never beyond the maximum: 7 noisy values -> 1 more; 8 -> stop
    noisy = [100.0, 150.0, 50.0, 120.0, 80.0, 140.0, 60.0]
    assert replications_to_add(noisy, **kw) == 1
    assert replications_to_add([*noisy, 100.0], **kw) == 0
    with pytest.raises(ValueError):
        replications_to_add([], relative_precision=0.05, min_replications=1)


def test_paired_difference_by_hand() -> None:
    mean, lo, hi = paired_difference([11.0, 13.0, 12.0], [10.0, 10.0, 10.0])
    # differences 1, 3, 2: mean 2, sd 1, hw = t(0.975, 2) / sqrt(3)
    hw = stats.t.ppf(0.975, 2) / math.sqrt(3)
    assert (mean, lo, hi) == pytest.approx((2.0, 2.0 - hw, 2.0 + hw))


def test_summarise_totals() -> None:
    totals = pd.DataFrame(
        {
            "scenario": [BASE_NAME] * 3 + ["S"] * 3,
            "replication": [0, 1, 2] * 2,
            "delayed_days": [10.0, 20.0, 30.0, 8.0, 17.0, 26.0],
        }
    )
    r = summarise_totals(totals).set_index("scenario")
    assert r.loc[BASE_NAME, "mean"] == 20.0 and math.isnan(r.loc[BASE_NAME, "diff_mean"])
    assert r.loc[BASE_NAME, "p05"] == pytest.approx(11.0)  # linear: 10 + 0.1 x 10
    assert r.loc["S", "diff_mean"] == pytest.approx(-3.0)  # -2, -3, -4
    assert r.loc["S", "diff_lo"] == pytest.approx(-3.0 - stats.t.ppf(0.975, 2) / math.sqrt(3))


def test_warm_up_check() -> None:
    flat = [np.full(60, 100.0), np.full(60, 102.0)]
    assert not check_warm_up(flat, tolerance=0.05).flagged
    rising = [np.concatenate([np.full(30, 80.0), np.full(30, 100.0)])]
    check = check_warm_up(rising, tolerance=0.05)
    assert check.flagged and check.relative_difference == pytest.approx(0.2)
    assert "FLAGGED" in check.message
    assert "not checked" in check_warm_up([np.ones(40)]).message


def test_experiment_runs_and_reports() -> None:
    sf = parse_scenario_text(short_example(), "short.yaml")
    calls: list[tuple[int, int]] = []
    result = run_experiment(
        sf,
        seed=7,
        min_replications=3,
        max_replications=6,
        batch_size=3,
        relative_precision=0.01,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert result.replications in (3, 6)
    assert calls[-1][0] == result.replications * 4 and calls[-1][0] == calls[-1][1]
    assert set(result.results["scenario"]) == set(sf.scenario_names)
    more = result.result("More home care from 1 December", "delayed_days")
    assert more["diff_mean"] < 0  # more home care cannot increase delays under CRN
    surge = result.result("Winter surge", "admissions")
    assert surge["diff_lo"] > 0
    daily = result.daily
    assert set(daily["metric"]) >= {"acute_delayed", "home_care_occupied"}
    assert daily.groupby(["scenario", "metric"]).size().eq(70).all()
    assert (daily["p05"] <= daily["mean"] + 1e-9).all()
    assert result.warm_up.tolerance == 0.10 and not math.isnan(result.warm_up.first)


def test_common_random_numbers_reduce_noise_of_differences() -> None:
    """Variance of scenario-minus-base differences over replications: paired under CRN against
    independent seeds per scenario."""
    sf = parse_scenario_text(short_example(), "short.yaml")
    name = "More home care from 1 December"

    def differences(crn: bool) -> np.ndarray:
        result = run_experiment(sf, seed=11, replications=6, common_random_numbers=crn)
        t = result.totals.set_index(["scenario", "replication"])["delayed_days"]
        return (t.loc[name] - t.loc[BASE_NAME]).to_numpy()

    paired, unpaired = differences(True), differences(False)
    assert paired.var(ddof=1) < unpaired.var(ddof=1) / 2
