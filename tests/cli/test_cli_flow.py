"""``lsr simulate``, ``lsr sweep`` and ``lsr calibrate`` end to end on a temporary store."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lsr.cli.main import app
from lsr.data.scenario_files import example_path, load_scenario_file

runner = CliRunner()


@pytest.fixture()
def store(default_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(default_store_path, target)
    return target


def test_simulate_shipped_example(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["simulate", str(example_path()), "-n", "2", "--out", str(out), "--db", str(store)]
    )
    assert result.exit_code == 0, result.output
    for text in ("Delayed days", "Base case", "Winter surge", "95% CI", "£346.00 a day"):
        assert text in result.stdout
    assert "Warm-up check" in result.stdout
    html = (out / "simulation.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Winter surge" in html
    con = duckdb.connect(str(store), read_only=True)
    runs = con.execute("SELECT scenario_name, replications, engine FROM flow_runs").fetchall()
    assert runs == [("Winter 2018/19 (ILLUSTRATIVE example council)", 2, "compiled")]
    n = con.execute(
        "SELECT count(DISTINCT scenario_name) FROM flow_results WHERE metric = 'delayed_days'"
    ).fetchone()
    assert n == (4,)
    assert con.execute("SELECT count(*) FROM flow_daily").fetchone()[0] > 0


def test_simulate_no_report_prints_and_stores_only(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = ["simulate", "winter", "-n", "2", "--no-report", "--out", str(out), "--db", str(store)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Delayed days" in result.stdout and "Stored results as run" in result.stdout
    assert "Wrote" not in result.stdout and not out.exists()  # no report, no folder
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT count(*) FROM flow_runs").fetchone() == (1,)
    con.close()
    refused = runner.invoke(app, [*args, "--pdf"])
    assert refused.exit_code == 2 and "--pdf needs the report" in refused.stderr


def test_simulate_bad_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        example_path().read_text(encoding="utf-8").replace("capacity: 150", "capacity: -1"),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["simulate", str(bad)])
    assert result.exit_code == 2
    assert "base.services.step_down.capacity" in result.stderr and "line 39" in result.stderr


def test_sweep_two_areas(store: Path) -> None:
    result = runner.invoke(
        app,
        ["sweep", "winter", "--areas", "E06000001,E06000002", "-n", "2", "-w", "2",
         "--db", str(store)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 areas x 4 scenarios x 2 replications" in result.stdout
    con = duckdb.connect(str(store), read_only=True)
    areas = con.execute("SELECT area_code FROM flow_runs ORDER BY area_code").fetchall()
    assert areas == [("E06000001",), ("E06000002",)]


def test_sweep_unknown_area(store: Path) -> None:
    result = runner.invoke(app, ["sweep", "winter", "--areas", "X1", "--db", str(store)])
    assert result.exit_code == 2 and "X1" in result.stderr


@pytest.mark.slow
def test_calibrate_writes_a_loadable_scenario(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "cal.yaml"
    result = runner.invoke(
        app,
        ["calibrate", "winter", "--area", "Hartlepool", "-p", "services.home_care.capacity",
         "-n", "2", "--out", str(out), "--db", str(store)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Fitted" in result.stdout and "Observed" in result.stdout
    assert "SYNTHETIC" in result.stdout  # stays over 7 days are synthetic in the default store
    sf = load_scenario_file(out)
    assert "Hartlepool" in sf.name
    assert sf.population_65 == pytest.approx(18_738)  # mid-2022, the latest estimate


def _short_example(tmp_path: Path, area: str | None = None) -> Path:
    text = example_path().read_text(encoding="utf-8")
    text = text.replace("days: 182 ", "days: 70 ").replace("warm_up_days: 90 ", "warm_up_days: 30 ")
    if area is not None:
        text = text.replace("name: Winter 2018/19", f"area: {area}\nname: Winter 2018/19", 1)
    path = tmp_path / "short.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_simulate_with_an_area_compares_with_its_indicators(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(
        app,
        ["simulate", str(_short_example(tmp_path)), "-n", "2", "--area", "hartlepool",
         "--out", str(out), "--db", str(store)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Flows out of acute beds" in result.stdout and "All leaving" in result.stdout
    assert "Hartlepool (E06000001)" in result.stdout and "SYNTHETIC" in result.stdout
    html = (out / "simulation.html").read_text(encoding="utf-8")
    assert 'id="figure-6"' in html and "Observed: Hartlepool" in html


def test_simulate_area_from_the_scenario_file(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    path = _short_example(tmp_path, area="E06000001")
    result = runner.invoke(
        app, ["simulate", str(path), "-n", "2", "--out", str(out), "--db", str(store)]
    )
    assert result.exit_code == 0, result.output
    assert 'id="figure-4"' in (out / "simulation.html").read_text(encoding="utf-8")


def test_simulate_unknown_area_is_one_clear_error(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(
        app,
        ["simulate", str(_short_example(tmp_path)), "-n", "2", "--area", "Atlantis",
         "--out", str(out), "--db", str(store)],
    )  # fmt: skip
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Atlantis" in lines[0] and "lsr areas" in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()  # failed before simulating
