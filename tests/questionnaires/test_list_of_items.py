"""Lists of items (a repeat group): the definition, the compiled schema, the one validation path, the
rows (one per answered item field and item number) and the history."""

import pytest

from questionnaires import services
from questionnaires.models import Answer, AnswerChoice, Question, ResponseEvent
from questionnaires.schema import questionnaire_schema, schema_cache_clear
from questionnaires.selectors import response_answers
from questionnaires.validation import answers_validate
from tests import factories
from tests.questionnaires.list_items_data import list_survey_create, practice

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(iscm):
    return list_survey_create(iscms=[iscm])


@pytest.fixture
def schema(survey):
    return questionnaire_schema(survey.questionnaire)


def validate(survey, answers, *, final):
    return answers_validate(questionnaire=survey.questionnaire, answers=answers, final=final)


def test_definition_makes_a_list_with_its_item_fields(survey, schema):
    question = schema.question("practices")
    assert question.is_list and (question.min_items, question.max_items) == (1, 5)
    assert [field.code for field in question.items] == [
        "practice_title",
        "practice_description",
        "practice_year",
        "practice_gcm",
        "practice_sdg",
        "practice_link",
    ]
    assert question.item_field("practice_gcm").choice_list == "gcm"
    assert len(question.item_field("practice_gcm").choices) == 23
    assert question.item_field("practice_title").practice_role == "title"
    # Item fields are not questions of their own: no number, no wide column, no form field of their own.
    assert "practice_title" not in schema.questions
    assert Question.objects.get(code="practice_title").item_of.code == "practices"


def test_validation_cleans_items_and_drops_empty_ones(survey):
    answers = {
        "name": "Ana",
        "practices": [
            practice("Data sharing", practice_gcm=["3", "1"], practice_year="2022"),
            {"practice_title": "", "practice_description": "  "},
            practice("Labour pathways"),
        ],
    }
    result = validate(survey, answers, final=True)
    assert result.errors == {}
    assert result.cleaned["practices"] == [
        {
            "practice_title": "Data sharing",
            "practice_description": "What was done.",
            "practice_year": 2022,
            "practice_gcm": ["1", "3"],
        },
        {"practice_title": "Labour pathways", "practice_description": "What was done."},
    ]


def test_errors_are_per_item_field_at_the_position_given(survey):
    answers = {
        "name": "Ana",
        "practices": [
            practice("Fine"),
            {},
            {"practice_title": "No description", "practice_year": "twenty", "practice_gcm": ["99"]},
        ],
    }
    assert validate(survey, answers, final=False).errors == {
        "practices-3-practice_year": ["Enter a whole number, e.g. 12."],
        "practices-3-practice_gcm": ["“99” is not one of the available choices."],
    }
    final = validate(survey, answers, final=True).errors
    assert final["practices-3-practice_description"] == ["This field is required."]


def test_limits_on_the_number_of_items(survey):
    six = [practice(f"Practice {n}") for n in range(6)]
    assert validate(survey, {"practices": six}, final=False).errors == {
        "practices": ["Give at most 5 items (you gave 6)."]
    }
    assert validate(survey, {"name": "Ana", "practices": []}, final=True).errors == {
        "practices": ["This question is required."]
    }
    assert validate(survey, {"practices": "not a list"}, final=False).errors == {
        "practices": ["Give the items as a list."]
    }
    unknown = validate(survey, {"practices": [{"practice_title": "A", "colour": "red"}]}, final=False).errors
    assert unknown == {"practices": ["Item 1: unknown field “colour”."]}


def test_minimum_number_of_items_on_submission(iscm):
    survey = list_survey_create(iscms=[iscm], required=False)
    Question.objects.filter(questionnaire=survey.questionnaire, code="practices").update(min_items=2)
    schema_cache_clear()
    answers = {"name": "Ana", "practices": [practice("Only one")]}
    assert validate(survey, answers, final=False).errors == {}
    assert validate(survey, answers, final=True).errors == {"practices": ["Give at least 2 items (you gave 1)."]}
    assert validate(survey, {"name": "Ana"}, final=True).errors == {}  # optional: no item at all is fine


def test_items_are_stored_as_rows_and_read_back(survey, iscm, focal_point, schema):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    items = [
        practice("Data sharing", practice_gcm=["1", "3"], practice_sdg=["10"], practice_year="2022"),
        practice("Labour pathways", practice_link="https://example.org/p"),
    ]
    services.response_save_draft(
        response=response, user=focal_point, answers={"name": "Ana", "practices": items}, expected_version=0
    )
    rows = Answer.objects.filter(response=response, item__isnull=False)
    assert sorted(rows.values_list("item", "question__code")) == [
        (1, "practice_description"),
        (1, "practice_title"),
        (1, "practice_year"),
        (2, "practice_description"),
        (2, "practice_link"),
        (2, "practice_title"),
    ]
    assert sorted(AnswerChoice.objects.filter(response=response).values_list("item", "choice__code")) == [
        (1, "1"),
        (1, "10"),
        (1, "3"),
    ]
    stored = response_answers(response, schema)["practices"]
    assert stored == [
        {
            "practice_title": "Data sharing",
            "practice_description": "What was done.",
            "practice_year": "2022",
            "practice_gcm": ["1", "3"],
            "practice_sdg": ["10"],
        },
        {
            "practice_title": "Labour pathways",
            "practice_description": "What was done.",
            "practice_link": "https://example.org/p",
        },
    ]

    # Remove the first item: the second becomes item 1; the history keeps old → new.
    services.response_save_draft(
        response=response, user=focal_point, answers={"name": "Ana", "practices": items[1:]}, expected_version=1
    )
    assert response_answers(response, schema)["practices"] == stored[1:]
    assert set(Answer.objects.filter(response=response, item__isnull=False).values_list("item", flat=True)) == {1}
    event = ResponseEvent.objects.filter(response=response).order_by("-version").first()
    assert event.changes == {"practices": [stored, stored[1:]]}
    # The name did not change: its row was kept.
    assert Answer.objects.filter(response=response, item=None).count() == 1


def test_display_and_progress(schema):
    value = [practice("Data sharing", practice_gcm=["1"]), practice("Labour")]
    shown = schema.answer_display("practices", value)
    assert shown[0].startswith("Title: Data sharing; Description: What was done.; GCM objectives it serves: 1. ")
    assert schema.items_display("practices", value)[1]["number"] == 2
    assert schema.progress({"name": "Ana", "practices": value}) == (2, 2)
    assert schema.progress({"name": "Ana", "practices": [{}]}) == (1, 2)


def test_new_version_copies_the_item_fields(survey):
    copy = services.questionnaire_new_version(questionnaire=survey.questionnaire)
    question = questionnaire_schema(copy).question("practices")
    assert [field.code for field in question.items][:2] == ["practice_title", "practice_description"]
    assert Question.objects.get(questionnaire=copy, code="practice_title").item_of.questionnaire_id == copy.pk


def test_unknown_items_of_another_iscm_never_mix(survey, iscm, focal_point):
    other = factories.IscmFactory(acronym="OTHER")
    factories.invite(survey.campaign, other)
    mine = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    theirs = services.response_get_or_create(campaign=survey.campaign, iscm=other)
    for response, title in ((mine, "Mine"), (theirs, "Theirs")):
        services.response_save_draft(
            response=response, user=None, answers={"practices": [practice(title)]}, expected_version=0
        )
    assert response_answers(mine)["practices"][0]["practice_title"] == "Mine"
