"""A coordinator corrects one answer in place, with a reason: same validation as the focal points'
form, recorded in the history (who, when, why, old → new), figures recomputed (issue 17, item 6)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.models import CampaignStats, ChoiceAggregate
from questionnaires.models import Response, ResponseEvent
from questionnaires.selectors import response_answers
from questionnaires.services import ResponseLocked, response_correct
from questionnaires.validation import AnswersInvalid
from tests import factories

from .coordinator_data import questionnaire_create, submitted_create


@pytest.fixture
def campaign(db, iscm, other_iscm):
    campaign = factories.CampaignFactory(slug="survey-2025", questionnaire=questionnaire_create())
    factories.invite(campaign, iscm, other_iscm)
    return campaign


@pytest.fixture
def submitted(campaign, iscm, focal_point):
    return submitted_create(campaign, iscm, focal_point)


def correct_url(response, code):
    return reverse(
        "questionnaires:coordinator_response_correct", args=[response.campaign.slug, response.iscm.acronym, code]
    )


def test_coordinator_corrects_an_email_with_a_reason(client, coordinator, submitted):
    client.force_login(coordinator)
    page = client.get(correct_url(submitted, "email"))
    assert page.status_code == 200
    assert "typo@exmaple.org" in page.content.decode()
    assert "Q1.2" in page.content.decode()  # the question's number, as a return comment quotes it

    response = client.post(
        correct_url(submitted, "email"),
        {"value": "contact@example.org", "reason": "Typo, the focal point asked by e-mail", "version": 1},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert response_answers(submitted)["email"] == "contact@example.org"
    assert submitted.status == Response.Status.SUBMITTED  # a correction is not a review outcome
    event = submitted.events.first()
    assert event.action == ResponseEvent.Action.CORRECTED
    assert event.user == coordinator
    assert event.comment == "Typo, the focal point asked by e-mail"
    assert event.changes == {"email": ["typo@exmaple.org", "contact@example.org"]}

    history = client.get(reverse("questionnaires:coordinator_response", args=["survey-2025", "MIDSA"]))
    body = history.content.decode()
    assert "Corrected by the coordinator" in body and "Typo, the focal point asked by e-mail" in body


def test_correction_needs_a_reason_and_a_valid_answer(client, coordinator, submitted):
    client.force_login(coordinator)
    no_reason = client.post(correct_url(submitted, "email"), {"value": "x@example.org", "reason": " ", "version": 1})
    assert no_reason.status_code == 400
    bad_email = client.post(correct_url(submitted, "email"), {"value": "not an e-mail", "reason": "r", "version": 1})
    assert bad_email.status_code == 400
    assert "e-mail" in bad_email.content.decode().lower()
    # the same rule as the form: at most two topics, and a required answer stays required
    too_many = client.post(correct_url(submitted, "topics"), {"value": ["a", "b", "c"], "reason": "r", "version": 1})
    assert too_many.status_code == 400
    emptied = client.post(correct_url(submitted, "name"), {"value": "", "reason": "r", "version": 1})
    assert emptied.status_code == 400 and "This question is required." in emptied.content.decode()
    submitted.refresh_from_db()
    assert submitted.version == 1 and submitted.events.count() == 1


def test_correction_of_a_stale_page_is_refused(client, coordinator, submitted):
    client.force_login(coordinator)
    response = client.post(correct_url(submitted, "name"), {"value": "New", "reason": "r", "version": 0})
    assert response.status_code == 409
    assert response_answers(submitted)["name"] == "MIDSA"


def test_correction_on_a_closed_campaign_updates_the_figures(
    coordinator, campaign, submitted, django_capture_on_commit_callbacks
):
    campaign.closed_manually_at = timezone.now() - datetime.timedelta(minutes=1)
    campaign.save()
    with django_capture_on_commit_callbacks(execute=True):
        response_correct(
            response=submitted,
            user=coordinator,
            code="topics",
            value=["b", "c"],
            reason="Asked by phone",
            expected_version=1,
        )
    stats = CampaignStats.objects.get(campaign=campaign)
    assert not stats.is_stale  # eager Celery: recomputed at once
    counts = dict(ChoiceAggregate.objects.filter(campaign=campaign).values_list("choice__code", "count"))
    assert counts == {"a": 0, "b": 1, "c": 1}


def test_drafts_cannot_be_corrected(coordinator, campaign, other_iscm):
    draft = factories.ResponseFactory(campaign=campaign, iscm=other_iscm)
    with pytest.raises(ResponseLocked):
        response_correct(response=draft, user=coordinator, code="name", value="X", reason="r", expected_version=0)


def test_unchanged_answer_is_not_a_correction(coordinator, submitted):
    with pytest.raises(AnswersInvalid):
        response_correct(
            response=submitted, user=coordinator, code="name", value="MIDSA", reason="r", expected_version=1
        )


def test_correction_page_is_for_coordinators_only(client, focal_point, observer, submitted):
    for user in (focal_point, observer):
        client.force_login(user)
        assert client.get(correct_url(submitted, "name")).status_code == 403
    assert submitted.events.count() == 1


def test_correction_page_query_count_is_fixed(client, coordinator, submitted, django_assert_max_num_queries):
    client.force_login(coordinator)
    with django_assert_max_num_queries(15):  # session, user, response, layout, answers, page chrome
        page = client.get(correct_url(submitted, "topics"))
    assert page.status_code == 200
