"""The data profile's PDF keeps every column on the page: in `lsr profile --area Hartlepool`,
8,387 characters and shapes fell outside the text area on 57 of 86 pages (wide evidence
tables on portrait pages, the appendix's unwrapped cells, long file names in the Source
column), and tables lost whole columns ('Compared with comparators', 'Source').

One report is made by a real `lsr profile --pdf` for Hartlepool (all parts: real data, A&E,
admissions, social care outcomes with their ten-column tables, synthetic indicators and the
landscape appendix). In its PDF, read with pdfplumber (pdf_layout.py):

* no character, rule or box of any page lies outside the page's text area;
* every column heading of every table of the HTML report is printed in a tagged table heading
  (``TH`` under ``THead``), whole and in the text area;
* the PDF is tagged, titled and in British English.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdf
import pytest
from pdf_layout import Headings, outside_text_area, tables_not_printed_whole
from typer.testing import CliRunner

from lsr.cli.main import app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(default_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the profile (``profile.html`` and ``profile.pdf``)."""
    root = tmp_path_factory.mktemp("profilepdf")
    store = root / "copy.duckdb"
    shutil.copy(default_store_path, store)
    out = root / "hartlepool"
    result = CliRunner().invoke(
        app, ["profile", "--area", "Hartlepool", "--out", str(out), "--db", str(store)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_nothing_leaves_the_text_area(report: Path) -> None:
    outside = outside_text_area(report / "profile.pdf")
    assert not outside, f"{len(outside)} outside, first: {outside[:5]}"


def test_every_column_heading_of_every_table_is_printed(report: Path) -> None:
    html_text = (report / "profile.html").read_text(encoding="utf-8")
    parser = Headings()
    parser.feed(html_text)
    assert len(parser.tables) >= 40 and all(parser.tables)
    # the widest tables are there: the ten-column evidence and appendix tables
    assert max(len(table) for table in parser.tables) >= 10
    assert any("Source" in table for table in parser.tables)
    missing = tables_not_printed_whole(html_text, report / "profile.pdf")
    assert not missing, f"tables whose column headings are not all printed whole: {missing}"


def test_pdf_is_tagged_titled_and_in_english(report: Path) -> None:
    reader = pypdf.PdfReader(report / "profile.pdf")
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog.get("/Lang") == "en-GB"
    assert reader.metadata is not None
    assert reader.metadata.title == "Hartlepool: local data profile"
