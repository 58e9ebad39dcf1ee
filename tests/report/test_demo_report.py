"""With the bundled 2023 demo, the report states the seed's figures — in the HTML page, and in the text of
the DOCX and PDF files. An answer with HTML and script in it shows as typed in all three.

The files are generated once for the module (a headless Chromium takes seconds) from the demo loaded in
a transaction rolled back afterwards."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from analytics.report import report_compose, report_data
from analytics.report_render import chromium_path, render_docx, render_files
from questionnaires.models import Answer, Campaign, Question, Response
from tests.report.conftest import XSS_IMG, XSS_SCRIPT

pytestmark = pytest.mark.django_db

XSS_ANSWER = f"Our practice: {XSS_SCRIPT}\n\n- First {XSS_IMG} item\n- Second item & more"


def _plant_xss_answer(campaign: Campaign) -> None:
    response = Response.objects.get(campaign=campaign, iscm__acronym="MIDSA")
    # a message question: the demo splits the practice answers into practices, which the annex shows instead
    question = Question.objects.get(questionnaire=campaign.questionnaire, code="hlpf_message")
    Answer.objects.update_or_create(response=response, question=question, defaults={"text": XSS_ANSWER})


def _normalise(text: str) -> str:
    return " ".join(text.split())


def assert_seed_figures(text: str) -> None:
    """The seed report's figures, worded as the report words them (whitespace normalised)."""
    text = _normalise(text)
    assert "14 of the 24 ISCMs invited (58%) responded." in text
    # GCM priorities (Graph 4 of the seed): 23 at 77%, 2 at 62%, then 1, 3 and 5 at 54% each.
    assert (
        "Objective 23 (International cooperation and partnerships) ranks first, cited by 10 of 13 responding "
        "ISCMs (77%). It is followed by Objective 2 (Minimize adverse drivers of migration), cited by 8 of 13 "
        "(62%); and Objectives 1 (Accurate and disaggregated data), 3 (Accurate and timely information) and 5 "
        "(Pathways for regular migration), each cited by 7 of 13 (54%)." in text
    )
    # The review plan (Graph 2): 69% engage, the remaining 31% undecided, nobody declines.
    assert (
        "69% plan to engage in the 2024 cycle of the GCM regional review (9 of the 13 ISCMs that answered). "
        "The remaining 31% have not yet decided (4). None responded that they do not plan to participate."
        in text
    )
    # Review formats (Graph 3): shares of the 31 selections.
    assert re.search(
        r"“Regional review events[^”]*” comes first, with 35\.5% of the selections \(11 of 31\)", text
    )
    assert re.search(r"“Written inputs” and “Dedicated ISCM events[^”]*”, each with 25\.8% \(8 of 31\)", text)
    # SDGs: all 17 contributed to; 8, 10, 17 and 5 prioritised, in this order.
    assert "contribute to all 17 Sustainable Development Goals (SDGs)" in text
    assert (
        "the goals they prioritise are SDG 8 (Decent work and economic growth), SDG 10 (Reduced inequalities), "
        "SDG 17 (Partnerships for the goals) and SDG 5 (Gender equality)." in text
    )
    assert (
        "SDG 8 (Decent work and economic growth) ranks first, cited by 11 of 14 responding ISCMs (79%)."
        in text
    )
    # The base when it differs from the respondents (the GFMD left the GCM questions blank).
    assert "13 of the 14 responding ISCMs answered this question." in text
    # The responding ISCMs by full name and acronym, and the annex.
    assert "Migration Dialogue for Southern Africa (MIDSA)" in text
    assert "South American Conference on Migration (SACM)" in text
    assert "Annex: messages and effective practices shared by the ISCMs" in text


@pytest.fixture(scope="module")
def demo_files(django_db_setup, django_db_blocker):
    """PDF bytes and DOCX bytes of the 2023 demo report (with one planted hostile answer), in English."""
    import os

    if not os.path.exists(chromium_path()):
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    with django_db_blocker.unblock(), transaction.atomic(), translation.override("en"):
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        campaign = Campaign.objects.select_related("questionnaire").get(slug="iscm-contributions-2023")
        _plant_xss_answer(campaign)
        report = report_compose(report_data(campaign))
        pdf, images = render_files(report)
        docx = render_docx(report, images)
        transaction.set_rollback(True)
    return {"pdf": pdf, "docx": docx}


def _docx_document(content: bytes):
    from docx import Document

    return Document(io.BytesIO(content))


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _html_text(content: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def report_page(demo, client):
    _plant_xss_answer(demo)
    client.force_login(User.objects.get(username="coordinator@example.org"))
    response = client.get(reverse("analytics:report", kwargs={"slug": demo.slug}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_html_report_states_the_seed_figures(report_page):
    assert_seed_figures(_html_text(report_page))
    # six charts, each drawn by report.js from the figures passed with json_script
    assert report_page.count('class="report-chart"') == 6
    assert 'id="report-figures" type="application/json"' in report_page


def test_the_docx_states_the_seed_figures(demo_files):
    document = _docx_document(demo_files["docx"])
    assert_seed_figures("\n".join(paragraph.text for paragraph in document.paragraphs))
    assert len(document.inline_shapes) == 6  # the six charts, as pictures


def test_the_pdf_states_the_seed_figures(demo_files):
    assert demo_files["pdf"].startswith(b"%PDF-")
    assert_seed_figures(_pdf_text(demo_files["pdf"]))


def test_hostile_text_shows_as_text_in_the_html(report_page):
    assert XSS_SCRIPT not in report_page
    assert "<img src=x" not in report_page
    assert "Our practice: &lt;script&gt;alert(1)&lt;/script&gt;" in report_page
    assert "<li>First &quot;&gt;&lt;img src=x onerror=alert(1)&gt; item</li>" in report_page
    assert "<li>Second item &amp; more</li>" in report_page


def test_hostile_text_shows_as_text_in_the_docx_with_its_list(demo_files):
    paragraphs = _docx_document(demo_files["docx"]).paragraphs
    texts = [paragraph.text for paragraph in paragraphs]
    assert f"Our practice: {XSS_SCRIPT}" in texts
    bullets = [p.text for p in paragraphs if p.style.name == "List Bullet"]
    assert f"First {XSS_IMG} item" in bullets and "Second item & more" in bullets


def test_hostile_text_shows_as_text_in_the_pdf(demo_files):
    text = _normalise(_pdf_text(demo_files["pdf"]))
    assert f"Our practice: {XSS_SCRIPT}" in text
    assert f"First {XSS_IMG} item" in text
