"""CSV import: the round trip, all-or-nothing with every problem reported, files that are not what they
should be, and the history an import leaves."""

import datetime
import io

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.utils import timezone

from questionnaires import csv_io
from questionnaires.models import Answer, AnswerChoice, Iscm, Response, ResponseEvent
from tests import factories
from tests.questionnaires.csv_helpers import answer, csv_of, dicts_of, export, import_file, rows_of, survey_create

MAY_12 = datetime.datetime(2023, 5, 12, 9, 30, tzinfo=datetime.UTC)
ALL_STATUSES = ["--status", "draft", "--status", "submitted", "--status", "returned", "--status", "validated"]


@pytest.fixture
def survey(db):
    return survey_create()


def snapshot(campaign):
    """Everything an import could change, to show that a rejected file changed nothing."""
    responses = list(
        Response.objects.filter(campaign=campaign)
        .order_by("pk")
        .values_list("pk", "iscm__acronym", "status", "version", "submitted_at", "updated_at")
    )
    answers = sorted(Answer.objects.filter(response__campaign=campaign).values_list("pk", "text", "number", "date"))
    choices = sorted(AnswerChoice.objects.filter(response__campaign=campaign).values_list("pk", "choice_id"))
    events = ResponseEvent.objects.filter(response__campaign=campaign).count()
    return responses, answers, choices, events


def header_for(campaign):
    return rows_of(csv_io.codebook_csv(questionnaire=campaign.questionnaire).__next__())


def wide_header(campaign):
    return csv_io.wide_header(csv_io.export_questions(campaign.questionnaire))


def wide_file(campaign, rows):
    """A wide file with every column; `rows` give only the cells that matter."""
    header = wide_header(campaign)
    return csv_of([header, *([row.get(column, "") for column in header] for row in rows)])


def problems_of(report):
    return [(problem.row, problem.column, problem.value) for problem in report.problems]


def run_import(campaign, data, user=None):
    return csv_io.responses_import_csv(campaign=campaign, data=data, user=user)


# --- round trips --------------------------------------------------------------------------------


def test_demo_round_trip_is_byte_identical(demo, tmp_path, coordinator):
    first = export(demo.slug, tmp_path / "first.csv", *ALL_STATUSES)
    assert len(dicts_of(first)) == 17  # 14 submitted and 3 drafts
    Response.objects.filter(campaign=demo).delete()

    out, _err = import_file(demo.slug, tmp_path / "first.csv", "--user", coordinator.username)
    assert "17 created, 0 updated, 0 unchanged" in out
    second = export(demo.slug, tmp_path / "second.csv", *ALL_STATUSES)
    assert second == first
    submitted = export(demo.slug, tmp_path / "submitted.csv")
    assert len(dicts_of(submitted)) == 14
    events = ResponseEvent.objects.filter(response__campaign=demo)
    assert set(events.values_list("action", "user")) == {(ResponseEvent.Action.IMPORTED, coordinator.pk)}


def test_identical_reimport_changes_nothing(demo, tmp_path, coordinator):
    export(demo.slug, tmp_path / "demo.csv", *ALL_STATUSES)
    before = snapshot(demo)
    out, _err = import_file(demo.slug, tmp_path / "demo.csv", "--user", coordinator.username)
    assert "0 created, 0 updated, 17 unchanged" in out
    assert snapshot(demo) == before  # no new version, no event, submitted_at as it was


def test_awkward_text_round_trip(survey, tmp_path):
    campaign, _iscms = survey
    awkward = [
        {
            "iscm": "ALPHA",
            "submitted_at": "2023-05-12T09:30:00+00:00",
            "name": '"Quoted", with commas, and \'apostrophes\'',
            "notes": "Line one\r\nLine two, \"quoted\"\r\n\r\n=SUM(A1:A9)\n+33 1 23 45\n-dash\n@mention\n\ttab",
            "email": "=x@example.org",
            "staff": "-5",
            "budget": "-0.25",
            "founded_on": "2001-06-30",
            "plan": "yes",
            "formats": "hybrid online",
            "goals": "23 1",
        },
        {"iscm": "BETA", "name": "مرحبا بالعالم — منتدى إقليمي", "notes": "\tleading tab 😀 emoji 🇸🇳", "plan": "no"},
        # In a file, ' before a formula character is the escape: ''= stands for the text '= .
        {"iscm": "GAMMA", "status": "draft", "name": "''=already quoted", "notes": "'''=twice", "email": "'x@a.org"},
    ]
    source = tmp_path / "source.csv"
    source.write_bytes(wide_file(campaign, awkward))
    import_file(campaign.slug, source)

    first = export(campaign.slug, tmp_path / "first.csv", *ALL_STATUSES)
    rows = {row["iscm"]: row for row in dicts_of(first)}
    assert rows["ALPHA"]["name"] == '"Quoted", with commas, and \'apostrophes\''
    assert rows["ALPHA"]["notes"] == (
        "Line one\nLine two, \"quoted\"\n\n=SUM(A1:A9)\n+33 1 23 45\n-dash\n@mention\n\ttab"
    )
    assert rows["ALPHA"]["email"] == "'=x@example.org"
    assert rows["ALPHA"]["staff"] == "-5" and rows["ALPHA"]["budget"] == "-0.25"
    assert rows["ALPHA"]["formats"] == "online hybrid" and rows["ALPHA"]["goals"] == "1 23"
    assert rows["BETA"]["name"] == "مرحبا بالعالم — منتدى إقليمي"
    assert rows["BETA"]["notes"] == "'\tleading tab 😀 emoji 🇸🇳"
    assert rows["GAMMA"]["name"] == "''=already quoted" and rows["GAMMA"]["notes"] == "'''=twice"
    stored = dict(Answer.objects.filter(response__iscm__acronym="GAMMA").values_list("question__code", "text"))
    assert stored == {"name": "'=already quoted", "notes": "''=twice", "email": "'x@a.org"}

    Response.objects.filter(campaign=campaign).delete()
    import_file(campaign.slug, tmp_path / "first.csv")
    second = export(campaign.slug, tmp_path / "second.csv", *ALL_STATUSES)
    assert second == first
    before = snapshot(campaign)
    import_file(campaign.slug, tmp_path / "second.csv")
    assert snapshot(campaign) == before


def test_bom_and_semicolons_from_excel_are_read(survey):
    campaign, _iscms = survey
    header = wide_header(campaign)
    rows = [header, ["ALPHA" if column == "iscm" else "Alpha" if column == "name" else "" for column in header]]
    data = b"\xef\xbb\xbf" + csv_of(rows, delimiter=";")
    report = run_import(campaign, data)
    assert report.ok, report.problems
    assert report.created == ["ALPHA"]
    old_mac = csv_of(rows, delimiter=";").replace(b"\r\n", b"\r").replace(b"ALPHA", b"BETA")
    assert run_import(campaign, old_mac).created == ["BETA"]


# --- a bad file ---------------------------------------------------------------------------------


def test_bad_demo_file_is_rejected_with_every_problem(demo, tmp_path):
    export(demo.slug, tmp_path / "demo.csv")
    rows = dicts_of((tmp_path / "demo.csv").read_bytes())
    header = list(rows[0])
    rows[0]["iscm"] = "NOPE"  # row 2
    rows[1]["gcm_contributes"] = "1 24"  # row 3
    rows[2]["gcm_priorities"] = "1 2 3 4 5 6"  # row 4
    rows[3]["respondent_name"] = ""  # row 5: required for a submitted row
    rows[4]["status"] = "finished"  # row 6
    rows[5]["submitted_at"] = "12/05/2023"  # row 7
    rows.append(dict(rows[6]))  # row 16: a second row for the ISCM of row 8
    (tmp_path / "bad.csv").write_bytes(csv_of([header, *([row[c] for c in header] for row in rows)]))
    before = snapshot(demo)

    report = csv_io.responses_import_csv(campaign=demo, data=(tmp_path / "bad.csv").read_bytes(), user=None)
    found = {(problem.row, problem.column): problem for problem in report.problems}
    assert set(found) == {
        (2, "iscm"),
        (3, "gcm_contributes"),
        (4, "gcm_priorities"),
        (5, "respondent_name"),
        (6, "status"),
        (7, "submitted_at"),
        (16, "iscm"),
    }
    assert "Unknown ISCM “NOPE”" in found[(2, "iscm")].message
    assert found[(3, "gcm_contributes")].value == "1 24"
    assert "“24” is not one of the available choices" in found[(3, "gcm_contributes")].message
    assert "Choose at most 5 options (you chose 6)" in found[(4, "gcm_priorities")].message
    assert found[(5, "respondent_name")].message == "This question is required."
    assert "row 8" in found[(16, "iscm")].message
    assert snapshot(demo) == before

    with pytest.raises(CommandError, match="7 problems: nothing was imported"):
        import_file(demo.slug, tmp_path / "bad.csv")
    assert snapshot(demo) == before


def test_command_prints_every_problem_and_exits_non_zero(demo, tmp_path, capsys):
    header = wide_header(demo)
    (tmp_path / "bad.csv").write_bytes(
        csv_of([header, ["NOPE" if c == "iscm" else "1 24" if c == "gcm_contributes" else "" for c in header]])
    )
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "import_responses", demo.slug, str(tmp_path / "bad.csv")]).execute()
    assert exit_info.value.code != 0
    err = capsys.readouterr().err
    assert "row 2\tcolumn iscm\tvalue 'NOPE'\tUnknown ISCM" in err
    assert "column gcm_contributes\tvalue '1 24'" in err
    assert "column respondent_name" in err
    assert "nothing was imported" in err


def test_non_integer_in_an_integer_question(survey):
    campaign, (alpha, _beta, _gamma) = survey
    answer(campaign, alpha, {"name": "Alpha", "staff": "12"}, submitted_at=MAY_12)
    before = snapshot(campaign)
    data = wide_file(
        campaign,
        [
            {"iscm": "ALPHA", "name": "Alpha", "staff": "12.5"},
            {"iscm": "BETA", "name": "Beta", "staff": "twelve", "budget": "1,5", "founded_on": "31/12/2001"},
            {"iscm": "GAMMA", "name": "Gamma", "plan": "no", "formats": "online", "email": "not-an-email"},
        ],
    )
    report = run_import(campaign, data)
    assert problems_of(report) == [
        (2, "staff", "12.5"),
        (3, "staff", "twelve"),
        (3, "founded_on", "31/12/2001"),
        (4, "email", "not-an-email"),
        (4, "formats", "online"),  # shown only when the plan is yes or undecided
    ]
    assert report.problems[0].message == "Enter a whole number, e.g. 12."
    assert snapshot(campaign) == before
    assert not report.created and not report.updated


def test_draft_rows_need_no_required_answers(survey):
    campaign, _iscms = survey
    report = run_import(campaign, wide_file(campaign, [{"iscm": "ALPHA", "status": "draft", "staff": "3"}]))
    assert report.ok, report.problems
    response = Response.objects.get(iscm__acronym="ALPHA")
    assert (response.status, response.submitted_at) == ("draft", None)
    report = run_import(campaign, wide_file(campaign, [{"iscm": "ALPHA", "staff": "3"}]))
    assert problems_of(report) == [(2, "name", "")]


def test_not_invited_and_missing_iscm(survey):
    campaign, _iscms = survey
    factories.IscmFactory(acronym="OUTSIDER")
    report = run_import(campaign, wide_file(campaign, [{"iscm": "OUTSIDER", "name": "x"}, {"iscm": "", "name": "y"}]))
    assert [(p.row, p.column, p.message) for p in report.problems] == [
        (2, "iscm", "“OUTSIDER” is not invited to this campaign."),
        (3, "iscm", "The ISCM acronym is missing."),
    ]


# --- the write: history, dates, statuses ---------------------------------------------------------


def test_import_creates_updates_and_records_the_importer(survey, coordinator):
    campaign, (alpha, _beta, _gamma) = survey
    answer(campaign, alpha, {"name": "Alpha", "staff": "12"}, submitted_at=MAY_12)
    data = wide_file(
        campaign,
        [
            {"iscm": "ALPHA", "name": "Alpha", "staff": "13", "submitted_at": "2023-05-12T09:30:00+00:00"},
            {"iscm": "BETA", "name": "Beta", "submitted_at": "2022-01-31T08:00:00Z"},
            {"iscm": "GAMMA", "name": "Gamma"},
        ],
    )
    started = timezone.now().replace(microsecond=0)  # submission times are stored in whole seconds
    report = run_import(campaign, data, user=coordinator)
    assert (report.created, report.updated, report.unchanged) == (["BETA", "GAMMA"], ["ALPHA"], [])
    alpha_response = Response.objects.get(iscm=alpha)
    assert alpha_response.submitted_at == MAY_12  # kept from the file
    event = alpha_response.events.first()
    assert (event.action, event.user, event.changes) == ("imported", coordinator, {"staff": ["12", "13"]})
    beta = Response.objects.get(iscm__acronym="BETA")
    assert beta.submitted_at == datetime.datetime(2022, 1, 31, 8, 0, tzinfo=datetime.UTC)
    assert Response.objects.get(iscm__acronym="GAMMA").submitted_at >= started  # no date: the import time
    assert beta.status == "submitted" and beta.submitted_by == coordinator


def test_reviewed_statuses_come_back_but_cannot_be_set(survey):
    campaign, (alpha, beta, _gamma) = survey
    answer(campaign, alpha, {"name": "Alpha"}, submitted_at=MAY_12)
    Response.objects.filter(iscm=alpha).update(status="validated")
    report = run_import(campaign, wide_file(campaign, [{"iscm": "ALPHA", "name": "Alpha", "status": "validated"}]))
    assert report.ok and report.unchanged == ["ALPHA"]
    report = run_import(campaign, wide_file(campaign, [{"iscm": "BETA", "name": "Beta", "status": "validated"}]))
    assert problems_of(report) == [(2, "status", "validated")]


def test_imports_work_after_the_campaign_closed(survey):
    campaign, _iscms = survey
    campaign.closes_at = timezone.now() - datetime.timedelta(hours=1)
    campaign.opens_at = campaign.closes_at - datetime.timedelta(days=10)
    campaign.save()
    report = run_import(campaign, wide_file(campaign, [{"iscm": "ALPHA", "name": "Late paper answer"}]))
    assert report.ok and report.created == ["ALPHA"]


def test_indicator_and_registry_columns_are_ignored(survey):
    campaign, _iscms = survey
    data = wide_file(
        campaign,
        [{"iscm": "ALPHA", "name": "A", "iscm_name": "whatever", "region": "Mars", "type": "?",
          "goals": "2", "goals/1": "1", "goals/2": "0"}],
    )  # fmt: skip
    report = run_import(campaign, data)
    assert report.ok, report.problems
    assert list(AnswerChoice.objects.values_list("choice__code", flat=True)) == ["2"]
    assert Iscm.objects.get(acronym="ALPHA").region == "Africa"


def test_blank_lines_are_skipped_and_rows_numbered_like_a_spreadsheet(survey):
    campaign, _iscms = survey
    header = wide_header(campaign)
    blank = [""] * len(header)
    row = ["BETA" if c == "iscm" else "x\ny" if c == "notes" else "twelve" if c == "staff" else "" for c in header]
    report = run_import(campaign, csv_of([header, blank, row, blank]))
    # The multi-line cell counts as one row, as a spreadsheet shows it; the blank row 2 still counts.
    assert problems_of(report) == [(3, "name", ""), (3, "staff", "twelve")] or problems_of(report) == [
        (3, "staff", "twelve"),
        (3, "name", ""),
    ]


# --- files that are not right ---------------------------------------------------------------------


def messages(report):
    return [problem.message for problem in report.problems]


def test_latin1_file(survey):
    campaign, _iscms = survey
    data = wide_file(campaign, [{"iscm": "ALPHA", "name": "Café"}]).decode().encode("latin-1")
    report = run_import(campaign, data)
    assert len(report.problems) == 1
    assert "not UTF-8 encoded" in report.problems[0].message and "CSV UTF-8" in report.problems[0].message
    assert report.problems[0].row == 2


def test_utf16_file(survey):
    campaign, _iscms = survey
    data = wide_file(campaign, [{"iscm": "ALPHA", "name": "x"}]).decode().encode("utf-16")
    assert "not UTF-8 encoded" in messages(run_import(campaign, data))[0]
    data = wide_file(campaign, [{"iscm": "ALPHA", "name": "x"}]).decode().encode("utf-16-le")
    assert "not UTF-8 encoded" in messages(run_import(campaign, data))[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf\r\n\r\n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is an image, not a CSV file."),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook (.xlsx)"),
        (b"%PDF-1.7\n", "PDF"),
        (b"hello world\nthis is not it\n", "There is no “iscm” column"),
    ],
)
def test_files_that_are_not_csv(survey, data, expected):
    campaign, _iscms = survey
    report = run_import(campaign, data)
    assert report.problems and expected in report.problems[0].message
    assert not Response.objects.exists()


def test_header_only(survey):
    campaign, _iscms = survey
    report = run_import(campaign, csv_of([wide_header(campaign)]))
    assert messages(report) == ["The file has a header but no rows of answers."]


def test_unknown_duplicate_and_missing_columns(survey):
    campaign, _iscms = survey
    header = [c for c in wide_header(campaign) if c != "budget"] + ["comments", "name", "goals/99"]
    report = run_import(campaign, csv_of([header, ["ALPHA"] + [""] * (len(header) - 1)]))
    assert [(p.row, p.column) for p in report.problems] == [(1, "comments"), (1, "name"), (1, "goals/99"), (1, "")]
    assert "Unknown column “comments”" in report.problems[0].message
    assert "appears twice" in report.problems[1].message
    assert "budget" in report.problems[3].message
    assert not Response.objects.exists()


def test_windows_line_endings_and_too_many_cells(survey):
    campaign, _iscms = survey
    header = wide_header(campaign)
    row = ["ALPHA" if c == "iscm" else "A" if c == "name" else "" for c in header]
    assert run_import(campaign, csv_of([header, row])).ok  # csv_of writes CRLF
    report = run_import(campaign, csv_of([header, [*row, "extra"]]))
    assert problems_of(report) == [(2, "", "extra")]


def test_command_reports_unreadable_files(survey, tmp_path):
    campaign, _iscms = survey
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04rest")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem: nothing was imported"):
        call_command("import_responses", campaign.slug, str(tmp_path / "x.xlsx"), stderr=err)
    assert "Excel workbook" in err.getvalue()
    with pytest.raises(CommandError, match="No file"):
        call_command("import_responses", campaign.slug, str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="No campaign"):
        call_command("import_responses", "nope", str(tmp_path / "x.xlsx"))


def test_imports_are_logged(survey, caplog, coordinator):
    campaign, _iscms = survey
    with caplog.at_level("INFO", logger="iscm.security"):
        run_import(campaign, wide_file(campaign, [{"iscm": "ALPHA", "name": "Secret text"}]), user=coordinator)
    record = next(r for r in caplog.records if r.name == "iscm.security")
    assert (record.event, record.user, record.campaign, record.rows, record.rows_created) == (
        "csv_import", coordinator.pk, campaign.slug, 1, 1,
    )  # fmt: skip
    assert "Secret" not in str(vars(record))


# --- batches: one pass over the file, a fixed number of queries per batch -------------------------


def batch_survey(count):
    return survey_create(iscms=[f"B{n:02d}" for n in range(count)])


def test_a_problem_after_written_batches_rolls_everything_back(db, monkeypatch):
    campaign, _iscms = batch_survey(7)
    monkeypatch.setattr(csv_io.imports, "IMPORT_BATCH_ROWS", 2)  # rows 2–5 are written before row 7 is read
    rows = [{"iscm": f"B{n:02d}", "name": f"N{n}"} for n in range(7)]
    rows[5]["staff"] = "many"
    before = snapshot(campaign)
    report = run_import(campaign, wide_file(campaign, rows))
    assert [(p.row, p.column) for p in report.problems] == [(7, "staff")]  # every row still checked
    assert (report.created, report.updated, report.unchanged) == ([], [], [])
    assert snapshot(campaign) == before


def test_rows_written_in_batches_are_those_written_one_by_one(db, monkeypatch):
    campaign, iscms = batch_survey(5)
    rows = [
        {"iscm": f"B{n:02d}", "name": f"N{n}", "plan": "yes", "formats": "online hybrid", "goals": f"{n + 1} 9"}
        for n in range(5)
    ]
    monkeypatch.setattr(csv_io.imports, "IMPORT_BATCH_ROWS", 2)
    report = run_import(campaign, wide_file(campaign, rows))
    assert report.ok and report.created == [f"B{n:02d}" for n in range(5)]
    batched = list(
        AnswerChoice.objects.filter(response__campaign=campaign).values_list(
            "response__iscm__acronym", "question__code", "choice__code"
        )
    )
    assert ("B03", "goals", "4") in batched and ("B03", "formats", "hybrid") in batched
    for iscm in iscms:  # version 1, one "imported" event with every answer, as a single write gives
        response = Response.objects.get(campaign=campaign, iscm=iscm)
        (event,) = response.events.all()
        assert (response.version, event.version, event.action) == (1, 1, "imported")
        assert event.changes["name"] == [None, f"N{int(iscm.acronym[1:])}"]
    # a second import of changed rows updates them in batches too: only the changed questions move
    rows[2]["name"] = "Renamed"
    report = run_import(campaign, wide_file(campaign, rows))
    assert (report.updated, len(report.unchanged)) == (["B02"], 4)
    renamed = Response.objects.get(campaign=campaign, iscm__acronym="B02")
    assert renamed.version == 2 and renamed.events.first().changes == {"name": ["N2", "Renamed"]}


@pytest.mark.parametrize("count", [3, 12])
def test_a_batch_costs_the_same_queries_whatever_its_size(db, count, django_assert_max_num_queries):
    from questionnaires.services import ImportRow, responses_import

    campaign, iscms = batch_survey(12)
    rows = [ImportRow(iscm, {"name": iscm.acronym, "goals": ["1", "2"], "notes": "x"}, "submitted") for iscm in iscms]
    with django_assert_max_num_queries(12):  # invitations, lock, answers, writes, history: not per row
        results = responses_import(campaign=campaign, rows=rows[:count], user=None, recompute=False)
    assert len(results) == count and all(result is not None for result in results)
