"""Lists of items in CSV: the `items` export (a long table, one row per ISCM and item), the codebook,
a wide import that keeps the stored items, and the import of an items file (all or nothing, the one
validation path, problems at the file's row and column)."""

import csv
import io

import pytest
from django.core.management import call_command

from practices.models import Practice
from questionnaires import csv_io, services
from questionnaires.schema import questionnaire_schema
from questionnaires.selectors import response_answers
from tests import factories
from tests.questionnaires.list_items_data import list_survey_create, practice

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(iscm, other_iscm):
    survey = list_survey_create(iscms=[iscm, other_iscm])
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    items = [
        practice("Data sharing", practice_gcm=["1", "23"], practice_year="2022"),
        practice("=cmd|' /C calc'!A0", "Formula-looking title", practice_link="https://example.org"),
    ]
    services.response_submit(
        response=response, user=None, answers={"name": "Ana", "practices": items}, expected_version=0
    )
    return survey


def export(campaign, export_format, *extra):
    out = io.StringIO()
    call_command("export_responses", campaign.slug, "--format", export_format, *extra, stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def to_bytes(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def test_items_export_is_one_row_per_item(survey):
    rows = export(survey.campaign, "items")
    assert rows[0] == [
        "iscm",
        "status",
        "list",
        "item",
        "practice_title",
        "practice_description",
        "practice_year",
        "practice_gcm",
        "practice_sdg",
        "practice_link",
    ]
    assert rows[1:] == [
        ["MIDSA", "submitted", "practices", "1", "Data sharing", "What was done.", "2022", "1 23", "", ""],
        [
            "MIDSA",
            "submitted",
            "practices",
            "2",
            "'=cmd|' /C calc'!A0",
            "Formula-looking title",
            "",
            "",
            "",
            "https://example.org",
        ],
    ]
    labelled = export(survey.campaign, "items", "--labels", "en")
    assert labelled[1][7].count("; ") == 1 and labelled[1][7] != "1 23"


def test_wide_export_leaves_lists_out_and_the_codebook_describes_them(survey):
    wide = export(survey.campaign, "wide")
    assert "practices" not in wide[0] and "practice_title" not in wide[0]
    assert {len(row) for row in wide} == {len(wide[0])}
    codebook = export(survey.campaign, "codebook")
    by_column = {row[0]: row for row in codebook[1:] if row[2] == ""}
    assert by_column["practices"][3] == "list_of_items"
    assert "Items file: between 1 and 5 items." in by_column["practices"][10]
    assert by_column["practice_title"][1:5] == ["practices", "", "short_text", "yes"]
    assert by_column["practice_title"][9] == "Effective practices of your ISCM — Title"
    assert any(row[0] == "practice_gcm" and row[2] == "15" for row in codebook)


def test_wide_import_keeps_the_stored_items(survey, iscm):
    wide = export(survey.campaign, "wide")
    wide[1][wide[0].index("name")] = "Ana Maria"
    report = csv_io.responses_import_csv(campaign=survey.campaign, data=to_bytes(wide), user=None)
    assert report.ok, report.problems
    answers = response_answers(survey.campaign.responses.get(iscm=iscm))
    assert answers["name"] == "Ana Maria"
    assert [item["practice_title"] for item in answers["practices"]] == ["Data sharing", "=cmd|' /C calc'!A0"]


def test_items_round_trip_and_replace(survey, iscm, other_iscm):
    rows = export(survey.campaign, "items")
    report = csv_io.responses_import_csv(campaign=survey.campaign, data=to_bytes(rows), user=None)
    assert report.ok and report.unchanged == ["MIDSA"]

    # One item removed, one changed, one added: the list is what the file says; the name stays.
    changed = [rows[0], rows[2], [*rows[1][:4], "Data sharing v2", "Done again.", "2023", "5", "10", ""]]
    changed[1][3], changed[2][3] = "1", "3"
    report = csv_io.responses_import_csv(campaign=survey.campaign, data=to_bytes(changed), user=None)
    assert report.ok, report.problems
    answers = response_answers(survey.campaign.responses.get(iscm=iscm))
    assert answers["name"] == "Ana"
    assert answers["practices"][1] == {
        "practice_title": "Data sharing v2",
        "practice_description": "Done again.",
        "practice_year": "2023",
        "practice_gcm": ["5"],
        "practice_sdg": ["10"],
    }
    # The practices library follows the import of a submitted response.
    titles = sorted(Practice.objects.filter(iscm=iscm).values_list("title", flat=True))
    assert titles == ["=cmd|' /C calc'!A0", "Data sharing v2"]


def test_items_import_reports_every_problem_and_writes_nothing(survey, iscm, other_iscm):
    header = export(survey.campaign, "items")[0]
    blank = [""] * (len(header) - 4)

    def row(acronym, item, **cells):
        values = dict(zip(header[4:], blank, strict=True))
        values.update(cells)
        return [acronym, "", "practices", item, *values.values()]

    rows = [
        header,
        row("MIDSA", "1", practice_title="Fine", practice_description="Done."),
        row("MIDSA", "2", practice_title="No description", practice_year="soon"),
        row("MIDSA", "2", practice_title="Twice"),
        row("RCM", "1", practice_title="No response yet"),
        row("NOPE", "1"),
        row("MIDSA", "0"),
    ]
    report = csv_io.responses_import_csv(campaign=survey.campaign, data=to_bytes(rows), user=None)
    problems = {(p.row, p.column) for p in report.problems}
    assert problems == {(4, "item"), (5, "iscm"), (6, "iscm"), (7, "item")}
    del rows[3:]
    report = csv_io.responses_import_csv(campaign=survey.campaign, data=to_bytes(rows), user=None)
    assert {(p.row, p.column, p.message) for p in report.problems} == {
        (3, "practice_description", "This field is required."),
        (3, "practice_year", "Enter a whole number, e.g. 12."),
    }
    stored = response_answers(survey.campaign.responses.get(iscm=iscm))["practices"]
    assert stored[0]["practice_title"] == "Data sharing"


def test_items_export_queries_do_not_grow(survey, django_assert_max_num_queries):
    for n in range(5):
        other = factories.IscmFactory(acronym=f"X{n}")
        factories.invite(survey.campaign, other)
        response = services.response_get_or_create(campaign=survey.campaign, iscm=other)
        services.response_submit(
            response=response,
            user=None,
            answers={"name": "A", "practices": [practice("P", practice_gcm=["2"])] * 3},
            expected_version=0,
        )
    questionnaire_schema(survey.campaign.questionnaire)
    with django_assert_max_num_queries(4):
        data = b"".join(
            csv_io.responses_csv(
                questionnaire=survey.campaign.questionnaire,
                responses=csv_io.responses_for_export(campaign=survey.campaign),
                export_format="items",
            )
        )
    assert data.count(b"\r\n") == 1 + 2 + 15


def test_workbook_has_an_items_sheet_that_imports_back(survey, iscm, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "book.xlsx"
    call_command("export_responses", survey.campaign.slug, "--format", "xlsx", "-o", str(path), stderr=io.StringIO())
    workbook = load_workbook(path)
    assert workbook.sheetnames[:2] == ["responses", "items"]
    rows = list(workbook["items"].iter_rows(values_only=True))
    assert rows[1][:5] == ("MIDSA", "submitted", "practices", 1, "Data sharing")
    assert rows[2][4] == "=cmd|' /C calc'!A0" and workbook["items"].cell(3, 5).data_type == "s"

    workbook["items"].cell(2, 5).value = "Data sharing, edited in Excel"
    workbook.save(path)
    report = csv_io.responses_import_csv(campaign=survey.campaign, data=path.read_bytes(), user=None)
    assert report.ok, report.problems
    assert report.updated == ["MIDSA"]
    answers = response_answers(survey.campaign.responses.get(iscm=iscm))
    assert answers["practices"][0]["practice_title"] == "Data sharing, edited in Excel"
    assert answers["practices"][1]["practice_title"] == "=cmd|' /C calc'!A0"

    workbook["items"].cell(2, 8).value = "99"  # not a GCM objective: nothing of the workbook is written
    header = [cell.value for cell in workbook["responses"][1]]
    workbook["responses"].cell(2, header.index("name") + 1).value = "Changed name"
    workbook.save(path)
    report = csv_io.responses_import_csv(campaign=survey.campaign, data=path.read_bytes(), user=None)
    assert [(p.row, p.column) for p in report.problems] == [(2, "items: practice_gcm")]
    answers = response_answers(survey.campaign.responses.get(iscm=iscm))
    assert answers["practices"][0]["practice_title"] == "Data sharing, edited in Excel"
    assert answers["name"] == "Ana"
