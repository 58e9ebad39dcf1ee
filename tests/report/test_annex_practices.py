"""The report's annex with the practices library (issue 21, part 5): the campaign's published practices,
grouped by ISCM or by GCM objective as the coordinator chooses, on the page, in the DOCX and the PDF's
HTML; the quoted answers when the campaign has no practice; report files discarded when the choice or a
published practice changes."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.models import ReportFile
from analytics.report import report_compose, report_data
from analytics.report_annex import annex_with_practices
from analytics.report_render import document_html
from practices.services import PracticeData, practice_publish, practices_create_from_answer
from questionnaires.definitions import reference_lists_load
from questionnaires.models import Answer, Campaign
from tests.report.conftest import XSS_IMG, XSS_SCRIPT

pytestmark = pytest.mark.django_db


def _practice(iscm, question, title, gcm=(), sdg=(), year=2023, question_label=""):
    return {
        "iscm": iscm,
        "iscm_name": f"Dialogue {iscm}",
        "question": question,
        "question_label": question_label,
        "title": title,
        "description": f"What was done: {title.lower()}.",
        "year": year,
        "link": "",
        "gcm": [{"code": code, "label": f"Objective title {code}"} for code in gcm],
        "sdg": [{"code": code, "label": f"SDG title {code}"} for code in sdg],
    }


QUOTED = {
    "title": "Annex: answers to the open questions",
    "intro": "Quoted.",
    "has_questions": True,
    "iscms": [
        {
            "name": "Dialogue A",
            "acronym": "A",
            "answers": [
                {"question": "Message", "code": "message", "blocks": [{"kind": "paragraph", "lines": ["Hello."]}]},
                {"question": "Practices", "code": "practices", "blocks": [{"kind": "paragraph", "lines": ["Raw."]}]},
            ],
        },
        {
            "name": "Dialogue B",
            "acronym": "B",
            "answers": [
                {"question": "Practices", "code": "practices", "blocks": [{"kind": "paragraph", "lines": ["B raw."]}]}
            ],
        },
    ],
}


def _data(grouping: str, practices: list[dict], split=(("A", "practices"), ("B", "practices")), unpublished=1):
    return {
        "annex_practices": {
            "grouping": grouping,
            "split": list(split),
            "unpublished": unpublished,
            "practices": practices,
        }
    }


def test_without_practices_the_annex_quotes_the_answers():
    annex = annex_with_practices({"annex_practices": None}, QUOTED)
    assert annex["grouping"] == "answers" and annex["iscms"] == QUOTED["iscms"] and annex["groups"] == []


def test_by_iscm_a_split_answer_becomes_its_published_practices():
    practices = [
        _practice("A", "practices", "Data exchange", gcm=["1", "23"], sdg=["17"]),
        _practice("A", "items", "Listed practice", gcm=["5"], question_label="Practices (list)"),
        _practice("C", "practices", "Late practice"),
    ]
    annex = annex_with_practices(_data("iscm", practices), QUOTED)
    a, b, c = annex["iscms"]
    assert [answer["question"] for answer in a["answers"]] == ["Message", "Practices", "Practices (list)"]
    assert a["answers"][0]["blocks"] == [{"kind": "paragraph", "lines": ["Hello."]}]  # not split: quoted
    (practice,) = a["answers"][1]["practices"]
    assert practice["title"] == "Data exchange" and practice["tags"] == "2023 · GCM objectives 1, 23 · SDG 17"
    assert practice["blocks"] == [{"kind": "paragraph", "lines": ["What was done: data exchange."]}]
    assert [p["title"] for p in a["answers"][2]["practices"]] == ["Listed practice"]
    # B's answer was split but none of its practices is published: neither quoted nor shown
    assert b["answers"] == []
    assert c["name"] == "Dialogue C" and c["answers"][0]["question"] == "Effective practices"
    assert annex["unpublished"] == 1 and annex["grouping"] == "iscm"


def test_a_title_that_is_the_texts_first_sentence_is_not_printed_again():
    practice = {**_practice("A", "practices", "x"), "title": "We met often", "description": "We met often. It helped."}
    annex = annex_with_practices(_data("gcm", [practice]), QUOTED)
    (entry,) = annex["groups"][0]["practices"]
    assert entry["title"] == "" and entry["iscm"] == "Dialogue A"
    practice["title"] = "We met often, and the…"  # a long first sentence, cut
    practice["description"] = "We met often, and the meetings helped."
    assert (
        annex_with_practices(_data("iscm", [practice]), QUOTED)["iscms"][0]["answers"][1]["practices"][0]["title"] == ""
    )


def test_by_objective_each_practice_under_each_of_its_objectives_then_the_untagged_then_the_other_answers():
    practices = [
        _practice("A", "practices", "Data exchange", gcm=["23", "1"]),
        _practice("B", "practices", "Return dialogue", gcm=["21"]),
        _practice("B", "practices", "Untagged work"),
    ]
    annex = annex_with_practices(_data("gcm", practices), QUOTED)
    assert annex["title"] == "Annex: effective practices by GCM objective"
    assert [group["heading"] for group in annex["groups"]] == [
        "Objective 1: Objective title 1",
        "Objective 21: Objective title 21",
        "Objective 23: Objective title 23",
        "Practices not tagged with a GCM objective",
    ]
    assert [p["title"] for p in annex["groups"][0]["practices"]] == ["Data exchange"]
    assert annex["groups"][0]["practices"][0]["iscm"] == "Dialogue A"
    assert [p["title"] for p in annex["groups"][2]["practices"]] == ["Data exchange"]
    # the answers that were not split (A's message) follow, quoted per ISCM; split ones are not repeated
    assert [(iscm["acronym"], [a["code"] for a in iscm["answers"]]) for iscm in annex["iscms"]] == [("A", ["message"])]


# --- With the database --------------------------------------------------------------------------------


@pytest.fixture
def with_practices(answered, coordinator):
    """The answered survey's two practices answers split: Beta's into two practices (one published, tagged
    GCM 1 and 23), the other ISCM's into one unpublished practice."""
    reference_lists_load()
    beta = Answer.objects.get(response__campaign=answered.campaign, question__code="practices", text__startswith="We")
    other = Answer.objects.get(
        response__campaign=answered.campaign, question__code="practices", text__startswith="Ours"
    )
    published, _kept = practices_create_from_answer(
        answer=beta,
        items=[
            PracticeData("Regular meetings", "We meet often.", 2023, gcm=["1", "23"], sdg=["17"]),
            PracticeData("Draft idea", "Not ready.", 2023),
        ],
        user=coordinator,
    )
    practice_publish(practice=published, user=coordinator, published=True)
    practices_create_from_answer(answer=other, items=[PracticeData("Hidden", "Unpublished.", 2023)], user=coordinator)
    return answered


def test_the_draft_shows_the_published_practices_only_and_offers_the_grouping(client, coordinator, with_practices):
    client.force_login(coordinator)
    page = client.get(reverse("analytics:report", kwargs={"slug": with_practices.campaign.slug})).content.decode()
    assert "Regular meetings" in page and "2023 · GCM objectives 1, 23 · SDG 17" in page
    assert "Draft idea" not in page and "Hidden" not in page and "We meet." not in page
    assert 'id="report-annex-form"' in page
    assert "2 practices of this campaign are not published: the annex leaves them out." in page


def test_the_report_page_runs_a_fixed_number_of_queries_with_practices(client, coordinator, with_practices):
    client.force_login(coordinator)
    url = reverse("analytics:report", kwargs={"slug": with_practices.campaign.slug})
    client.get(url)  # the session's first request reads more (login bookkeeping)
    counts = []
    for extra in (0, 3):
        answer = Answer.objects.filter(question__code="practices").first()
        for index in range(extra):
            (practice,) = practices_create_from_answer(
                answer=answer, items=[PracticeData(f"More {index}", "Text.", 2023, gcm=["5"])], user=coordinator
            )
            practice_publish(practice=practice, user=coordinator, published=True)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 23, counts  # the report page's budget (test_views), practices included


def test_the_coordinator_groups_by_objective_and_the_files_follow(
    client, coordinator, observer, with_practices, renders, generate
):
    from docx import Document

    campaign = with_practices.campaign
    client.force_login(coordinator)
    generate(reverse("analytics:report_generate", kwargs={"slug": campaign.slug, "fmt": "pdf"}))
    assert ReportFile.objects.filter(campaign=campaign, status="ready").count() == 1

    response = client.post(reverse("analytics:report_annex", kwargs={"slug": campaign.slug}), {"grouping": "gcm"})
    assert response.status_code == 302 and response["Location"].endswith("#report-annex-form")
    campaign.refresh_from_db()
    assert campaign.report_annex == Campaign.ReportAnnex.BY_OBJECTIVE
    assert not ReportFile.objects.filter(campaign=campaign).exists()  # made for the other grouping

    page = client.get(reverse("analytics:report", kwargs={"slug": campaign.slug})).content.decode()
    assert "Annex: effective practices by GCM objective" in page
    assert page.index("Objective 1:") < page.index("Regular meetings") < page.index("Objective 23:")

    report = report_compose(report_data(campaign))
    html = document_html(report)
    assert "Objective 23:" in html and "Regular meetings" in html and "Hidden" not in html

    generate(reverse("analytics:report_generate", kwargs={"slug": campaign.slug, "fmt": "docx"}))
    download = client.get(reverse("analytics:report_download", kwargs={"slug": campaign.slug, "fmt": "docx"}))
    text = "\n".join(p.text for p in Document(BytesIO(b"".join(download.streaming_content))).paragraphs)
    assert "Annex: effective practices by GCM objective" in text
    assert text.count("Regular meetings") == 2  # under objectives 1 and 23
    assert "Hidden" not in text and "Ours:" not in text  # both practices answers were split

    # an unknown choice changes nothing; observers may not choose
    client.post(reverse("analytics:report_annex", kwargs={"slug": campaign.slug}), {"grouping": "sdg"})
    campaign.refresh_from_db()
    assert campaign.report_annex == "gcm"
    client.force_login(observer)
    assert (
        client.post(reverse("analytics:report_annex", kwargs={"slug": campaign.slug}), {"grouping": "iscm"}).status_code
        == 403
    )


def test_publishing_a_practice_discards_the_report_files(client, coordinator, with_practices, renders, generate):
    from practices.models import Practice

    campaign = with_practices.campaign
    client.force_login(coordinator)
    generate(reverse("analytics:report_generate", kwargs={"slug": campaign.slug, "fmt": "pdf"}))
    assert ReportFile.objects.filter(campaign=campaign).exists()
    hidden = Practice.objects.get(title="Hidden")
    practice_publish(practice=hidden, user=coordinator, published=True)
    assert not ReportFile.objects.filter(campaign=campaign).exists()


def test_hostile_practices_show_as_text_and_only_web_links_are_links(client, coordinator, with_practices):
    from practices.models import Practice

    practice = Practice.objects.get(title="Regular meetings")
    Practice.objects.filter(pk=practice.pk).update(
        title=f"Meetings {XSS_SCRIPT}", description=f"- {XSS_IMG}", link="javascript:alert(1)"
    )
    client.force_login(coordinator)
    page = client.get(reverse("analytics:report", kwargs={"slug": with_practices.campaign.slug})).content.decode()
    assert XSS_SCRIPT not in page and "<img src=x" not in page and "javascript:alert" not in page
    assert "Meetings &lt;script&gt;alert(1)&lt;/script&gt;" in page
    Practice.objects.filter(pk=practice.pk).update(link="https://example.org/practice")
    page = client.get(reverse("analytics:report", kwargs={"slug": with_practices.campaign.slug})).content.decode()
    assert '<a href="https://example.org/practice" rel="noopener noreferrer">' in page
