"""Each thing said once and said right (issue 17, item 17): no limit said twice, one "closed" banner,
no "save a draft" on a submitted response, a free-text browser that opens on the answers."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from questionnaires.services import response_submit
from tests import factories

from .focal_point_data import complete_answers, survey_create


@pytest.fixture
def survey(iscm, other_iscm):
    return survey_create(iscms=[iscm, other_iscm])


def respond_url(survey, iscm, name="respond"):
    return reverse(f"questionnaires:{name}", kwargs={"slug": survey.campaign.slug, "acronym": iscm.acronym})


def test_submitted_response_form_does_not_offer_a_draft(client, survey, iscm, focal_point):
    response = factories.ResponseFactory(campaign=survey.campaign, iscm=iscm)
    client.force_login(focal_point)
    draft_page = client.get(respond_url(survey, iscm)).content.decode()
    assert "You can save a draft at any time" in draft_page
    response_submit(response=response, user=focal_point, answers=complete_answers(), expected_version=0)
    submitted_page = client.get(respond_url(survey, iscm)).content.decode()
    assert "save a draft" not in submitted_page.lower()
    assert "Your changes count once you submit again." in submitted_page


def test_a_closed_campaign_says_so_once(client, survey, iscm, focal_point):
    factories.ResponseFactory(campaign=survey.campaign, iscm=iscm)
    survey.campaign.closed_manually_at = timezone.now() - datetime.timedelta(hours=1)
    survey.campaign.save()
    client.force_login(focal_point)
    page = client.get(respond_url(survey, iscm), follow=True)
    assert page.redirect_chain[-1][0] == respond_url(survey, iscm, "response_detail")
    text = page.content.decode()
    assert len(re.findall(r'class="alert[^"]*"', text)) == 1
    assert "This campaign closed on" in text


def test_length_limit_hint_is_marked_for_the_counter(client, survey, iscm, focal_point):
    client.force_login(focal_point)
    page = client.get(respond_url(survey, iscm)).content.decode()
    assert '<span class="d-block" data-length-hint>Up to 100 characters.</span>' in page


def test_demo_says_the_choice_limit_once(client, demo, followup):
    from questionnaires.models import Membership

    membership = Membership.objects.filter(iscm__invitations__campaign=followup).select_related("user", "iscm").first()
    client.force_login(membership.user)
    page = client.get(
        reverse("questionnaires:respond", kwargs={"slug": followup.slug, "acronym": membership.iscm.acronym})
    )
    text = page.content.decode()
    assert "Choose at most 5 options." in text
    assert "Select up to five." not in text


def test_free_text_browser_collapses_contacts_and_indexes_questions(client, survey, iscm, focal_point, coordinator):
    response = factories.ResponseFactory(campaign=survey.campaign, iscm=iscm)
    response_submit(
        response=response,
        user=focal_point,
        answers=complete_answers(name="Ana Contact", email="ana@example.org", notes="A practice worth sharing"),
        expected_version=0,
    )
    client.force_login(coordinator)
    page = client.get(reverse("analytics:texts", args=[survey.campaign.slug])).content.decode()
    index = page[page.index('id="question-index"') :]
    assert '<a href="#q-notes">Practices to share</a>' in index and '<a href="#q-email">' in index
    contact = page[page.index('id="q-name"') : page.index('id="q-notes"')]
    assert "<details" in contact and "Ana Contact" in contact  # there, one click away
    notes = page[page.index('id="q-notes"') :]
    assert "<details" not in notes.split("</section>")[0] and "A practice worth sharing" in notes
    searched = client.get(reverse("analytics:texts", args=[survey.campaign.slug]), {"q": "ana"}).content.decode()
    assert "<details" not in searched[searched.index("<main") :]  # a search shows what it found
