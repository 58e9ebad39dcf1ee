"""The coordinator's questionnaire pages: the list of questionnaires and versions, new versions and
copies, and the editor of a draft (one section or one question at a time, beside a map).

Coordinators only (403 for observers and focal points, before any lookup). Views are thin: forms
clean, services_authoring checks and writes (and refuses published versions and stale pages).
Every editor form posts the questionnaire's `revision`; the editing language is `?lang=`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms_authoring import (
    LANGUAGE_NAMES,
    QuestionForm,
    QuestionnaireStartForm,
    QuestionnaireTextsForm,
    TextsForm,
    choice_formset,
    editing_language,
)
from ..models import LANGUAGE_CODES, Choice, ChoiceList, Question, Questionnaire, QuestionnaireLocked, Section
from ..schema import schema_build
from ..selectors_authoring import questionnaire_families, questionnaire_map, questions_before
from ..services_authoring import (
    DOWN,
    UP,
    AuthoringInvalid,
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
)
from .coordinator import _form_errors, coordinator_required

# --- the list, new questionnaires and versions ----------------------------------------------------


@coordinator_required
def authoring_list(request: HttpRequest) -> HttpResponse:
    return render(request, "questionnaires/authoring/list.html", {"families": questionnaire_families()})


@coordinator_required
def authoring_start(request: HttpRequest) -> HttpResponse:
    """A new questionnaire from scratch: version 1, empty."""
    form = QuestionnaireStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = questionnaire_start(slug=form.cleaned_data["slug"], title_en=form.cleaned_data["title_en"])
        except AuthoringInvalid as invalid:
            _form_errors(form, invalid.errors)
        else:
            messages.success(request, _("The questionnaire is created: add its first section."))
            return redirect(_editor_url(questionnaire))
    context = {"form": form, "heading": _("New questionnaire"), "source": None}
    return render(request, "questionnaires/authoring/start.html", context)


@coordinator_required
def authoring_copy(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    """A copy of any version as version 1 of a new questionnaire (codes carry over)."""
    source = get_object_or_404(Questionnaire, slug=slug, version=version)
    initial = {"slug": f"{source.slug}-copy", "title_en": source.title_en}
    form = QuestionnaireStartForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            copy = questionnaire_copy(
                source=source, slug=form.cleaned_data["slug"], title_en=form.cleaned_data["title_en"]
            )
        except AuthoringInvalid as invalid:
            _form_errors(form, invalid.errors)
        else:
            messages.success(request, _("The copy is a new draft questionnaire."))
            return redirect(_editor_url(copy))
    return render(
        request,
        "questionnaires/authoring/start.html",
        {"form": form, "heading": _("Copy to a new questionnaire"), "source": source},
    )


@coordinator_required
@require_POST
def authoring_new_version(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    """The next version of a questionnaire, made from any of its versions: the start of a new cycle."""
    source = get_object_or_404(Questionnaire, slug=slug, version=version)
    copy = questionnaire_copy(source=source)
    messages.success(
        request,
        _("Version %(new)s is a draft copied from version %(old)s.") % {"new": copy.version, "old": source.version},
    )
    return redirect(_editor_url(copy))


# --- the editor -----------------------------------------------------------------------------------


def _questionnaire(slug: str, version: int) -> Questionnaire:
    return get_object_or_404(Questionnaire, slug=slug, version=version)


def _language(request: HttpRequest) -> str:
    return editing_language(request.GET.get("lang"))


def _editor_url(questionnaire: Questionnaire, name: str = "authoring_edit", language: str = "en", **kwargs) -> str:
    url = reverse(
        f"questionnaires:{name}", kwargs={"slug": questionnaire.slug, "version": questionnaire.version, **kwargs}
    )
    return f"{url}?lang={language}" if language != "en" else url


def _editor(
    request: HttpRequest, questionnaire: Questionnaire, panel: str, *, schema=None, sections=None, **context
) -> HttpResponse:
    """The editor page: the map of the questionnaire beside one panel (its texts, a section, a question)."""
    language = _language(request)
    if schema is None:
        schema = schema_build(questionnaire)
        sections = questionnaire_map(questionnaire, schema, language)
    return render(
        request,
        "questionnaires/authoring/editor.html",
        {
            "questionnaire": questionnaire,
            "panel": panel,
            "sections": sections,
            "language": language,
            "language_name": LANGUAGE_NAMES[language],
            "editing_languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGE_CODES],
            "locked": questionnaire.is_locked,
            "up": UP,
            "down": DOWN,
            **context,
        },
    )


def _refused(request: HttpRequest, form, error: Exception, *, adding: bool = False) -> None:
    """Put a refused edit's reason on the page: a conflict hands the form the current revision (and, for
    an existing section or question, shows what the other coordinator saved)."""
    if isinstance(error, RevisionConflict):
        form.conflicts = [] if adding else _their_values(form)
        data = form.data.copy()
        data["revision"] = str(error.revision)
        form.data = data
        messages.error(
            request,
            _(
                "Someone else changed this questionnaire since you opened this page: nothing was saved. "
                "The map shows their version; your entries are still in the form. Save again to replace "
                "theirs, or reload the page to start from theirs."
            ),
        )
    elif isinstance(error, QuestionnaireLocked):
        messages.error(request, str(error))
    elif isinstance(error, AuthoringInvalid):
        _form_errors(form, error.errors)


def _their_values(form) -> list[tuple[str, object]]:
    """The stored value of each field the refused form changed: what the other coordinator saved. The
    form's initial values were read from the database when this request began, after their save."""
    theirs = []
    for name, field in form.fields.items():
        if name == "revision" or isinstance(field, forms.MultipleChoiceField):
            continue
        stored = form.initial.get(name)
        if isinstance(field, forms.BooleanField):
            if bool(stored) != bool(form.data.get(name)):
                theirs.append((field.label, _("yes") if stored else _("no")))
            continue
        stored = "" if stored is None else str(stored)
        if stored != (form.data.get(name) or "").strip():
            theirs.append((field.label, stored))
    return theirs


@coordinator_required
def authoring_edit(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    """The editor's first panel: the questionnaire's title and description."""
    questionnaire = _questionnaire(slug, version)
    language = _language(request)
    form = QuestionnaireTextsForm.for_object(
        questionnaire, language=language, revision=questionnaire.revision, data=request.POST or None
    )
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire_texts_update(
                questionnaire=questionnaire,
                revision=form.cleaned_data["revision"],
                language=language,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                annex_title=form.cleaned_data["annex_title"],
            )
        except (AuthoringInvalid, RevisionConflict, QuestionnaireLocked) as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_editor_url(questionnaire, language=language))
    return _editor(request, questionnaire, "questionnaire", form=form)


@coordinator_required
def authoring_section_add(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    questionnaire = _questionnaire(slug, version)
    language = _language(request)
    form = TextsForm(request.POST or None, initial={"revision": questionnaire.revision}, language=language)
    if request.method == "POST" and form.is_valid():
        try:
            section = section_add(
                questionnaire=questionnaire,
                revision=form.cleaned_data["revision"],
                language=language,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            )
        except (AuthoringInvalid, RevisionConflict, QuestionnaireLocked) as error:
            _refused(request, form, error, adding=True)
        else:
            messages.success(request, _("The section is added."))
            return redirect(_editor_url(questionnaire, "authoring_section", language, section_id=section.pk))
    return _editor(request, questionnaire, "section", form=form, section=None)


def _section(questionnaire: Questionnaire, section_id: int) -> Section:
    sections = Section.objects.select_related("questionnaire")
    return get_object_or_404(sections, pk=section_id, questionnaire=questionnaire)


@coordinator_required
def authoring_section(request: HttpRequest, slug: str, version: int, section_id: int) -> HttpResponse:
    questionnaire = _questionnaire(slug, version)
    section = _section(questionnaire, section_id)
    language = _language(request)
    form = TextsForm.for_object(section, language=language, revision=questionnaire.revision, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            section_update(
                section=section,
                revision=form.cleaned_data["revision"],
                language=language,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            )
        except (AuthoringInvalid, RevisionConflict, QuestionnaireLocked) as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_editor_url(questionnaire, "authoring_section", language, section_id=section.pk))
    return _editor(request, questionnaire, "section", form=form, section=section)


def _revision(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return -1  # a conflict: no page was loaded at this revision


def _direction(request: HttpRequest) -> str:
    return DOWN if request.POST.get("direction") == DOWN else UP


def _structure_write(request: HttpRequest, questionnaire: Questionnaire, write, done: str) -> None:
    """A move or a delete from the map: its result as a message (no form to put errors on)."""
    try:
        write()
    except RevisionConflict as conflict:
        messages.error(request, str(conflict) + " " + _("Nothing was changed: check the map and try again."))
    except QuestionnaireLocked as locked:
        messages.error(request, str(locked))
    except AuthoringInvalid as invalid:
        for field_errors in invalid.errors.values():
            for message in field_errors:
                messages.error(request, message)
    else:
        messages.success(request, done)


@coordinator_required
@require_POST
def authoring_section_move(request: HttpRequest, slug: str, version: int, section_id: int) -> HttpResponse:
    questionnaire = _questionnaire(slug, version)
    section = _section(questionnaire, section_id)
    _structure_write(
        request,
        questionnaire,
        lambda: section_move(section=section, revision=_revision(request), direction=_direction(request)),
        _("The section is moved."),
    )
    return redirect(_editor_url(questionnaire, "authoring_section", _language(request), section_id=section.pk))


@coordinator_required
@require_POST
def authoring_section_delete(request: HttpRequest, slug: str, version: int, section_id: int) -> HttpResponse:
    questionnaire = _questionnaire(slug, version)
    section = _section(questionnaire, section_id)
    _structure_write(
        request,
        questionnaire,
        lambda: section_delete(section=section, revision=_revision(request)),
        _("The section is deleted."),
    )
    return redirect(_editor_url(questionnaire, language=_language(request)))


def _question_form(
    request: HttpRequest,
    questionnaire: Questionnaire,
    *,
    question: Question | None,
    section: Section,
    item_of: Question | None = None,
) -> tuple[QuestionForm, dict]:
    """The question form with the earlier choice questions (for its condition) and the choice lists;
    for an item field of the list `item_of`, the item field's form."""
    language = _language(request)
    schema = schema_build(questionnaire)
    sections = questionnaire_map(questionnaire, schema, language)
    if question is not None:
        earlier = questions_before(sections, question_id=question.pk)
        compiled = schema.by_id().get(question.pk)
        # the report's positive and negative answers: a single choice's choices only
        single = compiled is not None and question.type == Question.Type.SINGLE_CHOICE
        positive = [(choice.code, choice.display) for choice in compiled.choices] if single else []
        initial = QuestionForm.initial_for(question, language=language, revision=questionnaire.revision)
    else:
        earlier = questions_before(sections, section_id=section.pk)
        positive = []
        initial = {"revision": questionnaire.revision, "type": Question.Type.SHORT_TEXT}
    data = request.POST if request.method == "POST" else None
    form = QuestionForm(
        data,
        initial=initial,
        language=language,
        earlier=earlier,
        choice_lists=list(ChoiceList.objects.order_by("name")),
        positive_options=positive,
        questionnaire=questionnaire,
        item_of=item_of,
    )
    return form, {"schema": schema, "sections": sections}


def _question_page(
    request, questionnaire, form, read, *, question: Question | None, section: Section, item_of: Question | None = None
) -> HttpResponse:
    choices = None
    if question is not None and question.is_choice and not question.choice_list_id:
        choices = choice_formset(question, language=_language(request))
    item_fields = None
    if question is not None and question.type == Question.Type.LIST_OF_ITEMS:
        # read from the compiled schema the map already built: no query of its own
        language = _language(request)
        compiled = read["schema"].by_id().get(question.pk)
        item_fields = [
            {
                "id": field.id,
                "code": field.code,
                "type": Question.Type(field.type).label,
                "choice_list": field.choice_list,
                "required": field.required,
                "label": field.label_in(language),
                "role": Question.PracticeRole(field.practice_role).label if field.practice_role else "",
            }
            for field in (compiled.items if compiled else ())
        ]
    return _editor(
        request,
        questionnaire,
        "question",
        form=form,
        question=question,
        section=section,
        choices=choices,
        item_fields=item_fields,
        list_question=item_of,
        **read,
    )


@coordinator_required
def authoring_question_add(request: HttpRequest, slug: str, version: int, section_id: int) -> HttpResponse:
    questionnaire = _questionnaire(slug, version)
    section = _section(questionnaire, section_id)
    language = _language(request)
    form, read = _question_form(request, questionnaire, question=None, section=section)
    if request.method == "POST" and "pick_condition" in request.POST:
        form = form.with_condition_picked()
    elif request.method == "POST" and form.is_valid():
        try:
            question = question_add(
                section=section, revision=form.cleaned_data["revision"], language=language, data=form.data_for_service()
            )
        except (AuthoringInvalid, RevisionConflict, QuestionnaireLocked) as error:
            _refused(request, form, error, adding=True)
        else:
            messages.success(request, _("The question is added."))
            return redirect(_editor_url(questionnaire, "authoring_question", language, question_id=question.pk))
    return _question_page(request, questionnaire, form, read, question=None, section=section)


def _question(questionnaire: Questionnaire, question_id: int) -> Question:
    return get_object_or_404(
        Question.objects.select_related("questionnaire", "section", "choice_list", "item_of"),
        pk=question_id,
        questionnaire=questionnaire,
    )


@coordinator_required
def authoring_item_field_add(request: HttpRequest, slug: str, version: int, question_id: int) -> HttpResponse:
    """A new item field at the end of a list of items."""
    questionnaire = _questionnaire(slug, version)
    list_question = _question(questionnaire, question_id)
    if list_question.type != Question.Type.LIST_OF_ITEMS or list_question.item_of_id:
        raise Http404
    language = _language(request)
    form, read = _question_form(
        request, questionnaire, question=None, section=list_question.section, item_of=list_question
    )
    if request.method == "POST" and form.is_valid():
        try:
            item_field = item_field_add(
                list_question=list_question,
                revision=form.cleaned_data["revision"],
                language=language,
                data=form.data_for_service(),
            )
        except (AuthoringInvalid, RevisionConflict, QuestionnaireLocked) as error:
            _refused(request, form, error, adding=True)
        else:
            messages.success(request, _("The item field is added."))
            return redirect(_editor_url(questionnaire, "authoring_question", language, question_id=item_field.pk))
    return _question_page(
        request, questionnaire, form, read, question=None, section=list_question.section, item_of=list_question
    )


def _list_url(questionnaire: Questionnaire, item_field: Question, language: str) -> str:
    """The page of an item field's list, at its item fields."""
    url = _editor_url(questionnaire, "authoring_question", language, question_id=item_field.item_of_id)
    return url + "#item-fields"


@coordinator_required
def authoring_question(request: HttpRequest, slug: str, version: int, question_id: int) -> HttpResponse:
    questionnaire = _questionnaire(slug, version)
    question = _question(questionnaire, question_id)
    language = _language(request)
    form, read = _question_form(
        request, questionnaire, question=question, section=question.section, item_of=question.item_of
    )
    if request.method == "POST" and "pick_condition" in request.POST:
        form = form.with_condition_picked()
    elif request.method == "POST" and form.is_valid():
        try:
            question_update(
                question=question,
                revision=form.cleaned_data["revision"],
                language=language,
                data=form.data_for_service(),
            )
        except (AuthoringInvalid, RevisionConflict, QuestionnaireLocked) as error:
            _refused(request, form, error)
            question = _question(questionnaire, question_id)  # the stored one, not the refused changes
        else:
            messages.success(request, _("Saved."))
            return redirect(_editor_url(questionnaire, "authoring_question", language, question_id=question.pk))
    return _question_page(
        request, questionnaire, form, read, question=question, section=question.section, item_of=question.item_of
    )


@coordinator_required
@require_POST
def authoring_question_move(request: HttpRequest, slug: str, version: int, question_id: int) -> HttpResponse:
    questionnaire = _questionnaire(slug, version)
    question = _question(questionnaire, question_id)
    _structure_write(
        request,
        questionnaire,
        lambda: question_move(question=question, revision=_revision(request), direction=_direction(request)),
        _("The item field is moved.") if question.item_of_id else _("The question is moved."),
    )
    if question.item_of_id:
        return redirect(_list_url(questionnaire, question, _language(request)))
    return redirect(_editor_url(questionnaire, "authoring_question", _language(request), question_id=question.pk))


@coordinator_required
@require_POST
def authoring_question_delete(request: HttpRequest, slug: str, version: int, question_id: int) -> HttpResponse:
    questionnaire = _questionnaire(slug, version)
    question = _question(questionnaire, question_id)
    language = _language(request)
    deleted: list[bool] = []

    def write() -> None:
        question_delete(question=question, revision=_revision(request))
        deleted.append(True)

    _structure_write(
        request,
        questionnaire,
        write,
        _("The item field is deleted.") if question.item_of_id else _("The question is deleted."),
    )
    if deleted and question.item_of_id:
        return redirect(_list_url(questionnaire, question, language))
    if deleted:
        return redirect(_editor_url(questionnaire, "authoring_section", language, section_id=question.section_id))
    return redirect(_editor_url(questionnaire, "authoring_question", language, question_id=question.pk))


@coordinator_required
@require_POST
def authoring_choices(request: HttpRequest, slug: str, version: int, question_id: int) -> HttpResponse:
    """The question's own choices, saved together (codes, labels in the editing language, deletions)."""
    questionnaire = _questionnaire(slug, version)
    question = _question(questionnaire, question_id)
    language = _language(request)
    formset = choice_formset(question, language=language, data=request.POST)
    if not formset.is_valid():
        messages.error(request, _("The choices could not be read: check each row."))
    else:
        _structure_write(
            request,
            questionnaire,
            lambda: choices_save(
                question=question,
                revision=_revision(request),
                language=language,
                rows=[form.row() for form in formset.forms if form.has_changed() or form.cleaned_data.get("id")],
            ),
            _("The choices are saved."),
        )
    return redirect(_editor_url(questionnaire, "authoring_question", language, question_id=question.pk) + "#choices")


@coordinator_required
@require_POST
def authoring_choice_move(
    request: HttpRequest, slug: str, version: int, question_id: int, choice_id: int
) -> HttpResponse:
    questionnaire = _questionnaire(slug, version)
    question = _question(questionnaire, question_id)
    choice = get_object_or_404(Choice.objects.select_related("question"), pk=choice_id, question=question)
    _structure_write(
        request,
        questionnaire,
        lambda: choice_move(choice=choice, revision=_revision(request), direction=_direction(request)),
        _("The choice is moved."),
    )
    language = _language(request)
    return redirect(_editor_url(questionnaire, "authoring_question", language, question_id=question.pk) + "#choices")
