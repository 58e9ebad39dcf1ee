"""The coordinator compares the 2023 survey with the demo's synthetic 2025 campaign in a real browser:
the dumbbell charts are drawn, the page says the data are synthetic, and clicking a point of the
"same ISCMs" view opens what each ISCM added and dropped."""

from __future__ import annotations

import pytest

from tests.conftest import SCREENSHOTS, requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]


def test_coordinator_compares_2023_with_the_synthetic_campaign(server, page, demo):
    server_url = server.url
    query = f"?a={demo.slug}&b=demo-cycle-2025-synthetic"
    compare = f"/campaigns/compare/{query}"
    page.goto(f"{server_url}/accounts/login/?next=/campaigns/compare/")
    page.fill("input[name=username]", "coordinator@example.org")
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{server_url}/campaigns/compare/")
    page.goto(f"{server_url}{compare}")

    chart = page.locator("#chart-gcm_priorities")
    chart.locator(".main-svg").first.wait_for()
    assert page.locator(".dashboard-chart.js-plotly-plot").count() == page.locator(".dashboard-chart").count()
    # the later campaign's rank 1 first: objective 23, 76.9% of the 2023 respondents
    first = page.evaluate("document.getElementById('chart-gcm_priorities').data[1]")
    assert first["y"][0].startswith("Objective 23 – ")
    assert round(first["x"][0], 1) == 76.9
    assert "Synthetic data." in page.locator("#synthetic-warning").text_content()
    page.screenshot(path=str(SCREENSHOTS / "compare.png"), full_page=True)
    assert page.js_errors == []

    page.locator("#same-iscms-link").click()
    page.wait_for_url(f"{server_url}/campaigns/compare/same-iscms/{query}")
    chart = page.locator("#chart-gcm_priorities")
    chart.locator(".main-svg").first.wait_for()
    point = chart.locator(".scatterlayer .trace:last-child .points path").first
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/campaigns/compare/same-iscms/gcm_priorities/**")
    assert page.locator("#iscm-changes tbody tr").count() >= 1
    assert page.js_errors == []
