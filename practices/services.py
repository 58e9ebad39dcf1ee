"""Writes of the practices library: practices split from an answer, practices made from a submitted list
of practices, edits, tags, publication.

The answer a practice comes from is only read, never changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from questionnaires.models import Answer, Campaign, Choice, Question, Response
from questionnaires.schema import QuestionnaireSchema, QuestionSchema

from .models import Practice
from .text import search_normalize, split_proposal


@dataclass
class PracticeData:
    """What a coordinator enters for one practice (the split page and the edit form)."""

    title: str
    description: str
    year: int | None = None
    link: str = ""
    language: str = "en"
    gcm: Iterable[str] = ()
    sdg: Iterable[str] = ()


def _tags_set(practice: Practice, data: PracticeData) -> None:
    practice.gcm_objectives.set(Choice.objects.filter(choice_list__code="gcm", code__in=list(data.gcm)))
    practice.sdgs.set(Choice.objects.filter(choice_list__code="sdg", code__in=list(data.sdg)))


@transaction.atomic
def practices_create_from_answer(
    *, answer: Answer, items: list[PracticeData], user: AbstractBaseUser | None
) -> list[Practice]:
    """Practices taken from a long-text answer, numbered after those already taken from it."""
    response = answer.response
    last = Practice.objects.filter(source_answer=answer).aggregate(last=Max("position"))["last"] or 0
    created = []
    for offset, data in enumerate(items, start=1):
        practice = Practice.objects.create(
            campaign_id=response.campaign_id,
            iscm_id=response.iscm_id,
            source_question_id=answer.question_id,
            source_answer=answer,
            position=last + offset,
            title=data.title,
            description=data.description,
            year=data.year,
            link=data.link,
            language=data.language,
            created_by=user,
        )
        _tags_set(practice, data)
        created.append(practice)
    return created


@transaction.atomic
def practice_update(*, practice: Practice, data: PracticeData) -> Practice:
    practice.title = data.title
    practice.description = data.description
    practice.year = data.year
    practice.link = data.link
    practice.language = data.language
    practice.save()
    _tags_set(practice, data)
    return practice


def practices_follow_response(
    sender=None, *, response: Response, schema: QuestionnaireSchema, answers: dict[str, object], **kwargs
) -> None:
    """Receiver of `questionnaires.signals.response_responded`: each item of a list of practices (a list
    whose item fields have practice roles, one of them the title) is a practice of the library, kept in
    step with the submitted answer: item n updates the practice made from item n (its publication stays),
    a new item makes an unpublished practice, a removed item's practice is deleted. The tags are the
    item's GCM objectives and SDGs, as the focal point chose them.

    A fixed number of queries whatever the number of items (bulk writes): it runs in the submission."""
    for question in schema.list_questions():
        roles = {field.practice_role: field for field in question.items if field.practice_role}
        if Question.PracticeRole.TITLE not in roles:
            continue
        made = {
            practice.source_item: practice
            for practice in Practice.objects.filter(source_response=response, source_question_id=question.id)
        }
        kept, new, tags = [], [], []
        for number, item in enumerate(answers.get(question.code) or [], start=1):  # type: ignore[arg-type]
            data = _item_practice_data(roles, item, language=response.language)
            practice = made.pop(number, None) or Practice(
                campaign_id=response.campaign_id,
                iscm_id=response.iscm_id,
                source_question_id=question.id,
                source_response=response,
                source_item=number,
                position=number,
                created_by=response.updated_by,
            )
            practice.title, practice.description, practice.year = data.title, data.description, data.year
            practice.link, practice.language = data.link, data.language
            practice.search_text = search_normalize(f"{practice.title}\n{practice.description}")
            practice.updated_at = timezone.now()
            (kept if practice.pk else new).append(practice)
            tags.append(
                (
                    practice,
                    _choice_ids(roles, Question.PracticeRole.GCM, data.gcm),
                    _choice_ids(roles, Question.PracticeRole.SDG, data.sdg),
                )
            )
        Practice.objects.filter(pk__in=[practice.pk for practice in made.values()]).delete()
        if kept:
            Practice.objects.bulk_update(
                kept, ["title", "description", "year", "link", "language", "search_text", "updated_at"]
            )
        Practice.objects.bulk_create(new)
        _tags_replace(tags)


def _choice_ids(roles: dict[str, QuestionSchema], role: str, codes: Iterable[str]) -> list[int]:
    """The ids of the chosen codes; only an item field on the shared list of that name ("gcm", "sdg") tags."""
    field = roles.get(role)
    if field is None or field.choice_list != role:
        return []
    return [choice.id for code in codes if (choice := field.choice(code)) is not None]


def _tags_replace(tags: list[tuple[Practice, list[int], list[int]]]) -> None:
    """Set the GCM objectives and SDGs of the practices in four queries (two deletes, two inserts)."""
    gcm_through, sdg_through = Practice.gcm_objectives.through, Practice.sdgs.through
    ids = [practice.pk for practice, _gcm, _sdg in tags]
    gcm_through.objects.filter(practice_id__in=ids).delete()
    sdg_through.objects.filter(practice_id__in=ids).delete()
    gcm_through.objects.bulk_create(
        gcm_through(practice_id=practice.pk, choice_id=choice_id) for practice, gcm, _sdg in tags for choice_id in gcm
    )
    sdg_through.objects.bulk_create(
        sdg_through(practice_id=practice.pk, choice_id=choice_id) for practice, _gcm, sdg in tags for choice_id in sdg
    )


def _item_practice_data(roles: dict[str, QuestionSchema], item: dict[str, object], *, language: str) -> PracticeData:
    def value(role: str) -> object:
        field = roles.get(role)
        return item.get(field.code) if field is not None else None

    year = str(value(Question.PracticeRole.YEAR) or "")[:4]  # a year, or the year of a date
    link = str(value(Question.PracticeRole.LINK) or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError:
        link = ""  # the library links only to web addresses; the answer keeps what was typed
    description = str(value(Question.PracticeRole.DESCRIPTION) or "")
    return PracticeData(
        title=str(value(Question.PracticeRole.TITLE) or description[:80])[:300],
        description=description,
        year=int(year) if year.isdigit() else None,
        link=link if len(link) <= 200 else "",
        language=language[:2] if language[:2] in ("en", "fr", "es", "ar") else "en",
        gcm=value(Question.PracticeRole.GCM) or (),  # type: ignore[arg-type]
        sdg=value(Question.PracticeRole.SDG) or (),  # type: ignore[arg-type]
    )


def practice_publish(*, practice: Practice, user: AbstractBaseUser | None, published: bool) -> Practice:
    """Observers see published practices only; focal points see their own ISCM's and the published ones."""
    if published and practice.published_at is None:
        practice.published_at, practice.published_by = timezone.now(), user
    elif not published:
        practice.published_at, practice.published_by = None, None
    practice.save(update_fields=["published_at", "published_by"])
    return practice


def practice_delete(*, practice: Practice) -> None:
    practice.delete()


def answer_proposal(answer: Answer) -> list[PracticeData]:
    """The proposed split of an answer, tagged with what its text names, in the response's language."""
    year = answer.response.campaign.opens_at.year
    language = answer.response.language[:2] if answer.response.language[:2] in ("en", "fr", "es", "ar") else "en"
    return [
        PracticeData(p.title, p.description, p.year, "", language, p.gcm, p.sdg)
        for p in split_proposal(answer.text, year=year)
    ]


@transaction.atomic
def practices_split_campaign(
    *, campaign: Campaign, question_codes: Iterable[str], user: AbstractBaseUser | None, publish_codes=()
) -> int:
    """Split every responded answer of these questions that has no practice yet, as proposed (the demo).

    Practices of the questions in `publish_codes` are published at once. Returns how many were made."""
    answers = (
        Answer.objects.filter(
            response__campaign=campaign,
            response__status__in=Response.RESPONDED,
            question__code__in=list(question_codes),
            practices__isnull=True,
        )
        .exclude(text="")
        .select_related("response__campaign", "question")
        .order_by("response__iscm__acronym", "question__code")
    )
    made = 0
    for answer in answers:
        practices = practices_create_from_answer(answer=answer, items=answer_proposal(answer), user=user)
        if answer.question.code in publish_codes:
            for practice in practices:
                practice_publish(practice=practice, user=user, published=True)
        made += len(practices)
    return made
