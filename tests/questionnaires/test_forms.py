"""The response form built from a questionnaire, and the summaries of the read-only pages."""

import pytest
from django import forms as django_forms
from django.http import QueryDict
from django.utils import translation

from questionnaires import services
from questionnaires.forms import (
    ResponseForm,
    answers_summary,
    questionnaire_layout,
    value_display,
)
from questionnaires.selectors import required_progress
from questionnaires.validation import answers_validate, progress_from_answers
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(iscm):
    return survey_create(iscms=[iscm])


@pytest.fixture
def layout(survey):
    return questionnaire_layout(survey.questionnaire)


def bound(layout, data, version=0):
    query = QueryDict(mutable=True)
    for key, value in {**data, "version": version}.items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    return ResponseForm(query, layout=layout)


def test_layout_loads_in_three_queries(survey, django_assert_num_queries):
    with django_assert_num_queries(3):
        layout = questionnaire_layout(survey.questionnaire)
        [choice.label for choices in layout.choices.values() for choice in choices]
        [question.section.title for questions in layout.questions_by_section.values() for question in questions]
    assert [section.title for section in layout.sections] == ["About the respondent", "Goals and plans"]
    assert [c.code for c in layout.choices["plan"]] == ["yes", "no", "undecided"]


def test_fields_follow_the_question_types(layout):
    form = ResponseForm(layout=layout)
    assert list(form.fields) == ["version", "name", "email", "staff", "goals", "plan", "format", "notes"]
    assert isinstance(form.fields["goals"].widget, django_forms.CheckboxSelectMultiple)
    assert isinstance(form.fields["plan"].widget, django_forms.RadioSelect)
    assert isinstance(form.fields["notes"].widget, django_forms.Textarea)
    assert form.fields["notes"].widget.attrs["maxlength"] == 100
    assert form.fields["name"].widget.attrs["maxlength"] == 50
    assert form.fields["email"].widget.input_type == "email"
    assert form.fields["staff"].widget.attrs["inputmode"] == "numeric"
    assert form.fields["name"].required and not form.fields["email"].required
    assert "Choose at most 2 options." in form.fields["goals"].help_text
    assert "Up to 100 characters." in form.fields["notes"].help_text
    # The browser does not block a draft with gaps.
    assert "required" not in str(form["name"])


def test_help_texts_from_the_definition_are_escaped(survey, layout):
    question = survey.questions["goals"]
    question.help_en = "<b>Bold</b> & <script>x</script>"
    layout.specs["goals"].question.help_en = question.help_en
    form = ResponseForm(layout=layout)
    assert "&lt;script&gt;" in form.fields["goals"].help_text and "<script>" not in form.fields["goals"].help_text


def test_an_empty_required_answer_is_not_refused_by_the_form(layout):
    form = bound(layout, {"name": ""})
    assert form.is_valid(), form.errors
    assert form.answers() == {
        "name": "",
        "email": "",
        "staff": "",
        "goals": [],
        "plan": "",
        "format": [],
        "notes": "",
    }


def test_answers_map_form_data_to_the_services_dict(layout):
    form = bound(layout, complete_answers(goals=["3", "1"]))
    assert form.is_valid()
    answers = form.answers()
    assert answers["goals"] == ["3", "1"] and answers["plan"] == "yes" and answers["format"] == ["meeting"]
    assert answers["notes"] == "Line one\r\nLine two"  # long texts are not stripped; validation normalises
    result = answers_validate(questionnaire=layout.questionnaire, answers=answers, final=True, specs=layout.specs)
    assert result.is_valid and result.cleaned["goals"] == ["1", "3"] and result.cleaned["notes"] == "Line one\nLine two"


def test_unknown_codes_are_kept_for_validation_to_report(layout):
    form = bound(layout, {"goals": ["1", "99"], "plan": "maybe"})
    assert form.is_valid()
    result = answers_validate(
        questionnaire=layout.questionnaire, answers=form.answers(), final=False, specs=layout.specs
    )
    form.add_answer_errors(result.errors)
    assert "“99” is not one of the available choices." in form.errors["goals"]
    assert "“maybe” is not one of the available choices." in form.errors["plan"]
    assert [item["anchor"] for item in form.error_summary()] == ["q-goals", "q-plan"]


def test_errors_of_codes_outside_the_form_are_general_errors(layout):
    form = bound(layout, {})
    assert form.is_valid()
    form.add_answer_errors({"ghost": ["Unknown question “ghost”."], "version": ["odd"]})
    assert form.non_field_errors() == ["Unknown question “ghost”.", "odd"]


def test_set_version_after_a_conflict(layout):
    form = bound(layout, {"name": "Mine"}, version=1)
    assert form.is_valid()
    form.set_version(4)
    assert 'value="4"' in str(form["version"]) and form.data["name"] == "Mine"


def test_sections_and_conditions_for_the_template(layout):
    form = ResponseForm(layout=layout, answers={"name": "Ana"}, version=3)
    sections = form.sections()
    assert [s["anchor"] for s in sections] == ["section-1", "section-2"]
    format_item = next(item for item in sections[1]["questions"] if item["question"].code == "format")
    assert format_item["condition"] == {
        "question": "Do you plan to take part?",
        "values": ["Choice yes", "Choice undecided"],
    }
    assert form.conditions() == {"format": {"question": "plan", "values": ["yes", "undecided"]}}
    assert 'value="Ana"' in str(form["name"]) and 'value="3"' in str(form["version"])


@pytest.mark.parametrize(
    "answers",
    [{}, {"name": "Ana"}, {"name": "Ana", "plan": "no"}, {"plan": "yes", "format": ["written"]}, complete_answers()],
)
def test_progress_is_the_same_as_the_selector(survey, layout, iscm, focal_point, answers):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    clean = {k: v.replace("\r\n", "\n") if isinstance(v, str) else v for k, v in answers.items()}
    services.response_save_draft(response=response, user=focal_point, answers=clean, expected_version=0)
    assert progress_from_answers(layout.specs, clean) == required_progress(response, layout.specs)


def test_summary_leaves_out_questions_that_do_not_apply(layout):
    summary = answers_summary(layout, {"name": "Ana", "plan": "no", "goals": ["1", "4"]})
    items = {item["question"].code: item for section in summary for item in section["items"]}
    assert "format" not in items
    assert items["goals"]["choices"] == ["Choice 1", "Choice 4"]
    assert items["plan"]["choices"] == ["Choice no"]
    assert not items["email"]["answered"] and items["name"]["text"] == "Ana"


def test_value_display_for_conflict_messages(layout):
    assert value_display(layout, "goals", ["1", "2"]) == "Choice 1, Choice 2"
    assert value_display(layout, "plan", "yes") == "Choice yes"
    assert value_display(layout, "name", None) == "(no answer)"
    assert value_display(layout, "notes", "x" * 300).endswith("…")


def test_published_layout_is_reused_and_a_new_translation_shows_at_once(demo, django_assert_num_queries):
    questionnaire = demo.questionnaire
    questionnaire_layout(questionnaire)
    with django_assert_num_queries(0):
        layout = questionnaire_layout(questionnaire)
    question = layout.question("respondent_role")
    question.label_fr = "Fonction exacte"
    question.save(update_fields=["label_fr"])
    with translation.override("fr"):
        assert questionnaire_layout(questionnaire).question("respondent_role").label == "Fonction exacte"
