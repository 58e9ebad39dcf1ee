"""Comparing campaigns: thin views over `comparison` (reads) and `comparison_charts` (figures).

Who sees what (see docs/analytics.md):
- the comparison and its CSVs: coordinators and observers (`can_view_dashboards`); observers under the
  same disclosure control as their dashboards (`disclosure.figures_shown` for every compared campaign:
  where one side's selection is withheld, the figures per question are), and without the names of the
  ISCMs that responded;
- the "same ISCMs" view and what each ISCM added and dropped: coordinators only
  (`can_view_all_responses`), because they follow individual ISCMs' answers;
- the campaign a report compares with: coordinators (`is_coordinator`), who compose the report.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from questionnaires.models import Campaign, Iscm
from questionnaires.selectors import can_view_all_responses, can_view_dashboards, is_coordinator

from . import comparison, comparison_charts, disclosure, report_comparison
from .services import report_comparison_set
from .views import _csv_response

RATE_TABLES = {"rates-region": "by_region", "rates-type": "by_type"}


def _allowed(check: Callable[[Any], bool]):
    """Login required (anonymous → login page), then `check(user)` or 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _request_slugs(request: HttpRequest) -> list[str]:
    return [request.GET.get(key, "").strip()[:80] for key in comparison.CAMPAIGN_KEYS]


def _request_filters(request: HttpRequest) -> dict[str, str]:
    """Region and ISCM type as on the dashboard; an unknown ISCM type is ignored."""
    iscm_type = request.GET.get("iscm_type", "")
    return {
        "region": request.GET.get("region", "").strip()[:100],
        "iscm_type": iscm_type if iscm_type in Iscm.Type.values else "",
    }


def _query(slugs: list[str], filters: dict[str, str]) -> str:
    pairs = {key: slug for key, slug in zip(comparison.CAMPAIGN_KEYS, slugs, strict=True) if slug}
    return urlencode({**pairs, **{key: value for key, value in filters.items() if value}})


def _withheld(user, filters: dict[str, str], groups: list[list[dict[str, Any]]]) -> bool:
    """The dashboards' disclosure control, applied to every side: the one call of it for comparisons."""
    return not all(disclosure.figures_shown(user, side_groups, **filters) for side_groups in groups)


def _comparison(request: HttpRequest, *, same_iscms: bool) -> dict[str, Any]:
    """The page's context: the picker, and the comparison when the campaigns asked for are valid."""
    slugs = _request_slugs(request)
    filters = _request_filters(request)
    context: dict[str, Any] = {
        "slugs": dict(zip(comparison.CAMPAIGN_KEYS, slugs, strict=True)),
        "filters": filters,
        "query": _query(slugs, filters),
        "campaign_choices": comparison.campaign_choices(),
        "iscm_types": Iscm.Type.choices,
        "same_iscms": same_iscms,
        "can_follow_iscms": can_view_all_responses(request.user),
        "min_subset": disclosure.minimum_respondents(),
        "data": None,
        "error": "",
    }
    if not any(slugs):
        return context
    try:
        campaigns = comparison.campaigns_of_slugs(slugs)
    except comparison.ComparisonError as error:
        context["error"] = str(error)
        return context
    data = comparison.campaign_comparison(campaigns, **filters, same_iscms=same_iscms)
    withheld = _withheld(request.user, filters, data["groups"])
    if withheld:
        data = {**data, "questions": []}
    for question in data["questions"]:
        question["movers_sentence"] = comparison.movers_sentence(question)
    context.update(
        {
            "campaigns": campaigns,
            "data": data,
            "withheld": withheld,
            "figures": comparison_charts.comparison_figures(data),
            "synthetic": any(c["synthetic"] for c in data["campaigns"]),
        }
    )
    return context


@require_GET
@_allowed(can_view_dashboards)
def compare(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/compare.html", _comparison(request, same_iscms=False))


@require_GET
@_allowed(can_view_all_responses)
def compare_same_iscms(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/compare.html", _comparison(request, same_iscms=True))


def _campaigns_or_404(request: HttpRequest) -> list[Campaign]:
    try:
        return comparison.campaigns_of_slugs(_request_slugs(request))
    except comparison.ComparisonError as error:
        raise Http404(str(error)) from error


@require_GET
@_allowed(can_view_all_responses)
def compare_changes(request: HttpRequest, question: str) -> HttpResponse:
    """Per ISCM that responded to every campaign: what it kept, added and dropped for one question."""
    campaigns = _campaigns_or_404(request)
    filters = _request_filters(request)
    shared = [iscm["id"] for iscm in comparison.respondents(campaigns, **filters) if iscm["in_all"]]
    changes = comparison.iscm_changes(campaigns, question, shared)
    if changes is None:
        raise Http404(_("No such choice question in these campaigns."))
    choice = request.GET.get("choice", "")
    if choice:
        changes["iscms"] = [
            iscm
            for iscm in changes["iscms"]
            if any(c["code"] == choice for c in iscm["added"] + iscm["dropped"] + iscm["kept"])
        ]
    return render(
        request,
        "analytics/compare_changes.html",
        {
            "campaigns": campaigns,
            "changes": changes,
            "choice": choice,
            "query": _query(_request_slugs(request), filters),
        },
    )


@require_GET
@_allowed(can_view_dashboards)
def compare_csv(request: HttpRequest, table: str) -> HttpResponse:
    """The CSV of one table of the comparison page, with the page's campaigns, filters and view."""
    same_iscms = request.GET.get("view") == "same-iscms"
    if (same_iscms or table == "iscms") and not can_view_all_responses(request.user):
        raise PermissionDenied
    campaigns = _campaigns_or_404(request)
    filters = _request_filters(request)
    data = comparison.campaign_comparison(campaigns, **filters, same_iscms=same_iscms)
    sides = len(campaigns)
    if table in RATE_TABLES:
        rows = comparison.rate_csv_rows(data["rates"][RATE_TABLES[table]], sides)
    elif table == "rates":
        rows = comparison.overall_rate_csv_rows(data["rates"]["overall"], data["campaigns"])
    elif table == "iscms":
        rows = comparison.iscm_csv_rows(data["iscms"], sides)
    else:
        if _withheld(request.user, filters, data["groups"]):
            raise PermissionDenied
        questions = data["questions"] if table == "questions" else [q for q in data["questions"] if q["code"] == table]
        if not questions:
            raise Http404(_("No such table."))
        rows = comparison.comparison_csv_rows(questions, sides)
    names = "-vs-".join(campaign.slug for campaign in campaigns)
    return _csv_response(rows, f"{names}-{table}.csv")


@require_POST
@login_required
def report_compared_with(request: HttpRequest, slug: str) -> HttpResponse:
    """The coordinator picks the earlier campaign the report compares with (empty: none)."""
    if not is_coordinator(request.user):
        raise PermissionDenied
    campaign = get_object_or_404(Campaign, slug=slug)
    choice = request.POST.get("earlier", "")
    earlier = None
    if choice:
        earlier = next((c for c in report_comparison.earlier_campaigns(campaign) if c.slug == choice), None)
        if earlier is None:
            messages.error(request, _("Choose a campaign that opened before this one."))
            return redirect("analytics:report", slug=campaign.slug)
    report_comparison_set(campaign=campaign, earlier=earlier)
    if earlier is None:
        messages.success(request, _("The report no longer compares with another campaign."))
    else:
        messages.success(request, _("The report now compares with %(title)s.") % {"title": earlier.title})
    return redirect(reverse("analytics:report", kwargs={"slug": campaign.slug}) + "#report-comparison-form")
