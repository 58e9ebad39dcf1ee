"""The tracker's tools (issue 17, item 8): search, sort by every column, "remind all" with a
confirmation naming the recipients, previous/next ISCM on the review page, the drill-down's link to a
response, question numbers on every page that shows questions and in the codebook."""

import csv
import io

import pytest
from django.urls import reverse

from questionnaires.models import ActivityEvent, Reminder, Response
from questionnaires.services import response_save_draft
from tests import factories

from .coordinator_data import questionnaire_create, submitted_create


@pytest.fixture
def campaign(db, iscm, other_iscm):
    campaign = factories.CampaignFactory(slug="survey-2025", questionnaire=questionnaire_create())
    factories.invite(campaign, iscm, other_iscm)
    return campaign


@pytest.fixture
def third(campaign):
    """AFMIDP: not started, two focal points."""
    iscm = factories.IscmFactory(acronym="AFMIDP", name="African Migration and Development Policy Centre")
    factories.focal_point_create(iscm, username="fp-a@example.org", email="fp-a@example.org")
    factories.focal_point_create(iscm, username="fp-b@example.org", email="fp-b@example.org")
    factories.invite(campaign, iscm)
    return iscm


def tracker(client, **query):
    response = client.get(reverse("questionnaires:campaign_detail", args=["survey-2025"]), query)
    assert response.status_code == 200
    return [row.iscm.acronym for row in response.context["tracker"].rows], response


def test_search_by_acronym_or_name(client, coordinator, campaign, third):
    client.force_login(coordinator)
    assert tracker(client, q="rcm")[0] == ["RCM"]
    assert tracker(client, q="southern africa")[0] == ["MIDSA"]
    acronyms, page = tracker(client, q="nothing like it")
    assert acronyms == [] and "No invited ISCM matches these filters." in page.content.decode()


def test_sort_by_every_column(client, coordinator, campaign, iscm, other_iscm, focal_point, other_focal_point, third):
    submitted_create(campaign, iscm, focal_point)
    draft = factories.ResponseFactory(campaign=campaign, iscm=other_iscm)
    response_save_draft(response=draft, user=other_focal_point, answers={"name": "R"}, expected_version=0)
    Reminder.objects.create(campaign=campaign, iscm=third, recipients=["fp-a@example.org"])
    client.force_login(coordinator)
    assert tracker(client)[0] == ["AFMIDP", "MIDSA", "RCM"]
    assert tracker(client, sort="-iscm")[0] == ["RCM", "MIDSA", "AFMIDP"]
    assert tracker(client, sort="status")[0] == ["AFMIDP", "RCM", "MIDSA"]  # not started, draft, submitted
    assert tracker(client, sort="-activity")[0] == ["RCM", "MIDSA", "AFMIDP"]
    assert tracker(client, sort="-submitted")[0][0] == "MIDSA"
    assert tracker(client, sort="-reminders")[0][0] == "AFMIDP"
    assert tracker(client, sort="-focal_points")[0][0] == "AFMIDP"
    acronyms, page = tracker(client, sort="status", q="m")  # the search and the sort combine
    assert acronyms == ["AFMIDP", "RCM", "MIDSA"]
    body = page.content.decode()
    assert 'aria-sort="ascending"' in body and "sort=-status" in body  # a second click sorts descending


def test_tracker_query_count_does_not_grow_with_sorting_and_search(
    client, coordinator, campaign, third, django_assert_max_num_queries
):
    client.force_login(coordinator)
    for index in range(8):
        extra = factories.IscmFactory(acronym=f"X{index}")
        factories.focal_point_create(extra, username=f"fp-x{index}@example.org")
        factories.invite(campaign, extra)
    with django_assert_max_num_queries(16):
        tracker(client, sort="-focal_points", q="x")


def test_remind_all_not_started_names_the_recipients_then_sends(
    client, coordinator, campaign, iscm, focal_point, third, mailoutbox, django_capture_on_commit_callbacks
):
    submitted_create(campaign, iscm, focal_point)
    client.force_login(coordinator)
    _acronyms, page = tracker(client)
    url = reverse("questionnaires:campaign_remind_group", args=["survey-2025", "not_started"])
    assert url in page.content.decode()
    confirmation = client.get(url)
    body = confirmation.content.decode()
    # RCM has no focal point: it cannot be reminded and is not announced
    assert "AFMIDP" in body and "fp-a@example.org, fp-b@example.org" in body and "RCM" not in body
    assert not Reminder.objects.exists() and not mailoutbox

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"iscm": ["AFMIDP"]})
    assert sent.status_code == 302
    reminder = Reminder.objects.get()
    assert (reminder.iscm, reminder.sent_by, reminder.recipients) == (
        third,
        coordinator,
        ["fp-a@example.org", "fp-b@example.org"],
    )
    assert sorted(address for message in mailoutbox for address in message.to) == [
        "fp-a@example.org",
        "fp-b@example.org",
    ]
    assert ActivityEvent.objects.filter(kind="reminder", iscm=third).exists()


def test_remind_all_sends_only_to_the_iscms_that_were_confirmed(client, coordinator, campaign, third, mailoutbox):
    client.force_login(coordinator)
    url = reverse("questionnaires:campaign_remind_group", args=["survey-2025", "draft"])
    assert "No ISCM of this group has a focal point to remind." in client.get(url).content.decode()
    client.post(url, {"iscm": ["AFMIDP"]})  # AFMIDP has not started: not in the draft group
    assert not Reminder.objects.exists() and not mailoutbox
    assert client.get(reverse("questionnaires:campaign_remind_group", args=["survey-2025", "other"])).status_code == 404


def test_review_page_links_previous_and_next_iscm(client, coordinator, campaign, iscm, other_iscm, focal_point, third):
    submitted_create(campaign, iscm, focal_point)
    factories.ResponseFactory(campaign=campaign, iscm=other_iscm)
    factories.ResponseFactory(campaign=campaign, iscm=third)
    client.force_login(coordinator)
    page = client.get(reverse("questionnaires:coordinator_response", args=["survey-2025", "MIDSA"]))
    assert (page.context["previous_iscm"], page.context["next_iscm"]) == ("AFMIDP", "RCM")
    body = page.content.decode()
    assert reverse("questionnaires:coordinator_response", args=["survey-2025", "RCM"]) in body
    assert "Q2.2" in body  # numbered questions
    last = client.get(reverse("questionnaires:coordinator_response", args=["survey-2025", "RCM"]))
    assert (last.context["previous_iscm"], last.context["next_iscm"]) == ("MIDSA", None)


def test_question_numbers_on_the_focal_points_pages_and_codebook(client, coordinator, campaign, iscm, focal_point):
    response = submitted_create(campaign, iscm, focal_point)
    client.force_login(focal_point)
    kwargs = {"slug": "survey-2025", "acronym": "MIDSA"}
    form = client.get(reverse("questionnaires:respond", kwargs=kwargs)).content.decode()
    assert "Q1.1 Name of the ISCM" in form and "Q2.2 Topics" in form
    for name in ("response_detail", "response_print"):
        page = client.get(reverse(f"questionnaires:{name}", kwargs=kwargs)).content.decode()
        assert '<span class="question-number">Q2.1</span> What did you achieve?' in page
    client.force_login(coordinator)
    codebook = client.get(reverse("questionnaires:export_codebook", args=["survey-2025"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(codebook.streaming_content).decode("utf-8-sig"))))
    numbers = {row["column"]: row["number"] for row in rows}
    assert numbers["name"] == "Q1.1" and numbers["email"] == "Q1.2" and numbers["topics/b"] == "Q2.2"
    assert numbers["iscm"] == ""
    assert response.status == Response.Status.SUBMITTED


def test_drilldown_links_to_each_iscm_response(client, demo, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("analytics:drilldown", args=[demo.slug, "gcm_priorities", "23"]))
    acronym = page.context["drilldown"]["iscms"][0]["acronym"]
    assert reverse("questionnaires:coordinator_response", args=[demo.slug, acronym]) in page.content.decode()


def test_remind_all_confirmation_query_count_does_not_grow(
    client, coordinator, campaign, third, django_assert_max_num_queries
):
    client.force_login(coordinator)
    url = reverse("questionnaires:campaign_remind_group", args=["survey-2025", "not_started"])
    for index in range(6):
        extra = factories.IscmFactory(acronym=f"Y{index}")
        factories.focal_point_create(extra, username=f"fp-y{index}@example.org", email=f"fp-y{index}@example.org")
        factories.invite(campaign, extra)
    with django_assert_max_num_queries(10):
        page = client.get(url)
    assert len(page.context["targets"]) == 7
