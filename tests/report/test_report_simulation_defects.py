"""Regression tests for the simulation report's defects found by a new user (issue 10): acute
occupancy never shown against the bed base; long runs that could not be drawn."""

from __future__ import annotations

import math
import re

import pytest

from lsr.data.scenario_files import example_path, parse_scenario_text
from lsr.flow.experiment import ExperimentResult, run_experiment
from lsr.report.simulation import render_simulation_html
from lsr.report.simulation_charts import MAX_CHART_ROWS, chart_bin_days
from lsr.report.simulation_rows import OCCUPANCY_FLAGS, occupancy_level, occupancy_rows


def _experiment(beds: int, days: int = 70) -> ExperimentResult:
    text = example_path().read_text(encoding="utf-8")
    text = text.replace("days: 182 ", f"days: {days} ").replace(
        "warm_up_days: 90 ", "warm_up_days: 30 "
    )
    text = text.replace("acute_beds: 480 ", f"acute_beds: {beds} ")
    return run_experiment(parse_scenario_text(text, "beds.yaml"), replications=2, seed=3)


@pytest.fixture(scope="module")
def winter() -> ExperimentResult:
    return _experiment(480)


@pytest.mark.parametrize(
    ("share", "level"),
    [
        (0.5, "ok"),
        (0.92, "ok"),
        (0.9201, "high"),
        (1.0, "high"),
        (1.0001, "over"),
        (1.3, "over"),
        (math.nan, "unknown"),
    ],
)
def test_occupancy_levels_at_the_thresholds(share: float, level: str) -> None:
    assert occupancy_level(share) == level


def test_occupancy_rows_are_the_occupied_beds_over_the_bed_base(winter: ExperimentResult) -> None:
    rows = occupancy_rows(winter)
    assert [r["scenario"] for r in rows] == winter.scenario_names
    for row in rows:
        occupied = float(winter.result(row["scenario"], "acute_occupancy_mean")["mean"])
        assert row["beds"] == "480"
        assert row["occupied"] == f"{occupied:,.1f}"
        assert row["percent"] == f"{occupied / 480:.1%}"
        assert row["level"] == occupancy_level(occupied / 480)
        assert row["flag"] == OCCUPANCY_FLAGS[row["level"]]
        daily = winter.daily[
            (winter.daily["scenario"] == row["scenario"])
            & (winter.daily["metric"] == "acute_occupied")
        ]
        assert row["days_over"] == f"{int((daily['mean'] > 480).sum())}"
        assert row["days_high"] == f"{int((daily['mean'] > 0.92 * 480).sum())}"


@pytest.mark.parametrize(("beds", "level"), [(300, "over"), (5000, "ok"), (0, "unknown")])
def test_every_scenario_is_flagged_in_the_report(beds: int, level: str) -> None:
    result = _experiment(beds)
    rows = occupancy_rows(result)
    assert {r["level"] for r in rows} == {level}
    html = render_simulation_html(result, charts=False)
    section = html.split('id="occupancy-heading"')[1].split("<tbody>")[1].split("</table>")[0]
    for name in result.scenario_names:
        assert name in section
    # the flag is in words and a symbol, in every row (never colour alone)
    assert section.count(OCCUPANCY_FLAGS[level]) == len(result.scenario_names)
    if level in ("over", "high"):
        assert re.search(r"<strong>▲+ (over|above) \d+%</strong>", section)


def test_chart_bins_keep_every_chart_under_altairs_limit() -> None:
    for days in (1, 70, 182, 417, 1000, 3660):
        for series in (1, 2, 8, 14, 21):
            k = chart_bin_days(days, series)
            assert math.ceil(days / k) * series <= MAX_CHART_ROWS or k == 728
    assert chart_bin_days(182, 8) == 1  # the shipped example is drawn day by day


def test_every_figure_has_a_legend_of_its_scenarios(winter: ExperimentResult) -> None:
    """Figure 2 (delayed days by reason) had no legend: bars told apart by colour and shade
    with nothing saying which scenario is which."""
    html = render_simulation_html(winter)
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 3
    for number, svg in enumerate(svgs, start=1):
        legend = svg.split("role-legend", 1)
        assert len(legend) == 2, f"figure {number} has no legend"
        for name in winter.scenario_names:
            assert f">{name}</text>" in legend[1], (number, name)
