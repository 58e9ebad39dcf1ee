"""Aggregates: requested on every change of a responded response, rebuilt from scratch in one transaction."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from questionnaires.models import Campaign, Invitation, Response

from .models import CampaignStats, ChoiceAggregate
from .selectors import CHOICE_COUNTS_SQL

logger = logging.getLogger(__name__)


def aggregates_request_recompute(*, campaign_id: int) -> None:
    """Mark the campaign's figures stale and, once the caller's transaction commits, enqueue a rebuild.

    A burst of submissions enqueues several tasks with a short countdown; the first to run rebuilds
    for all of them and the others return at once (see `aggregates_recompute`). If the broker is
    down the submission still succeeds: the campaign stays stale until the beat sweep catches up.
    """
    now = timezone.now()
    updated = CampaignStats.objects.filter(campaign_id=campaign_id).update(requested_at=now)
    if not updated:
        CampaignStats.objects.get_or_create(campaign_id=campaign_id, defaults={"requested_at": now})
    transaction.on_commit(lambda: aggregates_enqueue(campaign_id=campaign_id))


def aggregates_enqueue(*, campaign_id: int, countdown: int | None = None) -> bool:
    from .tasks import aggregates_recompute_task

    try:
        aggregates_recompute_task.apply_async(
            args=[campaign_id],
            countdown=settings.AGGREGATES_RECOMPUTE_COUNTDOWN if countdown is None else countdown,
        )
    except Exception:  # the broker is down: the sweep will enqueue it later
        logger.warning(
            "aggregates recompute not enqueued; campaign left stale",
            extra={"event": "enqueue_failed", "campaign": campaign_id},
            exc_info=True,
        )
        return False
    return True


@transaction.atomic
def aggregates_recompute(*, campaign_id: int, force: bool = False) -> bool:
    """Replace the campaign's stored aggregates by a fresh GROUP BY. Returns False if already fresh.

    Concurrent runs are serialised on the campaign row (FOR NO KEY UPDATE, which does not block
    submissions); rerunning, or a duplicate delivery of the task, writes the same rows again.
    """
    campaign = (
        Campaign.objects.select_for_update(no_key=True).select_related("questionnaire").get(pk=campaign_id)
    )
    stats, _created = CampaignStats.objects.get_or_create(campaign=campaign)
    if not force and stats.computed_at and stats.requested_at and stats.computed_at >= stats.requested_at:
        return False
    stamp = stats.requested_at if stats.requested_at and not force else timezone.now()

    ChoiceAggregate.objects.filter(campaign=campaign).delete()
    columns = "campaign_id, question_id, choice_id, count, base, selections, rank"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ChoiceAggregate._meta.db_table} ({columns}) "  # noqa: S608 - table name is ours
            f"SELECT %(campaign)s, question_id, choice_id, count, base, selections, rank FROM ({CHOICE_COUNTS_SQL}) t",
            choice_counts_params(campaign),
        )
    CampaignStats.objects.filter(pk=stats.pk).update(
        invited=Invitation.objects.filter(campaign=campaign).count(),
        responded=Response.objects.filter(campaign=campaign, status__in=Response.RESPONDED).count(),
        computed_at=stamp,
    )
    logger.info("aggregates recomputed", extra={"event": "aggregates_recomputed", "campaign": campaign_id})
    return True


def choice_counts_params(campaign: Campaign, *, region: str = "", iscm_type: str = "") -> dict[str, object]:
    return {
        "campaign": campaign.pk,
        "questionnaire": campaign.questionnaire_id,
        "region": region,
        "iscm_type": iscm_type,
    }


def stale_campaign_ids() -> list[int]:
    return list(
        CampaignStats.objects.filter(requested_at__isnull=False)
        .exclude(computed_at__gte=F("requested_at"))
        .values_list("campaign_id", flat=True)
    )
