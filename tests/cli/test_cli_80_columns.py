"""Terminal output at 80 columns (issue 10): `lsr spc`, the `lsr sweep` totals and `lsr simulate`
tables keep every line within 80 characters and every heading and name whole (no "…")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lsr.cli.main import app

runner = CliRunner()


def _check(output: str, names: list[str]) -> None:
    lines = output.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert "…" not in output
    text = " ".join(output.split())
    # a name wrapped in a table's first column, read down the column
    first = [line.split("│")[1] for line in lines if line.count("│") > 1]
    text += " " + " ".join(" ".join(first).split())
    for name in names:
        assert name in text, name


def test_spc_at_80_columns(tmp_path: Path) -> None:
    csv = tmp_path / "series.csv"
    values = [10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 10, 9, 10, 30]
    csv.write_text(
        "period,value\n" + "".join(f"2019-{i + 1:02d}-01,{v}\n" for i, v in enumerate(values))
    )
    result = runner.invoke(
        app, ["spc", str(csv), "--improvement", "decrease"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    _check(result.stdout, ["Period", "Value", "Centre", "Limits", "Point", "2019-14-01"])
    assert "special cause: concern" in result.stdout  # the last point, in words


@pytest.fixture()
def store(default_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(default_store_path, target)
    return target


def test_sweep_totals_at_80_columns(store: Path) -> None:
    result = runner.invoke(
        app,
        ["sweep", "winter", "--areas", "E06000001", "-n", "2", "-w", "1", "--db", str(store)],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.output
    _check(
        result.stdout,
        ["Scenario", "Delayed days", "Change", "Falls in", "Total cost", "Winter surge",
         "More home care from 1 December", "CHC assessments in the community"],
    )  # fmt: skip
