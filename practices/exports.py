"""The filtered list of practices as CSV or Excel, one row per practice (same columns in both).

Texts go through the project's formula-injection guards: `csv_safe` in the CSV, text cells with a
quote prefix in the workbook (questionnaires.xlsx_io)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from questionnaires.csv_io import BOM, csv_download_response, csv_safe
from questionnaires.xlsx_io import SPOOL_BYTES, XLSX_CONTENT_TYPE, _Cells, _finish_sheet, _setup_sheet

from .models import Practice

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


def _csv_chunks(practices: QuerySet[Practice]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield BOM + buffer.getvalue()
    for row in practice_rows(practices):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(
            [csv_safe(value) if column in TEXT_COLUMNS else value for column, value in zip(COLUMNS, row, strict=True)]
        )
        yield buffer.getvalue()


def practices_csv_response(practices: QuerySet[Practice]) -> StreamingHttpResponse:
    return csv_download_response(_csv_chunks(practices), _filename("csv"))


def practices_xlsx_response(practices: QuerySet[Practice]) -> FileResponse:
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
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    workbook.save(out)
    out.seek(0)
    response = FileResponse(out, as_attachment=True, filename=_filename("xlsx"), content_type=XLSX_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
