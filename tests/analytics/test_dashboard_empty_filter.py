"""A filtered dashboard without respondents says why it is empty (issue 17, item 15)."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.questionnaires.coordinator_data import questionnaire_create, submitted_create


@pytest.fixture
def campaign(db, iscm, other_iscm, focal_point):
    campaign = factories.CampaignFactory(slug="survey-2025", questionnaire=questionnaire_create())
    factories.invite(campaign, iscm, other_iscm)
    submitted_create(campaign, iscm, focal_point)  # MIDSA answers; RCM (Americas) does not
    return campaign


def dashboard(client, **query):
    return client.get(reverse("analytics:dashboard", args=["survey-2025"]), query)


def chart_texts(page):
    return [
        annotation["text"]
        for figure in page.context["figures"].values()
        for annotation in figure.get("layout", {}).get("annotations", [])
    ]


def test_closed_campaign_filtered_to_a_region_without_respondents(client, coordinator, campaign):
    campaign.closed_manually_at = timezone.now() - datetime.timedelta(hours=1)
    campaign.save()
    client.force_login(coordinator)
    page = dashboard(client, region="Americas")
    body = page.content.decode()
    assert "No ISCM of this region responded." in body
    assert "No ISCM of this region responded." in chart_texts(page)
    assert "No answers yet" not in json.dumps(chart_texts(page))

    everyone = dashboard(client)
    assert "No ISCM of this region responded." not in everyone.content.decode()


def test_open_campaign_says_not_yet(client, coordinator, observer, campaign):
    client.force_login(observer)  # observers get the explanation, not the confidentiality notice
    page = dashboard(client, region="Americas")
    assert "No ISCM of this region has responded yet." in page.content.decode()
    assert 'id="withheld"' not in page.content.decode()
