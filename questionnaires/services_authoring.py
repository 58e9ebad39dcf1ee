"""Writes of the coordinator's questionnaire editor: copies, and every edit of a draft.

Every edit runs in one transaction that locks the questionnaire row and:
- refuses a published version (`QuestionnaireLocked`): answers, exports and aggregates rely on it;
- refuses a stale page (`RevisionConflict`): the page sends the `revision` it was loaded at, and a second
  coordinator who saved in between has bumped it, so nothing is overwritten silently;
- checks the structure once the change is made (`structure_problems`: conditions on earlier questions'
  existing choices, report choices that exist) and rolls everything back with `AuthoringInvalid` when the
  change brings a problem: a refused edit changes nothing.

Texts are written in one language at a time (the editor's "editing language"); English is required
(it is the fallback of every other language). Question and choice codes carry over to copies, so that
figures stay comparable across versions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.validators import slug_re
from django.db import transaction
from django.db.models import F, Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import (
    LANGUAGE_CODES,
    Choice,
    ChoiceList,
    Question,
    Questionnaire,
    QuestionnaireLocked,
    Section,
)
from .schema import schema_build

UP, DOWN = "up", "down"
CODE_MAX_LENGTH = {"question": 60, "choice": 40}


class AuthoringInvalid(Exception):
    """The edit was refused and nothing changed; `errors` maps form field names (or None) to messages."""

    def __init__(self, errors: dict[str | None, list[str]]):
        super().__init__(errors)
        self.errors = errors


class RevisionConflict(Exception):
    """Someone saved this questionnaire since the page was loaded; `revision` is the current one."""

    def __init__(self, revision: int):
        super().__init__(_("Someone else changed this questionnaire since you opened this page."))
        self.revision = revision


def _locked_message() -> str:
    return _("This questionnaire is published: make a new version to change it.")


# --- copies ---------------------------------------------------------------------------------------


@transaction.atomic
def questionnaire_copy(*, source: Questionnaire, slug: str | None = None, title_en: str | None = None) -> Questionnaire:
    """A new draft with everything of `source`: sections, questions (codes, hints, conditions re-pointed
    to the copies), own choices and every language's texts. Without `slug`: the next version of the same
    questionnaire; with one: version 1 of a new questionnaire (refused when the slug exists)."""
    if slug is None:
        # Locking the versions makes a double-clicked "new version" wait for the first one, then number after it.
        versions = Questionnaire.objects.select_for_update().filter(slug=source.slug).values_list("version", flat=True)
        slug, version = source.slug, max(versions) + 1
    else:
        _slug_check(slug)
        version = 1
    sections = list(Section.objects.filter(questionnaire=source).order_by("position", "id"))
    questions = list(
        Question.objects.filter(questionnaire=source).order_by("section__position", "section_id", "position", "id")
    )
    own_choices = list(Choice.objects.filter(question__questionnaire=source).order_by("position", "id"))

    copy = Questionnaire.objects.get(pk=source.pk)
    copy.pk = None
    copy.slug, copy.version = slug, version
    copy.status, copy.published_at, copy.revision = Questionnaire.Status.DRAFT, None, 0
    if title_en:
        copy.title_en = title_en
    copy.save()
    section_copies: dict[int, Section] = {}
    for section in sections:
        old_id = section.pk
        section.pk, section.questionnaire = None, copy
        section.save()
        section_copies[old_id] = section
    question_copies: dict[int, Question] = {}
    dependent: list[tuple[Question, int]] = []
    item_fields: list[tuple[Question, int]] = []  # the fields of a list of items, and their list
    for question in questions:
        old_id, condition_id, list_id = question.pk, question.show_if_question_id, question.item_of_id
        question.pk, question.questionnaire = None, copy
        question.section = section_copies[question.section_id]
        question.show_if_question = None  # re-pointed below, once every copy exists
        question.item_of = None
        question.save()
        question_copies[old_id] = question
        if condition_id:
            dependent.append((question, condition_id))
        if list_id:
            item_fields.append((question, list_id))
    for question, condition_id in dependent:
        question.show_if_question = question_copies[condition_id]
    Question.objects.bulk_update([question for question, _id in dependent], ["show_if_question"])
    for question, list_id in item_fields:
        question.item_of = question_copies[list_id]
    Question.objects.bulk_update([question for question, _id in item_fields], ["item_of"])
    for choice in own_choices:
        choice.pk, choice.question = None, question_copies[choice.question_id]
    Choice.objects.bulk_create(own_choices)
    return copy


def questionnaire_new_version(*, questionnaire: Questionnaire) -> Questionnaire:
    """The next draft version of a questionnaire, copied from `questionnaire` (any of its versions)."""
    return questionnaire_copy(source=questionnaire)


@transaction.atomic
def questionnaire_start(*, slug: str, title_en: str) -> Questionnaire:
    """A new, empty questionnaire: version 1, a draft."""
    _slug_check(slug)
    if not title_en.strip():
        raise AuthoringInvalid({"title_en": [_("Give the questionnaire an English title.")]})
    return Questionnaire.objects.create(slug=slug, version=1, title_en=title_en.strip())


def _slug_check(slug: str) -> None:
    if not slug or slugify(slug) != slug:
        raise AuthoringInvalid({"slug": [_("Use lower-case letters, digits and hyphens only.")]})
    if Questionnaire.objects.filter(slug=slug).exists():
        raise AuthoringInvalid({"slug": [_("A questionnaire with this short name exists already.")]})


# --- the edit transaction -------------------------------------------------------------------------


@contextmanager
def _edit(questionnaire: Questionnaire, revision: int, *, focus: str | None = None) -> Iterator[Questionnaire]:
    """Lock the draft, check the revision, let the caller change it, check the structure, bump the
    revision. `focus` is the code of the question the page edits: its problems go to the form's fields."""
    with transaction.atomic():
        current = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if current.is_locked:
            raise QuestionnaireLocked(_locked_message())
        if current.revision != revision:
            raise RevisionConflict(current.revision)
        # Only problems this edit brings are refused: a draft imported with one can still be fixed.
        existing = set(structure_problems(current))
        yield current
        problems = [problem for problem in structure_problems(current) if problem not in existing]
        if problems:
            errors: dict[str | None, list[str]] = {}
            for problem in problems:
                field = problem.field if problem.code == focus else None
                errors.setdefault(field, []).append(problem.message)
            raise AuthoringInvalid(errors)
        Questionnaire.objects.filter(pk=current.pk).update(revision=F("revision") + 1)
    questionnaire.revision = current.revision + 1


@dataclass(frozen=True)
class Problem:
    code: str  # the question concerned
    field: str  # the form field of the question editor it belongs to
    message: str


def structure_problems(questionnaire: Questionnaire) -> list[Problem]:
    """What an edit may not break, in questionnaire order: a display condition depends on an EARLIER
    choice question and on choices it has; the report's positive choices are choices of the question."""
    schema = schema_build(questionnaire)
    seen: dict[str, object] = {}
    problems: list[Problem] = []
    for question in schema.questions.values():
        if question.show_if is not None:
            source = seen.get(question.show_if)
            if question.show_if == question.code:
                problems.append(Problem(question.code, "show_if_question", _("A question cannot depend on itself.")))
            elif source is None:
                problems.append(
                    Problem(
                        question.code,
                        "show_if_question",
                        _(
                            "Question %(code)s depends on %(source)s, which comes after it: "
                            "a condition can only use an earlier question."
                        )
                        % {"code": question.code, "source": question.show_if},
                    )
                )
            elif not source.is_choice:
                problems.append(
                    Problem(
                        question.code,
                        "show_if_question",
                        _("Question %(code)s depends on %(source)s, which is not a choice question.")
                        % {"code": question.code, "source": question.show_if},
                    )
                )
            else:
                missing = [value for value in question.show_if_values if value not in source.choice_codes]
                if missing or not question.show_if_values:
                    problems.append(
                        Problem(
                            question.code,
                            "show_if_values",
                            _(
                                "The condition of question %(code)s needs choices that %(source)s has "
                                "(missing: %(missing)s)."
                            )
                            % {
                                "code": question.code,
                                "source": question.show_if,
                                "missing": ", ".join(missing) or _("none ticked"),
                            },
                        )
                    )
        positive = _("Question %(code)s counts choices it does not have as positive: %(codes)s.")
        negative = _("Question %(code)s counts choices it does not have as negative: %(codes)s.")
        for field, codes, message in (
            ("positive_choices", question.hints.positive, positive),
            ("negative_choices", question.hints.negative, negative),
        ):
            unknown = [code for code in codes if code not in question.choice_codes]
            if unknown:
                problems.append(
                    Problem(question.code, field, message % {"code": question.code, "codes": ", ".join(unknown)})
                )
        seen[question.code] = question
    return problems


def _text_fields(obj: object, field: str, language: str, value: str, *, required: bool) -> None:
    """Set `field` in `language`; English, when required, may not be left empty."""
    if language not in LANGUAGE_CODES:
        raise ValueError(language)
    value = (value or "").strip()
    setattr(obj, f"{field}_{language}", value)
    if required and not getattr(obj, f"{field}_en"):
        raise AuthoringInvalid(
            {field: [_("The English text is required (it is shown when a translation is missing).")]}
        )


# --- the questionnaire's own texts ----------------------------------------------------------------


def questionnaire_texts_update(
    *, questionnaire: Questionnaire, revision: int, language: str, title: str, description: str, annex_title: str = ""
) -> None:
    """The title, description and report annex title (a presentation hint) in `language`."""
    with _edit(questionnaire, revision) as current:
        _text_fields(current, "title", language, title, required=True)
        _text_fields(current, "description", language, description, required=False)
        _text_fields(current, "annex_title", language, annex_title, required=False)
        current.save(update_fields=[f"{field}_{language}" for field in ("title", "description", "annex_title")])


# --- sections -------------------------------------------------------------------------------------


def section_add(
    *, questionnaire: Questionnaire, revision: int, language: str, title: str, description: str = ""
) -> Section:
    with _edit(questionnaire, revision) as current:
        last = Section.objects.filter(questionnaire=current).aggregate(last=Max("position"))["last"] or 0
        section = Section(questionnaire=current, position=last + 1)
        _text_fields(section, "title", language, title, required=True)
        _text_fields(section, "description", language, description, required=False)
        section.save()
    return section


def section_update(*, section: Section, revision: int, language: str, title: str, description: str) -> None:
    with _edit(section.questionnaire, revision):
        _text_fields(section, "title", language, title, required=True)
        _text_fields(section, "description", language, description, required=False)
        section.save(update_fields=[f"title_{language}", f"description_{language}"])


def section_move(*, section: Section, revision: int, direction: str) -> None:
    with _edit(section.questionnaire, revision) as current:
        sections = list(Section.objects.filter(questionnaire=current).order_by("position", "id"))
        index = [item.pk for item in sections].index(section.pk)
        target = index - 1 if direction == UP else index + 1
        if 0 <= target < len(sections):
            sections[index], sections[target] = sections[target], sections[index]
        _renumber(sections)


def section_delete(*, section: Section, revision: int) -> None:
    """Only an empty section: its questions are moved or deleted first, one by one, deliberately."""
    with _edit(section.questionnaire, revision) as current:
        if Question.objects.filter(section=section).exists():
            raise AuthoringInvalid({None: [_("Move or delete the questions of this section first.")]})
        section.delete()
        _renumber(list(Section.objects.filter(questionnaire=current).order_by("position", "id")))


def _renumber(rows: Sequence[Section | Question | Choice]) -> None:
    changed = []
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            row.position = position
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])


# --- questions ------------------------------------------------------------------------------------


@dataclass
class QuestionData:
    """What the question editor sends: structure, texts in the editing language, hints, condition."""

    code: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    max_choices: int | None = None
    max_length: int | None = None
    choice_list: ChoiceList | None = None
    chart_kind: str = ""
    chart_denominator: str = ""
    report_top: int | None = None
    chart_title: str = ""
    positive_choices: Sequence[str] = ()
    negative_choices: Sequence[str] = ()
    report_coverage: bool = False
    report_summary: str = ""
    show_if_question: Question | None = None
    show_if_values: Sequence[str] = ()
    min_items: int | None = None  # a list of items
    max_items: int | None = None
    practice_role: str = ""  # an item field


def question_add(*, section: Section, revision: int, language: str, data: QuestionData) -> Question:
    """A new question at the end of `section`."""
    with _edit(section.questionnaire, revision, focus=data.code) as current:
        question = Question(questionnaire=current, section=section, position=0)
        _question_apply(question, language, data)
        question.save()
        _place_question(current, moved=question, section=section, index=None)
    return question


def item_field_add(*, list_question: Question, revision: int, language: str, data: QuestionData) -> Question:
    """A new item field at the end of a list of items (a question like the others, whose `item_of` is
    the list: no number, no section of its own, no display condition)."""
    with _edit(list_question.questionnaire, revision, focus=list_question.code) as current:
        if list_question.type != Question.Type.LIST_OF_ITEMS:
            raise AuthoringInvalid({None: [_("Only a list of items has item fields.")]})
        last = Question.objects.filter(questionnaire=current).aggregate(last=Max("position"))["last"] or 0
        field = Question(
            questionnaire=current, section=list_question.section, item_of=list_question, position=last + 1
        )  # the last of its list until numbered
        _question_apply(field, language, data)
        field.save()
        _number(current, _ordered_questions(current))
    return field


def question_update(*, question: Question, revision: int, language: str, data: QuestionData) -> None:
    with _edit(question.questionnaire, revision, focus=data.code):
        _question_apply(question, language, data)
        question.save()


def _question_apply(question: Question, language: str, data: QuestionData) -> None:
    errors: dict[str | None, list[str]] = {}
    code = (data.code or "").strip()
    if not slug_re.match(code) or len(code) > CODE_MAX_LENGTH["question"]:
        errors["code"] = [_("Use letters, digits, hyphens and underscores only (at most 60).")]
    elif (
        Question.objects.filter(questionnaire_id=question.questionnaire_id, code=code).exclude(pk=question.pk).exists()
    ):
        errors["code"] = [_("Another question of this questionnaire has the code “%(code)s”.") % {"code": code}]
    if data.type not in Question.Type.values:
        errors["type"] = [_("Choose a question type.")]
    is_choice = data.type in Question.CHOICE_TYPES
    if data.max_choices is not None and data.type != Question.Type.MULTIPLE_CHOICE:
        errors["max_choices"] = [_("Only a multiple choice question has a maximum number of choices.")]
    if data.max_length is not None and data.type not in Question.TEXT_TYPES:
        errors["max_length"] = [_("Only a text question has a maximum length.")]
    if data.positive_choices and data.type != Question.Type.SINGLE_CHOICE:
        errors["positive_choices"] = [_("Only a single choice question has positive choices.")]
    if data.negative_choices and data.type != Question.Type.SINGLE_CHOICE:
        errors["negative_choices"] = [_("Only a single choice question has negative choices.")]
    elif set(data.negative_choices) & set(data.positive_choices):
        errors["negative_choices"] = [_("A choice cannot be both positive and negative.")]
    errors.update(_list_errors(question, data))
    if data.report_coverage and not (is_choice and data.choice_list is not None):
        errors["report_coverage"] = [_("Only a question on a shared list can state its coverage of the list.")]
    condition = data.show_if_question
    if condition is not None:
        if condition.pk == question.pk:
            errors["show_if_question"] = [_("A question cannot depend on itself.")]
        elif condition.questionnaire_id != question.questionnaire_id:
            errors["show_if_question"] = [_("Choose a question of this questionnaire.")]
        elif not data.show_if_values:
            errors["show_if_values"] = [_("Tick at least one choice that shows this question.")]
    try:
        _text_fields(question, "label", language, data.label, required=True)
    except AuthoringInvalid as invalid:
        errors.update(invalid.errors)
    if errors:
        raise AuthoringInvalid(errors)
    _text_fields(question, "help", language, data.help, required=False)
    _text_fields(question, "chart_title", language, data.chart_title, required=False)
    _text_fields(question, "report_summary", language, data.report_summary, required=False)
    question.code, question.type, question.required = code, data.type, data.required
    question.max_choices, question.max_length = data.max_choices, data.max_length
    question.choice_list = data.choice_list if is_choice else None
    question.chart_kind, question.chart_denominator = data.chart_kind, data.chart_denominator
    question.report_top = data.report_top
    question.positive_choices = list(data.positive_choices)
    question.negative_choices = list(data.negative_choices)
    question.report_coverage = data.report_coverage
    question.show_if_question = condition
    question.show_if_values = list(data.show_if_values) if condition is not None else []
    is_list = data.type == Question.Type.LIST_OF_ITEMS
    question.min_items = data.min_items if is_list else None
    question.max_items = data.max_items if is_list else None
    question.practice_role = data.practice_role if question.item_of_id else ""


def _list_errors(question: Question, data: QuestionData) -> dict[str | None, list[str]]:
    """A list of items: its bounds; an item field: not a list, no condition, its practice role. A list that
    has item fields keeps its type (remove them first, deliberately)."""
    errors: dict[str | None, list[str]] = {}
    is_list = data.type == Question.Type.LIST_OF_ITEMS
    if not is_list and (data.min_items is not None or data.max_items is not None):
        errors["min_items"] = [_("Only a list of items has a number of items.")]
    elif data.min_items is not None and data.max_items is not None and data.min_items > data.max_items:
        errors["max_items"] = [_("At most this many items is less than at least this many.")]
    if question.item_of_id:
        if is_list:
            errors["type"] = [_("An item field cannot be a list of items: lists are one level.")]
        if data.show_if_question is not None:
            errors["show_if_question"] = [_("An item field is shown with its item: it has no condition.")]
        if data.practice_role not in ("", *Question.PracticeRole.values):
            errors["practice_role"] = [_("Choose a practice role from the list.")]
    elif data.practice_role:
        errors["practice_role"] = [_("Only an item field of a list has a practice role.")]
    if not is_list and question.pk and Question.objects.filter(item_of=question).exists():
        errors["type"] = [_("This list has item fields: remove them before changing its type.")]
    return errors


def _ordered_questions(questionnaire: Questionnaire) -> list[Question]:
    """The questions of the questionnaire in order, without the item fields of its lists."""
    return list(
        Question.objects.filter(questionnaire=questionnaire, item_of__isnull=True)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )


def _number(
    questionnaire: Questionnaire, questions: list[Question], fields_of: dict[int, list[Question]] | None = None
) -> None:
    """Number `questions` (in order, without item fields) 1..n, each list's item fields right after it, in
    its section, in their order (or the order `fields_of` gives)."""
    fields: dict[int, list[Question]] = {}
    for item_field in Question.objects.filter(questionnaire=questionnaire, item_of__isnull=False).order_by(
        "position", "id"
    ):
        fields.setdefault(item_field.item_of_id, []).append(item_field)
    fields.update(fields_of or {})
    ordered: list[Question] = []
    for question in questions:
        ordered.append(question)
        for item_field in fields.get(question.pk, []):
            item_field.section_id = question.section_id
            ordered.append(item_field)
    for position, question in enumerate(ordered, start=1):
        question.position = position
    Question.objects.bulk_update(ordered, ["section", "position"])


def question_move(*, question: Question, revision: int, direction: str) -> None:
    """One step up or down; past the first or last question of its section, into the neighbouring one.
    An item field moves within its list."""
    if question.item_of_id:
        _item_field_move(question, revision, direction)
        return
    with _edit(question.questionnaire, revision, focus=question.code) as current:
        sections = list(Section.objects.filter(questionnaire=current).order_by("position", "id"))
        section_index = [section.pk for section in sections].index(question.section_id)
        siblings = list(
            Question.objects.filter(section_id=question.section_id, item_of__isnull=True).order_by("position", "id")
        )
        index = [item.pk for item in siblings].index(question.pk)
        if direction == UP and index > 0:
            _place_question(current, moved=question, section=sections[section_index], index=index - 1)
        elif direction == DOWN and index < len(siblings) - 1:
            _place_question(current, moved=question, section=sections[section_index], index=index + 1)
        elif direction == UP and section_index > 0:
            _place_question(current, moved=question, section=sections[section_index - 1], index=None)
        elif direction == DOWN and section_index < len(sections) - 1:
            _place_question(current, moved=question, section=sections[section_index + 1], index=0)


def _item_field_move(item_field: Question, revision: int, direction: str) -> None:
    with _edit(item_field.questionnaire, revision) as current:
        siblings = list(Question.objects.filter(item_of_id=item_field.item_of_id).order_by("position", "id"))
        index = [sibling.pk for sibling in siblings].index(item_field.pk)
        target = index - 1 if direction == UP else index + 1
        if 0 <= target < len(siblings):
            siblings[index], siblings[target] = siblings[target], siblings[index]
        _number(current, _ordered_questions(current), {item_field.item_of_id: siblings})


def _place_question(questionnaire: Questionnaire, *, moved: Question, section: Section, index: int | None) -> None:
    """Put `moved` into `section` at `index` (None: last), then number every question 1..n in order."""
    others = [question for question in _ordered_questions(questionnaire) if question.pk != moved.pk]
    in_section = [at for at, question in enumerate(others) if question.section_id == section.pk]
    if in_section:
        anchor = in_section[index] if index is not None and index < len(in_section) else in_section[-1] + 1
    else:  # an empty section: after the questions of the sections before it
        key = (section.position, section.pk)
        anchor = sum(1 for question in others if (question.section.position, question.section_id) < key)
    moved.section = section
    others.insert(anchor, moved)
    _number(questionnaire, others)


def question_delete(*, question: Question, revision: int) -> None:
    """Refused while another question's display condition uses it."""
    with _edit(question.questionnaire, revision) as current:
        dependents = list(Question.objects.filter(show_if_question=question).values_list("code", flat=True))
        if dependents:
            raise AuthoringInvalid(
                {
                    None: [
                        _("Questions %(codes)s are shown depending on this one: change their condition first.")
                        % {"codes": ", ".join(dependents)}
                    ]
                }
            )
        question.delete()
        _number(current, _ordered_questions(current))


# --- a question's own choices ---------------------------------------------------------------------


@dataclass
class ChoiceRow:
    """One row of the choices editor: an existing choice (`id`) or a new one, in the editing language."""

    id: int | None
    code: str
    label: str
    description: str = ""
    report_phrase: str = ""  # presentation hint of a single choice's choice
    delete: bool = False


def choices_save(*, question: Question, revision: int, language: str, rows: Sequence[ChoiceRow]) -> None:
    """Replace the question's own choices by `rows`, in their order: existing ones updated (or deleted),
    new ones created. Codes must be unique; a condition or positive choice using a removed code is refused."""
    with _edit(question.questionnaire, revision, focus=question.code):
        existing = {choice.pk: choice for choice in Choice.objects.filter(question=question)}
        errors: list[str] = []
        kept: list[Choice] = []
        codes: set[str] = set()
        for row in rows:
            choice = existing.get(row.id) if row.id else None
            if row.id and choice is None:
                continue  # not a choice of this question: ignored
            if row.delete:
                if choice is not None:
                    choice.delete()
                continue
            code = (row.code or "").strip()
            if choice is None and not code and not (row.label or "").strip():
                continue  # an empty "new choice" row
            if not code or len(code) > CODE_MAX_LENGTH["choice"] or any(ch.isspace() for ch in code):
                errors.append(_("Each choice needs a code without spaces (at most 40 characters)."))
                continue
            if code in codes:
                errors.append(_("Two choices have the code “%(code)s”.") % {"code": code})
                continue
            codes.add(code)
            choice = choice or Choice(question=question, position=0)
            choice.code = code
            try:
                _text_fields(choice, "label", language, row.label, required=True)
            except AuthoringInvalid:
                errors.append(_("Choice “%(code)s” needs an English label.") % {"code": code})
                continue
            _text_fields(choice, "description", language, row.description, required=False)
            _text_fields(choice, "report_phrase", language, row.report_phrase, required=False)
            kept.append(choice)
        if errors:
            raise AuthoringInvalid({None: errors})
        # Codes may be swapped between rows: clear them first so that the unique constraint holds.
        stale = [choice for choice in kept if choice.pk]
        for choice in stale:
            Choice.objects.filter(pk=choice.pk).update(code=f"~{choice.pk}")
        for position, choice in enumerate(kept, start=1):
            choice.position = position
            choice.save()


def choice_move(*, choice: Choice, revision: int, direction: str) -> None:
    question = choice.question
    with _edit(question.questionnaire, revision, focus=question.code):
        choices = list(Choice.objects.filter(question=question).order_by("position", "id"))
        index = [item.pk for item in choices].index(choice.pk)
        target = index - 1 if direction == UP else index + 1
        if 0 <= target < len(choices):
            choices[index], choices[target] = choices[target], choices[index]
        _renumber(choices)
