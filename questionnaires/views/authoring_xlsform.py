"""Questionnaires in and out as files, for the coordinator: upload an XLSForm (.xlsx) or a JSON definition
(.json) as a new draft version, download any version as an XLSForm or as JSON (questionnaires/xlsform.py).
Coordinators only (403 for everyone else, the login page for anonymous visitors)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from ..definitions import DefinitionInvalid
from ..models import Questionnaire
from ..xlsform import MAX_UPLOAD_BYTES, export_filename, questionnaire_file_export, questionnaire_file_import
from .coordinator import coordinator_required

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


class QuestionnaireFileForm(forms.Form):
    file = forms.FileField(
        label=_("XLSForm (.xlsx) or JSON definition (.json)"),
        help_text=_(
            "An XLSForm from Excel, KoboToolbox or ODK (sheets survey, choices, settings), or a questionnaire "
            "exported from this page as JSON. It becomes a new draft version; nothing is published."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.json"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("This file is larger than %(mb)d MB: it is not a questionnaire.") % {"mb": MAX_UPLOAD_BYTES >> 20}
            )
        return upload


@coordinator_required
@require_http_methods(["GET", "POST"])
def authoring_import(request: HttpRequest) -> HttpResponse:
    created = None
    problems: list[str] = []
    form = QuestionnaireFileForm()
    if request.method == "POST":
        form = QuestionnaireFileForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                created = questionnaire_file_import(upload.read(), filename=upload.name, user=request.user)
                form = QuestionnaireFileForm()
            except DefinitionInvalid as invalid:
                problems = invalid.problems
    versions = Questionnaire.objects.order_by("slug", "-version").only(
        "slug", "version", "status", "title_en", "title_fr", "title_es", "title_ar"
    )
    context = {"form": form, "created": created, "problems": problems, "versions": versions}
    return render(request, "questionnaires/authoring/xlsform.html", context, status=400 if problems else 200)


@coordinator_required
@require_GET
def authoring_export(request: HttpRequest, slug: str, version: str, fmt: str) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, slug=slug, version=int(version))
    content = questionnaire_file_export(questionnaire, fmt, user=request.user)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(questionnaire, fmt)}"'
    return response
