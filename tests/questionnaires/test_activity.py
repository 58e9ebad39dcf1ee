"""The activity page (issue 17, item 7): what coordinators and admins did, recorded by the services,
filterable, paginated, downloadable as CSV; coordinators and admins only."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from questionnaires.models import ActivityEvent
from questionnaires.services import response_return, response_validate
from questionnaires.services_campaigns import focal_point_invite, focal_point_remove, reminder_send_now
from tests import factories

from .coordinator_data import questionnaire_create, submitted_create

PASSWORD = "correct-horse-battery"


@pytest.fixture
def campaign(db, iscm, other_iscm):
    campaign = factories.CampaignFactory(slug="survey-2025", questionnaire=questionnaire_create())
    factories.invite(campaign, iscm, other_iscm)
    return campaign


def kinds():
    return list(ActivityEvent.objects.order_by("id").values_list("kind", flat=True))


def test_services_record_what_coordinators_do(
    client, coordinator, campaign, iscm, other_iscm, focal_point, other_focal_point
):
    ActivityEvent.objects.all().delete()  # the fixtures' own memberships and roles
    response = submitted_create(campaign, iscm, focal_point)
    response_validate(response=response, user=coordinator)
    response_return(response=response, user=coordinator, comment="Please check Q2.2")
    reminder_send_now(campaign=campaign, iscm=other_iscm, user=coordinator)
    invited = focal_point_invite(iscm=iscm, email="new@example.org", invited_by=coordinator)
    focal_point_remove(iscm=iscm, user=invited.user, removed_by=coordinator)
    client.force_login(coordinator)
    client.get(reverse("questionnaires:export_responses", args=[campaign.slug]) + "?format=long").getvalue()
    assert kinds() == ["review", "review", "reminder", "membership", "invitation", "membership", "login", "export"]
    review = ActivityEvent.objects.filter(kind="review").order_by("id").last()
    assert (review.actor, review.campaign, review.iscm) == (coordinator, campaign, iscm)
    assert "Please check Q2.2" in review.detail
    invitation = ActivityEvent.objects.get(kind="invitation")
    assert invitation.person == invited.user and invitation.iscm == iscm
    export = ActivityEvent.objects.get(kind="export")
    assert export.actor == coordinator and "long" in export.detail


def test_roles_logins_and_lockouts_are_recorded(db, focal_point, settings):
    ActivityEvent.objects.all().delete()
    Group.objects.get_or_create(name="Observer")[0].user_set.add(focal_point)
    Client().post(reverse("login"), {"username": focal_point.username, "password": PASSWORD}, REMOTE_ADDR="10.1.1.3")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            reverse("login"), {"username": "nobody@example.org", "password": f"x{attempt}"}, REMOTE_ADDR="10.1.1.4"
        )
    role, login, lockout = ActivityEvent.objects.order_by("id")
    assert (role.kind, role.person, role.detail) == ("role", focal_point, "group_added: Observer")
    assert (login.kind, login.actor, login.ip) == ("login", focal_point, "10.1.1.3")
    assert (lockout.kind, lockout.username, lockout.ip) == ("lockout", "nobody@example.org", "10.1.1.4")


def test_page_filters_and_paginates_in_fixed_queries(
    client, coordinator, campaign, iscm, other_iscm, django_assert_max_num_queries
):
    ActivityEvent.objects.all().delete()
    old = timezone.now() - datetime.timedelta(days=40)
    for index in range(60):
        ActivityEvent.objects.create(
            kind="reminder", campaign=campaign, iscm=iscm, actor=coordinator, detail=f"reminder {index}", at=old
        )
    ActivityEvent.objects.create(kind="review", campaign=campaign, iscm=other_iscm, actor=coordinator, detail="valid")
    client.force_login(coordinator)
    url = reverse("questionnaires:activity")
    with django_assert_max_num_queries(12):
        first = client.get(url)
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in first.content.decode()
    with django_assert_max_num_queries(12):
        second = client.get(url + "?page=2")
    assert len(second.context["page"].object_list) == 12  # 61 events + the coordinator's login

    by_iscm = client.get(url, {"iscm": "RCM"})
    assert [event.detail for event in by_iscm.context["page"].object_list] == ["valid"]
    by_kind = client.get(url, {"kind": "reminder", "campaign": campaign.slug})
    assert by_kind.context["page"].paginator.count == 60
    recent = client.get(url, {"date_from": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()})
    assert {event.kind for event in recent.context["page"].object_list} == {"review", "login"}
    by_person = client.get(url, {"person": "coordinator-test"})
    assert by_person.context["page"].paginator.count == 62
    nobody = client.get(url, {"person": "someone-else"})
    assert "No activity matches these filters." in nobody.content.decode()


def test_csv_download_is_filtered_and_safe(client, coordinator, campaign, iscm):
    ActivityEvent.objects.create(kind="correction", campaign=campaign, iscm=iscm, actor=coordinator, detail="=1+2")
    ActivityEvent.objects.create(kind="login", actor=coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("questionnaires:activity_export"), {"kind": "correction", "iscm": "MIDSA"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="activity-midsa-correction-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["at", "kind", "by", "person", "campaign", "iscm", "detail", "ip"]
    assert len(rows) == 2
    assert rows[1][1:7] == ["correction", coordinator.email, "", "survey-2025", "MIDSA", "'=1+2"]
    assert ActivityEvent.objects.filter(kind="export", detail__startswith="activity log").exists()


@pytest.mark.parametrize("who", ["focal_point", "observer"])
def test_activity_is_for_coordinators_and_admins(client, request, who, admin_user):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("questionnaires:activity")).status_code == 403
    assert client.get(reverse("questionnaires:activity_export")).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("questionnaires:activity")).status_code == 200
