"""Forms of the winter dashboard: the what-if levers (also read from a GET query), saving them
as a named scenario, and uploading daily situation data. Every field is bounded; a bad value is
a form error (never a server error)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings

from lsr.web.plan import text_rules
from lsr.web.plan.models_winter import LEVER_FIELDS, WinterScenario

_NUMBER = {"class": "nhsuk-input nhsuk-input--width-5", "inputmode": "numeric"}
_DATE = {"class": "nhsuk-input nhsuk-input--width-10", "type": "date"}

#: The largest value of each numeric lever (a typing error above it).
LIMITS = {
    "extra_home_care": 5_000,
    "extra_step_down": 1_000,
    "surge_percent": 100,
    "surge_weeks": 6,
    "extra_assessors": 500,
}


def _count(label: str, name: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=LIMITS[name],
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs=_NUMBER),
    )


def _from(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text="Blank: from the first day of the forecast.",
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
    )


class LeversForm(forms.Form):
    """The four levers, each from a date inside the forecast (``first``..``last``)."""

    extra_home_care = _count(
        "Extra home care packages", "extra_home_care", "Packages added to today's capacity."
    )
    extra_home_care_from = _from("Extra home care from")
    extra_step_down = _count("Extra step-down beds", "extra_step_down", "Beds added.")
    extra_step_down_from = _from("Extra step-down beds from")
    surge_percent = forms.DecimalField(
        label="Surge in admissions (%)",
        min_value=Decimal(0),
        max_value=Decimal(LIMITS["surge_percent"]),
        decimal_places=1,
        max_digits=4,
        required=False,
        help_text="More emergency admissions than the recent trend, in per cent (e.g. 10).",
        widget=forms.NumberInput(attrs={**_NUMBER, "inputmode": "decimal", "step": "0.1"}),
    )
    surge_from = _from("Surge from")
    surge_weeks = forms.IntegerField(
        label="Surge lasts (weeks)",
        min_value=1,
        max_value=LIMITS["surge_weeks"],
        required=False,
        help_text="Blank: to the end of the forecast.",
        widget=forms.NumberInput(attrs=_NUMBER),
    )
    extra_assessors = _count(
        "Extra assessors", "extra_assessors", "Continuing healthcare / discharge assessors added."
    )
    extra_assessors_from = _from("Extra assessors from")

    def __init__(self, *args: Any, first: date, last: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first, self.last = first, last
        for name in LEVER_FIELDS:
            if name.endswith("_from"):
                self.fields[name].widget.attrs.update(min=first.isoformat(), max=last.isoformat())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in LEVER_FIELDS:
            if name.endswith("_from") and data.get(name) is not None:
                when = data[name]
                if not self.first <= when <= self.last:
                    self.add_error(
                        name,
                        f"Enter a date inside the forecast, {self.first:%d %B %Y} to "
                        f"{self.last:%d %B %Y}.",
                    )
        return data

    def lever_values(self) -> dict[str, Any]:
        """The cleaned lever values (blanks as 0 / None)."""
        data = self.cleaned_data
        return {
            name: data.get(name)
            if name.endswith("_from") or name == "surge_weeks"
            else (data.get(name) or 0)
            for name in LEVER_FIELDS
        }


class ScenarioForm(LeversForm):
    """The levers and a name, to save them as a scenario of the review."""

    name = forms.CharField(
        label="Scenario name",
        max_length=120,
        validators=text_rules.SINGLE_LINE,
        widget=forms.TextInput(attrs={"class": "nhsuk-input nhsuk-input--width-20"}),
    )

    def __init__(self, *args: Any, review: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.review = review

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter a name.")
        if WinterScenario.objects.filter(review=self.review, name=name).exists():
            raise forms.ValidationError("A scenario of this review already has this name.")
        return name


class DailyUploadForm(forms.Form):
    """One daily situation file (.csv or .xlsx)."""

    file = forms.FileField(
        label="Daily situation file (.csv or .xlsx)",
        help_text="One row per council area and day, in the format of docs/data-formats.md.",
        widget=forms.ClearableFileInput(attrs={"class": "nhsuk-input", "accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = str(upload.name or "")
        if not name.casefold().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("The file must be a .csv or .xlsx file.")
        if upload.size > settings.LSR_UPLOAD_MAX_BYTES:
            raise forms.ValidationError("The file is too large.")
        return upload
