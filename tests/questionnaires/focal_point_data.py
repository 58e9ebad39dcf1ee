"""A small questionnaire for the focal-point tests: every question type the form renders, a
`max_choices`, a display condition, a long text with a maximum length."""

from __future__ import annotations

from dataclasses import dataclass

from questionnaires.models import Campaign, Question, Questionnaire, Section
from tests import factories


@dataclass
class Survey:
    questionnaire: Questionnaire
    campaign: Campaign
    questions: dict[str, Question]


def survey_create(*, iscms=(), **campaign_fields) -> Survey:
    questionnaire = factories.QuestionnaireFactory(title_en="Contributions survey")
    about = factories.SectionFactory(questionnaire=questionnaire, position=1, title_en="About the respondent")
    goals = factories.SectionFactory(questionnaire=questionnaire, position=2, title_en="Goals and plans")
    questions: dict[str, Question] = {}

    def question(section: Section, code: str, kind: str, label: str, **fields) -> Question:
        item = factories.QuestionFactory(
            section=section, code=code, type=kind, label_en=label, position=len(questions) + 1, **fields
        )
        questions[code] = item
        return item

    question(about, "name", Question.Type.SHORT_TEXT, "Name of the person answering", required=True, max_length=50)
    question(about, "email", Question.Type.EMAIL, "E-mail address")
    question(about, "staff", Question.Type.INTEGER, "Number of staff")
    goals_q = question(
        goals,
        "goals",
        Question.Type.MULTIPLE_CHOICE,
        "Which goals does your ISCM prioritise?",
        required=True,
        max_choices=2,
        help_en="Pick the most important ones.",
    )
    factories.choices_create(goals_q, ["1", "2", "3", "4", "5"])
    for choice in goals_q.own_choices.all():
        choice.description_en = f"Full official title of goal {choice.code}"
        choice.save()
    plan = question(goals, "plan", Question.Type.SINGLE_CHOICE, "Do you plan to take part?", required=True)
    factories.choices_create(plan, ["yes", "no", "undecided"])
    fmt = question(
        goals,
        "format",
        Question.Type.MULTIPLE_CHOICE,
        "In which format?",
        required=True,
        show_if_question=plan,
        show_if_values=["yes", "undecided"],
    )
    factories.choices_create(fmt, ["written", "meeting"])
    question(goals, "notes", Question.Type.LONG_TEXT, "Practices to share", max_length=100)

    questionnaire.status = Questionnaire.Status.PUBLISHED
    questionnaire.save()
    campaign = factories.CampaignFactory(questionnaire=questionnaire, title_en="Follow-up survey", **campaign_fields)
    factories.invite(campaign, *iscms)
    return Survey(questionnaire, campaign, questions)


def complete_answers(**overrides) -> dict[str, object]:
    """POST data of a complete, valid response."""
    data: dict[str, object] = {
        "name": "Ana Moreira",
        "email": "ana@example.org",
        "staff": "12",
        "goals": ["1", "3"],
        "plan": "yes",
        "format": ["meeting"],
        "notes": "Line one\r\nLine two",
    }
    data.update(overrides)
    return data
