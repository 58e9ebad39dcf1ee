"""Nothing of a published version changes, whatever the door: ORM saves, moves across versions,
bulk writes, deletes (direct, queryset, cascade), the admin. Texts stay editable (typos, translations).

The real bug this guards: the admin let a question of version 3 be put into a section of the published
version 1, and the live version-1 form showed it."""

import pytest
from django.db import transaction

from questionnaires.models import (
    Choice,
    CrossVersionAssignment,
    Question,
    Questionnaire,
    QuestionnaireLocked,
    Section,
)
from questionnaires.schema import questionnaire_schema
from questionnaires.services import questionnaire_new_version
from questionnaires.services_publish import questionnaire_publish

from .publish_data import draft_create


@pytest.fixture
def versions(db):
    """(published version 1, draft version 2 made from it)."""
    published = draft_create()
    questionnaire_publish(questionnaire=published)
    published.refresh_from_db()
    return published, questionnaire_new_version(questionnaire=published)


def refused(action, error=QuestionnaireLocked):
    with pytest.raises(error), transaction.atomic():
        action()


def structure(questionnaire):
    schema = questionnaire_schema(Questionnaire.objects.get(pk=questionnaire.pk))
    return [
        (section.position, [(q.code, q.type, q.max_choices, q.show_if, q.choice_codes) for q in section.questions])
        for section in schema.sections
    ]


def test_orm_saves_of_structure_are_refused_texts_are_not(versions):
    published, _draft = versions
    before = structure(published)
    question = Question.objects.get(questionnaire=published, code="formats")
    section = Section.objects.get(questionnaire=published, position=1)
    choice = Choice.objects.get(question=question, code="online")

    for obj, field, value in [
        (question, "max_choices", 3),
        (question, "position", 9),
        (question, "show_if_values", ["no"]),
        (question, "code", "renamed"),
        (section, "position", 5),
        (choice, "code", "web"),
        (published, "status", Questionnaire.Status.DRAFT),
    ]:
        original = getattr(obj, field)
        setattr(obj, field, value)
        refused(obj.save)
        setattr(obj, field, original)
    refused(lambda: Choice.objects.create(question=question, code="new", label_en="New"))
    refused(lambda: Section.objects.create(questionnaire=published, position=3, title_en="New"))

    question.label_en = "Formats (typo fixed)"
    question.label_ar = "الأشكال"
    question.save()  # texts only: allowed, even with a full save
    choice.label_fr = "En ligne"
    choice.save(update_fields=["label_fr"])
    question.chart_kind, question.report_top = "bars", 2  # presentation hints, not structure
    question.save(update_fields=["chart_kind", "report_top"])
    assert structure(published) == before
    assert questionnaire_schema(published).question("formats").label_in("ar") == "الأشكال"


def test_moving_anything_into_or_out_of_a_published_version_is_refused(versions):
    published, draft = versions
    old_section = Section.objects.get(questionnaire=published, position=1)
    new_question = Question.objects.get(questionnaire=draft, code="name")
    old_question = Question.objects.get(questionnaire=published, code="name")
    new_section = Section.objects.get(questionnaire=draft, position=1)

    new_question.section = old_section  # the real bug: a draft's question in a published section
    refused(new_question.save)
    refused(lambda: Question.objects.filter(pk=new_question.pk).update(section=old_section))
    old_question.section, old_question.questionnaire = new_section, draft  # taken out of the published one
    refused(old_question.save)
    new_question.refresh_from_db()
    new_question.show_if_question = Question.objects.get(questionnaire=published, code="plan")
    refused(new_question.save)
    choice = Choice.objects.get(question__questionnaire=draft, code="online")
    choice.question = Question.objects.get(questionnaire=published, code="formats")
    refused(choice.save)
    section = Section.objects.get(questionnaire=draft, position=2)
    section.questionnaire = published
    refused(section.save)

    assert [question.code for question in questionnaire_schema(published).questions.values()] == [
        "name",
        "plan",
        "formats",
    ]


def test_assignments_across_two_drafts_are_refused_too(versions):
    _published, draft = versions
    other = questionnaire_new_version(questionnaire=draft)
    question = Question.objects.get(questionnaire=draft, code="name")
    question.section = Section.objects.get(questionnaire=other, position=1)
    refused(question.save, CrossVersionAssignment)
    question.refresh_from_db()
    question.show_if_question = Question.objects.get(questionnaire=other, code="plan")
    refused(question.save, CrossVersionAssignment)


def test_bulk_writes_and_deletes_are_refused(versions):
    published, _draft = versions
    question = Question.objects.get(questionnaire=published, code="formats")
    refused(lambda: Choice.objects.bulk_create([Choice(question=question, code="bulk", label_en="Bulk")]))
    refused(lambda: Question.objects.filter(questionnaire=published).update(required=True))
    refused(lambda: Choice.objects.filter(question=question).update(position=1))
    refused(lambda: Question.objects.bulk_update([question], ["max_choices"]))
    refused(lambda: Questionnaire.objects.filter(pk=published.pk).update(status=Questionnaire.Status.DRAFT))
    refused(Choice.objects.filter(question=question).first().delete)
    refused(Choice.objects.filter(question=question).delete)
    refused(question.delete)
    refused(Section.objects.filter(questionnaire=published, position=1).delete)
    refused(published.delete)
    Question.objects.filter(questionnaire=published).update(help_fr="Aide")  # texts: allowed
    assert Choice.objects.filter(question=question).count() == 3
    assert Question.objects.filter(questionnaire=published).count() == 3


def test_a_draft_changes_freely(versions):
    _published, draft = versions
    question = Question.objects.get(questionnaire=draft, code="formats")
    question.max_choices = 1
    question.save()
    Choice.objects.filter(question=question, code="hybrid").delete()
    name = Question.objects.get(questionnaire=draft, code="name")
    name.section = Section.objects.get(questionnaire=draft, position=2)
    name.save()
    Section.objects.get(questionnaire=draft, position=1).delete()
    codes = Question.objects.filter(questionnaire=draft).values_list("code", flat=True)
    assert set(codes) == {"name", "plan", "formats"}
    assert list(question.own_choices.values_list("code", flat=True)) == ["online", "in_person"]
    assert Section.objects.filter(questionnaire=draft).count() == 1


def test_the_admin_offers_only_the_versions_own_sections_and_refuses_published_changes(versions, admin_user, client):
    published, draft = versions
    client.force_login(admin_user)
    question = Question.objects.get(questionnaire=draft, code="name")
    page = client.get(f"/admin/questionnaires/question/{question.pk}/change/")
    assert page.status_code == 200
    section_choices = page.context["adminform"].form.fields["section"].queryset
    assert set(section_choices) == set(Section.objects.filter(questionnaire=draft))
    assert "questionnaire" not in page.context["adminform"].form.fields  # read-only: never moves

    old_section = Section.objects.get(questionnaire=published, position=1)
    body = {
        "section": old_section.pk,
        "position": 1,
        "code": "name",
        "type": "short_text",
        "label_en": "Name",
        "show_if_values": "[]",
        "positive_choices": "[]",
        "own_choices-TOTAL_FORMS": 0,
        "own_choices-INITIAL_FORMS": 0,
    }
    post = client.post(f"/admin/questionnaires/question/{question.pk}/change/", body)
    assert post.status_code == 200 and post.context["adminform"].form.errors.get("section")
    question.refresh_from_db()
    assert question.section.questionnaire_id == draft.pk

    published_question = Question.objects.get(questionnaire=published, code="name")
    assert client.post(f"/admin/questionnaires/question/{published_question.pk}/change/", body).status_code == 403
    delete_url = f"/admin/questionnaires/question/{published_question.pk}/delete/"
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    page = client.get(f"/admin/questionnaires/questionnaire/{draft.pk}/change/")
    assert "status" not in page.context["adminform"].form.fields  # published only through the check
    assert Question.objects.filter(pk=published_question.pk).exists()
