"""In a real browser: a focal point adds three practices with their GCM objectives and SDGs to a list of
items, removes one, saves a draft and submits; the practices are then in the library for the
coordinator, and for an observer only once the coordinator published them."""

from __future__ import annotations

import re

import pytest

from practices.models import Practice
from questionnaires.models import Response
from questionnaires.selectors import response_answers
from tests import factories
from tests.conftest import SCREENSHOTS, requires_chromium
from tests.questionnaires.list_items_data import list_survey_create

pytestmark = [pytest.mark.browser, requires_chromium]

PASSWORD = "correct-horse-battery"


def _login(page, server_url: str, username: str, next_url: str) -> None:
    page.goto(f"{server_url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{server_url}{next_url}")


def _fill_item(page, number: int, title: str, gcm: list[str], sdg: list[str]) -> None:
    item = page.locator(f"#practices-{number}")
    item.get_by_label("Title").fill(title)
    item.get_by_label("Description").fill(f"What {title} did.")
    item.get_by_label("Year").fill("2024")
    for code in gcm:
        item.locator(f'input[name="practices-{number}-practice_gcm"][value="{code}"]').check()
    for code in sdg:
        item.locator(f'input[name="practices-{number}-practice_sdg"][value="{code}"]').check()


def test_focal_point_lists_practices_and_the_library_shows_them(server, page):
    from playwright.sync_api import expect

    iscm = factories.IscmFactory(acronym="MIDSA", name="Migration Dialogue for Southern Africa")
    focal_point = factories.focal_point_create(iscm, username="fp-list@example.org")
    coordinator = factories.coordinator_create(username="coordinator-list@example.org")
    observer = factories.observer_create(username="observer-list@example.org")
    survey = list_survey_create(iscms=[iscm])

    _login(page, server.url, focal_point.username, "/")
    page.get_by_role("link", name=re.compile("Start")).click()
    page.get_by_label("Your name").fill("Ana Moreira")
    _fill_item(page, 1, "Regional data exchange", gcm=["1", "3"], sdg=["17"])
    page.get_by_role("button", name="Add an item").click()
    expect(page.locator("#practices-2")).to_be_visible()
    expect(page.locator("#id_practices-2-practice_title")).to_be_focused()
    expect(page.locator("#id_practices-1-practice_title")).to_have_value("Regional data exchange")
    _fill_item(page, 2, "Draft that goes away", gcm=["2"], sdg=[])
    page.get_by_role("button", name="Add an item").click()
    _fill_item(page, 3, "Labour mobility pathways", gcm=["5", "6"], sdg=["8", "10"])

    page.get_by_role("button", name="Remove item 2").click()
    expect(page.locator("#practices-3")).to_have_count(0)
    expect(page.locator("#id_practices-2-practice_title")).to_have_value("Labour mobility pathways")
    expect(page.locator('input[name="practices-2-practice_gcm"][value="6"]')).to_be_checked()
    assert not Response.objects.filter(campaign=survey.campaign).exists()  # nothing saved yet

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved")).to_be_visible()
    response = Response.objects.get(campaign=survey.campaign, iscm=iscm)
    titles = [item["practice_title"] for item in response_answers(response)["practices"]]
    assert titles == ["Regional data exchange", "Labour mobility pathways"]
    assert not Practice.objects.exists()  # a draft is not in the library
    page.locator("#q-practices").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "practices_list_form.png"), full_page=True)

    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("heading", name="Review your answers before submitting")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Labour mobility pathways")
    page.get_by_role("button", name="Confirm and submit").click()
    expect(page.get_by_text("the response of MIDSA is submitted")).to_be_visible()

    # The coordinator finds both practices, tagged as the focal point chose; observers none yet.
    _login(page, server.url, coordinator.username, "/practices/")
    titles = page.locator("article.practice h2 a").all_text_contents()
    assert sorted(title.strip() for title in titles) == ["Labour mobility pathways", "Regional data exchange"]
    labour = Practice.objects.get(title="Labour mobility pathways")
    assert sorted(labour.gcm_objectives.values_list("code", flat=True)) == ["5", "6"]
    assert sorted(labour.sdgs.values_list("code", flat=True)) == ["10", "8"]
    observer_context = page.context.browser.new_context(locale="en-GB")
    try:
        observer_page = observer_context.new_page()
        _login(observer_page, server.url, observer.username, "/practices/")
        assert observer_page.locator("article.practice").count() == 0
        assert observer_page.goto(f"{server.url}/practices/{labour.pk}/").status == 404
    finally:
        observer_context.close()

    page.goto(f"{server.url}/practices/{labour.pk}/")
    expect(page.locator("main")).to_contain_text("item 2")
    page.get_by_role("button", name="Publish (observers will see it)").click()
    expect(page.locator("main")).to_contain_text("The practice is published.")

    observer_context = page.context.browser.new_context(locale="en-GB")
    try:
        observer_page = observer_context.new_page()
        _login(observer_page, server.url, observer.username, "/practices/")
        titles = observer_page.locator("article.practice h2 a").all_text_contents()
        assert [title.strip() for title in titles] == ["Labour mobility pathways"]
    finally:
        observer_context.close()
    assert page.js_errors == []
