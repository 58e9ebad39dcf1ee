"""The survey summary report: the coordinator's draft (page, PDF / Word generation, status, downloads),
its publication, and the published versions that observers read.

Who: the draft, its generation, status, downloads and publishing: coordinators (`is_coordinator`); an
observer who opens the draft's URL is sent to the published version. Published versions: everyone who
may view dashboards and reports (`can_view_dashboards`). Focal points and anyone else 403; anonymous
visitors are sent to the login page. See docs/report.md.
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
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from questionnaires.models import Campaign
from questionnaires.selectors import can_view_dashboards, is_coordinator

from .models import ReportFile
from .report import report_compose, report_data
from .report_comparison import earlier_campaigns
from .report_files import (
    CONTENT_TYPES,
    report_file_state,
    report_filename,
    report_files_current,
    report_language,
    report_request,
)
from .selectors_report import published_report_current, published_reports
from .services import report_annex_set
from .services_report import ReportNotReady, report_publish_version

FORMATS = [ReportFile.Format.PDF, ReportFile.Format.DOCX]


def _campaign_view(allowed: Callable[[Any], bool]):
    """Login required, then `allowed(user)` or 403, then the campaign or 404."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied
            campaign = get_object_or_404(Campaign.objects.select_related("questionnaire"), slug=slug)
            return view(request, campaign, *args, **kwargs)

        return wrapper

    return decorator


_report_view = _campaign_view(is_coordinator)  # the draft and everything that makes or publishes it
_published_view = _campaign_view(can_view_dashboards)


def _report_url(campaign: Campaign, anchor: str = "#report-downloads") -> str:
    return reverse("analytics:report", kwargs={"slug": campaign.slug}) + anchor


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
@_published_view
def report(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """The coordinator's draft; readers who may not see drafts are sent to the published version."""
    if not is_coordinator(request.user):
        return redirect("analytics:report_published", slug=campaign.slug)
    composed = report_compose(report_data(campaign))
    downloads = _downloads(campaign, report_language())
    versions = published_reports(campaign)
    return render(
        request,
        "analytics/report.html",
        {
            "campaign": campaign,
            "report": composed,
            "downloads": downloads,
            "can_manage": True,
            "earlier_campaigns": earlier_campaigns(campaign),
            "annex_groupings": Campaign.ReportAnnex.choices,
            "published": versions[0] if versions else None,
            "can_publish": all(item["status"] == ReportFile.Status.READY for item in downloads)
            and not composed["is_stale"],
        },
    )


@require_POST
@_report_view
def report_publish(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """Publish the draft as it is now (page, PDF, DOCX), in the coordinator's language."""
    try:
        published = report_publish_version(campaign=campaign, language=report_language(), user=request.user)
    except ReportNotReady as problem:
        messages.error(request, str(problem))
        return redirect(_report_url(campaign, "#report-publish"))
    messages.success(
        request,
        _("Version %(version)s of the report is published: observers now see it.") % {"version": published.version},
    )
    return redirect("analytics:report_published", slug=campaign.slug)


@require_POST
@_report_view
def report_annex(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """The coordinator chooses how the annex groups the campaign's practices (by ISCM or by GCM objective)."""
    grouping = request.POST.get("grouping", "")
    if grouping not in Campaign.ReportAnnex.values:
        messages.error(request, _("Choose how to group the practices."))
    else:
        report_annex_set(campaign=campaign, grouping=grouping)
        messages.success(
            request,
            _("The annex now groups the published practices by GCM objective.")
            if grouping == Campaign.ReportAnnex.BY_OBJECTIVE
            else _("The annex now groups the published practices by ISCM."),
        )
    return redirect(_report_url(campaign, "#report-annex-form"))


@require_GET
@_published_view
def report_published(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """The published version in the reader's language (else the newest), exactly as published."""
    versions = published_reports(campaign)
    current = published_report_current(versions, language=report_language())
    response = render(
        request,
        "analytics/report_published.html",
        {
            "campaign": campaign,
            "current": current,
            # our own template's output, auto-escaped when it was rendered at publication
            "body": mark_safe(current.html) if current else "",
            "figures": current.figures if current else {},
            "versions": versions,
            "can_manage": is_coordinator(request.user),
        },
    )
    return response


@require_GET
@_published_view
def report_published_download(request: HttpRequest, campaign: Campaign, fmt: str) -> HttpResponse:
    """The PDF or DOCX of the version `report_published` shows."""
    fmt = _format(fmt)
    current = published_report_current(published_reports(campaign), language=report_language())
    if current is None:
        raise Http404(_("No version of this report has been published."))
    field = current.pdf if fmt == ReportFile.Format.PDF else current.docx
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404(_("That file is no longer available.")) from error
    filename = f"{campaign.slug}-report-{current.language}-v{current.version}.{fmt}"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@_report_view
def report_generate(request: HttpRequest, campaign: Campaign, fmt: str) -> HttpResponse:
    """Start (or join) the generation of a download; in the embedded set-up the task runs at once."""
    fmt = _format(fmt)
    report_file, started = report_request(campaign=campaign, fmt=fmt, language=report_language(), user=request.user)
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
    return redirect(_report_url(campaign))


@require_GET
@_report_view
def report_download(request: HttpRequest, campaign: Campaign, fmt: str) -> HttpResponse:
    """The ready file of the current figures in the viewer's language; otherwise back to the page."""
    fmt = _format(fmt)
    report_file = report_files_current(campaign, language=report_language()).get(fmt)
    if report_file is None or report_file.status != ReportFile.Status.READY or not report_file.file:
        messages.info(request, _("That file is not ready: generate it first."))
        return redirect(_report_url(campaign))
    try:
        handle = report_file.file.open("rb")
    except FileNotFoundError:
        messages.error(request, _("That file is no longer available: generate it again."))
        return redirect(_report_url(campaign))
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
