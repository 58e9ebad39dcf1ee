"""Lists of items (a repeat group): the definition, the compiled schema, the one validation path, the
rows (one per answered item field and item number) and the history."""

import html
import re

import pytest
from django.urls import reverse

from questionnaires import services
from questionnaires.models import Answer, AnswerChoice, Question, Response, ResponseEvent
from questionnaires.schema import questionnaire_schema
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
    survey = list_survey_create(iscms=[iscm], required=False, min_items=2)
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


# --- The focal point's form: add and remove items without JavaScript ------------------------------


def respond_url(survey, iscm, name="respond"):
    return reverse(f"questionnaires:{name}", kwargs={"slug": survey.campaign.slug, "acronym": iscm.acronym})


def item_data(number, title, description="What was done.", **fields):
    data = {f"practices-{number}-practice_title": title, f"practices-{number}-practice_description": description}
    data.update({f"practices-{number}-practice_{key}": value for key, value in fields.items()})
    return data


def page_text(page) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.content.decode())))


@pytest.fixture
def fp_client(client, focal_point):
    client.force_login(focal_point)
    return client


def test_empty_form_shows_one_empty_item(survey, iscm, fp_client):
    page = fp_client.get(respond_url(survey, iscm))
    text = page.content.decode()
    assert 'name="practices-1-practice_title"' in text
    assert 'name="practices-2-practice_title"' not in text
    assert 'name="practices" value="1"' in text
    assert 'value="add:practices"' in text and 'value="remove:practices:1"' in text


def test_add_and_remove_keep_what_was_typed_and_save_nothing(survey, iscm, fp_client):
    data = {
        "version": 0,
        "name": "Ana",
        "practices": 2,
        **item_data(1, "First", gcm=["1", "15"]),
        **item_data(2, "Second"),
        "action": "add:practices",
    }
    page = fp_client.post(respond_url(survey, iscm), data)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="practices-3-practice_title"' in text
    assert 'value="First"' in text and 'value="Second"' in text
    assert re.search(r'name="practices-1-practice_gcm" value="15"[^>]*checked', text)
    assert "data-unsaved" in text
    assert not Response.objects.filter(campaign=survey.campaign).exists()

    data.update({"practices": 3, **item_data(3, "Third"), "action": "remove:practices:1"})
    text = fp_client.post(respond_url(survey, iscm), data).content.decode()
    assert 'name="practices-3-practice_title"' not in text
    assert re.search(r'name="practices-1-practice_title"[^>]*value="Second"', text)
    assert re.search(r'name="practices-2-practice_title"[^>]*value="Third"', text)
    assert not re.search(r'name="practices-1-practice_gcm" value="15"[^>]*checked', text)


def test_draft_and_submit_with_item_errors(survey, iscm, fp_client):
    data = {"version": 0, "name": "Ana", "practices": 2, **item_data(1, "First", gcm=["3"]), **item_data(2, "Second")}
    page = fp_client.post(respond_url(survey, iscm), {**data, "action": "draft"})
    assert page.status_code == 302
    response = Response.objects.get(campaign=survey.campaign, iscm=iscm)
    assert [item["practice_title"] for item in response_answers(response)["practices"]] == ["First", "Second"]
    text = fp_client.get(respond_url(survey, iscm)).content.decode()
    assert re.search(r'name="practices-2-practice_title"[^>]*value="Second"', text)
    assert 'name="practices" value="2"' in text

    data.update({"version": 1, "practices-2-practice_description": "", "practices-2-practice_year": "soon"})
    page = fp_client.post(respond_url(survey, iscm), {**data, "action": "submit"})
    assert page.status_code == 200
    text = page_text(page)
    assert "Q2.1 Effective practices of your ISCM, item 2: Description: This field is required." in text
    assert "item 2: Year: Enter a whole number, e.g. 12." in text
    assert 'href="#practices-2"' in page.content.decode()


def test_review_and_submitted_copy_show_each_item(survey, iscm, fp_client):
    data = {
        "version": 0,
        "name": "Ana",
        "practices": 2,
        **item_data(1, "Data sharing", gcm=["1"], sdg=["10"], year="2022"),
        **item_data(2, "Labour pathways"),
    }
    assert fp_client.post(respond_url(survey, iscm), {**data, "action": "submit"}).status_code == 302
    review = page_text(fp_client.get(respond_url(survey, iscm, "respond_review")))
    assert "Item 1" in review and "Data sharing" in review and "1. " in review and "Item 2" in review
    assert fp_client.post(respond_url(survey, iscm, "respond_review"), {"version": 1}).status_code == 302
    for name in ("response_detail", "response_print"):
        text = page_text(fp_client.get(respond_url(survey, iscm, name)))
        assert "Labour pathways" in text and "Year" in text and "2022" in text


def test_form_queries_do_not_grow_with_items(survey, iscm, focal_point, fp_client, django_assert_max_num_queries):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    items = [practice(f"Practice {n}", practice_gcm=["1", "2"], practice_sdg=["3"]) for n in range(5)]
    services.response_save_draft(
        response=response, user=focal_point, answers={"name": "Ana", "practices": items}, expected_version=0
    )
    fp_client.get(respond_url(survey, iscm))  # the schema cache
    with django_assert_max_num_queries(FORM_MAX_QUERIES):
        assert fp_client.get(respond_url(survey, iscm)).status_code == 200
    data = {"version": 1, "name": "Ana", "practices": 5}
    for number in range(1, 6):
        data.update(item_data(number, f"Practice {number}", gcm=["1"]))
    with django_assert_max_num_queries(SAVE_MAX_QUERIES):
        assert fp_client.post(respond_url(survey, iscm), {**data, "action": "draft"}).status_code == 302
    with django_assert_max_num_queries(ADD_MAX_QUERIES):
        assert fp_client.post(respond_url(survey, iscm), {**data, "action": "add:practices"}).status_code == 200


FORM_MAX_QUERIES = 8  # measured: 8 whatever the number of items
SAVE_MAX_QUERIES = 18  # measured: 18
ADD_MAX_QUERIES = 6  # measured: 6 (nothing is written)


def test_dashboard_figures_leave_item_fields_out(survey, iscm, focal_point):
    from analytics.models import ChoiceAggregate, ChoiceCell, TextCell
    from analytics.services import aggregates_differences, aggregates_recompute

    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    items = [practice("A", practice_gcm=["1"]), practice("B", practice_gcm=["1"])]
    services.response_submit(
        response=response, user=focal_point, answers={"name": "Ana", "practices": items}, expected_version=0
    )
    aggregates_recompute(campaign_id=survey.campaign.pk, force=True)
    assert not ChoiceAggregate.objects.filter(campaign=survey.campaign, question__item_of__isnull=False).exists()
    assert not ChoiceCell.objects.filter(campaign=survey.campaign, question__item_of__isnull=False).exists()
    assert not TextCell.objects.filter(campaign=survey.campaign, question__item_of__isnull=False).exists()
    # A resubmission moves the stored figures exactly: the nightly check finds nothing to repair.
    response.refresh_from_db()
    services.response_submit(
        response=response, user=focal_point, answers={"name": "Bo", "practices": items[:1]}, expected_version=1
    )
    assert aggregates_differences(campaign_id=survey.campaign.pk) == 0


def test_conflict_and_history_name_the_items(survey, iscm, focal_point, fp_client, coordinator, client):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_save_draft(
        response=response, user=None, answers={"practices": [practice("Theirs")]}, expected_version=0
    )
    data = {"version": 0, "name": "Ana", "practices": 1, **item_data(1, "Mine"), "action": "draft"}
    text = page_text(fp_client.post(respond_url(survey, iscm), data))
    assert "Someone else saved this response" in text
    assert "Title: Theirs; Description: What was done." in text
    assert 'value="Mine"' in fp_client.post(respond_url(survey, iscm), data).content.decode()

    services.response_submit(
        response=response,
        user=focal_point,
        answers={"name": "Ana", "practices": [practice("Ours")]},
        expected_version=1,
    )
    client.force_login(coordinator)
    page = client.get(reverse("questionnaires:coordinator_response", args=[survey.campaign.slug, iscm.acronym]))
    text = page_text(page)
    assert "Title: Ours; Description: What was done." in text  # the answer, and the history's old → new
    assert "Title: Theirs" in text
    correct = reverse(
        "questionnaires:coordinator_response_correct", args=[survey.campaign.slug, iscm.acronym, "practices"]
    )
    assert correct not in page.content.decode()
    assert client.get(correct).status_code == 404


def test_a_definition_gives_item_fields_to_lists_only(db):
    from questionnaires.definitions import questionnaire_create, reference_lists_load

    reference_lists_load()
    base = {"slug": "bad", "version": 1, "title": {"en": "Bad"}}
    plain_with_items = {"code": "q", "type": "short_text", "label": {"en": "Q"}, "item_fields": [{"code": "x"}]}
    list_without_items = {"code": "q", "type": "list_of_items", "label": {"en": "Q"}}
    nested = {
        "code": "q",
        "type": "list_of_items",
        "label": {"en": "Q"},
        "item_fields": [{"code": "x", "type": "list_of_items", "label": {"en": "X"}}],
    }
    for question in (plain_with_items, list_without_items, nested):
        with pytest.raises(ValueError):
            questionnaire_create({**base, "sections": [{"title": {"en": "S"}, "questions": [question]}]})


def test_home_progress_counts_a_required_list(survey, iscm, focal_point):
    from questionnaires.selectors import required_progress_by_response

    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    progress = required_progress_by_response({response.pk: survey.questionnaire}, [survey.questionnaire])
    assert progress[response.pk] == (0, 2)
    services.response_save_draft(
        response=response, user=focal_point, answers={"practices": [practice("One")]}, expected_version=0
    )
    progress = required_progress_by_response({response.pk: survey.questionnaire}, [survey.questionnaire])
    assert progress[response.pk] == (1, 2)


def test_no_add_button_at_the_maximum(survey, iscm, fp_client):
    data = {"version": 0, "name": "Ana", "practices": 5}
    for number in range(1, 6):
        data.update(item_data(number, f"P{number}"))
    text = fp_client.post(respond_url(survey, iscm), {**data, "action": "add:practices"}).content.decode()
    assert 'name="practices-5-practice_title"' in text and 'name="practices-6-practice_title"' not in text
    assert 'value="add:practices"' not in text
    # A crafted count beyond the maximum shows no more than the maximum.
    text = fp_client.post(respond_url(survey, iscm), {**data, "practices": 999, "action": "add:practices"}).content
    assert b'name="practices-6-practice_title"' not in text


def test_read_only_pages_queries_do_not_grow_with_items(survey, iscm, focal_point, fp_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    counts = {}
    for size in (1, 5):
        response.refresh_from_db()
        items = [practice(f"P{n}", practice_gcm=["1", "2"], practice_sdg=["3"]) for n in range(size)]
        services.response_save_draft(
            response=response, user=focal_point, answers={"name": "A", "practices": items}, expected_version=None
        )
        for name in ("respond_review", "response_detail", "response_print"):
            fp_client.get(respond_url(survey, iscm, name))
            with CaptureQueriesContext(connection) as queries:
                assert fp_client.get(respond_url(survey, iscm, name)).status_code == 200
            counts[(name, size)] = len(queries)
    for name in ("respond_review", "response_detail", "response_print"):
        assert counts[(name, 1)] == counts[(name, 5)]


def test_checked_definitions_and_export_carry_lists(survey):
    from questionnaires.definitions import definition_export, definition_problems, questionnaire_draft_import
    from tests.questionnaires.list_items_data import DEFINITION, PRACTICES_LIST

    assert definition_problems(DEFINITION) == []
    exported = definition_export(survey.questionnaire)
    assert definition_problems(exported) == []
    exported_list = exported["sections"][1]["questions"][0]
    assert (exported_list["min_items"], exported_list["max_items"]) == (1, 5)
    assert [field.get("practice_role") for field in exported_list["item_fields"]] == [
        "title",
        "description",
        "year",
        "gcm",
        "sdg",
        "link",
    ]
    copy = questionnaire_draft_import(exported)
    items = questionnaire_schema(copy).question("practices").items
    assert [(field.code, field.practice_role, field.choice_list) for field in items] == [
        (field.code, field.practice_role, field.choice_list)
        for field in questionnaire_schema(survey.questionnaire).question("practices").items
    ]

    bad_fields = [
        {**PRACTICES_LIST["item_fields"][0], "practice_role": "colour"},
        {"code": "name", "type": "short_text", "label": {"en": "Clash"}},
        {"code": "nested", "type": "list_of_items", "label": {"en": "N"}},
    ]
    bad = {**PRACTICES_LIST, "min_items": 6, "item_fields": bad_fields}
    problems = definition_problems(
        {**DEFINITION, "sections": [DEFINITION["sections"][0], {"title": {"en": "P"}, "questions": [bad]}]}
    )
    assert any("min_items is more than max_items" in problem for problem in problems)
    assert any("practice role 'colour'" in problem for problem in problems)
    assert any("question name: the code is used twice" in problem for problem in problems)
    assert any("neither a list nor conditional (nested)" in problem for problem in problems)


def test_review_names_the_item_fields_that_need_attention(survey, iscm, focal_point, fp_client, schema):
    response = services.response_get_or_create(campaign=survey.campaign, iscm=iscm)
    services.response_save_draft(
        response=response,
        user=focal_point,
        answers={"name": "Ana", "practices": [practice("Fine"), {"practice_title": "No description"}]},
        expected_version=0,
    )
    text = page_text(fp_client.get(respond_url(survey, iscm, "respond_review")))
    assert "Effective practices of your ISCM, item 2: Description: This field is required." in text
    assert schema.error_label("practices-x-practice_title") == "practices-x-practice_title"
    assert schema.error_label("name") == "Your name"


def test_a_copy_of_the_questionnaire_keeps_its_lists(survey):
    from questionnaires.services_authoring import questionnaire_copy

    copy = questionnaire_copy(source=survey.questionnaire, slug="practices-copy", title_en="Copy")
    question = questionnaire_schema(copy).question("practices")
    assert [field.code for field in question.items][:2] == ["practice_title", "practice_description"]
    assert not Question.objects.filter(questionnaire=copy, item_of__questionnaire=survey.questionnaire).exists()


def test_an_item_field_belongs_to_a_list_of_its_own_version(survey):
    from questionnaires.models import CrossVersionAssignment, QuestionnaireLocked

    copy = services.questionnaire_new_version(questionnaire=survey.questionnaire)
    field = Question.objects.get(questionnaire=copy, code="practice_title")
    field.item_of = Question.objects.get(questionnaire=survey.questionnaire, code="practices")
    with pytest.raises((CrossVersionAssignment, QuestionnaireLocked)):
        field.save()


def test_the_coordinators_preview_adds_and_removes_items(survey, coordinator, client):
    client.force_login(coordinator)
    url = reverse("questionnaires:authoring_preview", kwargs={"slug": survey.questionnaire.slug, "version": 1})
    assert 'value="add:practices"' in client.get(url).content.decode()
    data = {"version": 0, "name": "Ana", "practices": 1, **item_data(1, "First"), "action": "add:practices"}
    text = client.post(url, data).content.decode()
    assert 'name="practices-2-practice_title"' in text and 'value="First"' in text
    data.pop("action")
    text = page_text(client.post(url, {**data, "practices-1-practice_description": ""}))
    assert "item 1: Description: This field is required." in text
