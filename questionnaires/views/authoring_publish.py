"""The coordinator's last steps of a questionnaire version: translations side by side, a preview as a
focal point in each language, and the publish check and publish.

Coordinators only (403 for everyone else, before any lookup). Texts may be corrected on a published
version too; its structure never changes (`FrozenWhenPublished`). The preview renders the focal
point's form and validates it through the one validation path, and never writes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms import VERSION_FIELD, ResponseForm, items_edited
from ..forms_translations import PublishLanguagesForm, TranslationsForm
from ..models import LANGUAGE_CODES, Questionnaire
from ..publish_check import publish_problems
from ..schema import questionnaire_schema
from ..services_publish import PublishRefused, questionnaire_publish
from ..translations_authoring import TextsConflict, questionnaire_texts, questionnaire_texts_save
from ..validation import answers_validate
from .coordinator import coordinator_required


def _version(slug: str, version: int) -> Questionnaire:
    return get_object_or_404(Questionnaire, slug=slug, version=version)


def _url(name: str, questionnaire: Questionnaire) -> str:
    return reverse(f"questionnaires:{name}", kwargs={"slug": questionnaire.slug, "version": questionnaire.version})


# --- Translations --------------------------------------------------------------------------------


@coordinator_required
@require_http_methods(["GET", "POST"])
def authoring_translations(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    """One part at a time (the questionnaire's own texts, or one section), so the page stays short;
    the counts of missing texts are for the whole version."""
    questionnaire = _version(slug, version)
    texts = questionnaire_texts(questionnaire)
    parts = [{"id": "", "title": _("Title and description"), "rows": texts.own_rows, "missing": None}]
    for section in texts.sections:
        parts.append(
            {
                "id": str(section.section.pk),
                "title": f"{section.number}. {section.section.title}",
                "rows": section.rows,
                "missing": sum(section.missing(language) for language in LANGUAGE_CODES),
            }
        )
    wanted = request.GET.get("section", "")
    part = next((item for item in parts if item["id"] == wanted), parts[0])

    counts = texts.missing_counts()
    conflict = False
    form = TranslationsForm(request.POST if request.method == "POST" else None, rows=part["rows"])
    if request.method == "POST" and form.is_valid():
        try:
            changed = questionnaire_texts_save(rows=part["rows"], values=form.texts(), loaded=form.loaded_texts())
        except TextsConflict as clash:
            conflict = True
            form.conflicts_show(clash.theirs)
        except ValidationError as error:
            for name, messages_of in error.message_dict.items():
                for message in messages_of:
                    form.add_error(name, message)
        else:
            messages.success(
                request,
                _("Texts saved (%(count)d changed).") % {"count": changed} if changed else _("Nothing changed."),
            )
            target = _url("authoring_translations", questionnaire)
            return redirect(f"{target}?section={part['id']}" if part["id"] else target)
    return render(
        request,
        "questionnaires/authoring/translations.html",
        {
            "questionnaire": questionnaire,
            "parts": parts,
            "part": part,
            "form": form,
            "grid": form.grid(),
            "missing": [(code, name, counts[code]) for code, name in settings.LANGUAGES],
            "language_names": settings.LANGUAGES,
            "conflict": conflict,
        },
        status=409 if conflict else 400 if form.errors else 200,
    )


# --- Preview -------------------------------------------------------------------------------------


@coordinator_required
@require_http_methods(["GET", "POST"])
def authoring_preview(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    """The focal point's form in the chosen language (`?lang=fr`). Submitting checks every answer as a
    final submit would (required answers, limits, conditions) and shows the form again: nothing is saved."""
    questionnaire = _version(slug, version)
    language = request.GET.get("lang", "")
    if language not in LANGUAGE_CODES:
        language = translation.get_language()[:2] if translation.get_language() else "en"
    with translation.override(language):
        schema = questionnaire_schema(questionnaire)
        if VERSION_FIELD in schema.questions:  # the form's own field: the publish check names it
            messages.error(request, _("The form cannot be shown yet: see the problems of the publish check."))
            return redirect(_url("authoring_publish", questionnaire))
        checked = None
        if request.method == "POST":
            form = ResponseForm(request.POST, schema=schema)
            edited = items_edited(schema, form.answers(), request.POST.get("action", "")) if form.is_valid() else None
            if edited is not None:  # "Add an item" / "Remove": the same form, one item more or less
                form = ResponseForm(schema=schema, answers=edited, version=form.cleaned_data["version"])
            elif form.is_valid():
                result = answers_validate(
                    questionnaire=questionnaire, answers=form.answers(), final=True, schema=schema
                )
                form.add_answer_errors(result.errors)
                checked = result.is_valid
        else:
            form = ResponseForm(schema=schema)
        return render(
            request,
            "questionnaires/authoring/preview.html",
            {
                "questionnaire": questionnaire,
                "language": language,
                "language_names": settings.LANGUAGES,
                "form": form,
                "sections": form.sections(),
                "conditions": form.conditions(),
                "error_summary": form.error_summary() if form.is_bound else [],
                "non_field_errors": [*form.non_field_errors(), *form["version"].errors] if form.is_bound else [],
                "checked": checked,
            },
        )


# --- Publish -------------------------------------------------------------------------------------


@coordinator_required
@require_http_methods(["GET", "POST"])
def authoring_publish(request: HttpRequest, slug: str, version: int) -> HttpResponse:
    """The check first (every problem, with a link to fix it), then publishing, refused while any remains."""
    questionnaire = _version(slug, version)
    data = request.POST if request.method == "POST" else (request.GET if "check" in request.GET else None)
    languages_form = PublishLanguagesForm(data, initial={"languages": [code for code, _n in settings.LANGUAGES]})
    languages = languages_form.selected()
    if request.method == "POST" and questionnaire.status == Questionnaire.Status.DRAFT:
        try:
            questionnaire_publish(questionnaire=questionnaire, languages=languages)
        except PublishRefused as refused:
            problems = refused.problems
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("Version %(version)d of “%(title)s” is published: campaigns can use it; its structure is frozen.")
                % {"version": questionnaire.version, "title": questionnaire.title},
            )
            return redirect(_url("authoring_publish", questionnaire))
    elif questionnaire.status == Questionnaire.Status.DRAFT:
        problems = publish_problems(questionnaire, languages)
    else:
        problems = []
    return render(
        request,
        "questionnaires/authoring/publish.html",
        {
            "questionnaire": questionnaire,
            "languages_form": languages_form,
            "problems": problems,
            "is_draft": questionnaire.status == Questionnaire.Status.DRAFT,
        },
    )
