"""The data profile's PDF keeps every column on the page: in `lsr profile --area Hartlepool`,
8,387 characters and shapes fell outside the text area on 57 of 86 pages (wide evidence
tables on portrait pages, the appendix's unwrapped cells, long file names in the Source
column), and tables lost whole columns ('Compared with comparators', 'Source').

Two reports are made: a real `lsr profile --pdf` for Hartlepool (all parts: real data, A&E,
admissions, social care outcomes with their ten-column tables, synthetic indicators and the
landscape appendix), and an attack on the layout: the hand-built Oxfordshire profile (conftest)
where every text the report prints from data holds long words with no break in them (a file
name, a web address, a 90-character run of letters): the area's name, every indicator's name
and source, the comparators, the notes, and an evidence section whose ten-column table has
such a word in every cell, and in its title, sentences, notes, themes and source. In each PDF,
read with pdfplumber (pdf_layout.py):

* no character, rule or box of any page lies outside the page's text area;
* every column heading of every table of the HTML report is printed in a tagged table heading
  (``TH`` under ``THead``), whole and in the text area;
* the PDF is tagged, titled and in British English.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pypdf
import pytest
from pdf_layout import (
    Headings,
    outside_text_area,
    pdf_tables,
    squash,
    tables_not_printed_whole,
)
from typer.testing import CliRunner

from lsr.cli.main import app
from lsr.core.profile_types import AreaProfile
from lsr.report.render import render_profile
from lsr.report.sections import ReportSection, SectionTable

pytestmark = pytest.mark.slow


def _profiles() -> Any:
    """tests/report/conftest.py as a module, for its hand-built Oxfordshire profile."""
    path = Path(__file__).with_name("conftest.py")
    spec = importlib.util.spec_from_file_location("report_test_profiles", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: Long words with no break opportunity in them.
FILE_NAME = "ascof_final_data_2020_all_councils_compiled_from_the_published_workbook_v3.csv"
ADDRESS = "https://digital.nhs.uk/data-and-information/publications/statistical/adult-social-care"
LETTERS = "Supercalifragilistic" * 4 + "expialidocious"
LONG = f"{FILE_NAME} {ADDRESS} {LETTERS}"


def attack_profile() -> tuple[AreaProfile, list[ReportSection]]:
    """The Oxfordshire profile and an evidence section with long words in every printed text."""
    profile = _profiles().oxfordshire()
    indicators = tuple(
        dataclasses.replace(
            ind,
            indicator=dataclasses.replace(ind.indicator, name=f"{ind.indicator.name} {LETTERS}"),
            source=f"{ind.source} ({FILE_NAME}, {ADDRESS})",
        )
        for ind in profile.indicators
    )
    profile = dataclasses.replace(
        profile,
        area_name=f"Oxfordshire{LETTERS}",
        comparator_method=f"{profile.comparator_method} {ADDRESS}",
        comparator_names=tuple(f"{name}{LETTERS}" for name in profile.comparator_names),
        indicators=indicators,
        notes=(*profile.notes, LONG),
    )
    headers = (
        "Year",
        "Value",
        "95% confidence interval",
        "England",
        "Comparator average",
        "Compared with England",
        "Compared with comparators",
        "Rank among councils (1 = best)",
        "Quartile (1st = best)",
        "Source",
    )
    columns = tuple((f"c{i}", header) for i, header in enumerate(headers))
    words = (FILE_NAME, ADDRESS, LETTERS)
    rows = tuple({key: words[(r + c) % 3] for c, (key, _) in enumerate(columns)} for r in range(3))
    section = ReportSection(
        id="outcomes-attack",
        title=f"Outcomes {LETTERS}",
        status="real",
        source=LONG,
        themes=(LETTERS, FILE_NAME),
        sentences=(LONG,),
        tables=(SectionTable(caption=f"Ranks {LONG}", columns=columns, rows=rows),),
        notes=(LONG,),
    )
    return profile, [section]


@pytest.fixture(scope="module")
def attack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the attack report (``profile.html`` and ``profile.pdf``)."""
    out = tmp_path_factory.mktemp("profileattack")
    profile, sections = attack_profile()
    render_profile(profile, out, ("html", "pdf"), generated=date(2019, 1, 15), sections=sections)
    return out


@pytest.fixture(params=["hartlepool", "attack"])
def report(request: pytest.FixtureRequest) -> Path:
    """Each report's output folder in turn."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def hartlepool(default_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
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


# Reading every page of the real profile's PDF takes about a minute a pass: the real profile
# is read once (nothing outside the text area), the attack report by every test.
def test_every_column_heading_of_every_table_is_printed(attack: Path) -> None:
    report = attack
    html_text = (report / "profile.html").read_text(encoding="utf-8")
    parser = Headings()
    parser.feed(html_text)
    assert len(parser.tables) >= 13 and all(parser.tables)
    # the widest tables are there: the ten-column evidence and appendix tables
    assert max(len(table) for table in parser.tables) >= 10
    assert any("Source" in table for table in parser.tables)
    missing = tables_not_printed_whole(html_text, report / "profile.pdf")
    assert not missing, f"tables whose column headings are not all printed whole: {missing}"


def test_every_part_of_a_table_over_pages_repeats_its_headings(hartlepool: Path) -> None:
    """A table that runs on over pages (the appendix's long series) has its column headings,
    whole and tagged, at the top of each part: every table part of the PDF, page by page,
    has the headings of one of the HTML's tables."""
    html_text = (hartlepool / "profile.html").read_text(encoding="utf-8")
    parser = Headings()
    parser.feed(html_text)
    wanted = {tuple(squash(h) for h in table) for table in parser.tables}
    with pdfplumber.open(hartlepool / "profile.pdf") as pdf:
        parts = pdf_tables(pdf)
    assert len(parts) > len(parser.tables)  # some tables run on over pages
    bad = [part for part in parts if tuple(squash(h) for h in part) not in wanted]
    assert not bad, f"{len(bad)} table parts without their whole headings, first: {bad[:3]}"


def test_pdf_is_tagged_titled_and_in_english(report: Path) -> None:
    reader = pypdf.PdfReader(report / "profile.pdf")
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog.get("/Lang") == "en-GB"
    assert reader.metadata is not None
    assert (reader.metadata.title or "").endswith(": local data profile")


def _cells(pdf_path: Path) -> list[str]:
    """The text of every tagged table cell (``TD``, ``TH``) of the PDF, by its structure tree."""
    cells: list[str] = []

    def mcids(element: dict[str, Any]) -> list[int]:
        found = list(element.get("mcids") or [])
        for child in element.get("children", []):
            found += mcids(child)
        return found

    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            by_mcid: dict[int, str] = {}
            for char in page.chars:
                if char.get("mcid") is not None:
                    by_mcid[char["mcid"]] = by_mcid.get(char["mcid"], "") + char["text"]
            stack = list(page.structure_tree)
            while stack:
                element = stack.pop()
                if element.get("type") in ("TD", "TH"):
                    cells.append(squash("".join(by_mcid.get(m, "") for m in mcids(element))))
                else:
                    stack += element.get("children", [])
    return cells


def test_the_attack_words_are_printed_whole(attack: Path) -> None:
    """Long words break at their column's edge, and nothing of them is lost: each of the ten
    cells of the attack table that holds a word has it whole in a tagged cell of the PDF (and,
    by the test above, inside the text area)."""
    cells = _cells(attack / "profile.pdf")
    for word in (FILE_NAME, ADDRESS, LETTERS):
        assert cells.count(word) == 10, (word, [c for c in cells if c[:8] == word[:8]][:3])
