"""What stops a draft questionnaire version from being published: every problem, each with where it is.

`publish_problems` is a plain function (no request, no writes): the publish page lists its result and
`services_publish.questionnaire_publish` refuses to publish while it is not empty.

Languages: a version is checked in the languages the coordinator asks for, by default all four
languages of the interface (settings.LANGUAGES). A draft has no campaign yet (a campaign needs a
published version) and focal points pick their language themselves, so every interface language is
a language the form will be read in; the coordinator may publish an English-only version on purpose
by unticking the others on the publish page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from .forms import VERSION_FIELD
from .models import LANGUAGE_CODES, Question, Questionnaire
from .schema import schema_build
from .translations_authoring import questionnaire_texts


@dataclass(frozen=True)
class Problem:
    where: str  # "Q2.3 plan", "Section 2", "Questionnaire"
    message: str
    section_id: int | None = None
    question_code: str = ""
    is_text: bool = False  # fixed on the translations page, not in the editor


def default_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code in LANGUAGE_CODES]


def publish_problems(questionnaire: Questionnaire, languages: list[str] | None = None) -> list[Problem]:
    """Every problem of the version, in questionnaire order then by kind; empty: it may be published.
    A fixed number of queries: sections, questions, choices (schema), conditions, texts."""
    languages = default_languages() if languages is None else ["en", *[code for code in languages if code != "en"]]
    problems: list[Problem] = []
    if questionnaire.status == Questionnaire.Status.PUBLISHED:
        return [Problem(_("Questionnaire"), _("This version is already published."))]

    texts = questionnaire_texts(questionnaire)
    schema = schema_build(questionnaire)
    numbers = texts.question_numbers
    questions = list(
        Question.objects.filter(questionnaire=questionnaire)
        .select_related("show_if_question")
        .order_by("section__position", "section_id", "position", "id")
    )
    order = {question.pk: index for index, question in enumerate(questions)}
    by_id = {question.pk: question for question in questions}
    item_fields = schema.item_fields_by_id()
    fields_count = {question.pk: 0 for question in questions}
    for question in questions:
        if question.item_of_id in fields_count:
            fields_count[question.item_of_id] += 1

    if not questions:
        problems.append(Problem(_("Questionnaire"), _("The questionnaire has no question.")))
    for section_texts in texts.sections:
        if not any(question.section_id == section_texts.section.pk for question in questions):
            problems.append(
                Problem(
                    _("Section %(number)s") % {"number": section_texts.number},
                    _("This section has no question: add one or remove the section."),
                    section_id=section_texts.section.pk,
                )
            )

    seen_codes: dict[str, str] = {}
    for question in questions:
        where = f"{numbers.get(question.pk, '')} {question.code}".strip()
        parent = by_id.get(question.item_of_id)
        if parent is not None:  # an item field: named after its list, which has the number
            where = f"{numbers.get(parent.pk, '')} {parent.code} › {question.code}".strip()

        def problem(message: str, question=question, where=where) -> None:
            problems.append(Problem(where, message, question.section_id, question.code))

        folded = question.code.casefold()
        if folded in seen_codes:
            problem(
                _("The code “%(code)s” is used twice (also by %(other)s).")
                % {"code": question.code, "other": seen_codes[folded]}
            )
        seen_codes.setdefault(folded, where)
        if question.code == VERSION_FIELD:
            problem(_("“%(code)s” is reserved: choose another code.") % {"code": question.code})

        compiled = item_fields[question.pk][1] if question.pk in item_fields else schema.question(question.code)
        choices = compiled.choices if compiled else ()
        if question.is_choice:
            if not choices:
                problem(_("A choice question needs choices: add some or pick a shared list."))
            choice_codes = [choice.code.casefold() for choice in choices]
            for code in sorted({code for code in choice_codes if choice_codes.count(code) > 1}):
                problem(_("The choice code “%(code)s” is used twice.") % {"code": code})
            if question.max_choices is not None and question.type == Question.Type.MULTIPLE_CHOICE:
                if question.max_choices < 1:
                    problem(_("Max choices must be at least 1."))
                elif choices and question.max_choices > len(choices):
                    problem(
                        _("Max choices (%(max)d) is above the number of choices (%(count)d).")
                        % {"max": question.max_choices, "count": len(choices)}
                    )
        _list_problems(question, parent, fields_count[question.pk], problem)
        if parent is not None and (question.show_if_question_id or question.show_if_values):
            problem(_("An item field cannot have a display condition."))
        elif parent is None:
            problems.extend(_condition_problems(question, where, order, schema))

    for row in texts.rows:
        missing = [language for language in languages if row.is_missing(language)]
        if missing:
            names = ", ".join(_language_name(language) for language in missing)
            code = row.obj.code if isinstance(row.obj, Question) else ""
            problems.append(
                Problem(
                    row.where,
                    _("%(text)s missing in %(languages)s.") % {"text": row.kind, "languages": names},
                    row.section_id,
                    code,
                    is_text=True,
                )
            )
    return problems


def _list_problems(question: Question, parent: Question | None, fields: int, problem) -> None:
    """A list of items needs item fields and bounds in order; an item field is not a list, and only an
    item field has a practice role. Each problem goes to `problem`."""
    if question.type == Question.Type.LIST_OF_ITEMS:
        if parent is not None:
            problem(_("An item field cannot be a list of items (lists are one level)."))
        elif not fields:
            problem(_("A list of items needs item fields: add at least one."))
        if (
            question.min_items is not None
            and question.max_items is not None
            and question.min_items > question.max_items
        ):
            problem(
                _("At least %(min)d items is more than at most %(max)d.")
                % {"min": question.min_items, "max": question.max_items}
            )
    elif parent is None and fields:
        problem(_("Only a list of items has item fields: change its type back or remove them."))
    if question.practice_role and parent is None:
        problem(_("Only an item field of a list has a practice role."))


def _condition_problems(question: Question, where: str, order: dict[int, int], schema) -> list[Problem]:
    """A condition must point at an earlier choice question of the same version, with some of its codes."""
    condition = question.show_if_question
    values = list(question.show_if_values or [])

    def problem(message: str) -> Problem:
        return Problem(where, message, question.section_id, question.code)

    if condition is None:
        return [problem(_("The display condition has values but no question."))] if values else []
    if condition.pk == question.pk:
        return [problem(_("The display condition is on the question itself."))]
    if condition.questionnaire_id != question.questionnaire_id or condition.pk not in order:
        return [problem(_("The display condition is on a question missing from this version."))]
    if order[condition.pk] > order[question.pk]:
        return [
            problem(
                _("The display condition is on a later question (%(code)s): it must come before.")
                % {"code": condition.code}
            )
        ]
    compiled = schema.question(condition.code)
    if compiled is None or not compiled.is_choice:
        return [problem(_("The display condition must be on a choice question."))]
    if not values:
        return [problem(_("The display condition names no choice."))]
    unknown = [value for value in values if value not in compiled.choice_codes]
    if unknown:
        return [
            problem(
                _("The display condition names choices that “%(code)s” does not have: %(values)s.")
                % {"code": condition.code, "values": ", ".join(unknown)}
            )
        ]
    return []


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))
