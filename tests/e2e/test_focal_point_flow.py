"""A focal point answers in a real browser (Debian's headless Chromium, driven by Playwright): log in,
save a draft with a gap, see the error on submit, complete the form, review, submit, see the copy."""

from __future__ import annotations

import re

import pytest

from questionnaires.models import Response
from questionnaires.selectors import response_answers
from tests import factories
from tests.conftest import SCREENSHOTS, requires_chromium
from tests.questionnaires.focal_point_data import survey_create

pytestmark = [pytest.mark.browser, requires_chromium]


def test_focal_point_saves_a_draft_fixes_errors_and_submits(server, page):
    from playwright.sync_api import expect

    iscm = factories.IscmFactory(acronym="MIDSA", name="Migration Dialogue for Southern Africa")
    user = factories.focal_point_create(iscm, username="fp-browser@example.org")
    survey = survey_create(iscms=[iscm])

    # Log in; the home page lists the questionnaire.
    page.goto(server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("E-mail address").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My questionnaires")).to_be_visible()
    row = page.locator(f'tr[data-campaign="{survey.campaign.slug}"][data-iscm="MIDSA"]')
    expect(row).to_contain_text("Not started")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "focal_point_home.png"), full_page=True)
    row.get_by_role("link", name=re.compile("Start")).click()

    # The form: conditional question hidden until its condition holds; max_choices in the browser.
    expect(page.get_by_role("heading", name="1. About the respondent")).to_be_visible()
    expect(page.locator("#q-format")).to_be_hidden()
    page.get_by_label("E-mail address").fill("ana@example.org")
    page.get_by_label("Choice 1").check()
    page.get_by_label("Choice 3").check()
    expect(page.get_by_label("Choice 4")).to_be_disabled()  # at most 2
    page.get_by_label("Practices to share").fill("We meet twice a year.")
    expect(page.locator("#q-notes .char-counter")).to_have_text("21 / 100")

    # Save a draft with the required name missing: saved, nothing lost.
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved")).to_be_visible()
    expect(page.get_by_label("E-mail address")).to_have_value("ana@example.org")
    response = Response.objects.get(campaign=survey.campaign, iscm=iscm)
    assert response_answers(response) == {
        "email": "ana@example.org",
        "goals": ["1", "3"],
        "notes": "We meet twice a year.",
    }

    # Submit: the error summary links to the required question, whose field shows the message.
    page.get_by_role("button", name="Submit", exact=True).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Name of the person answering: This question is required.")
    expect(page.locator("#q-name")).to_contain_text("This question is required.")
    expect(page.get_by_label("Practices to share")).to_have_value("We meet twice a year.")
    assert Response.objects.get(pk=response.pk).status == Response.Status.DRAFT

    # Complete the form.
    summary.get_by_role("link", name="Name of the person answering").click()
    expect(page.locator("#id_name")).to_be_focused()
    page.locator("#id_name").fill("Ana Moreira")
    page.get_by_label("Choice yes").check()
    expect(page.locator("#q-format")).to_be_visible()
    page.get_by_label("Choice meeting").check()
    page.locator("#section-2").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "focal_point_form.png"), full_page=True)

    # Submit, review, confirm.
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("heading", name="Review your answers before submitting")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Ana Moreira")
    expect(page.locator("main")).to_contain_text("Choice meeting")
    page.screenshot(path=str(SCREENSHOTS / "focal_point_review.png"), full_page=True)
    page.get_by_role("button", name="Confirm and submit").click()

    # The submitted copy.
    expect(page.get_by_text("the response of MIDSA is submitted")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Submitted on")
    expect(page.locator("main")).to_contain_text("Ana Moreira")
    response.refresh_from_db()
    assert response.status == Response.Status.SUBMITTED and response.submitted_by == user
    assert response_answers(response)["format"] == ["meeting"]
    page.screenshot(path=str(SCREENSHOTS / "focal_point_submitted.png"), full_page=True)

    # The printable view: a Print button on screen, nothing but the response on paper.
    page.get_by_role("link", name="Printable version").click()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator("nav.navbar")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOTS / "focal_point_print.png"), full_page=True)
    assert page.js_errors == []


def test_the_2023_questionnaire_in_the_browser(server, page, demo):
    """The real questionnaire: SDG and GCM grids numbered, with full titles; limits and conditions live."""
    from playwright.sync_api import expect

    page.goto(server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill("fp-budapest-process@example.org")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.locator('tr[data-campaign="iscm-followup-open"][data-iscm="Budapest Process"]').get_by_role(
        "link", name=re.compile("Continue")
    ).click()
    expect(page.get_by_role("heading", name=re.compile("Sustainable Development Goals"))).to_be_visible()
    grid = page.locator("#id_sdg_priority")
    expect(grid.locator('input[type="checkbox"]')).to_have_count(17)
    expect(grid.locator("label").nth(2)).to_have_text(re.compile(r"^3\. "))
    assert grid.locator("label").nth(2).get_attribute("title")  # the full official title on hover
    boxes = grid.locator('input[type="checkbox"]')
    for index in range(17):  # the draft has its own priorities: start afresh
        if boxes.nth(index).is_checked():
            boxes.nth(index).uncheck()
    expect(boxes.nth(16)).to_be_enabled()
    for index in range(5):
        boxes.nth(index).check()
    expect(boxes.nth(5)).to_be_disabled()
    expect(grid.locator("[data-choice-count]")).to_have_text("5 / 5")
    expect(page.locator("#q-gcm_review_format")).to_be_hidden()
    page.locator('#q-gcm_review_plan input[value="yes"]').check()
    expect(page.locator("#q-gcm_review_format")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "focal_point_form_2023.png"), full_page=True)
    assert page.js_errors == []
