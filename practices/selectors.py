"""Reads of the practices library: who sees which practices, search, filters, counts per objective.

Who sees what: coordinators (and admins) every practice; focal points their own ISCMs' practices and
the published ones; observers and any other signed-in user the published ones only."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Count, Q, QuerySet

from questionnaires.models import Answer, Campaign, Choice, Iscm, Membership, Response
from questionnaires.selectors import can_view_all_responses, is_coordinator

from .models import Practice
from .text import search_normalize

User = AbstractBaseUser | AnonymousUser

# PostgreSQL text-search configuration per language of the text; Arabic has none built in: "simple"
# (no stemming, no stop words), which still matches whole words.
SEARCH_CONFIGS = {"en": "english", "fr": "french", "es": "spanish", "ar": "simple"}
PRACTICE_QUESTION_SUFFIX = "_practices"


def can_manage_practices(user: User) -> bool:
    return is_coordinator(user)


def practices_visible_to(user: User) -> QuerySet[Practice]:
    if not user.is_authenticated:
        return Practice.objects.none()
    if can_manage_practices(user) or can_view_all_responses(user):
        return Practice.objects.all()
    own_iscms = Membership.objects.filter(user=user).values("iscm_id")
    return Practice.objects.filter(Q(published_at__isnull=False) | Q(iscm_id__in=own_iscms))


@dataclass(frozen=True)
class PracticeFilters:
    q: str = ""
    gcm: str = ""
    sdg: str = ""
    iscm: str = ""
    region: str = ""
    iscm_type: str = ""
    year: int | None = None
    campaign: str = ""


def _search(practices: QuerySet[Practice], text: str) -> QuerySet[Practice]:
    """Full-text search in the language of each practice on PostgreSQL; every word contained on SQLite."""
    normalized = search_normalize(text).strip()
    if not normalized:
        return practices
    if connection.vendor == "postgresql":
        # One vector per configuration, each compared only on the practices written in its language
        # (literal configurations: a per-row CASE inside to_tsvector breaks when used in a subquery).
        vectors = {f"search_{code}": SearchVector("search_text", config=name) for code, name in SEARCH_CONFIGS.items()}
        matches = Q()
        for code, name in SEARCH_CONFIGS.items():
            query = SearchQuery(normalized, config=name, search_type="websearch")
            matches |= Q(language=code, **{f"search_{code}": query})
        return practices.alias(**vectors).filter(matches)
    for word in normalized.split():
        practices = practices.filter(search_text__contains=word)
    return practices


def practices_filtered(practices: QuerySet[Practice], filters: PracticeFilters) -> QuerySet[Practice]:
    if filters.gcm:
        practices = practices.filter(gcm_objectives__choice_list__code="gcm", gcm_objectives__code=filters.gcm)
    if filters.sdg:
        practices = practices.filter(sdgs__choice_list__code="sdg", sdgs__code=filters.sdg)
    if filters.iscm:
        practices = practices.filter(iscm__acronym=filters.iscm)
    if filters.region:
        practices = practices.filter(iscm__region=filters.region)
    if filters.iscm_type:
        practices = practices.filter(iscm__type=filters.iscm_type)
    if filters.year:
        practices = practices.filter(year=filters.year)
    if filters.campaign:
        practices = practices.filter(campaign__slug=filters.campaign)
    return _search(practices, filters.q)


def practices_list(user: User, filters: PracticeFilters) -> QuerySet[Practice]:
    """The visible practices matching the filters, with what a list row shows (3 queries when read)."""
    return (
        practices_filtered(practices_visible_to(user), filters)
        .select_related("iscm", "campaign")
        .prefetch_related("gcm_objectives", "sdgs")
        .order_by("-year", "iscm__acronym", "position", "id")
    )


def counts_per_objective(practices: QuerySet[Practice]) -> list[dict[str, object]]:
    """Every GCM objective with the number of these practices tagged with it (zeros included): one query."""
    rows = (
        Choice.objects.filter(choice_list__code="gcm")
        .annotate(count=Count("gcm_practices", filter=Q(gcm_practices__in=practices.values("id")), distinct=True))
        .order_by("position", "id")
    )
    return [{"code": row.code, "label": row.label, "count": row.count} for row in rows]


def tag_choices() -> dict[str, list[Choice]]:
    """The GCM objectives and SDGs a practice can be tagged with: two queries."""
    return {
        "gcm_choices": list(Choice.objects.filter(choice_list__code="gcm").order_by("position")),
        "sdg_choices": list(Choice.objects.filter(choice_list__code="sdg").order_by("position")),
    }


def filter_options(user: User) -> dict[str, list]:
    """Choices of the filter form, from the practices the user sees: five queries."""
    visible = practices_visible_to(user).values("id")
    return {
        "gcm": list(Choice.objects.filter(choice_list__code="gcm").order_by("position")),
        "sdg": list(Choice.objects.filter(choice_list__code="sdg").order_by("position")),
        "iscms": list(Iscm.objects.filter(practices__in=visible).distinct().order_by("acronym")),
        "years": list(
            Practice.objects.filter(id__in=visible)
            .exclude(year=None)
            .values_list("year", flat=True)
            .distinct()
            .order_by("-year")
        ),
        "campaigns": list(Campaign.objects.filter(practices__in=visible).distinct().order_by("-opens_at")),
    }


def practice_detail(user: User, pk: int) -> Practice | None:
    return (
        practices_visible_to(user)
        .select_related("iscm", "campaign", "source_question", "source_answer")
        .prefetch_related("gcm_objectives", "sdgs")
        .filter(pk=pk)
        .first()
    )


def practice_sources() -> QuerySet[Answer]:
    """Long-text "effective practices" answers of responded responses, with how many practices each gave."""
    return (
        Answer.objects.filter(
            question__type="long_text",
            question__code__endswith=PRACTICE_QUESTION_SUFFIX,
            response__status__in=Response.RESPONDED,
        )
        .exclude(text="")
        .select_related("response__iscm", "response__campaign", "question")
        .annotate(practice_count=Count("practices"))
        .order_by("-response__campaign__opens_at", "response__iscm__acronym", "question__position")
    )
