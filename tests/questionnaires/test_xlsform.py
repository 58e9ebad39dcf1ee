"""XLSForm in and out (questionnaires/xlsform.py): the 2023 questionnaire survives a round trip through
pyxform, forms written in Excel or Kobo import, and whatever the app cannot represent is refused row by
row with nothing created."""

import base64
import io
import random
import time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from pyxform.xls2xform import convert

from questionnaires.definitions import DefinitionInvalid
from questionnaires.models import Choice, Question, Questionnaire, Section
from questionnaires.schema import questionnaire_schema
from questionnaires.xlsform import xlsform_bytes, xlsform_import

SAMPLES = Path(__file__).parent / "data" / "xlsform"


def schema_summary(questionnaire):
    """Everything the compiled schema says, without database ids: sections, questions, choices, texts in
    four languages, conditions, limits, presentation hints, and lists of items with their item fields."""
    schema = questionnaire_schema(questionnaire)
    return {
        "titles": dict(schema.titles),
        "annex_titles": dict(schema.annex_titles),
        "sections": [
            {
                "titles": dict(section.titles),
                "descriptions": dict(section.descriptions),
                "questions": [question_summary(q) for q in section.questions],
            }
            for section in schema.sections
        ],
    }


def question_summary(q):
    return {
        "code": q.code,
        "type": q.type,
        "required": q.required,
        "max_choices": q.max_choices,
        "max_length": q.max_length,
        "choice_list": q.choice_list,
        "show_if": q.show_if,
        "show_if_values": q.show_if_values,
        "labels": dict(q.labels),
        "helps": dict(q.helps),
        "choices": [
            (c.code, dict(c.labels), dict(c.descriptions), dict(c.report_phrases), c.numbered) for c in q.choices
        ],
        "hints": (
            q.hints.chart,
            q.hints.denominator,
            q.hints.top,
            dict(q.hints.titles),
            q.hints.positive,
            q.hints.negative,
            q.hints.coverage,
            dict(q.hints.summaries),
            q.hints.explicit,
        ),
        "items": [question_summary(field) for field in q.items],
        "min_items": q.min_items,
        "max_items": q.max_items,
        "practice_role": q.practice_role,
    }


def counts():
    return (Questionnaire.objects.count(), Section.objects.count(), Question.objects.count(), Choice.objects.count())


@pytest.fixture
def questionnaire_2023(demo):
    return demo.questionnaire


def test_the_2023_questionnaire_round_trips_through_xlsform_and_pyxform(questionnaire_2023):
    data = xlsform_bytes(questionnaire_2023)
    result = convert(data, file_type=".xlsx")  # pyxform, as KoboToolbox and ODK Central run it
    assert "<h:title>Contributions of ISCMs to Global Policy Initiatives</h:title>" in result.xform
    assert result.warnings == []
    sheet = load_workbook(io.BytesIO(data))["choices"]
    lists = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"sdg", "gcm", "gcm_review_plan", "gcm_review_format"} == lists

    imported = xlsform_import(data, filename="export.xlsx")

    assert (imported.slug, imported.status) == ("iscm-contributions", Questionnaire.Status.DRAFT)
    assert imported.version == Questionnaire.objects.filter(slug="iscm-contributions").count()
    assert schema_summary(imported) == schema_summary(questionnaire_2023)
    assert [getattr(imported, f"description_{code}") for code in ("en", "fr", "es", "ar")] == [
        getattr(questionnaire_2023, f"description_{code}") for code in ("en", "fr", "es", "ar")
    ]
    # The SDG and GCM questions use the shared lists again (numbered displays, comparable figures).
    assert questionnaire_schema(imported).question("sdg_priority").choice_list == "sdg"


def test_the_2025_draft_round_trips_too(demo):
    """Its practices are lists of items: repeats with item fields on the shared GCM and SDG lists."""
    draft = Questionnaire.objects.get(slug="iscm-contributions", version=2)
    data = xlsform_bytes(draft)
    converted = convert(data, file_type=".xlsx")
    assert converted.warnings == []
    assert '<repeat nodeset="/data/section_2/sdg_practices">' in converted.xform
    imported = xlsform_import(data)
    assert schema_summary(imported) == schema_summary(draft)
    practices = questionnaire_schema(imported).question("gcm_practices")
    assert (practices.type, practices.max_items) == ("list_of_items", 10)
    assert [(field.code, field.practice_role, field.choice_list) for field in practices.items] == [
        ("gcm_practice_title", "title", ""),
        ("gcm_practice_description", "description", ""),
        ("gcm_practice_year", "year", ""),
        ("gcm_practice_gcm", "gcm", "gcm"),
        ("gcm_practice_sdg", "sdg", "sdg"),
        ("gcm_practice_link", "link", ""),
    ]


def test_presentation_hints_travel_in_extension_columns(questionnaire_2023):
    # presentation hints and texts may change on a published version (not its structure)
    Question.objects.filter(questionnaire=questionnaire_2023, code="gcm_review_plan").update(
        chart_kind="bars", report_top=2, chart_title_fr="Examen régional", positive_choices=["yes"]
    )
    imported = xlsform_import(xlsform_bytes(questionnaire_2023))
    assert schema_summary(imported) == schema_summary(questionnaire_2023)


def test_a_kobo_style_form_in_four_languages_imports(db):
    imported = xlsform_import((SAMPLES / "kobo_partner_survey.xlsx").read_bytes())
    schema = questionnaire_schema(imported)
    assert (imported.slug, imported.version, imported.status) == ("partners_survey", 1, "draft")
    assert imported.title_en == "Partners' survey"
    assert imported.description_fr == "Bienvenue dans l’enquête auprès des partenaires."
    assert [section.titles["ar"] for section in schema.sections] == ["عن منظمتكم", "عملكم"]
    assert schema.sections[0].descriptions["es"] == "Díganos quiénes son."
    types = {code: question.type for code, question in schema.questions.items()}
    assert types == {
        "org_name": "short_text",
        "contact_email": "email",
        "staff": "integer",
        "budget": "decimal",
        "founded_on": "date",
        "works_on_climate": "single_choice",
        "climate_topics": "multiple_choice",
        "climate_details": "long_text",
    }
    org = schema.question("org_name")
    assert (org.required, org.max_length, org.labels["fr"]) == (True, 200, "Nom de l’organisation")
    assert schema.question("staff").helps["ar"] == "ما يعادل الدوام الكامل"
    topics = schema.question("climate_topics")
    assert (topics.max_choices, topics.show_if, topics.show_if_values) == (2, "works_on_climate", ("yes", "planned"))
    assert topics.choices[1].labels["es"] == "Reubicación planificada"
    details = schema.question("climate_details")
    assert (details.show_if, details.show_if_values) == ("climate_topics", ("displacement", "relocation"))
    assert schema.question("works_on_climate").required


def test_a_list_equal_to_the_sdgs_becomes_the_shared_list(demo):
    imported = xlsform_import((SAMPLES / "one_language_sdg_form.xlsx").read_bytes(), filename="Regional poll.xlsx")
    schema = questionnaire_schema(imported)
    assert (imported.slug, imported.title_en) == ("regional-poll", "Regional poll")
    assert [section.title for section in schema.sections] == ["Regional poll"]
    assert schema.question("sdg_focus").choice_list == "sdg"
    assert schema.question("sdg_focus").choices[7].labels["fr"]  # translations come from the shared list
    assert schema.question("satisfied").choice_list == ""  # codes 1-3 but not the SDGs: its own choices
    assert schema.question("sdg_focus").helps["en"] == "Tick all that apply"


def test_unsupported_features_are_listed_row_by_row_and_nothing_is_created(db):
    before = counts()
    with pytest.raises(DefinitionInvalid) as refused:
        xlsform_import((SAMPLES / "unsupported.xlsx").read_bytes())
    assert refused.value.problems == [
        "survey row 3: column “repeat_count” is not supported.",
        "survey row 5: a repeat inside a repeat is not supported: item fields are one level.",
        "survey row 8: a group inside a repeat is not supported: item fields are one level.",
        "survey row 12: type “calculate” is not supported.",
        "survey row 13: type “geopoint” is not supported.",
        "survey row 14: “or_other” is not supported: add an “other” choice instead.",
        "survey row 15: relevant “${village} != ''” is not supported (only ${q} = 'a' or selected(${q}, 'a') on "
        "one earlier choice question, joined with “or”).",
    ]
    assert counts() == before


def form(survey, choices=None, settings=(("form_title", "form_id"), ("Test form", "test-form"))):
    book = Workbook()
    book.active.title = "survey"
    for row in survey:
        book.active.append(list(row))
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows:
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def refused(data):
    before = counts()
    with pytest.raises(DefinitionInvalid) as error:
        xlsform_import(data)
    assert counts() == before
    return error.value.problems


def test_duplicate_names_and_bad_conditions_are_refused(db):
    problems = refused(
        form(
            [
                ("type", "name", "label", "relevant", "constraint"),
                ("select_one yn", "q1", "First", "", ""),
                ("text", "q1", "Again", "", ""),
                ("select_multiple yn", "q2", "Second", "selected(${q3}, 'yes')", "count-selected(.) <= 2"),
                ("select_one yn", "q3", "Third", "${q1} = 'maybe'", "count-selected(.) <= 1"),
                ("integer", "q4", "", "${q4} = 'yes'", ""),
                ("select_one missing", "q5", "Fifth", "", ""),
            ],
            [("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No"), ("yn", "no", "Non")],
        )
    )
    assert problems == [
        "choices row 4: the name “no” is used twice in the list “yn”.",
        "survey row 3: the name “q1” is already used on row 2.",
        "survey row 4: relevant refers to ${q3}, which is not an earlier question.",
        "survey row 5: constraint “count-selected(.) <= 1” is not supported (count-selected(.) <= N on a "
        "select_multiple, string-length(.) <= N or an e-mail regex on a text).",
        "survey row 6: the English label is empty.",
        "survey row 6: relevant refers to the question itself.",
        "survey row 7: the choice list “missing” is not in the choices sheet.",
    ]


def test_a_condition_on_an_unknown_choice_is_refused_by_the_definition_checks(db):
    problems = refused(
        form(
            [
                ("type", "name", "label", "relevant"),
                ("select_one yn", "q1", "First", ""),
                ("text", "q2", "Second", "${q1} = 'maybe'"),
            ],  # fmt: skip
            [("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No")],
        )
    )
    assert problems == ["question q2: the condition names maybe, which are not choices of q1."]


def test_a_language_the_app_does_not_have_is_refused(db):
    problems = refused(form([("type", "name", "label::English (en)", "label::German (de)"), ("text", "q", "Q", "F")]))
    assert problems == [
        "survey: column “label::German (de)”: this language is not supported (English, French, Spanish, Arabic)."
    ]


def test_a_file_that_is_not_a_workbook_is_refused(db):
    assert refused(b"%PDF-1.7 not a spreadsheet") == [
        "This file is not an Excel workbook (.xlsx): save the XLSForm as .xlsx."
    ]
    assert refused(form([("a", "b")], settings=None)[:500]) == [
        "This file is not an Excel workbook (.xlsx): save the XLSForm as .xlsx."
    ]


def test_a_workbook_without_a_survey_sheet_is_refused(db):
    book = Workbook()
    book.active.title = "Budget 2025"
    buffer = io.BytesIO()
    book.save(buffer)
    assert refused(buffer.getvalue()) == [
        "This workbook has no “survey” sheet: it is not an XLSForm (sheets survey, choices, settings)."
    ]


def junk_workbook(path, rows):
    rng = random.Random(14)
    book = Workbook(write_only=True)
    survey = book.create_sheet("survey")
    survey.append(["type", "name", "label"])
    for _row in range(rows):
        survey.append([base64.b64encode(rng.randbytes(45)).decode() for _column in range(3)])
    book.save(path)
    return path.read_bytes()


def test_five_megabytes_of_junk_is_refused_at_once(db, tmp_path):
    data = junk_workbook(tmp_path / "junk.xlsx", 34_000)
    assert len(data) > 5_000_000
    started = time.monotonic()
    assert refused(data) == ["This workbook is too large once unpacked (more than 10 MB): it is not a questionnaire."]
    assert time.monotonic() - started < 1  # the zip's directory is read, not its sheets


def test_rows_of_junk_get_a_short_list(db, tmp_path):
    problems = refused(junk_workbook(tmp_path / "junk.xlsx", 2_500))
    assert problems[:3] == [
        "settings: the form has no title in English (form_title).",
        "settings: the form has no form_id (the questionnaire's short name).",
        "survey: more than 2000 rows: this is not a questionnaire.",
    ]
    assert problems[3].startswith("survey row 2: type “") and problems[3].endswith("” is not supported.")
    assert len(problems) == 101 and problems[-1] == "… and more problems, not shown: 1903."


def test_nested_groups_group_conditions_and_unsupported_columns_are_refused(db):
    problems = refused(
        form(
            [
                ("type", "name", "label", "relevant", "default", "required"),
                ("begin_group", "outer", "Outer", "", "", ""),
                ("begin_group", "inner", "Inner", "", "", ""),
                ("text", "q1", "First", "", "n/a", ""),
                ("end_group", "", "", "", "", ""),
                ("end_group", "", "", "", "", ""),
                ("begin_group", "later", "Later", "${q1} = 'x'", "", ""),
                ("date", "q2", "Second", "", "", "${q1} != ''"),
            ]
        )
    )
    assert problems == [
        "survey row 3: a group inside a group is not supported: sections are one level.",
        "survey row 4: column “default” is not supported.",
        "survey row 7: a condition (relevant) on a group is not supported.",
        "survey row 8: required “${q1} != ''” is not supported (yes or no).",
        "survey: a group is not closed (end_group).",
    ]


def test_a_plain_label_is_in_the_default_language(db):
    imported = xlsform_import(
        form(
            [
                ("type", "name", "label", "label::English (en)", "hint::Español"),
                ("decimal", "rate", "Taux", "Rate", "Tasa"),
            ],
            settings=(
                ("form_title", "form_id", "default_language", "form_title_fr"),
                ("Rates", "rates", "French (fr)", "Taux"),
            ),
        )
    )
    question = questionnaire_schema(imported).question("rate")
    assert (dict(question.labels), dict(question.helps)) == (
        {"en": "Rate", "fr": "Taux", "es": "", "ar": ""},
        {"en": "", "fr": "", "es": "Tasa", "ar": ""},
    )
    assert (imported.title_en, imported.title_fr) == ("Rates", "Taux")


@pytest.mark.parametrize("name", ["kobo_partner_survey.xlsx", "one_language_sdg_form.xlsx", "unsupported.xlsx"])
def test_the_sample_forms_are_xlsforms_pyxform_converts(name):
    """The test forms are real XLSForms, as KoboToolbox would take them (even the one this app refuses)."""
    assert "<h:html" in convert(str(SAMPLES / name)).xform


def test_a_list_of_items_is_a_repeat_with_its_bounds_and_roles_in_extension_columns(db):
    from tests.questionnaires.list_items_data import list_survey_create

    questionnaire = list_survey_create(min_items=2).questionnaire
    data = xlsform_bytes(questionnaire)
    converted = convert(data, file_type=".xlsx")
    assert converted.warnings == []
    assert '<repeat nodeset="/data/section_2/practices">' in converted.xform
    survey = load_workbook(io.BytesIO(data))["survey"]
    header = [cell.value for cell in survey[1]]
    rows = [dict(zip(header, (cell.value for cell in row), strict=True)) for row in survey.iter_rows(min_row=2)]
    repeat = next(row for row in rows if row["type"] == "begin_repeat")
    assert (repeat["name"], repeat["required"], repeat["min_items"], repeat["max_items"]) == ("practices", "yes", 2, 5)
    assert [row["type"] for row in rows][-2:] == ["end_repeat", "end_group"]
    assert next(row for row in rows if row["name"] == "practice_gcm")["type"] == "select_multiple gcm"
    imported = xlsform_import(data)
    assert schema_summary(imported) == schema_summary(questionnaire)


def test_a_list_of_items_imports_from_a_repeat_outside_groups(db):
    imported = xlsform_import(
        form(
            [
                ("type", "name", "label", "required", "max_items", "practice_role"),
                ("text", "org", "Organisation", "yes", "", ""),
                ("begin_repeat", "events", "Events", "", "3", ""),
                ("text", "event_title", "Title", "yes", "", "title"),
                ("date", "event_date", "Date", "", "", ""),
                ("end_repeat", "events", "", "", "", ""),
            ]
        )
    )
    events = questionnaire_schema(imported).question("events")
    assert (events.type, events.max_items, events.min_items, events.required) == ("list_of_items", 3, None, False)
    assert [(field.code, field.type, field.required, field.practice_role) for field in events.items] == [
        ("event_title", "short_text", True, "title"),
        ("event_date", "date", False, ""),
    ]


def test_what_a_list_cannot_be_is_refused_row_by_row(db):
    survey = [
        ("type", "name", "label", "relevant", "constraint", "min_items", "max_items", "practice_role"),
        ("select_one yn", "active", "Active?", "", "", "", "", ""),
        ("begin_repeat", "events", "Events", "", "count(.) <= 3", "4", "2", ""),
        ("text", "event_title", "Title", "${active} = 'yes'", "", "", "", "headline"),
        ("end_repeat", "events", "", "", "", "", "", ""),
        ("begin_repeat", "empty", "Nothing", "", "", "", "many", ""),
        ("end_repeat", "empty", "", "", "", "", "", ""),
        ("text", "later", "Later", "${event_title} = 'x'", "", "", "", ""),
        ("begin_repeat", "open", "Never closed", "", "", "", "", ""),
        ("text", "inside", "Inside", "", "", "", "", ""),
    ]
    choices = [("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No")]
    assert refused(form(survey, choices)) == [
        "survey row 3: a constraint on a repeat is not supported (use min_items and max_items).",
        "survey row 4: a condition (relevant) inside a repeat is not supported.",
        "survey row 4: practice_role “headline” is not one of title, description, year, link, gcm, sdg.",
        "survey row 6: max_items is a whole number.",
        "survey row 8: relevant refers to ${event_title}, a field inside a repeat.",
        "survey: a repeat is not closed (end_repeat).",
        "survey row 6: the repeat “empty” has no questions.",
    ]
    bounds = [
        ("type", "name", "label", "min_items", "max_items"),
        ("begin_repeat", "events", "Events", "4", "2"),
        ("text", "event_title", "Title", "", ""),
        ("end_repeat", "events", "", "", ""),
    ]
    assert refused(form(bounds)) == ["question events: min_items is more than max_items."]
