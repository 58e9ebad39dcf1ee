"""The compiled schema of one questionnaire version: every rule about its shape lives here.

A `QuestionnaireSchema` is immutable (frozen dataclasses, tuples, read-only mappings): sections,
questions in order, choices resolved from the question's own list or a shared list, texts in every
language (read in the active language, English as the fallback), display conditions, limits and the
presentation hints. It owns:

- whether a question is shown for given answers, and whether an answer is empty;
- the codec between cleaned values, `Answer`/`AnswerChoice` rows and plain values (text or codes);
- lists of items (a repeat group, type `list_of_items`): the list question carries its item fields
  (`QuestionSchema.items`, not in `QuestionnaireSchema.questions`), its value is a list of
  {item field code: value} dicts, stored as one row per answered item field and item number
  (`Answer.item`, `AnswerChoice.item`: 1, 2, ...);
- the ONE rule for displaying a choice and an answer: "8. Decent work…" where the list is numbered
  (a reference list whose codes are numbers: SDGs, GCM objectives), the label alone otherwise (text
  codes, a question's own choices).

Validation, the form, the review and print pages, the tracker, the admin, CSV export and import, the
codebook and the analytics read it; none of them resolves choices or labels on its own.

Published questionnaires are frozen (structure and English texts), so their schema is built once per
process (two queries) and kept in a small LRU. Translations may still change on a published
questionnaire (`save(update_fields=[...])`): any save or delete of a questionnaire model empties the
cache of this process, and entries expire after SCHEMA_CACHE_SECONDS so that the other processes
(gunicorn workers) catch up too.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import (
    LANGUAGE_CODES,
    Choice,
    ChoiceList,
    Question,
    Questionnaire,
    Section,
)

Texts = Mapping[str, str]

# A list of items without its own maximum still has one: the form, the rows and the exports stay bounded.
ITEMS_LIMIT = 50


def item_field_name(code: str, number: int, field_code: str) -> str:
    """The name of item `number`'s field in the form, and the key of its errors: "practices-2-title"."""
    return f"{code}-{number}-{field_code}"


def _texts(row: object, field: str) -> Texts:
    return MappingProxyType({code: getattr(row, f"{field}_{code}") or "" for code in LANGUAGE_CODES})


def text_in(texts: Texts, language: str | None = None) -> str:
    """The text in `language` (default: the active one), falling back to English when it is empty."""
    language = (language or get_language() or "en")[:2]
    return texts.get(language) or texts.get("en", "")


def is_empty(value: object) -> bool:
    """Not answered: None, a blank text, a list of blanks, or an item whose fields are all blank."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, Mapping):
        return all(is_empty(item) for item in value.values())
    if isinstance(value, list | tuple | set):
        return all(is_empty(item) for item in value)
    return False


@dataclass(frozen=True)
class ChoiceSchema:
    id: int
    code: str
    position: int
    labels: Texts
    descriptions: Texts
    numbered: bool  # it belongs to a numbered reference list (every code a number: SDGs, GCM objectives)
    report_phrases: Texts  # hint: what the report says of those who chose it ("plan to engage in …")

    @property
    def label(self) -> str:
        return text_in(self.labels)

    @property
    def description(self) -> str:
        return text_in(self.descriptions)

    def label_in(self, language: str | None) -> str:
        return text_in(self.labels, language)

    @property
    def report_phrase(self) -> str:
        return text_in(self.report_phrases)

    def description_in(self, language: str | None) -> str:
        return text_in(self.descriptions, language)

    @property
    def display(self) -> str:
        """How pages name the choice: "8. Decent work…" in a numbered list, the label otherwise."""
        return f"{self.code}. {self.label}" if self.numbered else self.label


@dataclass(frozen=True)
class PresentationHints:
    """How dashboards and the report present a choice question (see `hints_for`)."""

    chart: str  # "bars", "donut" or "none"
    denominator: str  # "respondents" (share of the respondents) or "selections" (share of the selections)
    top: int  # how many leading choices the report names
    titles: Texts  # chart and report title per language; empty: the question's label
    positive: tuple[str, ...]  # single choice: codes the report counts as a positive answer
    negative: tuple[str, ...]  # single choice: codes the report counts as a negative answer
    coverage: bool  # the report says how many of the shared list's choices were cited
    summaries: Texts  # the report summary's sentence on the leading choices ("{choices}"); empty: none
    explicit: bool  # given in the definition, not defaulted from the question type

    def title_in(self, language: str | None = None) -> str:
        return text_in(self.titles, language)

    def summary_in(self, language: str | None = None) -> str:
        return text_in(self.summaries, language)


@dataclass(frozen=True)
class QuestionSchema:
    id: int
    code: str
    type: str
    position: int
    section_id: int
    section_titles: Texts
    required: bool
    max_choices: int | None
    max_length: int | None
    choice_list: str  # code of the shared list ("sdg", "gcm"), "" for the question's own choices
    show_if: str | None  # code of the condition question
    show_if_values: tuple[str, ...]
    labels: Texts
    helps: Texts
    choices: tuple[ChoiceSchema, ...]
    hints: PresentationHints
    items: tuple[QuestionSchema, ...] = ()  # a list of items: its item fields, in order
    min_items: int | None = None
    max_items: int | None = None
    practice_role: str = ""  # an item field of a list of practices: what it fills in a practice record

    @property
    def label(self) -> str:
        return text_in(self.labels)

    @property
    def help(self) -> str:
        return text_in(self.helps)

    @property
    def is_list(self) -> bool:
        return self.type == Question.Type.LIST_OF_ITEMS

    @property
    def effective_max_items(self) -> int:
        return min(self.max_items or ITEMS_LIMIT, ITEMS_LIMIT)

    def item_field(self, code: str) -> QuestionSchema | None:
        for field in self.items:
            if field.code == code:
                return field
        return None

    @property
    def section_title(self) -> str:
        return text_in(self.section_titles)

    def label_in(self, language: str | None) -> str:
        return text_in(self.labels, language)

    @property
    def is_choice(self) -> bool:
        return self.type in Question.CHOICE_TYPES

    @property
    def is_multiple(self) -> bool:
        return self.type == Question.Type.MULTIPLE_CHOICE

    @property
    def is_text(self) -> bool:
        return self.type in Question.TEXT_TYPES

    @property
    def numbered(self) -> bool:
        return bool(self.choices) and self.choices[0].numbered

    @property
    def effective_max_length(self) -> int | None:
        return self.max_length or Question.DEFAULT_MAX_LENGTH.get(self.type)

    @cached_property  # validation asks for it once per code of every answer: an import asks millions of times
    def choice_codes(self) -> tuple[str, ...]:
        return tuple(choice.code for choice in self.choices)

    def choice(self, code: str) -> ChoiceSchema | None:
        for choice in self.choices:
            if choice.code == code:
                return choice
        return None

    def choice_display(self, code: object) -> str:
        """A choice code as pages show it; an unknown code as it is."""
        choice = self.choice(str(code))
        return choice.display if choice else str(code)

    def plain_value(self, value: object) -> object:
        """A cleaned or stored value as plain data (form, history, exports): text, a list of codes, or None."""
        if value is None:
            return None
        if self.is_list:
            return [
                {field.code: field.plain_value(item[field.code]) for field in self.items if field.code in item}
                for item in value  # type: ignore[union-attr]
            ]
        if isinstance(value, list | tuple):
            return list(value)
        if isinstance(value, Decimal):
            if self.type == Question.Type.INTEGER:
                return str(int(value))
            return format(value.normalize(), "f")
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)

    def scalar_from_row(self, text: str, number: Decimal | None, date: datetime.date | None) -> object:
        """The stored column of an `Answer` row that holds this question's value, as plain data."""
        if self.type in Question.NUMBER_TYPES:
            return self.plain_value(number)
        if self.type == Question.Type.DATE:
            return self.plain_value(date)
        return text


@dataclass(frozen=True)
class SectionSchema:
    id: int
    position: int
    titles: Texts
    descriptions: Texts
    questions: tuple[QuestionSchema, ...]

    @property
    def title(self) -> str:
        return text_in(self.titles)

    @property
    def description(self) -> str:
        return text_in(self.descriptions)


@dataclass(frozen=True)
class QuestionnaireSchema:
    questionnaire_id: int
    slug: str
    version: int
    titles: Texts
    sections: tuple[SectionSchema, ...]
    questions: Mapping[str, QuestionSchema]  # by code, in questionnaire order
    annex_titles: Texts  # hint: the title of the report's annex; empty: a generic title

    @property
    def title(self) -> str:
        return text_in(self.titles)

    @property
    def annex_title(self) -> str:
        return text_in(self.annex_titles)

    def question(self, code: str) -> QuestionSchema | None:
        return self.questions.get(code)

    def choice_questions(self) -> list[QuestionSchema]:
        return [question for question in self.questions.values() if question.is_choice]

    def text_questions(self) -> list[QuestionSchema]:
        return [question for question in self.questions.values() if question.is_text]

    def by_id(self) -> dict[int, QuestionSchema]:
        return {question.id: question for question in self.questions.values()}

    def list_questions(self) -> list[QuestionSchema]:
        return [question for question in self.questions.values() if question.is_list]

    def item_fields_by_id(self) -> dict[int, tuple[QuestionSchema, QuestionSchema]]:
        """{item field id: (its list question, the item field)}."""
        return {field.id: (question, field) for question in self.list_questions() for field in question.items}

    def row_question_ids(self, code: str) -> list[int]:
        """The question ids of the rows that store the answer to `code` (a list: its item fields')."""
        question = self.questions[code]
        return [field.id for field in question.items] if question.is_list else [question.id]

    # --- display conditions and progress ---

    def is_shown(self, question: QuestionSchema, answers: Mapping[str, object]) -> bool:
        """Shown when the condition question's answer includes one of the values; an invalid or
        missing answer to the condition question hides the dependent question."""
        if question.show_if is None:
            return True
        selected = answers.get(question.show_if)
        selected = selected if isinstance(selected, list) else [selected]
        return any(code in question.show_if_values for code in selected)

    def progress(self, answers: Mapping[str, object], *, required_only: bool = True) -> tuple[int, int]:
        """(questions answered, questions shown) for progress bars: the required ones, or all of them."""
        answered = total = 0
        for code, question in self.questions.items():
            if (required_only and not question.required) or not self.is_shown(question, answers):
                continue
            total += 1
            answered += not is_empty(answers.get(code))
        return answered, total

    # --- the one display rule for answers ---

    def answer_display(self, code: str, value: object) -> str | list[str]:
        """An answer as pages show it: the text, a single choice's display, or the list of a multiple
        choice's displays; "" or [] when not answered."""
        question = self.questions.get(code)
        if question is not None and question.is_list:
            return [
                "; ".join(f"{row['label']}: {row['text']}" for row in item["fields"])
                for item in self.items_display(code, value)
            ]
        if question is None or not question.is_choice:
            return "" if is_empty(value) else str(value)
        codes = value if isinstance(value, list) else ([] if is_empty(value) else [value])
        shown = [question.choice_display(item) for item in codes]
        if question.type == Question.Type.SINGLE_CHOICE:
            return shown[0] if shown else ""
        return shown

    def items_display(self, code: str, value: object) -> list[dict[str, object]]:
        """A list of items as pages show it: [{number, fields: [{code, label, text, choices}]}], only the
        answered fields of each item; a choice field gives `choices` (displays) and `text` (joined)."""
        question = self.questions[code]
        shown = []
        for number, item in enumerate(value if isinstance(value, list) else [], start=1):
            fields = []
            for field in question.items:
                field_value = item.get(field.code) if isinstance(item, Mapping) else None
                if is_empty(field_value):
                    continue
                if field.is_choice:
                    codes = field_value if isinstance(field_value, list) else [field_value]
                    choices = [field.choice_display(choice) for choice in codes]
                    text = ", ".join(choices)
                else:
                    choices, text = [], field.plain_value(field_value)
                fields.append({"code": field.code, "label": field.label, "text": text, "choices": choices})
            shown.append({"number": number, "fields": fields})
        return shown

    def error_label(self, key: str) -> str:
        """What an error key of `answers_validate` names: a question's label, or "label, item n: field"
        for an item field's key (`item_field_name`); the key itself when it names nothing."""
        question = self.questions.get(key)
        if question is not None:
            return question.label
        for question in self.list_questions():
            for field in question.items:
                prefix, suffix = f"{question.code}-", f"-{field.code}"
                number = key[len(prefix) : -len(suffix)] if key.startswith(prefix) and key.endswith(suffix) else ""
                if number.isdigit():
                    return _("%(question)s, item %(number)d: %(field)s") % {
                        "question": question.label,
                        "number": int(number),
                        "field": field.label,
                    }
        return key

    def answer_text(self, code: str, value: object, *, limit: int = 200) -> str:
        """One answer as a short text for messages (conflicts)."""
        if is_empty(value):
            return _("(no answer)")
        shown = self.answer_display(code, value)
        text = ", ".join(shown) if isinstance(shown, list) else shown
        return text if len(text) <= limit else text[: limit - 1] + "…"

    # --- codec: rows ↔ values ---

    def values_from_rows(
        self, answer_rows: Iterable[dict[str, object]], choice_rows: Iterable[tuple[int, int]]
    ) -> dict[str, object]:
        """Stored rows of one response → {question code: plain value}. `answer_rows` are
        `Answer.values("question_id", "text", "number", "date", "item")`, `choice_rows` (question_id,
        choice_id, item); multiple choices come back in the questionnaire's order, the items of a list in
        their numbers' order."""
        by_id = self.by_id()
        item_fields = self.item_fields_by_id()
        values: dict[str, object] = {}
        items: dict[str, dict[int, dict[str, object]]] = {}
        for row in answer_rows:
            question_id = row["question_id"]
            if row.get("item") is not None and question_id in item_fields:
                parent, field = item_fields[question_id]  # type: ignore[index]
                item = items.setdefault(parent.code, {}).setdefault(row["item"], {})  # type: ignore[arg-type]
                item[field.code] = field.scalar_from_row(row["text"], row["number"], row["date"])  # type: ignore[arg-type]
                continue
            question = by_id.get(question_id)  # type: ignore[arg-type]
            if question is not None:
                values[question.code] = question.scalar_from_row(row["text"], row["number"], row["date"])  # type: ignore[arg-type]
        ticked: dict[tuple[int, int | None], set[int]] = {}
        for question_id, choice_id, *item_number in choice_rows:
            ticked.setdefault((question_id, item_number[0] if item_number else None), set()).add(choice_id)
        for (question_id, item_number), choice_ids in ticked.items():
            if item_number is not None and question_id in item_fields:
                parent, question = item_fields[question_id]
                target = items.setdefault(parent.code, {}).setdefault(item_number, {})
            else:
                question = by_id.get(question_id)
                target = values
            if question is None:
                continue
            codes = [choice.code for choice in question.choices if choice.id in choice_ids]
            if question.type == Question.Type.SINGLE_CHOICE:
                target[question.code] = codes[0] if codes else None
            else:
                target[question.code] = codes
        for code, numbered in items.items():
            question = self.questions[code]
            # Fields in the questionnaire's order, so that a value read back equals the one written.
            values[code] = [
                {field.code: numbered[number][field.code] for field in question.items if field.code in numbered[number]}
                for number in sorted(numbered)
            ]
        return values

    def rows_for(
        self, response_id: int, cleaned: Mapping[str, object], codes: Iterable[str]
    ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        """The rows that store the cleaned answers of the questions `codes` (unanswered: no row): the field
        values of `Answer` and `AnswerChoice` rows, as dicts (an import builds hundreds of thousands of
        them: model instances cost more to make than the rows cost to insert)."""
        scalars: list[dict[str, object]] = []
        ticked: list[dict[str, object]] = []
        for code in codes:
            question = self.questions[code]
            value = cleaned.get(code)
            if value is None:
                continue
            if question.is_list:
                for number, item in enumerate(value, start=1):  # type: ignore[arg-type]
                    for field in question.items:
                        if item.get(field.code) is not None:
                            _value_rows(field, response_id, item[field.code], number, scalars, ticked)
            else:
                _value_rows(question, response_id, value, None, scalars, ticked)
        return scalars, ticked


def _value_rows(
    question: QuestionSchema,
    response_id: int,
    value: object,
    item: int | None,
    scalars: list[dict[str, object]],
    ticked: list[dict[str, object]],
) -> None:
    """Append the rows storing one cleaned value (`item`: its item number in a list, else None)."""
    keys = {"response_id": response_id, "question_id": question.id, "item": item}
    if question.is_choice:
        for position, choice_code in enumerate(value if isinstance(value, list) else [value]):
            choice_id = question.choice(choice_code).id  # type: ignore[union-attr]
            ticked.append({**keys, "choice_id": choice_id, "is_first": position == 0})
    elif question.type in Question.NUMBER_TYPES:
        scalars.append({**keys, "number": value})
    elif question.type == Question.Type.DATE:
        scalars.append({**keys, "date": value})
    else:
        scalars.append({**keys, "text": value})


# --- presentation hints: given in the definition, or defaulted from the question type ---------------

CHART_KINDS = ("bars", "donut", "none")
DENOMINATORS = ("respondents", "selections")
DEFAULT_TOP = 3


def hints_for(question: Question, choice_count: int) -> PresentationHints:
    """The question's hints, each missing one defaulted from its type: a multiple choice is a bar chart
    of % of respondents, a single choice a donut of % of respondents, other questions no chart."""
    if question.type == Question.Type.MULTIPLE_CHOICE:
        chart = "bars"
    elif question.type == Question.Type.SINGLE_CHOICE:
        chart = "donut"
    else:
        chart = "none"
    titles = _texts(question, "chart_title")
    summaries = _texts(question, "report_summary")
    explicit = bool(
        question.chart_kind
        or question.chart_denominator
        or question.report_top
        or question.positive_choices
        or question.negative_choices
        or question.report_coverage
    )
    return PresentationHints(
        chart=question.chart_kind or chart,
        denominator=question.chart_denominator or "respondents",
        top=question.report_top if question.report_top is not None else min(DEFAULT_TOP, choice_count),
        titles=titles,
        positive=tuple(question.positive_choices or ()),
        negative=tuple(question.negative_choices or ()),
        coverage=question.report_coverage,
        summaries=summaries,
        explicit=explicit or any(titles.values()) or any(summaries.values()),
    )


# --- building and caching -------------------------------------------------------------------------

SCHEMA_CACHE_SIZE = 16
SCHEMA_CACHE_SECONDS = 300
_schema_cache: OrderedDict[tuple[int, object], tuple[float, QuestionnaireSchema]] = OrderedDict()
_schema_cache_lock = threading.Lock()


def schema_cache_clear(**kwargs) -> None:
    with _schema_cache_lock:
        _schema_cache.clear()


for _model in (Questionnaire, Section, Question, Choice, ChoiceList):
    post_save.connect(schema_cache_clear, sender=_model, dispatch_uid=f"schema_cache_clear_save_{_model.__name__}")
    post_delete.connect(schema_cache_clear, sender=_model, dispatch_uid=f"schema_cache_clear_delete_{_model.__name__}")


def questionnaire_schema(questionnaire: Questionnaire) -> QuestionnaireSchema:
    """The schema of a questionnaire version; cached per process when published (see SCHEMA_CACHE_SIZE)."""
    if questionnaire.pk is None or questionnaire.status != Questionnaire.Status.PUBLISHED:
        return schema_build(questionnaire)
    key = (questionnaire.pk, questionnaire.published_at)
    now = time.monotonic()
    with _schema_cache_lock:
        entry = _schema_cache.get(key)
        if entry and now - entry[0] < SCHEMA_CACHE_SECONDS:
            _schema_cache.move_to_end(key)
            return entry[1]
    schema = schema_build(questionnaire)
    with _schema_cache_lock:
        _schema_cache[key] = (now, schema)
        _schema_cache.move_to_end(key)
        while len(_schema_cache) > SCHEMA_CACHE_SIZE:
            _schema_cache.popitem(last=False)
    return schema


def schema_build(questionnaire: Questionnaire) -> QuestionnaireSchema:
    """Two queries whatever the size: questions (with sections and lists), then every choice."""
    questions = list(
        Question.objects.filter(questionnaire=questionnaire)
        .select_related("section", "choice_list", "show_if_question")
        .order_by("section__position", "section_id", "position", "id")
    )
    list_ids = {question.choice_list_id for question in questions if question.choice_list_id}
    rows = list(
        Choice.objects.filter(Q(choice_list_id__in=list_ids) | Q(question__questionnaire=questionnaire)).order_by(
            "position", "id"
        )
    )
    by_list: dict[int, list[Choice]] = {}
    by_question: dict[int, list[Choice]] = {}
    for choice in rows:
        if choice.choice_list_id:
            by_list.setdefault(choice.choice_list_id, []).append(choice)
        else:
            by_question.setdefault(choice.question_id, []).append(choice)

    def compiled(choices: list[Choice], *, shared: bool) -> tuple[ChoiceSchema, ...]:
        # A numbered list is a reference list whose codes are its numbers (SDGs, GCM objectives).
        numbered = shared and bool(choices) and all(choice.code.isdigit() for choice in choices)
        return tuple(
            ChoiceSchema(
                id=choice.id,
                code=choice.code,
                position=choice.position,
                labels=_texts(choice, "label"),
                descriptions=_texts(choice, "description"),
                numbered=numbered,
                report_phrases=_texts(choice, "report_phrase"),
            )
            for choice in choices
        )

    lists = {list_id: compiled(choices, shared=True) for list_id, choices in by_list.items()}
    sections: dict[int, tuple[Section, list[QuestionSchema]]] = {}
    by_code: dict[str, QuestionSchema] = {}
    item_fields: dict[int, list[QuestionSchema]] = {}

    def compiled_question(question: Question) -> QuestionSchema:
        choices: tuple[ChoiceSchema, ...] = ()
        if question.is_choice:
            choices = (
                lists.get(question.choice_list_id, ())
                if question.choice_list_id
                else compiled(by_question.get(question.id, []), shared=False)
            )
        return QuestionSchema(
            id=question.id,
            code=question.code,
            type=question.type,
            position=question.position,
            section_id=question.section_id,
            section_titles=_texts(question.section, "title"),
            required=question.required,
            max_choices=question.max_choices,
            max_length=question.max_length,
            choice_list=question.choice_list.code if question.choice_list_id else "",
            show_if=question.show_if_question.code if question.show_if_question_id else None,
            show_if_values=tuple(question.show_if_values or ()),
            labels=_texts(question, "label"),
            helps=_texts(question, "help"),
            choices=choices,
            hints=hints_for(question, len(choices)),
            items=tuple(item_fields.get(question.id, ())),
            min_items=question.min_items,
            max_items=question.max_items,
            practice_role=question.practice_role,
        )

    # Item fields first: a list question is compiled with its item fields (they are not questions of
    # the questionnaire on their own: no section, no number, no column of the wide export).
    for question in questions:
        if question.item_of_id:
            item_fields.setdefault(question.item_of_id, []).append(compiled_question(question))
    for question in questions:
        if question.item_of_id:
            continue
        question_schema = compiled_question(question)
        by_code[question.code] = question_schema
        sections.setdefault(question.section_id, (question.section, []))[1].append(question_schema)
    ordered = sorted(sections.values(), key=lambda item: (item[0].position, item[0].id))
    return QuestionnaireSchema(
        questionnaire_id=questionnaire.pk,
        slug=questionnaire.slug,
        version=questionnaire.version,
        titles=_texts(questionnaire, "title"),
        sections=tuple(
            SectionSchema(
                id=section.id,
                position=section.position,
                titles=_texts(section, "title"),
                descriptions=_texts(section, "description"),
                questions=tuple(items),
            )
            for section, items in ordered
        ),
        questions=MappingProxyType(by_code),
        annex_titles=_texts(questionnaire, "annex_title"),
    )
