"""Every text of a questionnaire version, in the four languages, for the translations page and the
publish check: the title and description, section titles and descriptions, question labels, help
texts, the labels and descriptions of the questions' own choices, and the texts of the presentation
hints (chart titles, the report's summary sentences, choice phrases and annex title). Shared lists
such as the SDGs are translated with the lists, not per questionnaire.

Texts may change after publishing (typos, translations): `questionnaire_texts_save` writes them with
`save(update_fields=[...text columns...])`, the one write `FrozenWhenPublished` allows on a published
questionnaire, and empties the schema cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import LANGUAGE_CODES, Choice, Question, Questionnaire, Section
from .schema import schema_cache_clear

TEXT_LABELS = {
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Description"),
    "label": gettext_lazy("Label"),
    "help": gettext_lazy("Help text"),
    "chart_title": gettext_lazy("Chart title"),
    "annex_title": gettext_lazy("Report annex title"),
    "report_summary": gettext_lazy("Report summary sentence"),
    "report_phrase": gettext_lazy("Report phrase"),
}


@dataclass
class TextRow:
    """One text of the questionnaire (e.g. a question's label) in every language."""

    obj: models.Model
    field: str  # "label", "help", ...
    where: str  # "Q2.3 plan", "Section 2", "Questionnaire"
    section_id: int | None  # None: the questionnaire's own texts
    required: bool  # English is required (titles, labels)
    long: bool
    values: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Form field prefix, e.g. "question-12-label" (the language is appended)."""
        return f"{self.obj._meta.model_name}-{self.obj.pk}-{self.field}"

    @property
    def kind(self) -> str:
        return str(TEXT_LABELS[self.field])

    def is_missing(self, language: str) -> bool:
        """Missing: a required English text is empty, or a text given in English is not translated."""
        english = self.values.get("en", "").strip()
        if language == "en":
            return self.required and not english
        return bool(english) and not self.values.get(language, "").strip()


@dataclass
class SectionTexts:
    section: Section
    number: int
    rows: list[TextRow]

    def missing(self, language: str) -> int:
        return sum(row.is_missing(language) for row in self.rows)


@dataclass
class QuestionnaireTexts:
    questionnaire: Questionnaire
    own_rows: list[TextRow]  # the questionnaire's title and description
    sections: list[SectionTexts]
    question_numbers: dict[int, str]  # question id → "Q2.3"

    @property
    def rows(self) -> list[TextRow]:
        return [*self.own_rows, *(row for section in self.sections for row in section.rows)]

    def missing_counts(self) -> dict[str, int]:
        return {language: sum(row.is_missing(language) for row in self.rows) for language in LANGUAGE_CODES}


def _row(obj, field_name: str, where: str, section_id: int | None, *, required: bool = False) -> TextRow:
    long = isinstance(obj._meta.get_field(f"{field_name}_en"), models.TextField)
    values = {language: getattr(obj, f"{field_name}_{language}") or "" for language in LANGUAGE_CODES}
    return TextRow(obj, field_name, where, section_id, required, long, values)


def questionnaire_texts(questionnaire: Questionnaire) -> QuestionnaireTexts:
    """Every text in questionnaire order, in three queries (sections, questions, own choices)."""
    sections = list(Section.objects.filter(questionnaire=questionnaire).order_by("position", "id"))
    questions = list(Question.objects.filter(questionnaire=questionnaire).order_by("position", "id"))
    choices_by_question: dict[int, list[Choice]] = {}
    for choice in Choice.objects.filter(question__questionnaire=questionnaire).order_by("position", "id"):
        choices_by_question.setdefault(choice.question_id, []).append(choice)
    questions_by_section: dict[int, list[Question]] = {}
    fields_by_list: dict[int, list[Question]] = {}  # the item fields of each list of items
    for question in questions:
        if question.item_of_id:
            fields_by_list.setdefault(question.item_of_id, []).append(question)
        else:
            questions_by_section.setdefault(question.section_id, []).append(question)

    def question_rows(question: Question, place: str, section_id: int) -> list[TextRow]:
        rows = [_row(question, "label", place, section_id, required=True), _row(question, "help", place, section_id)]
        if question.is_choice and not question.item_of_id:
            rows.append(_row(question, "chart_title", place, section_id))
            rows.append(_row(question, "report_summary", place, section_id))
        if question.choice_list_id is None:
            for choice in choices_by_question.get(question.pk, []):
                choice_place = f"{place} · {choice.code}"
                rows.append(_row(choice, "label", choice_place, section_id, required=True))
                rows.append(_row(choice, "description", choice_place, section_id))
                if question.type == Question.Type.SINGLE_CHOICE and not question.item_of_id:
                    rows.append(_row(choice, "report_phrase", choice_place, section_id))
        return rows

    own_rows = [
        _row(questionnaire, "title", _("Questionnaire"), None, required=True),
        _row(questionnaire, "description", _("Questionnaire"), None),
        _row(questionnaire, "annex_title", _("Questionnaire"), None),
    ]
    numbers: dict[int, str] = {}
    result = []
    for number, section in enumerate(sections, start=1):
        where = _("Section %(number)s") % {"number": number}
        rows = [
            _row(section, "title", where, section.pk, required=True),
            _row(section, "description", where, section.pk),
        ]
        for index, question in enumerate(questions_by_section.get(section.pk, []), start=1):
            numbers[question.pk] = f"Q{number}.{index}"
            place = f"Q{number}.{index} {question.code}"
            rows += question_rows(question, place, section.pk)
            # a list's item fields follow it, named after it (they have no number of their own)
            for item_field in fields_by_list.get(question.pk, []):
                rows += question_rows(item_field, f"{place} › {item_field.code}", section.pk)
        result.append(SectionTexts(section, number, rows))
    return QuestionnaireTexts(questionnaire, own_rows, result, numbers)


class TextsConflict(Exception):
    """Texts the coordinator changed were saved meanwhile by someone else; `theirs` maps each such
    field name to the text now stored."""

    def __init__(self, theirs: dict[str, str]):
        super().__init__(theirs)
        self.theirs = theirs


def texts_as_loaded(rows: list[TextRow]) -> dict[str, str]:
    """{"<row key>-<language>": text} as stored: a page sends it back with the texts it was loaded with."""
    return {f"{row.key}-{language}": row.values.get(language, "") for row in rows for language in LANGUAGE_CODES}


@transaction.atomic
def questionnaire_texts_save(*, rows: list[TextRow], values: dict[str, str], loaded: dict[str, str]) -> int:
    """Write the texts the coordinator changed: `values` maps "<row key>-<language>" to the text in the
    page, `loaded` to the text the page was loaded with; a text equal to its loaded one is left alone,
    so what someone else saved meanwhile elsewhere in the part is kept. A changed text that someone
    else also changed is a conflict (`TextsConflict`): nothing is written. A required English text may
    not be emptied. Texts only, so this is allowed on a published questionnaire too. Returns the number
    of texts written (what the coordinator typed, not the objects holding them); one UPDATE per changed
    object. `rows` are read just before, in the same request."""
    stored = texts_as_loaded(rows)
    changed = {
        name: text.strip() for name, text in values.items() if name in stored and text.strip() != loaded.get(name, "")
    }
    theirs = {
        name: stored[name]
        for name, text in changed.items()
        if stored[name] != loaded.get(name, "") and stored[name] != text
    }
    if theirs:
        raise TextsConflict(theirs)
    values = changed
    errors = {}
    changes: dict[tuple[type, int], tuple[models.Model, list[str]]] = {}
    for row in rows:
        for language in LANGUAGE_CODES:
            name = f"{row.key}-{language}"
            if name not in values:
                continue
            text = values[name].strip()
            if language == "en" and row.required and not text:
                errors[name] = _("The English text is required.")
                continue
            if text == row.values.get(language, ""):
                continue
            column = f"{row.field}_{language}"
            limit = row.obj._meta.get_field(column).max_length
            if limit and len(text) > limit:
                errors[name] = _("At most %(limit)d characters.") % {"limit": limit}
                continue
            setattr(row.obj, column, text)
            row.values[language] = text
            changes.setdefault((type(row.obj), row.obj.pk), (row.obj, []))[1].append(column)
    if errors:
        raise ValidationError(errors)
    for obj, columns in changes.values():
        obj.save(update_fields=columns)
    if changes:
        transaction.on_commit(schema_cache_clear)  # this process at once; the others within SCHEMA_CACHE_SECONDS
    return sum(len(columns) for _obj, columns in changes.values())
