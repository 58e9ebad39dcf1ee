"""A small draft questionnaire for the authoring tests: two sections, a single choice with its own
choices and hints, a question shown depending on it, a multiple choice on a shared list."""

from __future__ import annotations

from questionnaires.models import Choice, ChoiceList, Question, Questionnaire
from tests.factories import QuestionFactory, QuestionnaireFactory, SectionFactory, choices_create


def draft_create(*, slug: str = "survey", status: str = Questionnaire.Status.DRAFT) -> Questionnaire:
    shared, _created = ChoiceList.objects.get_or_create(code="sdg", defaults={"name": "SDGs"})
    for number in ("1", "2", "3"):
        Choice.objects.get_or_create(choice_list=shared, code=number, defaults={"label_en": f"Goal {number}"})
    questionnaire = QuestionnaireFactory(
        slug=slug, title_en="Survey", title_fr="Enquête", title_ar="استبيان", description_es="Descripción"
    )
    first = SectionFactory(questionnaire=questionnaire, position=1, title_en="About you", description_fr="À propos")
    second = SectionFactory(questionnaire=questionnaire, position=2, title_en="Goals")
    member = QuestionFactory(
        section=first,
        position=1,
        code="member",
        type=Question.Type.SINGLE_CHOICE,
        label_en="Are you a member?",
        label_ar="هل أنت عضو؟",
        help_fr="Aide",
        chart_kind="donut",
        report_top=1,
        chart_title_en="Members",
        positive_choices=["yes"],
    )
    choices_create(member, ["yes", "no"])
    QuestionFactory(
        section=first,
        position=2,
        code="why",
        type=Question.Type.LONG_TEXT,
        label_en="Why?",
        show_if_question=member,
        show_if_values=["yes"],
    )
    QuestionFactory(
        section=second,
        position=3,
        code="goals",
        type=Question.Type.MULTIPLE_CHOICE,
        label_en="Which goals?",
        choice_list=shared,
        max_choices=2,
    )
    if status != Questionnaire.Status.DRAFT:
        Questionnaire.objects.filter(pk=questionnaire.pk).update(status=status)
        questionnaire.refresh_from_db()
    return questionnaire
