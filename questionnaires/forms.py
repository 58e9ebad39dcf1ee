"""Forms of the focal-point side: the response form built from a questionnaire definition.

The form only renders and collects: every answer rule (types, choices, lengths, `max_choices`,
display conditions, required answers) is checked by `validation.answers_validate`, the one
validation path, and its errors are put back on the fields with `ResponseForm.add_answer_errors`.
So the fields here are deliberately lenient: they never refuse a value, they keep what was typed.

A list of items (a repeat group) is a hidden field named by the list's code holding the number of items
shown, and one field per item field and item, named `schema.item_field_name` ("practices-2-title").
"Add an item" and "Remove" are submit buttons (`action=add:<code>`, `action=remove:<code>:<n>`): the
page comes back with one item more or less and everything typed kept (`items_edited`), without
JavaScript and without saving anything.
"""

from __future__ import annotations

from django import forms
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Question
from .numbering import question_numbers
from .schema import QuestionnaireSchema, QuestionSchema, is_empty, item_field_name

VERSION_FIELD = "version"


# --- Lenient fields: they collect, `answers_validate` judges ---------------------------------------


class _RequiredMarkedOnly:
    """A required question is marked as such (label, asterisk) but only the final submit enforces it."""

    def validate(self, value):
        required, self.required = self.required, False
        try:
            super().validate(value)
        finally:
            self.required = required


class AnswerTextField(_RequiredMarkedOnly, forms.CharField):
    pass


class AnswerChoiceField(_RequiredMarkedOnly, forms.ChoiceField):
    def valid_value(self, value):
        return True  # an unknown code is reported by answers_validate, with the others


class AnswerMultipleChoiceField(_RequiredMarkedOnly, forms.MultipleChoiceField):
    def valid_value(self, value):
        return True


class ItemCountField(forms.Field):
    """The number of items a list shows: what the browser sent, bounded; anything else counts as none."""

    widget = forms.HiddenInput

    def __init__(self, *, limit: int, **kwargs):
        super().__init__(required=False, **kwargs)
        self.limit = limit

    def to_python(self, value):
        try:
            return max(0, min(int(value), self.limit))
        except (TypeError, ValueError):
            return 0


class ChoiceGridWidget(forms.CheckboxSelectMultiple):
    """Checkboxes whose options carry the full title (`Choice.description`) as a `title` attribute."""

    def __init__(self, *args, descriptions: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.descriptions = descriptions or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        description = self.descriptions.get(str(value))
        if description:
            option["attrs"]["title"] = description
            option["description"] = description
        option["code"] = value
        return option


def _help_html(question: QuestionSchema, extra: list[str], length_hint: str = "") -> SafeString:
    """Help texts come from the questionnaire definition: escaped, line breaks kept. The length hint
    is marked so that the character counter (static/js/response_form.js) replaces it, not repeats it."""
    parts = []
    if question.help:
        parts.append(linebreaks(escape(question.help)))
    if extra:
        parts.append(f'<span class="d-block">{" ".join(escape(text) for text in extra)}</span>')
    if length_hint:
        parts.append(f'<span class="d-block" data-length-hint>{escape(length_hint)}</span>')
    return SafeString("".join(parts))


def answer_field(question: QuestionSchema) -> forms.Field:
    kind = question.type
    limit = question.effective_max_length
    extra_help: list[str] = []
    common = {"label": question.label, "required": question.required}
    choices = question.choices
    if kind == Question.Type.MULTIPLE_CHOICE:
        if question.max_choices:
            extra_help.append(
                ngettext("Choose at most %(max)d option.", "Choose at most %(max)d options.", question.max_choices)
                % {"max": question.max_choices}
            )
        return AnswerMultipleChoiceField(
            **common,
            choices=[(choice.code, choice.display) for choice in choices],
            widget=ChoiceGridWidget(descriptions={choice.code: choice.description for choice in choices}),
            help_text=_help_html(question, extra_help),
        )
    if kind == Question.Type.SINGLE_CHOICE:
        options = [(choice.code, choice.display) for choice in choices]
        if not question.required:
            options.insert(0, ("", _("No answer")))
        return AnswerChoiceField(
            **common,
            choices=options,
            widget=forms.RadioSelect,
            help_text=_help_html(question, extra_help),
        )
    attrs: dict[str, object] = {}
    if limit:
        attrs["maxlength"] = limit
    if kind == Question.Type.LONG_TEXT:
        hint = _("Up to %(limit)s characters.") % {"limit": f"{limit:,}"} if limit else ""
        widget: forms.Widget = forms.Textarea(attrs={**attrs, "rows": 6})
        return AnswerTextField(
            **common, strip=False, widget=widget, help_text=_help_html(question, extra_help, length_hint=hint)
        )
    if kind == Question.Type.EMAIL:
        widget = forms.EmailInput(attrs={**attrs, "autocomplete": "email"})
    elif kind == Question.Type.INTEGER:
        widget = forms.TextInput(attrs={"inputmode": "numeric"})
        extra_help.append(_("A whole number, e.g. 12."))
    elif kind == Question.Type.DECIMAL:
        widget = forms.TextInput(attrs={"inputmode": "decimal"})
        extra_help.append(_("A number, e.g. 12.5."))
    elif kind == Question.Type.DATE:
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        extra_help.append(_("Date as YYYY-MM-DD."))
    else:
        widget = forms.TextInput(attrs=attrs)
    return AnswerTextField(**common, widget=widget, help_text=_help_html(question, extra_help))


class ResponseForm(forms.Form):
    """One field per question, named by the question code, plus the hidden `version` for optimistic
    locking. Browsers' own checks are off (`novalidate` in the template, no `required` attributes) so
    that a draft with gaps can always be saved; the server says what is missing."""

    use_required_attribute = False

    version = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("The form is incomplete: reload the page and try again."),
            "invalid": gettext_lazy("The form is incomplete: reload the page and try again."),
        },
    )

    def __init__(
        self, *args, schema: QuestionnaireSchema, answers: dict[str, object] | None = None, version: int = 0, **kwargs
    ):
        initial = dict(answers or {})
        initial[VERSION_FIELD] = version
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.initial_answers = dict(answers or {})
        self.schema = schema
        self.numbers = question_numbers(schema)
        self.item_counts: dict[str, int] = {}
        for code, question in schema.questions.items():
            if code == VERSION_FIELD:  # pragma: no cover - a question code clashing with the lock field
                raise ValueError("A question code cannot be 'version'.")
            if question.is_list:
                self._item_fields_add(question)
                continue
            self.fields[code] = answer_field(question)
            self.fields[code].label = f"{self.numbers[code]} {question.label}"

    def _item_fields_add(self, question: QuestionSchema) -> None:
        """The count field and the fields of each item; an empty list shows one empty item to fill in."""
        code = question.code
        self.fields[code] = ItemCountField(
            limit=question.effective_max_items, label=f"{self.numbers[code]} {question.label}"
        )
        items = self.initial.get(code)
        if self.is_bound:
            count = self.fields[code].to_python(self.data.get(code))
        else:
            count = len(items) if isinstance(items, list) else 0
        count = max(count, 1)
        self.item_counts[code] = count
        self.initial[code] = count
        for number in range(1, count + 1):
            item = items[number - 1] if isinstance(items, list) and number <= len(items) else {}
            for field in question.items:
                name = item_field_name(code, number, field.code)
                self.fields[name] = answer_field(field)
                if isinstance(item, dict) and field.code in item:
                    self.initial[name] = item[field.code]

    # --- from the form to the services, and back ---

    def answers(self) -> dict[str, object]:
        """The answers dict the services expect: every question, empty where not answered."""
        answers: dict[str, object] = {}
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        for code, question in self.schema.questions.items():
            if question.is_list:
                answers[code] = [
                    {
                        field.code: self._answer(field, data.get(item_field_name(code, number, field.code)))
                        for field in question.items
                    }
                    for number in range(1, self.item_counts[code] + 1)
                ]
                continue
            answers[code] = self._answer(question, data.get(code))
        return answers

    @staticmethod
    def _answer(question: QuestionSchema, value: object) -> object:
        if question.is_multiple:
            return [str(item) for item in (value or [])]
        return "" if value is None else str(value)

    def add_answer_errors(self, errors: dict[str, list[str]]) -> None:
        for code, messages in errors.items():
            for message in messages:
                self.add_error(code if code in self.fields and code != VERSION_FIELD else None, message)

    def set_version(self, version: int) -> None:
        """After a conflict: saving again overwrites with what the user now sees (they have merged)."""
        if self.is_bound:
            data = self.data.copy()
            data[VERSION_FIELD] = str(version)
            self.data = data
        self.initial[VERSION_FIELD] = version

    # --- what the template needs ---

    def sections(self) -> list[dict[str, object]]:
        """[{section, anchor, questions: [{question, field, condition}]}] in questionnaire order."""
        result = []
        for index, section in enumerate(self.schema.sections, start=1):
            items = []
            for question in section.questions:
                bound = self[question.code]
                list_items = self._list_items(question) if question.is_list else []
                items.append(
                    {
                        "question": question,
                        "field": bound,
                        "is_grid": question.type == Question.Type.MULTIPLE_CHOICE,
                        "list_items": list_items,
                        "has_errors": bool(bound.errors) or any(item["has_errors"] for item in list_items),
                        "condition": self._condition_hint(question),
                    }
                )
            result.append(
                {
                    "section": section,
                    "anchor": f"section-{index}",
                    "number": index,
                    "questions": items,
                    "has_errors": any(item["has_errors"] for item in items),
                }
            )
        return result

    def _list_items(self, question: QuestionSchema) -> list[dict[str, object]]:
        """The items of a list as the template renders them: [{number, anchor, fields: [{field, is_grid}]}]."""
        rows = []
        for number in range(1, self.item_counts[question.code] + 1):
            fields = [
                {
                    "field": self[item_field_name(question.code, number, field.code)],
                    "question": field,
                    "is_grid": field.type == Question.Type.MULTIPLE_CHOICE,
                }
                for field in question.items
            ]
            rows.append(
                {
                    "number": number,
                    "anchor": f"{question.code}-{number}",
                    "fields": fields,
                    "has_errors": any(row["field"].errors for row in fields),
                }
            )
        return rows

    def _condition_hint(self, question: QuestionSchema) -> dict[str, object] | None:
        """Without JavaScript every question shows: say when a conditional one applies."""
        condition = self.schema.question(question.show_if or "")
        if condition is None:
            return None
        return {
            "question": condition.label,
            "values": [condition.choice_display(code) for code in question.show_if_values],
        }

    def error_summary(self) -> list[dict[str, str]]:
        """Field errors in questionnaire order, each with the anchor of its question."""
        summary = []
        for code, question in self.schema.questions.items():
            label = f"{self.numbers[code]} {question.label}"
            for message in self.errors.get(code, []):
                summary.append({"anchor": f"q-{code}", "label": label, "message": message})
            for number in range(1, self.item_counts.get(code, 0) + 1):
                for field in question.items:
                    for message in self.errors.get(item_field_name(code, number, field.code), []):
                        item_label = _("%(question)s, item %(number)d: %(field)s") % {
                            "question": label,
                            "number": number,
                            "field": field.label,
                        }
                        summary.append({"anchor": f"{code}-{number}", "label": item_label, "message": message})
        return summary

    def conditions(self) -> dict[str, dict[str, object]]:
        """For the browser: which question shows which, by choice codes."""
        return {
            code: {"question": question.show_if, "values": list(question.show_if_values)}
            for code, question in self.schema.questions.items()
            if question.show_if
        }


def items_edited(schema: QuestionnaireSchema, answers: dict[str, object], action: str) -> dict[str, object] | None:
    """The answers after "Add an item" (`add:<code>`) or "Remove" (`remove:<code>:<number>`) on a list;
    None when `action` is neither. Nothing is saved: the page comes back with what was typed."""
    kind, _sep, rest = action.partition(":")
    if kind not in ("add", "remove"):
        return None
    code, _sep, number = rest.partition(":")
    question = schema.question(code)
    if question is None or not question.is_list:
        return None
    items = [dict(item) for item in answers.get(code) or []]  # type: ignore[union-attr]
    if kind == "add" and len(items) < question.effective_max_items:
        items.append({})
    elif kind == "remove" and number.isdigit() and 1 <= int(number) <= len(items):
        items.pop(int(number) - 1)
    return {**answers, code: items}


# --- Read-only summaries (review page, submitted copy, print) --------------------------------------


def answers_summary(schema: QuestionnaireSchema, answers: dict[str, object]) -> list[dict[str, object]]:
    """Every shown question with its answer as text; questions hidden by their condition are left out."""
    sections = []
    numbers = question_numbers(schema)
    for index, section in enumerate(schema.sections, start=1):
        items = []
        for question in section.questions:
            if not schema.is_shown(question, answers):
                continue
            value = answers.get(question.code)
            shown = schema.answer_display(question.code, value)
            items.append(
                {
                    "question": question,
                    "number": numbers[question.code],
                    "answered": not is_empty(value),
                    "list_items": schema.items_display(question.code, value) if question.is_list else [],
                    "text": "" if question.is_choice or question.is_list else shown,
                    "choices": (shown if isinstance(shown, list) else [shown] if shown else [])
                    if question.is_choice
                    else [],
                }
            )
        sections.append({"section": section, "anchor": f"section-{index}", "number": index, "items": items})
    return sections
