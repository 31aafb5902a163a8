"""The profile's indicators per month, from the simulated daily output."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lsr.data.scenario_files import example_path, parse_scenario_text
from lsr.flow.experiment import (
    experiment_max_rate,
    monthly_bands,
    monthly_indicators,
    run_experiment,
)
from lsr.flow.parameters import CapacityStep
from lsr.flow.run import run
from lsr.flow.scenario import BASE_NAME

from flow_params import build_params

ADULTS = 25_000.0


def busy_params(adults: float = ADULTS):  # type: ignore[no-untyped-def]
    # 20 April to 30 June: a partial April (11 days), May and June; enough delays to matter
    params = build_params(
        days=72,
        warm_up_days=20,
        per_day=10.0,
        capacities=((CapacityStep(-1e9, 8),), (CapacityStep(-1e9, 4),), (CapacityStep(-1e9, 3),)),
        readmission_probability=0.15,
        adult_population=adults,
    )
    return replace(params, start=date(2024, 4, 20))


def test_monthly_dtoc_by_hand_from_the_daily_frame() -> None:
    s = run(busy_params(), 3, 0)
    daily = s.daily
    m = monthly_indicators(daily, ADULTS).set_index(["month", "indicator"])
    # by hand: add up the midday delayed counts of each month's days and divide by the days
    months: dict[tuple[int, int], list[int]] = {}
    for row in daily.itertuples():
        months.setdefault((row.date.year, row.date.month), []).append(int(row.acute_delayed))
    assert sorted(months) == [(2024, 4), (2024, 5), (2024, 6)]
    assert [len(v) for v in months.values()] == [11, 31, 30]
    for (year, month), counts in months.items():
        expected = sum(counts) / len(counts) / ADULTS * 100_000
        got = m.loc[(pd.Timestamp(year, month, 1), "dtoc_18")]
        assert got["value"] == pytest.approx(expected, rel=1e-12)
        assert got["days"] == len(counts)
    assert m.xs("dtoc_18", level="indicator")["value"].max() > 0  # not vacuous


def test_monthly_shares_add_up_to_the_run_totals() -> None:
    s = run(busy_params(), 3, 1)
    m = monthly_indicators(s.daily, ADULTS)
    long = m[m["indicator"] == "long_stays_65"]
    assert long["numerator"].sum() / long["denominator"].sum() == pytest.approx(
        s.totals["share_los_over_7"]
    )
    assert long["denominator"].sum() == s.totals["discharges"]
    readm = m[m["indicator"] == "readmissions_30d_65"]
    # discharges in the last 30 days are left out, as for the run's readmission rate
    assert readm["numerator"].sum() / readm["denominator"].sum() == pytest.approx(
        s.totals["readmission_rate"]
    )
    june = readm.set_index("month").loc[pd.Timestamp(2024, 6, 1)]
    assert june["days"] == 0 and math.isnan(june["value"])  # June is in the last 30 days
    dtoc = m[m["indicator"] == "dtoc_18"]
    mean_delayed = (dtoc["value"] * dtoc["days"]).sum() / dtoc["days"].sum()
    assert mean_delayed == pytest.approx(s.daily["acute_delayed"].mean() / ADULTS * 100_000)


def test_monthly_dtoc_needs_the_adult_population() -> None:
    s = run(busy_params(adults=0.0), 3, 0)
    m = monthly_indicators(s.daily, 0.0)
    assert m[m["indicator"] == "dtoc_18"]["value"].isna().all()
    assert m[m["indicator"] == "long_stays_65"]["value"].notna().all()


def test_monthly_bands_over_replications() -> None:
    frames = [
        pd.DataFrame(
            {
                "month": [pd.Timestamp(2024, 5, 1)] * 2,
                "indicator": ["dtoc_18", "long_stays_65"],
                "numerator": [0.0, 0.0],
                "denominator": [1.0, 1.0],
                "value": [v, math.nan if k == 0 else 10.0 * k],
                "days": [31, 31],
            }
        )
        for k, v in enumerate([1.0, 2.0, 3.0, 6.0])
    ]
    b = monthly_bands({"S": frames}).set_index("indicator")
    assert b.loc["dtoc_18", "mean"] == 3.0
    assert b.loc["dtoc_18", "p05"] == pytest.approx(np.quantile([1, 2, 3, 6], 0.05))
    assert b.loc["dtoc_18", "p95"] == pytest.approx(np.quantile([1, 2, 3, 6], 0.95))
    assert b.loc["long_stays_65", "mean"] == 20.0  # the replication without a value left out
    assert b.loc["long_stays_65", "replications"] == 3


def test_experiment_carries_monthly_values_and_the_area() -> None:
    text = example_path().read_text(encoding="utf-8")
    text = text.replace("days: 182 ", "days: 70 ").replace("warm_up_days: 90 ", "warm_up_days: 20 ")
    text = text.replace("name: Winter 2018/19", "area: Hartlepool\nname: Winter 2018/19", 1)
    sf = parse_scenario_text(text, "short.yaml")
    assert sf.spec.area == "Hartlepool"
    result = run_experiment(sf, replications=1, seed=4)
    assert result.area == "Hartlepool" and result.adult_population == 440_000
    # one replication: the bands are that replication's monthly values
    rate = experiment_max_rate(list(sf.parameters.values()))
    one = run(sf.parameters[BASE_NAME], 4, 0, max_rate=rate)
    expected = monthly_indicators(one.daily, 440_000).set_index(["month", "indicator"])
    got = result.monthly[result.monthly["scenario"] == BASE_NAME].set_index(["month", "indicator"])
    assert list(got.index.get_level_values(0).unique()) == [
        pd.Timestamp(2018, 11, 1),
        pd.Timestamp(2018, 12, 1),
        pd.Timestamp(2019, 1, 1),  # 1-9 January
    ]
    dtoc = got.xs("dtoc_18", level="indicator")
    assert dtoc["mean"].tolist() == pytest.approx(
        expected.xs("dtoc_18", level="indicator")["value"].tolist()
    )
    assert (dtoc["mean"] == dtoc["p05"]).all() and (dtoc["mean"] == dtoc["p95"]).all()
    assert set(result.monthly["scenario"]) == set(result.scenario_names)
