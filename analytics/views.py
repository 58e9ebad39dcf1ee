"""Dashboard pages: thin views over `selectors` (reads), `charts` (figures) and one service (recompute).

Who sees what (see docs/analytics.md and docs/security.md):
- dashboard, chart data and aggregates CSV: coordinators and observers (`can_view_dashboards`); for
  observers, the figures of a selection only where `disclosure.figures_shown` allows them;
- drill-down (which ISCMs selected a choice) and the free-text browser: coordinators only
  (`can_view_all_responses`), because both show individual ISCMs' answers, and observers may view
  dashboards and reports but no raw responses;
- "Recompute now": coordinators (`is_coordinator`).
Anonymous visitors are sent to the login page; anyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from questionnaires.csv_io import csv_download_response
from questionnaires.models import Campaign, Iscm
from questionnaires.selectors import can_view_all_responses, can_view_dashboards, is_coordinator

from . import charts, disclosure, exports, selectors
from .services import aggregates_recompute

FIXED_CHARTS = ("response-rate-region", "response-rate-type", "submissions")
# Participation (who responded, per region and type) is shown to everyone who sees the dashboard; the
# other charts are sums of answers, subject to disclosure control.
PARTICIPATION_CHARTS = ("response-rate-region", "response-rate-type")


def _campaign_view(allowed: Callable[[Any], bool]):
    """Login required (anonymous → login page), then `allowed(user)` or 403, then the campaign or 404."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args, **kwargs):
            if not allowed(request.user):
                raise PermissionDenied
            campaign = get_object_or_404(Campaign.objects.select_related("questionnaire"), slug=slug)
            return view(request, campaign, *args, **kwargs)

        return wrapper

    return decorator


class FilterForm(forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    iscm_type = forms.ChoiceField(label=gettext_lazy("ISCM type"), required=False)

    def __init__(self, *args, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions")), *((region, _(region)) for region in regions)]
        self.fields["iscm_type"].choices = [("", _("All types")), *Iscm.Type.choices]


def _filters(
    request: HttpRequest, campaign: Campaign, groups: list[dict[str, Any]] | None = None
) -> tuple[FilterForm, dict[str, str]]:
    """The GET filter form; unknown values are ignored (the page shows every ISCM). With the campaign's
    `response_groups` at hand, the regions come from them instead of a query of their own."""
    regions = selectors.regions_of_groups(groups) if groups is not None else selectors.campaign_regions(campaign)
    form = FilterForm(request.GET or None, regions=regions)
    if form.is_bound and form.is_valid():
        return form, {"region": form.cleaned_data["region"], "iscm_type": form.cleaned_data["iscm_type"]}
    return form, {"region": "", "iscm_type": ""}


def _filter_query(filters: dict[str, str]) -> str:
    return urlencode({key: value for key, value in filters.items() if value})


def _nobody_responded(campaign: Campaign, filters: dict[str, str], responded: int) -> str:
    """On a filtered view without respondents, say so about the filter, not "No answers yet"."""
    if responded or not (filters["region"] or filters["iscm_type"]):
        return ""
    closed = campaign.status == Campaign.Status.CLOSED
    if filters["region"]:
        return _("No ISCM of this region responded.") if closed else _("No ISCM of this region has responded yet.")
    return _("No ISCM of this type responded.") if closed else _("No ISCM of this type has responded yet.")


def _answers_withheld(user, filters: dict[str, str], groups: list[dict[str, Any]]) -> bool:
    return not disclosure.figures_shown(user, groups, **filters)


def _withhold(data: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's data without the figures that are sums of answers (participation stays)."""
    return {
        **data,
        "questions": [],
        "over_time": [],
        "text_questions": [{**question, "answers": None} for question in data["text_questions"]],
    }


@require_GET
@_campaign_view(can_view_dashboards)
def dashboard(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    groups = selectors.response_groups(campaign)
    form, filters = _filters(request, campaign, groups)
    data = selectors.dashboard_data(campaign, **filters, groups=groups)
    nobody = _nobody_responded(campaign, filters, data["kpis"]["responded"])
    withheld = not nobody and _answers_withheld(request.user, filters, groups)
    if withheld:
        data = _withhold(data)
    figures = charts.dashboard_figures(data, empty_text=nobody)
    if withheld:
        figures = {key: figure for key, figure in figures.items() if key in PARTICIPATION_CHARTS}
    sections: list[dict[str, Any]] = []
    for question in data["questions"]:
        if not sections or sections[-1]["title"] != question["section"]:
            sections.append({"title": question["section"], "questions": []})
        of_selections = question["hints"]["of_selections"]
        sections[-1]["questions"].append(
            {
                **question,
                "chart_title": charts.chart_title(question),
                "has_chart": charts.has_chart(question),
                "of_selections": of_selections,
                "chart_finding": charts.question_finding(question, of_selections=of_selections),
            }
        )
    return render(
        request,
        "analytics/dashboard.html",
        {
            "campaign": campaign,
            "data": data,
            "sections": sections,
            "figures": figures,
            "chart_findings": {
                "region": charts.response_rate_finding(data["by_region"]),
                "type": charts.response_rate_finding(data["by_type"]),
                "submissions": charts.submissions_finding(data["over_time"]),
            },
            "form": form,
            "filter_query": _filter_query(filters),
            "can_drilldown": can_view_all_responses(request.user),
            "can_recompute": is_coordinator(request.user),
            "withheld": withheld,
            "nobody_responded": nobody,
            "min_subset": disclosure.minimum_respondents(),
        },
    )


@require_POST
@_campaign_view(is_coordinator)
def recompute(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    # Synchronous on purpose: a few queries, and the coordinator comes back to fresh figures
    # whether or not the broker and a worker are up (the button shows when they lagged behind).
    aggregates_recompute(campaign_id=campaign.pk, force=True)
    messages.success(request, _("The figures have been recomputed."))
    return redirect("analytics:dashboard", slug=campaign.slug)


@require_GET
@_campaign_view(can_view_all_responses)
def drilldown(request: HttpRequest, campaign: Campaign, question: str, choice: str) -> HttpResponse:
    _form, filters = _filters(request, campaign)
    data = selectors.choice_drilldown(campaign, question, choice, **filters)
    if data is None:
        raise Http404(_("No such question or choice in this campaign."))
    return render(
        request,
        "analytics/drilldown.html",
        {"campaign": campaign, "drilldown": data, "filters": filters, "filter_query": _filter_query(filters)},
    )


@require_GET
@_campaign_view(can_view_all_responses)
def texts(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    form, filters = _filters(request, campaign)
    search = request.GET.get("q", "").strip()[:200]
    questions = selectors.text_answers(campaign, search=search, **filters)
    return render(
        request,
        "analytics/texts.html",
        {
            "campaign": campaign,
            "questions": questions,
            "search": search,
            "form": form,
            "filter_query": _filter_query(filters),
            "total": sum(len(q["answers"]) for q in questions),
        },
    )


def _download_name(campaign: Campaign, what: str, filters: dict[str, str]) -> str:
    """Say what the file holds: "<campaign>-aggregates-fr-region-africa-type-rcp.csv"."""
    parts = [campaign.slug, what, (get_language() or "en")[:2]]
    for key, prefix in (("region", "region"), ("iscm_type", "type")):
        if filters.get(key):
            parts += [prefix, slugify(filters[key])]
    return "-".join(parts) + ".csv"


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    return csv_download_response(exports.csv_lines(rows), filename)


@require_GET
@_campaign_view(can_view_dashboards)
def chart_data(request: HttpRequest, campaign: Campaign, chart: str) -> HttpResponse:
    """The CSV behind one chart (with the page's filters): rates, submissions or a question's aggregates."""
    groups = selectors.response_groups(campaign)
    _form, filters = _filters(request, campaign, groups)
    if chart in PARTICIPATION_CHARTS:
        rates = selectors.response_rates(campaign, **filters, groups=groups)
        rows = exports.rate_csv_rows(rates["by_region" if chart == "response-rate-region" else "by_type"])
    elif _answers_withheld(request.user, filters, groups):
        raise PermissionDenied
    elif chart == "submissions":
        rows = exports.submission_csv_rows(selectors.submissions_over_time(campaign, **filters))
    else:
        question = selectors.choice_question(campaign, chart, **filters)
        if question is None:
            raise Http404(_("No such chart."))
        rows = exports.aggregate_csv_rows(exports.question_rows(question))
    return _csv_response(rows, _download_name(campaign, chart, filters))


@require_GET
@_campaign_view(can_view_dashboards)
def aggregates_csv(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """All aggregates, as `manage.py export_aggregates` writes them (with the page's filters, if any)."""
    groups = selectors.response_groups(campaign)
    _form, filters = _filters(request, campaign, groups)
    if _answers_withheld(request.user, filters, groups):
        raise PermissionDenied
    rows = exports.aggregate_csv_rows(selectors.aggregate_rows(campaign, **filters))
    return _csv_response(rows, _download_name(campaign, "aggregates", filters))
