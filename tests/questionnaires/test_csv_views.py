"""The export and import pages: who may use them, what they download, what the import page reports."""

import csv
import io
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from questionnaires import csv_io
from questionnaires.models import Response, ResponseEvent
from tests import factories
from tests.questionnaires.csv_helpers import answer, csv_of, dicts_of, rows_of, survey_create


@pytest.fixture
def survey(db):
    return survey_create()


@pytest.fixture
def campaign(survey):
    campaign, (alpha, beta, gamma) = survey
    answer(campaign, alpha, {"name": "=Alpha", "staff": "-5", "goals": ["2", "1"]})
    answer(campaign, beta, {"name": "Beta"})
    answer(campaign, gamma, {"name": "Gamma draft"}, status="draft")
    return campaign


def url(name, campaign):
    return reverse(f"questionnaires:{name}", args=[campaign.slug])


PAGES = ["export", "export_responses", "export_codebook", "import_responses"]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, campaign, name):
    response = client.get(url(name, campaign))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_focal_points_and_observers_are_refused(client, campaign, name, observer):
    focal_point = factories.focal_point_create(campaign.invitations.first().iscm, username="fp-alpha@example.org")
    for user in (focal_point, observer):
        client.force_login(user)
        response = client.get(url(name, campaign))
        assert response.status_code == 403
        assert b"=Alpha" not in body(response)


def test_focal_points_and_observers_cannot_post_an_import(client, campaign, observer):
    focal_point = factories.focal_point_create(campaign.invitations.first().iscm, username="fp-alpha@example.org")
    data = csv_of([csv_io.wide_header(csv_io.export_questions(campaign.questionnaire)), ["ALPHA", "", "", "", "draft"]])
    for user in (focal_point, observer):
        client.force_login(user)
        response = client.post(url("import_responses", campaign), {"file": SimpleUploadedFile("a.csv", data)})
        assert response.status_code == 403
    assert not ResponseEvent.objects.filter(action="imported", response__status="draft").exclude(
        response__iscm__acronym="GAMMA"
    ).exists()
    assert Response.objects.get(iscm__acronym="ALPHA").status == "submitted"


@pytest.mark.parametrize("name", PAGES)
def test_coordinators_and_superusers_may(client, campaign, name, coordinator, admin_user):
    for user in (coordinator, admin_user):
        client.force_login(user)
        assert client.get(url(name, campaign)).status_code == 200


def test_unknown_campaign_is_404_for_coordinators(client, coordinator, db):
    client.force_login(coordinator)
    assert client.get(reverse("questionnaires:export_responses", args=["nope"])).status_code == 404


# --- export ---------------------------------------------------------------------------------------


def test_export_page_shows_counts_and_links(client, campaign, coordinator):
    client.force_login(coordinator)
    response = client.get(url("export", campaign))
    html = response.content.decode()
    assert 'data-status-count="submitted">2<' in html and 'data-status-count="draft">1<' in html
    assert url("export_responses", campaign) in html and url("export_codebook", campaign) in html
    assert url("import_responses", campaign) in html


def test_download_responses_wide_by_default(client, campaign, coordinator):
    client.force_login(coordinator)
    response = client.get(url("export_responses", campaign))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="csv-campaign-responses-wide-')
    rows = dicts_of(body(response))
    assert [(row["iscm"], row["name"], row["staff"], row["goals"]) for row in rows] == [
        ("ALPHA", "'=Alpha", "-5", "1 2"),
        ("BETA", "Beta", "", ""),
    ]


def test_download_with_options(client, campaign, coordinator):
    client.force_login(coordinator)
    response = client.get(url("export_responses", campaign), {"format": "long", "status": ["draft"], "bom": "1"})
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf")
    assert rows_of(data) == [
        ["iscm", "status", "question", "choice", "value"],
        ["GAMMA", "draft", "name", "", "Gamma draft"],
    ]
    response = client.get(url("export_responses", campaign), {"labels": "en"})
    assert dicts_of(body(response))[0]["goals"] == "Choice 1; Choice 2"


def test_bad_options_show_the_form_again(client, campaign, coordinator):
    client.force_login(coordinator)
    response = client.get(url("export_responses", campaign), {"format": "xlsx", "status": ["lost"]})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_download_codebook(client, campaign, coordinator):
    client.force_login(coordinator)
    response = client.get(url("export_codebook", campaign), {"labels": "fr"})
    rows = dicts_of(body(response))
    assert rows[0]["column"] == "iscm"
    assert {row["column"] for row in rows} >= {"name", "staff", "goals/23"}


def test_downloads_are_logged(client, campaign, coordinator, caplog):
    client.force_login(coordinator)
    with caplog.at_level(logging.INFO, logger="iscm.security"):
        body(client.get(url("export_responses", campaign), {"status": ["submitted", "draft"]}))
    record = next(r for r in caplog.records if r.name == "iscm.security" and r.event == "csv_export")
    assert (record.user, record.username, record.campaign, record.format, record.rows, record.complete) == (
        coordinator.pk, coordinator.username, campaign.slug, "wide", 3, True,
    )  # fmt: skip
    assert record.statuses == ["draft", "submitted"]


@pytest.mark.parametrize("export_format", ["wide", "long"])
def test_download_query_count_is_constant(client, survey, coordinator, django_assert_max_num_queries, export_format):
    campaign, iscms = survey
    client.force_login(coordinator)

    def download():
        response = client.get(url("export_responses", campaign), {"format": export_format})
        return body(response)

    for iscm in iscms:
        answer(campaign, iscm, {"name": iscm.acronym, "goals": ["1", "2", "3"]})
    with django_assert_max_num_queries(16) as small:
        download()
    for index in range(30):
        iscm = factories.IscmFactory(acronym=f"Z{index:03d}")
        factories.invite(campaign, iscm)
        answer(campaign, iscm, {"name": f"Z{index}", "notes": "x" * 500, "goals": ["4", "5"]})
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        data = download()
    assert len(large.captured_queries) == len(small.captured_queries)
    assert data.count(b"Z0") >= 30


# --- import ---------------------------------------------------------------------------------------


def upload(client, campaign, data, name="responses.csv"):
    return client.post(url("import_responses", campaign), {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_import_success_shows_a_summary(client, campaign, coordinator):
    client.force_login(coordinator)
    export = body(client.get(url("export_responses", campaign), {"status": ["submitted", "draft"]}))
    rows = dicts_of(export)
    rows[1]["staff"] = "7"  # BETA changes
    header = list(rows[0])
    response = upload(client, campaign, csv_of([header, *([row[c] for c in header] for row in rows)]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 rows imported." in html
    assert 'data-count="updated">1<' in html and 'data-count="unchanged">2<' in html
    event = Response.objects.get(iscm__acronym="BETA").events.first()
    assert (event.action, event.user, event.changes) == ("imported", coordinator, {"staff": [None, "7"]})


def test_import_problems_are_listed_and_nothing_written(client, campaign, coordinator):
    client.force_login(coordinator)
    header = csv_io.wide_header(csv_io.export_questions(campaign.questionnaire))
    rows = [
        ["NOPE" if c == "iscm" else "x" if c == "name" else "" for c in header],
        ["BETA" if c == "iscm" else "twelve" if c == "staff" else "1 24" if c == "goals" else "" for c in header],
    ]
    versions = list(Response.objects.order_by("pk").values_list("version", flat=True))
    response = upload(client, campaign, csv_of([header, *rows]))
    html = response.content.decode()
    assert "Nothing was imported: 4 problems to fix." in html
    assert "Unknown ISCM “NOPE”" in html
    assert "Enter a whole number, e.g. 12." in html
    assert "“24” is not one of the available choices." in html
    assert "This question is required." in html
    assert list(Response.objects.order_by("pk").values_list("version", flat=True)) == versions


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The submitted file is empty."),  # refused by the form already
        (b"\x89PNG\r\n\x1a\n\x00\x00", "This is an image, not a CSV file."),
        ("iscm,name\nALPHA,Café\n".encode("latin-1"), "The file is not UTF-8 encoded"),
    ],
)
def test_import_bad_files_get_a_message(client, campaign, coordinator, data, expected):
    client.force_login(coordinator)
    response = upload(client, campaign, data)
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_import_without_a_file(client, campaign, coordinator):
    client.force_login(coordinator)
    response = client.post(url("import_responses", campaign), {})
    assert "This field is required." in response.content.decode()


def test_export_page_without_responses_says_so(client, survey, coordinator):
    campaign, _iscms = survey
    client.force_login(coordinator)
    html = client.get(url("export", campaign)).content.decode()
    assert "No ISCM has started a response yet" in html


def test_admin_exports_selected_responses_with_the_same_writer(demo, admin_user, client):
    client.force_login(admin_user)
    ids = list(demo.responses.filter(status="submitted").values_list("pk", flat=True)[:3])
    page = client.post(
        "/admin/questionnaires/response/",
        {"action": "export_selected", "_selected_action": ids},
    )
    assert page.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(page.streaming_content).decode())))
    assert rows[0][:7] == ["iscm", "iscm_name", "region", "type", "status", "submitted_at", "respondent_name"]
    exported = {row[0] for row in rows[1:]}
    assert exported == set(demo.responses.filter(pk__in=ids).values_list("iscm__acronym", flat=True))
