"""What an export contains (reads only): the questions of the compiled schema, the responses and their answers
streamed in a fixed number of queries, and the rows of the wide, long and codebook tables.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import override

from ..models import (
    LANGUAGE_CODES,
    Answer,
    AnswerChoice,
    Campaign,
    Question,
    Questionnaire,
    Response,
)
from ..numbering import question_numbers
from ..schema import (
    ChoiceSchema,
    QuestionnaireSchema,
    QuestionSchema,
    SectionSchema,
    questionnaire_schema,
)
from .cells import csv_safe

WIDE_FIXED_COLUMNS = ("iscm", "iscm_name", "region", "type", "status", "submitted_at")


LONG_COLUMNS = ("iscm", "status", "question", "choice", "value")


CODEBOOK_COLUMNS = (
    "column",
    "question",
    "choice",
    "type",
    "required",
    "max_choices",
    "max_length",
    "show_if",
    "section",
    "label",
    "description",
    "number",  # Q3.1: as the form, the review page and the print view number the question
)


ITEMS_FIXED_COLUMNS = ("iscm", "status", "list", "item")


FORMATS = ("wide", "long", "items")


LABEL_JOINER = "; "


CHUNK_SIZE = 2000


# --- what an export needs of the questionnaire: two queries ---------------------------------------


def export_questions(questionnaire: Questionnaire) -> list[QuestionSchema]:
    """The questions in questionnaire order with their choices in choice order (the schema)."""
    return list(questionnaire_schema(questionnaire).questions.values())


def wide_columns(question: QuestionSchema) -> list[str]:
    """A multiple choice has its codes column, then one 0/1 column per choice; a list of items has
    none (its items are the `items` file's rows)."""
    if question.is_list:
        return []
    if question.is_multiple:
        return [question.code, *(f"{question.code}/{choice.code}" for choice in question.choices)]
    return [question.code]


# --- responses, answers and choices, merged as the cursors move --------------------------------


@dataclass
class ExportResponse:
    """One response with its answers: scalars by question id, ticked choice ids by question id."""

    id: int
    iscm: str
    iscm_name: str
    region: str
    iscm_type: str
    status: str
    submitted_at: datetime.datetime | None
    scalars: dict[int, object] = field(default_factory=dict)
    choices: dict[int, set[int]] = field(default_factory=dict)


RESPONSE_FIELDS = (
    "id",
    "iscm__acronym",
    "iscm__name",
    "iscm__region",
    "iscm__type",
    "status",
    "submitted_at",
)


def responses_for_export(*, campaign: Campaign, statuses: Iterable[str] | None = None) -> QuerySet[Response]:
    """The campaign's responses with the chosen statuses (default: responded, i.e. no drafts)."""
    statuses = list(statuses) if statuses else list(Response.RESPONDED)
    return Response.objects.filter(campaign=campaign, status__in=statuses)


def response_status_counts(*, campaign: Campaign) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in the model's order (one GROUP BY query)."""
    counts = dict(
        Response.objects.filter(campaign=campaign).order_by().values_list("status").annotate(count=Count("id"))
    )
    return [(value, label, counts.get(value, 0)) for value, label in Response.Status.choices]


def _merge(responses: list[tuple], answers: Iterator[tuple], choices: Iterator[tuple]) -> Iterator[ExportResponse]:
    """Walk the three ordered streams together and yield each response complete.

    The answer streams are ordered like `responses` (ISCM acronym, response id). A row whose response is
    not in the list (a response created after the list was read) or already written is skipped, so a
    concurrent submission can never shift answers onto another ISCM's row.
    """
    position = {row[0]: index for index, row in enumerate(responses)}
    answer = next(answers, None)
    ticked = next(choices, None)
    for index, row in enumerate(responses):
        item = ExportResponse(*row)
        response_id = row[0]
        scalars, selected = item.scalars, item.choices
        while answer is not None:
            if answer[0] == response_id:
                scalars[answer[1]] = answer[2:]
            elif position.get(answer[0], -1) > index:
                break  # the next response's first answer
            answer = next(answers, None)
        while ticked is not None:
            if ticked[0] == response_id:
                selected.setdefault(ticked[1], set()).add(ticked[2])
            elif position.get(ticked[0], -1) > index:
                break
            ticked = next(choices, None)
        yield item


def export_responses_stream(responses: QuerySet[Response]) -> Iterator[ExportResponse]:
    """Three queries whatever the size: the responses (small tuples), then two streamed cursors."""
    rows = list(responses.order_by("iscm__acronym", "id").values_list(*RESPONSE_FIELDS))
    if not rows:
        return iter(())
    ids = responses.values("id")
    answers = (
        Answer.objects.filter(response__in=ids)
        .order_by("response__iscm__acronym", "response_id")
        .values_list("response_id", "question_id", "text", "number", "date")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    choices = (
        AnswerChoice.objects.filter(response__in=ids)
        .order_by("response__iscm__acronym", "response_id")
        .values_list("response_id", "question_id", "choice_id")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    return _merge(rows, answers, choices)


def _scalar_text(question: QuestionSchema, value: tuple) -> str:
    if question.type in Question.NUMBER_TYPES or question.type == Question.Type.DATE:
        plain = question.scalar_from_row(*value)
        return "" if plain is None else str(plain)
    return csv_safe(value[0])


def _timestamp(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat()


def _choice_text(choice: ChoiceSchema, labels: str | None) -> str:
    return choice.label_in(labels) if labels else choice.code


def wide_header(questions: list[QuestionSchema]) -> list[str]:
    return [*WIDE_FIXED_COLUMNS, *(column for question in questions for column in wide_columns(question))]


def wide_rows(
    questions: list[QuestionSchema], responses: Iterable[ExportResponse], *, labels: str | None = None
) -> Iterator[list[str]]:
    yield wide_header(questions)
    joiner = LABEL_JOINER if labels else " "
    # What each question needs, worked out once rather than once per response (this loop is the hot one).
    plan = [
        (
            question,
            question.is_choice,
            question.is_multiple,
            [(choice.id, _choice_text(choice, labels)) for choice in question.choices],
            [""] * len(question.choices),
        )
        for question in questions
        if not question.is_list  # no column: its items are the `items` file's rows
    ]
    empty: set[int] = set()
    for item in responses:
        row = [
            csv_safe(item.iscm),
            csv_safe(item.iscm_name),
            csv_safe(item.region),
            item.iscm_type,
            item.status,
            _timestamp(item.submitted_at),
        ]
        scalars, choices = item.scalars, item.choices
        for question, is_choice, is_multiple, options, blanks in plan:
            if is_choice:
                ticked = choices.get(question.id, empty)
                if not ticked:
                    row.append("")
                    if is_multiple:
                        row.extend(blanks)
                    continue
                row.append(csv_safe(joiner.join(text for choice_id, text in options if choice_id in ticked)))
                if is_multiple:
                    row.extend(["1" if choice_id in ticked else "0" for choice_id, _text in options])
            else:
                value = scalars.get(question.id)
                row.append("" if value is None else _scalar_text(question, value))
        yield row


def long_rows(
    questions: list[QuestionSchema], responses: Iterable[ExportResponse], *, labels: str | None = None
) -> Iterator[list[str]]:
    yield list(LONG_COLUMNS)
    for item in responses:
        iscm = csv_safe(item.iscm)
        for question in questions:
            if question.is_choice:
                ticked = item.choices.get(question.id, set())
                for choice in question.choices:
                    if choice.id in ticked:
                        yield [iscm, item.status, question.code, choice.code, csv_safe(_choice_text(choice, labels))]
            else:
                value = item.scalars.get(question.id)
                if value is not None:
                    yield [iscm, item.status, question.code, "", _scalar_text(question, value)]


def export_items_stream(responses: QuerySet[Response]) -> Iterator[ExportResponse]:
    """`export_responses_stream` for the rows of list items: keys are (item field id, item number)."""
    rows = list(responses.order_by("iscm__acronym", "id").values_list(*RESPONSE_FIELDS))
    if not rows:
        return iter(())
    ids = responses.values("id")
    order = ("response__iscm__acronym", "response_id", "item")
    answers = (
        (response_id, (question_id, item), text, number, date)
        for response_id, question_id, item, text, number, date in Answer.objects.filter(
            response__in=ids, item__isnull=False
        )
        .order_by(*order)
        .values_list("response_id", "question_id", "item", "text", "number", "date")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    choices = (
        (response_id, (question_id, item), choice_id)
        for response_id, question_id, item, choice_id in AnswerChoice.objects.filter(
            response__in=ids, item__isnull=False
        )
        .order_by(*order)
        .values_list("response_id", "question_id", "item", "choice_id")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    return _merge(rows, answers, choices)


def items_header(schema: QuestionnaireSchema) -> list[str]:
    return [*ITEMS_FIXED_COLUMNS, *(field.code for question in schema.list_questions() for field in question.items)]


def items_rows(
    schema: QuestionnaireSchema, responses: Iterable[ExportResponse], *, labels: str | None = None
) -> Iterator[list[str]]:
    """The long table of list items: one row per (ISCM, list, item), a column per item field (empty
    where the field belongs to another list or was not answered)."""
    header = items_header(schema)
    yield header
    lists = schema.list_questions()
    joiner = LABEL_JOINER if labels else " "
    field_ids = {question.code: {item_field.id for item_field in question.items} for question in lists}
    for response in responses:
        for question in lists:
            keys = (*response.scalars, *response.choices)
            for number in sorted({key[1] for key in keys if key[0] in field_ids[question.code]}):
                cells = {}
                for item_field in question.items:
                    key = (item_field.id, number)
                    if item_field.is_choice:
                        ticked = response.choices.get(key, set())
                        texts = [_choice_text(choice, labels) for choice in item_field.choices if choice.id in ticked]
                        cells[item_field.code] = csv_safe(joiner.join(texts))
                    elif key in response.scalars:
                        cells[item_field.code] = _scalar_text(item_field, response.scalars[key])
                row = [csv_safe(response.iscm), response.status, question.code, str(number)]
                yield row + [cells.get(column, "") for column in header[len(ITEMS_FIXED_COLUMNS) :]]


def codebook_rows(schema: QuestionnaireSchema, *, language: str = "en") -> Iterator[list[str]]:
    """Every column of the wide file, then the choices: enough to read an export without the app."""
    yield list(CODEBOOK_COLUMNS)
    with override(language):
        fixed = {
            "iscm": ("code", _("Acronym of the ISCM (the key used on import).")),
            "iscm_name": ("text", _("Name of the ISCM (ignored on import).")),
            "region": ("text", _("Region of the ISCM (ignored on import).")),
            "type": ("code", _("Type of ISCM: RCP, IRF or GLOBAL (ignored on import).")),
            "status": ("code", _("Status of the response: draft, submitted, returned or validated.")),
            "submitted_at": ("datetime", _("When the response was submitted, ISO 8601 in UTC.")),
        }
        yes, no = "yes", "no"
        for column, (kind, label) in fixed.items():
            yield [column, "", "", kind, "", "", "", "", "", csv_safe(label), "", ""]
        numbers = question_numbers(schema)
        for section in schema.sections:
            yield from _codebook_question_rows(section, yes, no, language, numbers)


def _codebook_question_rows(
    section: SectionSchema, yes: str, no: str, language: str, numbers: dict[str, str]
) -> Iterator[list[str]]:
    for question in section.questions:
        condition = ""
        if question.show_if:
            condition = f"{question.show_if}: {' '.join(question.show_if_values)}"
        help_text = question.help
        if question.is_list:
            # Its items are rows of the items file (`list` = this code), its fields the columns below.
            help_text = " ".join(
                part
                for part in (
                    help_text,
                    _("Items file: between %(min)d and %(max)d items.")
                    % {"min": question.min_items or 0, "max": question.effective_max_items},
                )
                if part
            )
        yield [
            question.code,
            question.code,
            "",
            question.type,
            yes if question.required else no,
            "" if question.max_choices is None else str(question.max_choices),
            "" if question.effective_max_length is None else str(question.effective_max_length),
            condition,
            csv_safe(section.title),
            csv_safe(question.label),
            csv_safe(help_text),
            numbers[question.code],
        ]
        yield from _codebook_choice_rows(question, language, numbers[question.code], indicators=question.is_multiple)
        for item_field in question.items:
            yield [
                item_field.code,
                question.code,
                "",
                item_field.type,
                yes if item_field.required else no,
                "" if item_field.max_choices is None else str(item_field.max_choices),
                "" if item_field.effective_max_length is None else str(item_field.effective_max_length),
                "",
                csv_safe(section.title),
                csv_safe(f"{question.label} — {item_field.label}"),
                csv_safe(item_field.help),
                numbers[question.code],
            ]
            yield from _codebook_choice_rows(item_field, language, numbers[question.code], indicators=False)


def _codebook_choice_rows(
    question: QuestionSchema, language: str, number: str, *, indicators: bool
) -> Iterator[list[str]]:
    """`indicators`: the wide file has a 0/1 column per choice (a multiple choice; not an item field)."""
    for choice in question.choices:
        column = f"{question.code}/{choice.code}" if indicators else question.code
        yield [
            column,
            question.code,
            choice.code,
            "choice",
            "",
            "",
            "",
            "",
            "",
            csv_safe(choice.label_in(language)),
            csv_safe(choice.description_in(language)),
            number,
        ]


def labels_language(labels: str | None) -> str | None:
    if not labels:
        return None
    language = labels[:2].lower()
    if language not in LANGUAGE_CODES:
        raise ValueError(f"unknown language {labels!r}; expected one of {', '.join(LANGUAGE_CODES)}")
    return language
