"""Checks of a PDF's layout against the HTML it was made from, for the report tests: nothing
outside the page's text area, and every table's column headings printed whole (read from the
tagged PDF's structure tree with pdfplumber). Used by test_report_simulation_pdf.py; usable for
any tagged PDF that lsr writes with WeasyPrint from HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pdfplumber

MM = 72 / 25.4
#: The print stylesheet's page margins (base.css ``@page``): 14 mm left and right on portrait
#: pages, 12 mm on landscape ones; half a point of slack for rounding.
MARGIN = {"portrait": 14 * MM, "landscape": 12 * MM}
SLACK = 0.5


class Headings(HTMLParser):
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


def squash(text: str) -> str:
    """Text without white space or zero-width break opportunities (lines wrap in PDF cells)."""
    return re.sub(r"[\s\u200b\u00ad]+", "", text)


def text_area(page: Any) -> tuple[float, float]:
    margin = MARGIN["landscape" if page.width > page.height else "portrait"]
    return margin - SLACK, page.width - margin + SLACK


def pdf_tables(pdf: Any) -> list[list[str]]:
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
        left, right = text_area(page)
        for char in page.chars:
            if char.get("mcid") is not None and left <= char["x0"] and char["x1"] <= right:
                by_mcid.setdefault(char["mcid"], []).append(char["text"])
        page_chars = {m: "".join(texts) for m, texts in by_mcid.items()}
        for element in page.structure_tree:
            walk(element, page_chars, False)
    return tables


def outside_text_area(pdf_path: Path) -> list[str]:
    """Every character, rule, box or curve of the PDF outside its page's text area, in words
    (empty when everything is inside)."""
    found: list[str] = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            left, right = text_area(page)
            for char in page.chars:
                if not (left <= char["x0"] and char["x1"] <= right):
                    found.append(
                        f"page {page.page_number}: {char['text']!r} at x {char['x0']:.1f} to "
                        f"{char['x1']:.1f}, outside the text area {left:.1f} to {right:.1f}"
                    )
            for kind, shapes in (("rule", page.lines), ("box", page.rects), ("curve", page.curves)):
                for shape in shapes:
                    if not (left <= shape["x0"] and shape["x1"] <= right):
                        found.append(
                            f"page {page.page_number}: a {kind} from x {shape['x0']:.1f} to "
                            f"{shape['x1']:.1f} leaves the text area {left:.1f} to {right:.1f}"
                        )
    return found


def tables_not_printed_whole(html_text: str, pdf_path: Path) -> list[list[str]]:
    """The column headings of each table of the HTML whose headings are not all printed whole
    in the PDF, in document order (a table that runs on over pages: its first part, with the
    headings), each inside the text area. Empty when every table's headings are printed."""
    parser = Headings()
    parser.feed(html_text)
    with pdfplumber.open(pdf_path) as pdf:
        printed = [[squash(h) for h in table] for table in pdf_tables(pdf)]
    missing = []
    at = 0
    for table in parser.tables:
        wanted = [squash(h) for h in table]
        found = next((i for i in range(at, len(printed)) if printed[i] == wanted), None)
        if found is None:
            missing.append(table)
        else:
            at = found + 1
    return missing
