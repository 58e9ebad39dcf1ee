"""The questionnaire engine: drafts and submissions as rows, locking, history, frozen questionnaires."""

import pytest

from questionnaires.models import (
    AnswerChoice,
    Question,
    Questionnaire,
    QuestionnaireLocked,
    Response,
    ResponseEvent,
)
from questionnaires.selectors import response_answers
from questionnaires.services import (
    ResponseLocked,
    VersionConflict,
    questionnaire_new_version,
    response_return,
    response_save_draft,
    response_submit,
    response_validate,
)
from tests import factories


@pytest.fixture
def setup(db, iscm, focal_point):
    questionnaire = factories.QuestionnaireFactory()
    section = factories.SectionFactory(questionnaire=questionnaire)
    factories.QuestionFactory(section=section, code="name", required=True)
    topics = factories.QuestionFactory(section=section, code="topics", type=Question.Type.MULTIPLE_CHOICE)
    factories.choices_create(topics, ["a", "b", "c"])
    questionnaire.status = Questionnaire.Status.PUBLISHED
    questionnaire.save()
    campaign = factories.CampaignFactory(questionnaire=questionnaire)
    factories.invite(campaign, iscm)
    response = factories.ResponseFactory(campaign=campaign, iscm=iscm)
    return response


def test_draft_then_submit_stores_rows_and_history(setup, focal_point):
    response = setup
    response_save_draft(response=response, user=focal_point, answers={"topics": ["b"]}, expected_version=0)
    result = response_submit(
        response=response, user=focal_point, answers={"name": "Amina", "topics": ["c", "a"]}, expected_version=1
    )
    response = result.response
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_by == focal_point
    assert response_answers(response) == {"name": "Amina", "topics": ["a", "c"]}
    # one row per ticked box, so counting is a GROUP BY
    assert sorted(AnswerChoice.objects.values_list("choice__code", flat=True)) == ["a", "c"]
    events = list(ResponseEvent.objects.order_by("version"))
    assert [event.action for event in events] == ["draft_saved", "submitted"]
    assert events[1].changes == {"name": [None, "Amina"], "topics": [["b"], ["a", "c"]]}


def test_stale_version_is_a_conflict_and_keeps_the_first_save(setup, focal_point):
    response = setup
    response_save_draft(response=response, user=focal_point, answers={"name": "First"}, expected_version=0)
    with pytest.raises(VersionConflict) as conflict:
        response_save_draft(response=response, user=focal_point, answers={"name": "Second"}, expected_version=0)
    assert conflict.value.changes == {"name": [None, "First"]}
    assert response_answers(response) == {"name": "First"}


def test_double_submit_records_one_submission(setup, focal_point):
    response = setup
    answers = {"name": "Amina", "topics": ["a"]}
    response_submit(response=response, user=focal_point, answers=answers, expected_version=0)
    response_submit(response=response, user=focal_point, answers=answers, expected_version=0)
    assert ResponseEvent.objects.filter(action="submitted").count() == 1


def test_submitted_response_changes_only_by_resubmitting(setup, focal_point):
    response = setup
    response_submit(response=response, user=focal_point, answers={"name": "Amina"}, expected_version=0)
    with pytest.raises(ResponseLocked):
        response_save_draft(response=response, user=focal_point, answers={"name": ""}, expected_version=1)
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED
    assert response_answers(response) == {"name": "Amina"}


def test_closed_campaign_refuses_writes(setup, focal_point):
    response = setup
    campaign = response.campaign
    campaign.closed_manually_at = campaign.opens_at
    campaign.save()
    with pytest.raises(ResponseLocked):
        response_submit(response=response, user=focal_point, answers={"name": "Late"}, expected_version=0)
    assert response_answers(response) == {}


def test_review_return_and_validate(setup, focal_point, coordinator):
    response = setup
    response_submit(response=response, user=focal_point, answers={"name": "Amina"}, expected_version=0)
    response_return(response=response, user=coordinator, comment="Please add the topics.")
    response.refresh_from_db()
    assert (response.status, response.review_comment) == (Response.Status.RETURNED, "Please add the topics.")
    response_submit(
        response=response, user=focal_point, answers={"name": "Amina", "topics": ["b"]}, expected_version=2
    )
    response_validate(response=response, user=coordinator)
    response.refresh_from_db()
    assert response.status == Response.Status.VALIDATED
    assert list(ResponseEvent.objects.order_by("version").values_list("action", flat=True)) == [
        "submitted",
        "returned",
        "submitted",
        "validated",
    ]


def test_published_questionnaire_used_by_open_campaign_cannot_change(setup):
    questionnaire = setup.campaign.questionnaire
    question = Question.objects.get(questionnaire=questionnaire, code="name")
    question.required = not question.required
    with pytest.raises(QuestionnaireLocked):
        question.save()
    choice = question.questionnaire.questions.get(code="topics").own_choices.first()
    choice.code = "z"
    with pytest.raises(QuestionnaireLocked):
        choice.save()
    # texts may still be corrected and translated
    question.refresh_from_db()
    question.label_fr = "Nom"
    question.save(update_fields=["label_fr"])
    question.label_en = "Name of the ISCM (corrected)"
    question.save()
    # edits make a new version
    copy = questionnaire_new_version(questionnaire=questionnaire)
    assert (copy.version, copy.status) == (2, Questionnaire.Status.DRAFT)
    edited = copy.questions.get(code="name")
    edited.label_en = "Your full name"
    edited.save()
    assert Question.objects.get(questionnaire=questionnaire, code="name").label_en != "Your full name"
    assert list(copy.questions.get(code="topics").own_choices.values_list("code", flat=True)) == ["a", "b", "c"]


def test_admin_shows_published_questionnaire_read_only(demo, admin_user, client):
    client.force_login(admin_user)
    questionnaire = demo.questionnaire
    page = client.get(f"/admin/questionnaires/questionnaire/{questionnaire.pk}/change/")
    assert page.status_code == 200
    assert b'name="title_en"' not in page.content  # no editable field
    post = client.post(f"/admin/questionnaires/questionnaire/{questionnaire.pk}/change/", {"title_en": "Hacked"})
    assert post.status_code == 403
    questionnaire.refresh_from_db()
    assert questionnaire.title_en == "Contributions of ISCMs to Global Policy Initiatives"
