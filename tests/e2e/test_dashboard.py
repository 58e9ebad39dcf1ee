"""The coordinator opens the 2023 dashboard in a real browser: the charts are drawn by plotly.js from our
static files, with objective 23 at the top of the GCM contributions ranking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def browser_settings(settings, monkeypatch):
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return settings


def _reload_middleware(live_server) -> None:
    """The live server is started once per session and its middleware read the settings then
    (SecurityMiddleware keeps SECURE_SSL_REDIRECT from its creation): rebuild them from the current ones."""
    handler = live_server.thread.httpd.get_app()  # StaticFilesHandler → _MediaFilesHandler → WSGIHandler
    while hasattr(handler, "application"):
        handler = handler.application
    handler.load_middleware()


@pytest.fixture
def server_url(browser_settings, live_server):
    _reload_middleware(live_server)
    return live_server.url


@pytest.fixture(autouse=True)
def _restore_middleware(request):
    """Torn down after `settings` has restored the settings: the live server gets its own back."""
    yield
    if "server_url" in request.fixturenames:
        _reload_middleware(request.getfixturevalue("live_server"))


@pytest.fixture
def page(browser_settings):
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on(
            "response",
            lambda response: (
                errors.append(f"{response.status} {response.url}")
                if response.status >= 400 and not response.url.endswith("/favicon.ico")
                else None
            ),
        )
        page.js_errors = errors
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_coordinator_sees_the_gcm_ranking_with_objective_23_first(demo, server_url, page):
    dashboard = f"/campaigns/{demo.slug}/dashboard/"
    page.goto(f"{server_url}/accounts/login/?next={dashboard}")
    page.fill("input[name=username]", "coordinator@example.org")
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{server_url}{dashboard}")

    chart = page.locator("#chart-gcm_contributes")
    chart.locator(".main-svg").first.wait_for()
    assert page.locator("#chart-gcm_contributes.js-plotly-plot").count() == 1
    first_label = page.evaluate("document.getElementById('chart-gcm_contributes').data[0].y[0]")
    assert first_label.startswith("Objective 23 – ")
    # Drawn at the top: the first tick label of the category axis (reversed) is objective 23's.
    tick_labels = chart.locator(".yaxislayer-above .ytick text").all_text_contents()
    top = page.evaluate(
        """() => {
            const ticks = [...document.querySelectorAll('#chart-gcm_contributes .yaxislayer-above .ytick')];
            ticks.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
            return ticks[0].textContent;
        }"""
    )
    assert top.startswith("Objective 23"), tick_labels
    bar_text = chart.locator(".bars .point text").first.text_content()
    assert bar_text == "76.9% (10/13)"

    # Every chart of the page is drawn, KPI cards show the seed figures, no script error (CSP included).
    assert page.locator(".dashboard-chart.js-plotly-plot").count() == page.locator(".dashboard-chart").count()
    assert page.locator("#kpi-invited").text_content().strip() == "24"
    assert page.locator("#kpi-responded").text_content().strip() == "14"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    # Plotly's own download-as-PNG button is kept (the zoom and selection buttons are not).
    assert (
        page.locator("#chart-gcm_contributes .modebar-btn[data-title='Download plot as a PNG']").count() == 1
    )
    # No script error and no CSP violation ("Refused to ..."). A warning about the policy's own syntax
    # ("contains an invalid source") is the settings' business, not this page's.
    assert [
        error
        for error in page.js_errors
        if "invalid source" not in error and "Failed to load resource" not in error
    ] == []

    # Clicking a bar opens the drill-down: the ISCMs that selected objective 23.
    # (plotly's drag layer sits above the bars and receives the click, as for a real user)
    bar = chart.locator(".bars .point path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"{server_url}{dashboard}drilldown/gcm_contributes/23/")
    assert "10 ISCMs selected this choice" in page.locator("#drilldown-count").text_content()
