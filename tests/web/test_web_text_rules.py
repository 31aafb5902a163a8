"""Control characters: refused with an error naming the field in every text field of every
form of the application, of the Django admin and of every text column of the Excel import;
and a row already stored with one (by a path that skipped the rules) never makes an export,
a page or the report fail."""

from __future__ import annotations

import io
from html import unescape
from typing import Any

import pytest
from django import forms as django_forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from openpyxl import load_workbook

from lsr.web.plan import excel, forms, text_rules
from lsr.web.plan.excel_read import encode_escapes
from lsr.web.plan.models import (
    Action,
    AreaForImprovement,
    Evidence,
    Finding,
    Milestone,
    Organisation,
    Theme,
)

from action_form import action_form_data

pytestmark = pytest.mark.django_db

#: Refused everywhere: C0 controls (NUL, ESC, vertical tab, form feed), DEL, C1 controls,
#: a lone carriage-return-free noncharacter and a surrogate.
REFUSED = ["\x00", "\x1b", "\x0b", "\x0c", "\x7f", "\x85", "\x9b", "\ufffe", "\U0010ffff"]
#: Refused in single-line fields only.
LINE_BREAKS = ["\n", "\t", "\r"]


# --- the rule itself -----------------------------------------------------------------------


def test_every_control_character_is_refused_except_tab_and_newline_in_multiline() -> None:
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        char = chr(code)
        text = f"before{char}after"
        single = text_rules.problem(text, multiline=False)
        assert single is not None and f"U+{code:04X}" in single and "character 7" in single
        multi = text_rules.problem(text, multiline=True)
        if char in "\t\n\r":
            assert multi is None  # CR counts as a newline (turned into one when stored)
        else:
            assert multi is not None and f"U+{code:04X}" in multi
    for ok in ["plain", "café 中文 😀", "=1+1", "a | b", "\u2028", "\u200d"]:
        assert text_rules.problem(ok, multiline=False) is None
    assert text_rules.problem("x" * 32_767, multiline=True) is None
    assert "32,768 characters long" in text_rules.problem("x" * 32_768, multiline=True)
    assert text_rules.normalise_newlines("a\r\nb\rc\n") == "a\nb\nc\n"
    assert "ESCAPE" in text_rules.describe("\x1b") and "VERTICAL TAB" in text_rules.describe("\v")


def test_clean_for_export_removes_only_what_a_cell_cannot_hold() -> None:
    assert text_rules.clean_for_export("a\x1bb\x00c\r\nd\te\x85") == "abc\nd\te"
    assert text_rules.clean_for_export("a\nb\tc", multiline=False) == "abc"


# --- the application's forms ---------------------------------------------------------------


def _form_cases(demo: Any) -> list[tuple[str, str, str, dict[str, Any], Any]]:
    """(form, field, url, valid data, count of what a save would change) for every text field
    of every form that takes text."""
    action = Action.objects.filter(review=demo).first()
    theme = demo.themes.first()
    base = action_form_data(action)
    new = {**action_form_data(action), "version": ""}

    def action_state() -> Any:
        a = Action.objects.get(pk=action.pk)
        return (Action.objects.count(), a.version, a.what, a.reference, a.owner_person)

    cases = []
    for name in ("reference", "what", "owner_person", "evidence_notes", "status_note"):
        cases.append(("ActionForm", name, f"/actions/{action.pk}/edit/", base, action_state))
        cases.append(("ActionForm", name, f"/reviews/{demo.pk}/actions/new/", new, action_state))
    cases.append(
        (
            "MilestoneForm",
            "text",
            f"/actions/{action.pk}/milestones/",
            {"date": "2019-03-01", "text": "ok"},
            Milestone.objects.count,
        )
    )
    cases.append(
        (
            "EvidenceForm",
            "note",
            f"/actions/{action.pk}/evidence/",
            {"note": "ok"},
            Evidence.objects.count,
        )
    )
    for name in ("improved", "still_to_improve", "future_focus", "reflections", "consulted"):
        cases.append(
            (
                "FindingForm",
                name,
                f"/reviews/{demo.pk}/findings/{theme.pk}/edit/",
                {n: "ok" for n in forms.FindingForm.base_fields},
                lambda: list(Finding.objects.values_list()),
            )
        )
    cases.append(
        (
            "AreaForm",
            "text",
            f"/reviews/{demo.pk}/areas/new/",
            {"priority_group": "strategic", "text": "ok", "order": 1},
            AreaForImprovement.objects.count,
        )
    )
    return cases


def _text_fields(form_class: type[django_forms.BaseForm]) -> set[str]:
    return {
        name
        for name, f in form_class.base_fields.items()
        if type(f) is django_forms.CharField and not isinstance(f.widget, django_forms.HiddenInput)
    }


def test_the_cases_cover_every_text_field_of_every_form(demo: Any) -> None:
    """A text field added to any form later must be added to the cases below."""
    covered = {(form, field) for form, field, *_ in _form_cases(demo)}
    every = {
        (name, field)
        for name, cls in vars(forms).items()
        if isinstance(cls, type) and issubclass(cls, django_forms.BaseForm)
        and cls.__module__ == forms.__name__
        for field in _text_fields(cls)
    }  # fmt: skip
    assert every and every <= covered
    for name, cls in vars(forms).items():
        if isinstance(cls, type) and issubclass(cls, django_forms.BaseForm) and _text_fields(cls):
            assert issubclass(cls, forms.CleanTextMixin), name


def test_every_form_field_refuses_control_characters(demo: Any, client_for: Any) -> None:
    admin_client = client_for("admin")
    for form_name, field, url, data, state in _form_cases(demo):
        form_class = getattr(forms, form_name)
        label = str(form_class.base_fields[field].label or field.replace("_", " ").capitalize())
        multiline = isinstance(form_class.base_fields[field].widget, django_forms.Textarea)
        for char in REFUSED + ([] if multiline else LINE_BREAKS):
            before = state()
            response = admin_client.post(url, {**data, field: f"bad{char}text"}, follow=True)
            page = unescape(response.content.decode())
            where = f"{form_name}.{field} with U+{ord(char):04X}"
            assert response.status_code in (200, 400), where
            if char == "\x00":  # Django's own validator refuses NUL first
                assert f"{label}: Null characters are not allowed" in page, where
            else:
                assert f"{label}: The text contains a" in page, where
                assert f"U+{ord(char):04X}" in page and "at character 4" in page, where
            assert state() == before, where


def test_textareas_keep_newlines_and_tabs_as_newlines(demo: Any, client_for: Any) -> None:
    action = Action.objects.filter(review=demo).first()
    response = client_for("admin").post(
        f"/actions/{action.pk}/edit/",
        action_form_data(action, what="line one\r\nline two\rthree\tfour"),
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.what == "line one\nline two\nthree\tfour"


def test_evidence_file_names_lose_control_characters(demo: Any, client_for: Any) -> None:
    action = Action.objects.filter(review=demo).first()
    upload = SimpleUploadedFile("minutes\x1b\x07.txt", b"notes", content_type="text/plain")
    client_for("admin").post(f"/actions/{action.pk}/evidence/", {"note": "", "file": upload})
    evidence = Evidence.objects.get(action=action)
    assert evidence.original_name == "minutes.txt"


# --- the admin ------------------------------------------------------------------------------


def test_every_admin_form_refuses_control_characters(demo: Any) -> None:
    user = get_user_model().objects.get(username="admin")
    request = RequestFactory().get("/admin/")
    request.user = user
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_add_permission(request):
            continue
        form_class = model_admin.get_form(request, None, change=False)
        for name, field in form_class.base_fields.items():
            if type(field) is not django_forms.CharField or isinstance(
                field.widget, django_forms.PasswordInput
            ):
                continue
            form = form_class(data={name: "bad\x1btext"})
            assert not form.is_valid()
            errors = " ".join(form.errors.get(name, []))
            assert "control character, U+001B (ESCAPE)" in errors, f"{model.__name__}.{name}"
            checked += 1
    assert checked >= 8  # organisation, review, theme, user and group names...


def test_admin_add_page_shows_the_error_and_saves_nothing(demo: Any, client_for: Any) -> None:
    client = client_for("admin")
    count = Organisation.objects.count()
    response = client.post(
        "/admin/plan/organisation/add/", {"name": "Bad\x1bOrg", "short_name": "ok"}
    )
    assert response.status_code == 200
    assert "control character, U+001B (ESCAPE)" in unescape(response.content.decode())
    assert Organisation.objects.count() == count


# --- the Excel import -----------------------------------------------------------------------

ACTION_TEXT_COLUMNS = (
    "reference",
    "what",
    "theme",
    "owner_organisation",
    "owner_person",
    "evidence_notes",
    "linked_indicators",
    "milestones",
)


def _lead() -> Any:
    return get_user_model().objects.get(username="lead")


@pytest.mark.parametrize("char", ["\x1b", "\x00", "\x0b", "\x85", "\x7f"])
def test_every_text_column_of_the_import_refuses_control_characters(demo: Any, char: str) -> None:
    data = excel.export_workbook(demo)
    wb = load_workbook(io.BytesIO(data))
    ws = wb[excel.ACTION_SHEET]
    col = {name: i + 1 for i, name in enumerate(excel.ACTION_COLUMNS)}
    for row, name in enumerate(ACTION_TEXT_COLUMNS, start=2):
        cell = ws.cell(row=row, column=col[name])
        value = str(cell.value or "x")
        if name == "milestones":
            value = f"2019-01-01 | bad{char}text | open"
        else:
            value = value[:3] + char + value[3:]
        # as Excel writes it: characters XML cannot hold as _xHHHH_ escapes
        cell.value = encode_escapes(value).replace(char, f"_x{ord(char):04X}_")
    areas = wb[excel.AREA_SHEET]
    areas.cell(row=2, column=3).value = f"an _x{ord(char):04X}_area"
    buffer = io.BytesIO()
    wb.save(buffer)
    before = list(Action.objects.values_list()), list(AreaForImprovement.objects.values_list())
    with pytest.raises(excel.ImportError_) as info:
        excel.import_workbook(demo, buffer.getvalue(), _lead())
    text = "\n".join(info.value.errors)
    for row, name in enumerate(ACTION_TEXT_COLUMNS, start=2):
        assert f"sheet 'Actions', row {row}, column '{name}'" in text, name
    assert "sheet 'Areas for improvement', row 2, column 'text'" in text
    assert f"U+{ord(char):04X}" in text
    after = list(Action.objects.values_list()), list(AreaForImprovement.objects.values_list())
    assert after == before


def test_import_refuses_line_breaks_in_single_line_columns_and_overlong_texts(
    demo: Any,
) -> None:
    wb = load_workbook(io.BytesIO(excel.export_workbook(demo)))
    ws = wb[excel.ACTION_SHEET]
    ws.cell(row=2, column=2).value = "A\nB"  # reference
    ws.cell(row=3, column=7).value = "x" * 201  # owner_person: 200 at most, never cut short
    ws.cell(row=4, column=2).value = "r" * 21  # reference: 20 at most
    buffer = io.BytesIO()
    wb.save(buffer)
    with pytest.raises(excel.ImportError_) as info:
        excel.import_workbook(demo, buffer.getvalue(), _lead())
    text = "\n".join(info.value.errors)
    assert "row 2, column 'reference': the text contains a line break, U+000A" in text
    assert "row 3, column 'owner_person': 201 characters; the most is 200" in text
    assert "row 4, column 'reference': 21 characters; the most is 20" in text


# --- rows stored before the rules --------------------------------------------------------------


def test_a_stored_control_character_breaks_no_export_or_page(demo: Any, client_for: Any) -> None:
    """Written past the rules (a bulk update, as raw SQL or an old version would): the export,
    the pages and the report still work; the export leaves the characters out."""
    from django.db import connection

    # PostgreSQL cannot store NUL at all; SQLite can
    bad = "Bad\x1b\x0b\x85text" if connection.vendor == "postgresql" else "Bad\x1b\x00\x0b\x85text"
    action = Action.objects.filter(review=demo).first()
    Action.objects.filter(pk=action.pk).update(
        what=bad, reference="R\x1b1", owner_person=bad, evidence_notes=bad
    )
    Milestone.objects.filter(action=action).update(text=bad)
    AreaForImprovement.objects.filter(review=demo).update(text=bad)
    Theme.objects.filter(pk=action.theme_id).update(name=f"Theme {bad}")
    Organisation.objects.filter(pk=action.owner_organisation_id).update(name=f"Org {bad}")
    client = client_for("admin")
    response = client.get(f"/reviews/{demo.pk}/actions/export.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    row = next(r for r in wb[excel.ACTION_SHEET].iter_rows(values_only=True) if r[0] == action.pk)
    assert row[1] == "R1" and row[2] == "Badtext" and row[4] == "Theme Badtext"
    assert "Badtext | " in row[13]
    for url in (
        f"/reviews/{demo.pk}/actions/",
        f"/actions/{action.pk}/",
        f"/reviews/{demo.pk}/report/download.html",
        f"/reviews/{demo.pk}/report/download.pdf",
    ):
        assert client.get(url).status_code == 200, url
