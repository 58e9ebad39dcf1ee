"""Reads of the published report versions (see services_report.py)."""

from __future__ import annotations

from questionnaires.models import Campaign

from .models import PublishedReport


def published_reports(campaign: Campaign) -> list[PublishedReport]:
    """Every published version of the campaign's report, newest first, with who published it. One query."""
    return list(PublishedReport.objects.filter(campaign=campaign).select_related("published_by").order_by("-version"))


def published_report_current(versions: list[PublishedReport], *, language: str) -> PublishedReport | None:
    """What a reader sees: the newest version in their language, else the newest in any language."""
    for version in versions:
        if version.language == language:
            return version
    return versions[0] if versions else None
