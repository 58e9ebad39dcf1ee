"""Reads: who may see what, and a response's answers as plain values. Every access rule lives here."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from .models import Answer, AnswerChoice, Iscm, Questionnaire, Response
from .schema import QuestionnaireSchema, questionnaire_schema

User = AbstractBaseUser | AnonymousUser

PERM_MANAGE = "questionnaires.manage_campaigns"
PERM_VIEW_RESPONSES = "questionnaires.view_all_responses"
PERM_VIEW_DASHBOARDS = "questionnaires.view_dashboards"
PERM_EXCHANGE_DATA = "questionnaires.exchange_data"


def is_coordinator(user: User) -> bool:
    return user.is_authenticated and user.has_perm(PERM_MANAGE)


def can_view_dashboards(user: User) -> bool:
    return user.is_authenticated and user.has_perm(PERM_VIEW_DASHBOARDS)


def can_view_all_responses(user: User) -> bool:
    return user.is_authenticated and user.has_perm(PERM_VIEW_RESPONSES)


def can_exchange_data(user: User) -> bool:
    """Export and import of responses: coordinators and admins, never focal points or observers."""
    return user.is_authenticated and user.has_perm(PERM_EXCHANGE_DATA)


def iscms_of(user: User) -> QuerySet[Iscm]:
    if not user.is_authenticated:
        return Iscm.objects.none()
    return Iscm.objects.filter(memberships__user=user).order_by("acronym")


def responses_visible_to(user: User) -> QuerySet[Response]:
    """Coordinators read every response; focal points their own ISCMs'; everyone else none."""
    if can_view_all_responses(user):
        return Response.objects.all()
    if not user.is_authenticated:
        return Response.objects.none()
    return Response.objects.filter(iscm__memberships__user=user)


def response_answers(response: Response, schema: QuestionnaireSchema | None = None) -> dict[str, object]:
    """The stored answers of one response, keyed by question code (two queries)."""
    schema = schema if schema is not None else questionnaire_schema(response.campaign.questionnaire)
    return schema.values_from_rows(
        Answer.objects.filter(response=response).values("question_id", "text", "number", "date", "item"),
        AnswerChoice.objects.filter(response=response).values_list("question_id", "choice_id", "item"),
    )


def list_answers_by_iscm(campaign, schema: QuestionnaireSchema) -> dict[int, dict[str, object]]:
    """The stored lists of items of every response of a campaign, {ISCM id: {list code: items}} (two
    queries; none without a list question): what a wide import, which carries no items, keeps."""
    if not schema.list_questions():
        return {}
    answers: dict[int, list[dict[str, object]]] = {}
    choices: dict[int, list[tuple]] = {}
    for row in Answer.objects.filter(response__campaign=campaign, item__isnull=False).values(
        "response__iscm_id", "question_id", "text", "number", "date", "item"
    ):
        answers.setdefault(row["response__iscm_id"], []).append(row)
    for iscm_id, *row in AnswerChoice.objects.filter(response__campaign=campaign, item__isnull=False).values_list(
        "response__iscm_id", "question_id", "choice_id", "item"
    ):
        choices.setdefault(iscm_id, []).append(tuple(row))
    return {
        iscm_id: schema.values_from_rows(answers.get(iscm_id, []), choices.get(iscm_id, []))
        for iscm_id in answers.keys() | choices.keys()
    }


def response_changes_since(response: Response, version: int) -> dict[str, list[object]]:
    """What was changed after `version`: the first old value and the last new one per question."""
    merged: dict[str, list[object]] = {}
    for event in response.events.filter(version__gt=version).order_by("version", "id"):
        for code, (old, new) in event.changes.items():
            if code in merged:
                merged[code][1] = new
            else:
                merged[code] = [old, new]
    return merged


def required_progress_by_response(
    responses: dict[int, Questionnaire], questionnaires: Iterable[Questionnaire]
) -> dict[object, tuple[int, int]]:
    """(required questions answered, required questions shown) of many responses in two queries
    (plus the schemas, cached): which questions each response answered, and the choices picked for the
    questions that conditions depend on; the schema decides what is shown and counted.

    `responses` maps response ids to their questionnaires. Keys of the result: response ids, and
    ("empty", questionnaire id) for responses not started yet.
    """
    schemas = {questionnaire.pk: questionnaire_schema(questionnaire) for questionnaire in questionnaires}
    questions = {question.id: question for schema in schemas.values() for question in schema.questions.values()}
    required_ids = {question_id for question_id, question in questions.items() if question.required}
    condition_codes = {question.show_if for question in questions.values() if question.show_if}
    condition_ids = {question_id for question_id, question in questions.items() if question.code in condition_codes}
    # A required list of items is answered by any row of its item fields.
    lists_of = {
        field.id: question
        for question in questions.values()
        if question.is_list and question.required
        for field in question.items
    }
    answers: dict[int, dict[str, object]] = {response_id: {} for response_id in responses}
    if responses and required_ids:
        for response_id, question_id in Answer.objects.filter(
            response_id__in=list(responses), question_id__in=required_ids | set(lists_of)
        ).values_list("response_id", "question_id"):
            # a stored Answer row is never blank: a marker is enough for progress
            answers[response_id][(questions.get(question_id) or lists_of[question_id]).code] = True
        for response_id, question_id, code in AnswerChoice.objects.filter(
            response_id__in=list(responses), question_id__in=required_ids | condition_ids | set(lists_of)
        ).values_list("response_id", "question_id", "choice__code"):
            if question_id in lists_of:
                answers[response_id][lists_of[question_id].code] = True
            else:
                answers[response_id].setdefault(questions[question_id].code, []).append(code)
    result: dict[object, tuple[int, int]] = {
        ("empty", questionnaire_id): schema.progress({}) for questionnaire_id, schema in schemas.items()
    }
    for response_id, questionnaire in responses.items():
        result[response_id] = schemas[questionnaire.pk].progress(answers[response_id])
    return result


def focal_points_to_email(iscm: Iscm) -> QuerySet:
    """The ISCM's active focal points that have an e-mail address, with their profile (language)."""
    return (
        get_user_model()
        .objects.filter(memberships__iscm=iscm, is_active=True)
        .exclude(email="")
        .select_related("profile")
        .order_by("email")
    )
