"""Practices from structured answers: each item of a submitted list of practices is a practice of the
library (tags from the item's GCM and SDG fields), kept in step when the response is submitted again."""

import pytest
from django.urls import reverse

from practices.models import Practice
from practices.services import practice_publish
from questionnaires import services
from questionnaires.models import ResponseEvent
from tests import factories
from tests.questionnaires.list_items_data import list_survey_create, practice

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(iscm):
    return list_survey_create(iscms=[iscm])


def submit(response, user, items, version):
    return services.response_submit(
        response=response, user=user, answers={"name": "Ana", "practices": items}, expected_version=version
    )


def library(practices):
    return [
        (
            p.source_item,
            p.title,
            p.year,
            p.link,
            sorted(c.code for c in p.gcm_objectives.all()),
            sorted(c.code for c in p.sdgs.all()),
        )
        for p in practices.order_by("source_item")
    ]


def test_a_submitted_list_becomes_practices_and_follows_resubmissions(survey, iscm, focal_point, coordinator):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    items = [
        practice("Data sharing", practice_gcm=["1", "23"], practice_sdg=["10"], practice_year="2022"),
        practice("Labour pathways", practice_link="https://example.org/labour", practice_gcm=["5"]),
        practice("Not a link", practice_link="see our website"),
    ]
    services.response_save_draft(
        response=response, user=focal_point, answers={"name": "Ana", "practices": items}, expected_version=0
    )
    assert not Practice.objects.exists()  # a draft is not in the library

    submit(response, focal_point, items, 1)
    practices = Practice.objects.filter(source_response=response)
    assert library(practices) == [
        (1, "Data sharing", 2022, "", ["1", "23"], ["10"]),
        (2, "Labour pathways", None, "https://example.org/labour", ["5"], []),
        (3, "Not a link", None, "", [], []),
    ]
    first = practices.get(source_item=1)
    assert (first.campaign, first.iscm, first.source_question.code) == (survey.campaign, iscm, "practices")
    assert first.published_at is None and first.created_by == focal_point
    practice_publish(practice=first, user=coordinator, published=True)

    # Submitted again without the second item and with a changed first one.
    response.refresh_from_db()
    services.response_return(response=response, user=coordinator, comment="Please check")
    response.refresh_from_db()
    changed = [{**items[0], "practice_title": "Data sharing (updated)", "practice_gcm": ["1"]}, items[2]]
    submit(response, focal_point, changed, response.version)
    practices = Practice.objects.filter(source_response=response)
    assert library(practices) == [
        (1, "Data sharing (updated)", 2022, "", ["1"], ["10"]),
        (2, "Not a link", None, "", [], []),
    ]
    assert practices.get(source_item=1).published_at is not None  # the coordinator's publication stays


def test_the_practice_page_links_back_to_the_response(survey, iscm, focal_point, coordinator, client):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    submit(response, focal_point, [practice("Data sharing")], 0)
    client.force_login(coordinator)
    page = client.get(reverse("practices:detail", args=[Practice.objects.get().pk])).content.decode()
    assert "item 1" in page
    assert reverse("questionnaires:coordinator_response", args=[survey.campaign.slug, iscm.acronym]) in page


def test_an_import_of_a_submitted_response_makes_practices(survey, iscm, coordinator):
    services.response_import(
        campaign=survey.campaign,
        iscm=iscm,
        user=coordinator,
        answers={"name": "Ana", "practices": [practice("Imported", practice_sdg=["4"])]},
        status="submitted",
    )
    assert library(Practice.objects.all()) == [(1, "Imported", None, "", [], ["4"])]
    assert ResponseEvent.objects.filter(action="imported").exists()


def test_submitting_more_items_takes_no_more_queries(iscm, other_iscm, focal_point):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    third = factories.IscmFactory(acronym="THIRD")
    survey = list_survey_create(iscms=[iscm, other_iscm, third])
    counts = []
    # The first submission builds the schema and the campaign's stats: measured after it.
    for target, size in ((third, 1), (iscm, 1), (other_iscm, 5)):
        response = services.response_get_or_create(campaign=survey.campaign, iscm=target)
        items = [practice(f"P{n}", practice_gcm=["1", "2"], practice_sdg=["3"]) for n in range(size)]
        with CaptureQueriesContext(connection) as queries:
            submit(response, focal_point, items, 0)
        counts.append(len(queries))
    assert Practice.objects.filter(iscm=other_iscm).count() == 5
    assert counts[1] == counts[2]
