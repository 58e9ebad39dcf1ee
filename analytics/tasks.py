"""Celery tasks: thin wrappers that take ids and call one service; safe to run twice."""

from celery import shared_task

from iscm_survey.celery import database_task_options

from .services import aggregates_check_all, aggregates_recompute, aggregates_sweep_stale


@shared_task(name="aggregates_recompute", **database_task_options(max_retries=5))
def aggregates_recompute_task(campaign_id: int) -> bool:
    """Rebuild if stale; a run that finds the figures fresh (another run served the burst) returns False."""
    return aggregates_recompute(campaign_id=campaign_id)


@shared_task(name="aggregates_sweep_stale", acks_late=True, reject_on_worker_lost=True)
def aggregates_sweep_stale_task() -> int:
    """Beat, every minute: rebuild campaigns still stale (e.g. the broker was down at submission)."""
    return len(aggregates_sweep_stale())


@shared_task(name="aggregates_check_all", acks_late=True, reject_on_worker_lost=True)
def aggregates_check_all_task() -> int:
    """Beat, nightly: compare every campaign's kept-exact figures with a fresh count; rebuild any that differ."""
    return len(aggregates_check_all())


# Celery autodiscovers tasks.py only: register the report task ("report_generate") from here.
from .report_files import report_generate_task  # noqa: E402,F401
