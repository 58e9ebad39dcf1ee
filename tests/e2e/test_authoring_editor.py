"""The questionnaire editor in a browser: a new version from the 2023 questionnaire, a condition picked
from an earlier question's choices (its choices appear as soon as it is chosen), a label saved
automatically, a question moved with the keyboard, and the page at 390 px (the map stacks, nothing
scrolls sideways). Screenshots for docs/authoring.md go to var/screenshots/."""

from __future__ import annotations

import pytest

from questionnaires.models import Questionnaire
from tests.conftest import SCREENSHOTS, requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]


def login(page, server_url: str, next_url: str) -> None:
    page.goto(f"{server_url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", "coordinator@example.org")
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{server_url}{next_url}")


def test_editor_in_a_browser(server, page, demo):
    source = demo.questionnaire
    login(page, server.url, "/questionnaires/")
    with page.expect_navigation():
        page.get_by_role("button", name=f"New version from version {source.version}", exact=True).click()
    draft = Questionnaire.objects.filter(slug=source.slug).order_by("-version").first()
    assert page.url.endswith(f"/questionnaires/{source.slug}/v{draft.version}/edit/")
    page.screenshot(path=str(SCREENSHOTS / "authoring-editor.png"), full_page=True)

    # a condition picked, never typed: choosing the earlier question shows its choices
    page.locator("[data-question=gcm_priorities] a").click()
    with page.expect_navigation():
        page.select_option("select[name=show_if_question]", value=str(draft.questions.get(code="gcm_review_plan").pk))
    page.get_by_label("Yes", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_role("alert").filter(has_text="Saved.").count() == 1, page.locator("main").inner_text()
    question = draft.questions.get(code="gcm_priorities")
    assert (question.show_if_question.code, question.show_if_values) == ("gcm_review_plan", ["yes"])
    page.screenshot(path=str(SCREENSHOTS / "authoring-question.png"), full_page=True)

    # saved as the coordinator goes: leaving the field saves it, and the next save is not a conflict
    page.fill("textarea[name=label]", "Which GCM objectives will your ISCM prioritise in 2025?")
    page.locator("textarea[name=help]").focus()
    page.get_by_role("status").filter(has_text="Saved automatically.").wait_for()
    question.refresh_from_db()
    assert question.label_en == "Which GCM objectives will your ISCM prioritise in 2025?"
    page.fill("input[name=chart_title]", "Priorities 2025")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert page.locator(".alert-danger").count() == 0
    question.refresh_from_db()
    assert question.chart_title_en == "Priorities 2025"

    # moved with the keyboard: the map's "down" button of the first question
    page.get_by_role("button", name="Move respondent_name down").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("alert").filter(has_text="The question is moved.").count() == 1
    codes = list(draft.questions.order_by("section__position", "position").values_list("code", flat=True))
    assert codes[:2] == ["respondent_role", "respondent_name"]

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server.url}/questionnaires/{source.slug}/v{draft.version}/edit/questions/{question.pk}/?lang=ar")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, "the editor scrolls sideways"
    map_box = page.locator(".authoring-map").bounding_box()
    panel_box = page.locator("#panel").bounding_box()
    assert map_box["y"] + map_box["height"] <= panel_box["y"] + 1, "the map does not stack above the panel"
    assert page.locator("textarea[name=label]").get_attribute("dir") == "rtl"
    page.screenshot(path=str(SCREENSHOTS / "authoring-mobile-arabic.png"), full_page=True)
    assert page.js_errors == []
