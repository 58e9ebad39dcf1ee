"""In a real browser: the coordinator searches the practices library, sees the per-objective chart drawn
by plotly.js, publishes a practice; the observer then finds it, and not before."""

from __future__ import annotations

import pytest

from practices.models import Practice
from tests.conftest import requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]


def _login(page, server_url: str, username: str, next_url: str) -> None:
    page.goto(f"{server_url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{server_url}{next_url}")


def test_coordinator_searches_publishes_and_the_observer_then_sees(server, page, demo):
    server_url = server.url
    unpublished = Practice.objects.filter(published_at=None, iscm__acronym="MIDSA").order_by("id").first()
    observer_context = page.context.browser.new_context(locale="en-GB")
    try:  # before publication, the observer gets a 404
        observer = observer_context.new_page()
        _login(observer, server_url, "observer@example.org", "/practices/")
        assert observer.goto(f"{server_url}/practices/{unpublished.pk}/").status == 404
    finally:
        observer_context.close()
    _login(page, server_url, "coordinator@example.org", "/practices/")
    page.locator(".dashboard-chart[data-figure='per-objective'] .main-svg").first.wait_for()
    assert page.evaluate("document.querySelector('[data-figure=per-objective]').data[0].x.length") == 23

    page.fill("input[name=q]", "access to justice")
    page.select_option("select[name=gcm]", "16")
    page.locator("form[role=search] [type=submit]").click()
    page.wait_for_url("**/practices/?*")
    titles = page.locator("article.practice h2 a").all_text_contents()
    assert len(titles) == 1 and "access to justice" in titles[0]
    assert page.js_errors == []

    page.goto(f"{server_url}/practices/{unpublished.pk}/")
    page.get_by_role("button", name="Publish (observers will see it)").click()
    page.wait_for_url(f"{server_url}/practices/{unpublished.pk}/")
    assert "The practice is published." in page.locator("main").text_content()

    observer_context = page.context.browser.new_context(locale="en-GB")  # a session of its own
    try:
        observer = observer_context.new_page()
        _login(observer, server_url, "observer@example.org", f"/practices/{unpublished.pk}/")
        assert unpublished.title in observer.locator("h1").text_content()
    finally:
        observer_context.close()
