"""Synthetic campaigns of the bundled questionnaire, inserted with bulk_create (generation is not timed).

For each size N: a campaign `bench-<N>` inviting N + 10 % synthetic ISCMs ("SYN-00001", ...): N
submitted responses, N/20 drafts (which every figure must ignore), the rest not started. For the import
measure, `bench-import-<N>` invites the same ISCMs and has no response yet. For the load measure,
`bench-load-<i>` campaigns (open) invite the load ISCMs ("LOAD-01", ...), each with one focal-point
account. Regions and ISCM types follow the real registry's mix; answers come from `answers.AnswerMaker`.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import Counter
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from analytics.services import aggregates_recompute
from questionnaires.definitions import (
    DATA_DIR,
    definition_read,
    iscm_registry_load,
    questionnaire_create,
    reference_lists_load,
)
from questionnaires.models import (
    Answer,
    AnswerChoice,
    Campaign,
    Choice,
    Invitation,
    Iscm,
    Membership,
    Question,
    Questionnaire,
    Response,
)
from questionnaires.roles import COORDINATOR

from .answers import AnswerMaker
from .common import BenchContext

BATCH = 1000  # responses per bulk insert round (their answers go in the same round)
COORDINATOR_USERNAME = "bench-coordinator@bench.example.org"
LOAD_PASSWORD = "bench-load-Password-2024"  # noqa: S105 - synthetic accounts of a throwaway database
SEED = 20231204


def load_acronym(index: int) -> str:
    return f"LOAD-{index:02d}"


def load_username(index: int) -> str:
    return f"fp-load-{index:02d}@bench.example.org"


def world_create(ctx: BenchContext) -> dict[str, object]:
    """Everything the measures need; fills `ctx.slugs`. Returns counts for the report."""
    rng = random.Random(SEED)
    maker = AnswerMaker.bundled()
    reference_lists_load()
    registry = iscm_registry_load()
    questionnaire = questionnaire_create(definition_read(DATA_DIR / "questionnaire_iscm_contributions.json"))
    coordinator = _coordinator()

    regions = Counter(row["region"] for row in registry)
    types = Counter(row["type"] for row in registry)
    needed = math.ceil(ctx.largest * 1.1)
    iscms = _synthetic_iscms(needed, regions, types, rng)

    counts: dict[str, object] = {"iscms": len(iscms)}
    now = timezone.now().replace(microsecond=0)
    opens_at = now - datetime.timedelta(days=60)
    for size in sorted(ctx.sizes):
        invited = iscms[: math.ceil(size * 1.1)]
        slug = f"bench-{size}"
        campaign = _campaign(
            slug, questionnaire, invited, opens_at=opens_at, closes_at=now + datetime.timedelta(days=30)
        )
        drafts = max(1, size // 20)
        _responses_insert(campaign, questionnaire, invited[:size], invited[size : size + drafts], maker, rng)
        aggregates_recompute(campaign_id=campaign.pk, force=True)
        ctx.slugs[f"size:{size}"] = slug
        import_slug = f"bench-import-{size}"
        _campaign(
            import_slug,
            questionnaire,
            invited,
            opens_at=opens_at,
            closes_at=now + datetime.timedelta(days=30),
        )
        ctx.slugs[f"import:{size}"] = import_slug
        counts[slug] = {"invited": len(invited), "submitted": size, "drafts": drafts}

    load_iscms = _load_accounts(ctx.load_clients)
    for index in range(1, ctx.load_campaigns + 1):
        slug = f"bench-load-{index:02d}"
        _campaign(
            slug,
            questionnaire,
            load_iscms,
            opens_at=now - datetime.timedelta(days=1),
            closes_at=now + datetime.timedelta(days=30),
        )
        ctx.slugs[f"load:{index}"] = slug
    statistics_refresh()
    counts["answer_rows"] = Answer.objects.count()
    counts["answer_choice_rows"] = AnswerChoice.objects.count()
    counts["coordinator"] = coordinator.get_username()
    return counts


def statistics_refresh() -> None:
    """VACUUM ANALYZE after the bulk load, as autovacuum would have done long before on a live database.

    Without it PostgreSQL plans with the empty tables' statistics (1 response, 30 choices): a 100-row
    COPY took 8 s with nested loops over bitmap scans instead of 15 ms.
    """
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _coordinator():
    user, _created = get_user_model().objects.get_or_create(
        username=COORDINATOR_USERNAME, defaults={"email": COORDINATOR_USERNAME}
    )
    user.groups.add(Group.objects.get(name=COORDINATOR))
    return user


def _synthetic_iscms(count: int, regions: Counter, types: Counter, rng: random.Random) -> list[Iscm]:
    region_names, region_weights = zip(*sorted(regions.items()), strict=True)
    type_names, type_weights = zip(*sorted(types.items()), strict=True)
    Iscm.objects.bulk_create(
        (
            Iscm(
                acronym=f"SYN-{index:05d}",
                name=f"Synthetic consultation mechanism {index}",
                type=rng.choices(type_names, weights=type_weights)[0],
                region=rng.choices(region_names, weights=region_weights)[0],
            )
            for index in range(1, count + 1)
        ),
        batch_size=2000,
    )
    return list(Iscm.objects.filter(acronym__startswith="SYN-").order_by("acronym"))


@transaction.atomic
def _campaign(slug: str, questionnaire: Questionnaire, iscms: list[Iscm], *, opens_at, closes_at) -> Campaign:
    campaign = Campaign.objects.create(
        slug=slug,
        title_en=f"Benchmark campaign {slug}",
        questionnaire=questionnaire,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    Invitation.objects.bulk_create(
        (Invitation(campaign=campaign, iscm=iscm) for iscm in iscms), batch_size=2000
    )
    return campaign


def _choice_ids(questionnaire: Questionnaire) -> tuple[dict[str, Question], dict[tuple[str, str], int]]:
    questions = {q.code: q for q in Question.objects.filter(questionnaire=questionnaire)}
    ids: dict[tuple[str, str], int] = {}
    by_list: dict[int, list[Choice]] = {}
    for choice in Choice.objects.filter(choice_list__isnull=False):
        by_list.setdefault(choice.choice_list_id, []).append(choice)
    for question in questions.values():
        if question.choice_list_id:
            for choice in by_list.get(question.choice_list_id, []):
                ids[(question.code, choice.code)] = choice.id
    for choice in Choice.objects.filter(question__questionnaire=questionnaire).select_related("question"):
        ids[(choice.question.code, choice.code)] = choice.id
    return questions, ids


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _responses_insert(
    campaign: Campaign,
    questionnaire: Questionnaire,
    submitted: list[Iscm],
    drafts: list[Iscm],
    maker: AnswerMaker,
    rng: random.Random,
) -> None:
    questions, choice_ids = _choice_ids(questionnaire)
    window = (timezone.now() - campaign.opens_at).total_seconds()
    entries = [(iscm, True) for iscm in submitted] + [(iscm, False) for iscm in drafts]
    for batch in _chunks(entries, BATCH):
        with transaction.atomic():
            answers_of = [maker.answers(rng, complete=complete) for _iscm, complete in batch]
            responses = []
            for (iscm, complete), _answers in zip(batch, answers_of, strict=True):
                # submissions pile up towards the deadline, as they do (a triangular distribution)
                moment = campaign.opens_at + datetime.timedelta(seconds=rng.triangular(0, window, window))
                responses.append(
                    Response(
                        campaign=campaign,
                        iscm=iscm,
                        status=Response.Status.SUBMITTED if complete else Response.Status.DRAFT,
                        version=1,
                        submitted_at=moment.replace(microsecond=0) if complete else None,
                        updated_at=moment,
                    )
                )
            Response.objects.bulk_create(responses)
            scalar_rows: list[Answer] = []
            choice_rows: list[AnswerChoice] = []
            for response, answers in zip(responses, answers_of, strict=True):
                for code, value in answers.items():
                    if value in ("", []):
                        continue
                    question = questions[code]
                    if question.is_choice:
                        for position, choice in enumerate(value if isinstance(value, list) else [value]):
                            choice_rows.append(
                                AnswerChoice(
                                    response_id=response.pk,
                                    question_id=question.pk,
                                    choice_id=choice_ids[(code, choice)],
                                    is_first=position == 0,
                                )
                            )
                    else:
                        scalar_rows.append(
                            Answer(response_id=response.pk, question_id=question.pk, text=value)
                        )
            Answer.objects.bulk_create(scalar_rows, batch_size=5000)
            AnswerChoice.objects.bulk_create(choice_rows, batch_size=5000)


def _load_accounts(count: int) -> list[Iscm]:
    """The load test's ISCMs, each with one focal point; one password hash shared (hashing is slow)."""
    User = get_user_model()
    password = make_password(LOAD_PASSWORD)
    iscms = Iscm.objects.bulk_create(
        Iscm(acronym=load_acronym(index), name=f"Load-test mechanism {index}", type="RCP", region="Africa")
        for index in range(1, count + 1)
    )
    users = User.objects.bulk_create(
        User(username=load_username(index), email=load_username(index), password=password)
        for index in range(1, count + 1)
    )
    Membership.objects.bulk_create(
        Membership(user=user, iscm=iscm) for user, iscm in zip(users, iscms, strict=True)
    )
    return list(Iscm.objects.filter(acronym__startswith="LOAD-").order_by("acronym"))
