"""The focal point's form in Arabic, in a real browser (Debian's headless Chromium, driven by Playwright):
chosen with the language switcher, laid out right to left with Bootstrap's RTL stylesheet, and usable
(a draft is saved). The screenshot var/screenshots/form_ar.png is for a person to look at."""

from __future__ import annotations

import re

import pytest

from questionnaires.models import Response
from questionnaires.selectors import response_answers
from tests.conftest import SCREENSHOTS, requires_chromium
from tests.i18n.test_ui_languages import catalogues_compiled

FORM_PATH = "/campaigns/iscm-followup-open/respond/MIDWA/"  # MIDWA's draft in the demo

pytestmark = [pytest.mark.browser, requires_chromium]


def _box(locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


def test_the_arabic_form_is_right_to_left_and_usable(server, page, demo):
    from playwright.sync_api import expect

    catalogues_compiled()

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
