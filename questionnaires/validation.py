"""The one validation path for a set of answers, whatever door they came in by (form, import, admin).

`answers` maps question codes to raw values: a string for text, number, date and single-choice
questions, a list of choice codes for multiple choice. Empty strings and empty lists mean
"not answered". A draft (`final=False`) is checked for types, choices, maximum lengths and counts,
and display conditions; a submission (`final=True`) is also checked for required answers.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Choice, Question, Questionnaire

INTEGER_PATTERN = re.compile(r"^[+-]?\d{1,18}$")
MAX_DECIMAL_DIGITS = 18


@dataclass
class QuestionSpec:
    """What validation needs of a question, loaded once per questionnaire."""

    question: Question
    choice_codes: list[str] = field(default_factory=list)


@dataclass
class ValidationResult:
    cleaned: dict[str, object]
    errors: dict[str, list[str]]

    @property
    def is_valid(self) -> bool:
        return not self.errors


class AnswersInvalid(Exception):
    """Raised by services when answers fail validation; `errors` maps question codes to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def questionnaire_specs(questionnaire: Questionnaire) -> dict[str, QuestionSpec]:
    """Questions in questionnaire order with their choice codes: two queries, whatever the size."""
    questions = list(
        Question.objects.filter(questionnaire=questionnaire).select_related("show_if_question", "section")
    )
    specs = {question.code: QuestionSpec(question) for question in questions}
    by_list: dict[int, list[str]] = {}
    by_question: dict[int, list[str]] = {}
    list_ids = {q.choice_list_id for q in questions if q.choice_list_id}
    choices = Choice.objects.filter(choice_list_id__in=list_ids) | Choice.objects.filter(
        question__questionnaire=questionnaire
    )
    for choice in choices.order_by("position", "id").values("choice_list_id", "question_id", "code"):
        if choice["choice_list_id"]:
            by_list.setdefault(choice["choice_list_id"], []).append(choice["code"])
        else:
            by_question.setdefault(choice["question_id"], []).append(choice["code"])
    for spec in specs.values():
        question = spec.question
        if question.is_choice:
            spec.choice_codes = (
                by_list.get(question.choice_list_id, [])
                if question.choice_list_id
                else by_question.get(question.id, [])
            )
    return specs


def is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, list | tuple | set):
        return all(is_empty(item) for item in value)
    return False


def answers_validate(
    *,
    questionnaire: Questionnaire,
    answers: dict[str, object],
    final: bool,
    specs: dict[str, QuestionSpec] | None = None,
) -> ValidationResult:
    """Check every answer; return cleaned Python values and the errors per question code."""
    specs = specs if specs is not None else questionnaire_specs(questionnaire)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, object] = {}

    for code in answers:
        if code not in specs:
            errors.setdefault(code, []).append(_("Unknown question “%(code)s”.") % {"code": code})

    for code, spec in specs.items():
        raw = answers.get(code)
        if is_empty(raw):
            continue
        try:
            cleaned[code] = _clean_value(spec, raw)
        except ValidationError as error:
            errors.setdefault(code, []).extend(error.messages)

    for code, spec in specs.items():
        question = spec.question
        shown = question_is_shown(question, cleaned)
        if not shown and code in cleaned:
            condition = question.show_if_question
            errors.setdefault(code, []).append(
                _(
                    "This question does not apply given your answer to “%(label)s”: clear this answer "
                    "or change that one."
                )
                % {"label": condition.label if condition else ""}
            )
            cleaned.pop(code)
        elif final and shown and question.required and code not in cleaned and code not in errors:
            errors.setdefault(code, []).append(_("This question is required."))

    return ValidationResult(cleaned=cleaned, errors=errors)


def question_is_shown(question: Question, answers: dict[str, object]) -> bool:
    """The display condition: shown when the condition question's answer includes one of the values.

    An invalid or missing answer to the condition question hides the dependent question.
    """
    condition = question.show_if_question
    if condition is None:
        return True
    selected = answers.get(condition.code)
    selected = selected if isinstance(selected, list) else [selected]
    return any(code in question.show_if_values for code in selected)


def progress_from_answers(
    specs: dict[str, QuestionSpec], answers: dict[str, object], *, required_only: bool = True
) -> tuple[int, int]:
    """(questions answered, questions shown) for progress bars: the required ones, or all of them."""
    answered = total = 0
    for code, spec in specs.items():
        question = spec.question
        if (required_only and not question.required) or not question_is_shown(question, answers):
            continue
        total += 1
        answered += not is_empty(answers.get(code))
    return answered, total


def _clean_value(spec: QuestionSpec, raw: object) -> object:
    question = spec.question
    kind = question.type
    if kind == Question.Type.MULTIPLE_CHOICE:
        return _clean_multiple(spec, raw)
    if isinstance(raw, list | tuple):
        values = [item for item in raw if not is_empty(item)]
        if len(values) != 1:
            raise ValidationError(_("Give a single answer."))
        raw = values[0]
    if not isinstance(raw, str):
        raw = str(raw)
    if "\x00" in raw:
        raise ValidationError(_("The answer contains a character that is not allowed (NUL)."))
    if kind == Question.Type.SINGLE_CHOICE:
        code = raw.strip()
        if code not in spec.choice_codes:
            raise ValidationError(_("“%(value)s” is not one of the available choices.") % {"value": code})
        return code
    if kind in Question.TEXT_TYPES:
        return _clean_text(question, raw)
    text = raw.strip()
    if kind == Question.Type.INTEGER:
        if not INTEGER_PATTERN.match(text):
            raise ValidationError(_("Enter a whole number, e.g. 12."))
        return int(text)
    if kind == Question.Type.DECIMAL:
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or len(number.as_tuple().digits) > MAX_DECIMAL_DIGITS:
            raise ValidationError(_("Enter a number, e.g. 12.5."))
        return number
    if kind == Question.Type.DATE:
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD, e.g. 2023-05-31.")) from None
    raise ValidationError(_("Unsupported question type."))


def _clean_text(question: Question, raw: str) -> str:
    # Browsers send CRLF; store LF so exports and length checks see what the user sees.
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if question.type != Question.Type.LONG_TEXT:
        text = text.strip()
    limit = question.effective_max_length
    if limit and len(text) > limit:
        raise ValidationError(
            ngettext(
                "Keep this answer to %(limit)d character (it has %(length)d).",
                "Keep this answer to %(limit)d characters (it has %(length)d).",
                limit,
            )
            % {"limit": limit, "length": len(text)}
        )
    if question.type == Question.Type.EMAIL:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError(_("Enter a valid e-mail address, e.g. name@example.org.")) from None
    return text


def _clean_multiple(spec: QuestionSpec, raw: object) -> list[str]:
    question = spec.question
    items = raw.split() if isinstance(raw, str) else list(raw)  # type: ignore[call-overload]
    codes = []
    for item in items:
        code = str(item).strip()
        if code and code not in codes:
            codes.append(code)
    unknown = [code for code in codes if code not in spec.choice_codes]
    if unknown:
        raise ValidationError(
            ngettext(
                "“%(values)s” is not one of the available choices.",
                "“%(values)s” are not among the available choices.",
                len(unknown),
            )
            % {"values": ", ".join(unknown)}
        )
    if question.max_choices and len(codes) > question.max_choices:
        raise ValidationError(
            ngettext(
                "Choose at most %(max)d option (you chose %(count)d).",
                "Choose at most %(max)d options (you chose %(count)d).",
                question.max_choices,
            )
            % {"max": question.max_choices, "count": len(codes)}
        )
    # Keep the questionnaire's order, whatever order the boxes were ticked or typed in.
    order = {code: index for index, code in enumerate(spec.choice_codes)}
    return sorted(codes, key=order.__getitem__)
