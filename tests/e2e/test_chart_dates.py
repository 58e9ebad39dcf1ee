"""Dates on the charts follow the page's language (issue 17 #12), in a real browser: the 2023 dashboard in
French writes its submission dates "11 avril 2023", on the axis and in the hover label, never "Apr"."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SCREENSHOTS, requires_chromium
from tests.i18n.test_ui_languages import catalogues_compiled

pytestmark = [pytest.mark.browser, requires_chromium]


def test_the_submissions_chart_writes_dates_in_french(server, page, demo):
    catalogues_compiled()
    dashboard = f"/campaigns/{demo.slug}/dashboard/"
    page.goto(f"{server.url}/accounts/login/?next={dashboard}")
    page.fill("input[name=username]", "coordinator@example.org")
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{server.url}{dashboard}")
    page.locator("#language-select").select_option("fr")
    page.wait_for_function("document.documentElement.lang === 'fr'")

    chart = page.locator("#chart-submissions")
    chart.scroll_into_view_if_needed()
    chart.locator(".main-svg").first.wait_for()
    ticks = chart.locator(".xaxislayer-above .xtick text").all_text_contents()
    assert ticks and all(re.fullmatch(r"\d{1,2} (avril|mai) 2023", tick) for tick in ticks), ticks

    point = chart.locator(".scatterlayer .point").nth(1)
    box = point.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = chart.locator(".hoverlayer .hovertext")
    hover.wait_for()
    text = hover.text_content()
    assert re.search(r"\d{1,2} (avril|mai) 2023", text) and "Apr" not in text, text
    page.screenshot(path=str(SCREENSHOTS / "dashboard_dates_fr.png"), full_page=False)
    assert page.js_errors == []
