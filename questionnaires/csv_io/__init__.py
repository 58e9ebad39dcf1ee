"""CSV exports and imports of responses (wide, long, codebook), streamed out and checked on the way in.

Exports stream: the questions and choices are read once, the campaign's responses once (small tuples),
then one ordered query over the answer rows and one over the ticked choices, both read with
`.iterator(chunk_size=...)`; a response's row is written as soon as the cursors have moved past it.
The number of queries is the same whatever the number of responses, and the file is never held in
memory (the web view wraps the byte generator in a StreamingHttpResponse).

Lists of items (a repeat group) are not columns of the wide or long file: the `items` format is their
long table, one row per item keyed by ISCM, list and item number, one column per item field
(`items_rows`). A wide import leaves the stored items as they are; an items file replaces the items of
the lists it names for the ISCMs it names (`items_import_csv`), through the same validation.

Imports read the wide format in one pass, check every row with `questionnaires.validation.answers_validate`
(the web form's validation) and write nothing unless every row is right: the writes go through
`questionnaires.services.responses_import` in batches, one transaction for the whole file.

Formula injection (OWASP "CSV injection"): a text cell that starts with = + - @ tab or CR is written
with a leading apostrophe; `csv_unsafe` removes exactly that apostrophe on import. Number and date
answers are never prefixed: the app validated them as numbers, and "-5" must stay a number for
analysts. See docs/csv.md.

The package by role: `cells` (the formula rule, bytes), `rows` (what an export contains), `downloads`
(HTTP responses and the export log), `imports` (the CSV import).
"""

from .cells import BOM, FLUSH_CHARS, FORMULA_TRIGGERS, RowCounter, csv_bytes, csv_safe, csv_unsafe
from .downloads import (
    campaign_export_response,
    codebook_csv,
    codebook_export_response,
    csv_download_response,
    export_filename,
    export_log,
    log_user_fields,
    logged_stream,
    responses_csv,
    responses_export_response,
)
from .imports import (
    IGNORED_IMPORT_COLUMNS,
    IMPORT_BATCH_ROWS,
    MAX_IMPORT_BYTES,
    ImportReport,
    Problem,
    items_import_csv,
    responses_import_csv,
)
from .rows import (
    CHUNK_SIZE,
    CODEBOOK_COLUMNS,
    FORMATS,
    ITEMS_FIXED_COLUMNS,
    LABEL_JOINER,
    LONG_COLUMNS,
    RESPONSE_FIELDS,
    WIDE_FIXED_COLUMNS,
    ExportResponse,
    codebook_rows,
    export_items_stream,
    export_questions,
    export_responses_stream,
    items_header,
    items_rows,
    labels_language,
    long_rows,
    response_status_counts,
    responses_for_export,
    wide_columns,
    wide_header,
    wide_rows,
)

__all__ = [
    "BOM",
    "CHUNK_SIZE",
    "CODEBOOK_COLUMNS",
    "ExportResponse",
    "FLUSH_CHARS",
    "FORMATS",
    "FORMULA_TRIGGERS",
    "IGNORED_IMPORT_COLUMNS",
    "IMPORT_BATCH_ROWS",
    "ITEMS_FIXED_COLUMNS",
    "ImportReport",
    "LABEL_JOINER",
    "LONG_COLUMNS",
    "MAX_IMPORT_BYTES",
    "Problem",
    "RESPONSE_FIELDS",
    "RowCounter",
    "WIDE_FIXED_COLUMNS",
    "campaign_export_response",
    "codebook_csv",
    "codebook_export_response",
    "codebook_rows",
    "csv_bytes",
    "csv_download_response",
    "csv_safe",
    "csv_unsafe",
    "export_filename",
    "export_items_stream",
    "export_log",
    "export_questions",
    "export_responses_stream",
    "items_header",
    "items_import_csv",
    "items_rows",
    "labels_language",
    "log_user_fields",
    "logged_stream",
    "long_rows",
    "response_status_counts",
    "responses_csv",
    "responses_export_response",
    "responses_for_export",
    "responses_import_csv",
    "wide_columns",
    "wide_header",
    "wide_rows",
]
