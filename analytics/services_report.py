"""Publishing the survey summary report: the coordinator's decision, frozen as published.

A report is generated as a draft that only coordinators see (page, PDF, DOCX). Publishing copies the
draft as it is now, in the coordinator's language, into a `PublishedReport`: the HTML of the report body,
its charts, and copies of the ready PDF and DOCX files of the same figures. Observers see only published
versions (`selectors_report.published_report_current`), so a recompute or a regeneration changes nothing
for them until the coordinator publishes again. Published versions are kept (the history says who
published what and when); none is deleted here.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from questionnaires.models import Campaign

from .models import CampaignStats, PublishedReport, ReportFile
from .report import report_compose, report_data
from .report_files import report_files_current


class ReportNotReady(Exception):
    """The draft cannot be published yet; the message says why, for the coordinator."""


@transaction.atomic
def report_publish_version(*, campaign: Campaign, language: str, user) -> PublishedReport:
    """Publish the current draft in `language`: needs stored, fresh figures and the ready PDF and DOCX
    of exactly those figures (generated from the draft page). Raises ReportNotReady otherwise."""
    # the campaign's stats row serialises concurrent publications (and the version numbers)
    stats = CampaignStats.objects.select_for_update().filter(campaign=campaign).first()
    if stats is None or stats.computed_at is None or stats.is_stale:
        raise ReportNotReady(_("The figures are being updated: publish once they are up to date."))
    files = report_files_current(campaign, language=language)
    ready = {
        fmt: report_file
        for fmt, report_file in files.items()
        if report_file.status == ReportFile.Status.READY and report_file.file
    }
    if set(ready) != {ReportFile.Format.PDF, ReportFile.Format.DOCX}:
        raise ReportNotReady(_("Generate the PDF and Word files of these figures first: both are published."))
    with translation.override(language):
        data = report_data(campaign)
        if data["freshness"]["computed_at"] != stats.computed_at:
            raise ReportNotReady(_("The figures changed meanwhile: reload the page and publish again."))
        report = report_compose(data)
        html = render_to_string("analytics/report_body.html", {"report": report, "campaign": campaign})
    version = (campaign.published_reports.aggregate(last=Max("version"))["last"] or 0) + 1
    published = PublishedReport(
        campaign=campaign,
        version=version,
        language=language,
        html=html,
        figures=report["figures"],
        figures_as_of=stats.computed_at,
        published_by=user,
    )
    for fmt, field in ((ReportFile.Format.PDF, published.pdf), (ReportFile.Format.DOCX, published.docx)):
        with ready[fmt].file.open("rb") as handle:
            content = handle.read()
        field.save(f"{campaign.slug}-report-{language}-v{version}.{fmt}", ContentFile(content), save=False)
    published.save()
    return published
