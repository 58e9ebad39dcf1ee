"""python manage.py export_responses <slug> [--format wide|long|codebook|xlsx] [--bom] [-o FILE] [--status S ...]
[--labels [LANG]]: the same writers as the web downloads, to a file or stdout (the Excel workbook: -o only)."""

import logging
import sys
from contextlib import contextmanager

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError

from questionnaires.csv_io import (
    FORMATS,
    RowCounter,
    codebook_csv,
    export_log,
    responses_csv,
    responses_for_export,
)
from questionnaires.models import LANGUAGE_CODES, Campaign, Response
from questionnaires.xlsx_io import responses_workbook_write


class Command(BaseCommand):
    help = "Export a campaign's responses as CSV (wide by default; drafts only when --status says so)."
    # The model checks only: the URL checks import every view (the API, the charts), which is most of
    # this command's start-up; `manage.py check` and `migrate` run them all.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The campaign's slug, e.g. iscm-contributions-2023.")
        parser.add_argument("--format", dest="export_format", choices=[*FORMATS, "codebook", "xlsx"], default="wide")
        parser.add_argument("--bom", action="store_true", help="Start with a UTF-8 BOM (for Excel; CSV only).")
        parser.add_argument("-o", "--output", help="Write to this file instead of standard output.")
        parser.add_argument(
            "--status",
            action="append",
            choices=Response.Status.values,
            help="Export responses with this status (repeatable). Default: submitted, returned, validated.",
        )
        parser.add_argument(
            "--labels",
            nargs="?",
            const="en",
            choices=LANGUAGE_CODES,
            help="Write choice labels in this language (default en) instead of choice codes.",
        )

    def handle(self, *args, slug, export_format, bom, output, status, labels, **options):
        campaign = Campaign.objects.select_related("questionnaire").filter(slug=slug).first()
        if campaign is None:
            raise CommandError(f"No campaign with the slug {slug!r}.")
        statuses = status or list(Response.RESPONDED)
        counter = RowCounter()
        if export_format == "xlsx":
            if not output:
                raise CommandError("An Excel workbook is not text: give the file to write with -o FILE.xlsx.")
            with open(output, "wb") as handle:
                responses_workbook_write(
                    handle,
                    campaign=campaign,
                    responses=responses_for_export(campaign=campaign, statuses=statuses),
                    labels=labels,
                    counter=counter,
                )
            rows = max(counter.rows, 0)
            export_log(
                user=None,
                campaign=campaign,
                what="responses",
                export_format="xlsx",
                rows=rows,
                via="command",
                statuses=statuses,
            )
            self.stderr.write(f"Wrote {output} ({rows} responses).")
            return
        if export_format == "codebook":
            chunks = codebook_csv(questionnaire=campaign.questionnaire, language=labels or "en", bom=bom)
        else:
            chunks = responses_csv(
                questionnaire=campaign.questionnaire,
                responses=responses_for_export(campaign=campaign, statuses=statuses),
                export_format=export_format,
                labels=labels,
                bom=bom,
                counter=counter,
            )
        with _logs_off_stdout(active=not output):
            if output:
                with open(output, "wb") as handle:
                    for chunk in chunks:
                        handle.write(chunk)
            else:
                self._to_stdout(chunks)
            rows = max(counter.rows, 0)
            export_log(
                user=None,
                campaign=campaign,
                what="codebook" if export_format == "codebook" else "responses",
                export_format=export_format,
                rows=rows,
                via="command",
                statuses=statuses,
            )
        if output:
            self.stderr.write(f"Wrote {output}" + ("" if export_format == "codebook" else f" ({rows} responses)."))

    def _to_stdout(self, chunks):
        # Bytes as written (CRLF, UTF-8) when stdout is a real file; text when a test captures it.
        binary = getattr(self.stdout._out, "buffer", None)
        if binary is None and self.stdout._out is sys.stdout:
            binary = sys.stdout.buffer
        for chunk in chunks:
            if binary is not None:
                binary.write(chunk)
            else:
                self.stdout.write(chunk.decode("utf-8"), ending="")
        if binary is not None:
            binary.flush()


@contextmanager
def _logs_off_stdout(*, active: bool):
    """While the CSV goes to stdout, send log records that would go there to stderr instead: the project
    logs JSON lines to stdout, and a log line must never end up inside the exported file."""
    moved = []
    if active:
        loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.root.manager.loggerDict)]
        for logger in loggers:
            for handler in getattr(logger, "handlers", []):
                if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.__stdout__):
                    moved.append((handler, handler.setStream(sys.stderr)))
    try:
        yield
    finally:
        for handler, stream in moved:
            handler.setStream(stream)
