"""Queries of the form page and of a submission. The questionnaire's schema is compiled once per
published version, so these stay at most what they ran before it (11, 21 and 23 queries)."""

import pytest
from django.urls import reverse

from questionnaires import services
from questionnaires.models import Response
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = pytest.mark.django_db


def url(name, survey, iscm):
    return reverse(f"questionnaires:{name}", kwargs={"slug": survey.campaign.slug, "acronym": iscm.acronym})


def test_form_page_and_submission_query_counts(client, iscm, focal_point, django_assert_max_num_queries):
    survey = survey_create(iscms=[iscm])
    client.force_login(focal_point)
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_save_draft(response=response, user=focal_point, answers={"name": "Ana"}, expected_version=0)
    client.get(url("respond", survey, iscm))  # the session and the schema, as for any returning user

    with django_assert_max_num_queries(11):
        assert client.get(url("respond", survey, iscm)).status_code == 200
    with django_assert_max_num_queries(21):
        page = client.post(url("respond", survey, iscm), {**complete_answers(), "version": 1, "action": "submit"})
    assert page.status_code == 302
    with django_assert_max_num_queries(23):
        page = client.post(url("respond_review", survey, iscm), {"version": 2})
    assert page.status_code == 302
    assert Response.objects.get(pk=response.pk).status == Response.Status.SUBMITTED
