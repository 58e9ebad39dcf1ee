"""Question numbers as people quote them in a comment or an e-mail: "Q3.1" is the first question of
the third section. Derived from the questionnaire's order, never stored: a published questionnaire
is frozen, so its numbers never change."""

from __future__ import annotations

from .schema import QuestionnaireSchema


def question_numbers(schema: QuestionnaireSchema) -> dict[str, str]:
    """{question code: "Q<section>.<question>"} in the schema's order of sections and questions."""
    return {
        question.code: f"Q{section_number}.{position}"
        for section_number, section in enumerate(schema.sections, start=1)
        for position, question in enumerate(section.questions, start=1)
    }
