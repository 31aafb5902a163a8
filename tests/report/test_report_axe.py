"""Every HTML report lsr writes passes axe-core (WCAG 2.2 AA tags) in real Chromium, as the web
pages do (issue 10: the simulation report had a scrollable region not reachable by keyboard).
Reports: the area profile (`lsr profile`), the simulation report (`lsr simulate`, with an
area, so every figure is drawn), and the simulation report of simulation_attack.py (seven
scenarios, so its tables are split; long names, markup in names). The progress report the web
application generates is checked in tests/web/test_web_report_axe.py. Skipped when
/usr/bin/chromium is not installed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from simulation_attack import LONG_AREA, attack_scenario_text
from typer.testing import CliRunner

from lsr.cli.main import app
from lsr.data.scenario_files import example_path

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
    pytest.mark.slow,
    pytest.mark.browser,
]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser.new_page()
        browser.close()


@pytest.fixture(scope="module")
def reports(default_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("reports")
    store = root / "copy.duckdb"
    shutil.copy(default_store_path, store)
    runner = CliRunner()
    text = example_path().read_text(encoding="utf-8")
    text = text.replace("days: 182 ", "days: 70 ").replace("warm_up_days: 90 ", "warm_up_days: 30 ")
    scenario = root / "short.yaml"
    scenario.write_text(text, encoding="utf-8")
    attack = root / "attack.yaml"
    attack.write_text(attack_scenario_text(), encoding="utf-8")
    runs = {
        "profile": ["profile", "--area", "Hartlepool", "--out", str(root / "profile")],
        "simulation": ["simulate", str(scenario), "-n", "2", "--area", "Hartlepool",
                       "--out", str(root / "simulation")],
        "attack": ["simulate", str(attack), "-n", "2", "--area", LONG_AREA,
                   "--out", str(root / "attack")],
    }  # fmt: skip
    for args in runs.values():
        result = runner.invoke(app, [*args, "--db", str(store)])
        assert result.exit_code == 0, result.output
    pages = {"profile": "profile", "simulation": "simulation", "attack": "simulation"}
    return {name: root / name / f"{pages[name]}.html" for name in runs}


@pytest.mark.parametrize("name", ["profile", "simulation", "attack"])
def test_report_passes_axe(name: str, reports: dict[str, Path], page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page.goto(reports[name].as_uri())
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, results.generate_report()
