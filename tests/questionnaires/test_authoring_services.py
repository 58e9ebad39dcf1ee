"""services_authoring: copies, edits, order, conflicts, validation, and refusal on published versions.
A refused edit changes nothing (the rows and the revision are compared before and after)."""

from __future__ import annotations

import pytest

from questionnaires.models import Choice, ChoiceList, Question, Questionnaire, QuestionnaireLocked, Section
from questionnaires.schema import schema_build
from questionnaires.services_authoring import (
    DOWN,
    UP,
    AuthoringInvalid,
    ChoiceRow,
    QuestionData,
    RevisionConflict,
    choice_move,
    choices_save,
    item_field_add,
    question_add,
    question_delete,
    question_move,
    question_update,
    questionnaire_copy,
    questionnaire_start,
    questionnaire_texts_update,
    section_add,
    section_delete,
    section_move,
    section_update,
    structure_problems,
)

from .authoring_data import draft_create

pytestmark = pytest.mark.django_db


def snapshot(questionnaire: Questionnaire) -> dict[str, object]:
    """Everything an edit could change, to prove a refused one changed nothing."""
    return {
        "questionnaire": list(Questionnaire.objects.filter(pk=questionnaire.pk).values()),
        "sections": list(Section.objects.filter(questionnaire=questionnaire).order_by("id").values()),
        "questions": list(Question.objects.filter(questionnaire=questionnaire).order_by("id").values()),
        "choices": list(Choice.objects.filter(question__questionnaire=questionnaire).order_by("id").values()),
    }


def data_of(question: Question, **changes) -> QuestionData:
    values = {
        "code": question.code,
        "type": question.type,
        "label": question.label_en,
        "help": question.help_en,
        "required": question.required,
        "max_choices": question.max_choices,
        "max_length": question.max_length,
        "choice_list": question.choice_list,
        "chart_kind": question.chart_kind,
        "chart_denominator": question.chart_denominator,
        "report_top": question.report_top,
        "chart_title": question.chart_title_en,
        "positive_choices": question.positive_choices,
        "negative_choices": question.negative_choices,
        "report_coverage": question.report_coverage,
        "report_summary": question.report_summary_en,
        "show_if_question": question.show_if_question,
        "show_if_values": question.show_if_values,
        "min_items": question.min_items,
        "max_items": question.max_items,
        "practice_role": question.practice_role,
    }
    values.update(changes)
    return QuestionData(**values)


def order(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """(section title, question code) in questionnaire order, as the schema reads it."""
    schema = schema_build(questionnaire)
    return [(section.titles["en"], question.code) for section in schema.sections for question in section.questions]


# --- copies ---------------------------------------------------------------------------------------


def test_new_version_copies_everything_and_repoints_conditions():
    source = draft_create()
    Questionnaire.objects.filter(pk=source.pk).update(status=Questionnaire.Status.PUBLISHED)
    source.refresh_from_db()
    before = snapshot(source)

    copy = questionnaire_copy(source=source)

    assert (copy.slug, copy.version, copy.status, copy.published_at, copy.revision) == (
        "survey",
        2,
        Questionnaire.Status.DRAFT,
        None,
        0,
    )
    assert (copy.title_fr, copy.title_ar, copy.description_es) == ("Enquête", "استبيان", "Descripción")
    assert order(copy) == order(source)
    sections = list(copy.sections.order_by("position"))
    assert [section.description_fr for section in sections] == ["À propos", ""]
    member = copy.questions.get(code="member")
    why = copy.questions.get(code="why")
    assert why.show_if_question == member and why.show_if_values == ["yes"]
    assert (member.label_ar, member.help_fr, member.chart_kind, member.report_top, member.chart_title_en) == (
        "هل أنت عضو؟",
        "Aide",
        "donut",
        1,
        "Members",
    )
    assert member.positive_choices == ["yes"]
    assert list(member.own_choices.values_list("code", flat=True)) == ["yes", "no"]
    goals = copy.questions.get(code="goals")
    assert goals.choice_list.code == "sdg" and goals.max_choices == 2
    assert snapshot(source) == before  # the source is untouched
    assert questionnaire_copy(source=source).version == 3  # from any version: the next number


def test_copy_to_a_new_questionnaire_keeps_codes_and_refuses_a_taken_slug():
    source = draft_create()
    copy = questionnaire_copy(source=source, slug="another-survey", title_en="Another survey")
    assert (copy.slug, copy.version, copy.title_en, copy.title_fr) == ("another-survey", 1, "Another survey", "Enquête")
    assert sorted(copy.questions.values_list("code", flat=True)) == ["goals", "member", "why"]
    with pytest.raises(AuthoringInvalid) as refused:
        questionnaire_copy(source=source, slug="another-survey")
    assert "slug" in refused.value.errors
    assert Questionnaire.objects.filter(slug="another-survey").count() == 1


def test_a_new_questionnaire_starts_empty():
    questionnaire = questionnaire_start(slug="fresh", title_en="Fresh")
    assert (questionnaire.version, questionnaire.status, questionnaire.sections.count()) == (1, "draft", 0)
    with pytest.raises(AuthoringInvalid):
        questionnaire_start(slug="Not a slug!", title_en="x")


# --- edits and the revision ---------------------------------------------------------------------


def test_each_edit_bumps_the_revision_and_a_stale_page_is_a_conflict():
    questionnaire = draft_create()
    questionnaire_texts_update(
        questionnaire=questionnaire, revision=0, language="fr", title="Enquête 2025", description="Texte"
    )
    questionnaire.refresh_from_db()
    assert (questionnaire.revision, questionnaire.title_fr, questionnaire.title_en) == (1, "Enquête 2025", "Survey")

    before = snapshot(questionnaire)
    why = questionnaire.questions.get(code="why")
    with pytest.raises(RevisionConflict) as conflict:  # a second coordinator, page loaded at revision 0
        question_update(question=why, revision=0, language="en", data=data_of(why, label="Overwritten?"))
    assert conflict.value.revision == 1
    assert snapshot(questionnaire) == before


def test_question_update_in_another_language_keeps_english():
    questionnaire = draft_create()
    member = questionnaire.questions.get(code="member")
    question_update(
        question=member,
        revision=0,
        language="ar",
        data=data_of(member, label="هل منظمتكم عضو؟", help="", chart_title="الأعضاء"),
    )
    member.refresh_from_db()
    assert (member.label_en, member.label_ar, member.chart_title_ar, member.chart_title_en) == (
        "Are you a member?",
        "هل منظمتكم عضو؟",
        "الأعضاء",
        "Members",
    )


def test_english_is_required():
    questionnaire = draft_create()
    section = questionnaire.sections.get(position=2)
    before = snapshot(questionnaire)
    with pytest.raises(AuthoringInvalid) as refused:
        section_add(questionnaire=questionnaire, revision=0, language="fr", title="Nouvelle section")
    assert "title" in refused.value.errors
    with pytest.raises(AuthoringInvalid):
        section_update(section=section, revision=0, language="en", title="", description="")
    assert snapshot(questionnaire) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "member"}, "code"),  # a duplicate code
        ({"code": "has space"}, "code"),
        ({"max_choices": 3}, "max_choices"),  # a long text has no maximum of choices
        ({"show_if_question": "self", "show_if_values": ["yes"]}, "show_if_question"),
        ({"show_if_question": "goals", "show_if_values": ["1"]}, "show_if_question"),  # a later question
        ({"show_if_question": "member", "show_if_values": ["maybe"]}, "show_if_values"),  # no such choice
        ({"show_if_question": "member", "show_if_values": []}, "show_if_values"),
        ({"negative_choices": ["no"]}, "negative_choices"),  # a long text has no negative choices
        ({"report_coverage": True}, "report_coverage"),  # nor a shared list
    ],
)
def test_invalid_question_edits_are_refused_with_a_clear_error_and_change_nothing(changes, field):
    questionnaire = draft_create()
    why = questionnaire.questions.get(code="why")
    if "show_if_question" in changes:
        code = changes["show_if_question"]
        changes["show_if_question"] = why if code == "self" else questionnaire.questions.get(code=code)
    before = snapshot(questionnaire)
    with pytest.raises(AuthoringInvalid) as refused:
        question_update(question=why, revision=0, language="en", data=data_of(why, **changes))
    assert field in refused.value.errors, refused.value.errors
    assert all(refused.value.errors[field])
    assert snapshot(questionnaire) == before


def test_question_add_at_the_end_of_its_section_with_a_condition_on_an_earlier_question():
    questionnaire = draft_create()
    first = questionnaire.sections.get(position=1)
    member = questionnaire.questions.get(code="member")
    data = QuestionData(
        code="since",
        type=Question.Type.INTEGER,
        label="Since when?",
        show_if_question=member,
        show_if_values=["yes"],
    )
    question = question_add(section=first, revision=0, language="en", data=data)
    assert question.show_if_question == member
    assert order(questionnaire) == [
        ("About you", "member"),
        ("About you", "why"),
        ("About you", "since"),
        ("Goals", "goals"),
    ]
    assert schema_build(questionnaire).question("since").show_if == "member"


def test_moves_within_and_across_sections_and_never_before_a_condition():
    questionnaire = draft_create()
    goals = questionnaire.questions.get(code="goals")
    question_move(question=goals, revision=0, direction=UP)  # first of "Goals": to the end of "About you"
    assert order(questionnaire) == [("About you", "member"), ("About you", "why"), ("About you", "goals")]
    question_move(question=goals, revision=1, direction=UP)
    assert order(questionnaire)[1] == ("About you", "goals")

    why = questionnaire.questions.get(code="why")
    question_move(question=why, revision=2, direction=DOWN)  # last of "About you": first of "Goals"
    assert questionnaire.sections.get(position=2).questions.get().code == "why"

    assert [number for _title, number in order(questionnaire)] == ["member", "goals", "why"]
    ordered = questionnaire.questions.order_by("section__position", "position")
    assert list(ordered.values_list("position", flat=True)) == [1, 2, 3]


def test_a_refused_move_changes_nothing():
    questionnaire = draft_create()
    member = questionnaire.questions.get(code="member")
    before = snapshot(questionnaire)
    with pytest.raises(AuthoringInvalid) as refused:
        question_move(question=member, revision=0, direction=DOWN)  # below "why", which depends on it
    assert "comes after it" in str(refused.value.errors)
    assert snapshot(questionnaire) == before

    question_move(question=questionnaire.questions.get(code="why"), revision=0, direction=DOWN)  # into "Goals"
    before = snapshot(questionnaire)
    with pytest.raises(AuthoringInvalid):  # "Goals" before "About you" would put "why" before "member"
        section_move(section=questionnaire.sections.get(position=2), revision=1, direction=UP)
    assert snapshot(questionnaire) == before


def test_sections_are_added_moved_and_deleted_when_empty():
    questionnaire = draft_create()
    added = section_add(questionnaire=questionnaire, revision=0, language="en", title="Extra", description="More")
    assert added.position == 3
    section_move(section=added, revision=1, direction=UP)
    assert list(questionnaire.sections.order_by("position").values_list("title_en", flat=True)) == [
        "About you",
        "Extra",
        "Goals",
    ]
    with pytest.raises(AuthoringInvalid):
        section_delete(section=questionnaire.sections.get(title_en="Goals"), revision=2)
    section_delete(section=added, revision=2)
    assert list(questionnaire.sections.order_by("position").values_list("position", flat=True)) == [1, 2]


def test_a_question_used_by_a_condition_cannot_be_deleted():
    questionnaire = draft_create()
    before = snapshot(questionnaire)
    with pytest.raises(AuthoringInvalid) as refused:
        question_delete(question=questionnaire.questions.get(code="member"), revision=0)
    assert "why" in str(refused.value.errors)
    assert snapshot(questionnaire) == before
    question_delete(question=questionnaire.questions.get(code="why"), revision=0)
    assert order(questionnaire) == [("About you", "member"), ("Goals", "goals")]


def test_choices_are_added_renamed_reordered_and_deleted():
    questionnaire = draft_create()
    member = questionnaire.questions.get(code="member")
    yes, no = member.own_choices.order_by("position")
    choices_save(
        question=member,
        revision=0,
        language="en",
        rows=[
            ChoiceRow(id=no.pk, code="no", label="No, not yet"),
            ChoiceRow(id=yes.pk, code="yes", label="Yes"),
            ChoiceRow(id=None, code="observer", label="As an observer", description="Observer status"),
        ],
    )
    assert [(choice.code, choice.label_en) for choice in member.own_choices.order_by("position")] == [
        ("no", "No, not yet"),
        ("yes", "Yes"),
        ("observer", "As an observer"),
    ]
    observer = member.own_choices.get(code="observer")
    choice_move(choice=observer, revision=1, direction=UP)
    assert list(member.own_choices.order_by("position").values_list("code", flat=True)) == ["no", "observer", "yes"]
    choices_save(
        question=member,
        revision=2,
        language="fr",
        rows=[ChoiceRow(id=observer.pk, code="observer", label="", delete=True)],
    )
    assert not member.own_choices.filter(code="observer").exists()


@pytest.mark.parametrize(
    "rows",
    [
        [ChoiceRow(id=None, code="yes", label="Again")],  # a duplicate code
        [ChoiceRow(id=None, code="two words", label="x")],
        [ChoiceRow(id=None, code="new", label="")],  # no English label
        ["delete-yes"],  # "yes" shows "why" and is a positive choice
    ],
)
def test_invalid_choices_are_refused_and_change_nothing(rows):
    questionnaire = draft_create()
    member = questionnaire.questions.get(code="member")
    existing = [ChoiceRow(id=choice.pk, code=choice.code, label=choice.label_en) for choice in member.own_choices.all()]
    if rows == ["delete-yes"]:
        rows = [ChoiceRow(id=row.id, code=row.code, label=row.label, delete=row.code == "yes") for row in existing]
    else:
        rows = existing + rows
    before = snapshot(questionnaire)
    with pytest.raises(AuthoringInvalid):
        choices_save(question=member, revision=0, language="fr", rows=rows)
    assert snapshot(questionnaire) == before


def test_every_edit_is_refused_on_a_published_version():
    questionnaire = draft_create(status=Questionnaire.Status.PUBLISHED)
    section = questionnaire.sections.get(position=1)
    member = questionnaire.questions.get(code="member")
    before = snapshot(questionnaire)
    edits = [
        lambda: questionnaire_texts_update(
            questionnaire=questionnaire, revision=0, language="en", title="New", description=""
        ),
        lambda: section_add(questionnaire=questionnaire, revision=0, language="en", title="New"),
        lambda: section_update(section=section, revision=0, language="en", title="New", description=""),
        lambda: section_move(section=section, revision=0, direction=DOWN),
        lambda: section_delete(section=section, revision=0),
        lambda: question_add(
            section=section, revision=0, language="en", data=QuestionData(code="new", type="short_text", label="New")
        ),
        lambda: question_update(question=member, revision=0, language="en", data=data_of(member, label="New")),
        lambda: question_move(question=member, revision=0, direction=DOWN),
        lambda: question_delete(question=member, revision=0),
        lambda: choices_save(question=member, revision=0, language="en", rows=[]),
        lambda: choice_move(choice=member.own_choices.first(), revision=0, direction=DOWN),
        lambda: item_field_add(
            list_question=member, revision=0, language="en", data=QuestionData(code="f", type="short_text", label="F")
        ),
    ]
    for edit in edits:
        with pytest.raises(QuestionnaireLocked):
            edit()
    assert snapshot(questionnaire) == before


def test_a_shared_list_question_keeps_the_list_and_its_codes():
    questionnaire = draft_create()
    goals = questionnaire.questions.get(code="goals")
    question_update(question=goals, revision=0, language="en", data=data_of(goals, choice_list=None, max_choices=None))
    goals.refresh_from_db()
    assert goals.choice_list is None
    question_update(
        question=goals, revision=1, language="en", data=data_of(goals, choice_list=ChoiceList.objects.get(code="sdg"))
    )
    assert schema_build(questionnaire).question("goals").choice_codes == ("1", "2", "3")


def test_a_question_moves_into_an_empty_neighbouring_section():
    questionnaire = draft_create()
    empty = section_add(questionnaire=questionnaire, revision=0, language="en", title="Later")
    question_move(question=questionnaire.questions.get(code="goals"), revision=1, direction=DOWN)
    assert order(questionnaire)[-1] == ("Later", "goals")
    assert empty.questions.get().position == 3


def test_choices_of_another_question_cannot_be_touched_through_a_row():
    questionnaire = draft_create()
    member = questionnaire.questions.get(code="member")
    other = draft_create(slug="other").questions.get(code="member")
    foreign = other.own_choices.get(code="yes")
    rows = [ChoiceRow(id=choice.pk, code=choice.code, label=choice.label_en) for choice in member.own_choices.all()]
    choices_save(
        question=member,
        revision=0,
        language="en",
        rows=[*rows, ChoiceRow(id=foreign.pk, code="stolen", label="Stolen", delete=True)],
    )
    foreign.refresh_from_db()
    assert foreign.code == "yes" and other.own_choices.count() == 2


def test_a_draft_with_a_problem_already_can_still_be_edited_and_fixed():
    """A draft imported with a condition on a later question: other edits go through, the fix too."""
    questionnaire = draft_create()
    why = questionnaire.questions.get(code="why")
    Question.objects.filter(pk=why.pk).update(show_if_question=questionnaire.questions.get(code="goals"))
    section_update(
        section=questionnaire.sections.get(position=2), revision=0, language="en", title="Goals 2025", description=""
    )
    why.refresh_from_db()
    question_update(question=why, revision=1, language="en", data=data_of(why, show_if_question=None))
    assert structure_problems(questionnaire) == []


def test_report_hints_are_edited_and_checked():
    questionnaire = draft_create()
    member = questionnaire.questions.get(code="member")
    question_update(
        question=member,
        revision=0,
        language="fr",
        data=data_of(member, label="", negative_choices=["no"], report_summary="Ils sont {choices}."),
    )
    goals = questionnaire.questions.get(code="goals")
    question_update(question=goals, revision=1, language="en", data=data_of(goals, report_coverage=True))
    questionnaire_texts_update(
        questionnaire=questionnaire, revision=2, language="en", title="Survey", description="", annex_title="Annex"
    )
    hints = schema_build(questionnaire).question("member").hints
    assert (hints.positive, hints.negative, hints.summaries["fr"]) == (("yes",), ("no",), "Ils sont {choices}.")
    assert schema_build(questionnaire).question("goals").hints.coverage
    questionnaire.refresh_from_db()
    assert schema_build(questionnaire).annex_titles["en"] == "Annex"
    with pytest.raises(AuthoringInvalid) as refused:
        question_update(question=member, revision=3, language="en", data=data_of(member, negative_choices=["yes"]))
    assert "negative_choices" in refused.value.errors  # "yes" is positive already

    yes = member.own_choices.get(code="yes")
    choices_save(
        question=member,
        revision=3,
        language="en",
        rows=[
            ChoiceRow(
                id=choice.pk,
                code=choice.code,
                label=choice.label_en,
                report_phrase="are members" if choice == yes else "",
            )
            for choice in member.own_choices.order_by("position")
        ],
    )
    copy = questionnaire_copy(source=questionnaire)
    assert copy.annex_title_en == "Annex"
    assert copy.questions.get(code="member").own_choices.get(code="yes").report_phrase_en == "are members"


# --- lists of items ---------------------------------------------------------------------------------


def revision_of(questionnaire: Questionnaire) -> int:
    return Questionnaire.objects.get(pk=questionnaire.pk).revision


def list_with_fields(questionnaire: Questionnaire) -> Question:
    """A list of practices at the end of section 1, with a title and SDG tags (on the shared list)."""
    section = questionnaire.sections.get(position=1)
    practices = question_add(
        section=section,
        revision=revision_of(questionnaire),
        language="en",
        data=QuestionData(code="practices", type=Question.Type.LIST_OF_ITEMS, label="Practices", max_items=5),
    )
    for code, field_type, role, shared in (
        ("practice_title", Question.Type.SHORT_TEXT, "title", None),
        ("practice_sdg", Question.Type.MULTIPLE_CHOICE, "sdg", ChoiceList.objects.get(code="sdg")),
    ):
        item_field_add(
            list_question=practices,
            revision=revision_of(questionnaire),
            language="en",
            data=QuestionData(code=code, type=field_type, label=code, practice_role=role, choice_list=shared),
        )
    return practices


def test_a_list_of_items_is_made_with_its_item_fields_and_bounds():
    draft = draft_create()
    list_with_fields(draft)
    schema = schema_build(draft)
    practices = schema.question("practices")
    assert (practices.type, practices.max_items, practices.min_items) == ("list_of_items", 5, None)
    assert [(f.code, f.practice_role, f.choice_list) for f in practices.items] == [
        ("practice_title", "title", ""),
        ("practice_sdg", "sdg", "sdg"),
    ]
    assert order(draft) == [
        ("About you", "member"),
        ("About you", "why"),
        ("About you", "practices"),
        ("Goals", "goals"),
    ]


def test_item_fields_move_within_their_list_and_follow_it_across_sections():
    draft = draft_create()
    practices = list_with_fields(draft)
    title = Question.objects.get(code="practice_title")
    question_move(question=title, revision=revision_of(draft), direction=DOWN)
    assert [f.code for f in schema_build(draft).question("practices").items] == ["practice_sdg", "practice_title"]
    question_move(question=title, revision=revision_of(draft), direction=DOWN)  # already last: stays
    question_move(question=practices, revision=revision_of(draft), direction=DOWN)  # into the next section
    assert order(draft) == [("About you", "member"), ("About you", "why"), ("Goals", "practices"), ("Goals", "goals")]
    assert set(Question.objects.filter(item_of=practices).values_list("section__title_en", flat=True)) == {"Goals"}
    positions = list(Question.objects.filter(questionnaire=draft).order_by("position").values_list("code", flat=True))
    assert positions == ["member", "why", "practices", "practice_sdg", "practice_title", "goals"]
    question_delete(question=Question.objects.get(code="practice_sdg"), revision=revision_of(draft))
    assert [f.code for f in schema_build(draft).question("practices").items] == ["practice_title"]


def test_copies_and_new_versions_keep_item_fields():
    draft = draft_create()
    list_with_fields(draft)
    copy = questionnaire_copy(source=draft)
    practices = schema_build(copy).question("practices")
    assert [(f.code, f.practice_role) for f in practices.items] == [
        ("practice_title", "title"),
        ("practice_sdg", "sdg"),
    ]
    assert Question.objects.filter(questionnaire=copy, item_of__questionnaire=copy).count() == 2


@pytest.mark.parametrize(
    ("target", "changes", "field"),
    [
        ("practices", {"min_items": 4, "max_items": 2}, "max_items"),
        ("practices", {"type": Question.Type.LONG_TEXT}, "type"),  # it has item fields
        ("member", {"min_items": 1}, "min_items"),
        ("member", {"practice_role": "title"}, "practice_role"),
        ("practice_title", {"type": Question.Type.LIST_OF_ITEMS}, "type"),
        ("practice_title", {"practice_role": "headline"}, "practice_role"),
    ],
)
def test_invalid_list_edits_are_refused_and_change_nothing(target, changes, field):
    draft = draft_create()
    list_with_fields(draft)
    question = Question.objects.get(code=target)
    before = snapshot(draft)
    with pytest.raises(AuthoringInvalid) as refused:
        question_update(
            question=question, revision=revision_of(draft), language="en", data=data_of(question, **changes)
        )
    assert field in refused.value.errors
    assert snapshot(draft) == before


def test_an_item_field_has_no_condition_and_only_a_list_gets_item_fields():
    draft = draft_create()
    practices = list_with_fields(draft)
    title = Question.objects.get(code="practice_title")
    member = Question.objects.get(code="member")
    with pytest.raises(AuthoringInvalid) as refused:
        question_update(
            question=title,
            revision=revision_of(draft),
            language="en",
            data=data_of(title, show_if_question=member, show_if_values=["yes"]),
        )
    assert "show_if_question" in refused.value.errors
    with pytest.raises(AuthoringInvalid):
        item_field_add(list_question=member, revision=revision_of(draft), language="en", data=data_of(title, code="x"))
    assert practices.item_fields.count() == 2
