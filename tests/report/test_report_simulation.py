"""The simulation report: accessible charts, tables and costs with sources."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from lsr.data.flow_store import observed_indicator_series
from lsr.data.queries import indicator_counts
from lsr.data.scenario_files import example_path, parse_scenario_text
from lsr.flow.experiment import ExperimentResult, run_experiment
from lsr.report.simulation import ObservedArea, flow_rows, render_simulation_html


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
    assert (
        parser.tables == 7 and parser.captions == 7
    )  # + acute bed occupancy and parser.th_without_scope == 0
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


def test_flows_table(result: ExperimentResult) -> None:
    html = render_simulation_html(result, charts=False)
    flows = html.split('id="flows-heading"')[1].split("</table>")[0]
    for label in ("Home without new support (pathway 0)", "Step-down bed (pathway 2)",
                  "Placed elsewhere: care home beds full", "All leaving acute beds",
                  "Emergency readmissions arriving"):  # fmt: skip
        assert label in flows
    rows = {r["key"]: r for r in flow_rows(result)}
    for k, name in enumerate(result.scenario_names):
        mean = result.result(name, "flow_home")["mean"]
        assert rows["flow_home"]["cells"][k]["total"] == f"{mean:,.0f}"
        assert f"{mean:,.0f} <span" in flows
        # the destinations add up to everyone leaving acute beds
        dests = [key for key in rows if key not in ("discharges", "flow_readmitted")]
        total = sum(result.result(name, key)["mean"] for key in dests)
        assert total == pytest.approx(result.result(name, "discharges")["mean"])


@pytest.fixture(scope="module")
def hartlepool(default_store_path: Path) -> ObservedArea:
    con = duckdb.connect(str(default_store_path), read_only=True)
    try:
        return ObservedArea("E06000001", "Hartlepool", observed_indicator_series(con, "E06000001"))
    finally:
        con.close()


def _figure(html: str, number: int) -> str:
    return html.split(f'id="figure-{number}"')[1].split("</section>")[0]


def test_no_area_no_indicator_figures(result: ExperimentResult) -> None:
    html = render_simulation_html(result, charts=False)
    assert 'id="figure-4"' not in html and "observed and simulated" not in html


def test_area_adds_observed_and_simulated_indicator_figures(
    result: ExperimentResult, hartlepool: ObservedArea, default_store_path: Path
) -> None:
    html = render_simulation_html(result, observed=hartlepool)
    parser = _Tables()
    parser.feed(html)
    assert (
        parser.tables == 10 and parser.captions == 10
    )  # + acute bed occupancy and parser.th_without_scope == 0
    svgs = re.findall(r"<svg\b[^>]*>", html)
    assert len(svgs) == 6
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    titles = {4: "Delayed transfers of care (18+)", 5: "Hospital length of stay over 7 days",
              6: "Emergency readmissions within 30 days"}  # fmt: skip
    for number, title in titles.items():
        fig = _figure(html, number)
        assert title in fig and "observed and simulated" in fig
        svg = fig.split("<svg")[1].split("</svg>")[0]
        assert 'role="img"' in fig.split("<svg")[1].split(">")[0]
        for name in result.scenario_names:  # the legend names every scenario
            assert name in svg
        assert "Observed: Hartlepool" in svg
        # the data table has both series: observed values and simulated means
        table = fig.split("<tbody>")[1]
        observed_cells = re.findall(r'<td class="num">([0-9.,]+)</td>', table)
        simulated_cells = re.findall(r'<td class="num">([0-9.,]+) \(', table)
        assert observed_cells and simulated_cells
    # DToC is real data in the default store; the other two are synthetic and say so
    dtoc, long_stays = _figure(html, 4), _figure(html, 5)
    assert "SYNTHETIC" not in dtoc and "Observed: Hartlepool (SYNTHETIC)" in long_stays
    assert "Synthetic data — not real figures" in long_stays
    assert "Synthetic data: observed" in long_stays
    assert "aged 65 and over only" in dtoc and "all adults aged 18 and over" in dtoc
    # the observed values are the profile's: Hartlepool's DToC for October 2018 by hand from
    # the store's counts (delayed days / (adults 18+ x 31 days) x 100,000)
    con = duckdb.connect(str(default_store_path), read_only=True)
    try:
        counts = indicator_counts(con)
    finally:
        con.close()
    row = counts[
        (counts["indicator"] == "dtoc_18")
        & (counts["area_code"] == "E06000001")
        & (counts["period"] == "2018-10-01")
    ].iloc[0]
    expected = row["numerator"] / row["denominator"] * 100_000
    cells = dtoc.split('<th scope="row">Oct 2018</th>')[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', cells)[0] == f"{expected:,.1f}"


def test_simulated_dtoc_needs_the_adult_population(
    result: ExperimentResult, hartlepool: ObservedArea
) -> None:
    no_adults = replace(result, adult_population=0.0)
    html = render_simulation_html(no_adults, observed=hartlepool, charts=False)
    dtoc = _figure(html, 4)
    assert "cannot be compared" in dtoc and "adult_population" in dtoc
    assert not re.findall(r'<td class="num">([0-9.,]+) \(', dtoc.split("<tbody>")[1])
    assert re.findall(r'<td class="num">([0-9.,]+) \(', _figure(html, 5).split("<tbody>")[1])
