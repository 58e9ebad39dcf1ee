"""Publishing tasks never blocks or breaks a user's action; e-mails kept while the broker is down go out later."""

import time
from unittest import mock

from django.core import mail

from iscm_survey import publish
from iscm_survey.tasks import deferred_tasks_publish_task
from questionnaires.models import DeferredTask, Question
from questionnaires.services import response_submit
from questionnaires.tasks import response_confirmation_send_task
from tests import factories


def broker_down():
    return mock.patch.object(
        response_confirmation_send_task, "apply_async", side_effect=OSError("Connection refused")
    )


def test_a_failed_publish_is_kept_and_sent_when_the_broker_is_back(db):
    user = factories.UserFactory(username="fp@example.org")
    with broker_down():
        assert publish.task_publish(response_confirmation_send_task, args=[1, user.pk]) is False
    deferred = DeferredTask.objects.get()
    assert (deferred.task_name, deferred.args) == ("response_confirmation_send", [1, user.pk])

    publish.broker_failure_forget()
    with mock.patch.object(response_confirmation_send_task, "apply_async") as apply_async:
        assert deferred_tasks_publish_task.apply().get() == 1
    apply_async.assert_called_once_with(args=[1, user.pk])
    assert not DeferredTask.objects.exists()


def test_still_down_keeps_the_task_and_counts_the_attempt(db):
    DeferredTask.objects.create(task_name="response_confirmation_send", args=[1, 2])
    with broker_down():
        assert publish.deferred_tasks_publish() == 0
    assert DeferredTask.objects.get().attempts == 1


def test_after_a_failure_the_next_publish_skips_at_once_but_is_still_kept(db):
    with broker_down():
        publish.task_publish(response_confirmation_send_task, args=[1, 2])
    started = time.monotonic()
    with mock.patch.object(response_confirmation_send_task, "apply_async") as apply_async:
        assert publish.task_publish(response_confirmation_send_task, args=[3, 4]) is False
    apply_async.assert_not_called()
    assert time.monotonic() - started < 0.5
    assert DeferredTask.objects.count() == 2


def test_a_submission_made_while_the_broker_is_down_gets_its_email_later(
    db, iscm, focal_point, django_capture_on_commit_callbacks
):
    section = factories.SectionFactory()
    factories.QuestionFactory(section=section, code="name", type=Question.Type.SHORT_TEXT)
    campaign = factories.CampaignFactory(questionnaire=section.questionnaire)
    factories.invite(campaign, iscm)
    response = factories.ResponseFactory(campaign=campaign, iscm=iscm)
    from questionnaires.emails import response_confirmation_enqueue

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        result = response_submit(response=response, user=focal_point, answers={"name": "A"}, expected_version=0)
        response_confirmation_enqueue(response_id=result.response.pk, user_id=focal_point.pk)
    assert result.response.status == "submitted"
    assert mail.outbox == []

    publish.broker_failure_forget()
    deferred_tasks_publish_task.apply()
    assert [message.to for message in mail.outbox] == [[focal_point.email]]
