"""The coordinator's preview of a draft in Arabic and its translations page, in a real browser: the
focal point's form laid out right to left, a display condition showing and hiding its question,
"Check the answers" giving the focal point's messages, and nothing saved; then a translation typed
and saved on the translations page (Arabic fields right to left)."""

from __future__ import annotations

import pytest

from questionnaires.models import Answer, AnswerChoice, Question, Response
from tests import factories
from tests.conftest import SCREENSHOTS, requires_chromium
from tests.questionnaires.publish_data import draft_create

pytestmark = [pytest.mark.browser, requires_chromium]


def test_the_coordinator_previews_in_arabic_and_translates(server, page):
    from playwright.sync_api import expect

    draft = draft_create()
    factories.coordinator_create(username="coordinator-e2e@example.org", password="demo")
    base = f"{server.url}/questionnaires/{draft.slug}/v{draft.version}"

    page.goto(f"{server.url}/accounts/login/?next=/questionnaires/{draft.slug}/v1/preview/%3Flang%3Dar")
    page.fill("input[name=username]", "coordinator-e2e@example.org")
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{base}/preview/?lang=ar")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_text("Q2.1 Plan? (ar) عربي")).to_be_visible()
    formats = page.locator("#q-formats")
    expect(formats).to_be_hidden()  # shown only when plan is yes
    page.get_by_label("Yes (ar) عربي").check()
    expect(formats).to_be_visible()
    page.get_by_label("Online (ar) عربي").check()
    page.get_by_label("Hybrid (ar) عربي").check()
    expect(page.get_by_label("In_Person (ar) عربي")).to_be_disabled()  # at most 2, as on the live form
    page.screenshot(path=str(SCREENSHOTS / "authoring_preview_ar.png"), full_page=True)
    page.locator("form#response-form [type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert page.locator("#error-summary li").count() == 1  # the name is required
    expect(page.get_by_label("Hybrid (ar) عربي")).to_be_checked()  # the answers are kept
    assert (Response.objects.count(), Answer.objects.count(), AnswerChoice.objects.count()) == (0, 0, 0)

    plan = Question.objects.get(code="plan")
    page.goto(f"{base}/translations/?section={plan.section_id}")
    arabic = page.locator(f'[name="question-{plan.pk}-label-ar"]')
    expect(arabic).to_have_attribute("dir", "rtl")
    arabic.fill("هل تخططون للمشاركة؟")
    page.get_by_role("button", name="Save the texts").click()
    expect(page.get_by_text("Texts saved (1 changed).")).to_be_visible()
    plan.refresh_from_db()
    assert plan.label_ar == "هل تخططون للمشاركة؟"
    assert not page.js_errors
