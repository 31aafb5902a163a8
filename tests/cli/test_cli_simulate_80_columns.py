"""`lsr simulate`'s own terminal output at 80 columns (issue 10: "terminal output at 80 columns
is unreadable"): no line over 80 characters, nothing cut ("…"), and every scenario name whole
in every table, read down its column (a long name wraps, or folds when one word is longer than
the column). Two runs: the shipped winter example, and seven scenarios with long names (one a
single 60-character word, one that looks like Rich markup), whose comparison and flows tables
are split into tables led by the base case."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lsr.cli.main import app
from lsr.data.scenario_files import example_path

pytestmark = pytest.mark.slow

WINTER = ["Base case", "More home care from 1 December", "Winter surge",
          "CHC assessments in the community"]  # fmt: skip
EXTRA = [
    ("Extraordinarilylongscenarionamewithoutanyspacesinitatallxyz", "multiply: 1.1"),
    ("Discharge to assess pathway three beds doubled from the first of December", "multiply: 2"),
    ("Step-down beds [bold]+50%[/bold]", "multiply: 1.5"),
    ("Fewer assessors", "multiply: 0.9"),
]


def _cells_by_block(output: str) -> list[list[str]]:
    """Each block of table lines between two rules, as its cells read down each column with
    the spaces taken out (so a name wrapped or folded over several lines reads whole)."""
    blocks: list[list[list[str]]] = [[]]
    for line in output.splitlines():
        if line.count("│") + line.count("┃") >= 2:
            blocks[-1].append([c.strip() for c in re.split("[│┃]", line)[1:-1]])
        elif blocks[-1]:
            blocks.append([])
    squashed = []
    for block in blocks:
        columns = zip(*block, strict=True)
        squashed.append(["".join("".join(column).split()) for column in columns])
    return squashed


def _run(args: list[str], store: Path) -> str:
    result = CliRunner().invoke(
        app,
        ["simulate", *args, "-n", "2", "--out", str(store.parent / "out"), "--db", str(store)],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture()
def store(default_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(default_store_path, target)
    return target


def _check(output: str, names: list[str], parts: int) -> None:
    lines = output.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert "…" not in output
    cells = [cell for block in _cells_by_block(output) for cell in block]
    for name in names:
        whole = "".join(name.split())
        # comparison and flows: a heading in each part the name is in; occupancy: a row
        expected = 2 * parts + 1 if name == "Base case" else 3
        assert cells.count(whole) == expected, (name, cells.count(whole))


def test_simulate_winter_at_80_columns(store: Path) -> None:
    output = _run(["winter"], store)
    _check(output, WINTER, parts=1)
    assert "(table 1 of" not in output


def test_simulate_seven_long_scenario_names_at_80_columns(store: Path) -> None:
    text = example_path().read_text(encoding="utf-8")
    text = text.replace("days: 182 ", "days: 70 ").replace("warm_up_days: 90 ", "warm_up_days: 30 ")
    for name, change in EXTRA:
        text += (
            f'  - name: "{name}"\n    changes:\n'
            f"      - {{change: services.step_down.capacity, {change}}}\n"
        )
    scenario = store.parent / "long-names.yaml"
    scenario.write_text(text, encoding="utf-8")
    output = _run([str(scenario)], store)
    # seven scenarios besides the base case: three tables of four scenario columns at most
    _check(output, WINTER + [name for name, _ in EXTRA], parts=3)
    for part in (1, 2, 3):
        assert output.count(f"(table {part} of 3)") == 2  # comparison and flows
