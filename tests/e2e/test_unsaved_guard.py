"""The leave-page guard after a failed submit (issue 17 #3), in a real browser.

On a draft, a submit refused for a missing answer saves what was typed as a draft and says so; on a
submitted response nothing can be saved until it is submitted again, so the page comes back marked
changed and leaving it asks first.
"""

from __future__ import annotations

import pytest

from questionnaires import services
from questionnaires.models import Response
from questionnaires.selectors import response_answers
from tests import factories
from tests.conftest import requires_chromium
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = [pytest.mark.browser, requires_chromium]


def _log_in(page, server, username):
    page.goto(server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()


def test_a_failed_submit_keeps_the_draft_or_guards_the_page(server, page):
    from playwright.sync_api import expect

    iscm = factories.IscmFactory(acronym="MIDSA", name="Migration Dialogue for Southern Africa")
    other = factories.IscmFactory(acronym="RCM", name="Regional Conference on Migration")
    user = factories.focal_point_create(iscm, username="fp-guard@example.org")
    factories.MembershipFactory(user=user, iscm=other)
    survey = survey_create(iscms=[iscm, other])
    submitted = services.response_get_or_create(campaign=survey.campaign, iscm=other)
    services.response_submit(response=submitted, user=user, answers=complete_answers(), expected_version=0)
    dialogs: list[str] = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", dismiss)
    _log_in(page, server, user.username)

    # A draft: the refused submit saves the practices typed, and leaving asks nothing.
    page.goto(f"{server.url}/campaigns/{survey.campaign.slug}/respond/MIDSA/")
    page.get_by_label("Practices to share").fill("We meet twice a year.")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator("#error-summary")).to_contain_text("What you typed is saved as a draft")
    response = Response.objects.get(campaign=survey.campaign, iscm=iscm)
    assert response_answers(response)["notes"] == "We meet twice a year."
    page.locator(".breadcrumb").get_by_role("link", name="My questionnaires").click()
    expect(page.get_by_role("heading", name="My questionnaires")).to_be_visible()
    assert dialogs == []

    # A submitted response: the refused re-submission saves nothing; leaving asks first.
    page.goto(f"{server.url}/campaigns/{survey.campaign.slug}/respond/RCM/")
    page.locator("#id_name").fill("")
    page.get_by_label("Practices to share").fill("A paragraph not saved anywhere")
    page.get_by_role("button", name="Submit again").click()
    expect(page.locator("#error-summary")).to_contain_text("Nothing is saved yet")
    page.locator(".breadcrumb").get_by_role("link", name="My questionnaires").click()
    expect(page.get_by_label("Practices to share")).to_have_value("A paragraph not saved anywhere")
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/respond/RCM/")
    assert response_answers(Response.objects.get(pk=submitted.pk))["notes"] != "A paragraph not saved anywhere"
    assert page.js_errors == []
