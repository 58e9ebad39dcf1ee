"""Celery tasks: thin wrappers that take ids and call one service; safe to run twice."""

from celery import shared_task
from django.db import DatabaseError

from .services import aggregates_enqueue, aggregates_recompute, stale_campaign_ids


@shared_task(
    name="aggregates_recompute",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def aggregates_recompute_task(campaign_id: int) -> bool:
    return aggregates_recompute(campaign_id=campaign_id)


@shared_task(name="aggregates_sweep_stale", acks_late=True, reject_on_worker_lost=True)
def aggregates_sweep_stale_task() -> int:
    """Beat, every minute: enqueue campaigns whose figures are stale (e.g. the broker was down)."""
    stale = stale_campaign_ids()
    for campaign_id in stale:
        aggregates_enqueue(campaign_id=campaign_id, countdown=0)
    return len(stale)
