"""Writes to responses: draft, submit, return, validate, import. Views, the admin, commands and the
CSV import all call these, so validation, locking and history happen the same way for every door."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .emails import response_review_enqueue
from .models import (
    ActivityEvent,
    Answer,
    AnswerChoice,
    Campaign,
    Invitation,
    Iscm,
    Response,
    ResponseEvent,
)
from .schema import QuestionnaireSchema, questionnaire_schema
from .selectors import response_answers, response_changes_since
from .services_activity import activity_record
from .services_authoring import questionnaire_new_version  # noqa: F401 - the admin's "new version" action
from .services_campaigns import CampaignInvalid, invitation_extend
from .signals import answers_changed_announce, figures_follow_response, response_responded_announce
from .validation import AnswersInvalid, answers_validate

logger = logging.getLogger(__name__)


class ResponseLocked(Exception):
    """The response cannot change (campaign closed, or a status that forbids the action)."""


class VersionConflict(Exception):
    """Someone saved the response since the form was loaded; `changes` says what they changed."""

    def __init__(self, response: Response, changes: dict[str, list[object]]):
        super().__init__(_("This response was changed by someone else since you opened it."))
        self.response = response
        self.changes = changes


@dataclass
class WriteResult:
    response: Response
    changes: dict[str, list[object]]
    replayed: bool = False  # a double-clicked submit: nothing was written


def response_get_or_create(*, campaign: Campaign, iscm: Iscm) -> Response:
    response, _created = Response.objects.get_or_create(campaign=campaign, iscm=iscm)
    return response


def response_save_draft(
    *,
    response: Response,
    user: AbstractBaseUser | None,
    answers: dict[str, object],
    expected_version: int | None,
    language: str = "en",
) -> WriteResult:
    """Keep what was typed: type and choice checks only. Submitted responses change only by re-submitting."""
    return _response_write(
        response=response,
        user=user,
        answers=answers,
        expected_version=expected_version,
        final=False,
        language=language,
    )


def response_submit(
    *,
    response: Response,
    user: AbstractBaseUser | None,
    answers: dict[str, object],
    expected_version: int | None,
    language: str = "en",
) -> WriteResult:
    return _response_write(
        response=response,
        user=user,
        answers=answers,
        expected_version=expected_version,
        final=True,
        language=language,
    )


@transaction.atomic
def response_return(
    *, response: Response, user: AbstractBaseUser, comment: str, until: datetime.datetime | None = None
) -> Response:
    """The coordinator sends a submitted response back for revision, with a comment for the focal points.

    Once the campaign is closed the focal points could not act on it, so a return then needs `until`:
    the date until which this ISCM alone may revise and submit again (see `invitation_extend`).
    """
    locked = Response.objects.select_for_update().select_related("campaign", "iscm").get(pk=response.pk)
    if locked.status not in (Response.Status.SUBMITTED, Response.Status.VALIDATED):
        raise ResponseLocked(_("Only a submitted or validated response can be returned."))
    if not comment.strip():
        raise AnswersInvalid({"comment": [_("Say what the focal points should revise.")]})
    if until is not None:
        try:
            invitation_extend(campaign=locked.campaign, iscm=locked.iscm, until=until, user=user)
        except CampaignInvalid as error:
            errors = {"until" if key is None else key: messages for key, messages in error.errors.items()}
            raise AnswersInvalid(errors) from error
    elif not response_is_open(locked):
        raise AnswersInvalid(
            {
                "until": [
                    _(
                        "The campaign is closed: its focal points could not revise the response. Give them until "
                        "a date to do so, or leave the response as it is."
                    )
                ]
            }
        )
    activity_record(
        kind=ActivityEvent.Kind.REVIEW,
        actor=user,
        campaign=locked.campaign,
        iscm_id=locked.iscm_id,
        detail=f"returned for revision: {comment.strip()}",
    )
    returned = _status_change(locked, user, Response.Status.RETURNED, ResponseEvent.Action.RETURNED, comment.strip())
    response_review_enqueue(response_id=returned.pk, version=returned.version)
    return returned


def response_is_open(response: Response, moment: datetime.datetime | None = None) -> bool:
    """Whether the focal points may change this response now: the campaign is open, or the ISCM's extension runs."""
    moment = moment or timezone.now()
    invitation = (
        Invitation.objects.select_related("campaign")
        .filter(campaign_id=response.campaign_id, iscm_id=response.iscm_id)
        .first()
    )
    if invitation is None:
        return response.campaign.status_at(moment) == Campaign.Status.OPEN
    return invitation.is_open_at(moment)


@transaction.atomic
def response_validate(*, response: Response, user: AbstractBaseUser, comment: str = "") -> Response:
    """The coordinator accepts a submitted response; the focal points are told, with the optional comment."""
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.status != Response.Status.SUBMITTED:
        raise ResponseLocked(_("Only a submitted response can be validated."))
    activity_record(
        kind=ActivityEvent.Kind.REVIEW, actor=user, campaign=locked.campaign, iscm_id=locked.iscm_id, detail="validated"
    )
    validated = _status_change(
        locked, user, Response.Status.VALIDATED, ResponseEvent.Action.VALIDATED, comment.strip()
    )
    response_review_enqueue(response_id=validated.pk, version=validated.version)
    return validated


@transaction.atomic
def response_correct(
    *,
    response: Response,
    user: AbstractBaseUser,
    code: str,
    value: object,
    reason: str,
    expected_version: int | None,
) -> WriteResult:
    """A coordinator fixes one answer of a responded ISCM, with a reason, whatever the campaign's status.

    The whole response is validated as a submission (the one validation path), so a correction can
    never leave a response that its focal points could not have submitted. The status stays; the
    history records who, when, why and old → new; the figures are recomputed.
    """
    reason = (reason or "").strip()
    if not reason:
        raise AnswersInvalid({"reason": [_("Say why you correct this answer.")]})
    locked = Response.objects.select_for_update().select_related("campaign__questionnaire").get(pk=response.pk)
    if not locked.has_responded:
        raise ResponseLocked(_("Only a submitted response can be corrected: a draft belongs to its focal points."))
    if expected_version is not None and locked.version != expected_version:
        raise VersionConflict(locked, response_changes_since(locked, expected_version))
    schema = questionnaire_schema(locked.campaign.questionnaire)
    if code not in schema.questions:
        raise AnswersInvalid({code: [_("Unknown question “%(code)s”.") % {"code": code}]})
    current = response_answers(locked, schema)
    result = answers_validate(
        questionnaire=locked.campaign.questionnaire, answers={**current, code: value}, final=True, schema=schema
    )
    if not result.is_valid:
        raise AnswersInvalid(result.errors)
    new = _plain_values(schema, result.cleaned)
    changes = _diff(current, new)
    if not changes:
        raise AnswersInvalid({code: [_("This is already the answer: nothing to correct.")]})
    # The response stays responded: the stored figures follow the changed choice questions, like a submission.
    with figures_follow_response(
        response=locked, responded_after=True, question_ids=_counted_question_ids(schema, changes)
    ) as figures_kept:
        _answers_store(locked, schema, result.cleaned, changes)
    activity_record(
        kind=ActivityEvent.Kind.CORRECTION,
        actor=user,
        campaign=locked.campaign,
        iscm_id=locked.iscm_id,
        detail=f"{code}: {reason}",
    )
    response = _finish_write(
        locked, user, ResponseEvent.Action.CORRECTED, changes, reason, recompute=not figures_kept
    )
    response_responded_announce(response=response, schema=schema, answers=new)
    return WriteResult(response, changes)


@dataclass
class ImportRow:
    """One row of an import: the ISCM, its raw answers (as the form or a CSV cell gives them), the status
    ("submitted" or "draft"; a review status only as the stored one) and the submission date, if given."""

    iscm: Iscm
    answers: dict[str, object]
    status: str
    submitted_at: datetime.datetime | None = None


class ImportRowInvalid(AnswersInvalid):
    """`responses_import` refused a row: `index` is its position in the batch, `errors` as AnswersInvalid."""

    def __init__(self, index: int, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.index = index


def response_import(
    *,
    campaign: Campaign,
    iscm: Iscm,
    user: AbstractBaseUser | None,
    answers: dict[str, object],
    status: str,
    submitted_at=None,
    schema: QuestionnaireSchema | None = None,
    recompute: bool = True,
) -> WriteResult | None:
    """Write one imported row, whatever the campaign's status. Returns None when nothing changed.

    A batch of one for `responses_import` (the rules are there); raises AnswersInvalid for a wrong row.
    """
    try:
        return responses_import(
            campaign=campaign,
            rows=[ImportRow(iscm=iscm, answers=answers, status=status, submitted_at=submitted_at)],
            user=user,
            schema=schema,
            recompute=recompute,
        )[0]
    except ImportRowInvalid as error:
        raise AnswersInvalid(error.errors) from error


@transaction.atomic
def responses_import(
    *,
    campaign: Campaign,
    rows: list[ImportRow],
    user: AbstractBaseUser | None,
    schema: QuestionnaireSchema | None = None,
    recompute: bool = True,
) -> list[WriteResult | None]:
    """Write a batch of imported rows (one per ISCM) in a fixed number of queries, whatever the campaign's
    status; one result per row, None when the row changed nothing. The CSV import sends its rows here in
    batches, so a file of 10,000 rows costs a few queries per batch instead of a dozen per row.

    Every row is validated as the form's answers are (`answers_validate`) before anything is written; a
    wrong row or an ISCM that is not invited raises ImportRowInvalid (nothing of the batch written).
    A row identical to the stored response changes nothing: not its status (a validated response
    re-imported from an older export stays validated), not its `submitted_at`, not its history. Each
    written response gets version + 1 and an "imported" history event with its changes, as any write.
    `recompute=False` lets a caller writing several batches request one recompute at the end.
    """
    if not rows:
        return []
    schema = schema if schema is not None else questionnaire_schema(campaign.questionnaire)
    cleaned_rows = []
    for index, row in enumerate(rows):
        final = row.status != Response.Status.DRAFT
        result = answers_validate(questionnaire=campaign.questionnaire, answers=row.answers, final=final, schema=schema)
        if not result.is_valid:
            raise ImportRowInvalid(index, result.errors)
        cleaned_rows.append(result.cleaned)
    iscm_ids = [row.iscm.pk for row in rows]
    invited = set(
        Invitation.objects.filter(campaign=campaign, iscm_id__in=iscm_ids).values_list("iscm_id", flat=True)
    )
    for index, row in enumerate(rows):
        if row.iscm.pk not in invited:
            message = _("%(iscm)s is not invited to this campaign.") % {"iscm": row.iscm.acronym}
            raise ImportRowInvalid(index, {"iscm": [message]})

    stored = {
        response.iscm_id: response
        for response in Response.objects.select_for_update().filter(campaign=campaign, iscm_id__in=iscm_ids)
    }
    current = _stored_answers(schema, [response.pk for response in stored.values()])
    importer = user if user is not None and user.is_authenticated else None
    now = timezone.now()
    results: list[WriteResult | None] = []
    written: list[tuple[Response, dict[str, object], dict[str, list[object]], str]] = []
    for row, cleaned in zip(rows, cleaned_rows, strict=True):
        response = stored.get(row.iscm.pk)
        created = response is None
        if created:
            response = Response(campaign=campaign, iscm=row.iscm, created_at=now)
        changes = _diff(current.get(response.pk, {}) if not created else {}, _plain_values(schema, cleaned))
        status = row.status
        final = status != Response.Status.DRAFT
        if final and response.status in Response.RESPONDED and not changes:
            status = response.status  # same answers: a review outcome is not undone by an older export
        if final:
            new_submitted_at = (
                row.submitted_at or (response.submitted_at if response.has_responded else None) or _now()
            )
        else:
            new_submitted_at = None
        if not created and not changes and response.status == status and response.submitted_at == new_submitted_at:
            results.append(None)
            continue
        comment = ""
        if final and response.submitted_at and response.submitted_at != new_submitted_at:
            comment = _("Submission date changed from %(old)s to %(new)s.") % {
                "old": response.submitted_at.isoformat(),
                "new": new_submitted_at.isoformat(),
            }
        if final and (not response.has_responded or changes):
            response.submitted_by = importer
        elif not final:
            response.submitted_by = None
        response.status = status
        response.submitted_at = new_submitted_at
        response.version += 1
        response.updated_at = now
        response.updated_by = importer
        written.append((response, cleaned, changes, comment))
        results.append(WriteResult(response, changes))
    if not written:
        return results

    changed = [response for response, *_rest in written if response.pk is not None]
    # primary keys are set on the new rows by PostgreSQL and SQLite alike (RETURNING)
    created = Response.objects.bulk_create([response for response, *_rest in written if response.pk is None])
    _answers_store_many(
        schema,
        [(response, cleaned, changes) for response, cleaned, changes, _c in written],
        new_ids=frozenset(response.pk for response in created),
    )
    if changed:
        Response.objects.bulk_update(
            changed, ["status", "submitted_at", "submitted_by", "version", "updated_at", "updated_by"]
        )
    ResponseEvent.objects.bulk_create(
        ResponseEvent(
            response=response,
            action=ResponseEvent.Action.IMPORTED,
            user=importer,
            at=now,
            version=response.version,
            status=response.status,
            changes=changes,
            comment=comment,
        )
        for response, _cleaned, changes, comment in written
    )
    for response, cleaned, _changes, _comment in written:
        _write_log(response, ResponseEvent.Action.IMPORTED)
        if response.status != Response.Status.DRAFT:
            response_responded_announce(response=response, schema=schema, answers=_plain_values(schema, cleaned))
    if recompute:
        answers_changed_announce(campaign_id=campaign.pk)
    return results


def _stored_answers(schema: QuestionnaireSchema, response_ids: list[int]) -> dict[int, dict[str, object]]:
    """`response_answers` of many responses in two queries: {response id: {code: plain value}}."""
    if not response_ids:
        return {}
    answer_rows: dict[int, list[dict[str, object]]] = {}
    for row in Answer.objects.filter(response_id__in=response_ids).values(
        "response_id", "question_id", "text", "number", "date", "item"
    ):
        answer_rows.setdefault(row["response_id"], []).append(row)
    choice_rows: dict[int, list[tuple[int, int, int | None]]] = {}
    for response_id, question_id, choice_id, item in AnswerChoice.objects.filter(
        response_id__in=response_ids
    ).values_list("response_id", "question_id", "choice_id", "item"):
        choice_rows.setdefault(response_id, []).append((question_id, choice_id, item))
    return {
        response_id: schema.values_from_rows(answer_rows.get(response_id, []), choice_rows.get(response_id, []))
        for response_id in response_ids
    }


def _now():
    # Whole seconds: exports write ISO 8601 without fractions, so a re-import compares equal.
    return timezone.now().replace(microsecond=0)


def _response_write(
    *,
    response: Response,
    user: AbstractBaseUser | None,
    answers: dict[str, object],
    expected_version: int | None,
    final: bool,
    language: str,
) -> WriteResult:
    campaign = response.campaign
    schema = questionnaire_schema(campaign.questionnaire)
    result = answers_validate(questionnaire=campaign.questionnaire, answers=answers, final=final, schema=schema)
    if not result.is_valid:
        raise AnswersInvalid(result.errors)
    new = _plain_values(schema, result.cleaned)

    with transaction.atomic():
        locked = Response.objects.select_for_update().select_related("campaign").get(pk=response.pk)
        # Server-side deadline: a crafted POST after the close is refused whatever the form said.
        if not response_is_open(locked):
            raise ResponseLocked(_("This campaign is closed: the response can no longer change."))
        current = response_answers(locked, schema)
        if expected_version is not None and locked.version != expected_version:
            if final and locked.has_responded and current == new:
                return WriteResult(locked, {}, replayed=True)
            changes_by_other = response_changes_since(locked, expected_version)
            raise VersionConflict(locked, changes_by_other)
        if not final and locked.status in (Response.Status.SUBMITTED, Response.Status.VALIDATED):
            raise ResponseLocked(
                _("This response is submitted: change it by submitting again, so the figures stay complete.")
            )
        changes = _diff(current, new)
        # The stored figures follow in this transaction (a few rows per changed choice question), instead
        # of a rebuild of the whole campaign per submission; a rebuild only if they were stale already.
        with figures_follow_response(
            response=locked,
            responded_after=final or locked.has_responded,
            question_ids=_counted_question_ids(schema, changes),
        ) as figures_kept:
            _answers_store(locked, schema, result.cleaned, changes)
        locked.language = (language or "en")[:5]
        if final:
            locked.status = Response.Status.SUBMITTED
            locked.submitted_at = _now()
            locked.submitted_by = user
            action = ResponseEvent.Action.SUBMITTED
        else:
            action = ResponseEvent.Action.DRAFT_SAVED
        written = _finish_write(locked, user, action, changes, "", recompute=not figures_kept)
        if final:
            response_responded_announce(response=written, schema=schema, answers=new)
        return WriteResult(written, changes)


def _diff(current: dict[str, object], new: dict[str, object]) -> dict[str, list[object]]:
    return {
        code: [current.get(code), new.get(code)]
        for code in sorted(set(current) | set(new))
        if current.get(code) != new.get(code)
    }


def _counted_question_ids(schema: QuestionnaireSchema, changes: dict[str, list[object]]) -> list[int]:
    """The changed questions that stored figures count: choices (counts) and texts (answers per question)."""
    return [
        schema.questions[code].id
        for code in changes
        if schema.questions[code].is_choice or schema.questions[code].is_text
    ]


def _plain_values(schema: QuestionnaireSchema, cleaned: dict[str, object]) -> dict[str, object]:
    return {code: schema.questions[code].plain_value(value) for code, value in cleaned.items()}


def _answers_store(
    response: Response,
    schema: QuestionnaireSchema,
    cleaned: dict[str, object],
    changes: dict[str, list[object]],
) -> None:
    """Rewrite the rows of the questions that changed; untouched answers keep their rows."""
    _answers_store_many(schema, [(response, cleaned, changes)])


def _answers_store_many(
    schema: QuestionnaireSchema,
    writes: list[tuple[Response, dict[str, object], dict[str, list[object]]]],
    *,
    new_ids: frozenset[int] = frozenset(),
) -> None:
    """`_answers_store` for several responses: one DELETE and one INSERT per table. `new_ids`: responses
    created by this write, which have no rows to delete."""
    stale = models.Q()
    scalar_rows: list[dict[str, object]] = []
    choice_rows: list[dict[str, object]] = []
    for response, cleaned, changes in writes:
        if not changes:
            continue
        if response.pk not in new_ids:
            question_ids = [question_id for code in changes for question_id in schema.row_question_ids(code)]
            stale |= models.Q(response_id=response.pk, question_id__in=question_ids)
        scalars, ticked = schema.rows_for(response.pk, cleaned, changes)
        scalar_rows += scalars
        choice_rows += ticked
    if stale:
        Answer.objects.filter(stale).delete()
        AnswerChoice.objects.filter(stale).delete()
    _rows_insert(Answer, scalar_rows)
    _rows_insert(AnswerChoice, choice_rows)


def _rows_insert(model: type[models.Model], rows: list[dict[str, object]]) -> None:
    """Insert new rows given as field values (`QuestionnaireSchema.rows_for`; unnamed fields take their
    defaults). On PostgreSQL without model instances or the ORM's per-value SQL compilation, which cost
    more than the database's own work for the ~30 rows of each imported response (psycopg2 adapts the
    plain values of these models: integers, texts, decimals, dates, booleans)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows])
        return
    from psycopg2.extras import execute_values

    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) VALUES %s"
    )
    defaults = [(field.attname, field.get_default()) for field in fields]
    with connection.cursor() as cursor:
        values = [tuple(row.get(name, default) for name, default in defaults) for row in rows]
        execute_values(cursor.cursor, sql, values, page_size=2000)


def _status_change(
    response: Response, user: AbstractBaseUser, status: str, action: str, comment: str
) -> Response:
    # Returned and validated responses count like submitted ones: no figure moves, only "figures as of".
    with figures_follow_response(
        response=response, responded_after=status in Response.RESPONDED, question_ids=[]
    ) as figures_kept:
        response.status = status
    response.review_comment = comment if status == Response.Status.RETURNED else response.review_comment
    return _finish_write(response, user, action, {}, comment, recompute=not figures_kept)


def _finish_write(
    response: Response,
    user: AbstractBaseUser | None,
    action: str,
    changes: dict[str, list[object]],
    comment: str,
    *,
    recompute: bool = True,
) -> Response:
    response.version += 1
    response.updated_at = timezone.now()
    response.updated_by = user if user is not None and user.is_authenticated else None
    response.save()
    ResponseEvent.objects.create(
        response=response,
        action=action,
        user=response.updated_by,
        at=response.updated_at,
        version=response.version,
        status=response.status,
        changes=changes,
        comment=comment,
    )
    if recompute and (response.has_responded or action == ResponseEvent.Action.IMPORTED):
        answers_changed_announce(campaign_id=response.campaign_id)
    _write_log(response, action)
    return response


def _write_log(response: Response, action: str) -> None:
    logger.info(
        "response %s",
        action,
        extra={
            "event": f"response_{action}",
            "campaign": response.campaign_id,
            "iscm": response.iscm_id,
            "user": response.updated_by_id,
            "version": response.version,
        },
    )


@transaction.atomic
def response_delete(*, response: Response, user: AbstractBaseUser | None) -> None:
    """Delete a response with its answers and history; the figures it counted are marked stale."""
    campaign_id = response.campaign_id
    response = Response.objects.select_for_update().get(pk=response.pk)  # its status as of now
    had_responded = response.has_responded
    iscm_id = response.iscm_id
    with figures_follow_response(response=response, responded_after=False, question_ids=None) as figures_kept:
        response.delete()
    logger.info(
        "response deleted",
        extra={
            "event": "response_deleted",
            "campaign": campaign_id,
            "iscm": iscm_id,
            "user": getattr(user, "pk", None),
        },
    )
    if had_responded and not figures_kept:
        answers_changed_announce(campaign_id=campaign_id)


@transaction.atomic
def responses_delete(*, responses: Iterable[Response], user: AbstractBaseUser | None) -> int:
    """`response_delete` for each response (the admin's bulk delete); returns how many were deleted."""
    deleted = 0
    for response in responses:
        response_delete(response=response, user=user)
        deleted += 1
    return deleted
