"""A recompute whose worker dies, that is delivered twice, or that keeps failing (issue 9, "Faults").

Real `celery worker` subprocesses (prefork pool) consume the dedicated Redis and write to the test
database. To catch a recompute in the middle, the test holds `SELECT ... FOR UPDATE` on the campaign
row from a connection of its own: `aggregates_recompute` starts with `SELECT ... FOR NO KEY UPDATE` on
that row, so it waits there, visibly (pg_stat_activity), until the test lets go. No test hook in the
production code.
"""

from __future__ import annotations

import re
import time

import pytest
from django.db import OperationalError

from analytics.models import CampaignStats
from analytics.tasks import aggregates_recompute_task
from questionnaires.models import Campaign

from .conftest import (
    RECOMPUTE_LOCK_QUERY,
    assert_aggregates_correct,
    lock_waiters,
    row_locked,
    stale_survey,
    wait_until,
)


def _fresh(campaign: Campaign) -> bool:
    stats = CampaignStats.objects.get(campaign=campaign)
    return stats.computed_at is not None and not stats.is_stale


def _results(worker, task_id: str) -> list[str]:
    """The return values the worker logged for this task id, in order ("True", "False")."""
    return re.findall(rf"Task aggregates_recompute\[{task_id}\] succeeded in [\d.]+s: (\w+)", worker.log())


@pytest.mark.services
def test_a_worker_process_killed_mid_recompute_gets_the_task_again(celery_workers, monkeypatch):
    survey = stale_survey(monkeypatch)
    campaign = survey.campaign
    worker = celery_workers(concurrency=1)

    with row_locked(Campaign, campaign.pk):
        task_id = aggregates_recompute_task.apply_async(args=[campaign.pk]).id
        (blocked,) = wait_until(
            lambda: lock_waiters(RECOMPUTE_LOCK_QUERY), what="the recompute to start", context=worker.log
        )

        killed = worker.kill_children()
        assert killed, "no pool process to kill"
        # acks_late + reject_on_worker_lost: the main process requeues the message and a new pool
        # process takes it, and waits for the same lock (next to the dead process's orphan backend).
        wait_until(
            lambda: "WorkerLostError" in worker.log(), what="the worker to notice its lost process", context=worker.log
        )
        wait_until(
            lambda: [pid for pid in lock_waiters(RECOMPUTE_LOCK_QUERY) if pid != blocked],
            what="the redelivered recompute to start",
            context=worker.log,
        )
        assert not _fresh(campaign)

    wait_until(lambda: _fresh(campaign), what="the redelivered recompute to finish", context=worker.log)
    assert_aggregates_correct(campaign)
    wait_until(lambda: _results(worker, task_id), what="the worker to log the result")
    assert _results(worker, task_id) == ["True"]
    assert worker.log().count(f"Task aggregates_recompute[{task_id}] received") == 2, "delivered again"
    assert worker.process.poll() is None, "the worker itself survived its pool process"


@pytest.mark.services
def test_a_whole_worker_killed_mid_recompute_leaves_the_task_for_the_next_worker(
    celery_workers, celery_broker, monkeypatch
):
    """SIGKILL of the main process too: nobody requeues. Redis keeps the unacknowledged message aside and
    gives it back once `visibility_timeout` has passed (an hour in production, 2 s for the second worker)."""
    survey = stale_survey(monkeypatch)
    campaign = survey.campaign
    first = celery_workers(concurrency=1)

    with row_locked(Campaign, campaign.pk):
        task_id = aggregates_recompute_task.apply_async(args=[campaign.pk]).id
        wait_until(lambda: lock_waiters(RECOMPUTE_LOCK_QUERY), what="the recompute to start", context=first.log)
        first.kill()
        killed_at = time.monotonic()
    broker = celery_broker.client()
    assert broker.llen("celery") == 0, "nothing left in the queue"
    assert broker.hlen("unacked") == 1, "the message waits, unacknowledged, in Redis"
    assert not _fresh(campaign)

    visibility_timeout = 2.0
    wait_until(lambda: time.monotonic() - killed_at > visibility_timeout + 0.5, what="the visibility timeout")
    second = celery_workers(concurrency=1, visibility_timeout=visibility_timeout)

    wait_until(
        lambda: _fresh(campaign),
        what="the restored message to be recomputed by the second worker",
        context=second.log,
    )
    assert_aggregates_correct(campaign)
    wait_until(lambda: _results(second, task_id), what="the second worker to log the result")
    assert _results(second, task_id) == ["True"]
    assert broker.hlen("unacked") == 0


@pytest.mark.services
def test_the_same_recompute_delivered_twice_and_run_at_once_stores_the_same_figures(celery_workers, monkeypatch):
    """Two copies of one message (same task id) taken by two pool processes at the same time."""
    survey = stale_survey(monkeypatch)
    campaign = survey.campaign
    worker = celery_workers(concurrency=2)

    with row_locked(Campaign, campaign.pk):
        task_id = aggregates_recompute_task.apply_async(args=[campaign.pk]).id
        aggregates_recompute_task.apply_async(args=[campaign.pk], task_id=task_id)
        wait_until(
            lambda: len(lock_waiters(RECOMPUTE_LOCK_QUERY)) == 2, what="both copies to be running", context=worker.log
        )

    wait_until(lambda: len(_results(worker, task_id)) == 2, what="both copies to finish", context=worker.log)
    # Serialised on the campaign row: the first rebuilds, the second finds the figures fresh.
    assert sorted(_results(worker, task_id)) == ["False", "True"]
    assert "ERROR" not in worker.log()
    assert_aggregates_correct(campaign)


def test_a_recompute_that_keeps_failing_stops_after_a_bounded_number_of_attempts(db, monkeypatch):
    """autoretry on database errors, exponential backoff capped at 60 s, at most 5 retries: 6 attempts."""
    campaign_id = 4242
    attempts: list[int] = []
    countdowns: list[float] = []

    def failing(*, campaign_id: int, force: bool = False) -> bool:
        attempts.append(campaign_id)
        raise OperationalError("server closed the connection unexpectedly")

    original_retry = aggregates_recompute_task.retry

    def retry(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return original_retry(*args, **kwargs)

    monkeypatch.setattr("analytics.tasks.aggregates_recompute", failing)
    monkeypatch.setattr(aggregates_recompute_task, "retry", retry)

    result = aggregates_recompute_task.apply(args=[campaign_id])

    assert result.failed()
    assert isinstance(result.result, OperationalError)
    assert attempts == [campaign_id] * (aggregates_recompute_task.max_retries + 1) == [campaign_id] * 6
    assert len(countdowns) == 6  # the 6th asks once more and is refused: max_retries exceeded
    assert all(0 <= countdown <= 60 for countdown in countdowns)
