"""With the bundled 2023 demo, the dashboard and `export_aggregates` show exactly the seed figures."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from analytics import charts, selectors
from tests.questionnaires.demo_figures import (
    CAMPAIGN_2023,
    GCM_REVIEW_FORMAT_SELECTIONS,
    QUESTION_BASES,
    SEED_FIGURES,
)

pytestmark = pytest.mark.django_db

COLUMNS = "question,choice,label,count,base,pct_of_respondents,selections,pct_of_selections,rank"


@pytest.fixture
def export(demo) -> dict[tuple[str, str], dict[str, str]]:
    out = io.StringIO()
    call_command("export_aggregates", demo.slug, stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0] == COLUMNS
    return {(row["question"], row["choice"]): row for row in csv.DictReader(io.StringIO(text))}


def test_export_aggregates_shows_the_seed_figures(export):
    gcm_23 = export[("gcm_contributes", "23")]
    assert (gcm_23["count"], gcm_23["base"], gcm_23["pct_of_respondents"], gcm_23["rank"]) == (
        "10",
        "13",
        "76.9",
        "1",
    )
    assert gcm_23["label"] == "International cooperation and partnerships"

    plan = {code: export[("gcm_review_plan", code)] for code in ("yes", "undecided", "no")}
    assert [(r["count"], r["pct_of_respondents"]) for r in plan.values()] == [
        ("9", "69.2"),
        ("4", "30.8"),
        ("0", "0.0"),
    ]

    formats = [
        export[("gcm_review_format", code)]
        for code in ("regional_event", "written_input", "iscm_event", "other")
    ]
    assert [(r["count"], r["selections"], r["pct_of_selections"]) for r in formats] == [
        ("11", "31", "35.5"),
        ("8", "31", "25.8"),
        ("8", "31", "25.8"),
        ("4", "31", "12.9"),
    ]

    priorities = {code: export[("gcm_priorities", code)] for code in ("23", "2", "1", "3", "5")}
    assert [(r["pct_of_respondents"], r["rank"]) for r in priorities.values()] == [
        ("76.9", "1"),
        ("61.5", "2"),
        ("53.8", "3"),
        ("53.8", "3"),
        ("53.8", "3"),
    ]
    ranks = sorted(int(r["rank"]) for (q, _c), r in export.items() if q == "gcm_priorities")
    assert ranks[:6] == [1, 2, 3, 3, 3, 6]  # three share rank 3, the next is 6

    sdg = sorted((int(r["rank"]), int(c)) for (q, c), r in export.items() if q == "sdg_priority")
    assert [code for _rank, code in sdg[:4]] == [8, 10, 17, 5]
    assert (export[("sdg_priority", "8")]["count"], export[("sdg_priority", "8")]["base"]) == ("11", "14")


def test_every_seed_figure_is_exported(export):
    for question, counts in SEED_FIGURES.items():
        if question == "bases":
            continue
        for choice, count in counts.items():
            row = export[(question, choice)]
            assert int(row["count"]) == count, (question, choice)
            assert int(row["base"]) == QUESTION_BASES[question]
    assert int(export[("gcm_review_format", "other")]["selections"]) == GCM_REVIEW_FORMAT_SELECTIONS


def test_export_has_every_choice_in_questionnaire_order(export, demo):
    questions = [key[0] for key in export]
    assert list(dict.fromkeys(questions)) == [
        "sdg_contributes",
        "sdg_priority",
        "gcm_contributes",
        "gcm_review_plan",
        "gcm_review_format",
        "gcm_priorities",
    ]
    assert [c for q, c in export if q == "gcm_contributes"] == [str(n) for n in range(1, 24)]
    assert len(export) == 17 + 17 + 23 + 3 + 4 + 23


def test_the_dashboard_shows_the_seed_figures(client, settings, demo, coordinator):
    settings.SECURE_SSL_REDIRECT = False
    client.force_login(coordinator)
    response = client.get(reverse("analytics:dashboard", args=[demo.slug]))
    data = response.context["data"]
    assert data["kpis"]["invited"] == CAMPAIGN_2023["invited"]
    assert data["kpis"]["responded"] == CAMPAIGN_2023["responded"]
    questions = {q["code"]: q for q in data["questions"]}
    figures = response.context["figures"]

    contributions = figures["gcm_contributes"]["data"][0]
    assert contributions["y"][0] == "Objective 23 – International cooperation and partnerships"
    assert contributions["text"][0] == "76.9% (10/13)"

    plan = figures["gcm_review_plan"]["data"][0]
    assert plan["type"] == "pie" and plan["values"] == [9, 0, 4]
    assert plan["text"] == ["69.2% (9/13)", "", "30.8% (4/13)"]

    formats = figures["gcm_review_format"]["data"][0]
    assert formats["text"] == ["35.5% (11/31)", "25.8% (8/31)", "25.8% (8/31)", "12.9% (4/31)"]

    priorities = questions["gcm_priorities"]["ranked"]
    assert [(c["code"], c["rank"]) for c in priorities[:6]] == [
        ("23", 1),
        ("2", 2),
        ("1", 3),
        ("3", 3),
        ("5", 3),
        (priorities[5]["code"], 6),
    ]
    assert figures["gcm_priorities"]["data"][0]["text"][:5] == [
        "76.9% (10/13)",
        "61.5% (8/13)",
        "53.8% (7/13)",
        "53.8% (7/13)",
        "53.8% (7/13)",
    ]

    sdg = figures["sdg_priority"]["data"][0]
    assert [label.split(" – ")[0] for label in sdg["y"][:4]] == ["SDG 8", "SDG 10", "SDG 17", "SDG 5"]
    assert sdg["text"][0] == "78.6% (11/14)"
    assert sdg["marker"]["color"][:4] == [charts.SDG_COLOURS[c] for c in ("8", "10", "17", "5")]


def test_the_dashboard_download_is_the_command_output(client, settings, demo, coordinator):
    settings.SECURE_SSL_REDIRECT = False
    out = io.StringIO()
    call_command("export_aggregates", demo.slug, stdout=out)
    client.force_login(coordinator)
    response = client.get(reverse("analytics:aggregates_csv", args=[demo.slug]))
    assert b"".join(response.streaming_content).decode() == out.getvalue()


def test_the_followup_campaign_counts_its_own_responses(followup):
    data = selectors.dashboard_data(followup)
    assert data["kpis"]["responded"] == 5 and data["timing"]["status"] == "open"
    assert {q["code"]: q["base"] for q in data["questions"]}["gcm_contributes"] == 5
