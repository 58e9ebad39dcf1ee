"""Excel workbooks: the sheets, real Excel types, no formula cells, a fixed query count, and the round trip
export → import → export through the CSV import's validation."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl.utils import get_column_letter

from analytics.exports import aggregate_csv_rows
from analytics.selectors import aggregate_rows
from analytics.services import aggregates_recompute
from questionnaires.csv_io import responses_import_csv
from questionnaires.models import Answer, Choice, Response
from questionnaires.xlsx_io import XLSX_CONTENT_TYPE, responses_workbook_write
from tests import factories
from tests.questionnaires.csv_helpers import answer, export, import_file, survey_create

MAY_12 = datetime.datetime(2023, 5, 12, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def survey(db):
    return survey_create()


@pytest.fixture
def filled(survey):
    campaign, (alpha, beta, gamma) = survey
    answer(
        campaign,
        alpha,
        {
            "name": '=HYPERLINK("http://evil")',
            "notes": "Line one\n\ttabbed",
            "email": "fp@example.org",
            "staff": "-5",
            "budget": "12.50",
            "founded_on": "2001-06-30",
            "plan": "yes",
            "formats": ["hybrid", "online"],
            "goals": ["23", "1", "10"],
        },
        submitted_at=MAY_12,
    )
    answer(campaign, beta, {"name": "@Beta", "plan": "no"}, submitted_at=MAY_12)
    answer(campaign, gamma, {"name": "Gamma draft"}, status="draft")
    return campaign


def workbook_of(path):
    return openpyxl.load_workbook(path)


def sheet_dicts(sheet):
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_workbook_has_the_four_sheets_with_excel_types(filled, tmp_path):
    export(filled.slug, tmp_path / "w.xlsx", "--format", "xlsx")
    book = workbook_of(tmp_path / "w.xlsx")
    assert book.sheetnames == ["responses", "codebook", "aggregates", "practices"]
    sheet = book["responses"]
    assert sheet.freeze_panes == "A2"
    header = next(sheet.values)
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(header))}3"
    rows = sheet_dicts(sheet)
    assert [row["iscm"] for row in rows] == ["ALPHA", "BETA"]  # drafts left out by default
    alpha = rows[0]
    assert alpha["staff"] == -5 and alpha["budget"] == 12.5
    assert alpha["founded_on"].date() == datetime.date(2001, 6, 30)
    assert alpha["submitted_at"] == MAY_12.replace(tzinfo=None)  # Excel has no time zones: UTC
    assert alpha["formats/hybrid"] == 1 and alpha["formats/in_person"] == 0
    assert alpha["goals"] == "1 10 23"
    assert alpha["notes"] == "Line one\n\ttabbed"


def test_no_cell_is_a_formula(filled, tmp_path):
    export(filled.slug, tmp_path / "w.xlsx", "--format", "xlsx")
    book = workbook_of(tmp_path / "w.xlsx")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    name = book["responses"]["G2"]
    assert name.value == '=HYPERLINK("http://evil")' and name.data_type == "s" and name.quotePrefix
    assert book["responses"]["G3"].value == "@Beta"


def test_labels_in_the_chosen_language(filled, tmp_path):
    yes = Choice.objects.get(question__code="plan", code="yes")
    yes.label_fr = "yes (fr)"
    yes.save(update_fields=["label_fr"])  # a translation added to a published questionnaire
    export(filled.slug, tmp_path / "w.xlsx", "--format", "xlsx", "--labels", "fr")
    book = workbook_of(tmp_path / "w.xlsx")
    alpha = sheet_dicts(book["responses"])[0]
    assert alpha["plan"] == "yes (fr)"
    codebook = sheet_dicts(book["codebook"])
    assert any(row["column"] == "plan" and row["choice"] == "yes" and row["label"] == "yes (fr)" for row in codebook)


def test_aggregates_sheet_equals_export_aggregates_with_percentages(filled, tmp_path):
    aggregates_recompute(campaign_id=filled.pk, force=True)
    export(filled.slug, tmp_path / "w.xlsx", "--format", "xlsx")
    sheet = workbook_of(tmp_path / "w.xlsx")["aggregates"]
    csv_rows = list(aggregate_csv_rows(aggregate_rows(filled)))
    xlsx_rows = list(sheet.iter_rows(values_only=True))
    assert list(xlsx_rows[0]) == csv_rows[0]
    assert len(xlsx_rows) == len(csv_rows)
    for ours, theirs in zip(xlsx_rows[1:], csv_rows[1:], strict=True):
        assert [ours[0], ours[1], ours[3], ours[4], ours[6], ours[8]] == [
            theirs[0],
            theirs[1],
            theirs[3],
            theirs[4],
            theirs[6],
            theirs[8],
        ]
        assert (f"{ours[5] * 100:.1f}" if ours[5] is not None else "") == theirs[5]
    plan_yes = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "plan" and row[1].value == "yes")
    assert plan_yes[5].number_format == "0.0%" and plan_yes[5].value == pytest.approx(0.5)


def test_practices_sheet_has_one_row_per_iscm_and_practice_question(db, tmp_path):
    campaign, (alpha, beta, _gamma) = survey_create(long_texts=("gcm_practices",))
    answer(campaign, alpha, {"name": "A", "gcm_practices": "We did it"}, submitted_at=MAY_12)
    answer(campaign, beta, {"name": "B"}, submitted_at=MAY_12)
    export(campaign.slug, tmp_path / "w.xlsx", "--format", "xlsx")
    rows = sheet_dicts(workbook_of(tmp_path / "w.xlsx")["practices"])
    assert [(row["iscm"], row["question"], row["text"]) for row in rows] == [
        ("ALPHA", "gcm_practices", "We did it"),
        ("BETA", "gcm_practices", None),
    ]


@pytest.mark.parametrize("count", [2, 12])
def test_query_count_does_not_grow_with_the_responses(survey, count):
    campaign, _iscms = survey
    for index in range(count):
        iscm = factories.IscmFactory(acronym=f"X{index:02d}")
        factories.invite(campaign, iscm)
        answer(campaign, iscm, {"name": f"n{index}", "goals": ["1", "2"]}, submitted_at=MAY_12)
    with CaptureQueriesContext(connection) as queries:
        responses_workbook_write(io.BytesIO(), campaign=campaign, responses=Response.objects.filter(campaign=campaign))
    assert len(queries) <= 12


def test_export_import_export_gives_the_same_workbook(filled, tmp_path):
    first = tmp_path / "first.xlsx"
    export(filled.slug, first, "--format", "xlsx")
    # Change one answer so that the import has something to write, then import the first workbook back.
    Answer.objects.filter(question__code="email").update(text="changed@example.org")
    out, _err = import_file(filled.slug, first)
    assert "Imported 2 rows" in out
    second = tmp_path / "second.xlsx"
    export(filled.slug, second, "--format", "xlsx")
    for name in ("responses", "codebook", "aggregates", "practices"):
        assert list(workbook_of(first)[name].values) == list(workbook_of(second)[name].values), name


def test_the_import_checks_a_workbook_as_a_csv_file(filled, tmp_path):
    path = tmp_path / "w.xlsx"
    export(filled.slug, path, "--format", "xlsx")
    book = workbook_of(path)
    book["responses"]["J2"] = "not a number"  # staff
    book.save(path)
    report = responses_import_csv(campaign=filled, data=path.read_bytes(), user=None)
    assert [(problem.row, problem.column) for problem in report.problems] == [(2, "staff")]
    assert Answer.objects.get(question__code="staff", response__iscm__acronym="ALPHA").number == -5


def test_a_workbook_without_responses_sheet_is_refused(filled, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "data"
    book.save(tmp_path / "other.xlsx")
    report = responses_import_csv(campaign=filled, data=(tmp_path / "other.xlsx").read_bytes(), user=None)
    assert "no “responses” sheet" in report.problems[0].message


def test_the_command_needs_a_file_for_a_workbook(filled):
    with pytest.raises(CommandError, match="-o FILE.xlsx"):
        call_command("export_responses", filled.slug, "--format", "xlsx", stdout=io.StringIO())


# --- the web page, the import page and the admin action -------------------------------------------


def workbook_url(campaign):
    return reverse("questionnaires:export_workbook", args=[campaign.slug])


def test_export_page_links_to_the_workbook(client, filled, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("questionnaires:export", args=[filled.slug])).content.decode()
    assert f'href="{workbook_url(filled)}"' in html


def test_web_download_with_statuses_and_a_constant_query_count(
    client, filled, coordinator, django_assert_max_num_queries
):
    client.force_login(coordinator)
    with django_assert_max_num_queries(20) as small:
        response = client.get(workbook_url(filled), {"status": ["submitted", "draft"]})
        data = b"".join(response.streaming_content)
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="csv-campaign-workbook-')
    rows = sheet_dicts(openpyxl.load_workbook(io.BytesIO(data))["responses"])
    assert [row["iscm"] for row in rows] == ["ALPHA", "BETA", "GAMMA"]
    for index in range(15):
        iscm = factories.IscmFactory(acronym=f"Z{index:02d}")
        factories.invite(filled, iscm)
        answer(filled, iscm, {"name": f"Z{index}", "goals": ["4", "5"]}, submitted_at=MAY_12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        b"".join(client.get(workbook_url(filled), {"status": ["submitted", "draft"]}).streaming_content)


def test_focal_points_and_observers_cannot_download_the_workbook(client, filled, observer):
    client.force_login(observer)
    assert client.get(workbook_url(filled)).status_code == 403


def test_the_import_page_takes_the_workbook(client, filled, coordinator, tmp_path):
    client.force_login(coordinator)
    data = b"".join(client.get(workbook_url(filled)).streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["responses"]["J3"] = 7  # BETA's staff
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("w.xlsx", out.getvalue(), XLSX_CONTENT_TYPE)
    response = client.post(reverse("questionnaires:import_responses", args=[filled.slug]), {"file": upload})
    html = response.content.decode()
    assert "2 rows imported." in html and 'data-count="updated">1<' in html
    assert Answer.objects.get(question__code="staff", response__iscm__acronym="BETA").number == 7


def test_admin_exports_selected_responses_as_a_workbook(client, filled, admin_user):
    client.force_login(admin_user)
    ids = list(Response.objects.values_list("pk", flat=True))
    page = client.post("/admin/questionnaires/response/", {"action": "export_selected_xlsx", "_selected_action": ids})
    rows = sheet_dicts(openpyxl.load_workbook(io.BytesIO(b"".join(page.streaming_content)))["responses"])
    assert sorted(row["iscm"] for row in rows) == ["ALPHA", "BETA", "GAMMA"]  # every status: the admin chose
