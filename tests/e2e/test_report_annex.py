"""In a real browser, on a phone-sized screen: the coordinator groups the report's annex by GCM objective
and reads the published practices under each objective."""

from __future__ import annotations

import pytest

from tests.conftest import requires_chromium
from tests.e2e.test_practices_library import _login

pytestmark = [pytest.mark.browser, requires_chromium]


def test_the_coordinator_groups_the_annex_by_objective_on_a_phone(server, page, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    url = f"/campaigns/{demo.slug}/report/"
    _login(page, server.url, "coordinator@example.org", url)
    form = page.locator("#report-annex-form")
    assert form.get_by_label("By ISCM").is_checked()
    form.get_by_label("By GCM objective").check()
    form.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{server.url}{url}#report-annex-form")
    assert "The annex now groups the published practices by GCM objective." in page.locator("main").text_content()
    annex = page.locator("#report-annex")
    assert annex.locator("h2").text_content() == "Annex: effective practices by GCM objective"
    headings = annex.locator(".report-annex-group h3").all_text_contents()
    assert headings[0] == "Objective 1: Accurate and disaggregated data"
    assert "Objective 19: Migrant and diaspora contributions" in headings
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider than 390 px
    assert page.js_errors == []
