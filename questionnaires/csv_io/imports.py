"""The import of a wide CSV: read in one pass, every row checked with the web form's validation, written through
`questionnaires.services.responses_import` in batches, all or nothing, every problem reported.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Campaign,
    Invitation,
    Iscm,
    Response,
)
from ..schema import (
    QuestionnaireSchema,
    item_field_name,
    questionnaire_schema,
)
from ..selectors import list_answers_by_iscm, response_answers
from ..services import ImportRow, ImportRowInvalid, response_import, responses_import
from ..signals import answers_changed_announce
from ..validation import answers_validate
from .cells import BOM, csv_unsafe
from .downloads import log_user_fields, security_logger
from .rows import ITEMS_FIXED_COLUMNS, WIDE_FIXED_COLUMNS, wide_columns

IGNORED_IMPORT_COLUMNS = ("iscm_name", "region", "type")


MAX_IMPORT_BYTES = 20 * 1024 * 1024


IMPORT_BATCH_ROWS = 500  # rows written per `responses_import` call: a few queries each, memory bounded


# --- import --------------------------------------------------------------------------------------


@dataclass
class Problem:
    """One thing wrong with the file: its row as a spreadsheet numbers it (header = 1), column, value."""

    row: int | None
    column: str
    value: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Row:
    number: int
    iscm: Iscm
    status: str
    submitted_at: datetime.datetime | None
    answers: dict[str, object]


class _Rollback(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


def _not_utf8() -> str:
    return _("The file is not UTF-8 encoded; in Excel choose “CSV UTF-8 (comma delimited)” when saving.")


def _sniff_binary(data: bytes) -> str | None:
    """A clear message for files that are not text at all, or not UTF-8 text."""
    head = data[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return _("This is an old Excel workbook (.xls), not a CSV file. Save it as “CSV UTF-8 (comma delimited)”.")
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head.startswith(b"GIF8"):
        return _("This is an image, not a CSV file.")
    if head.startswith(b"%PDF"):
        return _("This is a PDF document, not a CSV file.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _not_utf8() + " " + _("(It is UTF-16 encoded.)")
    if b"\x00" in data[:4096]:
        return _("This is not a text file, so not a CSV file.") + " " + _not_utf8()
    return None


def _utf8_problem(data: bytes) -> Problem | None:
    """A Problem when the bytes are not UTF-8 (with the line of the first bad byte); checked by chunks,
    so that a large file is never held twice in memory (a decoded copy can be 4 bytes per character)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 20
    for start in range(0, len(data), step):
        try:
            decoder.decode(data[start : start + step], final=start + step >= len(data))
        except UnicodeDecodeError as error:
            line = data[: start + error.start].count(b"\n") + 1
            return Problem(line, "", "", _not_utf8())
    return None


def _text_records(data: bytes) -> tuple[Iterator[list[str]], Problem | None]:
    """The CSV records, decoded as they are read (UTF-8, optional BOM), or the Problem why not."""
    message = _sniff_binary(data)
    if message:
        return iter(()), Problem(None, "", "", message)
    problem = _utf8_problem(data)
    if problem:
        return iter(()), problem
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    if not re.search(rb"\S", body):
        return iter(()), Problem(None, "", "", _("The file is empty."))
    first_line = re.match(rb"[^\r\n]*", body).group(0).decode("utf-8")
    # Excel in French or Spanish saves "CSV" with semicolons: accept them when the header says so.
    delimiter = ";" if "," not in first_line and ";" in first_line else ","
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    return csv.reader(stream, delimiter=delimiter), None


def _parse_timestamp(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def _import_records(data: bytes) -> tuple[Iterator[list[str]], Problem | None]:
    if data.startswith(b"PK\x03\x04"):
        # An .xlsx workbook (a zip): its `responses` sheet, read as the same records as a CSV file.
        from ..xlsx_io import workbook_records  # xlsx_io builds on this module

        records, message = workbook_records(data)
        return records, Problem(None, "", "", message) if message else None
    return _text_records(data)


def _header_check(
    records: Iterator[list[str]], schema: QuestionnaireSchema, problems: list[Problem]
) -> list[str] | None:
    """The header of the file, checked against the questionnaire's columns; None when it is wrong."""
    count = len(problems)
    try:
        header = [cell.strip().lstrip(BOM) for cell in next(records)]
    except csv.Error as error:
        problems.append(Problem(1, "", "", _("This file cannot be read as CSV (%(error)s).") % {"error": error}))
        return None
    known = set(WIDE_FIXED_COLUMNS) | set(schema.questions)
    indicator_columns = {
        column for question in schema.questions.values() if question.is_multiple for column in wide_columns(question)
    }
    if "iscm" not in header:
        problems.append(
            Problem(
                1,
                "iscm",
                "",
                _(
                    "There is no “iscm” column: the first row must be the header of an ISCM Survey export "
                    "(iscm, status, submitted_at and one column per question code)."
                ),
            )
        )
    seen_columns: set[str] = set()
    for column in header:
        if column in seen_columns:
            problems.append(Problem(1, column, "", _("This column appears twice.")))
        seen_columns.add(column)
        if column not in known and column not in indicator_columns:
            problems.append(
                Problem(
                    1,
                    column,
                    "",
                    _(
                        "Unknown column “%(column)s”: expected iscm, status, submitted_at or one of the "
                        "question codes of this questionnaire (see the codebook)."
                    )
                    % {"column": column},
                )
            )
    missing = [code for code, question in schema.questions.items() if code not in seen_columns and not question.is_list]
    if missing:
        problems.append(
            Problem(
                1,
                "",
                "",
                _(
                    "Columns missing for these questions: %(codes)s. Start from an export of this campaign "
                    "so that every question has its column (an empty cell means “not answered”)."
                )
                % {"codes": ", ".join(missing)},
            )
        )
    return header if len(problems) == count else None


def _checked_rows(
    *,
    campaign: Campaign,
    schema: QuestionnaireSchema,
    header: list[str],
    records: Iterator[list[str]],
    stored: dict[int, tuple[str, datetime.datetime | None]],
    report: ImportReport,
) -> Iterator[_Row]:
    """Check each row as it is read (one pass over the file); yield the right ones, report the others."""
    invited = {
        iscm.acronym: iscm
        for iscm in Iscm.objects.filter(pk__in=Invitation.objects.filter(campaign=campaign).values("iscm_id"))
    }
    registry = set(Iscm.objects.values_list("acronym", flat=True))
    stored_lists = list_answers_by_iscm(campaign, schema)
    first_row: dict[str, int] = {}
    width = len(header)
    number = 1
    try:
        for record in records:
            number += 1
            if not any(cell.strip() for cell in record):
                continue  # spreadsheets leave blank lines at the end
            report.rows += 1
            if len(record) > width and any(cell.strip() for cell in record[width:]):
                report.problems.append(
                    Problem(number, "", record[width], _("This row has more cells than the header has columns."))
                )
            cells = dict(zip(header, record + [""] * (width - len(record)), strict=False))
            row = _check_row(
                number=number,
                cells=cells,
                campaign=campaign,
                schema=schema,
                invited=invited,
                registry=registry,
                stored=stored,
                stored_lists=stored_lists,
                first_row=first_row,
                problems=report.problems,
            )
            if row is not None:
                yield row
    except csv.Error as error:
        report.problems.append(
            Problem(number, "", "", _("This file cannot be read as CSV (%(error)s).") % {"error": error})
        )
    if not report.rows and not report.problems:
        report.problems.append(Problem(None, "", "", _("The file has a header but no rows of answers.")))


def _check_row(
    *,
    number: int,
    cells: dict[str, str],
    campaign: Campaign,
    schema: QuestionnaireSchema,
    invited: dict[str, Iscm],
    registry: set[str],
    stored: dict[int, tuple[str, datetime.datetime | None]],
    stored_lists: dict[int, dict[str, object]],
    first_row: dict[str, int],
    problems: list[Problem],
) -> _Row | None:
    count = len(problems)
    raw_iscm = cells.get("iscm", "")
    acronym = csv_unsafe(raw_iscm.strip())
    iscm = invited.get(acronym)
    if not acronym:
        problems.append(Problem(number, "iscm", raw_iscm, _("The ISCM acronym is missing.")))
    elif acronym in first_row:
        problems.append(
            Problem(
                number,
                "iscm",
                raw_iscm,
                _("This ISCM already has a row (row %(row)d): one row per ISCM.") % {"row": first_row[acronym]},
            )
        )
    elif iscm is None and acronym in registry:
        message = _("“%(acronym)s” is not invited to this campaign.") % {"acronym": acronym}
        problems.append(Problem(number, "iscm", raw_iscm, message))
    elif iscm is None:
        problems.append(
            Problem(
                number,
                "iscm",
                raw_iscm,
                _("Unknown ISCM “%(acronym)s”: use the acronym of the registry.") % {"acronym": acronym},
            )
        )
    if acronym and acronym not in first_row:
        first_row[acronym] = number

    raw_status = cells.get("status", "")
    status = raw_status.strip().lower() or Response.Status.SUBMITTED
    stored_status, stored_submitted_at = stored.get(iscm.pk, (None, None)) if iscm else (None, None)
    allowed = {Response.Status.SUBMITTED, Response.Status.DRAFT}
    if status not in allowed and not (status in Response.Status.values and status == stored_status):
        # returned/validated come back unchanged from an export of reviewed responses; an import never
        # puts a response into review states itself.
        problems.append(
            Problem(number, "status", raw_status, _("The status must be “submitted” or “draft” (or empty: submitted)."))
        )
        status = Response.Status.SUBMITTED

    raw_submitted = cells.get("submitted_at", "")
    submitted_at = None
    if raw_submitted.strip():
        try:
            submitted_at = _parse_timestamp(raw_submitted.strip())
        except ValueError:
            problems.append(
                Problem(
                    number,
                    "submitted_at",
                    raw_submitted,
                    _("Enter the date and time in ISO 8601, e.g. 2023-05-12T09:30:00+00:00."),
                )
            )
        else:
            if stored_submitted_at and stored_submitted_at.replace(microsecond=0) == submitted_at:
                # The export writes whole seconds: the same second is the stored instant.
                submitted_at = stored_submitted_at
    if status == Response.Status.DRAFT:
        submitted_at = None

    answers = {code: csv_unsafe(cells.get(code, "")) for code in schema.questions}
    # The wide file has no items: the stored lists stay (the items file changes them).
    answers.update({code: [] for code in schema.questions if schema.questions[code].is_list})
    answers.update(stored_lists.get(iscm.pk, {}) if iscm else {})
    result = answers_validate(
        questionnaire=campaign.questionnaire,
        answers=answers,
        final=status != Response.Status.DRAFT,
        schema=schema,
    )
    for code, messages in result.errors.items():
        for message in messages:
            problems.append(Problem(number, code, cells.get(code, ""), message))
    if len(problems) > count or iscm is None:
        return None
    return _Row(number=number, iscm=iscm, status=status, submitted_at=submitted_at, answers=answers)


def responses_import_csv(
    *,
    campaign: Campaign,
    data: bytes,
    user: AbstractBaseUser | AnonymousUser | None,
    via: str = "web",
    max_bytes: int | None = MAX_IMPORT_BYTES,
) -> ImportReport:
    """Check every row and write the file in one transaction. All or nothing; every problem reported.

    One pass over the file: rows are checked as they are read and written `IMPORT_BATCH_ROWS` at a time
    through `questionnaires.services.responses_import` while no problem has been found; after the first
    problem the rest is only checked, and the transaction is rolled back at the end. So memory holds one
    batch, not the file's rows, and a right file is written as it is read. The figures are rebuilt once,
    after the last batch. `max_bytes` caps web uploads; the management command passes None.
    """
    report = ImportReport()
    if max_bytes is not None and len(data) > max_bytes:
        report.problems.append(
            Problem(
                None,
                "",
                "",
                _("The file is larger than %(size)d MB: split it into several files.")
                % {"size": max_bytes // (1024 * 1024)},
            )
        )
        _import_log(user=user, campaign=campaign, report=report, via=via)
        return report
    if _is_items_file(data):
        report = items_import_csv(campaign=campaign, data=data, user=user)
        _import_log(user=user, campaign=campaign, report=report, via=via)
        return report
    records, problem = _import_records(data)
    if problem:
        report.problems.append(problem)
    else:
        schema = questionnaire_schema(campaign.questionnaire)
        header = _header_check(records, schema, report.problems)
        if header is not None:
            _rows_write(
                campaign=campaign, schema=schema, header=header, records=records, user=user, report=report, data=data
            )
    _import_log(user=user, campaign=campaign, report=report, via=via)
    return report


def _rows_write(
    *,
    campaign: Campaign,
    schema: QuestionnaireSchema,
    header: list[str],
    records: Iterator[list[str]],
    user: AbstractBaseUser | AnonymousUser | None,
    report: ImportReport,
    data: bytes,
) -> None:
    importer = user if user is not None and user.is_authenticated else None
    stored = {
        iscm_id: (status, submitted_at)
        for iscm_id, status, submitted_at in Response.objects.filter(campaign=campaign).values_list(
            "iscm_id", "status", "submitted_at"
        )
    }

    def write(batch: list[_Row]) -> None:
        try:
            results = responses_import(
                campaign=campaign,
                rows=[ImportRow(row.iscm, row.answers, row.status, row.submitted_at) for row in batch],
                user=importer,
                schema=schema,
                recompute=False,
            )
        except ImportRowInvalid as error:  # changed since the check (e.g. an invitation removed)
            row = batch[error.index]
            raise _Rollback(
                [
                    Problem(row.number, code, str(row.answers.get(code, "")), message)
                    for code, messages in error.errors.items()
                    for message in messages
                ]
            ) from error
        for row, result in zip(batch, results, strict=True):
            if row.iscm.pk not in stored:
                report.created.append(row.iscm.acronym)
            elif result is None:
                report.unchanged.append(row.iscm.acronym)
            else:
                report.updated.append(row.iscm.acronym)

    try:
        with transaction.atomic():
            batch: list[_Row] = []
            for row in _checked_rows(
                campaign=campaign, schema=schema, header=header, records=records, stored=stored, report=report
            ):
                if report.problems:
                    batch.clear()  # nothing more is written: the rest of the file is only checked
                    continue
                batch.append(row)
                if len(batch) == IMPORT_BATCH_ROWS:
                    write(batch)
                    batch = []
            if report.problems:
                raise _Rollback([])
            write(batch)
            _workbook_items_import(campaign=campaign, data=data, user=user, report=report)
            if report.created or report.updated:
                answers_changed_announce(campaign_id=campaign.pk)  # once for the whole file
    except _Rollback as rollback:
        report.problems.extend(rollback.problems)
        report.created, report.updated, report.unchanged = [], [], []


def _workbook_items_import(
    *, campaign: Campaign, data: bytes, user: AbstractBaseUser | AnonymousUser | None, report: ImportReport
) -> None:
    """A workbook's `items` sheet, after its `responses` sheet and in the same transaction (all or nothing)."""
    if not data.startswith(b"PK\x03\x04"):
        return
    from ..xlsx_io import workbook_items_csv  # xlsx_io builds on this module

    items = workbook_items_csv(data)
    if items is None:
        return
    items_report = items_import_csv(campaign=campaign, data=items, user=user)
    if not items_report.ok:
        raise _Rollback(
            [
                Problem(problem.row, f"items: {problem.column}".strip(": "), problem.value, problem.message)
                for problem in items_report.problems
            ]
        )
    for acronym in items_report.updated:
        if acronym in report.unchanged:
            report.unchanged.remove(acronym)
            report.updated.append(acronym)


def _is_items_file(data: bytes) -> bool:
    """An `items` export (its header has `list` and `item`), not a wide file."""
    if data.startswith(b"PK\x03\x04"):
        return False
    first_line = re.split(rb"\r\n|\r|\n", data[:4096], maxsplit=1)[0].decode("utf-8-sig", errors="replace")
    delimiter = ";" if "," not in first_line and ";" in first_line else ","
    header = {cell.strip() for cell in next(csv.reader([first_line], delimiter=delimiter), [])}
    return {"list", "item"} <= header


def items_import_csv(*, campaign: Campaign, data: bytes, user: AbstractBaseUser | AnonymousUser | None) -> ImportReport:
    """Replace the items of the lists an `items` file names, for the ISCMs it names. All or nothing.

    Each ISCM must have a response already (import the wide file first); its other answers, status and
    submission date stay. Every ISCM's answers, with the file's items, go through `answers_validate` (a
    submission's rules unless the response is a draft); an error of an item field is reported at the
    file's row and column of that item."""
    report = ImportReport()
    records, problem = _text_records(data)
    if problem:
        report.problems.append(problem)
        return report
    schema = questionnaire_schema(campaign.questionnaire)
    lists = {question.code: question for question in schema.list_questions()}
    try:
        header = [cell.strip().lstrip(BOM) for cell in next(records)]
    except csv.Error as error:
        report.problems.append(Problem(1, "", "", _("This file cannot be read as CSV (%(error)s).") % {"error": error}))
        return report
    known = {*ITEMS_FIXED_COLUMNS, *(item_field.code for question in lists.values() for item_field in question.items)}
    for column in header:
        if column not in known:
            message = _("Unknown column “%(column)s”: expected iscm, status, list, item or an item field code.")
            report.problems.append(Problem(1, column, "", message % {"column": column}))
    if "iscm" not in header:
        report.problems.append(Problem(1, "iscm", "", _("There is no “iscm” column.")))
    if report.problems:
        return report

    invited = {
        iscm.acronym: iscm
        for iscm in Iscm.objects.filter(pk__in=Invitation.objects.filter(campaign=campaign).values("iscm_id"))
    }
    responses = {response.iscm_id: response for response in Response.objects.filter(campaign=campaign)}
    # {ISCM acronym: {list code: {item number: (file row, {field code: text})}}}
    grouped: dict[str, dict[str, dict[int, tuple[int, dict[str, object]]]]] = {}
    number = 1
    for record in records:
        number += 1
        if not any(cell.strip() for cell in record):
            continue
        report.rows += 1
        cells = dict(zip(header, record + [""] * (len(header) - len(record)), strict=False))
        acronym, code, raw_item = csv_unsafe(cells["iscm"].strip()), cells["list"].strip(), cells["item"].strip()
        iscm = invited.get(acronym)
        if iscm is None:
            message = _("“%(acronym)s” is not invited to this campaign.") % {"acronym": acronym}
            report.problems.append(Problem(number, "iscm", cells["iscm"], message))
            continue
        if iscm.pk not in responses:
            message = _("%(acronym)s has no response yet: import its answers first.") % {"acronym": acronym}
            report.problems.append(Problem(number, "iscm", cells["iscm"], message))
            continue
        question = lists.get(code)
        if question is None:
            message = _("“%(code)s” is not a list of items of this questionnaire.") % {"code": code}
            report.problems.append(Problem(number, "list", code, message))
            continue
        if not raw_item.isdigit() or not 1 <= int(raw_item) <= question.effective_max_items:
            message = _("The item number is a whole number from 1 to %(max)d.") % {"max": question.effective_max_items}
            report.problems.append(Problem(number, "item", raw_item, message))
            continue
        items = grouped.setdefault(acronym, {}).setdefault(code, {})
        if int(raw_item) in items:
            message = _("This item already has a row (row %(row)d).") % {"row": items[int(raw_item)][0]}
            report.problems.append(Problem(number, "item", raw_item, message))
            continue
        own = {item_field.code for item_field in question.items}
        for column in header:
            if column not in ITEMS_FIXED_COLUMNS and column not in own and cells[column].strip():
                message = _("This column is a field of another list than “%(code)s”.") % {"code": code}
                report.problems.append(Problem(number, column, cells[column], message))
        items[int(raw_item)] = (number, {field_code: csv_unsafe(cells.get(field_code, "")) for field_code in own})
    if report.problems:
        return report

    plans = []
    for acronym, by_list in grouped.items():
        iscm = invited[acronym]
        response = responses[iscm.pk]
        answers = response_answers(response, schema)
        where: dict[str, tuple[int, str]] = {}
        for code, numbered in by_list.items():
            ordered = sorted(numbered.items())
            answers[code] = [item for _number, (_row, item) in ordered]
            where[code] = (ordered[0][1][0], "list")
            for position, (_number, (row, _item)) in enumerate(ordered, start=1):
                for item_field in lists[code].items:
                    where[item_field_name(code, position, item_field.code)] = (row, item_field.code)
        result = answers_validate(
            questionnaire=campaign.questionnaire,
            answers=answers,
            final=response.status != Response.Status.DRAFT,
            schema=schema,
        )
        for key, messages in result.errors.items():
            row, column = where.get(key, (None, key))
            report.problems.extend(Problem(row, column, "", message) for message in messages)
        plans.append((iscm, response, answers))
    if report.problems:
        return report
    importer = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        for iscm, response, answers in plans:
            result = response_import(
                campaign=campaign,
                iscm=iscm,
                user=importer,
                answers=answers,
                status=response.status,
                submitted_at=response.submitted_at,
                schema=schema,
                recompute=False,
            )
            (report.unchanged if result is None else report.updated).append(iscm.acronym)
        if report.updated:
            answers_changed_announce(campaign_id=campaign.pk)
    return report


def _import_log(
    *, user: AbstractBaseUser | AnonymousUser | None, campaign: Campaign, report: ImportReport, via: str
) -> None:
    from ..services_activity import activity_record

    activity_record(
        kind="import",
        actor=user,
        campaign=campaign,
        detail=(
            f"{report.rows} rows: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, via {via}"
            if report.ok
            else f"rejected: {len(report.problems)} problems, via {via}"
        ),
    )
    security_logger.info(
        "responses imported" if report.ok else "responses import rejected",
        extra={
            "event": "csv_import",
            **log_user_fields(user),
            "campaign": campaign.slug,
            "format": "wide",
            "rows": report.rows,
            "rows_created": len(report.created),
            "rows_updated": len(report.updated),
            "rows_unchanged": len(report.unchanged),
            "problems": len(report.problems),
            "via": via,
        },
    )
