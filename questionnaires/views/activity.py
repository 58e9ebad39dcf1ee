"""The activity page for coordinators and admins: who exported, imported, invited, reminded, reviewed,
corrected, changed a role, logged in or was locked out. Filterable by campaign, ISCM, person, kind and
date; paginated; downloadable as CSV (the download is itself recorded)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..csv_io import csv_bytes
from ..forms_coordinator import ActivityFilterForm
from ..selectors_activity import ActivityFilters, activity_csv_rows, activity_events
from ..services_activity import activity_export_record
from .coordinator import coordinator_required

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> tuple[ActivityFilterForm, ActivityFilters]:
    form = ActivityFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, ActivityFilters(**form.cleaned_data)
    return form, ActivityFilters()


@coordinator_required
@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = Paginator(activity_events(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "questionnaires/coordinator/activity.html",
        {"form": form, "page": page, "query": query.urlencode(), "filtered": bool(query)},
        status=400 if form.is_bound and form.errors else 200,
    )


@coordinator_required
@require_GET
def activity_export(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    events = activity_events(filters)
    parts = ["activity"]
    if filters.campaign:
        parts.append(filters.campaign.slug)
    if filters.iscm:
        parts.append(filters.iscm.acronym.lower())
    if filters.kind:
        parts.append(filters.kind)
    parts.append(timezone.now().strftime("%Y%m%d"))
    activity_export_record(user=request.user, query=request.GET.urlencode())
    response = StreamingHttpResponse(csv_bytes(activity_csv_rows(events)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{"-".join(parts)}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
