"""Writes to responses: draft, submit, return, validate, import. Views, the admin, commands and the
CSV import all call these, so validation, locking and history happen the same way for every door."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.services import aggregates_follow_response, aggregates_request_recompute

from .models import (
    Answer,
    AnswerChoice,
    Campaign,
    Choice,
    Invitation,
    Iscm,
    Question,
    Questionnaire,
    Response,
    ResponseEvent,
)
from .selectors import response_answers, response_changes_since, value_as_text
from .validation import AnswersInvalid, QuestionSpec, answers_validate, questionnaire_specs

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
def response_return(*, response: Response, user: AbstractBaseUser, comment: str) -> Response:
    """The coordinator sends a submitted response back for revision, with a comment for the focal points."""
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.status not in (Response.Status.SUBMITTED, Response.Status.VALIDATED):
        raise ResponseLocked(_("Only a submitted or validated response can be returned."))
    if not comment.strip():
        raise AnswersInvalid({"comment": [_("Say what the focal points should revise.")]})
    return _status_change(locked, user, Response.Status.RETURNED, ResponseEvent.Action.RETURNED, comment.strip())


@transaction.atomic
def response_validate(*, response: Response, user: AbstractBaseUser) -> Response:
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.status != Response.Status.SUBMITTED:
        raise ResponseLocked(_("Only a submitted response can be validated."))
    return _status_change(locked, user, Response.Status.VALIDATED, ResponseEvent.Action.VALIDATED, "")


@transaction.atomic
def response_import(
    *,
    campaign: Campaign,
    iscm: Iscm,
    user: AbstractBaseUser | None,
    answers: dict[str, object],
    status: str,
    submitted_at=None,
    specs: dict[str, QuestionSpec] | None = None,
    recompute: bool = True,
) -> WriteResult | None:
    """Write one imported row, whatever the campaign's status. Returns None when nothing changed.

    A row identical to the stored response changes nothing: not its status (a validated response
    re-imported from an older export stays validated), not its `submitted_at`, not its history.
    `recompute=False` lets a bulk import request one recompute at the end instead of one per row.
    """
    if not Invitation.objects.filter(campaign=campaign, iscm=iscm).exists():
        raise AnswersInvalid({"iscm": [_("%(iscm)s is not invited to this campaign.") % {"iscm": iscm.acronym}]})
    specs = specs if specs is not None else questionnaire_specs(campaign.questionnaire)
    final = status != Response.Status.DRAFT
    result = answers_validate(questionnaire=campaign.questionnaire, answers=answers, final=final, specs=specs)
    if not result.is_valid:
        raise AnswersInvalid(result.errors)
    response, created = Response.objects.get_or_create(campaign=campaign, iscm=iscm)
    locked = Response.objects.select_for_update().get(pk=response.pk)
    current = response_answers(locked, specs)
    new = {code: value_as_text(specs[code].question, value) for code, value in result.cleaned.items()}
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
    _answers_store(locked, specs, result.cleaned, changes)
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
    specs = questionnaire_specs(campaign.questionnaire)
    result = answers_validate(questionnaire=campaign.questionnaire, answers=answers, final=final, specs=specs)
    if not result.is_valid:
        raise AnswersInvalid(result.errors)
    new = {code: value_as_text(specs[code].question, value) for code, value in result.cleaned.items()}

    with transaction.atomic():
        locked = Response.objects.select_for_update().select_related("campaign").get(pk=response.pk)
        # Server-side deadline: a crafted POST after the close is refused whatever the form said.
        if not locked.campaign.is_open:
            raise ResponseLocked(_("This campaign is closed: the response can no longer change."))
        current = response_answers(locked, specs)
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
        with aggregates_follow_response(
            response=locked,
            responded_after=final or locked.has_responded,
            question_ids=_choice_question_ids(specs, changes),
        ) as figures_kept:
            _answers_store(locked, specs, result.cleaned, changes)
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


def _choice_question_ids(specs: dict[str, QuestionSpec], changes: dict[str, list[object]]) -> list[int]:
    return [specs[code].question.id for code in changes if specs[code].question.is_choice]


def _answers_store(
    response: Response,
    specs: dict[str, QuestionSpec],
    cleaned: dict[str, object],
    changes: dict[str, list[object]],
) -> None:
    """Rewrite the rows of the questions that changed; untouched answers keep their rows."""
    if not changes:
        return
    changed_questions = [specs[code].question for code in changes]
    Answer.objects.filter(response=response, question__in=changed_questions).delete()
    AnswerChoice.objects.filter(response=response, question__in=changed_questions).delete()
    scalar_rows: list[Answer] = []
    choice_wanted: list[tuple[Question, list[str]]] = []
    for question in changed_questions:
        value = cleaned.get(question.code)
        if value is None:
            continue
        if question.is_choice:
            choice_wanted.append((question, value if isinstance(value, list) else [value]))
        elif question.type in Question.NUMBER_TYPES:
            scalar_rows.append(Answer(response=response, question=question, number=value))
        elif question.type == Question.Type.DATE:
            scalar_rows.append(Answer(response=response, question=question, date=value))
        else:
            scalar_rows.append(Answer(response=response, question=question, text=value))
    Answer.objects.bulk_create(scalar_rows)
    if choice_wanted:
        choice_ids = _choice_ids(choice_wanted)
        AnswerChoice.objects.bulk_create(
            AnswerChoice(response=response, question=question, choice_id=choice_ids[(question.id, code)])
            for question, codes in choice_wanted
            for code in codes
        )


def _choice_ids(wanted: list[tuple[Question, list[str]]]) -> dict[tuple[int, str], int]:
    list_ids = {q.choice_list_id for q, _codes in wanted if q.choice_list_id}
    own_ids = {q.id for q, _codes in wanted if not q.choice_list_id}
    by_list: dict[tuple[int, str], int] = {}
    by_question: dict[tuple[int, str], int] = {}
    for choice in Choice.objects.filter(choice_list_id__in=list_ids).values("id", "choice_list_id", "code"):
        by_list[(choice["choice_list_id"], choice["code"])] = choice["id"]
    for choice in Choice.objects.filter(question_id__in=own_ids).values("id", "question_id", "code"):
        by_question[(choice["question_id"], choice["code"])] = choice["id"]
    ids = {}
    for question, codes in wanted:
        for code in codes:
            if question.choice_list_id:
                ids[(question.id, code)] = by_list[(question.choice_list_id, code)]
            else:
                ids[(question.id, code)] = by_question[(question.id, code)]
    return ids


def _status_change(
    response: Response, user: AbstractBaseUser, status: str, action: str, comment: str
) -> Response:
    # Returned and validated responses count like submitted ones: no figure moves, only "figures as of".
    with aggregates_follow_response(
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
        aggregates_request_recompute(campaign_id=response.campaign_id)
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
    campaign_id = response.campaign_id
    response = Response.objects.select_for_update().get(pk=response.pk)  # its status as of now
    had_responded = response.has_responded
    with aggregates_follow_response(response=response, responded_after=False, question_ids=None) as figures_kept:
        response.delete()
    logger.info(
        "response deleted",
        extra={"event": "response_deleted", "campaign": campaign_id, "user": getattr(user, "pk", None)},
    )
    if had_responded and not figures_kept:
        aggregates_request_recompute(campaign_id=campaign_id)


@transaction.atomic
def questionnaire_new_version(*, questionnaire: Questionnaire) -> Questionnaire:
    """Copy a questionnaire (sections, questions, own choices, conditions) into a new draft version."""
    latest = Questionnaire.objects.filter(slug=questionnaire.slug).order_by("-version").first()
    sections = list(questionnaire.sections.all())
    questions = list(Question.objects.filter(questionnaire=questionnaire).order_by("position", "id"))
    own_choices = list(Choice.objects.filter(question__questionnaire=questionnaire))

    copy = Questionnaire.objects.get(pk=questionnaire.pk)
    copy.pk = None
    copy.version = latest.version + 1
    copy.status = Questionnaire.Status.DRAFT
    copy.published_at = None
    copy.save()
    section_map = {}
    for section in sections:
        old_id = section.pk
        section.pk = None
        section.questionnaire = copy
        section.save()
        section_map[old_id] = section
    question_map: dict[int, Question] = {}
    for question in questions:
        old_id = question.pk
        question.pk = None
        question.questionnaire = copy
        question.section = section_map[question.section_id]
        question.show_if_question = question_map.get(question.show_if_question_id)
        question.save()
        question_map[old_id] = question
    for choice in own_choices:
        choice.pk = None
        choice.question = question_map[choice.question_id]
    Choice.objects.bulk_create(own_choices)
    return copy
