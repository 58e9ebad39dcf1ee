"""The focal point's form in Arabic, in a real browser (Debian's headless Chromium, driven by Playwright):
chosen with the language switcher, laid out right to left with Bootstrap's RTL stylesheet, and usable
(a draft is saved). The screenshot var/screenshots/form_ar.png is for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections

from questionnaires.models import Response
from questionnaires.selectors import response_answers
from tests.i18n.test_ui_languages import catalogues_compiled

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FORM_PATH = "/campaigns/iscm-followup-open/respond/MIDWA/"  # MIDWA's draft in the demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt install chromium)"
    ),
]


@pytest.fixture
def server(settings, transactional_db, monkeypatch):
    """A live server started once the production-only settings are off (plain HTTP, unhashed static
    files), as in test_focal_point_flow.py."""
    from pytest_django.live_server_helper import LiveServer

    catalogues_compiled()
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    live = LiveServer("localhost:0")
    live._live_server_modified_settings.enable()
    yield live
    live._live_server_modified_settings.disable()
    live.stop()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        # An English browser: the focal point picks Arabic with the switcher.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("console", lambda message: _console_error(message, errors))
        tab.on("response", lambda reply: _failed_resource(reply, errors))
        tab.js_errors = errors
        yield tab
        connections.close_all()  # the ORM connection opened inside Playwright's loop
        context.close()
        browser.close()


def _console_error(message, errors: list[str]) -> None:
    # A failed load is reported by `_failed_resource` with its address (the favicon is not one).
    if message.type == "error" and "Failed to load" not in message.text:
        errors.append(message.text)


def _failed_resource(reply, errors: list[str]) -> None:
    if reply.status >= 400 and not reply.url.endswith("/favicon.ico"):
        errors.append(f"{reply.status} {reply.url}")


def _box(locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


def test_the_arabic_form_is_right_to_left_and_usable(server, page, demo):
    from playwright.sync_api import expect

    page.goto(server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill("fp-midwa@example.org")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My questionnaires")).to_be_visible()

    # The language switcher (submits itself on change): the same page comes back in Arabic.
    page.locator("#language-select").select_option("ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="استبياناتي")).to_be_visible()
    page.locator('tr[data-campaign="iscm-followup-open"][data-iscm="MIDWA"]').get_by_role(
        "link", name=re.compile("المتابعة")
    ).click()
    expect(page).to_have_url(re.compile(re.escape(FORM_PATH) + "$"))

    # Right to left: the html element, Bootstrap's RTL stylesheet loaded, the page laid out from the right.
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    sheets = page.evaluate(
        "[...document.styleSheets].filter(s => s.href).map(s => [s.href, s.cssRules.length])"
    )
    rtl_sheets = [rules for href, rules in sheets if href.endswith("/vendor/bootstrap/bootstrap.rtl.min.css")]
    assert rtl_sheets and rtl_sheets[0] > 100, sheets  # loaded, and parsed
    assert not any(href.endswith("/bootstrap.min.css") for href, _rules in sheets)
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    expect(page.get_by_role("heading", name="1. معلومات عن المجيب")).to_be_visible()

    # Labels start on the right; a checkbox sits to the right of its label.
    name_label = page.locator("label[for='id_respondent_name']")
    name_input = page.locator("#id_respondent_name")
    assert _box(name_label)["x"] + _box(name_label)["width"] == pytest.approx(
        _box(name_input)["x"] + _box(name_input)["width"], abs=2
    )
    assert page.evaluate("getComputedStyle(document.querySelector(\"label[for='id_respondent_name']\")).textAlign") in {
        "right",
        "start",
    }
    first_choice = page.locator("#q-sdg_contributes .form-check").first
    checkbox, label = first_choice.locator("input"), first_choice.locator("label")
    assert _box(checkbox)["x"] > _box(label)["x"] + _box(label)["width"] - 2

    # Usable: change an answer, save the draft, read the confirmation in Arabic.
    role = page.get_by_label("المنصب / الدور")
    role.fill("رئيسة الأمانة")
    page.get_by_role("button", name="حفظ المسودة").click()
    expect(page.get_by_text("حُفظت المسودة.")).to_be_visible()
    expect(page.get_by_label("المنصب / الدور")).to_have_value("رئيسة الأمانة")
    response = Response.objects.get(campaign__slug="iscm-followup-open", iscm__acronym="MIDWA")
    assert response_answers(response)["respondent_role"] == "رئيسة الأمانة"
    assert response.language == "ar"  # the response records the language the form was shown in

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "form_ar.png"))
    page.locator("#q-sdg_contributes").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "form_ar_choices.png"))
    assert page.js_errors == []
