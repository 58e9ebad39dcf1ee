"""Writes to responses: draft, submit, return, validate, import. Views, the admin, commands and the
CSV import all call these, so validation, locking and history happen the same way for every door."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
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
from .signals import answers_changed_announce, figures_follow_response
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
        response=locked, responded_after=True, question_ids=_choice_question_ids(schema, changes)
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
    return WriteResult(response, changes)


@transaction.atomic
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

    A row identical to the stored response changes nothing: not its status (a validated response
    re-imported from an older export stays validated), not its `submitted_at`, not its history.
    `recompute=False` lets a bulk import request one recompute at the end instead of one per row.
    """
    if not Invitation.objects.filter(campaign=campaign, iscm=iscm).exists():
        raise AnswersInvalid({"iscm": [_("%(iscm)s is not invited to this campaign.") % {"iscm": iscm.acronym}]})
    schema = schema if schema is not None else questionnaire_schema(campaign.questionnaire)
    final = status != Response.Status.DRAFT
    result = answers_validate(questionnaire=campaign.questionnaire, answers=answers, final=final, schema=schema)
    if not result.is_valid:
        raise AnswersInvalid(result.errors)
    response, created = Response.objects.get_or_create(campaign=campaign, iscm=iscm)
    locked = Response.objects.select_for_update().get(pk=response.pk)
    current = response_answers(locked, schema)
    new = _plain_values(schema, result.cleaned)
    changes = _diff(current, new)

    if final and locked.status in Response.RESPONDED and not changes:
        status = locked.status  # same answers: a review outcome is not undone by an older export
    if final:
        new_submitted_at = submitted_at or (locked.submitted_at if locked.has_responded else None) or _now()
    else:
        new_submitted_at = None
    if not created and not changes and locked.status == status and locked.submitted_at == new_submitted_at:
        return None

    comment = ""
    if final and locked.submitted_at and locked.submitted_at != new_submitted_at:
        comment = _("Submission date changed from %(old)s to %(new)s.") % {
            "old": locked.submitted_at.isoformat(),
            "new": new_submitted_at.isoformat(),
        }
    _answers_store(locked, schema, result.cleaned, changes)
    if final and (not locked.has_responded or changes):
        locked.submitted_by = user if user is not None and user.is_authenticated else None
    elif not final:
        locked.submitted_by = None
    locked.status = status
    locked.submitted_at = new_submitted_at
    response = _finish_write(locked, user, ResponseEvent.Action.IMPORTED, changes, comment, recompute=recompute)
    return WriteResult(response, changes)


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
            question_ids=_choice_question_ids(schema, changes),
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
        return WriteResult(_finish_write(locked, user, action, changes, "", recompute=not figures_kept), changes)


def _diff(current: dict[str, object], new: dict[str, object]) -> dict[str, list[object]]:
    return {
        code: [current.get(code), new.get(code)]
        for code in sorted(set(current) | set(new))
        if current.get(code) != new.get(code)
    }


def _choice_question_ids(schema: QuestionnaireSchema, changes: dict[str, list[object]]) -> list[int]:
    return [schema.questions[code].id for code in changes if schema.questions[code].is_choice]


def _plain_values(schema: QuestionnaireSchema, cleaned: dict[str, object]) -> dict[str, object]:
    return {code: schema.questions[code].plain_value(value) for code, value in cleaned.items()}


def _answers_store(
    response: Response,
    schema: QuestionnaireSchema,
    cleaned: dict[str, object],
    changes: dict[str, list[object]],
) -> None:
    """Rewrite the rows of the questions that changed; untouched answers keep their rows."""
    if not changes:
        return
    changed_ids = [schema.questions[code].id for code in changes]
    Answer.objects.filter(response=response, question_id__in=changed_ids).delete()
    AnswerChoice.objects.filter(response=response, question_id__in=changed_ids).delete()
    scalar_rows, choice_rows = schema.rows_for(response.pk, cleaned, changes)
    if scalar_rows:
        Answer.objects.bulk_create(scalar_rows)
    if choice_rows:
        AnswerChoice.objects.bulk_create(choice_rows)


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
    return response


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
