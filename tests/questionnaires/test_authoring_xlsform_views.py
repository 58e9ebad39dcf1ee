"""The coordinator's page for questionnaire files: upload an XLSForm or JSON as a draft, download any
version; coordinators only."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from questionnaires.models import ActivityEvent, Questionnaire
from tests.questionnaires.test_xlsform import SAMPLES, counts

IMPORT_URL = "/questionnaires/import/"


def test_urls_are_the_ones_the_questionnaire_list_links_to():
    assert reverse("questionnaires:authoring_import") == IMPORT_URL
    assert (
        reverse("questionnaires:authoring_export", args=["iscm-contributions", 2, "xlsx"])
        == "/questionnaires/iscm-contributions/v2/export.xlsx"
    )


@pytest.mark.parametrize("who", ["focal_point", "observer", "anonymous"])
def test_only_coordinators(client, demo, focal_point, observer, who):
    if who != "anonymous":
        client.force_login({"focal_point": focal_point, "observer": observer}[who])
    for url in (IMPORT_URL, "/questionnaires/iscm-contributions/v1/export.json"):
        page = client.get(url)
        assert page.status_code == (302 if who == "anonymous" else 403)
    assert client.post(IMPORT_URL, {"file": SimpleUploadedFile("a.json", b"{}")}).status_code in (302, 403)


def test_the_coordinator_downloads_a_version_as_xlsform_and_json(
    client, demo, coordinator, django_assert_max_num_queries
):
    client.force_login(coordinator)
    with django_assert_max_num_queries(8):
        page = client.get(IMPORT_URL)
    assert page.status_code == 200
    assert b"/questionnaires/iscm-contributions/v2/export.xlsx" in page.content  # the 2025 draft too
    workbook = client.get("/questionnaires/iscm-contributions/v1/export.xlsx")
    assert workbook["Content-Disposition"] == 'attachment; filename="iscm-contributions-v1.xlsx"'
    assert load_workbook(io.BytesIO(workbook.content)).sheetnames == ["survey", "choices", "settings"]
    definition = client.get("/questionnaires/iscm-contributions/v1/export.json").json()
    assert definition["slug"] == "iscm-contributions" and len(definition["sections"]) == 4
    assert client.get("/questionnaires/iscm-contributions/v9/export.json").status_code == 404
    assert client.get("/questionnaires/iscm-contributions/v1/export.csv").status_code == 404
    assert (
        ActivityEvent.objects.filter(kind="export", detail__startswith="questionnaire iscm-contributions").count() == 2
    )


def test_the_coordinator_uploads_an_xlsform_as_a_draft(client, coordinator, db):
    client.force_login(coordinator)
    upload = SimpleUploadedFile("partners.xlsx", (SAMPLES / "kobo_partner_survey.xlsx").read_bytes())
    page = client.post(IMPORT_URL, {"file": upload})
    assert page.status_code == 200
    assert "Draft created: Partners&#x27; survey (partners_survey, version 1)." in page.content.decode()
    assert Questionnaire.objects.get(slug="partners_survey").status == "draft"
    assert ActivityEvent.objects.get(kind="import").detail == (
        "questionnaire partners_survey v1 (draft) from partners.xlsx"
    )


def test_problems_are_listed_and_nothing_is_created(client, coordinator, db):
    client.force_login(coordinator)
    before = counts()
    upload = SimpleUploadedFile("household.xlsx", (SAMPLES / "unsupported.xlsx").read_bytes())
    page = client.post(IMPORT_URL, {"file": upload})
    assert page.status_code == 400
    text = page.content.decode()
    assert "Nothing was created: 7 problems to fix." in text
    assert "survey row 13: type “geopoint” is not supported." in text
    assert counts() == before
    assert not ActivityEvent.objects.filter(kind="import").exists()
    page = client.post(IMPORT_URL, {"file": SimpleUploadedFile("notes.xlsx", b"just text")})
    assert "This file is not an Excel workbook (.xlsx)" in page.content.decode()
