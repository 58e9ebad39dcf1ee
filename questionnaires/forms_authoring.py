"""Forms of the questionnaire editor. They clean input; services_authoring.py checks and writes.

Texts are edited in one language at a time (`language`): a field named `label` edits `label_<language>`.
Every form carries the questionnaire's `revision` as it was when the page was loaded (optimistic locking).
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import LANGUAGE_CODES, ChoiceList, Question, Questionnaire, Section
from .schema import ITEMS_LIMIT, QuestionSchema
from .services_authoring import ChoiceRow, QuestionData

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def editing_language(value: str | None) -> str:
    """The `?lang=` of the editor: one of the questionnaire languages, English by default."""
    return value if value in LANGUAGE_CODES else "en"


class RevisionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, language: str = "en", **kwargs):
        self.language = language
        # after a conflict: (field label, the value the other coordinator saved) where this form differs
        self.conflicts: list[tuple[str, object]] = []
        super().__init__(*args, **kwargs)
        rtl = language in settings.LANGUAGES_BIDI
        for field in self.fields.values():
            if isinstance(field.widget, forms.TextInput | forms.Textarea) and getattr(field, "translated", False):
                field.widget.attrs.update(lang=language, dir="rtl" if rtl else "ltr")


def _translated(field: forms.Field) -> forms.Field:
    field.translated = True
    return field


class QuestionnaireStartForm(forms.Form):
    slug = forms.SlugField(
        label=_("Short name (in addresses)"),
        max_length=80,
        help_text=_("Lower-case letters, digits and hyphens, e.g. iscm-contributions-2025. It cannot change later."),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=500)


class TextsForm(RevisionForm):
    """The questionnaire's title and description, or a section's, in the editing language."""

    title = _translated(forms.CharField(label=_("Title"), max_length=500, required=False))
    description = _translated(
        forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    )

    @classmethod
    def for_object(cls, obj: Questionnaire | Section, *, language: str, revision: int, data=None) -> TextsForm:
        initial: dict[str, object] = {"revision": revision}
        for name in cls.base_fields:
            if name != "revision":
                initial[name] = getattr(obj, f"{name}_{language}")
        return cls(data, initial=initial, language=language)


class QuestionnaireTextsForm(TextsForm):
    """The questionnaire's own texts, with the title of the report's annex (a presentation hint)."""

    annex_title = _translated(
        forms.CharField(
            label=_("Title of the report's annex"),
            max_length=500,
            required=False,
            help_text=_("The annex lists the long-text answers; empty: a generic title."),
        )
    )


class QuestionForm(RevisionForm):
    """A question: structure, texts in the editing language, presentation hints and display condition.

    The condition is picked, never typed: an earlier choice question (`show_if_question`), then the
    choices of it that show this question (`show_if_values`, checkboxes of that question's choices).
    Type-specific settings are grouped (`fieldsets`), so that a new type brings its own group."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("Stable key in exports and figures; keep it across versions to compare them."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=Question.Type.choices)
    label = _translated(
        forms.CharField(label=_("Question"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    )
    help = _translated(
        forms.CharField(label=_("Help text"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    choice_list = forms.ChoiceField(
        label=_("Choices"),
        required=False,
        help_text=_("The question's own choices (edited below), or a shared list."),
    )
    max_choices = forms.IntegerField(label=_("At most this many choices"), required=False, min_value=1)
    max_length = forms.IntegerField(label=_("At most this many characters"), required=False, min_value=1)
    chart_kind = forms.ChoiceField(
        label=_("Chart"),
        required=False,
        choices=[("", _("Default for the type")), *Question._meta.get_field("chart_kind").choices],
    )
    chart_denominator = forms.ChoiceField(
        label=_("Percentages"),
        required=False,
        choices=[
            ("", _("Default (share of the respondents)")),
            *Question._meta.get_field("chart_denominator").choices,
        ],
    )
    report_top = forms.IntegerField(
        label=_("Leading choices the report names"), required=False, min_value=0, max_value=100
    )
    chart_title = _translated(forms.CharField(label=_("Chart title"), required=False, max_length=500))
    positive_choices = forms.MultipleChoiceField(
        label=_("Choices the report counts as a positive answer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    negative_choices = forms.MultipleChoiceField(
        label=_("Choices the report counts as a negative answer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    report_coverage = forms.BooleanField(
        label=_("The report says how many of the shared list's choices were cited"),
        required=False,
    )
    report_summary = _translated(
        forms.CharField(
            label=_("Report summary sentence"),
            max_length=500,
            required=False,
            help_text=_("{choices} stands for the leading choices, e.g. “The goals they prioritise are {choices}.”"),
        )
    )
    show_if_question = forms.ChoiceField(label=_("Show this question only when"), required=False)
    show_if_values = forms.MultipleChoiceField(
        label=_("is answered with one of"), required=False, widget=forms.CheckboxSelectMultiple
    )
    min_items = forms.IntegerField(
        label=_("At least this many items"),
        required=False,
        min_value=0,
        max_value=ITEMS_LIMIT,
        help_text=_("Checked when the response is submitted; empty: none."),
    )
    max_items = forms.IntegerField(
        label=_("At most this many items"),
        required=False,
        min_value=1,
        max_value=ITEMS_LIMIT,
    )
    practice_role = forms.ChoiceField(
        label=_("In the practices library, this field is the practice's"),
        required=False,
        choices=[("", _("nothing (not a practice field)")), *Question.PracticeRole.choices],
        help_text=_("A list whose fields include a title makes one practice per item."),
    )

    fieldsets = (
        (_("Question"), ("code", "type", "label", "help", "required")),
        (_("Choices and limits"), ("choice_list", "max_choices", "max_length")),
        (_("Display condition"), ("show_if_question", "show_if_values")),
        (_("List of items"), ("min_items", "max_items")),
        (
            _("Dashboards and report"),
            (
                "chart_kind",
                "chart_denominator",
                "report_top",
                "chart_title",
                "report_summary",
                "report_coverage",
                "positive_choices",
                "negative_choices",
            ),
        ),
    )

    def __init__(
        self,
        *args,
        earlier: Sequence[QuestionSchema],
        choice_lists: Sequence[ChoiceList],
        positive_options: Sequence[tuple[str, str]],
        questionnaire: Questionnaire,
        item_of: Question | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        # An item field of a list (`item_of`): no condition, hints or list settings; a practice role.
        self.item_of = item_of
        self.fields["max_items"].help_text = _("Empty: at most %(limit)d.") % {"limit": ITEMS_LIMIT}
        if item_of is not None:
            self.fieldsets = (
                (_("Item field"), ("code", "type", "label", "help", "required", "practice_role")),
                (_("Choices and limits"), ("choice_list", "max_choices", "max_length")),
            )
            self.fields["type"].choices = [
                choice for choice in Question.Type.choices if choice[0] != Question.Type.LIST_OF_ITEMS
            ]
        self.earlier = {str(question.id): question for question in earlier if question.is_choice}
        self.choice_lists = {choice_list.code: choice_list for choice_list in choice_lists}
        self.fields["choice_list"].choices = [("", _("Its own choices"))] + [
            (choice_list.code, choice_list.name) for choice_list in choice_lists
        ]
        self.fields["positive_choices"].choices = list(positive_options)
        self.fields["negative_choices"].choices = list(positive_options)
        self.fields["show_if_question"].choices = [("", _("always shown"))] + [
            (pk, f"{question.code} — {question.label_in(self.language)}") for pk, question in self.earlier.items()
        ]
        condition = self.earlier.get(str(self["show_if_question"].value() or ""))
        self.condition = condition
        self.fields["show_if_values"].choices = [
            (choice.code, choice.display) for choice in (condition.choices if condition else ())
        ]

    @classmethod
    def initial_for(cls, question: Question, *, language: str, revision: int) -> dict[str, object]:
        return {
            "revision": revision,
            "code": question.code,
            "type": question.type,
            "label": getattr(question, f"label_{language}"),
            "help": getattr(question, f"help_{language}"),
            "required": question.required,
            "choice_list": question.choice_list.code if question.choice_list_id else "",
            "max_choices": question.max_choices,
            "max_length": question.max_length,
            "chart_kind": question.chart_kind,
            "chart_denominator": question.chart_denominator,
            "report_top": question.report_top,
            "chart_title": getattr(question, f"chart_title_{language}"),
            "positive_choices": list(question.positive_choices or []),
            "negative_choices": list(question.negative_choices or []),
            "report_coverage": question.report_coverage,
            "report_summary": getattr(question, f"report_summary_{language}"),
            "show_if_question": str(question.show_if_question_id or ""),
            "show_if_values": list(question.show_if_values or []),
            "min_items": question.min_items,
            "max_items": question.max_items,
            "practice_role": question.practice_role,
        }

    def grouped(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fieldsets to show: a question's list settings only when it is (or may become, being new)
        a list of items."""
        is_list = self["type"].value() == Question.Type.LIST_OF_ITEMS or not self.initial.get("code")
        return [
            (title, [self[name] for name in names])
            for title, names in self.fieldsets
            if is_list or "min_items" not in names
        ]

    def data_for_service(self) -> QuestionData:
        cleaned = self.cleaned_data
        condition = self.earlier.get(cleaned["show_if_question"] or "")
        return QuestionData(
            code=cleaned["code"],
            type=cleaned["type"],
            label=cleaned["label"],
            help=cleaned["help"],
            required=cleaned["required"],
            max_choices=cleaned["max_choices"],
            max_length=cleaned["max_length"],
            choice_list=self.choice_lists.get(cleaned["choice_list"] or ""),
            chart_kind=cleaned["chart_kind"],
            chart_denominator=cleaned["chart_denominator"],
            report_top=cleaned["report_top"],
            chart_title=cleaned["chart_title"],
            positive_choices=cleaned["positive_choices"],
            negative_choices=cleaned["negative_choices"],
            report_coverage=cleaned["report_coverage"],
            report_summary=cleaned["report_summary"],
            show_if_question=(
                Question.objects.get(pk=condition.id, questionnaire=self.questionnaire) if condition else None
            ),
            show_if_values=cleaned["show_if_values"],
            min_items=cleaned["min_items"],
            max_items=cleaned["max_items"],
            practice_role=cleaned["practice_role"] if self.item_of is not None else "",
        )

    def with_condition_picked(self) -> QuestionForm:
        """The same form, unbound, showing the choices of the condition question just selected: the
        "Show its choices" button without JavaScript. Nothing is saved and no error is shown."""
        initial = {name: self[name].value() for name in self.fields}
        return QuestionForm(
            initial=initial,
            language=self.language,
            earlier=list(self.earlier.values()),
            choice_lists=list(self.choice_lists.values()),
            positive_options=self.fields["positive_choices"].choices,
            questionnaire=self.questionnaire,
            item_of=self.item_of,
        )


def _small_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-control form-control-sm", **attrs})


class ChoiceRowForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(label=_("Code"), max_length=40, required=False, widget=_small_input(size=8))
    label = forms.CharField(label=_("Label"), max_length=500, required=False, widget=_small_input())
    description = forms.CharField(label=_("Full title"), required=False, widget=_small_input())
    report_phrase = forms.CharField(label=_("Report phrase"), max_length=500, required=False, widget=_small_input())
    delete = forms.BooleanField(label=_("Delete"), required=False)

    def row(self) -> ChoiceRow:
        cleaned = self.cleaned_data
        return ChoiceRow(
            id=cleaned.get("id"),
            code=cleaned.get("code", ""),
            label=cleaned.get("label", ""),
            description=cleaned.get("description", ""),
            report_phrase=cleaned.get("report_phrase", ""),
            delete=cleaned.get("delete", False),
        )


ChoiceFormSet = forms.formset_factory(ChoiceRowForm, extra=3, max_num=200, absolute_max=300)


def choice_formset(question: Question, *, language: str, data=None) -> forms.BaseFormSet:
    """The question's own choices in the editing language, and three empty rows to add choices."""
    initial = [
        {
            "id": choice.pk,
            "code": choice.code,
            "label": getattr(choice, f"label_{language}"),
            "description": getattr(choice, f"description_{language}"),
            "report_phrase": getattr(choice, f"report_phrase_{language}"),
        }
        for choice in question.own_choices.order_by("position", "id")
    ]
    formset = ChoiceFormSet(data, initial=initial, prefix="choices")
    direction = "rtl" if language in settings.LANGUAGES_BIDI else "ltr"
    for form in formset.forms:
        for name in ("label", "description", "report_phrase"):
            form.fields[name].widget.attrs.update(lang=language, dir=direction)
    return formset
