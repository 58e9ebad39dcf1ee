"""A small published questionnaire and a submitted response, shared by the coordinator tool tests."""

from questionnaires.models import Question, Questionnaire
from questionnaires.services import response_submit
from tests import factories


def questionnaire_create():
    questionnaire = factories.QuestionnaireFactory(slug="contrib")
    about = factories.SectionFactory(questionnaire=questionnaire, title_en="About you", position=1)
    factories.QuestionFactory(section=about, code="name", required=True, label_en="Name of the ISCM")
    factories.QuestionFactory(section=about, code="email", type=Question.Type.EMAIL, label_en="Contact e-mail")
    work = factories.SectionFactory(questionnaire=questionnaire, title_en="Your work", position=2)
    factories.QuestionFactory(
        section=work, code="story", type=Question.Type.LONG_TEXT, label_en="What did you achieve?"
    )
    topics = factories.QuestionFactory(
        section=work, code="topics", type=Question.Type.MULTIPLE_CHOICE, label_en="Topics", max_choices=2
    )
    factories.choices_create(topics, ["a", "b", "c"])
    questionnaire.status = Questionnaire.Status.PUBLISHED
    questionnaire.save()
    return questionnaire


def submitted_create(campaign, iscm, user, **answers):
    response = factories.ResponseFactory(campaign=campaign, iscm=iscm)
    response_submit(
        response=response,
        user=user,
        answers={"name": iscm.acronym, "email": "typo@exmaple.org", "topics": ["a"], **answers},
        expected_version=0,
    )
    response.refresh_from_db()
    return response
