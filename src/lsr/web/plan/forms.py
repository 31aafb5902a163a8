"""Forms. Choice lists are limited to the review being edited; ownership rules are checked
again in the views with :mod:`lsr.web.plan.permissions` (the form alone is never trusted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from lsr.core.indicators import INDICATORS
from lsr.web.plan import excel_format, text_rules
from lsr.web.plan.models import (
    Action,
    AreaForImprovement,
    Evidence,
    Finding,
    Milestone,
    Organisation,
    Review,
    Status,
    Theme,
)

INDICATOR_CHOICES = [(ind.id, f"{ind.number}. {ind.name}") for ind in INDICATORS]
_INPUT = {"class": "nhsuk-input"}
_TEXTAREA = {"class": "nhsuk-textarea", "rows": 4}
_SELECT = {"class": "nhsuk-select"}
_DATE = {"class": "nhsuk-input nhsuk-input--width-10", "type": "date"}


class Select(forms.Select):
    """``forms.Select`` that writes its HTML in Python instead of rendering Django's
    ``select.html`` template with one ``{% include %}`` per option (a quarter of the action
    list's rendering time). Same context (``get_context``), same markup, every value escaped
    (``format_html``, ``flatatt``); a test compares it with Django's rendering."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    str(option["value"]),
                    flatatt(option["attrs"]),
                    option["label"],
                )
                for option in group_choices
            )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


class CleanTextMixin:
    """Every text a form takes in follows :mod:`lsr.web.plan.text_rules`: a textarea's line
    breaks become newlines; a control character (a line break or tab outside a textarea) is
    refused with an error on that field, naming the character and where it is. Applies to
    every text value the form cleaned, whatever its field (passwords aside), so a field added
    later is covered too; the Django admin's forms get it as well (``admin.py``)."""

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean()  # type: ignore[misc]
        for name, value in list(data.items()):
            if not isinstance(value, str) or name not in self.fields:  # type: ignore[attr-defined]
                continue
            widget = self.fields[name].widget  # type: ignore[attr-defined]
            if isinstance(widget, forms.PasswordInput):
                continue
            multiline = isinstance(widget, forms.Textarea)
            if multiline:
                value = data[name] = text_rules.normalise_newlines(value)
            reason = text_rules.problem(value, multiline=multiline)
            if reason is not None:
                self.add_error(name, f"The text {reason}.")  # type: ignore[attr-defined]
        return data


class ActionForm(CleanTextMixin, forms.ModelForm):
    indicators = forms.MultipleChoiceField(
        label="Linked indicators",
        choices=INDICATOR_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status_note = forms.CharField(
        label="Note about the status (kept in the status history)",
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Action
        fields: ClassVar[list[str]] = [
            "reference",
            "what",
            "area",
            "theme",
            "owner_organisation",
            "owner_person",
            "start",
            "due",
            "status",
            "evidence_notes",
            "indicators",
        ]
        widgets: ClassVar[dict[str, Any]] = {
            "reference": forms.TextInput(attrs={"class": "nhsuk-input nhsuk-input--width-10"}),
            "what": forms.Textarea(attrs=_TEXTAREA),
            "area": Select(attrs=_SELECT),
            "theme": Select(attrs=_SELECT),
            "owner_organisation": Select(attrs=_SELECT),
            "owner_person": forms.TextInput(attrs=_INPUT),
            "start": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            "due": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            "status": Select(attrs=_SELECT),
            "evidence_notes": forms.Textarea(attrs=_TEXTAREA),
        }
        labels: ClassVar[dict[str, str]] = {"owner_organisation": "Owner organisation"}

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        self.fields["area"].queryset = AreaForImprovement.objects.filter(review=review)  # type: ignore[attr-defined]
        self.fields["theme"].queryset = Theme.objects.filter(review=review)  # type: ignore[attr-defined]
        self.fields["owner_organisation"].queryset = Organisation.objects.all()  # type: ignore[attr-defined]
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, due = data.get("start"), data.get("due")
        if start and due and due < start:
            self.add_error("due", "The due date must be on or after the start date")
        return data


class MilestoneForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields: ClassVar[list[str]] = ["date", "text", "done"]
        widgets: ClassVar[dict[str, Any]] = {
            "date": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            "text": forms.TextInput(attrs=_INPUT),
            "done": forms.CheckboxInput(attrs={"class": "nhsuk-checkboxes__input"}),
        }
        labels: ClassVar[dict[str, str]] = {"text": "Milestone", "done": "Done"}


class EvidenceForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Evidence
        fields: ClassVar[list[str]] = ["note", "file"]
        widgets: ClassVar[dict[str, Any]] = {
            "note": forms.Textarea(attrs=_TEXTAREA),
            "file": forms.ClearableFileInput(attrs={"class": "nhsuk-file-upload"}),
        }
        labels: ClassVar[dict[str, str]] = {"note": "Evidence note", "file": "File (optional)"}

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            return upload
        suffix = Path(upload.name).suffix.lower()
        allowed: dict[str, str] = settings.EVIDENCE_ALLOWED_TYPES
        if suffix not in allowed:
            kinds = ", ".join(sorted(allowed))
            raise forms.ValidationError(
                f"Files of type {suffix or '(none)'} are not accepted; use {kinds}"
            )
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            limit = settings.EVIDENCE_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file must be {limit} MB or smaller")
        head = upload.read(8)
        upload.seek(0)
        signatures = {
            ".pdf": b"%PDF",
            ".png": b"\x89PNG",
            ".jpg": b"\xff\xd8",
            ".jpeg": b"\xff\xd8",
        }
        signatures.update({s: b"PK" for s in (".docx", ".xlsx", ".pptx")})
        expected = signatures.get(suffix)
        if expected is not None and not head.startswith(expected):
            raise forms.ValidationError(f"The file's content is not a {suffix} file")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("note") and not data.get("file"):
            raise forms.ValidationError("Give a note, a file or both")
        return data


class FindingForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields: ClassVar[list[str]] = [
            "improved",
            "still_to_improve",
            "future_focus",
            "reflections",
            "consulted",
        ]
        widgets: ClassVar[dict[str, Any]] = {
            f: forms.Textarea(attrs={"class": "nhsuk-textarea", "rows": 6})
            for f in ("improved", "still_to_improve", "future_focus", "reflections", "consulted")
        }
        help_texts: ClassVar[dict[str, str]] = {
            "improved": "One point per paragraph (leave a blank line between points).",
        }


class AreaForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = AreaForImprovement
        fields: ClassVar[list[str]] = ["priority_group", "text", "order"]
        widgets: ClassVar[dict[str, Any]] = {
            "priority_group": Select(attrs=_SELECT),
            "text": forms.Textarea(attrs=_TEXTAREA),
            "order": forms.NumberInput(attrs={"class": "nhsuk-input nhsuk-input--width-4"}),
        }


class BoardFilterForm(forms.Form):
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(),
        required=False,
        empty_label="All themes",
        widget=Select(attrs=_SELECT),
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(),
        required=False,
        empty_label="All organisations",
        label="Owner organisation",
        widget=Select(attrs=_SELECT),
    )
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *Status.choices],
        required=False,
        widget=Select(attrs=_SELECT),
    )
    overdue = forms.BooleanField(
        required=False,
        label="Only overdue actions",
        widget=forms.CheckboxInput(attrs={"class": "nhsuk-checkboxes__input"}),
    )

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(review=review)  # type: ignore[attr-defined]


class MilestoneDoneForm(forms.Form):
    """Mark a milestone done or not done: the request says the state it wants and the version
    of the milestone it saw (never "toggle"), so two people pressing the same button agree."""

    done = forms.TypedChoiceField(
        choices=[("true", "Done"), ("false", "Not done")],
        coerce=lambda v: v == "true",
        error_messages={"required": "Say whether the milestone is done (reload the page)."},
    )
    version = forms.IntegerField(
        min_value=1,
        error_messages={"required": "The version of the milestone is missing (reload the page)."},
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Action plan workbook (.xlsx)",
        widget=forms.ClearableFileInput(attrs={"class": "nhsuk-file-upload", "accept": ".xlsx"}),
    )

    #: The import's limits, for the page to state them.
    limits: ClassVar[dict[str, str]] = {
        "file_mb": f"{excel_format.MAX_FILE_BYTES // 1_000_000}",
        "unzipped_mb": f"{excel_format.MAX_UNZIPPED_BYTES // 1_000_000}",
        "rows": f"{excel_format.MAX_ROWS:,}",
        "columns": f"{excel_format.MAX_COLUMNS}",
    }

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > excel_format.MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The workbook is {upload.size / 1e6:.1f} MB; the most an import takes is "
                f"{excel_format.MAX_FILE_BYTES // 1_000_000} MB"
            )
        return upload
