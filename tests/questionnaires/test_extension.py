"""More time for one ISCM (issue 17 #4 and #9).

Chosen behaviour: once a campaign is closed, "Return for revision" needs a date until which that
ISCM alone may revise (without one it is refused, with an explanation); the coordinator can also give
one ISCM more time at any moment after the campaign opened ("Give more time"). The other ISCMs stay
closed; the focal points see the campaign open until their own deadline; the server refuses writes
after it.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from questionnaires import services
from questionnaires.models import Invitation, Response
from questionnaires.selectors import response_answers
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(second=0, microsecond=0)


@pytest.fixture
def closed(iscm, other_iscm, focal_point, other_focal_point):
    """A campaign closed yesterday; both ISCMs submitted before the close."""
    survey = survey_create(
        iscms=[iscm, other_iscm], opens_at=NOW - datetime.timedelta(days=30), closes_at=NOW + datetime.timedelta(days=1)
    )
    for who, where in ((focal_point, iscm), (other_focal_point, other_iscm)):
        response = services.response_get_or_create(campaign=survey.campaign, iscm=where)
        services.response_submit(response=response, user=who, answers=complete_answers(), expected_version=0)
    survey.campaign.closes_at = NOW - datetime.timedelta(days=1)
    survey.campaign.save()
    return survey


def url(name, survey, iscm):
    return reverse(f"questionnaires:{name}", kwargs={"slug": survey.campaign.slug, "acronym": iscm.acronym})


def test_return_on_a_closed_campaign_without_a_date_is_refused_with_a_reason(client, coordinator, closed, iscm):
    client.force_login(coordinator)
    review = client.get(url("coordinator_response", closed, iscm)).content.decode()
    assert "give this ISCM&#x27;s focal points until a date" in review or "give this ISCM's focal points" in review
    page = client.post(url("coordinator_response_return", closed, iscm), {"comment": "Please add the GCM part."})
    assert page.status_code == 400
    assert "The campaign is closed: its focal points could not revise the response" in page.content.decode()
    assert Response.objects.get(campaign=closed.campaign, iscm=iscm).status == Response.Status.SUBMITTED


def test_return_with_a_date_reopens_that_response_alone_until_then(
    client, coordinator, closed, iscm, other_iscm, focal_point, other_focal_point
):
    until = NOW + datetime.timedelta(days=5)
    client.force_login(coordinator)
    page = client.post(
        url("coordinator_response_return", closed, iscm),
        {"comment": "Please add the GCM part.", "until": until.strftime("%Y-%m-%dT%H:%M")},
    )
    assert page.status_code == 302
    response = Response.objects.get(campaign=closed.campaign, iscm=iscm)
    assert response.status == Response.Status.RETURNED
    invitation = Invitation.objects.get(campaign=closed.campaign, iscm=iscm)
    assert invitation.extended_until == until and invitation.extended_by == coordinator
    tracker = client.get(reverse("questionnaires:campaign_detail", kwargs={"slug": closed.campaign.slug}))
    assert "Extended until" in tracker.content.decode()

    # The focal point sees the form open until the ISCM's own deadline, revises and submits.
    client.force_login(focal_point)
    home = client.get(reverse("home")).content.decode()
    assert "Continue" in home
    form = client.get(url("respond", closed, iscm))
    assert form.status_code == 200
    assert until.strftime("%-d %B %Y, %H:%M") in form.content.decode()
    client.post(
        url("respond", closed, iscm),
        {**complete_answers(name="Ana M. Moreira"), "version": response.version, "action": "submit"},
    )
    response.refresh_from_db()  # the answers were saved on their way to the review
    client.post(url("respond_review", closed, iscm), {"version": response.version})
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED
    assert response_answers(response)["name"] == "Ana M. Moreira"

    # ... and the coordinator can validate it again.
    client.force_login(coordinator)
    client.post(url("coordinator_response_validate", closed, iscm))
    response.refresh_from_db()
    assert response.status == Response.Status.VALIDATED

    # The other ISCM stays closed.
    client.force_login(other_focal_point)
    assert client.get(url("respond", closed, other_iscm)).status_code == 302

    # After the extension, the ISCM is closed again, on the server too.
    with time_machine.travel(until + datetime.timedelta(minutes=1)):
        client.force_login(focal_point)
        assert client.get(url("respond", closed, iscm)).status_code == 302
        with pytest.raises(services.ResponseLocked):
            services.response_submit(
                response=response, user=focal_point, answers=complete_answers(), expected_version=response.version
            )


def test_give_one_iscm_more_time_before_it_started(client, coordinator, iscm, other_iscm, focal_point):
    survey = survey_create(
        iscms=[iscm, other_iscm],
        opens_at=NOW - datetime.timedelta(days=30),
        closes_at=NOW - datetime.timedelta(hours=2),
    )
    client.force_login(coordinator)
    tracker = client.get(reverse("questionnaires:campaign_detail", kwargs={"slug": survey.campaign.slug}))
    assert url("coordinator_response_extend", survey, iscm) in tracker.content.decode()
    form = client.get(url("coordinator_response_extend", survey, iscm))
    assert form.status_code == 200 and "Give MIDSA more time" in form.content.decode()

    past = client.post(url("coordinator_response_extend", survey, iscm), {"until": "2001-01-01T09:00"})
    assert past.status_code == 400 and "Choose a date and time in the future." in past.content.decode()
    assert Invitation.objects.get(campaign=survey.campaign, iscm=iscm).extended_until is None

    until = NOW + datetime.timedelta(days=3)
    done = client.post(url("coordinator_response_extend", survey, iscm), {"until": until.strftime("%Y-%m-%dT%H:%M")})
    assert done.status_code == 302
    assert Invitation.objects.get(campaign=survey.campaign, iscm=iscm).extended_until == until

    client.force_login(focal_point)
    home = client.get(reverse("home")).content.decode()
    assert "Start" in home
    saved = client.post(url("respond", survey, iscm), {"name": "Ana", "version": 0, "action": "draft"})
    assert saved.status_code == 302 and saved.url == url("respond", survey, iscm)
    assert response_answers(Response.objects.get(campaign=survey.campaign, iscm=iscm)) == {"name": "Ana"}


def test_an_extension_must_go_beyond_the_close(coordinator, iscm):
    from questionnaires.services_campaigns import CampaignInvalid, invitation_extend

    survey = survey_create(iscms=[iscm])
    with pytest.raises(CampaignInvalid) as error:
        invitation_extend(
            campaign=survey.campaign,
            iscm=iscm,
            until=survey.campaign.closes_at - datetime.timedelta(hours=1),
            user=coordinator,
        )
    assert "choose a later date" in str(error.value.errors["until"][0])
