"""Excel export/import round trip and all-or-nothing import; the progress report (HTML
structure and tagged PDF); the demo data and the overview page."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from lsr.web.plan import excel
from lsr.web.plan.models import THEMES, Action, AreaForImprovement, AuditEvent, PublishedReport
from lsr.web.plan.models_relaudit import DEFAULT_DIMENSIONS

pytestmark = pytest.mark.django_db


def _state(review: Any) -> list[tuple[Any, ...]]:
    return [
        (
            a.pk,
            a.reference,
            a.what,
            a.area_id,
            a.theme_id,
            a.owner_organisation_id,
            a.owner_person,
            a.start,
            a.due,
            a.status,
            a.evidence_notes,
            tuple(a.indicators),
            a.version,
            tuple((m.date, m.text, m.done) for m in a.milestones.all()),
        )
        for a in Action.objects.filter(review=review).order_by("pk")
    ] + [
        (x.pk, x.priority_group, x.text, x.order)
        for x in AreaForImprovement.objects.filter(review=review)
    ]


def test_export_has_both_sheets_and_columns(demo: Any, client_for: Any) -> None:
    response = client_for("viewer").get(f"/reviews/{demo.pk}/actions/export.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [excel.ACTION_SHEET, excel.AREA_SHEET]
    rows = list(wb[excel.ACTION_SHEET].iter_rows(values_only=True))
    assert rows[0] == excel.ACTION_COLUMNS
    assert len(rows) - 1 == Action.objects.filter(review=demo).count()
    first = Action.objects.get(pk=rows[1][0])
    assert rows[1][2] == first.what and rows[1][4] == first.theme.name
    areas = list(wb[excel.AREA_SHEET].iter_rows(values_only=True))
    assert len(areas) - 1 == 14


def test_round_trip_changes_and_creates(demo: Any, client_for: Any) -> None:
    client = client_for("lead")
    before = _state(demo)
    data = client.get(f"/reviews/{demo.pk}/actions/export.xlsx").content
    # importing the untouched export changes nothing but the versions
    response = client.post(
        f"/reviews/{demo.pk}/actions/import/", {"file": SimpleUploadedFile("plan.xlsx", data)}
    )
    assert response.status_code == 302
    after = _state(demo)
    strip = lambda s: [r[:12] + r[13:] if len(r) > 4 else r for r in s]  # noqa: E731
    assert strip(after) == strip(before)
    # edit one row, add one row, then import again
    data = client.get(f"/reviews/{demo.pk}/actions/export.xlsx").content
    wb = load_workbook(io.BytesIO(data))
    ws = wb[excel.ACTION_SHEET]
    ws.cell(row=2, column=3, value="Changed in Excel")
    ws.cell(row=2, column=10, value="Off track")
    ws.append(
        [
            None,
            "NEW1",
            "A new action from Excel",
            None,
            THEMES[3],
            "Oxfordshire CCG",
            "Someone",
            "2019-01-01",
            "2019-06-30",
            "On track",
            None,
            "",
            "dtoc_18",
            "2019-03-01 | Half way | open",
            None,
        ]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    response = client.post(
        f"/reviews/{demo.pk}/actions/import/",
        {"file": SimpleUploadedFile("plan.xlsx", buffer.getvalue())},
    )
    assert response.status_code == 302
    changed = Action.objects.get(pk=ws.cell(row=2, column=1).value)
    assert changed.what == "Changed in Excel" and changed.status == "off_track"
    assert changed.status_history.filter(status="off_track").exists()
    new = Action.objects.get(reference="NEW1")
    assert new.theme.name == THEMES[3] and new.indicators == ["dtoc_18"]
    assert [(m.text, m.done) for m in new.milestones.all()] == [("Half way", False)]
    assert AuditEvent.objects.filter(model="Action", object_id=str(new.pk), kind="create").exists()
    assert AuditEvent.objects.filter(kind="import").count() == 2


def test_failing_import_changes_nothing(demo: Any, client_for: Any) -> None:
    client = client_for("lead")
    data = client.get(f"/reviews/{demo.pk}/actions/export.xlsx").content
    wb = load_workbook(io.BytesIO(data))
    ws = wb[excel.ACTION_SHEET]
    ws.cell(row=2, column=3, value="This valid change must not be saved")
    ws.cell(row=3, column=10, value="Sort of done")  # bad status
    ws.cell(row=4, column=9, value="next Tuesday")  # bad date
    wb[excel.AREA_SHEET].cell(row=2, column=2, value="tactical")  # bad group
    buffer = io.BytesIO()
    wb.save(buffer)
    before = _state(demo)
    audit_before = AuditEvent.objects.exclude(kind="denied").count()
    response = client.post(
        f"/reviews/{demo.pk}/actions/import/",
        {"file": SimpleUploadedFile("plan.xlsx", buffer.getvalue())},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "sheet &#x27;Actions&#x27;, row 3, column &#x27;status&#x27;" in text
    assert "sheet &#x27;Actions&#x27;, row 4, column &#x27;due&#x27;" in text
    assert (
        "sheet &#x27;Areas for improvement&#x27;, row 2, column &#x27;priority_group&#x27;" in text
    )
    assert _state(demo) == before
    assert AuditEvent.objects.exclude(kind="denied").count() == audit_before


def test_import_refuses_stale_version_and_foreign_ids(demo: Any) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="lead")
    data = excel.export_workbook(demo)
    action = Action.objects.filter(review=demo).order_by("pk").first()
    Action.objects.filter(pk=action.pk).update(version=action.version + 5)
    wb = load_workbook(io.BytesIO(data))
    wb[excel.ACTION_SHEET].append(
        [
            999999,
            "",
            "x",
            None,
            THEMES[0],
            "Oxfordshire CCG",
            "",
            None,
            None,
            "On track",
            None,
            "",
            "",
            "",
            1,
        ]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    with pytest.raises(excel.ImportError_) as info:
        excel.import_workbook(demo, buffer.getvalue(), user)
    messages = " | ".join(info.value.errors)
    assert "column 'version'" in messages and "no action 999999 in this review" in messages
    with pytest.raises(excel.ImportError_):
        excel.import_workbook(demo, b"not a workbook", user)


def _assert_figure_data_tables(html: str, review: Any) -> None:
    """Every chart has its data table: for the indicators, one row per period with the cells of
    :func:`lsr.report.charts.chart_data_table` (escaped), after a caption naming the figure;
    the evidence sections' charts likewise have theirs."""
    from django.utils.html import escape

    from lsr.report.charts import DATA_TABLE_COLUMNS, chart_data_table
    from lsr.web.plan.indicators import area_profile_for, profile_context

    profile = area_profile_for(review.area_code)
    context = profile_context(review.area_code)
    numbers = {fig["indicator"].id: fig["number"] for fig in context["figures"]}
    section_figures = [
        fig for part in context["parts"] for item in part["items"] if item["kind"] == "section"
        for fig in item["figures"]
    ]  # fmt: skip
    all_numbers = sorted([*numbers.values(), *(f["number"] for f in section_figures)])
    assert all_numbers == list(range(1, len(all_numbers) + 1))
    assert numbers["dtoc_18"] == 1  # real data first, synthetic last
    assert max(numbers.values()) == numbers["readmissions_30d_65"]
    charts = len(numbers) + len(section_figures)
    assert html.count('class="nhsuk-table data-table lsr-data-table"') >= charts
    for ind in profile.all_indicators:
        number = numbers[ind.indicator.id]
        start = html.index(f"Data for Figure {number}: {escape(ind.indicator.name)}")
        table = html[start : html.index("</table>", start)]
        rows = chart_data_table(ind)
        assert rows and table.count("<tr>") == len(rows) + 1
        for row in (rows[0], rows[-1]):
            cells = [escape(row[key]) for key, _header in DATA_TABLE_COLUMNS]
            assert f'<tr><th scope="row">{cells[0]}</th><td>' + "</td><td>".join(cells[1:]) in table
    for fig in section_figures:
        start = html.index(f"Data for {escape(fig['caption'])}")
        table = html[start : html.index("</table>", start)]
        assert table.count("<tr>") == len(fig["rows"]) + 1


def test_overview_has_a_data_table_per_chart(demo: Any, client_for: Any) -> None:
    page = client_for("viewer").get(f"/reviews/{demo.pk}/").content.decode()
    _assert_figure_data_tables(page, demo)
    context_figures = page.count("(table)</span></summary>")
    assert page.count('<details class="nhsuk-details">') == context_figures
    # real data first on the overview too: the DToC part before the synthetic one
    assert page.index('id="part-real"') < page.index('id="part-synthetic"')


def test_report_html_structure(demo: Any, client_for: Any) -> None:
    from html.parser import HTMLParser

    response = client_for("viewer").get(f"/reviews/{demo.pk}/report/download.html")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    html = response.content.decode()

    class Headings(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.found: list[tuple[str, str]] = []

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag in {"h1", "h2", "h3", "h4"}:
                self.stack.append(tag)
                self.found.append((tag, ""))

        def handle_endtag(self, tag: str) -> None:
            if self.stack and tag == self.stack[-1]:
                self.stack.pop()

        def handle_data(self, data: str) -> None:
            if self.stack:
                tag, text = self.found[-1]
                self.found[-1] = (tag, text + data)

    parser = Headings()
    parser.feed(html)
    h2 = [t.strip() for tag, t in parser.found if tag == "h2"]
    assert h2 == [
        "What were the key areas for improvement identified in the local system review?",
        "How we carried out the progress review",
        "The action plan",
        "System progress against key indicators",
        "System progress against the action plan",
        "Relational audit",
        "What are the reflections of system leaders in Oxfordshire?",
        "Direction of travel: areas for future focus",
        "The people we spoke with",
    ]
    h3 = [t.strip() for tag, t in parser.found if tag == "h3"]
    assert h3[:3] == ["Strategic priorities", "Operational priorities", "Engagement priorities"]
    start = parser.found.index(("h2", "System progress against the action plan"))
    h4 = [t.strip() for tag, t in parser.found[start:] if tag == "h4"]
    # improved, still needed, people and sources consulted; then the relational audit's
    assert h4 == list(THEMES) * 3 + list(DEFAULT_DIMENSIONS)
    indicators = parser.found[:start]
    h3_parts = [t.strip() for tag, t in indicators if tag == "h3"]
    real = h3_parts.index("System progress against key indicators")
    assert real < h3_parts.index("Social care: outcomes, carers and workforce")
    assert h3_parts[-2:] == ["Indicators with synthetic demonstration data", "Data sources"]
    assert "The trusted assessor model must continue to be embedded." in html
    assert "Figure 1: Delayed transfers of care" in html  # real data first
    assert html.count("<svg") >= 6
    _assert_figure_data_tables(html, demo)
    assert "Example actions." in html
    assert "Live Well Oxfordshire" in html


@pytest.mark.slow
def test_publish_and_pdf(demo: Any, client_for: Any) -> None:
    from pypdf import PdfReader

    client = client_for("reviewer")
    assert client.post(f"/reviews/{demo.pk}/report/publish/").status_code == 302
    published = PublishedReport.objects.get(review=demo)
    assert AuditEvent.objects.filter(kind="publish", actor_username="reviewer").exists()
    response = client_for("viewer").get(f"/published/{published.pk}/download.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Oxfordshire" in text and "Winter planning" in text
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert reader.metadata.title == "Oxfordshire: local system review progress report"
    html = client_for("viewer").get(f"/published/{published.pk}/download.html")
    assert b"Oxfordshire: local system review progress report" in html.content


def test_pages_render(demo: Any, client_for: Any) -> None:
    client = client_for("lead")
    action = Action.objects.filter(review=demo).first()
    assert client.get("/")["Location"] == f"/reviews/{demo.pk}/"
    for url in (
        f"/reviews/{demo.pk}/",
        f"/reviews/{demo.pk}/actions/",
        f"/actions/{action.pk}/",
        f"/actions/{action.pk}/edit/",
        f"/reviews/{demo.pk}/findings/",
        f"/reviews/{demo.pk}/report/",
        f"/reviews/{demo.pk}/audit/",
        f"/reviews/{demo.pk}/actions/new/",
    ):
        assert client.get(url).status_code == 200, url
    overview = client.get(f"/reviews/{demo.pk}/").content.decode()
    assert "Summary of the indicators" in overview and overview.count("<svg") >= 6
    assert "Delayed transfers of care" in overview


def test_board_filters(demo: Any, client_for: Any) -> None:
    import datetime as dt

    client = client_for("viewer")
    theme = demo.themes.get(name="Winter planning")
    response = client.get(f"/reviews/{demo.pk}/actions/", {"theme": theme.pk})
    assert {a.theme_id for a in response.context["actions"]} == {theme.pk}
    response = client.get(f"/reviews/{demo.pk}/actions/", {"status": "complete"})
    assert {a.status for a in response.context["actions"]} == {"complete"}
    response = client.get(f"/reviews/{demo.pk}/actions/", {"overdue": "on"})
    today = dt.date.today()
    shown = response.context["actions"]
    assert shown and all(a.due < today and a.status != "complete" for a in shown)
    partial = client.get(
        f"/reviews/{demo.pk}/actions/", {"status": "complete"}, HTTP_HX_REQUEST="true"
    )
    assert b"<html" not in partial.content and b"action" in partial.content


def test_rag_rule() -> None:
    import datetime as dt

    from lsr.web.plan.models import Rag, rag_for

    today = dt.date(2019, 1, 1)
    assert rag_for("complete", dt.date(2018, 1, 1), today) == Rag.BLUE
    assert rag_for("on_track", dt.date(2018, 12, 31), today) == Rag.RED
    assert rag_for("off_track", dt.date(2020, 1, 1), today) == Rag.RED
    assert rag_for("at_risk", dt.date(2020, 1, 1), today) == Rag.AMBER
    assert rag_for("on_track", dt.date(2019, 1, 31), today) == Rag.AMBER
    assert rag_for("on_track", dt.date(2019, 2, 1), today) == Rag.GREEN
    assert rag_for("not_started", None, today) == Rag.GREEN
    assert "Red" in Rag.RED.label and "Blue" in Rag.BLUE.label
