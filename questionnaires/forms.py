"""Forms of the focal-point side: the response form built from a questionnaire definition.

The form only renders and collects: every answer rule (types, choices, lengths, `max_choices`,
display conditions, required answers) is checked by `validation.answers_validate`, the one
validation path, and its errors are put back on the fields with `ResponseForm.add_answer_errors`.
So the fields here are deliberately lenient: they never refuse a value, they keep what was typed.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from django import forms
from django.db.models.signals import post_delete, post_save
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Choice, ChoiceList, Question, Questionnaire, Section
from .numbering import question_numbers
from .validation import QuestionSpec, is_empty, question_is_shown, questionnaire_specs

VERSION_FIELD = "version"


# --- The questionnaire as the pages need it -------------------------------------------------------


@dataclass
class QuestionnaireLayout:
    """Questions in order, grouped by section, with their choices (labels and full titles)."""

    questionnaire: Questionnaire
    specs: dict[str, QuestionSpec]
    sections: list[Section]
    questions_by_section: dict[int, list[Question]]
    choices: dict[str, list[Choice]] = field(default_factory=dict)

    def choice_labels(self, code: str) -> dict[str, str]:
        return {choice.code: choice.label for choice in self.choices.get(code, [])}

    def question(self, code: str) -> Question | None:
        spec = self.specs.get(code)
        return spec.question if spec else None

    @property
    def numbers(self) -> dict[str, str]:
        """{code: "Q3.1"}: what a return comment or an e-mail quotes to point at a question."""
        return question_numbers(self.specs)


# Published questionnaires are frozen (structure and English texts), so their layout is built once per
# process and kept in a small LRU: the form page, the review page and the submitted copy then skip the
# three queries and the ~90 `Choice` instances. The layout holds model instances only (every language's
# column); labels are localised when read (`Choice.label`, ...), so one entry serves every language.
# Translations may still change on a published questionnaire (`save(update_fields=[...])`): any save or
# delete of a questionnaire model empties the cache of this process, and entries expire after
# LAYOUT_CACHE_SECONDS so that the other processes (gunicorn workers) catch up too.
LAYOUT_CACHE_SIZE = 16
LAYOUT_CACHE_SECONDS = 300
_layout_cache: OrderedDict[tuple[int, object], tuple[float, QuestionnaireLayout]] = OrderedDict()
_layout_cache_lock = threading.Lock()


def layout_cache_clear(**kwargs) -> None:
    with _layout_cache_lock:
        _layout_cache.clear()


for _model in (Questionnaire, Section, Question, Choice, ChoiceList):
    post_save.connect(layout_cache_clear, sender=_model, dispatch_uid=f"layout_cache_clear_save_{_model.__name__}")
    post_delete.connect(layout_cache_clear, sender=_model, dispatch_uid=f"layout_cache_clear_delete_{_model.__name__}")


def questionnaire_layout(questionnaire: Questionnaire) -> QuestionnaireLayout:
    """The layout of a questionnaire; cached per process when published (see LAYOUT_CACHE_SIZE)."""
    if questionnaire.pk is None or questionnaire.status != Questionnaire.Status.PUBLISHED:
        return _questionnaire_layout_build(questionnaire)
    key = (questionnaire.pk, questionnaire.published_at)
    now = time.monotonic()
    with _layout_cache_lock:
        entry = _layout_cache.get(key)
        if entry and now - entry[0] < LAYOUT_CACHE_SECONDS:
            _layout_cache.move_to_end(key)
            return replace(entry[1], questionnaire=questionnaire)
    layout = _questionnaire_layout_build(questionnaire)
    with _layout_cache_lock:
        _layout_cache[key] = (now, layout)
        _layout_cache.move_to_end(key)
        while len(_layout_cache) > LAYOUT_CACHE_SIZE:
            _layout_cache.popitem(last=False)
    return layout


def _questionnaire_layout_build(questionnaire: Questionnaire) -> QuestionnaireLayout:
    """Three queries whatever the size: questions (with sections), choice codes, choice texts."""
    specs = questionnaire_specs(questionnaire)
    sections: list[Section] = []
    by_section: dict[int, list[Question]] = {}
    for spec in specs.values():
        question = spec.question
        if question.section_id not in by_section:
            by_section[question.section_id] = []
            sections.append(question.section)
        by_section[question.section_id].append(question)
    sections.sort(key=lambda section: (section.position, section.id))

    list_ids = {spec.question.choice_list_id for spec in specs.values() if spec.question.choice_list_id}
    choice_rows = Choice.objects.filter(choice_list_id__in=list_ids) | Choice.objects.filter(
        question__questionnaire=questionnaire
    )
    by_list: dict[int, list[Choice]] = {}
    by_question: dict[int, list[Choice]] = {}
    for choice in choice_rows.order_by("position", "id"):
        if choice.choice_list_id:
            by_list.setdefault(choice.choice_list_id, []).append(choice)
        else:
            by_question.setdefault(choice.question_id, []).append(choice)
    choices = {}
    for code, spec in specs.items():
        question = spec.question
        if question.is_choice:
            choices[code] = (
                by_list.get(question.choice_list_id, [])
                if question.choice_list_id
                else by_question.get(question.id, [])
            )
    return QuestionnaireLayout(questionnaire, specs, sections, by_section, choices)


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


def _help_html(question: Question, extra: list[str], length_hint: str = "") -> SafeString:
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


def _choice_label(choice: Choice, numbered: bool) -> str:
    return f"{choice.code}. {choice.label}" if numbered else choice.label


def answer_field(question: Question, choices: list[Choice]) -> forms.Field:
    kind = question.type
    limit = question.effective_max_length
    extra_help: list[str] = []
    common = {"label": question.label, "required": question.required}
    if kind == Question.Type.MULTIPLE_CHOICE:
        numbered = bool(question.choice_list_id)
        if question.max_choices:
            extra_help.append(
                ngettext("Choose at most %(max)d option.", "Choose at most %(max)d options.", question.max_choices)
                % {"max": question.max_choices}
            )
        return AnswerMultipleChoiceField(
            **common,
            choices=[(choice.code, _choice_label(choice, numbered)) for choice in choices],
            widget=ChoiceGridWidget(descriptions={choice.code: choice.description for choice in choices}),
            help_text=_help_html(question, extra_help),
        )
    if kind == Question.Type.SINGLE_CHOICE:
        options = [(choice.code, choice.label) for choice in choices]
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
        self, *args, layout: QuestionnaireLayout, answers: dict[str, object] | None = None, version: int = 0, **kwargs
    ):
        initial = dict(answers or {})
        initial[VERSION_FIELD] = version
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.layout = layout
        self.numbers = layout.numbers
        for code, spec in layout.specs.items():
            if code == VERSION_FIELD:  # pragma: no cover - a question code clashing with the lock field
                raise ValueError("A question code cannot be 'version'.")
            self.fields[code] = answer_field(spec.question, layout.choices.get(code, []))
            self.fields[code].label = f"{self.numbers[code]} {spec.question.label}"

    # --- from the form to the services, and back ---

    def answers(self) -> dict[str, object]:
        """The answers dict the services expect: every question, empty where not answered."""
        answers: dict[str, object] = {}
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        for code, spec in self.layout.specs.items():
            value = data.get(code)
            if spec.question.type == Question.Type.MULTIPLE_CHOICE:
                answers[code] = [str(item) for item in (value or [])]
            else:
                answers[code] = "" if value is None else str(value)
        return answers

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
        for index, section in enumerate(self.layout.sections, start=1):
            items = []
            for question in self.layout.questions_by_section[section.id]:
                bound = self[question.code]
                items.append(
                    {
                        "question": question,
                        "field": bound,
                        "is_grid": question.type == Question.Type.MULTIPLE_CHOICE,
                        "has_errors": bool(bound.errors),
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

    def _condition_hint(self, question: Question) -> dict[str, object] | None:
        """Without JavaScript every question shows: say when a conditional one applies."""
        condition = question.show_if_question
        if condition is None:
            return None
        labels = self.layout.choice_labels(condition.code)
        return {
            "question": condition.label,
            "values": [labels.get(code, code) for code in question.show_if_values],
        }

    def error_summary(self) -> list[dict[str, str]]:
        """Field errors in questionnaire order, each with the anchor of its question."""
        summary = []
        for code, spec in self.layout.specs.items():
            for message in self.errors.get(code, []):
                summary.append(
                    {"anchor": f"q-{code}", "label": f"{self.numbers[code]} {spec.question.label}", "message": message}
                )
        return summary

    def conditions(self) -> dict[str, dict[str, object]]:
        """For the browser: which question shows which, by choice codes."""
        return {
            code: {"question": spec.question.show_if_question.code, "values": list(spec.question.show_if_values)}
            for code, spec in self.layout.specs.items()
            if spec.question.show_if_question_id
        }


# --- Read-only summaries (review page, submitted copy, print) --------------------------------------


def answers_summary(layout: QuestionnaireLayout, answers: dict[str, object]) -> list[dict[str, object]]:
    """Every shown question with its answer as text; questions hidden by their condition are left out."""
    sections = []
    numbers = layout.numbers
    for index, section in enumerate(layout.sections, start=1):
        items = []
        for question in layout.questions_by_section[section.id]:
            if not question_is_shown(question, answers):
                continue
            value = answers.get(question.code)
            item: dict[str, object] = {
                "question": question,
                "number": numbers[question.code],
                "answered": not is_empty(value),
                "text": "",
                "choices": [],
            }
            if question.is_choice:
                labels = {choice.code: choice for choice in layout.choices.get(question.code, [])}
                codes = value if isinstance(value, list) else ([value] if value else [])
                numbered = bool(question.choice_list_id)
                item["choices"] = [
                    _choice_label(labels[code], numbered) if code in labels else str(code) for code in codes
                ]
            else:
                item["text"] = "" if value is None else str(value)
            items.append(item)
        sections.append({"section": section, "anchor": f"section-{index}", "number": index, "items": items})
    return sections


def value_display(layout: QuestionnaireLayout, code: str, value: object) -> str:
    """One answer as a short text for messages (conflicts): choice labels, or the text itself."""
    if is_empty(value):
        return _("(no answer)")
    labels = layout.choice_labels(code)
    if isinstance(value, list):
        return ", ".join(labels.get(str(item), str(item)) for item in value)
    text = labels.get(str(value), str(value))
    return text if len(text) <= 200 else text[:199] + "…"
