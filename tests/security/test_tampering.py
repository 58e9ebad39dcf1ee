"""Hidden-field tampering and server-side deadlines.

A focal point controls every byte of the POST: another ISCM's id or acronym, a status, role flags,
group names, another campaign's slug, unknown question codes, odd versions. The server takes only the
answers to the questionnaire's questions, from the URL's campaign and ISCM, for the user's own
memberships; everything else is ignored or refused, and nothing else changes.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from questionnaires import services
from questionnaires.models import Answer, Campaign, Response, ResponseEvent
from questionnaires.roles import COORDINATOR
from questionnaires.selectors import response_answers
from tests import factories
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = pytest.mark.django_db

TAMPERED = {
    "status": "validated",
    "is_staff": "1",
    "is_superuser": "on",
    "groups": COORDINATOR,
    "role": "coordinator",
    "submitted_by": "1",
    "updated_by": "1",
    "review_comment": "approved",
    "unknown_code": "should not be stored",
    "q999": "nor this",
}


@pytest.fixture
def survey(iscm, other_iscm):
    return survey_create(iscms=[iscm, other_iscm])


@pytest.fixture
def other_campaign(survey, iscm, other_iscm):
    campaign = factories.CampaignFactory(slug="another-campaign", questionnaire=survey.questionnaire)
    factories.invite(campaign, iscm, other_iscm)
    return campaign


@pytest.fixture
def fp_client(client, focal_point):
    client.force_login(focal_point)
    return client


def url(name: str, campaign: Campaign, acronym: str) -> str:
    return reverse(f"questionnaires:{name}", kwargs={"slug": campaign.slug, "acronym": acronym})


def stored(campaign: Campaign, iscm) -> tuple[str, int, dict] | None:
    response = Response.objects.filter(campaign=campaign, iscm=iscm).first()
    return (response.status, response.version, response_answers(response)) if response else None


def account(user) -> tuple:
    user.refresh_from_db()
    return user.is_staff, user.is_superuser, user.is_active, sorted(user.groups.values_list("name", flat=True))


def test_tampered_draft_saves_only_the_answers_of_the_urls_iscm_and_campaign(
    fp_client, survey, other_campaign, iscm, other_iscm, focal_point
):
    before_account = account(focal_point)
    data = {
        **complete_answers(name="Ana"),
        **TAMPERED,
        "iscm": other_iscm.pk,
        "iscm_id": other_iscm.pk,
        "acronym": other_iscm.acronym,
        "campaign": other_campaign.pk,
        "slug": other_campaign.slug,
        "version": 0,
        "action": "draft",
    }
    page = fp_client.post(url("respond", survey.campaign, iscm.acronym), data)
    assert page.status_code == 302 and page.url == url("respond", survey.campaign, iscm.acronym)

    status, version, answers = stored(survey.campaign, iscm)
    assert status == Response.Status.DRAFT and version == 1
    assert answers["name"] == "Ana"
    assert "unknown_code" not in answers and "q999" not in answers
    assert Answer.objects.filter(question__code__in=["unknown_code", "q999"]).count() == 0
    response = Response.objects.get(campaign=survey.campaign, iscm=iscm)
    assert response.review_comment == "" and response.submitted_by is None
    assert stored(survey.campaign, other_iscm) is None  # the other ISCM's response: untouched
    assert stored(other_campaign, iscm) is None and stored(other_campaign, other_iscm) is None
    assert account(focal_point) == before_account == (False, False, True, [])


def test_a_submit_cannot_choose_its_status(fp_client, survey, iscm):
    data = {**complete_answers(), **TAMPERED, "version": 0, "action": "submit"}
    page = fp_client.post(url("respond", survey.campaign, iscm.acronym), data)
    assert page.status_code == 302 and page.url == url("respond_review", survey.campaign, iscm.acronym)
    assert stored(survey.campaign, iscm)[0] == Response.Status.DRAFT  # not submitted before the review
    version = Response.objects.get(campaign=survey.campaign, iscm=iscm).version
    done = fp_client.post(url("respond_review", survey.campaign, iscm.acronym), {"version": version, **TAMPERED})
    assert done.status_code == 302
    assert stored(survey.campaign, iscm)[0] == Response.Status.SUBMITTED  # never "validated"


def test_the_review_confirms_the_stored_answers_not_answers_posted_with_it(fp_client, survey, iscm):
    fp_client.post(
        url("respond", survey.campaign, iscm.acronym), {**complete_answers(name="Ana"), "version": 0, "action": "draft"}
    )
    version = Response.objects.get(campaign=survey.campaign, iscm=iscm).version
    fp_client.post(
        url("respond_review", survey.campaign, iscm.acronym),
        {"version": version, "name": "Injected at review", "notes": "<b>injected</b>"},
    )
    status, _version, answers = stored(survey.campaign, iscm)
    assert status == Response.Status.SUBMITTED
    assert answers["name"] == "Ana" and answers["notes"] == "Line one\nLine two"


@pytest.mark.parametrize("version", ["0", "2", "99", "-1", "abc", "", "1.5", "99999999999999999999"])
def test_version_games_change_nothing(fp_client, survey, iscm, version):
    """The stored version is 1: an older, newer, negative or malformed version writes nothing."""
    fp_client.post(
        url("respond", survey.campaign, iscm.acronym), {**complete_answers(name="Ana"), "version": 0, "action": "draft"}
    )
    before = stored(survey.campaign, iscm)
    events = ResponseEvent.objects.count()
    page = fp_client.post(
        url("respond", survey.campaign, iscm.acronym),
        {**complete_answers(name="Mallory"), "version": version, "action": "draft"},
    )
    assert page.status_code == 200  # the form again: a conflict or a form error
    assert stored(survey.campaign, iscm) == before and ResponseEvent.objects.count() == events


def test_another_iscms_acronym_in_the_url_is_not_found_and_writes_nothing(fp_client, survey, other_iscm):
    page = fp_client.post(
        url("respond", survey.campaign, other_iscm.acronym), {**complete_answers(), "version": 0, "action": "draft"}
    )
    assert page.status_code == 404
    assert not Response.objects.exists()


def test_password_change_ignores_role_fields(client, focal_point):
    client.force_login(focal_point)
    page = client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "A-much-Longer-pass-2024",
            "new_password2": "A-much-Longer-pass-2024",
            **TAMPERED,
        },
    )
    assert page.status_code == 302
    focal_point.refresh_from_db()
    assert focal_point.check_password("A-much-Longer-pass-2024")
    assert account(focal_point) == (False, False, True, [])


def test_the_coordinators_return_form_cannot_choose_the_status(client, coordinator, survey, iscm, focal_point):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_submit(response=response, user=focal_point, answers=complete_answers(), expected_version=0)
    client.force_login(coordinator)
    client.post(
        reverse(
            "questionnaires:coordinator_response_return", kwargs={"slug": survey.campaign.slug, "acronym": iscm.acronym}
        ),
        {"comment": "Please add more detail.", "status": "validated", "iscm": "RCM"},
    )
    response.refresh_from_db()
    assert response.status == Response.Status.RETURNED


def test_a_campaign_edit_cannot_change_the_short_name(client, coordinator, survey, iscm, other_iscm):
    campaign = survey.campaign
    client.force_login(coordinator)
    page = client.post(
        reverse("questionnaires:campaign_edit", kwargs={"slug": campaign.slug}),
        {
            "slug": "hijacked",
            "questionnaire": campaign.questionnaire_id,
            "title_en": "Renamed",
            "opens_at": timezone.localtime(campaign.opens_at).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": timezone.localtime(campaign.closes_at).strftime("%Y-%m-%dT%H:%M"),
            "invited_iscms": [iscm.pk, other_iscm.pk],
            "closed_manually_at": "2000-01-01T00:00",
        },
    )
    assert page.status_code == 302
    campaign.refresh_from_db()
    assert campaign.slug == survey.campaign.slug and campaign.title_en == "Renamed"
    assert campaign.closed_manually_at is None
    assert not Campaign.objects.filter(slug="hijacked").exists()


def test_the_invitation_form_cannot_grant_a_role(client, coordinator, iscm):
    client.force_login(coordinator)
    client.post(
        reverse("questionnaires:iscm_focal_points", kwargs={"acronym": iscm.acronym}),
        {"email": "newcomer@example.org", **TAMPERED},
    )
    newcomer = iscm.memberships.get(user__username="newcomer@example.org").user
    assert account(newcomer) == (False, False, True, [])
    assert not Group.objects.get(name=COORDINATOR).user_set.filter(pk=newcomer.pk).exists()


# --- Server-side deadlines --------------------------------------------------------------------------


def _close(campaign: Campaign, *, manually: bool) -> None:
    if manually:
        campaign.closed_manually_at = timezone.now() - datetime.timedelta(seconds=1)
    else:
        campaign.opens_at = timezone.now() - datetime.timedelta(days=30)
        campaign.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    campaign.save()


@pytest.mark.parametrize("manually", [False, True], ids=["deadline", "closed-by-coordinator"])
def test_a_crafted_draft_save_after_the_close_is_refused(fp_client, survey, iscm, manually):
    fp_client.post(
        url("respond", survey.campaign, iscm.acronym), {**complete_answers(name="Ana"), "version": 0, "action": "draft"}
    )
    before = stored(survey.campaign, iscm)
    _close(survey.campaign, manually=manually)
    for action in ("draft", "submit"):
        page = fp_client.post(
            url("respond", survey.campaign, iscm.acronym),
            {**complete_answers(name="Late"), "version": before[1], "action": action},
            follow=True,
        )
        assert "This campaign is not open: nothing was saved." in page.content.decode()
        assert stored(survey.campaign, iscm) == before


@pytest.mark.parametrize("manually", [False, True], ids=["deadline", "closed-by-coordinator"])
def test_a_review_confirmed_after_the_close_is_refused(fp_client, survey, iscm, manually):
    """The form was complete and the review page open before the deadline; the click comes after it."""
    page = fp_client.post(
        url("respond", survey.campaign, iscm.acronym), {**complete_answers(), "version": 0, "action": "submit"}
    )
    assert page.url == url("respond_review", survey.campaign, iscm.acronym)
    before = stored(survey.campaign, iscm)
    assert before[0] == Response.Status.DRAFT
    _close(survey.campaign, manually=manually)
    done = fp_client.post(url("respond_review", survey.campaign, iscm.acronym), {"version": before[1]}, follow=True)
    assert "the response can no longer be submitted" in done.content.decode()
    assert stored(survey.campaign, iscm) == before


def test_the_deadline_is_checked_at_the_moment_of_writing(fp_client, survey, iscm, focal_point):
    """A request that began before the close and writes after it: the service refuses it too."""
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    loaded = Response.objects.select_related("campaign").get(pk=response.pk)  # campaign read while open
    with time_machine.travel(survey.campaign.closes_at + datetime.timedelta(seconds=1)):
        assert not Campaign.objects.get(pk=survey.campaign.pk).is_open
        for write in (services.response_save_draft, services.response_submit):
            with pytest.raises(services.ResponseLocked):
                write(response=loaded, user=focal_point, answers=complete_answers(), expected_version=0)
    assert stored(survey.campaign, iscm) == (Response.Status.DRAFT, 0, {})
