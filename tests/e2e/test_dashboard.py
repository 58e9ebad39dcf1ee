"""The coordinator opens the 2023 dashboard in a real browser: the charts are drawn by plotly.js from our
static files, with objective 23 at the top of the GCM contributions ranking."""

from __future__ import annotations

import pytest

from tests.conftest import SCREENSHOTS, requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]


def test_coordinator_sees_the_gcm_ranking_with_objective_23_first(server, page, demo):
    server_url = server.url
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
    # No script error, no CSP violation ("Refused to ..."), no failed load.
    assert page.js_errors == []

    # Clicking a bar opens the drill-down: the ISCMs that selected objective 23.
    # (plotly's drag layer sits above the bars and receives the click, as for a real user)
    bar = chart.locator(".bars .point path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"{server_url}{dashboard}drilldown/gcm_contributes/23/")
    assert "10 ISCMs selected this choice" in page.locator("#drilldown-count").text_content()
