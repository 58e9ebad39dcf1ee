"""Redis stops while a focal point submits (issue 9, "Faults"; issue 5, "broker unreachable").

The submission is the focal point's work: it must be saved, quickly, whatever happens to the
broker. The figures may lag: the campaign is marked stale and the periodic sweep brings them up to
date once Redis is back.
"""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from analytics.services import aggregates_enqueue
from analytics.tasks import aggregates_sweep_stale_task
from iscm_survey.celery import app as celery_app
from iscm_survey.publish import broker_failure_forget
from questionnaires.models import Response, ResponseEvent
from questionnaires.schema import questionnaire_schema
from questionnaires.selectors import response_answers
from questionnaires.services import response_save_draft
from tests import factories

from .conftest import ANSWER_SETS, Survey, assert_aggregates_correct

SUBMIT_SECONDS = 5


def _submit_through_the_review_page(client, survey: Survey, django_capture_on_commit_callbacks):
    """A focal point confirms a complete draft on the review page; returns (response, HTTP reply, seconds).

    The on-commit callbacks (publishing the recompute and the confirmation e-mail) run inside the
    timed block, as they do inside a real request."""
    for answers in ANSWER_SETS[:3]:
        survey.submit(answers)
    response = survey.response()
    answers = {"multi": ["b", "d"], "single": "no", "note": "Submitted while Redis was down"}
    response = response_save_draft(response=response, user=None, answers=answers, expected_version=None).response
    user = factories.focal_point_create(response.iscm)
    client.force_login(user)
    url = reverse(
        "questionnaires:respond_review", kwargs={"slug": survey.campaign.slug, "acronym": response.iscm.acronym}
    )
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reply = client.post(url, {"version": response.version})
    elapsed = time.monotonic() - started
    assert len(callbacks) >= 2, "the recompute and the confirmation e-mail were to be published"
    return Response.objects.get(pk=response.pk), answers, reply, elapsed


def _assert_saved(survey, response, answers, reply):
    assert reply.status_code == 302
    assert reply["Location"].endswith(f"/respond/{response.iscm.acronym}/submitted/")
    assert response.status == Response.Status.SUBMITTED
    assert response_answers(response, questionnaire_schema(survey.campaign.questionnaire)) == answers
    assert response.events.filter(action=ResponseEvent.Action.SUBMITTED).count() == 1
    survey.campaign.stats.refresh_from_db()
    assert survey.campaign.stats.is_stale


@pytest.mark.services
def test_a_submission_while_redis_is_stopped_is_saved_and_the_sweep_catches_up(
    db, client, celery_broker, django_capture_on_commit_callbacks, caplog
):
    # The settings' broker timeouts reach the connections the web process publishes with.
    options = celery_app.connection_for_write().transport_options
    assert options["socket_connect_timeout"] <= 2 and options["socket_timeout"] <= 2
    assert celery_app.conf.task_publish_retry_policy["max_retries"] <= 1
    survey = Survey()
    celery_broker.stop()

    response, answers, reply, elapsed = _submit_through_the_review_page(
        client, survey, django_capture_on_commit_callbacks
    )

    assert elapsed < SUBMIT_SECONDS, f"the submit took {elapsed:.1f}s with the broker down"
    _assert_saved(survey, response, answers, reply)
    failed = [r for r in caplog.records if getattr(r, "event", None) == "enqueue_failed"]
    assert len(failed) == 2, "both publications failed, were logged, and did not break the request"

    celery_broker.start()
    broker_failure_forget()  # as when the few seconds of back-off after a failure have passed
    # The same process publishes again once Redis is back: no restart of the web application.
    assert aggregates_enqueue(campaign_id=survey.campaign.pk, countdown=0)
    assert celery_broker.client().llen("celery") == 1
    # The beat's sweep task (run here in-process: the data lives in this test's transaction).
    assert aggregates_sweep_stale_task.apply().get() == 1
    assert_aggregates_correct(survey.campaign)


@pytest.mark.services
def test_a_submission_while_redis_hangs_is_saved_within_the_time_limit(
    db, client, celery_broker, django_capture_on_commit_callbacks
):
    """Redis frozen (SIGSTOP): connections open but nothing answers, the worst case for a publisher.
    The answers are saved whatever the time taken (checked first); the time limit is the known gap."""
    survey = Survey()
    celery_broker.pause()
    try:
        response, answers, reply, elapsed = _submit_through_the_review_page(
            client, survey, django_capture_on_commit_callbacks
        )
    finally:
        celery_broker.resume()

    _assert_saved(survey, response, answers, reply)
    assert elapsed < SUBMIT_SECONDS, f"the submit took {elapsed:.1f}s with the broker hanging"
