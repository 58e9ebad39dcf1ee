"""Exports as downloads: CSV byte streams, the HTTP responses (nosniff, no-store) and the export log."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import (
    Campaign,
    Questionnaire,
    Response,
)
from ..schema import (
    questionnaire_schema,
)
from .cells import RowCounter, csv_bytes
from .rows import (
    FORMATS,
    codebook_rows,
    export_items_stream,
    export_questions,
    export_responses_stream,
    items_rows,
    labels_language,
    long_rows,
    responses_for_export,
    wide_rows,
)

security_logger = logging.getLogger("iscm.security")


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
    language = labels_language(labels)

    def generate() -> Iterator[bytes]:
        # Nothing touches the database before the first chunk is asked for.
        if export_format == "items":
            rows = items_rows(questionnaire_schema(questionnaire), export_items_stream(responses), labels=language)
        else:
            questions = export_questions(questionnaire)
            builder = wide_rows if export_format == "wide" else long_rows
            rows = builder(questions, export_responses_stream(responses), labels=language)
        yield from csv_bytes(counter.wrap(rows) if counter else rows, bom=bom)

    return generate()


def codebook_csv(*, questionnaire: Questionnaire, language: str = "en", bom: bool = False) -> Iterator[bytes]:
    language = labels_language(language) or "en"
    return csv_bytes(codebook_rows(questionnaire_schema(questionnaire), language=language), bom=bom)


def export_filename(campaign: Campaign, what: str) -> str:
    stamp = timezone.now().strftime("%Y%m%d")
    return f"{slugify(campaign.slug)}-{what}-{stamp}.csv"


def log_user_fields(user: AbstractBaseUser | AnonymousUser | None) -> dict[str, object]:
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
    from ..services_activity import activity_record

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
            **log_user_fields(user),
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
