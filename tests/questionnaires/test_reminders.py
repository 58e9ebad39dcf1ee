"""Reminders with a frozen clock: who is reminded, at which day-mark, and never twice."""

import datetime

import pytest
import time_machine

from iscm_survey.publish import celery_app
from questionnaires import tasks_emails
from questionnaires.models import Campaign, Reminder, Response
from questionnaires.services_campaigns import _reminder_claim, current_day_mark, reminders_send_due
from tests import factories

CLOSE = datetime.datetime(2030, 3, 31, 12, 0, tzinfo=datetime.UTC)
OPEN = datetime.datetime(2030, 3, 1, 12, 0, tzinfo=datetime.UTC)


def days_before(days: float, hours: float = 0) -> datetime.datetime:
    return CLOSE - datetime.timedelta(days=days, hours=hours)


@pytest.fixture
def world(db, iscm, other_iscm, focal_point, other_focal_point):
    """MIDSA (draft) and RCM (nothing yet) need reminding; SACM submitted, MIDWA validated; CMC was
    returned for revision; PIDC has no focal point; Bali is not invited."""
    campaign = factories.CampaignFactory(
        slug="survey-2030", title_en="Survey 2030", opens_at=OPEN, closes_at=CLOSE
    )
    people = {"MIDSA": [focal_point], "RCM": [other_focal_point]}
    iscms = {"MIDSA": iscm, "RCM": other_iscm}
    for acronym in ("SACM", "MIDWA", "CMC", "PIDC", "Bali"):
        iscms[acronym] = factories.IscmFactory(acronym=acronym)
        if acronym != "PIDC":
            slug = acronym.lower()
            people[acronym] = [
                factories.focal_point_create(iscms[acronym], username=f"fp-{slug}@example.org")
            ]
    # a second focal point of MIDSA, and a deactivated one who must not be e-mailed
    people["MIDSA"].append(factories.focal_point_create(iscm, username="fp2-midsa@example.org"))
    gone = factories.focal_point_create(iscm, username="gone-midsa@example.org")
    gone.is_active = False
    gone.save()
    factories.invite(campaign, *(iscms[a] for a in ("MIDSA", "RCM", "SACM", "MIDWA", "CMC", "PIDC")))
    for acronym, status in [
        ("MIDSA", Response.Status.DRAFT),
        ("SACM", Response.Status.SUBMITTED),
        ("MIDWA", Response.Status.VALIDATED),
        ("CMC", Response.Status.RETURNED),
    ]:
        factories.ResponseFactory(campaign=campaign, iscm=iscms[acronym], status=status)
    return campaign, iscms, people


def run(capture, moment) -> int:
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return tasks_emails.reminders_send_due_task.apply().get()


def recipients(mailoutbox) -> list[str]:
    return sorted(address for message in mailoutbox for address in message.to)


def test_beat_task_is_registered_under_the_scheduled_name():
    app = celery_app()
    assert app.conf.beat_schedule["reminders-send-due"]["task"] == "reminders_send_due"
    assert "reminders_send_due" in app.tasks
    assert {"invitation_send", "reminder_send"} <= set(app.tasks)


def test_right_people_reminded_once_per_mark(world, mailoutbox, django_capture_on_commit_callbacks):
    campaign, iscms, people = world
    capture = django_capture_on_commit_callbacks

    assert run(capture, days_before(10)) == 0
    assert mailoutbox == []

    # 6 days before the close: the 7-day mark
    assert run(capture, days_before(6)) == 3
    assert recipients(mailoutbox) == sorted(
        ["fp-test@example.org", "fp2-midsa@example.org", "fp-other-test@example.org", "fp-cmc@example.org"]
    )
    reminders = {r.iscm.acronym: r for r in Reminder.objects.select_related("iscm")}
    assert set(reminders) == {"MIDSA", "RCM", "CMC"}
    assert {r.days_before for r in reminders.values()} == {7}
    assert reminders["MIDSA"].recipients == ["fp-test@example.org", "fp2-midsa@example.org"]
    assert reminders["MIDSA"].sent_at == days_before(6)
    message = next(m for m in mailoutbox if m.to == ["fp-other-test@example.org"])
    assert "Survey 2030" in message.subject and "RCM" in message.subject
    assert "/campaigns/survey-2030/respond/RCM/" in message.body
    assert "31 March 2030, 12:00" in message.body

    # the next hourly runs send nothing more
    mailoutbox.clear()
    assert run(capture, days_before(6) + datetime.timedelta(hours=1)) == 0
    assert run(capture, days_before(3)) == 0
    assert mailoutbox == []

    # a focal point registered later for PIDC: PIDC gets the current mark on the next run
    factories.focal_point_create(iscms["PIDC"], username="fp-pidc@example.org")
    assert run(capture, days_before(2, hours=12)) == 1
    assert recipients(mailoutbox) == ["fp-pidc@example.org"]

    # RCM submits meanwhile; 1 day before: the 2-day mark for those still needing to act
    factories.ResponseFactory(campaign=campaign, iscm=iscms["RCM"], status=Response.Status.SUBMITTED)
    mailoutbox.clear()
    assert run(capture, days_before(1)) == 3
    assert recipients(mailoutbox) == sorted(
        ["fp-test@example.org", "fp2-midsa@example.org", "fp-cmc@example.org", "fp-pidc@example.org"]
    )
    assert run(capture, days_before(0, hours=2)) == 0

    # after the close nothing is sent
    mailoutbox.clear()
    assert run(capture, CLOSE + datetime.timedelta(hours=1)) == 0
    assert mailoutbox == []
    assert sorted(Reminder.objects.values_list("iscm__acronym", "days_before")) == [
        ("CMC", 2),
        ("CMC", 7),
        ("MIDSA", 2),
        ("MIDSA", 7),
        ("PIDC", 2),
        ("PIDC", 7),
        ("RCM", 7),
    ]


def test_several_marks_due_at_once_send_only_the_latest(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    """A campaign opened a day before its close (or a beat down for a week): one e-mail, not two."""
    campaign, _iscms, _people = world
    Campaign.objects.filter(pk=campaign.pk).update(opens_at=days_before(1, hours=6))
    assert run(django_capture_on_commit_callbacks, days_before(1)) == 3
    assert sorted(Reminder.objects.values_list("iscm__acronym", "days_before")) == [
        ("CMC", 2),
        ("MIDSA", 2),
        ("RCM", 2),
    ]
    assert len(recipients(mailoutbox)) == len(set(recipients(mailoutbox))) == 4
    assert run(django_capture_on_commit_callbacks, days_before(0, hours=20)) == 0
    assert len(mailoutbox) == 4


def test_closed_and_scheduled_campaigns_are_not_reminded(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    campaign, _iscms, _people = world
    Campaign.objects.filter(pk=campaign.pk).update(closed_manually_at=days_before(8))
    assert run(django_capture_on_commit_callbacks, days_before(6)) == 0
    Campaign.objects.filter(pk=campaign.pk).update(closed_manually_at=None, opens_at=days_before(5))
    assert run(django_capture_on_commit_callbacks, days_before(6)) == 0  # not open yet
    assert mailoutbox == [] and not Reminder.objects.exists()


def test_a_mark_is_claimed_once_even_by_concurrent_runs(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    campaign, iscms, _people = world
    with django_capture_on_commit_callbacks(execute=True):
        first = _reminder_claim(campaign, iscms["RCM"].pk, 7, ["fp-other-test@example.org"], days_before(6))
        second = _reminder_claim(campaign, iscms["RCM"].pk, 7, ["fp-other-test@example.org"], days_before(6))
    assert first is not None and second is None
    assert Reminder.objects.count() == 1
    assert len(mailoutbox) == 1


def test_manual_reminders_do_not_use_up_a_mark(
    world, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    campaign, iscms, _people = world
    Reminder.objects.create(campaign=campaign, iscm=iscms["RCM"], sent_by=coordinator, sent_at=days_before(9))
    Reminder.objects.create(campaign=campaign, iscm=iscms["RCM"], sent_by=coordinator, sent_at=days_before(8))
    assert run(django_capture_on_commit_callbacks, days_before(6)) == 3
    assert Reminder.objects.filter(iscm=iscms["RCM"], days_before=7).count() == 1


@pytest.mark.parametrize(
    ("days_left", "mark"),
    [(10, None), (7.01, None), (7, 7), (5, 7), (2.5, 7), (2, 2), (0.1, 2)],
)
def test_current_day_mark(days_left, mark, settings):
    settings.REMINDER_DAYS_BEFORE_CLOSE = [7, 2]
    campaign = Campaign(opens_at=OPEN, closes_at=CLOSE)
    assert current_day_mark(campaign, CLOSE - datetime.timedelta(days=days_left)) == mark


def test_day_marks_come_from_settings(world, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.REMINDER_DAYS_BEFORE_CLOSE = [14]
    assert run(django_capture_on_commit_callbacks, days_before(13)) == 3
    assert set(Reminder.objects.values_list("days_before", flat=True)) == {14}
    assert reminders_send_due(now=days_before(1)) == 0
