"""The second bundled questionnaire ("ISCM contributions 2025 (example)": other question codes, a single
choice with positive and negative choices, the shared GCM list, an own list with text codes) gets a
dashboard and a report of the same quality as the 2023 one from the presentation hints of its JSON
definition alone: no Python names it."""

from __future__ import annotations

import io

import docx
import pytest
from django.urls import reverse
from django.utils import translation

from analytics.report_render import render_docx
from analytics.services import aggregates_recompute
from questionnaires.definitions import DATA_DIR, definition_read, questionnaire_create, reference_lists_load
from questionnaires.models import Iscm, Question
from questionnaires.schema import schema_cache_clear
from questionnaires.services import response_submit
from tests import factories

pytestmark = pytest.mark.django_db

DEFINITION = DATA_DIR / "questionnaire_iscm_contributions_example_2025.json"
ANSWERS = [
    {
        "objectives_advanced": ["1", "2", "23"],
        "review_taken_part": "fully",
        "support_needed": ["data", "funding"],
        "lessons_learnt": "Meet often.",
    },
    {"objectives_advanced": ["2", "23"], "review_taken_part": "fully", "support_needed": ["data"]},
    {"objectives_advanced": ["5", "23"], "review_taken_part": "partly", "support_needed": ["data", "training"]},
    {
        "objectives_advanced": ["2", "23"],
        "review_taken_part": "not_at_all",
        "support_needed": ["peer_exchange"],
        "lessons_learnt": "Share data early.",
    },
]
OBJECTIVE_23 = "Objective 23 (International cooperation and partnerships)"
OBJECTIVE_2 = "Objective 2 (Minimize adverse drivers of migration)"


@pytest.fixture
def example_campaign():
    reference_lists_load()
    questionnaire = questionnaire_create(definition_read(DEFINITION))
    campaign = factories.CampaignFactory(questionnaire=questionnaire, slug="example-2025", title_en="Example 2025")
    for number, answers in enumerate(ANSWERS, start=1):
        iscm = factories.IscmFactory(acronym=f"EX{number}", name=f"Example dialogue {number}", type=Iscm.Type.RCP)
        factories.invite(campaign, iscm)
        response = factories.ResponseFactory(campaign=campaign, iscm=iscm)
        response_submit(response=response, user=None, answers=answers, expected_version=None)
    aggregates_recompute(campaign_id=campaign.pk, force=True)
    return campaign


def test_the_dashboard_draws_the_charts_the_hints_ask_for(example_campaign, client):
    client.force_login(factories.coordinator_create())
    with translation.override("en"):
        page = client.get(reverse("analytics:dashboard", args=[example_campaign.slug]))
    assert page.status_code == 200
    figures = page.context["figures"]
    objectives, review, support = (
        figures["objectives_advanced"],
        figures["review_taken_part"],
        figures["support_needed"],
    )
    assert objectives["data"][0]["type"] == "bar"
    assert objectives["layout"]["title"]["text"] == "GCM objectives advanced by the ISCMs in 2025"
    assert objectives["data"][0]["y"][:2] == [
        "Objective 23 – International cooperation and partnerships",
        "Objective 2 – Minimize adverse drivers of migration",
    ]
    assert review["data"][0]["type"] == "pie" and review["data"][0]["values"] == [2, 1, 1]
    assert review["layout"]["title"]["text"] == "Participation in the 2025 GCM review"
    # shares of the 6 selections, the own list's labels (never its text codes) on the bars
    assert support["data"][0]["y"][0] == "Data and evidence"
    assert support["data"][0]["text"][0] == "50.0% (3/6)"
    assert "lessons_learnt" not in figures  # a long text has no chart
    html = page.content.decode()
    assert "Support the ISCMs need most" in html and "peer_exchange." not in html


def test_the_report_words_the_rankings_and_the_single_choice_from_the_hints(example_campaign, client):
    client.force_login(factories.coordinator_create())
    with translation.override("en"):
        page = client.get(reverse("analytics:report", args=[example_campaign.slug]))
    assert page.status_code == 200
    report = page.context["report"]
    findings = {finding["code"]: finding for section in report["sections"] for finding in section["findings"]}
    assert list(findings) == ["objectives_advanced", "review_taken_part", "support_needed"]
    assert [finding["chart_title"] for finding in findings.values()] == [
        "GCM objectives advanced by the ISCMs in 2025",
        "Participation in the 2025 GCM review",
        "Support the ISCMs need most",
    ]
    assert findings["objectives_advanced"]["paragraphs"] == [
        "Taken together, the responding ISCMs' work contributes to 4 of the 23 GCM objectives. "
        f"{OBJECTIVE_23} ranks first, cited by all 4 responding ISCMs that answered (100%). "
        f"It is followed by {OBJECTIVE_2}, cited by 3 of 4 (75%)."
    ]
    assert findings["review_taken_part"]["paragraphs"] == [
        "75% took part in the 2025 GCM review (3 of the 4 ISCMs that answered). 25% did not take part (1 of 4)."
    ]
    assert findings["support_needed"]["paragraphs"] == [
        "“Data and evidence” comes first, with 50.0% of the selections (3 of 6)."
    ]
    assert findings["support_needed"]["of_selections"]
    assert report["summary"][-1] == f"The objectives they advanced most in 2025 are {OBJECTIVE_23} and {OBJECTIVE_2}."
    assert report["annex"]["title"] == "Annex: lessons shared by the ISCMs"
    quoted = {iscm["acronym"]: iscm["answers"] for iscm in report["annex"]["iscms"]}
    assert quoted["EX4"][0]["blocks"] == [{"kind": "paragraph", "lines": ["Share data early."]}]
    html = page.content.decode()
    assert "Figure 3. Support the ISCMs need most" in html


def test_the_hints_are_read_in_the_reports_language(example_campaign, client):
    client.force_login(factories.coordinator_create())
    with translation.override("fr"):
        page = client.get(reverse("analytics:report", args=[example_campaign.slug]), HTTP_ACCEPT_LANGUAGE="fr")
    report = page.context["report"]
    titles = [finding["chart_title"] for section in report["sections"] for finding in section["findings"]]
    assert "Participation à l’examen 2025 du Pacte mondial sur les migrations" in titles
    assert report["annex"]["title"] == "Annexe : enseignements communiqués par les MCIM"


def test_a_question_hinted_with_no_chart_keeps_its_words_and_table_without_a_figure(example_campaign, client):
    Question.objects.filter(questionnaire=example_campaign.questionnaire, code="review_taken_part").update(
        chart_kind="none"
    )
    schema_cache_clear()
    client.force_login(factories.coordinator_create())
    with translation.override("en"):
        dashboard = client.get(reverse("analytics:dashboard", args=[example_campaign.slug]))
        report_page = client.get(reverse("analytics:report", args=[example_campaign.slug]))
    assert "review_taken_part" not in dashboard.context["figures"]
    assert 'id="chart-review_taken_part"' not in dashboard.content.decode()
    assert "Participation in the 2025 GCM review" in dashboard.content.decode()
    report = report_page.context["report"]
    findings = {finding["code"]: finding for section in report["sections"] for finding in section["findings"]}
    assert findings["review_taken_part"]["chart_id"] == "" and findings["review_taken_part"]["paragraphs"]
    assert findings["support_needed"]["figure_number"] == 2  # the figures are numbered without it
    html = report_page.content.decode()
    assert 'id="report-chart-review_taken_part"' not in html and "Figure 2. Support the ISCMs need most" in html
    with translation.override("en"):
        document = docx.Document(io.BytesIO(render_docx(report, {})))
    captions = [paragraph.text for paragraph in document.paragraphs if paragraph.text.startswith("Figure ")]
    assert captions == [
        "Figure 1. GCM objectives advanced by the ISCMs in 2025",
        "Figure 2. Support the ISCMs need most",
    ]
