"""Scenarios that change only the system share the patients drawn for the first of them
(:class:`lsr.flow.run.PatientCache`): the experiment's and the sweep's results are exactly those
of drawing every scenario's inputs afresh, and the sharing does happen."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from lsr.data.scenario_files import example_path, parse_scenario_text
from lsr.flow.experiment import experiment_max_rate, run_experiment
from lsr.flow.run import PatientCache, run
from lsr.flow.sampling import draw_inputs
from lsr.flow.sweep import AreaPopulation, run_task, sweep_tasks


def _short() -> str:
    text = example_path().read_text(encoding="utf-8")
    return text.replace("days: 182 ", "days: 80 ").replace("warm_up_days: 90 ", "warm_up_days: 20 ")


def test_experiment_with_shared_patients_equals_fresh_draws() -> None:
    sf = parse_scenario_text(_short(), "short.yaml")
    rate = experiment_max_rate(list(sf.parameters.values()))

    def fresh(params, seed, replication):  # type: ignore[no-untyped-def]
        return run(params, seed, replication, max_rate=rate)

    a = run_experiment(sf, seed=5, replications=3)
    b = run_experiment(sf, seed=5, replications=3, run_fn=fresh)
    pd.testing.assert_frame_equal(a.totals, b.totals, check_exact=True)
    pd.testing.assert_frame_equal(a.daily, b.daily, check_exact=True)
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)


def test_sweep_task_with_shared_patients_equals_fresh_draws() -> None:
    sf = parse_scenario_text(_short(), "short.yaml")
    area = AreaPopulation("E06000001", "Hartlepool", 17_702, 72_969)
    (task, *_) = sweep_tasks(sf, [area], replications=1, seed=9)
    fresh = [
        run(p, task.seed, task.replication, max_rate=task.max_rate) for _, p in task.parameters
    ]
    rows = run_task(task)
    assert [r["scenario"] for r in rows] == [name for name, _ in task.parameters]
    for row, summary in zip(rows, fresh, strict=True):
        assert {k: row[k] for k in summary.totals} == summary.totals


def test_the_cache_shares_only_what_is_the_same() -> None:
    sf = parse_scenario_text(_short(), "short.yaml")
    rate = experiment_max_rate(list(sf.parameters.values()))
    cache = PatientCache()
    for params in sf.parameters.values():
        cache.inputs(params, 1, 0, rate)
    # base, more home care (capacity) and CHC in the community (place of assessment) share
    # one draw; the winter surge changes arrivals and draws its own
    assert cache.hits == 2
    cache.inputs(sf.parameters["Base case"], 1, 1, rate)
    assert cache.hits == 2  # another replication: drawn afresh


def test_a_group_is_drawn_once_per_replication() -> None:
    """With the experiment's scenarios as a group, the winter surge shares the base case's
    draw as well; every scenario still gets exactly its own draw_inputs."""
    sf = parse_scenario_text(_short(), "short.yaml")
    rate = experiment_max_rate(list(sf.parameters.values()))
    group = list(sf.parameters.values())
    cache = PatientCache(group=group)
    for rep in (0, 1):
        for params in group if rep == 0 else group[::-1]:  # any member may come first
            got = cache.inputs(params, 7, rep, rate)
            want = draw_inputs(params, 7, rep, max_rate=rate)
            for f in dataclasses.fields(want):
                a, b = getattr(got, f.name), getattr(want, f.name)
                if isinstance(b, np.ndarray):
                    assert np.array_equal(a, b, equal_nan=b.dtype.kind == "f"), f.name
                else:
                    assert a == b, f.name
    assert cache.hits == 2 * 3  # one group draw per replication serves the four scenarios
