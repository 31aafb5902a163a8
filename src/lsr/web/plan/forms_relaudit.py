"""Forms of the relational audit: opening a round, issuing codes, tagging free text, and the
public survey (code, answers). Every choice is limited to the objects of the round or review in
hand, so another review's or organisation's ids are refused as invalid choices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from lsr.web.plan import text_rules
from lsr.web.plan.models import Organisation, Review, Theme
from lsr.web.plan.models_relaudit import DEFAULT_DIMENSIONS, SCALE, AuditRound
from lsr.web.plan.relaudit_survey import MAX_CODES

MAX_DIMENSIONS = 8
DIMENSION_CHARS = 60
COMMENT_CHARS = 2000
DONT_KNOW = "0"


def _single_line(value: str) -> str:
    reason = text_rules.problem(value, multiline=False)
    if reason:
        raise ValidationError(f"The text {reason}.")
    return value


class RoundForm(forms.Form):
    name = forms.CharField(
        max_length=200, help_text="For example: First review (November 2017)", strip=True
    )
    opens = forms.DateField(label="Opens on", help_text="For example, 2017-10-02")
    closes = forms.DateField(label="Closes on (the last day answers are taken)")
    organisations = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each organisation's staff rate every other organisation chosen (two or more).",
    )
    dimensions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        initial="\n".join(DEFAULT_DIMENSIONS),
        help_text=f"One per line, at most {MAX_DIMENSIONS}; each answered on a 1-5 scale.",
        max_length=MAX_DIMENSIONS * (DIMENSION_CHARS + 2),
    )

    def clean_name(self) -> str:
        return _single_line(self.cleaned_data["name"])

    def clean_organisations(self) -> Any:
        orgs = self.cleaned_data["organisations"]
        if len(orgs) < 2:
            raise ValidationError("Choose two or more organisations.")
        return orgs

    def clean_dimensions(self) -> list[str]:
        text = text_rules.normalise_newlines(self.cleaned_data["dimensions"])
        reason = text_rules.problem(text, multiline=True)
        if reason:
            raise ValidationError(f"The text {reason}.")
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        if not lines:
            raise ValidationError("Name at least one dimension.")
        if len(lines) > MAX_DIMENSIONS:
            raise ValidationError(f"At most {MAX_DIMENSIONS} dimensions.")
        for line in lines:
            if "\t" in line:
                raise ValidationError("A dimension cannot contain a tab.")
            if len(line) > DIMENSION_CHARS:
                raise ValidationError(f"Each dimension has at most {DIMENSION_CHARS} characters.")
        if len({line.casefold() for line in lines}) != len(lines):
            raise ValidationError("Each dimension once.")
        return lines

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens"), data.get("closes")
        if opens and closes and closes < opens:
            self.add_error("closes", "The round must close on or after the day it opens.")
        return data


class CodesForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    count = forms.IntegerField(label="How many codes", min_value=1, max_value=MAX_CODES, initial=20)

    def __init__(self, *args: Any, round_: AuditRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = round_.organisations.order_by("name")


class TagForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["themes"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = review.themes.all()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Your code",
        max_length=64,
        help_text="Twelve letters and numbers, for example ABCD-EFGH-JKMN",
    )


class AnswerForm(forms.Form):
    """One respondent's answers: for each other organisation, each dimension 1-5 or "don't
    know", and a comment."""

    code = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, others: list[Organisation], dimensions: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.others, self.dimensions = others, dimensions
        choices = [(str(v), label) for v, label in SCALE] + [(DONT_KNOW, "Don't know")]
        for org in others:
            for i, dim in enumerate(dimensions):
                self.fields[f"s_{org.pk}_{i}"] = forms.ChoiceField(
                    label=f"{dim}: {org.name}", choices=choices, required=False,
                    widget=forms.RadioSelect,
                )  # fmt: skip
            self.fields[f"c_{org.pk}"] = forms.CharField(
                label=f"Anything else about working with {org.name}? (optional)",
                required=False,
                max_length=COMMENT_CHARS,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for org in self.others:
            name = f"c_{org.pk}"
            text = text_rules.normalise_newlines(data.get(name) or "")
            reason = text_rules.problem(text, multiline=True) if text else None
            if reason:
                self.add_error(name, f"The text {reason}.")
            else:
                data[name] = text
        if not any(
            data.get(f"s_{o.pk}_{i}") not in (None, "", DONT_KNOW)
            for o in self.others
            for i in range(len(self.dimensions))
        ):
            raise ValidationError("Answer at least one question with a score from 1 to 5.")
        return data

    def answers(self) -> list[tuple[int, dict[str, int], str]]:
        """``(rated organisation id, {dimension: score}, comment)`` for each organisation with
        a score or a comment."""
        out = []
        for org in self.others:
            scores = {}
            for i, dim in enumerate(self.dimensions):
                value = self.cleaned_data.get(f"s_{org.pk}_{i}")
                if value not in (None, "", DONT_KNOW):
                    scores[dim] = int(value)
            comment = (self.cleaned_data.get(f"c_{org.pk}") or "").strip()
            if scores or comment:
                out.append((org.pk, scores, comment))
        return out

    def groups(self) -> list[dict[str, Any]]:
        """The fields by organisation, for the template."""
        return [
            {
                "organisation": org,
                "scores": [self[f"s_{org.pk}_{i}"] for i in range(len(self.dimensions))],
                "comment": self[f"c_{org.pk}"],
            }
            for org in self.others
        ]
