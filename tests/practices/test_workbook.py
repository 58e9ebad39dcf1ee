"""The campaign workbook's `practices` sheet (questionnaires.xlsx_io) lists the practice records when the
campaign has them, through the source the practices app registers (questionnaires does not import it)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices.models import Practice
from questionnaires.models import Response
from questionnaires.xlsx_io import PRACTICES_COLUMNS, responses_workbook_write

pytestmark = pytest.mark.django_db


def _practices_sheet(campaign, responses=None) -> list[dict]:
    out = io.BytesIO()
    responses_workbook_write(out, campaign=campaign, responses=responses or Response.objects.filter(campaign=campaign))
    out.seek(0)
    rows = list(openpyxl.load_workbook(out)["practices"].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_sheet_lists_the_campaigns_practice_records(library, settings):
    settings.SITE_URL = "https://survey.example.org"
    library.practices["RCM"].title = '=HYPERLINK("http://evil")'
    library.practices["RCM"].save()
    rows = _practices_sheet(library.campaign_2023)
    assert [(row["iscm"], row["campaign"], row["question"], row["year"]) for row in rows] == [
        ("MIDSA", "survey-2023", "gcm_practices", 2022),
        ("RCM", "survey-2023", "gcm_practices", 2023),
    ]
    midsa = rows[0]
    assert midsa["title"] == "Regional data exchange" and midsa["text"].startswith("Member States shared")
    assert (midsa["gcm_objectives"], midsa["sdgs"], midsa["language"]) == ("1; 23", "8", "en")
    assert midsa["published_at"]  # published
    practice = library.practices["MIDSA"]
    assert midsa["practice_url"] == f"https://survey.example.org/practices/{practice.pk}/"
    assert midsa["source_answer_url"] == f"https://survey.example.org/practices/split/{practice.source_answer_id}/"
    assert rows[1]["title"] == '=HYPERLINK("http://evil")'  # a text cell, not a formula


def test_unpublished_records_are_listed_too_and_only_for_the_exported_responses(library):
    responses = Response.objects.filter(campaign=library.campaign_2025, iscm__acronym="ARCP")
    rows = _practices_sheet(library.campaign_2025, responses)
    assert [(row["iscm"], row["published_at"]) for row in rows] == [("ARCP", None)]


def test_a_campaign_without_records_quotes_the_practice_answers(library):
    Practice.objects.filter(campaign=library.campaign_2023).delete()
    rows = _practices_sheet(library.campaign_2023)
    assert list(rows[0]) == list(PRACTICES_COLUMNS)
    assert [(row["iscm"], row["question"]) for row in rows] == [("MIDSA", "gcm_practices"), ("RCM", "gcm_practices")]


def test_the_records_cost_a_fixed_number_of_queries(library):
    counts = []
    for campaign in (library.campaign_2023, library.campaign_2025):
        with CaptureQueriesContext(connection) as queries:
            responses_workbook_write(
                io.BytesIO(), campaign=campaign, responses=Response.objects.filter(campaign=campaign)
            )
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
