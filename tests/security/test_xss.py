"""Stored XSS: script, an event-handler breakout and a javascript: link in every text answer, in an ISCM's
name and region, in the campaign title, in a review comment and in a focal point's name; then every page
that shows them is rendered and scanned.

On every page: no `<script>alert` anywhere in the HTML (chart data reaches the page through
`json_script`, which escapes `<`), no element with an `on*` attribute, no `href`/`src` starting with
`javascript:`, no injected `<img src=x>`; and the payload is there, escaped (as `&lt;script&gt;` in
HTML or `\\u003Cscript\\u003E` in JSON data), which shows the page did receive it.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from questionnaires import services
from questionnaires.models import Campaign, Iscm, Question, Response
from questionnaires.selectors import response_answers

from .conftest import CAMPAIGN_OPEN, World, csp_nonce, html_problems

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
LINK = "javascript:alert(1)"
PAYLOAD = f"{SCRIPT} {BREAKOUT} {LINK}"
ESCAPED = ["&lt;script&gt;alert(1)&lt;/script&gt;", "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E"]
ESCAPED_BREAKOUT = ["&quot;&gt;&lt;img src=x onerror=alert(1)&gt;", "\\u003Cimg src=x onerror=alert(1)\\u003E"]

VICTIM = "MIDSA"  # submitted in the open campaign, then returned with a comment
VICTIM_FP = "fp-midsa@example.org"


@pytest.fixture
def poisoned(world: World) -> dict[str, object]:
    campaign = world.open
    iscm = Iscm.objects.get(acronym=VICTIM)
    iscm.name = f"Migration Dialogue {PAYLOAD}"
    iscm.region = SCRIPT  # regions are chart labels, filter options and hover text
    iscm.save()
    Campaign.objects.filter(pk=campaign.pk).update(title_en=f"Follow-up {PAYLOAD}")
    focal_point = world.users["focal_point"].__class__.objects.get(username=VICTIM_FP)
    focal_point.first_name, focal_point.last_name = SCRIPT, BREAKOUT
    focal_point.save()

    response = Response.objects.get(campaign=campaign, iscm=iscm)
    answers = response_answers(response)
    text_questions = campaign.questionnaire.questions.filter(
        type__in=[Question.Type.SHORT_TEXT, Question.Type.LONG_TEXT]
    ).values_list("code", flat=True)
    assert len(text_questions) >= 5
    for code in text_questions:
        answers[code] = f"{PAYLOAD}\n\n- {SCRIPT}\n- {BREAKOUT}"
    services.response_import(
        campaign=campaign, iscm=iscm, user=focal_point, answers=answers, status=Response.Status.SUBMITTED
    )
    response.refresh_from_db()
    services.response_return(response=response, user=world.users["coordinator"], comment=f"Please revise {PAYLOAD}")
    from analytics.services import aggregates_recompute

    aggregates_recompute(campaign_id=campaign.pk, force=True)
    chosen = answers.get("gcm_priorities") or answers.get("gcm_contributes")
    return {"iscm": iscm, "response": response, "focal_point": focal_point, "gcm_choice": chosen[0]}


def _pages(world: World, poisoned: dict[str, object]) -> list[tuple[str, str]]:
    slug = {"slug": CAMPAIGN_OPEN}
    mine = {"slug": CAMPAIGN_OPEN, "acronym": VICTIM}
    question = "gcm_priorities"
    return [
        ("focal_point", reverse("home")),
        ("focal_point", reverse("questionnaires:respond", kwargs=mine)),
        ("focal_point", reverse("questionnaires:respond_review", kwargs=mine)),
        ("focal_point", reverse("questionnaires:response_detail", kwargs=mine)),
        ("focal_point", reverse("questionnaires:response_print", kwargs=mine)),
        ("coordinator", reverse("questionnaires:campaign_list")),
        ("coordinator", reverse("questionnaires:campaign_detail", kwargs=slug)),
        ("coordinator", reverse("questionnaires:coordinator_response", kwargs=mine)),
        ("coordinator", reverse("questionnaires:iscm_focal_points", kwargs={"acronym": VICTIM})),
        ("coordinator", reverse("questionnaires:export", kwargs=slug)),
        ("coordinator", reverse("questionnaires:import_responses", kwargs=slug)),
        ("coordinator", reverse("analytics:dashboard", kwargs=slug)),
        ("observer", reverse("analytics:dashboard", kwargs=slug)),
        ("coordinator", reverse("analytics:dashboard", kwargs=slug) + "?region=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        ("coordinator", reverse("analytics:texts", kwargs=slug)),
        ("coordinator", reverse("analytics:texts", kwargs=slug) + "?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        (
            "coordinator",
            reverse(
                "analytics:drilldown",
                kwargs={"slug": CAMPAIGN_OPEN, "question": question, "choice": poisoned["gcm_choice"]},
            ),
        ),
    ]


def _assert_safe(page, what: str, *, expect_payload: bool = True) -> None:
    assert page.status_code == 200, f"{what}: {page.status_code}"
    content = page.content.decode()
    problems = html_problems(content, nonce=csp_nonce(page))
    assert not problems, f"{what}: {problems}"
    if expect_payload:
        assert any(marker in content for marker in ESCAPED), f"{what}: the payload is not on the page"


def test_every_page_shows_the_payloads_escaped(world, poisoned):
    for role, url in _pages(world, poisoned):
        client = world.client(role)
        if role == "focal_point":
            client.force_login(poisoned["focal_point"])
        _assert_safe(client.get(url), f"{url} as {role}")


def test_the_breakout_payload_stays_inside_its_attribute_or_text(world, poisoned):
    client = world.client("coordinator")
    page = client.get(reverse("questionnaires:coordinator_response", kwargs={"slug": CAMPAIGN_OPEN, "acronym": VICTIM}))
    content = page.content.decode()
    assert any(marker in content for marker in ESCAPED_BREAKOUT)
    assert BREAKOUT not in content


def test_chart_data_reaches_the_dashboard_through_json_script(world, poisoned):
    page = world.client("coordinator").get(reverse("analytics:dashboard", kwargs={"slug": CAMPAIGN_OPEN}))
    content = page.content.decode()
    assert '<script id="figures" type="application/json"' in content or 'type="application/json"' in content
    assert "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E" in content  # the region label, as JSON data


def test_the_admin_pages_show_the_payloads_escaped(world, poisoned):
    client = world.client("admin")
    response_pk = poisoned["response"].pk
    for url in (
        f"/admin/questionnaires/response/{response_pk}/change/",
        "/admin/questionnaires/response/",
        f"/admin/questionnaires/iscm/{poisoned['iscm'].pk}/change/",
        "/admin/questionnaires/iscm/",
        f"/admin/questionnaires/campaign/{world.open.pk}/change/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        content = page.content.decode()
        assert "<script>alert" not in content, url
        problems = [p for p in html_problems(content, nonce=csp_nonce(page)) if "inline <script>" not in p]
        assert not problems, f"{url}: {problems}"
        assert any(marker in content for marker in ESCAPED), url


def test_the_report_page_shows_the_payloads_escaped(world, poisoned, settings, tmp_path):
    """The summary report (issue 7) at /campaigns/<slug>/report/: its annex quotes the text answers; the
    published version (issue 18), stored as HTML when it was published, as observers read it."""
    from django.core.files.base import ContentFile

    from analytics.models import CampaignStats, ReportFile
    from analytics.services import aggregates_recompute
    from analytics.services_report import report_publish_version
    from questionnaires.models import Campaign

    url = f"/campaigns/{CAMPAIGN_OPEN}/report/"
    page = world.client("coordinator").get(url)
    assert page.status_code == 200, f"{url} as coordinator: {page.status_code}"
    _assert_safe(page, f"{url} as coordinator")

    settings.MEDIA_ROOT = tmp_path
    campaign = Campaign.objects.get(slug=CAMPAIGN_OPEN)
    aggregates_recompute(campaign_id=campaign.pk, force=True)
    as_of = CampaignStats.objects.get(campaign=campaign).computed_at
    for fmt in ("pdf", "docx"):
        report_file = ReportFile(campaign=campaign, format=fmt, language="en", figures_as_of=as_of, status="ready")
        report_file.file.save(f"report.{fmt}", ContentFile(b"file"), save=True)
    report_publish_version(campaign=campaign, language="en", user=None)
    published_url = f"/campaigns/{CAMPAIGN_OPEN}/report/published/"
    for role in ("coordinator", "observer"):
        page = world.client(role).get(published_url)
        assert page.status_code == 200, f"{published_url} as {role}: {page.status_code}"
        _assert_safe(page, f"{published_url} as {role}")
