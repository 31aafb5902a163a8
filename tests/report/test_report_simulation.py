"""The simulation report: accessible charts, tables and costs with sources."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from lsr.data.scenario_files import example_path, parse_scenario_text
from lsr.flow.experiment import ExperimentResult, run_experiment
from lsr.report.simulation import render_simulation_html


@pytest.fixture(scope="module")
def result() -> ExperimentResult:
    text = example_path().read_text(encoding="utf-8")
    text = text.replace("days: 182 ", "days: 70 ").replace("warm_up_days: 90 ", "warm_up_days: 30 ")
    return run_experiment(parse_scenario_text(text, "short.yaml"), replications=2, seed=3)


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables = 0
        self.captions = 0
        self.th_without_scope = 0
        self.lang = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and a.get("scope") not in ("col", "row"):
            self.th_without_scope += 1


def test_report_is_accessible(result: ExperimentResult) -> None:
    html = render_simulation_html(result)
    parser = _Tables()
    parser.feed(html)
    assert parser.lang == "en-GB"
    assert parser.tables == 5 and parser.captions == 5 and parser.th_without_scope == 0
    svgs = re.findall(r"<svg\b[^>]*>", html)
    assert len(svgs) == 3
    for svg in svgs:
        assert 'role="img"' in svg and re.search(r'aria-label="[^"]{40,}"', svg)
    assert html.count('<title id="simfig') == 3 and html.count('<desc id="simfig') == 3
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_costs_are_shown_with_sources(result: ExperimentResult) -> None:
    html = render_simulation_html(result, charts=False)
    costs = html.split('id="costs-heading"')[1]
    assert "£346.00" in costs and "£125.00" in costs and "£164.00" in costs
    assert costs.count("NHS discharge model") == 4


def test_text_alternatives_describe_the_data(result: ExperimentResult) -> None:
    html = render_simulation_html(result, charts=False)
    for name in result.scenario_names:
        assert f"{name}: average" in html
    assert "Delayed days over the period by reason" in html
    assert "Week from 01 Nov 2018" in html
    assert result.warm_up.message.split(":")[0] in html
