"""Every validation rule: each bad answer gets an error naming the question, and nothing is saved."""

import pytest

from questionnaires.models import Answer, AnswerChoice, Question, Response, ResponseEvent
from questionnaires.services import response_save_draft, response_submit
from questionnaires.validation import AnswersInvalid, answers_validate
from tests import factories


@pytest.fixture
def questionnaire(db):
    questionnaire = factories.QuestionnaireFactory()
    section = factories.SectionFactory(questionnaire=questionnaire)

    def add(code, kind, **kwargs):
        return factories.QuestionFactory(section=section, code=code, type=kind, **kwargs)

    add("name", Question.Type.SHORT_TEXT, required=True, max_length=20)
    add("notes", Question.Type.LONG_TEXT, max_length=50)
    add("email", Question.Type.EMAIL)
    add("members", Question.Type.INTEGER)
    add("budget", Question.Type.DECIMAL)
    add("founded", Question.Type.DATE)
    plan = add("plan", Question.Type.SINGLE_CHOICE, required=True)
    factories.choices_create(plan, ["yes", "no", "undecided"])
    topics = add("topics", Question.Type.MULTIPLE_CHOICE, max_choices=2)
    factories.choices_create(topics, ["a", "b", "c"])
    formats = add(
        "formats", Question.Type.MULTIPLE_CHOICE, show_if_question=plan, show_if_values=["yes"], required=True
    )
    factories.choices_create(formats, ["event", "paper"])
    return questionnaire


def errors_of(questionnaire, answers, final=True):
    return answers_validate(questionnaire=questionnaire, answers=answers, final=final).errors


VALID = {"name": "Amina", "plan": "no"}


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("name", "x" * 21, "Keep this answer to 20 characters"),
        ("notes", "y" * 51, "Keep this answer to 50 characters"),
        ("email", "not-an-address", "valid e-mail"),
        ("members", "12.5", "whole number"),
        ("members", "twelve", "whole number"),
        ("budget", "1O0", "Enter a number"),
        ("budget", "NaN", "Enter a number"),
        ("founded", "31/05/2023", "YYYY-MM-DD"),
        ("founded", "2023-02-30", "YYYY-MM-DD"),
        ("plan", "maybe", "not one of the available choices"),
        ("topics", ["a", "z"], "“z” is not one of the available choices"),
        ("topics", ["a", "b", "c"], "Choose at most 2 options (you chose 3)"),
        ("name", "nul\x00byte", "not allowed"),
    ],
)
def test_bad_answer_gets_an_error_naming_the_question(questionnaire, code, value, message):
    for final in (False, True):
        errors = errors_of(questionnaire, {**VALID, code: value}, final=final)
        assert list(errors) == [code]
        assert message in " ".join(errors[code])


def test_required_only_checked_on_submit(questionnaire):
    assert errors_of(questionnaire, {"notes": "partial"}, final=False) == {}
    errors = errors_of(questionnaire, {"notes": "partial"}, final=True)
    assert errors == {"name": ["This question is required."], "plan": ["This question is required."]}


def test_display_condition_hides_and_requires(questionnaire):
    # plan = no hides the formats question: an answer to it is an error, not silently kept
    errors = errors_of(questionnaire, {**VALID, "formats": ["event"]})
    assert "does not apply" in errors["formats"][0]
    # plan = yes shows it, and it is required then
    assert errors_of(questionnaire, {**VALID, "plan": "yes"}) == {"formats": ["This question is required."]}
    assert errors_of(questionnaire, {**VALID, "plan": "yes", "formats": ["paper", "event"]}) == {}


def test_unknown_question_code_is_an_error(questionnaire):
    assert "Unknown question" in errors_of(questionnaire, {**VALID, "is_staff": "1"})["is_staff"][0]


def test_cleaned_values_are_typed_and_in_choice_order(questionnaire):
    result = answers_validate(
        questionnaire=questionnaire,
        answers={**VALID, "members": " 42 ", "budget": "1,5", "founded": "2001-07-09", "topics": ["c", "a"]},
        final=True,
    )
    assert result.errors == {}
    assert result.cleaned["members"] == 42
    assert str(result.cleaned["budget"]) == "1.5"
    assert result.cleaned["founded"].isoformat() == "2001-07-09"
    assert result.cleaned["topics"] == ["a", "c"]


def test_long_text_keeps_line_breaks_as_typed(questionnaire):
    result = answers_validate(questionnaire=questionnaire, answers={"notes": "- one\r\n- two\r\n"}, final=False)
    assert result.cleaned["notes"] == "- one\n- two\n"


@pytest.mark.parametrize("save", [response_save_draft, response_submit])
def test_invalid_answers_save_nothing(questionnaire, iscm, focal_point, save):
    campaign = factories.CampaignFactory(questionnaire=questionnaire)
    factories.invite(campaign, iscm)
    response = factories.ResponseFactory(campaign=campaign, iscm=iscm)
    with pytest.raises(AnswersInvalid) as raised:
        save(
            response=response,
            user=focal_point,
            answers={"name": "Amina", "notes": "fine", "topics": ["a", "b", "c"]},
            expected_version=0,
        )
    assert "topics" in raised.value.errors
    response.refresh_from_db()
    assert (response.version, response.status) == (0, Response.Status.DRAFT)
    assert not Answer.objects.exists()
    assert not AnswerChoice.objects.exists()
    assert not ResponseEvent.objects.exists()
