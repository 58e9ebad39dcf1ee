"""CSV exports and imports of responses (wide, long, codebook), streamed out and checked on the way in.

Exports stream: the questions and choices are read once, the campaign's responses once (small tuples),
then one ordered query over the answer rows and one over the ticked choices, both read with
`.iterator(chunk_size=...)`; a response's row is written as soon as the cursors have moved past it.
The number of queries is the same whatever the number of responses, and the file is never held in
memory (the web view wraps the byte generator in a StreamingHttpResponse).

Imports read the wide format in one pass, check every row with `questionnaires.validation.answers_validate`
(the web form's validation) and write nothing unless every row is right: the writes go through
`questionnaires.services.responses_import` in batches, one transaction for the whole file.

Formula injection (OWASP "CSV injection"): a text cell that starts with = + - @ tab or CR is written
with a leading apostrophe; `csv_unsafe` removes exactly that apostrophe on import. Number and date
answers are never prefixed: the app validated them as numbers, and "-5" must stay a number for
analysts. See docs/csv.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import (
    LANGUAGE_CODES,
    Answer,
    AnswerChoice,
    Campaign,
    Invitation,
    Iscm,
    Question,
    Questionnaire,
    Response,
)
from .numbering import question_numbers
from .schema import ChoiceSchema, QuestionnaireSchema, QuestionSchema, SectionSchema, questionnaire_schema
from .services import ImportRow, ImportRowInvalid, responses_import
from .signals import answers_changed_announce
from .validation import answers_validate

security_logger = logging.getLogger("iscm.security")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WIDE_FIXED_COLUMNS = ("iscm", "iscm_name", "region", "type", "status", "submitted_at")
LONG_COLUMNS = ("iscm", "status", "question", "choice", "value")
CODEBOOK_COLUMNS = (
    "column",
    "question",
    "choice",
    "type",
    "required",
    "max_choices",
    "max_length",
    "show_if",
    "section",
    "label",
    "description",
    "number",  # Q3.1: as the form, the review page and the print view number the question
)
IGNORED_IMPORT_COLUMNS = ("iscm_name", "region", "type")
FORMATS = ("wide", "long")
LABEL_JOINER = "; "
CHUNK_SIZE = 2000
FLUSH_CHARS = 64 * 1024
MAX_IMPORT_BYTES = 20 * 1024 * 1024
IMPORT_BATCH_ROWS = 500  # rows written per `responses_import` call: a few queries each, memory bounded
BOM = "\ufeff"


# --- formula injection ---------------------------------------------------------------------------


def _needs_prefix(text: str) -> bool:
    # Apostrophes already in front of a trigger are escaped too (''=x for '=x), so that csv_unsafe
    # can tell the two apart and every text survives the round trip exactly.
    return text.lstrip("'")[:1] in FORMULA_TRIGGERS and text.lstrip("'") != ""


def csv_safe(text: str) -> str:
    """The text as a spreadsheet must show it: a leading ' before = + - @ tab CR (OWASP CSV injection)."""
    return "'" + text if _needs_prefix(text) else text


def csv_unsafe(text: str) -> str:
    """Reverse `csv_safe` exactly: drop one leading ' when apostrophes are followed by a trigger."""
    if text.startswith("'") and _needs_prefix(text):
        return text[1:]
    return text


# --- what an export needs of the questionnaire: two queries ---------------------------------------


def export_questions(questionnaire: Questionnaire) -> list[QuestionSchema]:
    """The questions in questionnaire order with their choices in choice order (the schema)."""
    return list(questionnaire_schema(questionnaire).questions.values())


def wide_columns(question: QuestionSchema) -> list[str]:
    """A multiple choice has its codes column, then one 0/1 column per choice."""
    if question.is_multiple:
        return [question.code, *(f"{question.code}/{choice.code}" for choice in question.choices)]
    return [question.code]


# --- responses, answers and choices, merged as the cursors move --------------------------------


@dataclass
class ExportResponse:
    """One response with its answers: scalars by question id, ticked choice ids by question id."""

    id: int
    iscm: str
    iscm_name: str
    region: str
    iscm_type: str
    status: str
    submitted_at: datetime.datetime | None
    scalars: dict[int, object] = field(default_factory=dict)
    choices: dict[int, set[int]] = field(default_factory=dict)


RESPONSE_FIELDS = (
    "id",
    "iscm__acronym",
    "iscm__name",
    "iscm__region",
    "iscm__type",
    "status",
    "submitted_at",
)


def responses_for_export(*, campaign: Campaign, statuses: Iterable[str] | None = None) -> QuerySet[Response]:
    """The campaign's responses with the chosen statuses (default: responded, i.e. no drafts)."""
    statuses = list(statuses) if statuses else list(Response.RESPONDED)
    return Response.objects.filter(campaign=campaign, status__in=statuses)


def response_status_counts(*, campaign: Campaign) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, in the model's order (one GROUP BY query)."""
    counts = dict(
        Response.objects.filter(campaign=campaign).order_by().values_list("status").annotate(count=Count("id"))
    )
    return [(value, label, counts.get(value, 0)) for value, label in Response.Status.choices]


def _merge(
    responses: list[tuple], answers: Iterator[tuple], choices: Iterator[tuple]
) -> Iterator[ExportResponse]:
    """Walk the three ordered streams together and yield each response complete.

    The answer streams are ordered like `responses` (ISCM acronym, response id). A row whose response is
    not in the list (a response created after the list was read) or already written is skipped, so a
    concurrent submission can never shift answers onto another ISCM's row.
    """
    position = {row[0]: index for index, row in enumerate(responses)}
    answer = next(answers, None)
    ticked = next(choices, None)
    for index, row in enumerate(responses):
        item = ExportResponse(*row)
        response_id = row[0]
        scalars, selected = item.scalars, item.choices
        while answer is not None:
            if answer[0] == response_id:
                scalars[answer[1]] = answer[2:]
            elif position.get(answer[0], -1) > index:
                break  # the next response's first answer
            answer = next(answers, None)
        while ticked is not None:
            if ticked[0] == response_id:
                selected.setdefault(ticked[1], set()).add(ticked[2])
            elif position.get(ticked[0], -1) > index:
                break
            ticked = next(choices, None)
        yield item


def _export_responses(responses: QuerySet[Response]) -> Iterator[ExportResponse]:
    """Three queries whatever the size: the responses (small tuples), then two streamed cursors."""
    rows = list(responses.order_by("iscm__acronym", "id").values_list(*RESPONSE_FIELDS))
    if not rows:
        return iter(())
    ids = responses.values("id")
    answers = (
        Answer.objects.filter(response__in=ids)
        .order_by("response__iscm__acronym", "response_id")
        .values_list("response_id", "question_id", "text", "number", "date")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    choices = (
        AnswerChoice.objects.filter(response__in=ids)
        .order_by("response__iscm__acronym", "response_id")
        .values_list("response_id", "question_id", "choice_id")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    return _merge(rows, answers, choices)


def _scalar_text(question: QuestionSchema, value: tuple) -> str:
    if question.type in Question.NUMBER_TYPES or question.type == Question.Type.DATE:
        plain = question.scalar_from_row(*value)
        return "" if plain is None else str(plain)
    return csv_safe(value[0])


def _timestamp(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat()


def _choice_text(choice: ChoiceSchema, labels: str | None) -> str:
    return choice.label_in(labels) if labels else choice.code


def wide_header(questions: list[QuestionSchema]) -> list[str]:
    return [*WIDE_FIXED_COLUMNS, *(column for question in questions for column in wide_columns(question))]


def wide_rows(
    questions: list[QuestionSchema], responses: Iterable[ExportResponse], *, labels: str | None = None
) -> Iterator[list[str]]:
    yield wide_header(questions)
    joiner = LABEL_JOINER if labels else " "
    # What each question needs, worked out once rather than once per response (this loop is the hot one).
    plan = [
        (
            question,
            question.is_choice,
            question.is_multiple,
            [(choice.id, _choice_text(choice, labels)) for choice in question.choices],
            [""] * len(question.choices),
        )
        for question in questions
    ]
    empty: set[int] = set()
    for item in responses:
        row = [
            csv_safe(item.iscm),
            csv_safe(item.iscm_name),
            csv_safe(item.region),
            item.iscm_type,
            item.status,
            _timestamp(item.submitted_at),
        ]
        scalars, choices = item.scalars, item.choices
        for question, is_choice, is_multiple, options, blanks in plan:
            if is_choice:
                ticked = choices.get(question.id, empty)
                if not ticked:
                    row.append("")
                    if is_multiple:
                        row.extend(blanks)
                    continue
                row.append(csv_safe(joiner.join(text for choice_id, text in options if choice_id in ticked)))
                if is_multiple:
                    row.extend(["1" if choice_id in ticked else "0" for choice_id, _text in options])
            else:
                value = scalars.get(question.id)
                row.append("" if value is None else _scalar_text(question, value))
        yield row


def long_rows(
    questions: list[QuestionSchema], responses: Iterable[ExportResponse], *, labels: str | None = None
) -> Iterator[list[str]]:
    yield list(LONG_COLUMNS)
    for item in responses:
        iscm = csv_safe(item.iscm)
        for question in questions:
            if question.is_choice:
                ticked = item.choices.get(question.id, set())
                for choice in question.choices:
                    if choice.id in ticked:
                        yield [iscm, item.status, question.code, choice.code, csv_safe(_choice_text(choice, labels))]
            else:
                value = item.scalars.get(question.id)
                if value is not None:
                    yield [iscm, item.status, question.code, "", _scalar_text(question, value)]


def codebook_rows(schema: QuestionnaireSchema, *, language: str = "en") -> Iterator[list[str]]:
    """Every column of the wide file, then the choices: enough to read an export without the app."""
    yield list(CODEBOOK_COLUMNS)
    with override(language):
        fixed = {
            "iscm": ("code", _("Acronym of the ISCM (the key used on import).")),
            "iscm_name": ("text", _("Name of the ISCM (ignored on import).")),
            "region": ("text", _("Region of the ISCM (ignored on import).")),
            "type": ("code", _("Type of ISCM: RCP, IRF or GLOBAL (ignored on import).")),
            "status": ("code", _("Status of the response: draft, submitted, returned or validated.")),
            "submitted_at": ("datetime", _("When the response was submitted, ISO 8601 in UTC.")),
        }
        yes, no = "yes", "no"
        for column, (kind, label) in fixed.items():
            yield [column, "", "", kind, "", "", "", "", "", csv_safe(label), "", ""]
        numbers = question_numbers(schema)
        for section in schema.sections:
            yield from _codebook_question_rows(section, yes, no, language, numbers)


def _codebook_question_rows(
    section: SectionSchema, yes: str, no: str, language: str, numbers: dict[str, str]
) -> Iterator[list[str]]:
    for question in section.questions:
        condition = ""
        if question.show_if:
            condition = f"{question.show_if}: {' '.join(question.show_if_values)}"
        yield [
            question.code,
            question.code,
            "",
            question.type,
            yes if question.required else no,
            "" if question.max_choices is None else str(question.max_choices),
            "" if question.effective_max_length is None else str(question.effective_max_length),
            condition,
            csv_safe(section.title),
            csv_safe(question.label),
            csv_safe(question.help),
            numbers[question.code],
        ]
        for choice in question.choices:
            column = f"{question.code}/{choice.code}" if question.is_multiple else question.code
            yield [
                column,
                question.code,
                choice.code,
                "choice",
                "",
                "",
                "",
                "",
                "",
                csv_safe(choice.label_in(language)),
                csv_safe(choice.description_in(language)),
                numbers[question.code],
            ]


# --- bytes out -----------------------------------------------------------------------------------


class RowCounter:
    """Counts the data rows a generator let through (the header excluded) for the export log."""

    def __init__(self) -> None:
        self.rows = -1

    def wrap(self, rows: Iterable[list[str]]) -> Iterator[list[str]]:
        for row in rows:
            self.rows += 1
            yield row


class _Sink:
    """A write-only buffer for csv.writer: a list of strings, joined once per chunk (StringIO's tell()
    would copy its contents on every row)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts.clear()
        self.size = 0
        return data


def csv_bytes(rows: Iterable[list[str]], *, bom: bool = False) -> Iterator[bytes]:
    """RFC 4180 (csv module, CRLF), UTF-8, optional BOM; yields chunks of about 64 KB."""
    sink = _Sink()
    writer = csv.writer(sink, lineterminator="\r\n")
    if bom:
        sink.write(BOM)
    for row in rows:
        writer.writerow(row)
        if sink.size >= FLUSH_CHARS:
            yield sink.take()
    if sink.size:
        yield sink.take()


def _labels_language(labels: str | None) -> str | None:
    if not labels:
        return None
    language = labels[:2].lower()
    if language not in LANGUAGE_CODES:
        raise ValueError(f"unknown language {labels!r}; expected one of {', '.join(LANGUAGE_CODES)}")
    return language


def responses_csv(
    *,
    questionnaire: Questionnaire,
    responses: QuerySet[Response],
    export_format: str = "wide",
    labels: str | None = None,
    bom: bool = False,
    counter: RowCounter | None = None,
) -> Iterator[bytes]:
    """The bytes of a wide or long export of `responses` (all of one questionnaire), lazily."""
    if export_format not in FORMATS:
        raise ValueError(f"unknown format {export_format!r}; expected one of {', '.join(FORMATS)}")
    language = _labels_language(labels)

    def generate() -> Iterator[bytes]:
        # Nothing touches the database before the first chunk is asked for.
        questions = export_questions(questionnaire)
        items = _export_responses(responses)
        builder = wide_rows if export_format == "wide" else long_rows
        rows = builder(questions, items, labels=language)
        yield from csv_bytes(counter.wrap(rows) if counter else rows, bom=bom)

    return generate()


def codebook_csv(*, questionnaire: Questionnaire, language: str = "en", bom: bool = False) -> Iterator[bytes]:
    language = _labels_language(language) or "en"
    return csv_bytes(codebook_rows(questionnaire_schema(questionnaire), language=language), bom=bom)


def export_filename(campaign: Campaign, what: str) -> str:
    stamp = timezone.now().strftime("%Y%m%d")
    return f"{slugify(campaign.slug)}-{what}-{stamp}.csv"


def _user_fields(user: AbstractBaseUser | AnonymousUser | None) -> dict[str, object]:
    if user is None or not user.is_authenticated:
        return {"user": None, "username": None}
    return {"user": user.pk, "username": user.get_username()}


def export_log(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    campaign: Campaign,
    what: str,
    export_format: str,
    rows: int,
    complete: bool = True,
    via: str = "web",
    statuses: Iterable[str] = (),
) -> None:
    """Who exported what, how, how many rows, when (the log record's time); never any answer text."""
    from .services_activity import activity_record

    activity_record(
        kind="export",
        actor=user,
        campaign=campaign,
        detail=f"{what} ({export_format}), {rows} rows{'' if complete else ', interrupted'}, via {via}",
    )
    security_logger.info(
        "responses exported" if complete else "responses export interrupted",
        extra={
            "event": "csv_export",
            **_user_fields(user),
            "campaign": campaign.slug,
            "what": what,
            "format": export_format,
            "rows": rows,
            "statuses": sorted(statuses),
            "complete": complete,
            "via": via,
        },
    )


def logged_stream(chunks: Iterator[bytes], counter: RowCounter, **log_fields) -> Iterator[bytes]:
    """Pass the chunks through; log once the stream ends (or is abandoned by the client)."""
    complete = False
    try:
        yield from chunks
        complete = True
    finally:
        export_log(rows=max(counter.rows, 0), complete=complete, **log_fields)


def csv_download_response(chunks: Iterable[bytes] | Iterable[str], filename: str) -> StreamingHttpResponse:
    """Every CSV download, responses or figures: an attachment that is never sniffed nor cached."""
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def campaign_export_response(
    *,
    campaign: Campaign,
    user: AbstractBaseUser | AnonymousUser | None,
    statuses: Iterable[str] | None = None,
    export_format: str = "wide",
    labels: str | None = None,
    bom: bool = False,
) -> StreamingHttpResponse:
    """The web download of a campaign's responses, logged to `iscm.security` when the stream ends."""
    statuses = list(statuses) if statuses else list(Response.RESPONDED)
    counter = RowCounter()
    chunks = responses_csv(
        questionnaire=campaign.questionnaire,
        responses=responses_for_export(campaign=campaign, statuses=statuses),
        export_format=export_format,
        labels=labels,
        bom=bom,
        counter=counter,
    )
    logged = logged_stream(
        chunks,
        counter,
        user=user,
        campaign=campaign,
        what="responses",
        export_format=export_format,
        statuses=statuses,
    )
    # The name says what the file holds: format, "excel" (BOM), label language, statuses when not the default.
    name = ["responses", export_format, *(["excel"] if bom else []), *([labels[:2]] if labels else [])]
    if sorted(statuses) != sorted(Response.RESPONDED):
        name.append("-".join(sorted(statuses)))
    return csv_download_response(logged, export_filename(campaign, "-".join(name)))


def responses_export_response(
    responses: QuerySet[Response] | Iterable[Response],
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    export_format: str = "wide",
    labels: str | None = None,
    bom: bool = False,
) -> StreamingHttpResponse:
    """The admin action's download: the selected responses with the same writer as everywhere else.

    Every status is exported (the admin chose the rows). Raises ValueError when the selection is
    empty or spans several campaigns (one file holds one questionnaire's columns).
    """
    if not isinstance(responses, QuerySet):
        responses = Response.objects.filter(pk__in=[response.pk for response in responses])
    campaign_ids = list(responses.order_by().values_list("campaign_id", flat=True).distinct()[:2])
    if len(campaign_ids) != 1:
        raise ValueError(_("Select the responses of one campaign (one file holds one questionnaire)."))
    campaign = Campaign.objects.select_related("questionnaire").get(pk=campaign_ids[0])
    counter = RowCounter()
    chunks = responses_csv(
        questionnaire=campaign.questionnaire,
        responses=Response.objects.filter(pk__in=responses.values("pk")),
        export_format=export_format,
        labels=labels,
        bom=bom,
        counter=counter,
    )
    logged = logged_stream(
        chunks, counter, user=user, campaign=campaign, what="responses", export_format=export_format, via="admin"
    )
    return csv_download_response(logged, export_filename(campaign, f"selected-responses-{export_format}"))


def codebook_export_response(
    *, campaign: Campaign, user: AbstractBaseUser | AnonymousUser | None, language: str = "en", bom: bool = False
) -> StreamingHttpResponse:
    counter = RowCounter()
    rows = counter.wrap(codebook_rows(questionnaire_schema(campaign.questionnaire), language=language))
    logged = logged_stream(
        csv_bytes(rows, bom=bom), counter, user=user, campaign=campaign, what="codebook", export_format="codebook"
    )
    return csv_download_response(logged, export_filename(campaign, f"codebook-{language[:2]}"))


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
        from .xlsx_io import workbook_records  # xlsx_io builds on this module

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
    missing = [code for code in schema.questions if code not in seen_columns]
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
    records, problem = _import_records(data)
    if problem:
        report.problems.append(problem)
    else:
        schema = questionnaire_schema(campaign.questionnaire)
        header = _header_check(records, schema, report.problems)
        if header is not None:
            _rows_write(campaign=campaign, schema=schema, header=header, records=records, user=user, report=report)
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
            if report.created or report.updated:
                answers_changed_announce(campaign_id=campaign.pk)  # once for the whole file
    except _Rollback as rollback:
        report.problems.extend(rollback.problems)
        report.created, report.updated, report.unchanged = [], [], []


def _import_log(
    *, user: AbstractBaseUser | AnonymousUser | None, campaign: Campaign, report: ImportReport, via: str
) -> None:
    from .services_activity import activity_record

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
            **_user_fields(user),
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
