"""Regression tests for the flow model's defects found by a new user (issue 10): long runs that
crashed the report, results lost when the report failed, and a wrong note under the flows table.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from lsr.cli.main import app
from lsr.data.scenario_files import example_path

runner = CliRunner()


@pytest.fixture()
def store(default_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(default_store_path, target)
    return target


def scenario_text(days: int = 70, warm_up: int = 30) -> str:
    """The shipped example with another length of run (and warm-up)."""
    text = example_path().read_text(encoding="utf-8")
    return text.replace("days: 182 ", f"days: {days} ").replace(
        "warm_up_days: 90 ", f"warm_up_days: {warm_up} "
    )


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored_runs(store: Path) -> list[tuple[str, int]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute("SELECT scenario_name, replications FROM flow_runs").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("days", [417, 3660])
def test_long_runs_draw_their_report_and_are_stored(days: int, store: Path, tmp_path: Path) -> None:
    """days x scenarios x 3 services > 5,000 crashed the report (altair MaxRowsError) after the
    tables were printed, and nothing was stored. 3,660 days is the longest run allowed."""
    out = tmp_path / "report"
    path = write(tmp_path, scenario_text(days, 30))
    result = runner.invoke(
        app, ["simulate", str(path), "-n", "2", "--out", str(out), "--db", str(store)]
    )
    assert result.exit_code == 0, result.output
    html = (out / "simulation.html").read_text(encoding="utf-8")
    assert len(re.findall(r"<svg\b", html)) == 3
    if days > 1000:  # too many days to draw each one: the figures say they are averaged
        assert "drawn as averages over" in html
    assert len(stored_runs(store)) == 1
    con = duckdb.connect(str(store), read_only=True)
    try:  # every day is stored, not only the days drawn
        (n,) = con.execute(
            "SELECT count(DISTINCT day) FROM flow_daily WHERE metric = 'acute_delayed'"
        ).fetchone()
    finally:
        con.close()
    assert n == days


def test_a_report_that_cannot_be_written_loses_nothing(store: Path, tmp_path: Path) -> None:
    """The results are stored before the report is written; a report failure is one line that
    says where the results are."""
    out = tmp_path / "report"
    (out / "simulation.html").mkdir(parents=True)  # the report's file cannot be written
    path = write(tmp_path, scenario_text())
    result = runner.invoke(
        app, ["simulate", str(path), "-n", "2", "--out", str(out), "--db", str(store)]
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "report could not be written" in lines[0] and "stored as run" in lines[0]
    assert "Traceback" not in result.output
    assert len(stored_runs(store)) == 1


def test_flows_table_names_overflow_per_service(store: Path, tmp_path: Path) -> None:
    """Overflow from home care (many placed elsewhere) and none from the other services: the
    home care row is shown with its number, and only the services with none are said to have
    none. The note used to say "no overflow placements in any scenario"."""
    text = scenario_text().replace(
        "hours_per_week: 7000", "hours_per_week: 3000"
    )  # home care far too small
    text = text.replace("overflow: wait", "overflow: lose", 1)  # home care's is the first
    assert "overflow: lose" in text
    path = write(tmp_path, text)
    result = runner.invoke(
        app,
        ["simulate", str(path), "-n", "2", "--out", str(tmp_path / "r"), "--db", str(store)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    flows = result.stdout.split("Flows out of acute beds")[1]
    row = next(line for line in flows.splitlines() if "Placed elsewhere: home care full" in line)
    counts = [int(n.replace(",", "")) for n in re.findall(r"\b\d[\d,]*\b", row)]
    assert counts and min(counts) > 100, row  # hundreds placed elsewhere in every scenario
    note = " ".join(flows.split())
    assert "No overflow placements from step-down beds or care home beds in any scenario" in note
    assert "No overflow placements (none placed elsewhere) in any scenario" not in note
    assert "from home care" not in note


@pytest.mark.parametrize(("beds", "flag"), [(300, "▲▲ over 100%"), (5000, "at or below 92%")])
def test_simulate_shows_occupancy_against_the_bed_base(
    beds: int, flag: str, store: Path, tmp_path: Path
) -> None:
    """Acute occupancy as % of the scenario's beds, flagged in words and symbols per scenario."""
    text = scenario_text().replace("acute_beds: 480 ", f"acute_beds: {beds} ")
    result = runner.invoke(
        app,
        ["simulate", str(write(tmp_path, text)), "-n", "2", "--out", str(tmp_path / "r"),
         "--db", str(store)],
        env={"COLUMNS": "120"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = result.stdout.split("Acute bed occupancy")[1].split("Flows out of acute beds")[0]
    assert "% of beds" in table and f"of {beds:,}" in table
    assert table.count(flag) == 4  # every scenario
    assert len(re.findall(r"\d+\.\d%", table)) == 4
