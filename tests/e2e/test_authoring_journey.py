"""Next year's questionnaire without a developer, end to end in a real browser (issue 14, "What it must
show"). The coordinator makes a new version of the 2023 questionnaire, removes the COP28 question, adds a
single choice with its own choices shown only to ISCMs working on climate action, translates it into
French and Arabic, previews it in Arabic, fixes what the publish check lists (the Spanish texts), publishes,
and creates a campaign on it inviting one ISCM; a focal point of that ISCM answers the new question and
submits; the campaign's dashboard charts it.

Each step leaves a 1280×800 screenshot in var/screenshots/authoring/ (the ones in docs/img/authoring/,
shown in docs/authoring.md, come from this test)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from questionnaires.models import Campaign, Iscm, Question, Questionnaire, Response
from questionnaires.selectors import response_answers
from tests.conftest import SCREENSHOTS, requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]

SHOTS = SCREENSHOTS / "authoring"
NEW_CODE = "cop30_participation"
NEW_CHOICES = [
    # code, English, French, Spanish, Arabic
    ("yes", "Yes", "Oui", "Sí", "نعم"),
    ("no", "No", "Non", "No", "لا"),
    ("undecided", "Not decided yet", "Pas encore décidé", "Aún no decidido", "لم يُحسم بعد"),
]
NEW_LABEL = {
    "en": "Will your ISCM take part in COP30 (Belém, November 2025)?",
    "fr": "Votre MCIM participera-t-il à la COP30 (Belém, novembre 2025) ?",
    "es": "¿Participará su MCIM en la COP30 (Belém, noviembre de 2025)?",
    "ar": "هل ستشارك آليتكم في مؤتمر COP30 (بيليم، نوفمبر 2025)؟",
}
FOCAL_POINT = "fp-budapest-process@example.org"


def shot(page, name: str, focus=None, block: str = "start") -> None:
    """A viewport-sized screenshot (small enough for the docs), scrolled to `focus` when given: its top a
    little below the top of the window, or in the middle with `block="center"`."""
    if focus is not None:
        focus.evaluate(  # instantly: Bootstrap makes scrolling smooth
            """(element, block) => {
                element.scrollIntoView({block, behavior: "instant"});
                if (block === "start") window.scrollBy({top: -48, behavior: "instant"});
            }""",
            block,
        )
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def log_in(page, server_url: str, username: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{server_url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(f"{server_url}{next_url}")


def test_next_years_questionnaire_from_the_editor_to_the_dashboard(server, page, demo):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_default_timeout(10_000)
    source = demo.questionnaire  # the 2023 questionnaire, version 1
    log_in(page, server.url, "coordinator@example.org", "/questionnaires/")

    # 1. The list of questionnaires: a new version from the 2023 one.
    expect(page.get_by_role("heading", name="Questionnaires", exact=True)).to_be_visible()
    shot(page, "01-list")
    with page.expect_navigation():
        page.get_by_role("button", name=f"New version from version {source.version}", exact=True).click()
    draft = Questionnaire.objects.filter(slug=source.slug).order_by("-version").first()
    assert draft.version > source.version and draft.status == Questionnaire.Status.DRAFT
    editor = f"{server.url}/questionnaires/{draft.slug}/v{draft.version}"
    expect(page).to_have_url(f"{editor}/edit/")
    expect(page.get_by_role("alert").filter(has_text=f"Version {draft.version} is a draft")).to_be_visible()
    shot(page, "02-new-version")

    # 2. The COP28 question goes (the browser asks for a confirmation first).
    page.locator("[data-question=cop28_message] a").click()
    expect(page.get_by_role("heading", name="Question cop28_message")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Delete this question").click()
    expect(page.get_by_role("alert").filter(has_text="The question is deleted.")).to_be_visible()
    assert not draft.questions.filter(code="cop28_message").exists()
    section = draft.sections.get(title_en="Climate change and migration")
    expect(page.locator("[data-question=cop28_message]")).to_have_count(0)
    shot(page, "03-question-deleted")

    # 3. A single choice in its place, shown only to ISCMs that work on climate action (SDG 13): the
    # condition is picked from the earlier question's choices, never typed.
    with page.expect_navigation():
        page.get_by_role("link", name="+ Add a question to this section").click()
    page.fill("input[name=code]", NEW_CODE)
    page.select_option("select[name=type]", "single_choice")
    page.fill("textarea[name=label]", NEW_LABEL["en"])
    with page.expect_navigation():  # choosing the question brings its choices
        page.select_option("select[name=show_if_question]", str(draft.questions.get(code="sdg_contributes").pk))
    expect(page.locator("input[name=code]")).to_have_value(NEW_CODE)  # nothing typed is lost
    page.get_by_label("13. Climate action", exact=True).check()
    shot(page, "04-condition", page.locator("fieldset:has(select[name=show_if_question])"))
    with page.expect_navigation():
        page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_role("alert").filter(has_text="The question is added.")).to_be_visible()
    question = draft.questions.get(code=NEW_CODE)
    assert (question.section, question.show_if_question.code, question.show_if_values) == (
        section,
        "sdg_contributes",
        ["13"],
    )

    # its own list of choices
    for number, (code, english, *_translations) in enumerate(NEW_CHOICES, start=1):
        page.get_by_label(f"Code of choice {number}", exact=True).fill(code)
        page.get_by_label(f"Label of choice {number}", exact=True).fill(english)
    with page.expect_navigation():
        page.get_by_role("button", name="Save the choices").click()
    expect(page.get_by_role("alert").filter(has_text="The choices are saved.")).to_be_visible()
    assert list(question.own_choices.order_by("position").values_list("code", flat=True)) == [
        code for code, *_texts in NEW_CHOICES
    ]
    shot(page, "05-choices", page.locator("#choices"))

    # 4. French and Arabic on the translations page (Spanish is left for the publish check to find).
    page.get_by_role("link", name="Translations", exact=True).first.click()
    page.get_by_role("link", name=re.compile(r"^3\. Climate change and migration")).click()
    expect(page.get_by_role("heading", name="3. Climate change and migration")).to_be_visible()
    choices = {choice.code: choice for choice in question.own_choices.all()}
    for language, column in (("fr", 2), ("ar", 4)):
        page.fill(f'[name="question-{question.pk}-label-{language}"]', NEW_LABEL[language])
        for code, *texts in NEW_CHOICES:
            page.fill(f'[name="choice-{choices[code].pk}-label-{language}"]', texts[column - 1])
    expect(page.locator(f'[name="question-{question.pk}-label-ar"]')).to_have_attribute("dir", "rtl")
    page.get_by_role("button", name="Save the texts").click()
    expect(page.get_by_text("Texts saved (8 changed).")).to_be_visible()
    shot(page, "06-translations", page.locator(f'[name="question-{question.pk}-label-en"]'))
    question.refresh_from_db()
    assert (question.label_fr, question.label_ar, question.label_es) == (NEW_LABEL["fr"], NEW_LABEL["ar"], "")

    # 5. The preview in Arabic: the new question appears once SDG 13 is ticked; nothing is saved.
    page.goto(f"{editor}/preview/?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    new_question = page.locator(f"#q-{NEW_CODE}")
    expect(new_question).to_be_hidden()
    page.locator("#id_sdg_contributes input[value='13']").check()
    expect(new_question).to_be_visible()
    expect(new_question).to_contain_text(NEW_LABEL["ar"])
    new_question.get_by_label("نعم", exact=True).check()
    shot(page, "07-preview-arabic", new_question)

    # 6. The publish check lists the missing Spanish texts; they are fixed from its link, then it publishes.
    page.goto(f"{editor}/publish/")  # (the preview speaks Arabic: its tab is "التحقق والنشر")
    problems = page.locator("#problems")
    expect(problems).to_contain_text(f"{NEW_CODE}")
    expect(problems).to_contain_text("Label missing in Spanish.")
    assert problems.locator("tbody tr").count() == 1 + len(NEW_CHOICES)
    shot(page, "08-publish-check")
    with page.expect_navigation():
        problems.get_by_role("link", name="Translate").first.click()
    page.fill(f'[name="question-{question.pk}-label-es"]', NEW_LABEL["es"])
    for code, *texts in NEW_CHOICES:
        page.fill(f'[name="choice-{choices[code].pk}-label-es"]', texts[2])
    page.get_by_role("button", name="Save the texts").click()
    expect(page.get_by_text("Texts saved (4 changed).")).to_be_visible()
    page.get_by_role("link", name="Check and publish").click()
    expect(page.locator("#no-problem")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name=f"Publish version {draft.version}").click()
    expect(page.get_by_role("alert").filter(has_text="is published")).to_be_visible()
    draft.refresh_from_db()
    assert draft.status == Questionnaire.Status.PUBLISHED and draft.published_at is not None
    shot(page, "09-published")

    # 7. A campaign on the new version, inviting one ISCM.
    iscm = Iscm.objects.get(acronym="Budapest Process")
    with page.expect_navigation():
        page.get_by_role("link", name="Create a campaign with this version").click()
    expect(page.locator("select[name=questionnaire]")).to_have_value(str(draft.pk))
    page.fill("input[name=slug]", "iscm-contributions-2025")
    page.fill("input[name=title_en]", "ISCM contributions 2025")
    now = timezone.localtime()
    page.fill("input[name=opens_at]", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=closes_at]", (now + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M"))
    page.locator(f"#iscm-{iscm.pk}").check()
    shot(page, "10-campaign", page.locator(f"#iscm-{iscm.pk}"), block="center")
    with page.expect_navigation():
        page.get_by_role("button", name="Create campaign").click()
    expect(page.get_by_role("alert").filter(has_text="The campaign was created.")).to_be_visible()
    campaign = Campaign.objects.get(slug="iscm-contributions-2025")
    assert campaign.questionnaire == draft
    assert list(campaign.invitations.values_list("iscm__acronym", flat=True)) == ["Budapest Process"]

    # 8. A focal point of that ISCM answers the new question and submits.
    log_in(page, server.url, FOCAL_POINT, "/")
    row = page.locator(f'tr[data-campaign="{campaign.slug}"][data-iscm="Budapest Process"]')
    row.get_by_role("link", name=re.compile("Start")).click()
    page.locator("#id_respondent_name").fill("Ana Moreira")
    page.locator("#id_sdg_contributes input[value='13']").check()
    new_question = page.locator(f"#q-{NEW_CODE}")
    expect(new_question).to_be_visible()
    new_question.get_by_label("Yes", exact=True).check()
    shot(page, "11-focal-point", new_question)
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("heading", name="Review your answers before submitting")).to_be_visible()
    page.get_by_role("button", name="Confirm and submit").click()
    expect(page.get_by_text("the response of Budapest Process is submitted")).to_be_visible()
    response = Response.objects.get(campaign=campaign, iscm=iscm)
    assert response.status == Response.Status.SUBMITTED
    assert response_answers(response)[NEW_CODE] == "yes"

    # 9. The campaign's dashboard charts the new question.
    log_in(page, server.url, "coordinator@example.org", f"/campaigns/{campaign.slug}/dashboard/")
    chart = page.locator(f"#chart-{NEW_CODE}")
    chart.locator(".main-svg").first.wait_for()
    trace = chart.evaluate("element => ({labels: element.data[0].labels, values: element.data[0].values})")
    assert dict(zip(trace["labels"], trace["values"], strict=True)) == {"Yes": 1, "No": 0, "Not decided yet": 0}
    shot(page, "12-dashboard", page.locator(f"#card-{NEW_CODE}"))
    assert not Question.objects.filter(questionnaire=draft, code="cop28_message").exists()
    assert page.js_errors == []
