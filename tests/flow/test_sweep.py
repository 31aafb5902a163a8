"""Sweeps: a process pool and a Dask cluster give identical results; areas are scaled by their
population aged 65+."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

from lsr.data.scenario_files import example_path, parse_scenario_text
from lsr.flow.scenario import BASE_NAME
from lsr.flow.sweep import AreaPopulation, area_parameters, run_sweep, sweep_tasks

AREAS = [
    AreaPopulation("E06000001", "Hartlepool", 17_702, 72_969),
    AreaPopulation("E06000002", "Middlesbrough", 22_565, 108_243),
]


def two_scenarios() -> str:
    """The example with the base case and one scenario, over a short period."""
    text = example_path().read_text(encoding="utf-8")
    text = text.replace("days: 182 ", "days: 60 ").replace("warm_up_days: 90 ", "warm_up_days: 30 ")
    return text.split("  - name: Winter surge")[0]


def test_area_scaling() -> None:
    sf = parse_scenario_text(two_scenarios(), "two.yaml")
    params = area_parameters(sf, AREAS[0])
    base = params[BASE_NAME]
    assert base.arrivals.per_day == pytest.approx(60 * 17_702 / 100_000)
    assert base.service("home_care").capacity[0].capacity == round(700 * 0.17702)
    assert base.adult_population == 72_969
    tasks = sweep_tasks(sf, AREAS, replications=2, seed=3)
    assert [(t.area_code, t.replication) for t in tasks] == [
        ("E06000001", 0), ("E06000001", 1), ("E06000002", 0), ("E06000002", 1)
    ]  # fmt: skip


@pytest.mark.slow
def test_process_pool_and_dask_give_identical_results() -> None:
    from dask.distributed import Client, LocalCluster

    sf = parse_scenario_text(two_scenarios(), "two.yaml")
    seen: list[int] = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        local = run_sweep(
            sf, AREAS, pool, replications=2, seed=5, progress=lambda d, t: seen.append(d)
        )
    with (
        LocalCluster(n_workers=2, processes=False, threads_per_worker=1) as cluster,
        Client(cluster) as client,
    ):
        dask = run_sweep(sf, AREAS, client, replications=2, seed=5)
    assert seen == [1, 2, 3, 4]
    assert len(local.totals) == 2 * 2 * 2
    pd.testing.assert_frame_equal(local.totals, dask.totals)
    pd.testing.assert_frame_equal(local.results, dask.results)
    # the bigger area has more admissions in every scenario
    t = local.totals.groupby("area_code")["admissions"].mean()
    assert t["E06000002"] > t["E06000001"]
