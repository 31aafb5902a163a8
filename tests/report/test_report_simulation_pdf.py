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

import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pdfplumber
import pypdf
import pytest
from simulation_attack import LONG_AREA, NAMES, attack_scenario_text
from typer.testing import CliRunner

from lsr.cli.main import app

pytestmark = pytest.mark.slow

MM = 72 / 25.4
#: The print stylesheet's page margins (base.css ``@page``): 14 mm left and right on portrait
#: pages, 12 mm on landscape ones; half a point of slack for rounding.
MARGIN = {"portrait": 14 * MM, "landscape": 12 * MM}
SLACK = 0.5


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


class _Headings(HTMLParser):
    """The column headings (``th`` in ``thead``) of every table of an HTML page, per table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[str]] = []
        self._in_head = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "thead":
            self._in_head = True
        elif tag == "th" and self._in_head:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag == "th" and self._cell is not None:
            self.tables[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _squash(text: str) -> str:
    """Text without white space or zero-width break opportunities (lines wrap in PDF cells)."""
    return re.sub(r"[\s\u200b\u00ad]+", "", text)


def _text_area(page: Any) -> tuple[float, float]:
    margin = MARGIN["landscape" if page.width > page.height else "portrait"]
    return margin - SLACK, page.width - margin + SLACK


def _pdf_tables(pdf: Any) -> list[list[str]]:
    """Per ``Table`` of the PDF's structure tree, page by page (a table that runs on to a
    further page is a further ``Table`` there), the text of each ``TH`` in its ``THead``: the
    characters marked with the heading's marked-content ids that lie in the page's text area
    (WeasyPrint writes the characters of a table that overflows past the page's edge too, where
    they cannot be seen)."""
    tables: list[list[str]] = []

    def mcids(element: dict[str, Any]) -> list[int]:
        found = list(element.get("mcids") or [])
        for child in element.get("children", []):
            found += mcids(child)
        return found

    def walk(element: dict[str, Any], page_chars: dict[int, str], in_head: bool) -> None:
        kind = element.get("type")
        if kind == "Table":
            tables.append([])
        if kind == "TH" and in_head:
            tables[-1].append("".join(page_chars.get(m, "") for m in mcids(element)))
            return
        for child in element.get("children", []):
            walk(child, page_chars, in_head or kind == "THead")

    for page in pdf.pages:
        by_mcid: dict[int, list[str]] = {}
        left, right = _text_area(page)
        for char in page.chars:
            if char.get("mcid") is not None and left <= char["x0"] and char["x1"] <= right:
                by_mcid.setdefault(char["mcid"], []).append(char["text"])
        page_chars = {m: "".join(texts) for m, texts in by_mcid.items()}
        for element in page.structure_tree:
            walk(element, page_chars, False)
    return tables


@pytest.mark.parametrize("name", ["winter", "attack"])
def test_nothing_leaves_the_text_area(name: str, reports: dict[str, Path]) -> None:
    with pdfplumber.open(reports[name] / "simulation.pdf") as pdf:
        for page in pdf.pages:
            left, right = _text_area(page)
            for char in page.chars:
                assert left <= char["x0"] and char["x1"] <= right, (
                    f"page {page.page_number}: {char['text']!r} at x {char['x0']:.1f} to "
                    f"{char['x1']:.1f}, outside the text area {left:.1f} to {right:.1f}"
                )
            for kind, shapes in (("rule", page.lines), ("box", page.rects), ("curve", page.curves)):
                for shape in shapes:
                    assert left <= shape["x0"] and shape["x1"] <= right, (
                        f"page {page.page_number}: a {kind} from x {shape['x0']:.1f} to "
                        f"{shape['x1']:.1f} leaves the text area {left:.1f} to {right:.1f}"
                    )


@pytest.mark.parametrize("name", ["winter", "attack"])
def test_every_column_heading_of_every_table_is_printed(
    name: str, reports: dict[str, Path]
) -> None:
    parser = _Headings()
    parser.feed((reports[name] / "simulation.html").read_text(encoding="utf-8"))
    html_tables = parser.tables
    assert len(html_tables) >= 8  # comparison, occupancy, flows, six figures, costs
    assert all(html_tables), "a table without column headings"
    with pdfplumber.open(reports[name] / "simulation.pdf") as pdf:
        printed = [[_squash(h) for h in table] for table in _pdf_tables(pdf)]
    # In document order, each table of the HTML has a printed table with its headings, whole.
    at = 0
    for table in html_tables:
        wanted = [_squash(h) for h in table]
        while at < len(printed) and printed[at] != wanted:
            at += 1
        assert at < len(printed), f"a table's column headings are not all printed whole: {table}"
        at += 1


def test_the_attack_report_splits_its_scenario_tables(reports: dict[str, Path]) -> None:
    """Seven scenarios besides the base case: each table with a column per scenario is split
    into three, each part led by the base case, and every scenario is in exactly one part."""
    parser = _Headings()
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
