"""Reads of the API: the same selectors as the dashboards and exports, shaped as flat JSON rows.

Every figure comes from the function the web pages use (`analytics.selectors`, `questionnaires.csv_io`),
so the API and `export_aggregates` cannot disagree. Who may see what is decided by the permission
classes (api.permissions) and, for the figures of a selection, by `figures_withheld` (disclosure control).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import override

from analytics import disclosure
from analytics import selectors as analytics_selectors
from analytics.numbers import percent_1dp
from questionnaires.csv_io import codebook_rows, csv_unsafe, export_questions, wide_rows
from questionnaires.models import Campaign, Response
from questionnaires.schema import questionnaire_schema
from questionnaires.selectors import responses_visible_to
from questionnaires.selectors_campaigns import campaigns_with_counts
from questionnaires.xlsx_io import DATE, DATETIME, NUMBER, column_kinds, excel_number, export_responses_stream

User = AbstractBaseUser | AnonymousUser


def figures_withheld(user: User, campaign: Campaign, *, region: str, iscm_type: str) -> bool:
    """The dashboard's disclosure control (`analytics/disclosure.py`): for observers, no figures from which
    the answers of fewer than `DISCLOSURE_MIN_RESPONDENTS` ISCMs could be derived, alone or by differences
    with the other selections. One query (the response counts per region and type)."""
    groups = analytics_selectors.response_groups(campaign)
    return not disclosure.figures_shown(user, groups, region=region, iscm_type=iscm_type)


def campaigns() -> QuerySet[Campaign]:
    return campaigns_with_counts()


def campaign_row(campaign: Campaign) -> dict[str, Any]:
    """A campaign of `campaigns()` (with its counts) as the API shows it."""
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "status": campaign.status_at(timezone.now()),
        "opens_at": campaign.opens_at,
        "closes_at": campaign.effective_close,
        "invited": campaign.invited_count,
        "responded": campaign.responded_count,
        "questionnaire": campaign.questionnaire.slug,
        "questionnaire_version": campaign.questionnaire.version,
    }


def _percent(part: int, whole: int) -> float | None:
    value = percent_1dp(part, whole)
    return None if value is None else float(value)


def aggregates(campaign: Campaign, *, question: str = "", region: str = "", iscm_type: str = "") -> list[dict]:
    """`export_aggregates`' rows (same selector, same one-decimal percentages), optionally one question."""
    return [
        {
            "question": row["question"],
            "choice": row["code"],
            "label": row["label"],
            "count": row["count"],
            "base": row["base"],
            "pct_of_respondents": _percent(row["count"], row["base"]),
            "selections": row["selections"],
            "pct_of_selections": _percent(row["count"], row["selections"]),
            "rank": row["rank"],
        }
        for row in analytics_selectors.aggregate_rows(campaign, region=region, iscm_type=iscm_type)
        if not question or row["question"] == question
    ]


def response_rates(campaign: Campaign, *, region: str = "", iscm_type: str = "") -> list[dict[str, Any]]:
    """The dashboard's rates by region and by ISCM type, one row per group (`dimension` says which)."""
    rates = analytics_selectors.response_rates(campaign, region=region, iscm_type=iscm_type)
    return [
        {
            "dimension": dimension,
            "group": row["key"],
            "label": str(row["label"]),
            "invited": row["invited"],
            "responded": row["responded"],
            "rate": _percent(row["responded"], row["invited"]),
        }
        for dimension, key in (("region", "by_region"), ("type", "by_type"))
        for row in rates[key]
    ]


def codebook(campaign: Campaign, *, language: str = "en") -> list[dict[str, str]]:
    rows = codebook_rows(questionnaire_schema(campaign.questionnaire), language=language)
    header = next(rows)
    return [dict(zip(header, (csv_unsafe(cell) for cell in row), strict=True)) for row in rows]


def responses_for(user: User, campaign: Campaign) -> QuerySet[Response]:
    """The campaign's responded responses the user may read: all for coordinators, their ISCM's for focal
    points (`responses_visible_to` holds the rule), ordered as the exports."""
    return (
        responses_visible_to(user)
        .filter(campaign=campaign, status__in=Response.RESPONDED)
        .order_by("iscm__acronym", "id")
    )


def response_rows(campaign: Campaign, responses: QuerySet[Response], *, labels: str | None = None) -> list[dict]:
    """Flat rows, one per ISCM: the wide export's columns as keys, numbers as numbers (three queries)."""
    questions = export_questions(campaign.questionnaire)
    kinds = column_kinds(questions)
    with override(labels or "en"):
        rows = wide_rows(questions, export_responses_stream(responses), labels=labels)
        header = next(rows)
        result = []
        for row in rows:
            values: dict[str, Any] = {}
            for column, kind, text in zip(header, kinds, row, strict=True):
                if not text:
                    values[column] = None
                elif kind == NUMBER:
                    values[column] = excel_number(text)
                elif kind in (DATE, DATETIME):
                    values[column] = text  # ISO 8601 (UTC for submitted_at)
                else:
                    values[column] = csv_unsafe(text)
            result.append(values)
    return result
