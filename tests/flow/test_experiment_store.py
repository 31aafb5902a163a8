"""Experiment results in the DuckDB store: one transaction per run, readable back."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from lsr.data.flow_store import area_populations, read_flow_results, save_flow_run
from lsr.data.store import connect


def _results() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": ["Base case", "S"],
            "metric": ["delayed_days"] * 2,
            "mean": [10.0, 8.0],
            "p05": [5.0, 4.0],
            "p50": [10.0, 8.0],
            "p95": [15.0, 12.0],
            "diff_mean": [float("nan"), -2.0],
            "diff_lo": [float("nan"), -3.0],
            "diff_hi": [float("nan"), -1.0],
        }
    )


def test_save_and_read(tmp_path: Path) -> None:
    con = connect(tmp_path / "s.duckdb")
    daily = pd.DataFrame(
        {
            "scenario": ["Base case"] * 2,
            "day": [0, 1],
            "date": pd.to_datetime(["2018-11-01", "2018-11-02"]),
            "metric": ["acute_delayed"] * 2,
            "mean": [3.0, 4.0],
            "p05": [1.0, 2.0],
            "p95": [5.0, 6.0],
        }
    )
    run_id = save_flow_run(
        con, scenario_file="w.yaml", scenario_name="W", replications=3, seed=1,
        engine="compiled", results=_results(), daily=daily,
    )  # fmt: skip
    back = read_flow_results(con, run_id)
    assert list(back["scenario_name"]) == ["Base case", "S"]
    assert back.loc[1, "diff_lo"] == -3.0 and pd.isna(back.loc[0, "diff_mean"])
    runs = con.execute("SELECT scenario_file, replications, area_code FROM flow_runs").fetchall()
    assert runs == [("w.yaml", 3, None)]
    assert con.execute("SELECT count(*), max(date) FROM flow_daily").fetchone()[0] == 2


def test_failed_save_leaves_nothing(tmp_path: Path) -> None:
    con = connect(tmp_path / "s.duckdb")
    bad = pd.concat([_results(), _results()])  # duplicate primary keys
    with pytest.raises(duckdb.Error):
        save_flow_run(
            con, scenario_file="w.yaml", scenario_name="W", replications=3, seed=1,
            engine="compiled", results=bad,
        )  # fmt: skip
    assert con.execute("SELECT count(*) FROM flow_runs").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM flow_results").fetchone() == (0,)


def test_area_populations(default_store: duckdb.DuckDBPyConnection) -> None:
    pops = area_populations(default_store)
    assert "E92000001" not in set(pops["code"])
    oxon = pops[pops["code"] == "E10000025"].iloc[0]
    assert oxon["population_65"] > 100_000 and oxon["adult_population"] > oxon["population_65"]
