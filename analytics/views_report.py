"""The survey summary report: the page, its PDF / Word downloads and their generation status.

Who: coordinators and observers (`can_view_dashboards`: "may view dashboards and reports"); focal points
and anyone else 403; anonymous visitors are sent to the login page. See docs/report.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from questionnaires.models import Campaign
from questionnaires.selectors import can_view_dashboards, is_coordinator

from .models import ReportFile
from .report import report_compose, report_data
from .report_comparison import earlier_campaigns
from .report_tasks import (
    CONTENT_TYPES,
    report_file_state,
    report_filename,
    report_files_current,
    report_language,
    report_request,
)

FORMATS = [ReportFile.Format.PDF, ReportFile.Format.DOCX]


def _report_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required, then `can_view_dashboards` or 403, then the campaign or 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        if not can_view_dashboards(request.user):
            raise PermissionDenied
        campaign = get_object_or_404(Campaign.objects.select_related("questionnaire"), slug=slug)
        return view(request, campaign, *args, **kwargs)

    return wrapper


def _format(fmt: str) -> str:
    if fmt not in ReportFile.Format.values:
        raise Http404(_("No such format."))
    return fmt


def _downloads(campaign: Campaign, language: str) -> list[dict[str, Any]]:
    files = report_files_current(campaign, language=language)
    return [
        {
            "format": fmt,
            "label": ReportFile.Format(fmt).label,
            **report_file_state(campaign, fmt, files.get(fmt)),
        }
        for fmt in FORMATS
    ]


@require_GET
@_report_view
def report(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    composed = report_compose(report_data(campaign))
    return render(
        request,
        "analytics/report.html",
        {
            "campaign": campaign,
            "report": composed,
            "downloads": _downloads(campaign, report_language()),
            "can_manage": is_coordinator(request.user),
            "earlier_campaigns": earlier_campaigns(campaign) if is_coordinator(request.user) else [],
        },
    )


@require_POST
@_report_view
def report_generate(request: HttpRequest, campaign: Campaign, fmt: str) -> HttpResponse:
    """Start (or join) the generation of a download; in the embedded set-up the task runs at once."""
    fmt = _format(fmt)
    report_file, started = report_request(
        campaign=campaign, fmt=fmt, language=report_language(), user=request.user
    )
    report_file.refresh_from_db()
    label = ReportFile.Format(fmt).label
    if report_file.status == ReportFile.Status.READY:
        messages.success(request, _("The %(format)s file is ready to download.") % {"format": label})
    elif report_file.status == ReportFile.Status.FAILED:
        messages.error(request, report_file_state(campaign, fmt, report_file)["message"])
    elif started:
        messages.info(
            request,
            _("The %(format)s file is being generated. This page shows its progress; it takes a few seconds.")
            % {"format": label},
        )
    else:
        messages.info(request, _("The %(format)s file is already being generated.") % {"format": label})
    return redirect(reverse("analytics:report", kwargs={"slug": campaign.slug}) + "#report-downloads")


@require_GET
@_report_view
def report_download(request: HttpRequest, campaign: Campaign, fmt: str) -> HttpResponse:
    """The ready file of the current figures in the viewer's language; otherwise back to the page."""
    fmt = _format(fmt)
    report_file = report_files_current(campaign, language=report_language()).get(fmt)
    if report_file is None or report_file.status != ReportFile.Status.READY or not report_file.file:
        messages.info(request, _("That file is not ready: generate it first."))
        return redirect(reverse("analytics:report", kwargs={"slug": campaign.slug}) + "#report-downloads")
    try:
        handle = report_file.file.open("rb")
    except FileNotFoundError:
        messages.error(request, _("That file is no longer available: generate it again."))
        return redirect(reverse("analytics:report", kwargs={"slug": campaign.slug}) + "#report-downloads")
    response = FileResponse(
        handle, as_attachment=True, filename=report_filename(report_file), content_type=CONTENT_TYPES[fmt]
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@_report_view
def report_status(request: HttpRequest, campaign: Campaign) -> JsonResponse:
    """JSON for the progress indicator: {"formats": {"pdf": {status, progress, message, download_url}, …}}."""
    downloads = _downloads(campaign, report_language())
    response = JsonResponse(
        {
            "formats": {
                item["format"]: {
                    key: item[key] for key in ("status", "progress", "message", "download_url", "can_regenerate")
                }
                for item in downloads
            }
        }
    )
    response["Cache-Control"] = "no-store"
    return response
