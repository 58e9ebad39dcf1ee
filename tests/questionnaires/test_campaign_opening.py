"""'The campaign is open' e-mails (issue 17 #2): sent by the beat once a campaign opens, once per
invited ISCM, to each of its focal points in their language, with the deadline; an ISCM invited
later to an open campaign gets it too."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from iscm_survey.publish import celery_app
from questionnaires import tasks_emails
from questionnaires.models import Invitation, Profile
from tests import factories

OPEN = datetime.datetime(2030, 3, 1, 12, 0, tzinfo=datetime.UTC)
CLOSE = datetime.datetime(2030, 3, 31, 17, 0, tzinfo=datetime.UTC)


@pytest.fixture
def scheduled(db, iscm, other_iscm, focal_point, other_focal_point):
    campaign = factories.CampaignFactory(slug="survey-2030", title_en="Survey 2030", opens_at=OPEN, closes_at=CLOSE)
    Profile.objects.update_or_create(user=other_focal_point, defaults={"language": "fr"})
    campaign.title_fr = "Enquête 2030"
    campaign.save()
    factories.invite(campaign, iscm, other_iscm)
    return campaign


def run(capture, moment) -> int:
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return tasks_emails.campaign_openings_announce_task.apply().get()


def test_the_beat_runs_every_five_minutes():
    app = celery_app()
    entry = app.conf.beat_schedule["campaign-openings-announce"]
    assert entry == {"task": "campaign_openings_announce", "schedule": 300.0}
    assert {"campaign_openings_announce", "campaign_open_send"} <= set(app.tasks)


def test_focal_points_are_told_once_when_the_campaign_opens(scheduled, mailoutbox, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    assert run(capture, OPEN - datetime.timedelta(minutes=5)) == 0
    assert mailoutbox == []

    assert run(capture, OPEN + datetime.timedelta(minutes=3)) == 2
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {"fp-test@example.org", "fp-other-test@example.org"}
    english = by_address["fp-test@example.org"]
    assert "Survey 2030" in english.subject and "MIDSA" in english.subject
    assert "31 March 2030, 17:00" in english.body
    assert reverse("questionnaires:respond", kwargs={"slug": "survey-2030", "acronym": "MIDSA"}) in english.body
    french = by_address["fp-other-test@example.org"]
    assert "Enquête 2030" in french.subject
    assert "31 mars 2030" in french.body

    mailoutbox.clear()
    assert run(capture, OPEN + datetime.timedelta(minutes=8)) == 0
    assert run(capture, OPEN + datetime.timedelta(days=3)) == 0
    assert mailoutbox == []


def test_an_iscm_invited_later_is_told_at_once(scheduled, coordinator, mailoutbox, django_capture_on_commit_callbacks):
    from questionnaires.services_campaigns import campaign_update

    capture = django_capture_on_commit_callbacks
    run(capture, OPEN + datetime.timedelta(minutes=1))
    mailoutbox.clear()
    late = factories.IscmFactory(acronym="SACM")
    factories.focal_point_create(late, username="fp-sacm@example.org")
    with time_machine.travel(OPEN + datetime.timedelta(days=2), tick=False), capture(execute=True):
        campaign_update(
            campaign=scheduled,
            user=coordinator,
            questionnaire=scheduled.questionnaire,
            opens_at=OPEN,
            closes_at=CLOSE,
            iscms=list(scheduled.invited_iscms.all()) + [late],
            texts={"title_en": "Survey 2030"},
        )
    assert [message.to for message in mailoutbox] == [["fp-sacm@example.org"]]
    assert Invitation.objects.get(campaign=scheduled, iscm=late).announced_at is not None


def test_an_iscm_without_focal_point_is_told_once_it_has_one(scheduled, mailoutbox, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    lonely = factories.IscmFactory(acronym="PIDC")
    factories.invite(scheduled, lonely)
    assert run(capture, OPEN + datetime.timedelta(minutes=1)) == 2
    factories.focal_point_create(lonely, username="fp-pidc@example.org")
    mailoutbox.clear()
    assert run(capture, OPEN + datetime.timedelta(minutes=6)) == 1
    assert [message.to for message in mailoutbox] == [["fp-pidc@example.org"]]


def test_closed_campaigns_are_not_announced(scheduled, mailoutbox, django_capture_on_commit_callbacks):
    assert run(django_capture_on_commit_callbacks, CLOSE + datetime.timedelta(hours=1)) == 0
    assert mailoutbox == []


def test_the_demo_sends_no_opening_e_mail(demo, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks_emails.campaign_openings_announce_task.apply().get() == 0
    assert mailoutbox == []
