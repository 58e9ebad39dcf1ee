"""Excel workbooks (.xlsx) of a campaign: responses, list items, codebook, aggregates and practices; and
the reader that lets `import_responses` take back the `responses` sheet (and the `items` sheet: the
CSV items file's rows, imported in the same transaction).

Written with openpyxl's write-only mode: each row goes to a temporary file as soon as it is made
(openpyxl writes strings inline, so there is no shared-string table growing with the data either), and
the rows come from the same streaming cursors and row builders as the CSV (`questionnaires.csv_io`):
memory does not grow with the number of responses, and the number of queries is fixed.

Cell types: numbers and the 0/1 indicator columns are Excel numbers, date answers and `submitted_at`
Excel dates (UTC), percentages Excel percentages; everything else is text. Formula injection: a text
that starts with = + - @ tab or CR is written as a text cell (never a formula) with Excel's "quote
prefix", so that editing the cell in Excel does not turn it into a formula either. The text itself is
exact (no apostrophe added): on import each text cell is put back into the CSV's form with `csv_safe`
and goes through the CSV import's checks unchanged, so there is one validation path.
"""

from __future__ import annotations

import datetime
import io
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from analytics.exports import AGGREGATE_COLUMNS
from analytics.numbers import percent_1dp
from analytics.selectors import aggregate_rows

from .csv_io import (
    FORMULA_TRIGGERS,
    ExportResponse,
    RowCounter,
    codebook_rows,
    csv_bytes,
    csv_safe,
    csv_unsafe,
    export_items_stream,
    export_log,
    export_questions,
    export_responses_stream,
    items_rows,
    labels_language,
    responses_for_export,
    wide_columns,
    wide_rows,
)
from .models import Campaign, Question, Questionnaire, Response
from .schema import QuestionnaireSchema, QuestionSchema, questionnaire_schema

if TYPE_CHECKING:
    from openpyxl import Workbook

XLSX_MAGIC = b"PK\x03\x04"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEETS = ("responses", "items", "codebook", "aggregates", "practices")
PRACTICES_COLUMNS = ("iscm", "iscm_name", "region", "type", "question", "label", "text")
# The questionnaire's "effective practices" questions are the long-text questions named *_practices
# (sdg_practices, climate_practices, gcm_practices): the sheet readers of the report collect.
PRACTICE_SUFFIX = "_practices"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
PERCENT_FORMAT = "0.0%"
# Column kinds of the responses sheet: how a CSV cell becomes an Excel cell (and back on import).
TEXT, NUMBER, DATE, DATETIME = "text", "number", "date", "datetime"
SPOOL_BYTES = 8 * 1024 * 1024


def is_practice(question: QuestionSchema) -> bool:
    return question.type == Question.Type.LONG_TEXT and question.code.endswith(PRACTICE_SUFFIX)


class PracticesSheet(NamedTuple):
    """The `practices` sheet of practice records: column names and widths, rows of plain values."""

    columns: list[str]
    widths: list[int]
    rows: Iterable[list[object]]


# The practices library (an app above this one, which this module does not import) registers where the
# `practices` sheet comes from when a campaign has practice records: `source(campaign, responses)` returns
# a PracticesSheet of the records of the exported responses' ISCMs, or None when the campaign has none
# (the sheet then quotes the answers to the *_practices questions).
_practices_source: Callable[[Campaign, QuerySet[Response]], PracticesSheet | None] | None = None


def practices_source_register(source: Callable[[Campaign, QuerySet[Response]], PracticesSheet | None]) -> None:
    global _practices_source
    _practices_source = source


# --- cells ---------------------------------------------------------------------------------------


class _Cells:
    """Makes the cells of one sheet; only cells that need a style or a forced type are objects."""

    def __init__(self, sheet) -> None:
        # openpyxl is imported where a workbook is made, not with this module: the URLconf and the
        # CSV commands import this module, and openpyxl is ~40 % of a command's start-up.
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        self.sheet = sheet
        self._cell = WriteOnlyCell
        self._illegal_characters = ILLEGAL_CHARACTERS_RE

    def _styled(self, value: object, number_format: str) -> object:
        cell = self._cell(self.sheet, value=value)
        cell.number_format = number_format
        return cell

    def text(self, value: str) -> object:
        if not value:
            return None
        value = self._illegal_characters.sub("", value)
        if not value.startswith(FORMULA_TRIGGERS):
            return value
        cell = self._cell(self.sheet, value=value)
        cell.data_type = "s"  # openpyxl would store "=…" as a formula: force a text cell
        cell.quotePrefix = True
        return cell

    def date(self, value: datetime.date | None) -> object:
        return None if value is None else self._styled(value, DATE_FORMAT)

    def moment(self, value: datetime.datetime | None) -> object:
        # Excel has no time zones: UTC, as the CSV writes it.
        if value is None:
            return None
        return self._styled(value.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0), DATETIME_FORMAT)

    def percent(self, value: Decimal | None) -> object:
        return None if value is None else self._styled(float(value / 100), PERCENT_FORMAT)


def excel_number(text: str) -> int | float | None:
    if not text:
        return None
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def _setup_sheet(sheet, widths: list[int]) -> None:
    """Column widths and a frozen header row: write-only sheets take them before the first row."""
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _finish_sheet(sheet, columns: int, rows: int) -> None:
    """A filter on the header row over every written row (the autoFilter element follows the data)."""
    from openpyxl.utils import get_column_letter

    sheet.auto_filter.ref = f"A1:{get_column_letter(max(columns, 1))}{max(rows, 1)}"


# --- the responses and practices sheets ------------------------------------------------------------


def column_kinds(questions: list[QuestionSchema]) -> list[str]:
    """The kind of every column of `wide_header(questions)`, in the same order."""
    kinds = [TEXT, TEXT, TEXT, TEXT, TEXT, DATETIME]  # iscm, iscm_name, region, type, status, submitted_at
    for spec in questions:
        question_type = spec.type
        if spec.is_list:
            continue  # no column: its items are the `items` sheet
        if question_type in Question.NUMBER_TYPES:
            kinds.append(NUMBER)
        elif question_type == Question.Type.DATE:
            kinds.append(DATE)
        else:
            kinds.append(TEXT)  # choice codes stay text: "1 8 10", and "1" is a code, not a count
        if spec.is_multiple:
            kinds.extend([NUMBER] * len(spec.choices))  # the 0/1 indicator columns
    return kinds


def _column_width(header: str, kind: str, question_type: str | None) -> int:
    if question_type == Question.Type.LONG_TEXT:
        return 60
    if kind == DATETIME:
        return 20
    return max(10, min(40, len(header) + 2))


def _excel_row(cells: _Cells, row: list[str], kinds: list[str], item: ExportResponse) -> list[object]:
    """A CSV row of `wide_rows` as Excel cells (the CSV's texts are made exact again with csv_unsafe)."""
    values: list[object] = []
    for text, kind in zip(row, kinds, strict=True):
        if kind == DATETIME:  # submitted_at: the stored instant, not the CSV's text of it
            values.append(cells.moment(item.submitted_at))
        elif kind == NUMBER:
            values.append(excel_number(text))
        elif kind == DATE:
            values.append(cells.date(datetime.date.fromisoformat(text) if text else None))
        else:
            values.append(cells.text(csv_unsafe(text)))
    return values


def _write_responses(
    workbook: Workbook,
    questions: list[QuestionSchema],
    items: Iterator[ExportResponse],
    *,
    language: str | None,
    counter: RowCounter | None,
    records: PracticesSheet | None = None,
) -> None:
    """The `responses` and `practices` sheets, in one pass over the response stream; with practice
    `records`, the `practices` sheet lists them instead of the answers to the practice questions."""
    responses_sheet = workbook.create_sheet("responses")
    practices_sheet = workbook.create_sheet("practices")
    kinds = column_kinds(questions)
    current: list[ExportResponse] = []

    def remember(stream: Iterator[ExportResponse]) -> Iterator[ExportResponse]:
        # wide_rows yields a response's row right after taking it: `current` holds the response of that row.
        for item in stream:
            current[:] = [item]
            yield item

    rows = wide_rows(questions, remember(items), labels=language)
    if counter:
        rows = counter.wrap(rows)
    header = next(rows)
    question_types = [None] * 6 + [
        column_type for spec in questions for column_type in [spec.type] * len(wide_columns(spec))
    ]
    _setup_sheet(
        responses_sheet, [_column_width(h, k, t) for h, k, t in zip(header, kinds, question_types, strict=True)]
    )
    practice_columns = records.columns if records else list(PRACTICES_COLUMNS)
    _setup_sheet(practices_sheet, records.widths if records else [12, 40, 20, 10, 20, 50, 80])
    responses_sheet.append(header)
    practices_sheet.append(practice_columns)
    response_cells, practice_cells = _Cells(responses_sheet), _Cells(practices_sheet)
    practices = [] if records else [spec for spec in questions if is_practice(spec)]
    with override(language or "en"):
        practice_labels = {question.id: question.label for question in practices}
    written = practice_rows = 1
    for row in rows:
        item = current[0]
        responses_sheet.append(_excel_row(response_cells, row, kinds, item))
        written += 1
        for question in practices:
            value = item.scalars.get(question.id)
            practices_sheet.append(
                [
                    practice_cells.text(text)
                    for text in (
                        item.iscm,
                        item.iscm_name,
                        item.region,
                        item.iscm_type,
                        question.code,
                        practice_labels[question.id],
                        value[0] if value else "",
                    )
                ]
            )
            practice_rows += 1
    for record in records.rows if records else ():
        practices_sheet.append([practice_cells.text(value) if isinstance(value, str) else value for value in record])
        practice_rows += 1
    _finish_sheet(responses_sheet, len(header), written)
    _finish_sheet(practices_sheet, len(practice_columns), practice_rows)


def _write_items(workbook: Workbook, schema: QuestionnaireSchema, responses: QuerySet[Response], language) -> None:
    """The `items` sheet: the CSV items file (one row per ISCM, list and item), item numbers as numbers."""
    sheet = workbook.create_sheet("items")
    rows = items_rows(schema, export_items_stream(responses), labels=language)
    header = next(rows)
    _setup_sheet(sheet, [max(10, min(40, len(column) + 2)) for column in header])
    sheet.append(header)
    cells = _Cells(sheet)
    written = 1
    for row in rows:
        sheet.append(
            [cells.text(csv_unsafe(row[0])), row[1], row[2], int(row[3])]
            + [cells.text(csv_unsafe(text)) for text in row[4:]]
        )
        written += 1
    _finish_sheet(sheet, len(header), written)


# --- the codebook and aggregates sheets -------------------------------------------------------------


def _write_codebook(workbook: Workbook, schema: QuestionnaireSchema, *, language: str) -> None:
    sheet = workbook.create_sheet("codebook")
    _setup_sheet(sheet, [24, 20, 10, 16, 9, 12, 11, 24, 30, 60, 60])
    cells = _Cells(sheet)
    rows = codebook_rows(schema, language=language)
    header = next(rows)
    sheet.append(header)
    count = 1
    for row in rows:
        sheet.append([cells.text(csv_unsafe(text)) for text in row])
        count += 1
    _finish_sheet(sheet, len(header), count)


def _write_aggregates(workbook: Workbook, campaign: Campaign, *, language: str) -> None:
    """As `export_aggregates` writes them (same selector), percentages as Excel percentages."""
    sheet = workbook.create_sheet("aggregates")
    _setup_sheet(sheet, [20, 10, 50, 8, 8, 19, 11, 18, 7])
    cells = _Cells(sheet)
    sheet.append(AGGREGATE_COLUMNS)
    with override(language):
        rows = aggregate_rows(campaign)
    for row in rows:
        sheet.append(
            [
                cells.text(row["question"]),
                cells.text(row["code"]),
                cells.text(row["label"]),
                row["count"],
                row["base"],
                cells.percent(percent_1dp(row["count"], row["base"])),
                row["selections"],
                cells.percent(percent_1dp(row["count"], row["selections"])),
                row["rank"],
            ]
        )
    _finish_sheet(sheet, len(AGGREGATE_COLUMNS), len(rows) + 1)


# --- the workbook ----------------------------------------------------------------------------------


def responses_workbook_write(
    out: IO[bytes],
    *,
    campaign: Campaign,
    responses: QuerySet[Response],
    labels: str | None = None,
    counter: RowCounter | None = None,
) -> None:
    """Write the workbook of `responses` (all of `campaign`) to `out`.

    `labels`: None writes choice codes (codebook and aggregates in English); a language code writes
    choice labels, the codebook, the aggregates' labels and the practice questions in that language.
    """
    language = labels_language(labels)
    questionnaire: Questionnaire = campaign.questionnaire
    questions = export_questions(questionnaire)
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    records = _practices_source(campaign, responses) if _practices_source else None
    _write_responses(
        workbook, questions, export_responses_stream(responses), language=language, counter=counter, records=records
    )
    if questionnaire_schema(questionnaire).list_questions():
        _write_items(workbook, questionnaire_schema(questionnaire), responses, language)
    _write_codebook(workbook, questionnaire_schema(questionnaire), language=language or "en")
    _write_aggregates(workbook, campaign, language=language or "en")
    # Sheets in the order readers expect them (write-only sheets are created in writing order).
    workbook._sheets.sort(key=lambda sheet: SHEETS.index(sheet.title))
    workbook.save(out)


def workbook_filename(campaign: Campaign) -> str:
    return f"{campaign.slug}-workbook-{timezone.now():%Y%m%d}.xlsx"


def campaign_workbook_response(
    *,
    campaign: Campaign,
    user: AbstractBaseUser | AnonymousUser | None,
    statuses: Iterable[str] | None = None,
    labels: str | None = None,
    responses: QuerySet[Response] | None = None,
    via: str = "web",
) -> FileResponse:
    """The download: written to a temporary file (spilled to disk past a few MB), then streamed."""
    statuses = list(statuses) if statuses else list(Response.RESPONDED)
    if responses is None:
        responses = responses_for_export(campaign=campaign, statuses=statuses)
    counter = RowCounter()
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    responses_workbook_write(out, campaign=campaign, responses=responses, labels=labels, counter=counter)
    export_log(
        user=user,
        campaign=campaign,
        what="responses",
        export_format="xlsx",
        rows=max(counter.rows, 0),
        via=via,
        statuses=statuses,
    )
    out.seek(0)
    response = FileResponse(
        out, as_attachment=True, filename=workbook_filename(campaign), content_type=XLSX_CONTENT_TYPE
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def selected_workbook_response(
    responses: QuerySet[Response], *, user: AbstractBaseUser | AnonymousUser | None
) -> FileResponse:
    """The admin action's workbook: the selected responses, every status (the admin chose the rows).

    Raises ValueError when the selection is empty or spans several campaigns (one questionnaire per file).
    """
    campaign_ids = list(responses.order_by().values_list("campaign_id", flat=True).distinct()[:2])
    if len(campaign_ids) != 1:
        raise ValueError(_("Select the responses of one campaign (one file holds one questionnaire)."))
    campaign = Campaign.objects.select_related("questionnaire").get(pk=campaign_ids[0])
    return campaign_workbook_response(
        campaign=campaign,
        user=user,
        statuses=Response.Status.values,
        responses=Response.objects.filter(pk__in=responses.values("pk")),
        via="admin",
    )


# --- import: the responses sheet as the CSV's records ----------------------------------------------


def _cell_text(value: Any, column: str) -> str:
    """A cell as the CSV export would have written it, so that the CSV import's checks apply unchanged."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if column == "submitted_at":
            return value.replace(tzinfo=datetime.UTC).isoformat()
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return csv_safe(str(value))


def workbook_items_csv(data: bytes) -> bytes | None:
    """The workbook's `items` sheet as the bytes of a CSV items file; None without item rows."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if "items" not in workbook.sheetnames:
            return None
        rows = workbook["items"].iter_rows(values_only=True)
        header = [_cell_text(value, "").strip() for value in next(rows, ())]
        records = [[_cell_text(value, "") for value in values] for values in rows]
    finally:
        workbook.close()
    if not any(any(cell.strip() for cell in record) for record in records):
        return None
    return b"".join(csv_bytes([header, *records]))


def workbook_records(data: bytes) -> tuple[Iterator[list[str]], str | None]:
    """The rows of the workbook's `responses` sheet as lists of CSV texts, or a message saying why not."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        return iter(()), _(
            "This is a zip file but not an Excel workbook (.xlsx) that can be read. Upload the workbook "
            "exported from this page, or a CSV file."
        )
    if "responses" not in workbook.sheetnames:
        workbook.close()
        return iter(()), _(
            "This workbook has no “responses” sheet: start from the Excel workbook exported from this page."
        )

    def records() -> Iterator[list[str]]:
        try:
            rows = workbook["responses"].iter_rows(values_only=True)
            header = [_cell_text(value, "").strip() for value in next(rows, ())]
            yield header
            for values in rows:
                yield [
                    _cell_text(value, header[index] if index < len(header) else "")
                    for index, value in enumerate(values)
                ]
        finally:
            workbook.close()

    return records(), None
