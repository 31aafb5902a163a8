"""Forms of the information request (SOIR) and the engagement log. Choice lists are limited to
the review (its themes, actions, findings) and the request (its organisations); the views check
permissions again (:mod:`lsr.web.plan.permissions_soir`)."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any, ClassVar

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone

from lsr.web.plan.forms import CleanTextMixin, EvidenceForm, Select
from lsr.web.plan.models import Action, Finding, Organisation, Review, Theme
from lsr.web.plan.models_soir import (
    Answer,
    AnswerEvidence,
    EngagementParticipant,
    EngagementRecord,
    Question,
    QuestionKind,
    QuestionTemplate,
)
from lsr.web.plan.text_rules import MAX_TEXT

_INPUT = {"class": "nhsuk-input"}
_TEXTAREA = {"class": "nhsuk-textarea", "rows": 4}
_SELECT = {"class": "nhsuk-select"}
_DATE = {"class": "nhsuk-input nhsuk-input--width-10", "type": "date"}
_CHECKBOXES = forms.CheckboxSelectMultiple

#: The largest number an answer takes (a figure, not an identifier).
MAX_NUMBER = decimal.Decimal("1e15")


class RequestBuildForm(CleanTextMixin, forms.Form):
    title = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs=_INPUT),
        help_text="For example: Progress review information request, autumn 2018.",
    )
    templates = forms.ModelMultipleChoiceField(
        queryset=QuestionTemplate.objects.all(),
        widget=_CHECKBOXES,
        label="Questions",
        error_messages={"required": "Choose at least one question."},
    )


class SendForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.all(),
        widget=_CHECKBOXES,
        label="Send to these organisations",
        error_messages={"required": "Choose at least one organisation."},
    )
    due = forms.DateField(label="Due date", widget=forms.DateInput(attrs=_DATE))

    def clean_due(self) -> dt.date:
        due: dt.date = self.cleaned_data["due"]
        if due < timezone.localdate():
            raise forms.ValidationError("The due date must be today or later")
        return due


class AnswerForm(CleanTextMixin, forms.Form):
    """One answer: a value of the question's kind, links to the review's actions and findings,
    the version the user saw, and whether to save a draft or submit."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    intent = forms.ChoiceField(
        choices=[("save", "Save draft"), ("submit", "Submit")], widget=forms.HiddenInput
    )
    actions = forms.ModelMultipleChoiceField(
        queryset=Action.objects.none(),
        required=False,
        widget=_CHECKBOXES,
        label="Actions this answer is evidence for",
    )
    findings = forms.ModelMultipleChoiceField(
        queryset=Finding.objects.none(),
        required=False,
        widget=_CHECKBOXES,
        label="Findings (themes) this answer is evidence for",
    )

    def __init__(self, *args: Any, answer: Answer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answer = answer
        question: Question = answer.question
        review_id = question.request.review_id
        label = "Your answer"
        value: forms.Field
        if question.kind == QuestionKind.NUMBER:
            value = forms.DecimalField(
                label=label,
                required=False,
                max_digits=30,
                decimal_places=6,
                min_value=-MAX_NUMBER,
                max_value=MAX_NUMBER,
                widget=forms.TextInput(attrs={**_INPUT, "inputmode": "decimal"}),
            )
        elif question.kind == QuestionKind.DATE:
            value = forms.DateField(
                label=label, required=False, widget=forms.DateInput(attrs=_DATE)
            )
        elif question.kind == QuestionKind.CHOICE:
            choices = [("", "Choose an answer"), *((c, c) for c in question.choice_list())]
            value = forms.ChoiceField(
                label=label, required=False, choices=choices, widget=Select(attrs=_SELECT)
            )
        else:
            value = forms.CharField(
                label="Your answer" if question.kind == QuestionKind.TEXT else "Note (optional)",
                required=False,
                max_length=MAX_TEXT,
                widget=forms.Textarea(attrs=_TEXTAREA),
            )
        if question.guidance:
            value.help_text = question.guidance
        self.fields = {"value": value, **self.fields}
        self.fields["actions"].queryset = Action.objects.filter(review_id=review_id)  # type: ignore[attr-defined]
        self.fields["findings"].queryset = Finding.objects.filter(  # type: ignore[attr-defined]
            review_id=review_id
        ).select_related("theme")
        self.fields["findings"].label_from_instance = lambda f: f.theme.name  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.update(
                value=self.stored_to_initial(answer.value),
                version=answer.version,
                intent="save",
            )
            if answer.pk:
                self.initial["actions"] = list(answer.actions.values_list("pk", flat=True))
                self.initial["findings"] = list(answer.findings.values_list("pk", flat=True))

    def stored_to_initial(self, text: str) -> Any:
        return text

    def stored_value(self) -> str:
        """The cleaned value as the text stored (numbers without exponent, ISO dates)."""
        value = self.cleaned_data.get("value")
        if value is None:
            return ""
        if isinstance(value, decimal.Decimal):
            text = format(value.normalize(), "f")
            return "0" if text in ("-0", "") else text
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value).strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("intent") == "submit" and not self.errors:
            kind = self.answer.question.kind
            if kind == QuestionKind.FILE:
                if not self.answer.pk or not self.answer.evidence.exists():
                    self.add_error(None, "Attach at least one file before you submit this answer")
            elif data.get("value") in (None, ""):
                self.add_error("value", "Give an answer before you submit it")
        return data


class AnswerEvidenceForm(CleanTextMixin, forms.ModelForm):
    """An evidence file for an answer: the same rules as an action's evidence (size cap, type
    allow-list, content signature)."""

    clean_file = EvidenceForm.clean_file

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("note") and not data.get("file"):
            raise forms.ValidationError("Give a note, a file or both")
        return data

    class Meta:
        model = AnswerEvidence
        fields: ClassVar[list[str]] = ["note", "file"]
        widgets: ClassVar[dict[str, Any]] = {
            "note": forms.Textarea(attrs=_TEXTAREA),
            "file": forms.ClearableFileInput(attrs={"class": "nhsuk-file-upload"}),
        }
        labels: ClassVar[dict[str, str]] = {"note": "Evidence note", "file": "File (optional)"}


class EngagementForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = EngagementRecord
        fields: ClassVar[list[str]] = ["kind", "date", "title", "themes", "notes"]
        widgets: ClassVar[dict[str, Any]] = {
            "kind": Select(attrs=_SELECT),
            "date": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            "title": forms.TextInput(attrs=_INPUT),
            "themes": _CHECKBOXES,
            "notes": forms.Textarea(attrs=_TEXTAREA),
        }
        help_texts: ClassVar[dict[str, str]] = {
            "title": "For example: Interview with system leaders. Never a person's name.",
            "notes": "Never a patient's or a person's identity.",
        }

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Theme.objects.filter(review=review)  # type: ignore[attr-defined]
        self.fields["themes"].label = "Themes discussed"


class ParticipantForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = EngagementParticipant
        fields: ClassVar[list[str]] = ["group", "roles", "organisation", "count"]
        widgets: ClassVar[dict[str, Any]] = {
            "group": Select(attrs=_SELECT),
            "roles": forms.TextInput(attrs=_INPUT),
            "organisation": forms.TextInput(attrs=_INPUT),
            "count": forms.NumberInput(attrs={"class": "nhsuk-input nhsuk-input--width-4"}),
        }
        labels: ClassVar[dict[str, str]] = {"group": "Who (role group)"}

    def clean_count(self) -> int:
        count: int = self.cleaned_data["count"]
        if count < 1 or count > 10_000:
            raise forms.ValidationError("The number of people must be between 1 and 10,000")
        return count


ParticipantFormSet = inlineformset_factory(
    EngagementRecord,
    EngagementParticipant,
    form=ParticipantForm,
    extra=3,
    max_num=20,
    validate_max=True,
    min_num=1,
    validate_min=True,
    can_delete=True,
)
