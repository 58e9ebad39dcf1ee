"""The questionnaire editor's pages: who may use them, what they show, forms that save, a second
coordinator's conflict, condition picking and moves without JavaScript, refusal on a published version,
and the queries of the editor page (pinned)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from questionnaires.definitions import DATA_DIR, definition_read, questionnaire_create, reference_lists_load
from questionnaires.forms_coordinator import CampaignForm
from questionnaires.models import Question, Questionnaire
from tests.factories import CampaignFactory, IscmFactory, coordinator_create, focal_point_create, observer_create

from .authoring_data import draft_create

pytestmark = pytest.mark.django_db

# The editor page (map + a question panel with its choices), whatever the questionnaire's size:
# session and user (2), permissions (2), questionnaire and question (2), schema for the map (2),
# sections (1), shared lists (1), the question's own choices (1).
EDITOR_MAX_QUERIES = 11


@pytest.fixture
def coordinator(client):
    user = coordinator_create()
    client.force_login(user)
    return user


@pytest.fixture
def draft():
    return draft_create()


def url(name: str, questionnaire: Questionnaire, **kwargs) -> str:
    return reverse(
        f"questionnaires:{name}", kwargs={"slug": questionnaire.slug, "version": questionnaire.version, **kwargs}
    )


def question_post(question: Question, revision: int, **changes) -> dict[str, object]:
    body = {
        "revision": revision,
        "code": question.code,
        "type": question.type,
        "label": question.label_en,
        "help": question.help_en,
        "choice_list": question.choice_list.code if question.choice_list_id else "",
        "chart_kind": question.chart_kind,
        "chart_denominator": question.chart_denominator,
        "report_top": question.report_top or "",
        "chart_title": question.chart_title_en,
        "positive_choices": question.positive_choices,
        "show_if_question": question.show_if_question_id or "",
        "show_if_values": question.show_if_values,
        "max_choices": question.max_choices or "",
        "save": "1",
    }
    if question.required:
        body["required"] = "on"
    body.update(changes)
    return body


def test_focal_points_and_observers_are_refused(client, draft):
    iscm = IscmFactory()
    urls = [
        reverse("questionnaires:authoring_list"),
        reverse("questionnaires:authoring_start"),
        url("authoring_edit", draft),
        url("authoring_question", draft, question_id=draft.questions.get(code="why").pk),
    ]
    for user in (focal_point_create(iscm), observer_create()):
        client.force_login(user)
        for address in urls:
            assert client.get(address).status_code == 403, address
        assert client.post(url("authoring_new_version", draft)).status_code == 403
    assert Questionnaire.objects.count() == 1


def test_the_list_shows_versions_status_and_campaigns(client, coordinator, draft, django_assert_max_num_queries):
    published = draft_create(slug="older", status=Questionnaire.Status.PUBLISHED)
    CampaignFactory(questionnaire=published, slug="older-campaign", title_en="The older campaign")
    CampaignFactory(questionnaire=published, slug="older-campaign-2")
    with django_assert_max_num_queries(6):  # session, user, permissions (2), versions, their campaigns
        page = client.get(reverse("questionnaires:authoring_list")).content.decode()
    assert "The older campaign" in page and url("authoring_edit", draft) in page
    assert url("authoring_new_version", published) in page and url("authoring_copy", published) in page
    nav = client.get(reverse("questionnaires:campaign_list")).content.decode()
    assert reverse("questionnaires:authoring_list") in nav  # the "Questionnaires" entry of the navigation


def test_new_version_new_questionnaire_and_copy(client, coordinator, draft):
    response = client.post(url("authoring_new_version", draft))
    assert response.status_code == 302
    newer = Questionnaire.objects.get(slug="survey", version=2)
    assert response.url == url("authoring_edit", newer)

    response = client.post(reverse("questionnaires:authoring_start"), {"slug": "fresh", "title_en": "Fresh"})
    assert response.url == url("authoring_edit", Questionnaire.objects.get(slug="fresh"))

    response = client.post(url("authoring_copy", draft), {"slug": "fresh", "title_en": "Again"})
    assert response.status_code == 200 and "exists already" in response.content.decode()
    response = client.post(url("authoring_copy", draft), {"slug": "survey-copy", "title_en": "Copy"})
    copy = Questionnaire.objects.get(slug="survey-copy")
    assert response.url == url("authoring_edit", copy) and copy.questions.count() == 3


def test_editor_page_shows_the_map_and_one_question(client, coordinator, draft, django_assert_max_num_queries):
    why = draft.questions.get(code="why")
    member = draft.questions.get(code="member")
    with django_assert_max_num_queries(EDITOR_MAX_QUERIES):
        page = client.get(url("authoring_question", draft, question_id=member.pk)).content.decode()
    for code in ("member", "why", "goals"):
        assert f'data-question="{code}"' in page
    assert "Q1.2" in page and 'name="choices-0-code"' in page and 'value="yes"' in page
    # the same steps as the translations, preview and publish pages, "Edit" the current one
    edit = reverse("questionnaires:authoring_edit", kwargs={"slug": draft.slug, "version": draft.version})
    assert f'<a class="nav-link active" href="{edit}" aria-current="page">Edit</a>' in page
    assert f'href="{url("authoring_publish", draft)}">Check and publish</a>' in page
    # the condition offers only earlier choice questions: none before "member"; "member" for "why"
    page = client.get(url("authoring_question", draft, question_id=why.pk)).content.decode()
    assert f'<option value="{member.pk}" selected>' in page
    assert 'name="show_if_values" value="yes"' in page and 'value="no"' in page


def test_editor_query_count_does_not_grow_with_the_questionnaire(client, coordinator, django_assert_max_num_queries):
    """The bundled 2023 questionnaire, dozens of questions on shared lists: the same fixed count."""
    reference_lists_load()
    questionnaire = questionnaire_create(definition_read(DATA_DIR / "questionnaire_iscm_contributions.json"))
    for question in questionnaire.questions.filter(code__in=["gcm_priorities", "gcm_review_format"]):
        with django_assert_max_num_queries(EDITOR_MAX_QUERIES):
            assert client.get(url("authoring_question", questionnaire, question_id=question.pk)).status_code == 200
    with django_assert_max_num_queries(EDITOR_MAX_QUERIES):
        assert client.get(url("authoring_edit", questionnaire)).status_code == 200


def test_saving_a_question_in_arabic(client, coordinator, draft):
    member = draft.questions.get(code="member")
    response = client.post(
        url("authoring_question", draft, question_id=member.pk) + "?lang=ar",
        question_post(member, 0, label="هل منظمتكم عضو؟", help="", chart_title=""),
    )
    assert response.status_code == 302 and response.url.endswith("?lang=ar")
    member.refresh_from_db()
    assert (member.label_ar, member.label_en) == ("هل منظمتكم عضو؟", "Are you a member?")
    page = client.get(response.url).content.decode()
    assert 'lang="ar" dir="rtl"' in page


def test_a_second_coordinator_gets_a_conflict_not_an_overwrite(client, coordinator, draft):
    why = draft.questions.get(code="why")
    first = client.post(url("authoring_question", draft, question_id=why.pk), question_post(why, 0, label="First"))
    assert first.status_code == 302
    # the second coordinator's page was loaded at revision 0 too
    second = client.post(url("authoring_question", draft, question_id=why.pk), question_post(why, 0, label="Second"))
    page = second.content.decode()
    assert second.status_code == 200 and "Someone else changed this questionnaire" in page
    why.refresh_from_db()
    assert why.label_en == "First"
    assert 'name="revision" value="1"' in page and "Second" in page  # their text kept, to save again knowingly
    assert "What the other person saved" in page and "<dd>First</dd>" in page


def test_a_duplicate_code_is_shown_on_the_field(client, coordinator, draft):
    why = draft.questions.get(code="why")
    response = client.post(url("authoring_question", draft, question_id=why.pk), question_post(why, 0, code="member"))
    assert response.status_code == 200 and "has the code" in response.content.decode()
    assert draft.questions.filter(code="why").exists()


def test_a_condition_is_picked_without_javascript(client, coordinator, draft):
    section = draft.sections.get(position=2)
    member = draft.questions.get(code="member")
    add = url("authoring_question_add", draft, section_id=section.pk)
    body = {"revision": 0, "code": "since", "type": "integer", "label": "Since when?", "show_if_question": member.pk}
    page = client.post(add, {**body, "pick_condition": "1"}).content.decode()
    assert 'name="show_if_values" value="yes"' in page and not Question.objects.filter(code="since").exists()
    response = client.post(add, {**body, "show_if_values": ["yes"], "save": "1"})
    since = Question.objects.get(code="since")
    assert response.url == url("authoring_question", draft, question_id=since.pk)
    assert (since.show_if_question, since.show_if_values, since.section) == (member, ["yes"], section)


def test_moves_and_choices_without_javascript(client, coordinator, draft):
    goals = draft.questions.get(code="goals")
    move = url("authoring_question_move", draft, question_id=goals.pk)
    response = client.post(move, {"revision": 0, "direction": "up"})
    assert response.status_code == 302
    goals.refresh_from_db()
    assert goals.section.position == 1
    # a stale move is refused with a message, nothing moves
    response = client.post(move, {"revision": 0, "direction": "up"}, follow=True)
    assert "Someone else changed this questionnaire" in response.content.decode()
    assert draft.questions.get(code="goals").position == 3

    member = draft.questions.get(code="member")
    yes, no = member.own_choices.order_by("position")
    body = {
        "revision": 1,
        "choices-TOTAL_FORMS": 3,
        "choices-INITIAL_FORMS": 2,
        "choices-0-id": yes.pk,
        "choices-0-code": "yes",
        "choices-0-label": "Yes indeed",
        "choices-1-id": no.pk,
        "choices-1-code": "no",
        "choices-1-label": "No",
        "choices-2-code": "partly",
        "choices-2-label": "Partly",
    }
    response = client.post(url("authoring_choices", draft, question_id=member.pk), body)
    assert response.status_code == 302
    assert list(member.own_choices.order_by("position").values_list("code", "label_en")) == [
        ("yes", "Yes indeed"),
        ("no", "No"),
        ("partly", "Partly"),
    ]
    move = url("authoring_choice_move", draft, question_id=member.pk, choice_id=no.pk)
    client.post(move, {"revision": 2, "direction": "down"})
    assert list(member.own_choices.order_by("position").values_list("code", flat=True)) == ["yes", "partly", "no"]


def test_a_published_version_is_read_only(client, coordinator):
    published = draft_create(status=Questionnaire.Status.PUBLISHED)
    member = published.questions.get(code="member")
    page = client.get(url("authoring_question", published, question_id=member.pk)).content.decode()
    assert "This version is published" in page and "<fieldset class=\"border rounded p-3 mb-3\" disabled>" in page
    assert 'aria-current="page">View</a>' in page and ">Published</a>" in page
    response = client.post(
        url("authoring_question", published, question_id=member.pk), question_post(member, 0, label="Changed")
    )
    assert "This questionnaire is published" in response.content.decode()
    member.refresh_from_db()
    assert member.label_en == "Are you a member?"
    response = client.post(url("authoring_section_delete", published, section_id=member.section_id), {"revision": 0})
    assert published.sections.count() == 2


def test_campaign_creation_offers_published_versions_of_every_questionnaire(draft):
    first = draft_create(slug="first", status=Questionnaire.Status.PUBLISHED)
    second = draft_create(slug="second", status=Questionnaire.Status.PUBLISHED)
    offered = set(CampaignForm().fields["questionnaire"].queryset)
    assert offered == {first, second}  # the draft is not offered


def revision_of(questionnaire: Questionnaire) -> int:
    return Questionnaire.objects.get(pk=questionnaire.pk).revision


def test_a_list_of_items_and_its_item_fields_without_javascript(
    client, coordinator, draft, django_assert_max_num_queries
):
    section = draft.sections.get(position=2)
    new_question = url("authoring_question_add", draft, section_id=section.pk)
    page = client.get(new_question).content.decode()
    assert 'name="min_items"' in page and 'name="max_items"' in page  # a new question may be a list
    body = {"revision": 0, "code": "practices", "type": "list_of_items", "label": "Practices", "max_items": 4}
    response = client.post(new_question, {**body, "min_items": 5})
    assert "At most this many items is less than at least this many." in response.content.decode()
    response = client.post(new_question, {**body, "min_items": 1})
    practices = draft.questions.get(code="practices")
    assert response["Location"].endswith(url("authoring_question", draft, question_id=practices.pk))
    assert (practices.min_items, practices.max_items) == (1, 4)

    page = client.get(url("authoring_question", draft, question_id=practices.pk)).content.decode()
    assert "This list has no item fields yet" in page and 'name="practice_role"' not in page
    add_field = url("authoring_item_field_add", draft, question_id=practices.pk)
    page = client.get(add_field).content.decode()
    assert "New item field of the list practices" in page and 'name="practice_role"' in page
    assert 'value="list_of_items"' not in page and 'name="show_if_question"' not in page
    fields = [
        {"code": "practice_title", "type": "short_text", "label": "Title", "practice_role": "title", "required": "on"},
        {
            "code": "practice_sdg",
            "type": "multiple_choice",
            "label": "SDGs",
            "choice_list": "sdg",
            "practice_role": "sdg",
        },
    ]
    for field in fields:
        response = client.post(add_field, {"revision": revision_of(draft), **field})
        assert response.status_code == 302, response.content.decode()
    title, sdg = practices.item_fields.order_by("position")
    assert (title.code, title.practice_role, title.required, sdg.choice_list.code) == (
        "practice_title",
        "title",
        True,
        "sdg",
    )
    # the same code twice in the questionnaire is refused
    response = client.post(add_field, {"revision": revision_of(draft), **fields[0]})
    assert "Another question of this questionnaire has the code" in response.content.decode()

    with django_assert_max_num_queries(EDITOR_MAX_QUERIES):  # the item fields come with the schema
        page = client.get(url("authoring_question", draft, question_id=practices.pk)).content.decode()
    assert "practice_title" in page and "Move item field practice_sdg up" in page and "Remove<span class=\"visually-hidden\"> practice_sdg</span>" in page
    page = client.get(url("authoring_question", draft, question_id=sdg.pk)).content.decode()
    assert "Item field practice_sdg of the list practices" in page and "Delete this item field" in page

    # edit, move and remove an item field: back to the list each time
    response = client.post(
        url("authoring_question", draft, question_id=sdg.pk),
        {"revision": revision_of(draft), **fields[1], "label": "SDGs it serves", "save": "1"},
    )
    assert response.status_code == 302
    sdg.refresh_from_db()
    assert (sdg.label_en, sdg.item_of_id) == ("SDGs it serves", practices.pk)
    response = client.post(
        url("authoring_question_move", draft, question_id=sdg.pk), {"revision": revision_of(draft), "direction": "up"}
    )
    assert response["Location"].endswith("#item-fields")
    assert list(practices.item_fields.order_by("position").values_list("code", flat=True)) == [
        "practice_sdg",
        "practice_title",
    ]
    client.post(url("authoring_question_delete", draft, question_id=sdg.pk), {"revision": revision_of(draft)})
    assert list(practices.item_fields.values_list("code", flat=True)) == ["practice_title"]
    # an item field of something that is not a list: 404
    assert (
        client.get(url("authoring_item_field_add", draft, question_id=draft.questions.get(code="why").pk)).status_code
        == 404
    )
