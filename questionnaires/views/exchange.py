"""Data exchange pages: CSV exports (responses wide or long, codebook), the Excel workbook, and the import
(CSV or the workbook's responses sheet).

Coordinators and admins only (`can_exchange_data`): anonymous visitors go to the login page, everyone
else gets 403 before any lookup. The files are written and read by `questionnaires.csv_io` and
`questionnaires.xlsx_io`.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from ..csv_io import (
    MAX_IMPORT_BYTES,
    campaign_export_response,
    codebook_export_response,
    response_status_counts,
    responses_import_csv,
)
from ..models import Campaign, Response
from ..selectors import can_exchange_data
from ..xlsx_io import campaign_workbook_response

LABEL_CHOICES = [
    ("", _("Choice codes (e.g. 1 8 10), best for analysis")),
    ("en", _("Choice labels in English")),
    ("fr", _("Choice labels in French")),
    ("es", _("Choice labels in Spanish")),
    ("ar", _("Choice labels in Arabic")),
]


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Layout"),
        choices=[
            ("wide", _("Wide: one row per ISCM, one column per question")),
            ("long", _("Long: one row per answer (iscm, status, question, choice, value)")),
            ("items", _("Items: one row per item of a list question (iscm, status, list, item, item fields)")),
        ],
        initial="wide",
        required=False,
        widget=forms.RadioSelect,
    )
    status = forms.MultipleChoiceField(
        label=_("Responses with the status"),
        choices=Response.Status.choices,
        initial=list(Response.RESPONDED),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Drafts are left out unless you tick them. Nothing ticked: submitted, returned and validated."),
    )
    labels = forms.ChoiceField(label=_("Choices as"), choices=LABEL_CHOICES, required=False)
    bom = forms.BooleanField(
        label=_("For Excel: start the file with a byte-order mark (BOM)"),
        required=False,
        help_text=_("Excel then opens accented letters and Arabic correctly; R, Stata and Python need no BOM."),
    )


class CodebookForm(forms.Form):
    labels = forms.ChoiceField(choices=[(code, code) for code in ("en", "fr", "es", "ar")], required=False)
    bom = forms.BooleanField(required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file or Excel workbook"),
        help_text=_(
            "A UTF-8 CSV file with the columns of the wide export (iscm, status, submitted_at and the question "
            "codes), or the Excel workbook exported from this site (its “responses” sheet is read)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB: split it into several files.")
                % {"size": MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        return upload


def exchange_required(view):
    """Login first; then coordinators and admins only (403 for focal points and observers)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not can_exchange_data(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("questionnaire"), slug=slug)


def _export_page(request: HttpRequest, campaign: Campaign, form: ExportForm, status: int = 200) -> HttpResponse:
    status_counts = response_status_counts(campaign=campaign)
    context = {
        "campaign": campaign,
        "form": form,
        "status_counts": status_counts,
        "has_responses": any(count for _value, _label, count in status_counts),
        "codebook_languages": [(code, name) for code, name in settings.LANGUAGES],
    }
    return render(request, "questionnaires/exchange/export.html", context, status=status)


@exchange_required
@require_GET
def export(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    return _export_page(request, campaign, ExportForm())


@exchange_required
@require_GET
def export_responses(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _export_page(request, campaign, form, status=400)
    options = form.cleaned_data
    return campaign_export_response(
        campaign=campaign,
        user=request.user,
        statuses=options["status"] or None,
        export_format=options["format"] or "wide",
        labels=options["labels"] or None,
        bom=options["bom"],
    )


@exchange_required
@require_GET
def export_workbook(request: HttpRequest, slug: str) -> HttpResponse:
    """The Excel workbook: the status and label choices of the export form (layout and BOM do not apply)."""
    campaign = _campaign(slug)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _export_page(request, campaign, form, status=400)
    return campaign_workbook_response(
        campaign=campaign,
        user=request.user,
        statuses=form.cleaned_data["status"] or None,
        labels=form.cleaned_data["labels"] or None,
    )


@exchange_required
@require_GET
def export_codebook(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    form = CodebookForm(request.GET)
    if not form.is_valid():
        return _export_page(request, campaign, ExportForm(), status=400)
    return codebook_export_response(
        campaign=campaign,
        user=request.user,
        language=form.cleaned_data["labels"] or "en",
        bom=form.cleaned_data["bom"],
    )


@exchange_required
@require_http_methods(["GET", "POST"])
def import_responses(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = responses_import_csv(campaign=campaign, data=upload.read(), user=request.user)
            if report.ok:
                form = ImportForm()
    else:
        form = ImportForm()
    context = {"campaign": campaign, "form": form, "report": report}
    return render(request, "questionnaires/exchange/import.html", context)
