"""A 390 px wide phone (issue 17, item 11): the home page, the tracker and the dashboard fit the screen
(no sideways scrolling), the home page's Start/Edit buttons are on screen, the charts' labels are not cut."""

from __future__ import annotations

import pytest

from tests.conftest import SCREENSHOTS, requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]

WIDTH = 390


def login(page, server_url: str, username: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{server_url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{server_url}{next_url}")


def scroll_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def test_pages_fit_a_390_px_screen(server, page, demo, followup):
    page.set_viewport_size({"width": WIDTH, "height": 844})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    login(page, server.url, "fp-midwa@example.org", "/")
    assert scroll_width(page) <= WIDTH, "home page scrolls sideways"
    buttons = page.locator("a.btn:has-text('Continue'), a.btn:has-text('Start'), a.btn:has-text('Edit')")
    assert buttons.count() >= 1
    for index in range(buttons.count()):
        box = buttons.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    page.screenshot(path=str(SCREENSHOTS / "mobile-home.png"), full_page=True)

    tracker = f"/campaigns/{followup.slug}/"
    login(page, server.url, "coordinator@example.org", tracker)
    assert scroll_width(page) <= WIDTH, "tracker scrolls sideways"
    page.screenshot(path=str(SCREENSHOTS / "mobile-tracker.png"), full_page=True)

    dashboard = f"/campaigns/{demo.slug}/dashboard/"
    page.goto(f"{server.url}{dashboard}")
    page.locator("#chart-gcm_contributes .main-svg").first.wait_for()
    page.wait_for_timeout(300)  # Plotly's responsive relayout
    assert scroll_width(page) <= WIDTH, "dashboard scrolls sideways"
    cut = page.evaluate(
        """() => {
            const cut = [];
            document.querySelectorAll('.dashboard-chart.js-plotly-plot').forEach((chart) => {
              const frame = chart.getBoundingClientRect();
              const labels = '.ytick text, .xtick text, .gtitle, .xtitle, .ytitle, .legendtext, text.bartext';
              chart.querySelectorAll(labels).forEach((label) => {
                const box = label.getBoundingClientRect();
                if (box.width && (box.left < frame.left - 1 || box.right > frame.right + 1)) {
                  cut.push(chart.id + ': ' + label.textContent);
                }
              });
            });
            return cut;
        }"""
    )
    assert cut == [], cut
    page.screenshot(path=str(SCREENSHOTS / "mobile-dashboard.png"), full_page=True)
    assert page.js_errors == []
