"""With a real Redis broker and a real Celery worker (CI): a submission updates the aggregates by itself."""

from __future__ import annotations

import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings

from analytics.models import CampaignStats, ChoiceAggregate
from iscm_survey.celery import app as celery_app
from tests.analytics.conftest import reset_publisher_pools
from tests.workers import celery_worker_start, celery_worker_stop

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 30


def _test_database_url() -> str:
    """The database pytest-django created (test_<name>): the worker must read and write that one."""
    db = settings.DATABASES["default"]
    assert db["ENGINE"].endswith("postgresql"), "the worker test needs PostgreSQL (DATABASE_URL)"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A worker listening on a queue of its own; this process publishes to that queue, for real."""
    queue = f"analytics-test-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "worker.log"
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    process = celery_worker_start(
        queue=queue,
        log_path=log_path,
        env={"DATABASE_URL": _test_database_url(), "DATABASE_CONN_MAX_AGE": "0"},
    )
    celery_app.conf.update(task_always_eager=False, task_default_queue=queue)
    reset_publisher_pools()
    try:
        yield process, log_path
    finally:
        celery_app.conf.update(saved)
        reset_publisher_pools()
        celery_worker_stop(process)
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)


def test_a_submission_reaches_the_aggregates_through_the_worker(worker, survey, settings):
    process, log_path = worker
    settings.AGGREGATES_RECOMPUTE_COUNTDOWN = 1
    survey.submit({"multi": ["a", "b"], "single": "yes"})  # commits; on_commit publishes to Redis
    survey.submit({"multi": ["a"]})

    deadline = time.monotonic() + WAIT_SECONDS
    stats = CampaignStats.objects.get(campaign=survey.campaign)
    while stats.is_stale or stats.computed_at is None:
        assert process.poll() is None, f"the worker stopped:\n{log_path.read_text()}"
        assert time.monotonic() < deadline, f"not recomputed after {WAIT_SECONDS}s:\n{log_path.read_text()}"
        time.sleep(0.2)
        stats.refresh_from_db()

    counts = dict(
        ChoiceAggregate.objects.filter(campaign=survey.campaign, question=survey.multi).values_list(
            "choice__code", "count"
        )
    )
    assert counts == {"a": 2, "b": 1, "c": 0, "d": 0, "e": 0}
    assert stats.responded == 2
