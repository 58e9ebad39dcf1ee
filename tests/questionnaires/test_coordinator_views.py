"""The coordinator's pages: campaign list, response tracker, campaign create/edit/close, review of a
response, "remind now", focal points — with allowed and denied users for each."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from questionnaires.models import (
    Campaign,
    Invitation,
    Iscm,
    Membership,
    Question,
    Questionnaire,
    Reminder,
    Response,
    ResponseEvent,
)
from questionnaires.services import response_return, response_save_draft, response_submit
from tests import factories

PASSWORD = "correct-horse-battery"


@pytest.fixture
def questionnaire(db):
    questionnaire = factories.QuestionnaireFactory(slug="contrib")
    section = factories.SectionFactory(questionnaire=questionnaire, title_en="About you")
    factories.QuestionFactory(section=section, code="name", required=True, label_en="Name of the ISCM")
    factories.QuestionFactory(
        section=section, code="story", type=Question.Type.LONG_TEXT, label_en="What did you achieve?"
    )
    topics = factories.QuestionFactory(
        section=section, code="topics", type=Question.Type.MULTIPLE_CHOICE, label_en="Topics"
    )
    factories.choices_create(topics, ["a", "b", "c"])
    questionnaire.status = Questionnaire.Status.PUBLISHED
    questionnaire.save()
    return questionnaire


@pytest.fixture
def campaign(questionnaire, iscm, other_iscm):
    campaign = factories.CampaignFactory(
        slug="survey-2025", title_en="Survey 2025", questionnaire=questionnaire
    )
    factories.invite(campaign, iscm, other_iscm)
    return campaign


@pytest.fixture
def submitted(campaign, iscm, focal_point):
    """MIDSA's response: a draft, then a submission (two history events)."""
    response = factories.ResponseFactory(campaign=campaign, iscm=iscm)
    response_save_draft(
        response=response, user=focal_point, answers={"name": "Draft name"}, expected_version=0
    )
    response_submit(
        response=response,
        user=focal_point,
        answers={"name": "MIDSA", "story": "Line one\nLine <two>", "topics": ["a", "c"]},
        expected_version=1,
    )
    response.refresh_from_db()
    return response


def login(client, user):
    client.force_login(user)
    return client


def urls(campaign, iscm):
    return {
        "detail": reverse("questionnaires:campaign_detail", args=[campaign.slug]),
        "create": reverse("questionnaires:campaign_create"),
        "edit": reverse("questionnaires:campaign_edit", args=[campaign.slug]),
        "close": reverse("questionnaires:campaign_close", args=[campaign.slug]),
        "remind": reverse("questionnaires:campaign_remind", args=[campaign.slug, iscm.acronym]),
        "response": reverse("questionnaires:coordinator_response", args=[campaign.slug, iscm.acronym]),
        "validate": reverse(
            "questionnaires:coordinator_response_validate", args=[campaign.slug, iscm.acronym]
        ),
        "return": reverse("questionnaires:coordinator_response_return", args=[campaign.slug, iscm.acronym]),
        "focal_points": reverse("questionnaires:iscm_focal_points", args=[iscm.acronym]),
    }


def valid_campaign_post(questionnaire, iscms, **overrides):
    data = {
        "slug": "new-campaign",
        "questionnaire": questionnaire.pk,
        "title_en": "A new campaign",
        "intro_en": "Please answer.",
        "opens_at": "2030-01-10T09:00",
        "closes_at": "2030-02-10T18:00",
        "invited_iscms": [iscm.pk for iscm in iscms],
        "save": "1",
    }
    data.update(overrides)
    return data


def db_snapshot():
    return (
        list(Campaign.objects.order_by("pk").values()),
        list(Invitation.objects.order_by("pk").values_list("campaign_id", "iscm_id")),
        list(Response.objects.order_by("pk").values("status", "version", "review_comment")),
        Reminder.objects.count(),
        list(Membership.objects.order_by("pk").values_list("user_id", "iscm_id")),
        ResponseEvent.objects.count(),
    )


# --- Access -------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_everywhere(client, campaign, iscm, submitted):
    pages = [reverse("questionnaires:campaign_list"), *urls(campaign, iscm).values()]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    before = db_snapshot()
    for key in ("close", "remind", "validate", "return"):
        client.post(urls(campaign, iscm)[key], {"comment": "x"})
    assert db_snapshot() == before


@pytest.mark.parametrize("who", ["observer", "focal_point", "other_focal_point"])
def test_coordinator_pages_are_forbidden_to_others(client, request, who, campaign, iscm, submitted):
    login(client, request.getfixturevalue(who))
    for key, url in urls(campaign, iscm).items():
        assert client.get(url).status_code in (403, 405), key
    before = db_snapshot()
    page = urls(campaign, iscm)
    assert client.post(page["close"]).status_code == 403
    assert client.post(page["remind"]).status_code == 403
    assert client.post(page["validate"]).status_code == 403
    assert client.post(page["return"], {"comment": "Please fix"}).status_code == 403
    assert client.post(page["focal_points"], {"email": "new@example.org"}).status_code == 403
    assert client.post(page["create"], valid_campaign_post(campaign.questionnaire, [iscm])).status_code == 403
    assert client.post(page["edit"], valid_campaign_post(campaign.questionnaire, [iscm])).status_code == 403
    assert db_snapshot() == before


def test_campaign_list_for_observer_has_dashboards_but_no_responses(client, observer, campaign, submitted):
    response = login(client, observer).get(reverse("questionnaires:campaign_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Survey 2025" in body
    assert f"/campaigns/{campaign.slug}/dashboard/" in body
    assert f"/campaigns/{campaign.slug}/report/" in body
    assert reverse("questionnaires:campaign_detail", args=[campaign.slug]) + '"' not in body
    assert "New campaign" not in body


def test_campaign_list_is_forbidden_to_focal_points(client, focal_point, campaign):
    assert login(client, focal_point).get(reverse("questionnaires:campaign_list")).status_code == 403


def test_campaign_list_counts_in_fixed_queries(
    client, coordinator, campaign, submitted, django_assert_max_num_queries
):
    other = factories.CampaignFactory(
        slug="older", title_en="Older campaign", questionnaire=campaign.questionnaire
    )
    login(client, coordinator)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("questionnaires:campaign_list"))
    for index in range(6):
        extra = factories.IscmFactory(acronym=f"X{index}")
        factories.invite(other, extra)
        factories.ResponseFactory(campaign=other, iscm=extra, status=Response.Status.SUBMITTED)
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse("questionnaires:campaign_list"))
    campaigns = {c.slug: c for c in response.context["campaigns"]}
    assert (campaigns["survey-2025"].responded_count, campaigns["survey-2025"].invited_count) == (1, 2)
    assert (campaigns["older"].responded_count, campaigns["older"].invited_count) == (6, 6)
    assert "1 / 2" in response.content.decode()


# --- The response tracker --------------------------------------------------------------------------


def test_tracker_shows_each_invited_iscm(
    client, coordinator, campaign, iscm, other_iscm, submitted, focal_point
):
    Reminder.objects.create(campaign=campaign, iscm=other_iscm, days_before=7, recipients=[])
    response = login(client, coordinator).get(urls(campaign, iscm)["detail"])
    assert response.status_code == 200
    rows = {row.iscm.acronym: row for row in response.context["tracker"].rows}
    assert rows["MIDSA"].status == "submitted"
    assert rows["MIDSA"].response.submitted_by == focal_point
    assert [m.user for m in rows["MIDSA"].focal_points] == [focal_point]
    assert rows["RCM"].status == "not_started"
    assert rows["RCM"].focal_points == []
    assert [r.days_before for r in rows["RCM"].reminders] == [7]
    body = response.content.decode()
    assert "fp-test@example.org" in body
    assert "No focal point" in body
    assert "7 days before" in body
    assert reverse("questionnaires:coordinator_response", args=[campaign.slug, "MIDSA"]) in body
    assert response.context["tracker"].counts == {
        "not_started": 1,
        "draft": 0,
        "submitted": 1,
        "returned": 0,
        "validated": 0,
    }


def test_tracker_filters_by_status_and_region(client, coordinator, campaign, iscm, submitted):
    login(client, coordinator)
    page = urls(campaign, iscm)["detail"]
    acronyms = lambda response: [row.iscm.acronym for row in response.context["tracker"].rows]  # noqa: E731
    assert acronyms(client.get(page, {"status": "not_started"})) == ["RCM"]
    assert acronyms(client.get(page, {"status": "submitted"})) == ["MIDSA"]
    assert acronyms(client.get(page, {"status": "draft"})) == []
    assert acronyms(client.get(page, {"region": "Americas"})) == ["RCM"]
    assert acronyms(client.get(page, {"region": "Africa", "status": "not_started"})) == []
    assert "No invited ISCM matches these filters." in client.get(page, {"status": "draft"}).content.decode()


def _populate(campaign, questionnaire, count, start):
    for index in range(start, start + count):
        extra = factories.IscmFactory(acronym=f"Z{index}", region=["Africa", "Europe"][index % 2])
        factories.invite(campaign, extra)
        user = factories.focal_point_create(extra, username=f"fp{index}@example.org")
        Reminder.objects.create(campaign=campaign, iscm=extra, days_before=7, recipients=[user.email])
        if index % 3:
            response = factories.ResponseFactory(campaign=campaign, iscm=extra)
            response_save_draft(
                response=response, user=user, answers={"name": f"N{index}"}, expected_version=0
            )


def test_tracker_query_count_does_not_grow(client, coordinator, campaign, questionnaire, submitted):
    login(client, coordinator)
    page = reverse("questionnaires:campaign_detail", args=[campaign.slug])
    _populate(campaign, questionnaire, 3, 0)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(page).context["tracker"].rows) == 5
    _populate(campaign, questionnaire, 20, 100)
    with CaptureQueriesContext(connection) as large:
        response = client.get(page)
    assert len(response.context["tracker"].rows) == 25
    assert len(large) == len(small)
    assert len(small) <= 16


# --- Create, edit, close --------------------------------------------------------------------------


def test_create_campaign(client, coordinator, questionnaire, iscm, other_iscm):
    response = login(client, coordinator).post(
        reverse("questionnaires:campaign_create"), valid_campaign_post(questionnaire, [iscm, other_iscm])
    )
    campaign = Campaign.objects.get(slug="new-campaign")
    assert response.status_code == 302
    assert response.url == reverse("questionnaires:campaign_detail", args=["new-campaign"])
    assert campaign.title_en == "A new campaign"
    assert campaign.opens_at == datetime.datetime(2030, 1, 10, 9, tzinfo=datetime.UTC)
    assert campaign.closes_at == datetime.datetime(2030, 2, 10, 18, tzinfo=datetime.UTC)
    assert campaign.status == Campaign.Status.SCHEDULED
    assert set(campaign.invited_iscms.values_list("acronym", flat=True)) == {"MIDSA", "RCM"}


def test_create_form_offers_only_published_questionnaires(client, coordinator, questionnaire):
    draft = factories.QuestionnaireFactory(slug="unfinished", title_en="Unfinished draft")
    response = login(client, coordinator).get(reverse("questionnaires:campaign_create"))
    choices = list(response.context["form"].fields["questionnaire"].queryset)
    assert questionnaire in choices and draft not in choices
    response = client.post(
        reverse("questionnaires:campaign_create"), valid_campaign_post(draft, [], slug="with-draft")
    )
    assert response.status_code == 200
    assert not Campaign.objects.filter(slug="with-draft").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"closes_at": "2030-01-01T09:00"}, "closes_at", "The campaign must close after it opens."),
        ({"closes_at": "2030-01-10T09:00"}, "closes_at", "The campaign must close after it opens."),
        ({"slug": "survey-2025"}, "slug", "Another campaign already uses this short name."),
        ({"slug": "new"}, "slug", "This short name is reserved"),
        ({"slug": "compare"}, "slug", "This short name is reserved"),
        ({"slug": "not a slug!"}, "slug", "valid"),
        ({"title_en": ""}, "title_en", "required"),
        ({"opens_at": "tomorrow"}, "opens_at", "valid date/time"),
        ({"invited_iscms": ["999999"]}, "invited_iscms", "valid choice"),
    ],
)
def test_create_campaign_invalid_changes_nothing(
    client, coordinator, campaign, questionnaire, iscm, overrides, field, message
):
    before = db_snapshot()
    response = login(client, coordinator).post(
        reverse("questionnaires:campaign_create"), valid_campaign_post(questionnaire, [iscm], **overrides)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert "The campaign was not saved" in response.content.decode()
    assert db_snapshot() == before


def test_shortcut_without_javascript_ticks_a_region_and_saves_nothing(
    client, coordinator, questionnaire, iscm, other_iscm
):
    americas = factories.IscmFactory(acronym="SACM", region="Americas")
    data = valid_campaign_post(questionnaire, [iscm], shortcut="region:Americas")
    del data["save"]
    response = login(client, coordinator).post(reverse("questionnaires:campaign_create"), data)
    assert response.status_code == 200
    assert not Campaign.objects.filter(slug="new-campaign").exists()
    ticked = {
        iscm.acronym
        for _region, options in response.context["form"].iscm_groups()
        for iscm, on in options
        if on
    }
    assert ticked == {"MIDSA", "RCM", americas.acronym}
    body = response.content.decode()
    assert "The campaign was not saved" not in body  # no errors shown for a shortcut
    assert 'value="A new campaign"' in body  # what was typed is kept
    data = valid_campaign_post(questionnaire, [iscm], shortcut="type:RCP")
    del data["save"]
    ticked_form = client.post(reverse("questionnaires:campaign_create"), data).context["form"]
    assert {i.acronym for _r, options in ticked_form.iscm_groups() for i, on in options if on} == {
        "MIDSA",
        "RCM",
        "SACM",
    }


def test_edit_campaign_dates_texts_and_invitations(
    client, coordinator, campaign, questionnaire, iscm, other_iscm
):
    third = factories.IscmFactory(acronym="MIDWA")
    data = valid_campaign_post(questionnaire, [iscm, third], slug="ignored", title_en="Renamed")
    response = login(client, coordinator).post(urls(campaign, iscm)["edit"], data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.slug == "survey-2025"  # the short name never changes
    assert campaign.title_en == "Renamed"
    assert campaign.closes_at == datetime.datetime(2030, 2, 10, 18, tzinfo=datetime.UTC)
    assert set(campaign.invited_iscms.values_list("acronym", flat=True)) == {"MIDSA", "MIDWA"}


def test_edit_form_shows_current_values(client, coordinator, campaign, iscm):
    response = login(client, coordinator).get(urls(campaign, iscm)["edit"])
    body = response.content.decode()
    assert 'value="Survey 2025"' in body
    assert timezone.localtime(campaign.closes_at).strftime("%Y-%m-%dT%H:%M") in body
    ticked = {i.acronym for _r, options in response.context["form"].iscm_groups() for i, on in options if on}
    assert ticked == {"MIDSA", "RCM"}


def test_edit_refuses_removing_an_iscm_with_a_response(
    client, coordinator, campaign, questionnaire, iscm, other_iscm, submitted
):
    before = db_snapshot()
    data = valid_campaign_post(questionnaire, [other_iscm], title_en="Renamed")
    response = login(client, coordinator).post(urls(campaign, iscm)["edit"], data)
    assert response.status_code == 200
    assert "These ISCMs already have a response and cannot be removed from the campaign: MIDSA." in (
        response.content.decode()
    )
    assert db_snapshot() == before


def test_edit_refuses_another_questionnaire_once_answered(client, coordinator, campaign, iscm, submitted):
    other = factories.QuestionnaireFactory(slug="other", status=Questionnaire.Status.PUBLISHED)
    before = db_snapshot()
    response = login(client, coordinator).post(
        urls(campaign, iscm)["edit"],
        valid_campaign_post(other, [iscm, submitted.campaign.invited_iscms.last()]),
    )
    assert response.status_code == 200
    assert "its questionnaire can no longer change" in response.content.decode()
    assert db_snapshot() == before


def test_close_campaign(client, coordinator, campaign, iscm):
    response = login(client, coordinator).post(urls(campaign, iscm)["close"])
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.closed_manually_at is not None
    assert campaign.status == Campaign.Status.CLOSED
    closed_at = campaign.closed_manually_at
    response = client.post(urls(campaign, iscm)["close"], follow=True)
    assert "This campaign is already closed." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.closed_manually_at == closed_at
    assert client.get(urls(campaign, iscm)["close"]).status_code == 405


# --- Review of a response ------------------------------------------------------------------------


def test_response_page_shows_answers_escaped_and_history(
    client, coordinator, campaign, iscm, submitted, focal_point
):
    response = login(client, coordinator).get(urls(campaign, iscm)["response"])
    assert response.status_code == 200
    body = response.content.decode()
    assert "Name of the ISCM" in body
    assert "Line one\nLine &lt;two&gt;" in body  # line breaks kept (pre-wrap), HTML escaped
    assert "<two>" not in body
    assert "Choice a" in body and "Choice c" in body and "Choice b" not in body
    events = response.context["events"]
    assert [e.event.action for e in events] == ["submitted", "draft_saved"]
    assert events[0].event.user == focal_point
    name_change = next(change for change in events[0].changes if change[0] == "Name of the ISCM")
    assert (name_change[1].text, name_change[2].text) == ("Draft name", "MIDSA")
    topics_change = next(change for change in events[0].changes if change[0] == "Topics")
    assert topics_change[1].is_empty and topics_change[2].labels == ["Choice a", "Choice c"]


def test_response_page_404_for_an_iscm_without_response(client, coordinator, campaign, other_iscm):
    login(client, coordinator)
    assert client.get(urls(campaign, other_iscm)["response"]).status_code == 404


def test_validate_response(client, coordinator, campaign, iscm, submitted):
    response = login(client, coordinator).post(urls(campaign, iscm)["validate"], follow=True)
    submitted.refresh_from_db()
    assert submitted.status == Response.Status.VALIDATED
    event = submitted.events.first()
    assert (event.action, event.user) == ("validated", coordinator)
    assert "The response of MIDSA is validated." in response.content.decode()
    # validating twice is refused with a message, nothing changes
    version = submitted.version
    response = client.post(urls(campaign, iscm)["validate"], follow=True)
    assert "Only a submitted response can be validated." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.version == version


def test_return_response_with_comment_then_focal_point_resubmits(
    client, coordinator, campaign, iscm, submitted, focal_point
):
    response = login(client, coordinator).post(
        urls(campaign, iscm)["return"], {"comment": "Please detail\nthe 2024 meetings."}, follow=True
    )
    submitted.refresh_from_db()
    assert submitted.status == Response.Status.RETURNED
    assert submitted.review_comment == "Please detail\nthe 2024 meetings."
    event = submitted.events.first()
    assert (event.action, event.user, event.comment) == (
        "returned",
        coordinator,
        "Please detail\nthe 2024 meetings.",
    )
    body = response.content.decode()
    assert "was returned to its focal points for revision" in body
    assert "Please detail\nthe 2024 meetings." in body  # in the history and the banner
    # the focal point edits and re-submits: the history records both
    response_submit(
        response=submitted,
        user=focal_point,
        answers={"name": "MIDSA (revised)"},
        expected_version=submitted.version,
    )
    submitted.refresh_from_db()
    assert submitted.status == Response.Status.SUBMITTED
    page = client.get(urls(campaign, iscm)["response"])
    assert [e.event.action for e in page.context["events"]] == [
        "submitted",
        "returned",
        "submitted",
        "draft_saved",
    ]


def test_return_without_comment_changes_nothing(client, coordinator, campaign, iscm, submitted):
    before = db_snapshot()
    response = login(client, coordinator).post(urls(campaign, iscm)["return"], {"comment": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert db_snapshot() == before


def test_return_a_draft_is_refused(client, coordinator, campaign, other_iscm, other_focal_point):
    draft = factories.ResponseFactory(campaign=campaign, iscm=other_iscm)
    response_save_draft(response=draft, user=other_focal_point, answers={"name": "x"}, expected_version=0)
    before = db_snapshot()
    response = login(client, coordinator).post(
        urls(campaign, other_iscm)["return"], {"comment": "No"}, follow=True
    )
    assert "Only a submitted or validated response can be returned." in response.content.decode()
    assert db_snapshot() == before


# --- Remind now ----------------------------------------------------------------------------------


def test_remind_now(
    client,
    coordinator,
    campaign,
    other_iscm,
    other_focal_point,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    login(client, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urls(campaign, other_iscm)["remind"], follow=True)
    reminder = Reminder.objects.get()
    assert (reminder.iscm, reminder.days_before, reminder.sent_by) == (other_iscm, None, coordinator)
    assert reminder.recipients == [other_focal_point.email]
    assert [message.to for message in mailoutbox] == [[other_focal_point.email]]
    assert "/campaigns/survey-2025/respond/RCM/" in mailoutbox[0].body
    assert "A reminder was sent to the focal points of RCM" in response.content.decode()
    assert "Manual" in response.content.decode()  # visible in the tracker


def test_remind_now_refused_without_focal_point_or_after_submission(
    client, coordinator, campaign, iscm, other_iscm, submitted, mailoutbox
):
    login(client, coordinator)
    response = client.post(urls(campaign, other_iscm)["remind"], follow=True)
    assert "RCM has no focal point yet: invite one first." in response.content.decode()
    response = client.post(urls(campaign, iscm)["remind"], follow=True)
    assert "MIDSA has already submitted its response." in response.content.decode()
    assert Reminder.objects.count() == 0
    assert mailoutbox == []


# --- Focal points ---------------------------------------------------------------------------------


def test_focal_points_page_lists_and_invites(
    client, coordinator, campaign, iscm, focal_point, mailoutbox, django_capture_on_commit_callbacks
):
    page = urls(campaign, iscm)["focal_points"]
    response = login(client, coordinator).get(page, {"campaign": campaign.slug})
    assert "fp-test@example.org" in response.content.decode()
    assert response.context["campaign"] == campaign
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {"email": "New.Person@Example.org", "campaign": campaign.slug})
    assert response.status_code == 302
    assert response.url == page + "?campaign=survey-2025"
    user = Membership.objects.get(iscm=iscm, user__username="new.person@example.org").user
    assert user.email == "new.person@example.org"
    assert not user.has_usable_password()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new.person@example.org"]
    page_body = client.get(page).content.decode()
    assert "new.person@example.org" in page_body and "Invitation pending" in page_body


def test_invite_existing_focal_point_again_is_refused(client, coordinator, iscm, focal_point, mailoutbox):
    page = reverse("questionnaires:iscm_focal_points", args=[iscm.acronym])
    response = login(client, coordinator).post(page, {"email": "fp-test@example.org"})
    assert response.status_code == 400
    assert "fp-test@example.org is already a focal point of this ISCM." in response.content.decode()
    assert Membership.objects.filter(iscm=iscm).count() == 1


def test_invite_invalid_email(client, coordinator, iscm):
    page = reverse("questionnaires:iscm_focal_points", args=[iscm.acronym])
    response = login(client, coordinator).post(page, {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert Membership.objects.count() == 0


def test_remove_focal_point(client, coordinator, iscm, focal_point):
    url = reverse("questionnaires:iscm_focal_point_remove", args=[iscm.acronym, focal_point.pk])
    response = login(client, coordinator).post(url, follow=True)
    assert not Membership.objects.filter(iscm=iscm).exists()
    assert "fp-test@example.org no longer answers for MIDSA." in response.content.decode()
    focal_point.refresh_from_db()  # the account stays


def test_focal_point_cannot_manage_focal_points(client, focal_point, iscm, other_focal_point):
    login(client, focal_point)
    url = reverse("questionnaires:iscm_focal_point_remove", args=[iscm.acronym, focal_point.pk])
    assert client.post(url).status_code == 403
    assert Membership.objects.filter(iscm=iscm, user=focal_point).exists()
    assert Iscm.objects.count() == 2


def test_response_page_query_count_does_not_grow_with_history(
    client, coordinator, campaign, iscm, submitted, focal_point, django_assert_max_num_queries
):
    login(client, coordinator)
    page = urls(campaign, iscm)["response"]
    with CaptureQueriesContext(connection) as small:
        client.get(page)
    for index in range(5):
        submitted.refresh_from_db()
        response_return(response=submitted, user=coordinator, comment=f"Round {index}")
        response_submit(
            response=submitted,
            user=focal_point,
            answers={"name": f"MIDSA {index}", "topics": ["b"]},
            expected_version=submitted.version + 1,
        )
    with django_assert_max_num_queries(len(small)):
        response = client.get(page)
    assert len(response.context["events"]) == 12
    assert "Round 4" in response.content.decode()
