"""WCAG 2.1 AA with axe-core: every HTML page of the access table (Swagger UI aside), as each role that
may see it, in English and Arabic, at desktop width and at 390 px (a phone), in Debian's Chromium driven by
Playwright.

One live server, one demo, one browser; one tab per role and language that visits each page once and runs
axe twice on it (resized in place to the phone width, so the page is not loaded again). Plotly's charts are
drawn before axe runs. axe-core is vendored for the tests only (tests/a11y/vendor/, see its README) and
injected as an init script, so the pages' Content-Security-Policy (scripts from 'self' only) stays on.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import CHROMIUM_ARGS, requires_chromium
from tests.i18n.test_ui_languages import catalogues_compiled
from tests.security.conftest import ROLES, World
from tests.security.test_access_table import TABLE

pytestmark = [pytest.mark.browser, requires_chromium]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGES = ("en", "ar")
# Swagger UI, drf-spectacular's page describing the API for developers: third-party, English only.
THIRD_PARTY = {"api:docs"}
# The charts on a page are drawn (plotly adds .js-plotly-plot) before axe looks at it.
CHARTS_DRAWN = (
    "() => [...document.querySelectorAll('[data-figure]')].every(e => e.classList.contains('js-plotly-plot'))"
)
AXE_RUN = """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
    .then(result => result.violations.map(v => ({
        rule: v.id, impact: v.impact,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n')[1]),
        count: v.nodes.length,
    })))"""


def pages_for(world: World, role: str, client: Client) -> list[str]:
    """The HTML pages of the access table that `role` may GET (200); data (JSON, CSV, XLSX) is left out."""
    urls = []
    for name, entry in sorted(TABLE.items()):
        if name in THIRD_PARTY or entry.get is None or entry.get[role].status != 200:
            continue
        kwargs = entry.kwargs(world) if callable(entry.kwargs) else entry.kwargs
        url = reverse(name, kwargs=kwargs) + (f"?{entry.query}" if entry.query else "")
        reply = client.get(url)
        if getattr(reply, "streaming", False):
            reply.close()
        if reply["Content-Type"].startswith("text/html"):
            urls.append(url)
    return urls


NEXT_FRAMES = "() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))"

def signed_in(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def session_cookie(client: Client, server_url: str) -> list[dict]:
    if settings.SESSION_COOKIE_NAME not in client.cookies:
        return []
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": server_url,
        }
    ]


def test_every_page_has_no_axe_violation_for_any_role_language_or_width(server, demo):
    from playwright.sync_api import sync_playwright

    catalogues_compiled()
    world = World()
    # Sessions and addresses first: while Playwright's loop runs, the ORM would open another connection.
    plan = {}
    for role in ROLES:
        client = signed_in(world, role)
        plan[role] = (pages_for(world, role, client), session_cookie(client, server.url))
    found: list[str] = []
    checked = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=settings.CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            for role, (urls, cookies) in plan.items():
                for language in LANGUAGES:
                    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="en-GB")
                    context.add_init_script(path=str(AXE))
                    context.add_cookies(
                        cookies + [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server.url}]
                    )
                    tab = context.new_page()
                    tab.set_default_timeout(30_000)
                    for url in urls:
                        reply = tab.goto(server.url + url)
                        assert reply is not None and reply.status == 200, f"{role} {url}: {reply and reply.status}"
                        # a page given its language in the address (the preview's ?lang=) speaks that one
                        shown = parse_qs(urlsplit(url).query).get("lang", [language])[0]
                        assert tab.locator("html").get_attribute("lang") == shown, f"{role} {url}"
                        for width, viewport in VIEWPORTS.items():
                            tab.set_viewport_size(viewport)
                            # the page's resize handlers (app.js makes scrolling tables focusable) run
                            # before the next frames; axe must not look before they did
                            tab.evaluate(NEXT_FRAMES)
                            tab.wait_for_function(CHARTS_DRAWN)
                            for violation in tab.evaluate(AXE_RUN, WCAG_TAGS):
                                found.append(
                                    f"{url} [{role}, {language}, {width}] {violation['rule']} ({violation['impact']}, "
                                    f"{violation['count']} nodes): " + " | ".join(violation["nodes"])
                                )
                            checked += 1
                        tab.set_viewport_size(VIEWPORTS["desktop"])
                    context.close()
        finally:
            browser.close()
    assert checked > 100  # every role's pages were visited
    assert not found, f"{len(found)} axe violations on {checked} page views:\n" + "\n".join(found)
