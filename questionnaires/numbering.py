"""Question numbers as people quote them in a comment or an e-mail: "Q3.1" is the first question of
the third section. Derived from the questionnaire's order, never stored: a published questionnaire
is frozen, so its numbers never change."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Question


def question_numbers(questions: Iterable[Question] | dict) -> dict[str, str]:
    """{question code: "Q<section>.<question>"} for questions given in questionnaire order
    (a `questionnaire_specs` dict or an iterable of questions)."""
    if isinstance(questions, dict):
        questions = [getattr(item, "question", item) for item in questions.values()]
    numbers: dict[str, str] = {}
    section_id = None
    section_number = 0
    position = 0
    for question in questions:
        if question.section_id != section_id:
            section_id = question.section_id
            section_number += 1
            position = 0
        position += 1
        numbers[question.code] = f"Q{section_number}.{position}"
    return numbers
