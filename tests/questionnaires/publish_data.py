"""A complete draft questionnaire in four languages, for the publish, translations and preview tests."""

from __future__ import annotations

from questionnaires.models import Choice, Question, Questionnaire
from tests import factories


def four(text: str) -> dict[str, str]:
    return {"en": text, "fr": f"{text} (fr)", "es": f"{text} (es)", "ar": f"{text} (ar) عربي"}


def texts(field: str, text: str) -> dict[str, str]:
    return {f"{field}_{code}": value for code, value in four(text).items()}


def draft_create(slug: str = "contributions-2025") -> Questionnaire:
    """Two sections: `name` (required text), `plan` (single choice yes/no), `formats` (multiple choice,
    at most 2 of 3, shown when plan is yes); every text in en, fr, es and ar."""
    questionnaire = factories.QuestionnaireFactory(slug=slug, **texts("title", "Contributions 2025"))
    about = factories.SectionFactory(questionnaire=questionnaire, position=1, **texts("title", "About"))
    plans = factories.SectionFactory(questionnaire=questionnaire, position=2, **texts("title", "Plans"))
    factories.QuestionFactory(
        section=about, position=1, code="name", required=True, max_length=40, **texts("label", "Name")
    )
    plan = factories.QuestionFactory(
        section=plans, position=1, code="plan", type=Question.Type.SINGLE_CHOICE, **texts("label", "Plan?")
    )
    formats = factories.QuestionFactory(
        section=plans,
        position=2,
        code="formats",
        type=Question.Type.MULTIPLE_CHOICE,
        max_choices=2,
        show_if_question=plan,
        show_if_values=["yes"],
        **texts("label", "Formats"),
    )
    for question, codes in ((plan, ["yes", "no"]), (formats, ["online", "in_person", "hybrid"])):
        for position, code in enumerate(codes, start=1):
            Choice.objects.create(question=question, code=code, position=position, **texts("label", code.title()))
    return questionnaire
