"""Download file names say what the file holds: language, format, filter (issue 17, item 16)."""

import re

import pytest
from django.urls import reverse

from tests import factories

from .coordinator_data import questionnaire_create, submitted_create


@pytest.fixture
def campaign(db, iscm, other_iscm, focal_point):
    campaign = factories.CampaignFactory(slug="survey-2025", questionnaire=questionnaire_create())
    factories.invite(campaign, iscm, other_iscm)
    submitted_create(campaign, iscm, focal_point)
    return campaign


def filename(response) -> str:
    disposition = response["Content-Disposition"]
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return re.sub(r"-\d{8}\.csv$", ".csv", re.search(r'filename="([^"]+)"', disposition).group(1))


def test_each_download_has_its_own_name(client, coordinator, campaign):
    client.force_login(coordinator)
    responses = reverse("questionnaires:export_responses", args=["survey-2025"])
    codebook = reverse("questionnaires:export_codebook", args=["survey-2025"])
    aggregates = reverse("analytics:aggregates_csv", args=["survey-2025"])
    names = {
        "wide": filename(client.get(responses, {"format": "wide"})),
        "excel": filename(client.get(responses, {"format": "wide", "bom": "1"})),
        "long-fr": filename(client.get(responses, {"format": "long", "labels": "fr"})),
        "drafts": filename(client.get(responses, {"format": "wide", "status": ["draft", "submitted"]})),
        "codebook-en": filename(client.get(codebook)),
        "codebook-ar": filename(client.get(codebook, {"labels": "ar"})),
        "aggregates": filename(client.get(aggregates)),
        "aggregates-filtered": filename(client.get(aggregates, {"region": "Americas", "iscm_type": "RCP"})),
    }
    assert names == {
        "wide": "survey-2025-responses-wide.csv",
        "excel": "survey-2025-responses-wide-excel.csv",
        "long-fr": "survey-2025-responses-long-fr.csv",
        "drafts": "survey-2025-responses-wide-draft-submitted.csv",
        "codebook-en": "survey-2025-codebook-en.csv",
        "codebook-ar": "survey-2025-codebook-ar.csv",
        "aggregates": "survey-2025-aggregates-en.csv",
        "aggregates-filtered": "survey-2025-aggregates-en-region-americas-type-rcp.csv",
    }
