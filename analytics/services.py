"""Aggregates: requested on every change of a responded response, rebuilt from scratch in one transaction.

Freshness is two timestamps on `CampaignStats`: `requested_at` (a change happened) and `computed_at`
(the `requested_at` a rebuild has taken into account). `requested_at > computed_at` means stale.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from iscm_survey.publish import task_publish
from questionnaires.models import Campaign, Invitation, Response

from .models import CampaignStats, ChoiceAggregate, ReportFile
from .selectors import CHOICE_COUNTS_SQL, choice_counts_params

logger = logging.getLogger(__name__)

# A request always moves `requested_at` strictly forward, past both the previous request and the last
# computation, even when the clocks of two web servers disagree or a transaction that read the clock
# earlier commits later. So a rebuild that started before this request can never hide it.
_TICK = datetime.timedelta(microseconds=1)


def _requested_at_expression(now: datetime.datetime) -> models.Expression:
    moment = Value(now, output_field=models.DateTimeField())
    return Greatest(
        moment,
        Coalesce(F("requested_at") + _TICK, moment, output_field=models.DateTimeField()),
        Coalesce(F("computed_at") + _TICK, moment, output_field=models.DateTimeField()),
        output_field=models.DateTimeField(),
    )


def aggregates_request_recompute(*, campaign_id: int) -> None:
    """Mark the campaign's figures stale and, once the caller's transaction commits, enqueue a rebuild.

    Called inside the transaction that changes a response, so the stale mark and the change commit
    together. A burst of submissions enqueues several tasks with a short countdown; the first to run
    rebuilds for all of them and the others return at once (see `aggregates_recompute`). If the broker
    is down the submission still succeeds: the campaign stays stale until the beat sweep catches up.
    """
    now = timezone.now()
    stats = CampaignStats.objects.filter(campaign_id=campaign_id)
    if not stats.update(requested_at=_requested_at_expression(now)):
        _stats, created = CampaignStats.objects.get_or_create(
            campaign_id=campaign_id, defaults={"requested_at": now}
        )
        if not created:  # another transaction created the row in the meantime: move its mark forward
            stats.update(requested_at=_requested_at_expression(now))
    transaction.on_commit(lambda: aggregates_enqueue(campaign_id=campaign_id))


def aggregates_enqueue(*, campaign_id: int, countdown: int | None = None) -> bool:
    """Publish a rebuild; False when the broker cannot be reached (the sweep catches up). Never raises."""
    from .tasks import aggregates_recompute_task

    return task_publish(
        aggregates_recompute_task,
        args=[campaign_id],
        countdown=settings.AGGREGATES_RECOMPUTE_COUNTDOWN if countdown is None else countdown,
        log_extra={"campaign": campaign_id},
        defer_on_failure=False,  # the stale-aggregates sweep catches up
    )


@transaction.atomic
def aggregates_recompute(*, campaign_id: int, force: bool = False) -> bool:
    """Replace the campaign's stored aggregates by a fresh GROUP BY. Returns False if nothing was done.

    Without `force`, a campaign whose figures are already fresh is left alone: that is what coalesces a
    burst of submissions into one rebuild. Concurrent runs are serialised on the campaign row (FOR NO KEY
    UPDATE, which does not block submissions); rerunning, or a duplicate delivery of the task, writes
    the same rows again. `computed_at` becomes the `requested_at` read under that lock: a submission that
    commits while we count has a later `requested_at`, so the campaign stays stale and its own task
    rebuilds again. A deleted campaign is nothing to do.
    """
    campaign = (
        Campaign.objects.select_for_update(no_key=True, of=("self",))
        .select_related("questionnaire")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        return False
    stats, _created = CampaignStats.objects.get_or_create(campaign=campaign)
    if not force and not stats.is_stale and stats.computed_at is not None:
        return False
    stamp = stats.requested_at or timezone.now()
    if stats.computed_at and stats.computed_at > stamp:  # forced again: keep computed_at from going back
        stamp = stats.computed_at

    ChoiceAggregate.objects.filter(campaign=campaign).delete()
    columns = "campaign_id, question_id, choice_id, count, base, selections, rank"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ChoiceAggregate._meta.db_table} ({columns}) "  # noqa: S608 - table name is ours
            f"SELECT %(campaign)s, question_id, choice_id, count, base, selections, rank "
            f"FROM ({CHOICE_COUNTS_SQL}) t",
            choice_counts_params(campaign),
        )
    CampaignStats.objects.filter(pk=stats.pk).update(
        invited=Invitation.objects.filter(campaign=campaign).count(),
        responded=Response.objects.filter(campaign=campaign, status__in=Response.RESPONDED).count(),
        computed_at=stamp,
    )
    logger.info("aggregates recomputed", extra={"event": "aggregates_recomputed", "campaign": campaign_id})
    return True


def stale_campaign_ids() -> list[int]:
    """Campaigns with a change that no rebuild has taken into account yet."""
    return list(
        CampaignStats.objects.filter(requested_at__isnull=False)
        .filter(models.Q(computed_at__isnull=True) | models.Q(computed_at__lt=F("requested_at")))
        .order_by("campaign_id")
        .values_list("campaign_id", flat=True)
    )


def aggregates_sweep_stale() -> list[int]:
    """Rebuild every stale campaign here and now (the beat task runs this in a worker); returns their ids.

    Done inline rather than by enqueueing: the sweep exists for when publishing failed. One campaign's
    database error does not stop the others; it stays stale for the next sweep.
    """
    rebuilt = []
    for campaign_id in stale_campaign_ids():
        try:
            if aggregates_recompute(campaign_id=campaign_id):
                rebuilt.append(campaign_id)
        except DatabaseError:
            logger.exception(
                "stale campaign not recomputed", extra={"event": "sweep_failed", "campaign": campaign_id}
            )
    return rebuilt


def report_comparison_set(*, campaign: Campaign, earlier: Campaign | None) -> None:
    """Choose the campaign the report compares with (None: no comparison). Report files made before no
    longer match the report: the finished ones are deleted, so the next download request makes them anew."""
    if earlier is not None and (earlier.pk == campaign.pk or earlier.opens_at >= campaign.opens_at):
        raise ValueError("the report compares with an earlier campaign")
    Campaign.objects.filter(pk=campaign.pk).update(report_compared_with=earlier)
    campaign.report_compared_with = earlier
    for report_file in ReportFile.objects.filter(campaign=campaign).exclude(
        status__in=[ReportFile.Status.PENDING, ReportFile.Status.RUNNING]
    ):
        if report_file.file:
            report_file.file.delete(save=False)
        report_file.delete()
    logger.info(
        "report comparison chosen",
        extra={"event": "report_comparison_set", "campaign": campaign.pk, "earlier": earlier.pk if earlier else None},
    )
