"""One status palette for focal points and coordinators, never colour alone (issue 17 #13)."""

import re

import pytest
from django.urls import reverse

from questionnaires import services
from questionnaires.models import Response
from tests import factories
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = pytest.mark.django_db

BADGE = r'<span class="badge status-badge [^"]*" data-status-badge="{status}">.*?</span>[^<]*</span>'


def badge(html: str, status: str) -> str:
    match = re.search(BADGE.format(status=status), html, re.S)
    assert match, f"no {status} badge"
    return match.group(0)


def test_focal_points_and_coordinators_see_the_same_badges(client, coordinator, iscm, other_iscm, focal_point):
    survey = survey_create(iscms=[iscm, other_iscm])
    factories.MembershipFactory(user=focal_point, iscm=other_iscm)
    submitted = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_submit(response=submitted, user=focal_point, answers=complete_answers(), expected_version=0)
    validated = services.response_get_or_create(campaign=survey.campaign, iscm=other_iscm)
    services.response_submit(response=validated, user=focal_point, answers=complete_answers(), expected_version=0)
    services.response_validate(response=Response.objects.get(pk=validated.pk), user=coordinator)

    client.force_login(focal_point)
    home = client.get(reverse("home")).content.decode()
    client.force_login(coordinator)
    tracker = client.get(
        reverse("questionnaires:campaign_detail", kwargs={"slug": survey.campaign.slug})
    ).content.decode()
    for status in ("submitted", "validated"):
        assert badge(home, status) == badge(tracker, status)
    assert "text-bg-primary" in badge(tracker, "submitted") and "text-bg-success" in badge(tracker, "validated")


@pytest.mark.parametrize(
    ("status", "text"),
    [
        ("not_started", "Not started"),
        ("draft", "Draft"),
        ("submitted", "Submitted"),
        ("returned", "Returned for revision"),
        ("validated", "Validated"),
    ],
)
def test_every_badge_has_a_symbol_and_a_word(status, text):
    from django.template.loader import render_to_string

    html = render_to_string("includes/response_status.html", {"status": status})
    found = badge(html, status)
    assert re.search(r'<span aria-hidden="true">[^<]+</span> ' + re.escape(text) + "</span>$", found)
