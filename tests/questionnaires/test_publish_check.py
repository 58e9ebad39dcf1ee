"""The publish check finds each problem with where it is; publishing is refused while any remains."""

import pytest

from questionnaires.models import Choice, ChoiceList, Question, Questionnaire
from questionnaires.publish_check import publish_problems
from questionnaires.services_publish import PublishRefused, questionnaire_publish
from tests import factories

from .publish_data import draft_create, texts


@pytest.fixture
def draft(db):
    return draft_create()


def problems_of(questionnaire, languages=None):
    return [(problem.where, problem.message) for problem in publish_problems(questionnaire, languages)]


def test_a_complete_draft_has_no_problem(draft, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # sections, questions, choices, schema (2), conditions
        assert publish_problems(draft) == []


def test_a_choice_question_without_choices(draft):
    Choice.objects.filter(question__code="plan").delete()
    Question.objects.filter(code="formats").update(show_if_question=None, show_if_values=[])
    assert problems_of(draft) == [
        ("Q2.1 plan", "A choice question needs choices: add some or pick a shared list."),
    ]


def test_a_shared_list_gives_the_choices(draft):
    shared = ChoiceList.objects.create(code="goals", name="Goals")
    Question.objects.filter(code="formats").update(choice_list=shared, max_choices=None)
    assert problems_of(draft) == [("Q2.2 formats", "A choice question needs choices: add some or pick a shared list.")]
    Choice.objects.create(choice_list=shared, code="1", label_en="One", position=1)
    assert problems_of(draft) == []


def test_a_condition_on_itself_on_a_later_question_and_on_a_missing_one(draft):
    plan = Question.objects.get(code="plan")
    formats = Question.objects.get(code="formats")
    Question.objects.filter(pk=plan.pk).update(show_if_question=plan, show_if_values=["yes"])
    assert ("Q2.1 plan", "The display condition is on the question itself.") in problems_of(draft)

    Question.objects.filter(pk=plan.pk).update(show_if_question=formats, show_if_values=["online"])
    Question.objects.filter(pk=formats.pk).update(show_if_question=None, show_if_values=[])
    assert problems_of(draft) == [
        ("Q2.1 plan", "The display condition is on a later question (formats): it must come before.")
    ]

    Question.objects.filter(pk=plan.pk).update(show_if_question=None, show_if_values=["yes"])
    assert problems_of(draft) == [("Q2.1 plan", "The display condition has values but no question.")]


def test_a_condition_on_a_question_of_another_version_is_missing(draft):
    # Written around the freeze on purpose (a row from before it): the check still names it.
    other = draft_create(slug="other")
    Question.objects.filter(questionnaire=draft, code="formats").update(
        show_if_question=Question.objects.get(questionnaire=other, code="plan")
    )
    assert problems_of(draft) == [("Q2.2 formats", "The display condition is on a question missing from this version.")]


def test_a_condition_on_unknown_choices_or_none(draft):
    Question.objects.filter(code="formats").update(show_if_values=["maybe"])
    assert problems_of(draft) == [
        ("Q2.2 formats", "The display condition names choices that “plan” does not have: maybe.")
    ]
    Question.objects.filter(code="formats").update(show_if_values=[])
    assert problems_of(draft) == [("Q2.2 formats", "The display condition names no choice.")]


def test_duplicate_codes_whatever_the_case_and_the_reserved_code(draft):
    factories.QuestionFactory(
        section=draft.sections.get(position=1), position=2, code="Name", **texts("label", "Name again")
    )
    Choice.objects.create(question=Question.objects.get(code="plan"), code="YES", position=3, **texts("label", "Y"))
    factories.QuestionFactory(section=draft.sections.get(position=1), position=3, code="version", **texts("label", "V"))
    problems = problems_of(draft)
    assert ("Q1.2 Name", "The code “Name” is used twice (also by Q1.1 name).") in problems
    assert ("Q2.1 plan", "The choice code “yes” is used twice.") in problems
    assert ("Q1.3 version", "“version” is reserved: choose another code.") in problems
    assert len(problems) == 3


def test_missing_translations_in_the_languages_asked_for(draft):
    Question.objects.filter(code="plan").update(label_ar="", help_en="Say yes or no", help_fr="Oui ou non")
    problems = problems_of(draft)
    assert problems == [
        ("Q2.1 plan", "Label missing in Arabic."),
        ("Q2.1 plan", "Help text missing in Spanish, Arabic."),
    ]
    assert problems_of(draft, ["fr"]) == []
    assert problems_of(draft, ["fr", "es"]) == [("Q2.1 plan", "Help text missing in Spanish.")]


def test_a_missing_english_label_is_always_a_problem(draft):
    Question.objects.filter(code="name").update(label_en="")
    assert problems_of(draft, []) == [("Q1.1 name", "Label missing in English.")]


def test_max_choices_above_the_number_of_choices_and_empty_sections(draft):
    Question.objects.filter(code="formats").update(max_choices=4)
    factories.SectionFactory(questionnaire=draft, position=3, **texts("title", "Nothing yet"))
    assert problems_of(draft) == [
        ("Section 3", "This section has no question: add one or remove the section."),
        ("Q2.2 formats", "Max choices (4) is above the number of choices (3)."),
    ]


def test_publishing_is_refused_while_problems_remain_and_changes_nothing(draft):
    Question.objects.filter(code="formats").update(max_choices=4)
    with pytest.raises(PublishRefused) as refused:
        questionnaire_publish(questionnaire=draft)
    assert [problem.where for problem in refused.value.problems] == ["Q2.2 formats"]
    draft.refresh_from_db()
    assert (draft.status, draft.published_at) == (Questionnaire.Status.DRAFT, None)


def test_publishing_sets_the_status_and_published_at_and_freezes(draft):
    questionnaire_publish(questionnaire=draft)
    draft.refresh_from_db()
    assert draft.status == Questionnaire.Status.PUBLISHED and draft.published_at is not None
    assert problems_of(draft) == [("Questionnaire", "This version is already published.")]
    with pytest.raises(PublishRefused):
        questionnaire_publish(questionnaire=draft)


def test_the_admin_publishes_only_through_the_check(draft, admin_user, client):
    client.force_login(admin_user)
    changelist = "/admin/questionnaires/questionnaire/"
    Question.objects.filter(code="formats").update(max_choices=4)
    reply = client.post(changelist, {"action": "publish", "_selected_action": [draft.pk]}, follow=True)
    assert "Max choices (4) is above the number of choices (3)." in reply.content.decode()
    draft.refresh_from_db()
    assert draft.status == Questionnaire.Status.DRAFT

    Question.objects.filter(code="formats").update(max_choices=2)
    client.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Questionnaire.Status.PUBLISHED and draft.published_at is not None


def list_add(draft, *fields, code="practices", **list_fields):
    """A list of items at the end of section 2, with item fields given as (code, type, extra fields)."""
    section = draft.sections.get(position=2)
    practices = factories.QuestionFactory(
        section=section, position=3, code=code, type=Question.Type.LIST_OF_ITEMS, **texts("label", "Practices"),
        **list_fields,
    )  # fmt: skip
    for position, (field_code, field_type, extra) in enumerate(fields, start=4):
        factories.QuestionFactory(
            section=section, position=position, code=field_code, type=field_type, item_of=practices,
            **texts("label", field_code), **extra,
        )  # fmt: skip
    return practices


def test_a_complete_list_of_items_has_no_problem(draft):
    reference = ChoiceList.objects.create(code="gcm", name="GCM objectives")
    Choice.objects.create(choice_list=reference, code="1", position=1, **texts("label", "Data"))
    list_add(
        draft,
        ("practice_title", Question.Type.SHORT_TEXT, {"practice_role": "title"}),
        ("practice_gcm", Question.Type.MULTIPLE_CHOICE, {"choice_list": reference, "practice_role": "gcm"}),
        min_items=1,
        max_items=5,
    )
    assert problems_of(draft) == []


def test_what_a_list_of_items_may_not_be(draft):
    list_add(draft, code="empty", min_items=3, max_items=2)
    nested = list_add(
        draft,
        ("Formats", Question.Type.SHORT_TEXT, {}),
        ("inner", Question.Type.LIST_OF_ITEMS, {}),
        ("pick", Question.Type.SINGLE_CHOICE, {}),
    )
    Question.objects.filter(code="Formats").update(practice_role="title")
    Question.objects.filter(code="name").update(practice_role="title")
    Question.objects.filter(code="pick").update(
        show_if_question=Question.objects.get(code="plan"), show_if_values=["yes"]
    )
    assert nested.item_fields.count() == 3
    assert problems_of(draft, []) == [
        ("Q1.1 name", "Only an item field of a list has a practice role."),
        ("Q2.3 empty", "A list of items needs item fields: add at least one."),
        ("Q2.3 empty", "At least 3 items is more than at most 2."),
        ("Q2.4 practices › Formats", "The code “Formats” is used twice (also by Q2.2 formats)."),
        ("Q2.4 practices › inner", "An item field cannot be a list of items (lists are one level)."),
        ("Q2.4 practices › pick", "A choice question needs choices: add some or pick a shared list."),
        ("Q2.4 practices › pick", "An item field cannot have a display condition."),
    ]
