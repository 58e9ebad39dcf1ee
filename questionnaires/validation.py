"""The one validation path for a set of answers, whatever door they came in by (form, import, admin).

`answers` maps question codes to raw values: a string for text, number, date and single-choice
questions, a list of choice codes for multiple choice, and for a list of items a list of
{item field code: raw value} dicts. Empty strings and empty lists mean "not answered"; an item whose
fields are all empty is no item. The errors of an item's field are keyed by its form field name
(`schema.item_field_name`: "practices-2-title", the item's position as given); the limits on the
number of items by the list's code. A draft (`final=False`) is checked for types, choices, maximum lengths and counts,
and display conditions; a submission (`final=True`) is also checked for required answers.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Question, Questionnaire
from .schema import QuestionnaireSchema, QuestionSchema, is_empty, item_field_name, questionnaire_schema

INTEGER_PATTERN = re.compile(r"^[+-]?\d{1,18}$")
MAX_DECIMAL_DIGITS = 18


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


def answers_validate(
    *,
    questionnaire: Questionnaire,
    answers: dict[str, object],
    final: bool,
    schema: QuestionnaireSchema | None = None,
) -> ValidationResult:
    """Check every answer; return cleaned Python values and the errors per question code."""
    schema = schema if schema is not None else questionnaire_schema(questionnaire)
    questions = schema.questions
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, object] = {}

    for code in answers:
        if code not in questions:
            errors.setdefault(code, []).append(_("Unknown question “%(code)s”.") % {"code": code})

    for code, question in questions.items():
        raw = answers.get(code)
        if is_empty(raw):
            continue
        if question.is_list:
            items = _clean_items(question, raw, final=final, errors=errors)
            if items:
                cleaned[code] = items
            continue
        try:
            cleaned[code] = _clean_value(question, raw)
        except ValidationError as error:
            errors.setdefault(code, []).extend(error.messages)

    for code, question in questions.items():
        shown = schema.is_shown(question, cleaned)
        if not shown and code in cleaned:
            condition = questions.get(question.show_if or "")
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


def _clean_items(
    question: QuestionSchema, raw: object, *, final: bool, errors: dict[str, list[str]]
) -> list[dict[str, object]]:
    """The items of a list, each field cleaned like an answer; empty items are dropped. Errors go to
    `errors` (per item field, and the limits on the number of items under the list's code)."""
    code = question.code
    if not isinstance(raw, list | tuple) or not all(isinstance(item, dict) for item in raw):
        errors.setdefault(code, []).append(_("Give the items as a list."))
        return []
    items: list[dict[str, object]] = []
    for position, item in enumerate(raw, start=1):
        if is_empty(item):
            continue
        unknown = sorted(str(field_code) for field_code in item if question.item_field(str(field_code)) is None)
        if unknown:
            errors.setdefault(code, []).append(
                _("Item %(number)d: unknown field “%(code)s”.") % {"number": position, "code": ", ".join(unknown)}
            )
        cleaned_item: dict[str, object] = {}
        for field in question.items:
            key = item_field_name(code, position, field.code)
            value = item.get(field.code)
            if is_empty(value):
                if final and field.required:
                    errors.setdefault(key, []).append(_("This field is required."))
                continue
            try:
                cleaned_item[field.code] = _clean_value(field, value)
            except ValidationError as error:
                errors.setdefault(key, []).extend(error.messages)
        items.append(cleaned_item)
    limit = question.effective_max_items
    if len(items) > limit:
        errors.setdefault(code, []).append(
            ngettext(
                "Give at most %(max)d item (you gave %(count)d).",
                "Give at most %(max)d items (you gave %(count)d).",
                limit,
            )
            % {"max": limit, "count": len(items)}
        )
    minimum = question.min_items or 0
    if final and items and len(items) < minimum:
        errors.setdefault(code, []).append(
            ngettext(
                "Give at least %(min)d item (you gave %(count)d).",
                "Give at least %(min)d items (you gave %(count)d).",
                minimum,
            )
            % {"min": minimum, "count": len(items)}
        )
    return items


def _clean_value(question: QuestionSchema, raw: object) -> object:
    kind = question.type
    if kind == Question.Type.MULTIPLE_CHOICE:
        return _clean_multiple(question, raw)
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
        if code not in question.choice_codes:
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


def _clean_text(question: QuestionSchema, raw: str) -> str:
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


def _clean_multiple(question: QuestionSchema, raw: object) -> list[str]:
    items = raw.split() if isinstance(raw, str) else list(raw)  # type: ignore[call-overload]
    codes = []
    for item in items:
        code = str(item).strip()
        if code and code not in codes:
            codes.append(code)
    unknown = [code for code in codes if code not in question.choice_codes]
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
    order = {code: index for index, code in enumerate(question.choice_codes)}
    return sorted(codes, key=order.__getitem__)
