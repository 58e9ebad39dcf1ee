"""The response form built from a questionnaire, and the summaries of the read-only pages."""

import pytest
from django import forms as django_forms
from django.http import QueryDict
from django.utils import translation

from questionnaires import services
from questionnaires.forms import ResponseForm, answers_summary
from questionnaires.models import Question
from questionnaires.schema import questionnaire_schema, schema_cache_clear
from questionnaires.selectors import response_answers
from questionnaires.validation import answers_validate
from tests.questionnaires.focal_point_data import complete_answers, survey_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(iscm):
    return survey_create(iscms=[iscm])


@pytest.fixture
def layout(survey):
    return questionnaire_schema(survey.questionnaire)


def bound(layout, data, version=0):
    query = QueryDict(mutable=True)
    for key, value in {**data, "version": version}.items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    return ResponseForm(query, schema=layout)


def test_schema_loads_in_two_queries(survey, django_assert_num_queries):
    with django_assert_num_queries(2):
        schema = questionnaire_schema(survey.questionnaire)
        [choice.label for question in schema.questions.values() for choice in question.choices]
        [question.section_title for question in schema.questions.values()]
    assert [section.title for section in schema.sections] == ["About the respondent", "Goals and plans"]
    assert [c.code for c in schema.question("plan").choices] == ["yes", "no", "undecided"]


def test_fields_follow_the_question_types(layout):
    form = ResponseForm(schema=layout)
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
    Question.objects.filter(pk=question.pk).update(help_en="<b>Bold</b> & <script>x</script>")
    schema_cache_clear()
    form = ResponseForm(schema=questionnaire_schema(survey.questionnaire))
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
    result = answers_validate(questionnaire=None, answers=answers, final=True, schema=layout)
    assert result.is_valid and result.cleaned["goals"] == ["1", "3"] and result.cleaned["notes"] == "Line one\nLine two"


def test_unknown_codes_are_kept_for_validation_to_report(layout):
    form = bound(layout, {"goals": ["1", "99"], "plan": "maybe"})
    assert form.is_valid()
    result = answers_validate(
        questionnaire=None, answers=form.answers(), final=False, schema=layout
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
    form = ResponseForm(schema=layout, answers={"name": "Ana"}, version=3)
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
    assert layout.progress(clean) == layout.progress(response_answers(response, layout))


def test_summary_leaves_out_questions_that_do_not_apply(layout):
    summary = answers_summary(layout, {"name": "Ana", "plan": "no", "goals": ["1", "4"]})
    items = {item["question"].code: item for section in summary for item in section["items"]}
    assert "format" not in items
    assert items["goals"]["choices"] == ["Choice 1", "Choice 4"]
    assert items["plan"]["choices"] == ["Choice no"]
    assert not items["email"]["answered"] and items["name"]["text"] == "Ana"


def test_answer_text_for_conflict_messages(layout):
    assert layout.answer_text("goals", ["1", "2"]) == "Choice 1, Choice 2"
    assert layout.answer_text("plan", "yes") == "Choice yes"
    assert layout.answer_text("name", None) == "(no answer)"
    assert layout.answer_text("notes", "x" * 300).endswith("…")


def test_published_schema_is_reused_and_a_new_translation_shows_at_once(demo, django_assert_num_queries):
    questionnaire = demo.questionnaire
    questionnaire_schema(questionnaire)
    with django_assert_num_queries(0):
        questionnaire_schema(questionnaire)
    question = questionnaire.questions.get(code="respondent_role")
    question.label_fr = "Fonction exacte"
    question.save(update_fields=["label_fr"])
    with translation.override("fr"):
        assert questionnaire_schema(questionnaire).question("respondent_role").label == "Fonction exacte"


def _inputs(html: str) -> list[tuple[str, str, bool]]:
    """(id, value, ticked) of every option input of a rendering."""
    import re

    return [
        (re.search(r'id="([^"]*)"', tag).group(1), re.search(r'value="([^"]*)"', tag).group(1), " checked" in tag)
        for tag in re.findall(r"<input [^>]*>", html)
    ]


@pytest.mark.parametrize(
    "data",
    [None, {"goals": ["2", "5"], "plan": "no"}, {"goals": ["9"], "plan": ""}, {"plan": "yes"}],
    ids=["blank", "answered", "invalid", "no goals"],
)
def test_choice_options_render_as_djangos_own_widgets(survey, data):
    """The form's option markup (templatetags.response_form.choice_inputs) ticks the same options, with the
    same ids, as Django's widgets would: answered, blank ("No answer" of an optional single choice), invalid."""
    from questionnaires.templatetags.response_form import choice_inputs

    layout = questionnaire_schema(survey.questionnaire)
    form = ResponseForm(schema=layout, answers={}, version=0) if data is None else bound(layout, data)
    plan = form.fields["plan"]  # as an optional single choice is built: "No answer" first
    plan.required, plan.choices = False, [("", "No answer"), *plan.choices]
    if data is not None:
        form.is_valid()
    for code in ("goals", "plan"):
        ours, django = _inputs(choice_inputs(form[code])), _inputs(form[code].as_widget())
        assert ours == django and len(ours) == len(form[code].field.choices)
    assert 'title="Full official title of goal 2"' in choice_inputs(form["goals"])
