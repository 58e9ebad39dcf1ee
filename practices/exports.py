"""The filtered list of practices as CSV or Excel, one row per practice (same columns in both).

Texts go through the project's formula-injection guards: `csv_safe` in the CSV, text cells with a
quote prefix in the workbook (questionnaires.xlsx_io)."""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import tempfile
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from questionnaires.csv_io import BOM, csv_download_response, csv_safe
from questionnaires.models import ActivityEvent, Campaign, Response
from questionnaires.services_activity import activity_record
from questionnaires.xlsx_io import (
    SPOOL_BYTES,
    XLSX_CONTENT_TYPE,
    PracticesSheet,
    _Cells,
    _finish_sheet,
    _setup_sheet,
)

from .models import Practice
from .selectors import PracticeFilters

security_logger = logging.getLogger("iscm.security")

COLUMNS = [
    "id",
    "campaign",
    "iscm",
    "iscm_name",
    "region",
    "iscm_type",
    "year",
    "title",
    "description",
    "gcm_objectives",
    "sdgs",
    "link",
    "language",
    "published_at",
    "source_question",
]
TEXT_COLUMNS = {"iscm_name", "title", "description", "link"}
WIDTHS = [8, 28, 16, 40, 24, 10, 8, 50, 90, 18, 14, 30, 8, 20, 18]


def _codes(choices: Iterable) -> str:
    return "; ".join(choice.code for choice in sorted(choices, key=lambda c: c.position))


def practice_rows(practices: QuerySet[Practice]) -> Iterator[list[object]]:
    for practice in practices:
        yield [
            practice.pk,
            practice.campaign.slug,
            practice.iscm.acronym,
            practice.iscm.name,
            practice.iscm.region,
            practice.iscm.type,
            practice.year,
            practice.title,
            practice.description,
            _codes(practice.gcm_objectives.all()),
            _codes(practice.sdgs.all()),
            practice.link,
            practice.language,
            practice.published_at.isoformat() if practice.published_at else "",
            practice.source_question.code if practice.source_question else "",
        ]


def _filename(extension: str) -> str:
    return f"practices-{timezone.now():%Y%m%d}.{extension}"


User = AbstractBaseUser | AnonymousUser


def export_log(*, user: User, filters: PracticeFilters, export_format: str, rows: int, complete: bool = True) -> None:
    """Who exported which part of the library, in which format, how many rows: in the activity log (like
    the responses' exports) and the security log. The filters are named, the search words are not."""
    named = [
        f"{name}={'…' if name == 'q' else value}"
        for name, value in dataclasses.asdict(filters).items()
        if value not in ("", None)
    ]
    campaign = Campaign.objects.filter(slug=filters.campaign).first() if filters.campaign else None
    activity_record(
        kind=ActivityEvent.Kind.EXPORT,
        actor=user,
        campaign=campaign,
        detail=(
            f"practices ({export_format}), {rows} rows{'' if complete else ', interrupted'}"
            f"{', filters ' + ' '.join(named) if named else ''}, via web"
        ),
    )
    security_logger.info(
        "practices exported" if complete else "practices export interrupted",
        extra={
            "event": "practices_export",
            "user": user.pk if user.is_authenticated else None,
            "format": export_format,
            "rows": rows,
            "filters": named,
            "complete": complete,
        },
    )


def _csv_chunks(practices: QuerySet[Practice], *, user: User, filters: PracticeFilters) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    rows, complete = 0, False
    try:
        yield BOM + buffer.getvalue()
        for row in practice_rows(practices):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(
                [
                    csv_safe(value) if column in TEXT_COLUMNS else value
                    for column, value in zip(COLUMNS, row, strict=True)
                ]
            )
            rows += 1
            yield buffer.getvalue()
        complete = True
    finally:  # once the stream ends, or the client abandons it
        export_log(user=user, filters=filters, export_format="csv", rows=rows, complete=complete)


def practices_csv_response(
    practices: QuerySet[Practice], *, user: User, filters: PracticeFilters
) -> StreamingHttpResponse:
    return csv_download_response(_csv_chunks(practices, user=user, filters=filters), _filename("csv"))


def practices_xlsx_response(practices: QuerySet[Practice], *, user: User, filters: PracticeFilters) -> FileResponse:
    from openpyxl import Workbook  # here, not at start-up: apps.py imports this module (workbook source)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("practices")
    _setup_sheet(sheet, WIDTHS)
    sheet.append(COLUMNS)
    cells = _Cells(sheet)
    rows = 1
    for row in practice_rows(practices):
        sheet.append(
            [cells.text(value) if column in TEXT_COLUMNS else value for column, value in zip(COLUMNS, row, strict=True)]
        )
        rows += 1
    _finish_sheet(sheet, len(COLUMNS), rows)
    export_log(user=user, filters=filters, export_format="xlsx", rows=rows - 1)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    workbook.save(out)
    out.seek(0)
    response = FileResponse(out, as_attachment=True, filename=_filename("xlsx"), content_type=XLSX_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- The campaign workbook's `practices` sheet (questionnaires.xlsx_io, registered in apps.py) -----------

WORKBOOK_COLUMNS = [
    "iscm",
    "iscm_name",
    "region",
    "type",
    "campaign",
    "question",
    "position",
    "title",
    "text",
    "year",
    "gcm_objectives",
    "sdgs",
    "link",
    "language",
    "published_at",
    "practice_url",
    "source_answer_url",
]
WORKBOOK_WIDTHS = [12, 40, 20, 10, 24, 20, 8, 50, 80, 8, 18, 14, 30, 8, 20, 40, 40]


def _workbook_rows(practices: QuerySet[Practice]) -> Iterator[list[object]]:
    for practice in practices:
        yield [
            practice.iscm.acronym,
            practice.iscm.name,
            practice.iscm.region,
            practice.iscm.type,
            practice.campaign.slug,
            practice.source_question.code if practice.source_question else "",
            practice.position,
            practice.title,
            practice.description,
            practice.year,
            _codes(practice.gcm_objectives.all()),
            _codes(practice.sdgs.all()),
            practice.link,
            practice.language,
            practice.published_at.isoformat() if practice.published_at else "",
            settings.SITE_URL + reverse("practices:detail", args=[practice.pk]),
            # the split page shows the original answer, untouched, next to the practices taken from it
            settings.SITE_URL + reverse("practices:split", args=[practice.source_answer_id])
            if practice.source_answer_id
            else "",
        ]


def workbook_practices(campaign: Campaign, responses: QuerySet[Response]) -> PracticesSheet | None:
    """The practice records of the exported responses' ISCMs (published or not: the workbook is for the
    people who read every response), or None when the campaign has none. One query, four with records."""
    if not Practice.objects.filter(campaign=campaign).exists():
        return None
    practices = (
        Practice.objects.filter(campaign=campaign, iscm_id__in=responses.values("iscm_id"))
        .select_related("iscm", "campaign", "source_question")
        .prefetch_related("gcm_objectives", "sdgs")
        .order_by("iscm__acronym", "source_question__position", "position", "id")
    )
    return PracticesSheet(WORKBOOK_COLUMNS, WORKBOOK_WIDTHS, _workbook_rows(practices))
