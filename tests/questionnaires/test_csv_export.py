"""CSV exports: the wide and long formats, the codebook, formula injection, streaming and query counts."""

import datetime
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from questionnaires import csv_io
from questionnaires.csv_io import csv_safe, csv_unsafe
from questionnaires.models import Iscm, Response
from tests import factories
from tests.questionnaires.csv_helpers import answer, dicts_of, export, rows_of, survey_create

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
            "name": "=HYPERLINK(\"http://evil\")",
            "notes": "Line one, with a comma\nLine \"two\"\n\ttabbed",
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
    answer(campaign, beta, {"name": "Beta secretariat", "plan": "no"}, submitted_at=MAY_12)
    answer(campaign, gamma, {"name": "Gamma draft"}, status="draft")
    return campaign


# --- formula injection --------------------------------------------------------------------------

AWKWARD = [
    "",
    "plain",
    "=1+2",
    "+33 1 23",
    "-minus",
    "@SUM(A1)",
    "\tTab",
    "\rCR",
    "'quoted",
    "'=already",
    "''=twice",
    "'",
    "''",
    "it's = fine",
    "مرحبا",
    "😀 emoji",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_csv_unsafe_reverses_csv_safe_exactly(text):
    assert csv_unsafe(csv_safe(text)) == text


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@x", "\tx", "\rx"])
def test_csv_safe_prefixes_formula_triggers(text):
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["plain", "'quoted", "a=b", " =x", "", "'"])
def test_csv_safe_leaves_other_text_alone(text):
    assert csv_safe(text) == text


def test_csv_unsafe_only_strips_an_apostrophe_before_a_trigger():
    assert csv_unsafe("'=x") == "=x"
    assert csv_unsafe("'hello") == "'hello"
    assert csv_unsafe("''=x") == "'=x"


# --- wide ---------------------------------------------------------------------------------------


def test_wide_header_order(filled, tmp_path):
    header = rows_of(export(filled.slug, tmp_path / "wide.csv"))[0]
    goals = [f"goals/{n}" for n in range(1, 24)]
    assert header == [
        "iscm", "iscm_name", "region", "type", "status", "submitted_at",
        "name", "notes", "email", "staff", "budget", "founded_on", "plan",
        "formats", "formats/online", "formats/in_person", "formats/hybrid",
        "goals", *goals,
    ]  # fmt: skip


def test_wide_values(filled, tmp_path):
    rows = dicts_of(export(filled.slug, tmp_path / "wide.csv"))
    assert [row["iscm"] for row in rows] == ["ALPHA", "BETA"]  # drafts only on request
    alpha, beta = rows
    assert alpha["iscm_name"] == "Migration Dialogue ALPHA"
    assert alpha["type"] == "RCP"
    assert alpha["status"] == "submitted"
    assert alpha["submitted_at"] == "2023-05-12T09:30:00+00:00"
    assert alpha["name"] == "'=HYPERLINK(\"http://evil\")"  # shown as text by spreadsheets
    assert alpha["notes"] == "Line one, with a comma\nLine \"two\"\n\ttabbed"
    assert alpha["staff"] == "-5"  # numbers are not prefixed: analysts need numbers
    assert alpha["budget"] == "12.5"
    assert alpha["founded_on"] == "2001-06-30"
    assert alpha["plan"] == "yes"
    assert alpha["formats"] == "online hybrid"  # choice order, single space
    assert (alpha["formats/online"], alpha["formats/in_person"], alpha["formats/hybrid"]) == ("1", "0", "1")
    assert alpha["goals"] == "1 10 23"
    assert alpha["goals/10"] == "1" and alpha["goals/2"] == "0"
    # Not answered: empty cells, including every indicator column.
    assert beta["staff"] == "" and beta["formats"] == "" and beta["formats/online"] == ""
    assert beta["goals"] == "" and all(beta[f"goals/{n}"] == "" for n in range(1, 24))


def test_wide_is_rfc4180_with_crlf_and_quoted_newlines(filled, tmp_path):
    data = export(filled.slug, tmp_path / "wide.csv")
    assert data.count(b"\r\n") == 3  # header and two rows; the newlines inside the text are bare LF
    assert b'"Line one, with a comma\nLine ""two""\n\ttabbed"' in data
    assert not data.startswith(b"\xef\xbb\xbf")
    assert export(filled.slug, tmp_path / "bom.csv", "--bom").startswith(b"\xef\xbb\xbfiscm,")


def test_drafts_only_with_a_status_filter(filled, tmp_path):
    drafts = dicts_of(export(filled.slug, tmp_path / "d.csv", "--status", "draft"))
    assert [(row["iscm"], row["status"], row["submitted_at"]) for row in drafts] == [("GAMMA", "draft", "")]
    both = dicts_of(export(filled.slug, tmp_path / "b.csv", "--status", "draft", "--status", "submitted"))
    assert [row["iscm"] for row in both] == ["ALPHA", "BETA", "GAMMA"]


def test_labels_instead_of_codes(filled, tmp_path):
    from questionnaires.models import Choice

    hybrid = Choice.objects.get(code="hybrid")
    hybrid.label_fr = "Hybride"
    hybrid.save(update_fields=["label_fr"])  # a translation added to a published questionnaire
    rows = dicts_of(export(filled.slug, tmp_path / "fr.csv", "--labels", "fr"))
    assert rows[0]["formats"] == "Choice online; Hybride"  # French where translated, else English
    assert rows[0]["plan"] == "Choice yes"
    assert rows[0]["formats/hybrid"] == "1"  # indicator columns keep their names and 1/0
    rows = dicts_of(export(filled.slug, tmp_path / "en.csv", "--labels"))
    assert rows[0]["formats"] == "Choice online; Choice hybrid"


def test_empty_campaign_exports_the_header(survey, tmp_path):
    campaign, _iscms = survey
    rows = rows_of(export(campaign.slug, tmp_path / "empty.csv"))
    assert len(rows) == 1 and rows[0][:6] == list(csv_io.WIDE_FIXED_COLUMNS)


# --- long ---------------------------------------------------------------------------------------


def test_long_rows(filled, tmp_path):
    rows = rows_of(export(filled.slug, tmp_path / "long.csv", "--format", "long"))
    assert rows[0] == ["iscm", "status", "question", "choice", "value"]
    alpha = [row for row in rows[1:] if row[0] == "ALPHA"]
    assert alpha[:3] == [
        ["ALPHA", "submitted", "name", "", "'=HYPERLINK(\"http://evil\")"],
        ["ALPHA", "submitted", "notes", "", "Line one, with a comma\nLine \"two\"\n\ttabbed"],
        ["ALPHA", "submitted", "email", "", "fp@example.org"],
    ]
    assert ["ALPHA", "submitted", "staff", "", "-5"] in alpha
    assert [row[3] for row in alpha if row[2] == "goals"] == ["1", "10", "23"]
    assert [row for row in alpha if row[2] == "formats"] == [
        ["ALPHA", "submitted", "formats", "online", "online"],
        ["ALPHA", "submitted", "formats", "hybrid", "hybrid"],
    ]
    assert [row for row in rows[1:] if row[0] == "BETA"] == [
        ["BETA", "submitted", "name", "", "Beta secretariat"],
        ["BETA", "submitted", "plan", "no", "no"],
    ]


# --- codebook -----------------------------------------------------------------------------------


def test_codebook_documents_every_wide_column(filled, tmp_path):
    codebook = dicts_of(export(filled.slug, tmp_path / "codebook.csv", "--format", "codebook"))
    wide_header = rows_of(export(filled.slug, tmp_path / "wide.csv"))[0]
    assert [row["column"] for row in codebook if row["type"] != "choice" or "/" in row["column"]] == wide_header
    staff = next(row for row in codebook if row["column"] == "staff")
    assert (staff["type"], staff["required"], staff["label"]) == ("integer", "no", "Question staff")
    name = next(row for row in codebook if row["column"] == "name")
    assert (name["required"], name["max_length"]) == ("yes", "300")
    formats = next(row for row in codebook if row["column"] == "formats" and row["type"] != "choice")
    assert formats["show_if"] == "plan: yes undecided"
    goals = next(row for row in codebook if row["column"] == "goals" and row["type"] != "choice")
    assert goals["max_choices"] == "5"
    plan_choices = [(row["column"], row["choice"], row["label"]) for row in codebook if row["question"] == "plan"]
    assert plan_choices[1:] == [("plan", "yes", "Choice yes"), ("plan", "no", "Choice no"),
                                ("plan", "undecided", "Choice undecided")]  # fmt: skip


def test_codebook_of_the_demo_lists_the_gcm_objectives(demo, tmp_path):
    codebook = dicts_of(export(demo.slug, tmp_path / "codebook.csv", "--format", "codebook"))
    gcm = [row for row in codebook if row["question"] == "gcm_priorities" and row["type"] == "choice"]
    assert [row["choice"] for row in gcm] == [str(n) for n in range(1, 24)]
    assert all(row["label"] and row["description"] for row in gcm)


# --- demo ---------------------------------------------------------------------------------------


def test_demo_export(demo, tmp_path):
    rows = dicts_of(export(demo.slug, tmp_path / "demo.csv"))
    assert len(rows) == 14
    assert {row["status"] for row in rows} == {"submitted"}
    arcp = next(row for row in rows if row["iscm"] == "ARCP")
    assert arcp["submitted_at"] == "2023-05-12T09:30:00+00:00"
    assert arcp["sdg_priority"] == "1 8 10 16 17"
    assert arcp["sdg_priority/8"] == "1" and arcp["sdg_priority/2"] == "0"
    assert [row["iscm"] for row in rows] == sorted(row["iscm"] for row in rows)
    drafts = dicts_of(export(demo.slug, tmp_path / "drafts.csv", "--status", "draft"))
    assert drafts and {row["status"] for row in drafts} == {"draft"}


# --- streaming and queries ----------------------------------------------------------------------


def _fill(campaign, count):
    for index in range(count):
        iscm = factories.IscmFactory(acronym=f"X{index:04d}")
        factories.invite(campaign, iscm)
        answer(
            campaign,
            iscm,
            {"name": f"Name {index}", "staff": str(index), "plan": "yes", "formats": ["online"], "goals": ["1", "2"]},
        )


def _consume(campaign, export_format):
    responses = csv_io.responses_for_export(campaign=campaign)
    with CaptureQueriesContext(connection) as queries:
        data = b"".join(
            csv_io.responses_csv(questionnaire=campaign.questionnaire, responses=responses, export_format=export_format)
        )
    return len(queries.captured_queries), data


@pytest.mark.parametrize("export_format", ["wide", "long"])
def test_query_count_does_not_grow_with_the_responses(survey, export_format):
    campaign, _iscms = survey
    _fill(campaign, 3)
    small, data = _consume(campaign, export_format)
    _fill_more = 40
    for index in range(_fill_more):
        iscm = factories.IscmFactory(acronym=f"Y{index:04d}")
        factories.invite(campaign, iscm)
        answer(campaign, iscm, {"name": f"Other {index}", "goals": ["3"]})
    large, big_data = _consume(campaign, export_format)
    assert small == large == 3  # responses, answers, ticked choices (the questionnaire's schema is cached)
    assert big_data.count(b"Other ") == 40


def test_nothing_is_queried_before_the_first_chunk(filled, django_assert_num_queries):
    responses = csv_io.responses_for_export(campaign=filled)
    with django_assert_num_queries(0):
        chunks = csv_io.responses_csv(questionnaire=filled.questionnaire, responses=responses)
    assert next(chunks).startswith(b"iscm,iscm_name")


def test_large_exports_come_in_several_chunks(survey, monkeypatch):
    campaign, _iscms = survey
    monkeypatch.setattr(csv_io.cells, "FLUSH_CHARS", 200)
    monkeypatch.setattr(csv_io.rows, "CHUNK_SIZE", 3)
    _fill(campaign, 12)
    chunks = list(
        csv_io.responses_csv(
            questionnaire=campaign.questionnaire, responses=csv_io.responses_for_export(campaign=campaign)
        )
    )
    assert len(chunks) > 5
    rows = dicts_of(b"".join(chunks))
    assert [row["staff"] for row in rows] == [str(n) for n in range(12)]
    assert all(row["goals"] == "1 2" and row["formats"] == "online" for row in rows)


def test_merge_skips_answers_of_responses_it_does_not_list():
    responses = [(1, "A", "", "", "RCP", "submitted", None), (2, "B", "", "", "RCP", "submitted", None)]
    answers = iter([(1, 10, "a", None, None), (99, 10, "intruder", None, None), (2, 10, "b", None, None)])
    choices = iter([(99, 11, 5), (2, 11, 7)])
    merged = list(csv_io.rows._merge(responses, answers, choices))
    assert [item.scalars for item in merged] == [{10: ("a", None, None)}, {10: ("b", None, None)}]
    assert [item.choices for item in merged] == [{}, {11: {7}}]


# --- log and admin ------------------------------------------------------------------------------


def test_exports_are_logged_without_answer_text(filled, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="iscm.security"):
        export(filled.slug, tmp_path / "wide.csv", "--format", "long")
    records = [record for record in caplog.records if record.name == "iscm.security"]
    assert len(records) == 1
    record = records[0]
    assert (record.event, record.campaign, record.format, record.rows, record.via) == (
        "csv_export", filled.slug, "long", 14, "command",
    )  # fmt: skip
    assert "HYPERLINK" not in str(vars(record))


def test_admin_export_of_selected_responses(filled, coordinator):
    selected = Response.objects.filter(iscm__acronym__in=["BETA", "GAMMA"])
    response = csv_io.responses_export_response(selected, user=coordinator)
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = dicts_of(b"".join(response.streaming_content))
    assert [(row["iscm"], row["status"]) for row in rows] == [("BETA", "submitted"), ("GAMMA", "draft")]


def test_admin_export_refuses_responses_of_several_campaigns(filled, coordinator):
    other = factories.CampaignFactory(slug="other", questionnaire=filled.questionnaire)
    factories.ResponseFactory(campaign=other, iscm=Iscm.objects.get(acronym="ALPHA"))
    with pytest.raises(ValueError):
        csv_io.responses_export_response(Response.objects.all(), user=coordinator)
    with pytest.raises(ValueError):
        csv_io.responses_export_response([], user=coordinator)
