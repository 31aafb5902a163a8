"""The simulation report's PDF keeps every table on the page (issue 10: "the main table loses
columns off the page"), and is tagged.

Two reports are made by a real `lsr simulate --pdf` with the observed figures of an area (the
widest tables): the shipped ``winter`` example as it is, and an attack on the layout
(simulation_attack.py: seven scenarios with long names, one a single 60-character word, markup
in names, a long description, unit costs in the billions), run from a deep folder with a long
name for the area with the longest name. In every PDF, read with pdfplumber:

* no character, rule or box of any page lies outside the page's text area (WeasyPrint draws
  what overflows past the page's edge, where it cannot be seen or printed);
* every column heading of every table of the HTML report is printed in a tagged table heading
  (``TH`` under ``THead`` in the PDF's structure tree), whole and in the text area;
* the PDF is tagged, titled and in British English.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from pdf_layout import Headings, outside_text_area, tables_not_printed_whole
from simulation_attack import LONG_AREA, NAMES, attack_scenario_text
from typer.testing import CliRunner

from lsr.cli.main import app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reports(default_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``name -> output folder`` of each report (``simulation.html`` and ``simulation.pdf``)."""
    root = tmp_path_factory.mktemp("simpdf")
    store = root / "copy.duckdb"
    shutil.copy(default_store_path, store)
    deep = root / ("a-folder-with-a-rather-long-name-" * 3) / "scenarios"
    deep.mkdir(parents=True)
    attack = deep / "seven-scenarios-with-long-names.yaml"
    attack.write_text(attack_scenario_text(), encoding="utf-8")
    runs = {
        "winter": ["winter", "--area", "Hartlepool"],
        "attack": [str(attack), "--area", LONG_AREA],
    }
    for name, args in runs.items():
        out = root / name
        result = CliRunner().invoke(
            app, ["simulate", *args, "-n", "2", "--pdf", "--out", str(out), "--db", str(store)]
        )
        assert result.exit_code == 0, result.output
    return {name: root / name for name in runs}


@pytest.mark.parametrize("name", ["winter", "attack"])
def test_nothing_leaves_the_text_area(name: str, reports: dict[str, Path]) -> None:
    outside = outside_text_area(reports[name] / "simulation.pdf")
    assert not outside, f"{len(outside)} outside, first: {outside[:5]}"


@pytest.mark.parametrize("name", ["winter", "attack"])
def test_every_column_heading_of_every_table_is_printed(
    name: str, reports: dict[str, Path]
) -> None:
    html_text = (reports[name] / "simulation.html").read_text(encoding="utf-8")
    parser = Headings()
    parser.feed(html_text)
    assert len(parser.tables) >= 8  # comparison, occupancy, flows, six figures, costs
    assert all(parser.tables), "a table without column headings"
    missing = tables_not_printed_whole(html_text, reports[name] / "simulation.pdf")
    assert not missing, f"tables whose column headings are not all printed whole: {missing}"


def test_the_attack_report_splits_its_scenario_tables(reports: dict[str, Path]) -> None:
    """Seven scenarios besides the base case: each table with a column per scenario is split
    into three, each part led by the base case, and every scenario is in exactly one part."""
    parser = Headings()
    parser.feed((reports["attack"] / "simulation.html").read_text(encoding="utf-8"))
    parts = [table for table in parser.tables if any("Base case" in h for h in table)]
    # comparison, flows and five figures (1, 2, 4, 5, 6), three parts each
    assert len(parts) == 7 * 3
    assert all(len(table) <= 2 + 4 for table in parts)  # row heading, observed, 4 scenarios
    for first in range(0, len(parts), 3):
        printed = " ".join(" ".join(t) for t in parts[first : first + 3])
        for name in NAMES:
            assert printed.count(name) == 1, (name, parts[first])
    html_text = (reports["attack"] / "simulation.html").read_text(encoding="utf-8")
    assert "(table 3 of 3: Base case, Fewer assessors &lt;b&gt;&amp;&lt;/b&gt; co)" in html_text


@pytest.mark.parametrize("name", ["winter", "attack"])
def test_pdf_is_tagged_titled_and_in_english(name: str, reports: dict[str, Path]) -> None:
    reader = pypdf.PdfReader(reports[name] / "simulation.pdf")
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog.get("/Lang") == "en-GB"
    assert reader.metadata is not None and reader.metadata.title
    assert reader.metadata.title.endswith(": flow model simulation")
    with pdfplumber.open(reports[name] / "simulation.pdf") as pdf:
        kinds = Counter()
        for page in pdf.pages:
            stack = list(page.structure_tree)
            while stack:
                element = stack.pop()
                kinds[element.get("type")] += 1
                stack += element.get("children", [])
    assert kinds["Table"] >= 8 and kinds["TH"] and kinds["TD"] and kinds["Figure"] >= 6
