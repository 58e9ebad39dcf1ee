"""The API documentation page in a real browser: Swagger UI is drawn from our static files under the
site's Content-Security-Policy (no CDN, no blocked script), and "Try it out" reads the API with the
signed-in observer's session."""

from __future__ import annotations

import pytest

from tests.conftest import requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]


def test_observer_reads_the_campaigns_from_the_documentation_page(server, page, demo):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server.url}/accounts/login/?next=/api/docs/")
    page.fill("input[name=username]", "observer@example.org")
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "ISCM Survey API" in page.locator(".swagger-ui .info .title").text_content()

    operation = page.locator("#operations-campaigns-campaigns_list")
    operation.locator(".opblock-summary").click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").click()
    body = operation.locator(".responses-wrapper .live-responses-table .response-col_description pre").first
    body.wait_for()
    assert "iscm-contributions-2023" in body.text_content()
    assert all(url.startswith(server.url) for url in requests), [u for u in requests if not u.startswith(server.url)]
    assert page.js_errors == []
