"""The focal points' pages: home, form, draft, submit, review, submitted copy, print, auth pages.

Each test asserts what a focal point would notice: the saved answers, the status, the message, the
e-mail, and that another ISCM's focal point, an observer, a coordinator and an anonymous visitor
get nothing (404 or the login page) and change nothing.
"""

import datetime
import html
import re
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from questionnaires import services
from questionnaires.models import Membership, Response, ResponseEvent
from questionnaires.selectors import response_answers
from tests import factories
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(iscm, other_iscm):
    return survey_create(iscms=[iscm, other_iscm])


def url(name, survey, iscm):
    return reverse(f"questionnaires:{name}", kwargs={"slug": survey.campaign.slug, "acronym": iscm.acronym})


def post_form(client, survey, iscm, data, *, action="draft", version=0):
    return client.post(url("respond", survey, iscm), {**data, "version": version, "action": action})


def saved(survey, iscm):
    response = Response.objects.filter(campaign=survey.campaign, iscm=iscm).first()
    return response_answers(response) if response else {}


def page_text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


@pytest.fixture
def fp_client(client, focal_point):
    client.force_login(focal_point)
    return client


# --- The form ------------------------------------------------------------------------------------


def test_form_shows_sections_questions_and_choice_titles(fp_client, survey, iscm):
    page = fp_client.get(url("respond", survey, iscm))
    assert page.status_code == 200
    text = page_text(page)
    assert "1. About the respondent" in text and "2. Goals and plans" in text
    assert 'href="#section-2"' in text  # the section navigator
    assert "Name of the person answering" in text
    assert 'title="Full official title of goal 3"' in text  # full title on hover
    assert 'data-max-choices="2"' in text
    assert 'maxlength="100"' in text and 'maxlength="50"' in text
    assert 'name="version" value="0"' in text
    assert 'data-show-if="format"' in text
    assert "<script>" not in page.content.decode()  # CSP: no inline scripts
    assert not Response.objects.exists()  # looking does not create anything


def test_save_draft_saves_what_was_typed(fp_client, survey, iscm, focal_point):
    page = post_form(fp_client, survey, iscm, {"name": "Ana", "goals": ["3", "1"], "notes": "a\r\nb"})
    assert page.status_code == 302 and page.url == url("respond", survey, iscm)
    assert saved(survey, iscm) == {"name": "Ana", "goals": ["1", "3"], "notes": "a\nb"}
    response = Response.objects.get(campaign=survey.campaign, iscm=iscm)
    assert response.status == Response.Status.DRAFT
    assert response.version == 1 and response.updated_by == focal_point and response.language == "en"
    assert ResponseEvent.objects.get(response=response).action == ResponseEvent.Action.DRAFT_SAVED
    again = fp_client.get(url("respond", survey, iscm))
    text = page_text(again)
    assert "Draft saved" in text
    assert 'value="Ana"' in text and 'name="version" value="1"' in text
    assert re.search(r'value="3" id="id_goals_2" checked', text)


def test_draft_records_the_language_of_the_form(fp_client, survey, iscm):
    post_form(fp_client, survey, iscm, {"name": "Ana"}, action="draft")
    fp_client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    response = Response.objects.get(campaign=survey.campaign, iscm=iscm)
    post_form(fp_client, survey, iscm, {"name": "Anne"}, version=response.version)
    response.refresh_from_db()
    assert response.language == "fr" and saved(survey, iscm) == {"name": "Anne"}


def test_submit_with_a_missing_required_answer_lists_errors_and_keeps_input(fp_client, survey, iscm):
    data = complete_answers(name="", notes="Typed with care")
    page = post_form(fp_client, survey, iscm, data, action="submit")
    assert page.status_code == 200
    text = page_text(page)
    assert "There is a problem" in text
    assert (
        '<a href="#q-name" class="alert-link">Q1.1 Name of the person answering</a>: This question is required.'
        in text
    )
    assert "Typed with care" in text and 'value="ana@example.org"' in text
    assert re.search(r'value="meeting" id="id_format_1" checked', text)
    # What was typed is kept as a draft, and the page says so (issue 17 #3).
    assert "Not submitted. What you typed is saved as a draft" in text
    assert "data-unsaved" not in text
    response = Response.objects.get(campaign=survey.campaign, iscm=iscm)
    assert response.status == Response.Status.DRAFT
    assert saved(survey, iscm)["notes"] == "Typed with care"
    assert 'name="version" value="1"' in text  # the next save continues from the draft


def test_a_failed_resubmission_saves_nothing_and_marks_the_page_changed(fp_client, survey, iscm, focal_point):
    """A submitted response changes only by submitting again: the typed input stays in the page only,
    the page says so, and the browser's leave-page guard knows it (issue 17 #3)."""
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_submit(response=response, user=focal_point, answers=complete_answers(), expected_version=0)
    data = complete_answers(name="", notes="A new paragraph")
    page = post_form(fp_client, survey, iscm, data, action="submit", version=1)
    text = page_text(page)
    assert "Nothing is saved yet: what you typed is only in this page" in text
    assert re.search(r'<form [^>]*data-response-form data-unsaved', text)
    assert "A new paragraph" in text
    assert saved(survey, iscm)["name"] == "Ana Moreira"
    assert Response.objects.get().version == 1


def test_submit_goes_through_review_and_confirmation(
    fp_client, survey, iscm, focal_point, django_capture_on_commit_callbacks
):
    colleague = factories.focal_point_create(iscm, username="colleague@example.org")
    stranger = factories.focal_point_create(factories.IscmFactory(acronym="OTHER"), username="stranger@example.org")
    page = post_form(fp_client, survey, iscm, complete_answers(), action="submit")
    assert page.status_code == 302 and page.url == url("respond_review", survey, iscm)
    response = Response.objects.get(campaign=survey.campaign, iscm=iscm)
    assert response.status == Response.Status.DRAFT  # saved, not yet submitted
    assert saved(survey, iscm)["name"] == "Ana Moreira"

    review = fp_client.get(page.url)
    text = page_text(review)
    assert "Review your answers before submitting" in text
    assert "Choice 1" in text and "Choice meeting" in text
    assert "Line one\nLine two" in html.unescape(review.content.decode())  # line breaks kept
    assert "Confirm and submit" in text
    assert f'name="version" value="{response.version}"' in text

    with django_capture_on_commit_callbacks(execute=True):
        done = fp_client.post(page.url, {"version": response.version})
    assert done.status_code == 302 and done.url == url("response_detail", survey, iscm)
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED and response.submitted_by == focal_point
    assert [message.to for message in mail.outbox] == [[focal_point.email]]
    assert mail.outbox[0].cc == [colleague.email]
    assert stranger.email not in mail.outbox[0].cc
    assert iscm.acronym in mail.outbox[0].subject
    assert url("response_detail", survey, iscm) in mail.outbox[0].body

    copy = page_text(fp_client.get(done.url))
    assert "the response of MIDSA is submitted" in copy
    assert "Submitted on" in copy and "Ana Moreira" in copy
    assert 'href="' + url("respond", survey, iscm) + '"' in copy  # Edit, while the campaign is open


def test_review_hides_questions_that_do_not_apply_and_says_not_answered(fp_client, survey, iscm):
    post_form(fp_client, survey, iscm, complete_answers(plan="no", format=[], email=""), action="submit")
    text = page_text(fp_client.get(url("respond_review", survey, iscm)))
    assert "In which format?" not in text
    assert re.search(r"E-mail address.*?Not answered", text)


def test_double_submit_creates_one_submission(fp_client, survey, iscm, django_capture_on_commit_callbacks):
    post_form(fp_client, survey, iscm, complete_answers(), action="submit")
    version = Response.objects.get().version
    with django_capture_on_commit_callbacks(execute=True):
        first = fp_client.post(url("respond_review", survey, iscm), {"version": version})
        second = fp_client.post(url("respond_review", survey, iscm), {"version": version})
    assert first.status_code == second.status_code == 302
    assert second.url == url("response_detail", survey, iscm)
    assert ResponseEvent.objects.filter(action=ResponseEvent.Action.SUBMITTED).count() == 1
    assert len(mail.outbox) == 1
    assert Response.objects.get().status == Response.Status.SUBMITTED


def test_submit_succeeds_when_the_broker_is_down(fp_client, survey, iscm, django_capture_on_commit_callbacks):
    post_form(fp_client, survey, iscm, complete_answers(), action="submit")
    version = Response.objects.get().version
    with (
        mock.patch(
            "questionnaires.tasks.response_confirmation_send_task.apply_async",
            side_effect=ConnectionError("broker down"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        done = fp_client.post(url("respond_review", survey, iscm), {"version": version})
    assert done.status_code == 302
    assert Response.objects.get().status == Response.Status.SUBMITTED
    assert mail.outbox == []


def test_submit_succeeds_when_the_mail_server_fails(fp_client, survey, iscm, django_capture_on_commit_callbacks):
    post_form(fp_client, survey, iscm, complete_answers(), action="submit")
    version = Response.objects.get().version
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPServerDisconnected("gone")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        done = fp_client.post(url("respond_review", survey, iscm), {"version": version})
    assert done.status_code == 302 and Response.objects.get().status == Response.Status.SUBMITTED


def test_editing_after_submit_keeps_the_submitted_version_until_resubmitted(
    fp_client, survey, iscm, focal_point, django_capture_on_commit_callbacks
):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    answers = {k: v for k, v in complete_answers().items()}
    services.response_submit(response=response, user=focal_point, answers=answers, expected_version=0)
    response.refresh_from_db()

    form = page_text(fp_client.get(url("respond", survey, iscm)))
    assert "This response is submitted" in form and "Save draft" not in form and "Submit again" in form

    page = post_form(
        fp_client, survey, iscm, complete_answers(name="Ana M. Moreira"), action="submit", version=response.version
    )
    assert page.status_code == 302 and page.url == url("respond_review", survey, iscm)
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED and saved(survey, iscm)["name"] == "Ana Moreira"
    review = page_text(fp_client.get(page.url))
    assert "Ana M. Moreira" in review and "replaces the submitted version" in review

    with django_capture_on_commit_callbacks(execute=True):
        fp_client.post(page.url, {"version": response.version})
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED and saved(survey, iscm)["name"] == "Ana M. Moreira"
    assert ResponseEvent.objects.filter(response=response, action="submitted").count() == 2
    assert len(mail.outbox) == 1


def test_crafted_draft_save_on_a_submitted_response_changes_nothing(fp_client, survey, iscm, focal_point):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_submit(response=response, user=focal_point, answers=complete_answers(), expected_version=0)
    page = post_form(fp_client, survey, iscm, complete_answers(name="Changed"), action="draft", version=1)
    assert page.status_code == 200
    assert "change it by submitting again" in page_text(page)
    assert saved(survey, iscm)["name"] == "Ana Moreira"
    assert Response.objects.get().status == Response.Status.SUBMITTED


def test_returned_response_shows_the_coordinator_comment(fp_client, survey, iscm, focal_point, coordinator):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_submit(response=response, user=focal_point, answers=complete_answers(), expected_version=0)
    services.response_return(response=response, user=coordinator, comment="Please add your practices.")
    assert "Please add your practices." in page_text(fp_client.get(reverse("home")))
    form = page_text(fp_client.get(url("respond", survey, iscm)))
    assert "Returned for revision" in form and "Please add your practices." in form and "Save draft" in form
    page = post_form(fp_client, survey, iscm, complete_answers(notes="More"), action="draft", version=2)
    assert page.status_code == 302 and saved(survey, iscm)["notes"] == "More"


# --- Field errors: never a 500, nothing changed ---------------------------------------------------


@pytest.fixture
def draft(survey, iscm, focal_point):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_save_draft(response=response, user=focal_point, answers={"name": "Kept"}, expected_version=0)
    return response


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        ({"goals": ["1", "2", "3"]}, "goals", "Choose at most 2 options (you chose 3)."),
        ({"plan": "no", "format": ["written"]}, "format", "This question does not apply"),
        ({"name": "x" * 51}, "name", "Keep this answer to 50 characters (it has 51)."),
        ({"goals": ["99"]}, "goals", "“99” is not one of the available choices."),
        ({"plan": "maybe"}, "plan", "“maybe” is not one of the available choices."),
        ({"staff": "twelve"}, "staff", "Enter a whole number"),
        ({"email": "not-an-address"}, "email", "Enter a valid e-mail address"),
        ({"notes": "y" * 101}, "notes", "Keep this answer to 100 characters"),
    ],
)
@pytest.mark.parametrize("action", ["draft", "submit"])
def test_invalid_answers_get_field_errors_and_change_nothing(
    fp_client, survey, iscm, draft, data, code, message, action
):
    page = post_form(fp_client, survey, iscm, {"name": "Changed", **data}, action=action, version=1)
    assert page.status_code == 200
    text = page_text(page)
    assert f'href="#q-{code}"' in text and message in text
    assert re.search(rf'id="q-{code}".*?{re.escape(message)}', text)  # also shown at the field
    assert saved(survey, iscm) == {"name": "Kept"}
    assert Response.objects.get().version == 1


def test_null_character_is_refused_and_nothing_changes(fp_client, survey, iscm, draft):
    # No keyboard types a NUL: the request guard answers 400 before the form is read.
    page = post_form(fp_client, survey, iscm, {"name": "a\x00b"}, version=1)
    assert page.status_code == 400
    assert saved(survey, iscm) == {"name": "Kept"}


def test_missing_version_is_an_error_not_a_crash(fp_client, survey, iscm, draft):
    page = fp_client.post(url("respond", survey, iscm), {"name": "Changed", "action": "draft"})
    assert page.status_code == 200 and "reload the page" in page_text(page)
    assert saved(survey, iscm) == {"name": "Kept"}


def test_request_body_over_the_limit_is_refused(fp_client, survey, iscm, draft, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    page = post_form(fp_client, survey, iscm, {"notes": "z" * 5000}, version=1)
    assert page.status_code == 400
    assert saved(survey, iscm) == {"name": "Kept"}


# --- Two focal points at once ------------------------------------------------------------------


def test_lost_update_is_a_conflict_then_a_merge(survey, iscm, focal_point, draft):
    alice, bob = Client(), Client()
    alice.force_login(focal_point)
    bob.force_login(factories.focal_point_create(iscm, username="bob@example.org"))
    assert 'name="version" value="1"' in alice.get(url("respond", survey, iscm)).content.decode()
    assert 'name="version" value="1"' in bob.get(url("respond", survey, iscm)).content.decode()

    first = post_form(alice, survey, iscm, {"name": "Alice's name", "staff": "3"}, version=1)
    assert first.status_code == 302

    second = post_form(bob, survey, iscm, {"name": "Bob's name", "notes": "Bob's practices"}, version=1)
    assert second.status_code == 200
    text = page_text(second)
    assert "Someone else saved this response while you were editing" in text
    assert "Name of the person answering: Kept → Alice's name" in re.sub(r"<[^>]+>", "", text)
    assert "Number of staff: (no answer) → 3" in re.sub(r"<[^>]+>", "", text)
    assert 'value="Bob\'s name"' in text and "Bob's practices" in text  # his input is kept
    assert 'name="version" value="2"' in text  # saving again merges
    assert saved(survey, iscm) == {"name": "Alice's name", "staff": "3"}  # hers is intact

    again = bob.post(url("respond", survey, iscm), {**_form_fields(text), "action": "draft"})
    assert again.status_code == 302
    assert saved(survey, iscm) == {"name": "Bob's name", "notes": "Bob's practices"}
    assert Response.objects.get().version == 3


def _form_fields(text: str) -> dict[str, object]:
    """What the browser would send back from a re-rendered form (text inputs, textareas, hidden)."""
    fields: dict[str, object] = {}
    for name, value in re.findall(r'<input type="(?:text|hidden|email)" name="([^"]+)" value="([^"]*)"', text):
        fields[name] = value
    for name, value in re.findall(r'<textarea name="([^"]+)"[^>]*>\s?(.*?)</textarea>', text, flags=re.S):
        fields[name] = value
    fields.pop("csrfmiddlewaretoken", None)
    return fields


# --- Access --------------------------------------------------------------------------------------

PAGES = ["respond", "respond_review", "response_detail", "response_print"]


@pytest.mark.parametrize("name", PAGES)
def test_focal_point_of_another_iscm_gets_404_and_changes_nothing(client, survey, iscm, other_focal_point, draft, name):
    client.force_login(other_focal_point)
    assert client.get(url(name, survey, iscm)).status_code == 404
    assert client.post(url(name, survey, iscm), {"name": "Intruder", "version": 1, "action": "submit"}).status_code in (
        404,
        405,
    )
    assert saved(survey, iscm) == {"name": "Kept"}
    assert Response.objects.get().version == 1


@pytest.mark.parametrize("name", PAGES)
def test_observer_and_coordinator_get_404_on_focal_point_pages(
    client, survey, iscm, observer, coordinator, draft, name
):
    for user in (observer, coordinator):
        client.force_login(user)
        assert client.get(url(name, survey, iscm)).status_code == 404
    assert saved(survey, iscm) == {"name": "Kept"}


def test_iscm_not_invited_is_404(fp_client, iscm, focal_point):
    survey = survey_create(iscms=[])
    assert fp_client.get(url("respond", survey, iscm)).status_code == 404
    assert post_form(fp_client, survey, iscm, {"name": "x"}).status_code == 404
    assert not Response.objects.exists()


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, survey, iscm, draft, name):
    page = client.get(url(name, survey, iscm))
    assert page.status_code == 302 and page.url.startswith(reverse("login"))
    page = client.post(url(name, survey, iscm), {"name": "x", "version": 1})
    assert page.status_code == 302 and saved(survey, iscm) == {"name": "Kept"}


# --- Closed and scheduled campaigns --------------------------------------------------------------


def test_closed_campaign_is_read_only(fp_client, survey, iscm, draft):
    survey.campaign.closed_manually_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.campaign.save()
    page = fp_client.get(url("respond", survey, iscm))
    assert page.status_code == 302 and page.url == url("response_detail", survey, iscm)
    posted = post_form(fp_client, survey, iscm, {"name": "Too late"}, version=1, action="draft")
    assert posted.status_code == 302
    detail = page_text(fp_client.get(posted.url))
    assert "This campaign is not open: nothing was saved." in detail
    assert "read-only" in detail and "Kept" in detail
    assert 'href="' + url("respond", survey, iscm) + '"' not in detail  # no Edit button
    review = fp_client.post(url("respond_review", survey, iscm), {"version": 1})
    assert review.status_code == 302
    assert saved(survey, iscm) == {"name": "Kept"}
    assert Response.objects.get().status == Response.Status.DRAFT and Response.objects.get().version == 1


def test_scheduled_campaign_cannot_be_answered_yet(fp_client, iscm):
    survey = survey_create(
        iscms=[iscm],
        opens_at=timezone.now() + datetime.timedelta(days=2),
        closes_at=timezone.now() + datetime.timedelta(days=20),
    )
    assert fp_client.get(url("respond", survey, iscm)).url == url("response_detail", survey, iscm)
    post_form(fp_client, survey, iscm, {"name": "Early"})
    assert not Response.objects.exists()
    assert "This campaign opens on" in page_text(fp_client.get(url("response_detail", survey, iscm)))


# --- Submitted copy and print ----------------------------------------------------------------------


def test_print_view_shows_the_answers_and_a_print_button(fp_client, survey, iscm, draft):
    page = fp_client.get(url("response_print", survey, iscm))
    text = page_text(page)
    assert page.status_code == 200
    assert "data-print" in text and "Kept" in text and "Not answered" in text
    assert "print-view" in text and "js/response_form.js" in text


def test_detail_without_a_response_is_an_empty_state(fp_client, survey, iscm):
    text = page_text(fp_client.get(url("response_detail", survey, iscm)))
    assert "Nobody has started this response yet." in text


# --- Home ----------------------------------------------------------------------------------------


def test_home_lists_the_questionnaires_of_each_iscm(client, survey, iscm, focal_point, coordinator):
    second_iscm = factories.IscmFactory(acronym="IGAD-RCP", name="IGAD Regional Consultative Process")
    Membership.objects.create(user=focal_point, iscm=second_iscm)
    factories.invite(survey.campaign, second_iscm)
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_save_draft(
        response=response, user=focal_point, answers={"name": "Ana", "plan": "yes"}, expected_version=0
    )
    closed = survey_create(
        iscms=[iscm],
        opens_at=timezone.now() - datetime.timedelta(days=60),
        closes_at=timezone.now() - datetime.timedelta(days=30),
    )
    closed.campaign.title_en = "Last year's survey"
    closed.campaign.save()

    client.force_login(focal_point)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    text = page_text(page)
    rows = re.findall(r'<tr data-campaign="([^"]+)" data-iscm="([^"]+)">(.*?)</tr>', text)
    by_iscm = {(slug, acronym): body for slug, acronym, body in rows}
    assert set(by_iscm) == {
        (survey.campaign.slug, "MIDSA"),
        (survey.campaign.slug, "IGAD-RCP"),
        (closed.campaign.slug, "MIDSA"),
    }
    midsa = by_iscm[(survey.campaign.slug, "MIDSA")]
    # required: name, goals, plan, and format because plan is "yes"
    assert "Draft" in midsa and "2 of 4" in midsa and "Continue" in midsa and "days left" in midsa
    igad = by_iscm[(survey.campaign.slug, "IGAD-RCP")]
    assert "Not started" in igad and "0 of 3" in igad and "Start" in igad
    old = by_iscm[(closed.campaign.slug, "MIDSA")]
    assert "closed" in old and "Not answered" in old
    assert "Closed and upcoming" in text and "Last year's survey" in text
    assert "RCM" not in {acronym for _slug, acronym, _body in rows}

    client.force_login(coordinator)
    page = client.get(reverse("home"))
    assert page.status_code == 302 and page.url == reverse("questionnaires:campaign_list")


def test_home_redirects_observers_and_anonymous(client, observer):
    assert client.get(reverse("home")).url.startswith(reverse("login"))
    client.force_login(observer)
    assert client.get(reverse("home")).url == reverse("questionnaires:campaign_list")


def test_home_has_an_empty_state(client, iscm, focal_point):
    client.force_login(focal_point)
    assert "No questionnaire for you yet." in page_text(client.get(reverse("home")))


def _home_queries(client) -> int:
    # the questionnaires' compiled schemas are built on the first view, then cached
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_home_runs_a_fixed_number_of_queries(client, iscm, focal_point):
    client.force_login(focal_point)

    def campaigns(count):
        for _index in range(count):
            survey = survey_create(iscms=[iscm])
            response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
            services.response_save_draft(
                response=response, user=focal_point, answers=complete_answers(), expected_version=0
            )

    campaigns(2)
    with_two = _home_queries(client)
    campaigns(4)
    with_six = _home_queries(client)
    assert with_two == with_six
    # session, user, permissions (one query: own and groups'), invitations, responses, answers, choices;
    # no session save (SessionRenewalMiddleware: at most once a minute)
    assert with_six <= 7
    assert page_text(client.get(reverse("home"))).count("4 of 4") == 6


# --- Auth pages ----------------------------------------------------------------------------------


def test_login_page_and_login(client, focal_point):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and "Log in to ISCM Survey" in page_text(page)
    done = client.post(reverse("login"), {"username": focal_point.username, "password": "correct-horse-battery"})
    assert done.status_code == 302 and done.url == reverse("home")


def test_password_reset_does_not_reveal_whether_an_address_exists(client, focal_point):
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    known = client.post(reverse("password_reset"), {"email": focal_point.email}, follow=True)

    def neutral(page, address):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page_text(page)).replace(address, "")

    assert neutral(unknown, "nobody@example.org") == neutral(known, focal_point.email)
    assert "If an account exists" in page_text(known)
    assert len(mail.outbox) == 1 and "/accounts/reset/" in mail.outbox[0].body


def test_password_change_pages_render(fp_client):
    assert "Change your password" in page_text(fp_client.get(reverse("password_change")))


def test_too_many_failed_logins_show_the_lockout_page(client, focal_point, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(3):
        client.post(reverse("login"), {"username": focal_point.username, "password": "wrong"})
    page = client.post(reverse("login"), {"username": focal_point.username, "password": "correct-horse-battery"})
    assert page.status_code == 429
    assert "Too many failed attempts; try again in 30 minutes." in page_text(page)


# --- Cost per submission --------------------------------------------------------------------------

# Queries of each step of a submission round, with what runs at commit (the confirmation e-mail; with
# Celery eager, a rebuild requested by the write would run there too and scan the whole campaign).
# Confirm writes the response and moves the stored figures by its rows (stats row, counts and text answers
# of its region × type cell in, totals and ranks; a re-submission also takes its old counts and text
# answers out: two queries more since the per-cell text counts): a fixed number, whatever the campaign's size.
# The session is not written by these pages (renewed at most once a minute: SessionRenewalMiddleware).
ROUND_MAX_QUERIES = {"draft": 23, "submit": 14, "confirm": 22, "submit again": 8, "confirm again": 31}


def _submission_round_queries(
    client, survey, iscm, django_capture_on_commit_callbacks, django_assert_max_num_queries
) -> dict[str, int]:
    """Save draft, Submit (→ review), Confirm, then "Submit again" with changed answers and Confirm."""
    client.get(url("respond", survey, iscm))  # the form, as a browser first loads it (fills the layout cache)
    answers = {"draft": complete_answers(), "submit": complete_answers()}
    answers["submit again"] = complete_answers(goals=["2", "5"], plan="no", format=[], notes="Changed")
    counts = {}
    for step, pin in ROUND_MAX_QUERIES.items():
        version = Response.objects.get(campaign=survey.campaign, iscm=iscm).version if step != "draft" else 0
        with (
            django_assert_max_num_queries(pin) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            if step.startswith("confirm"):
                reply = client.post(url("respond_review", survey, iscm), {"version": version})
            else:
                action = "draft" if step == "draft" else "submit"
                reply = post_form(client, survey, iscm, answers[step], action=action, version=version)
        assert reply.status_code == 302, step
        counts[step] = len(queries)
    return counts


def test_a_submission_round_costs_the_same_queries_in_a_small_and_a_larger_campaign(
    survey, iscm, other_iscm, focal_point, other_focal_point, django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):  # fmt: skip
    from analytics.services import aggregates_differences, aggregates_recompute

    aggregates_recompute(campaign_id=survey.campaign.pk)  # the campaign's figures exist, as in a live one
    first, second = Client(), Client()
    first.force_login(focal_point)
    second.force_login(other_focal_point)
    fixtures = (django_capture_on_commit_callbacks, django_assert_max_num_queries)
    small = _submission_round_queries(first, survey, iscm, *fixtures)
    for n in range(30):
        someone = factories.IscmFactory(acronym=f"BIG{n:02d}")
        factories.invite(survey.campaign, someone)
        services.response_submit(
            response=factories.ResponseFactory(campaign=survey.campaign, iscm=someone),
            user=None,
            answers=complete_answers(goals=[str(1 + n % 5)], notes=f"Response {n}"),
            expected_version=None,
        )
    large = _submission_round_queries(second, survey, other_iscm, *fixtures)

    assert small == large, (small, large)
    assert Response.objects.get(campaign=survey.campaign, iscm=other_iscm).status == Response.Status.SUBMITTED
    assert aggregates_differences(campaign_id=survey.campaign.pk) == 0  # exact at commit, no rebuild


def test_progress_counts_every_shown_question_and_the_required_ones_apart(fp_client, survey, iscm):
    """Issue 17 #10: typing a name and an e-mail is 2 of the 6 questions shown, 1 of the 3 required
    (the conditional "format" question is not shown until "plan" asks for it)."""
    post_form(fp_client, survey, iscm, {"name": "Ana", "email": "ana@example.org"})
    text = page_text(fp_client.get(url("respond", survey, iscm)))
    assert "2 of 6 questions answered" in text
    assert "Required: 1 of 3" in text
    response = Response.objects.get(campaign=survey.campaign, iscm=iscm)
    post_form(fp_client, survey, iscm, {"name": "Ana", "plan": "yes"}, version=response.version)
    text = page_text(fp_client.get(url("respond", survey, iscm)))
    assert "2 of 7 questions answered" in text  # "format" now shows
    assert "Required: 2 of 4" in text


def test_each_error_is_tied_to_its_field_for_screen_readers(fp_client, survey, iscm):
    page = post_form(fp_client, survey, iscm, complete_answers(name="", email="not-an-address"), action="submit")
    text = page.content.decode()
    for field, message in (("name", "This question is required."), ("email", "Enter a valid e-mail address")):
        described_by = re.search(rf'<input[^>]*aria-describedby="([^"]+)"[^>]*id="id_{field}"', text)
        assert described_by, field
        assert 'aria-invalid="true"' in described_by.group(0)
        error_id = described_by.group(1).split()[0]
        assert re.search(rf'id="{error_id}"[^>]*>.*?{re.escape(message)}', text, re.DOTALL), field
