"""Publishing Celery tasks from a web request: never raise, never wait long on a dead broker.

Every publisher (recompute requests, e-mails) goes through `task_publish`. When the broker fails, the
failure is remembered for a few seconds so that the next publishes of the same request (a submit
publishes a recompute and an e-mail) skip at once instead of each waiting for a timeout. What a
skipped publish would have done is caught up later: the beat sweep recomputes stale campaigns, and
other tasks (e-mails) are kept as `DeferredTask` rows that `deferred_tasks_publish` sends again.

This module is imported at start-up (by the apps' services) and Celery is not: the app is imported
here, on the first publish, so that a command that publishes nothing does not load Celery.
"""

from __future__ import annotations

import logging
import time

from django.db import transaction

logger = logging.getLogger(__name__)

BROKER_BACKOFF_SECONDS = 10.0
_last_failure = float("-inf")


def broker_recently_failed() -> bool:
    return time.monotonic() - _last_failure < BROKER_BACKOFF_SECONDS


def broker_failure_forget() -> None:
    global _last_failure
    _last_failure = float("-inf")


def celery_app():
    """The project's Celery app, created on first use and made this thread's current app. A task made
    with `shared_task` is looked up on the current app each time it is used: this app must be the current
    one before a task is named or published (another app made current in this thread, as a test's worker
    app is, would otherwise take the task)."""
    from iscm_survey.celery import app

    app.set_current()
    return app


def task_publish(
    task,
    *,
    args: list,
    countdown: float | None = None,
    log_extra: dict | None = None,
    defer_on_failure: bool = True,
) -> bool:
    """Publish `task`; False (and a warning) when the broker is unreachable or failed moments ago.

    With `defer_on_failure`, an unpublished task is stored and published again by the beat task
    `deferred_tasks_publish`; without it the caller has its own catch-up (the stale-aggregates sweep).
    """
    global _last_failure
    celery_app()
    extra = {"event": "enqueue_failed", "task": task.name, **(log_extra or {})}
    if broker_recently_failed():
        logger.warning("task not enqueued: the broker failed moments ago", extra={**extra, "skipped": True})
    else:
        try:
            task.apply_async(args=args, countdown=countdown)
            return True
        except Exception:  # the broker is down; the caller's action has committed and must stand
            _last_failure = time.monotonic()
            logger.warning("task not enqueued: broker unreachable", extra=extra, exc_info=True)
    if defer_on_failure:
        _defer(task.name, args)
    return False


def _defer(task_name: str, args: list) -> None:
    from questionnaires.models import DeferredTask

    try:
        DeferredTask.objects.create(task_name=task_name, args=args)
    except Exception:  # the database is down too: nothing more we can keep
        logger.error("task lost: neither broker nor database reachable", extra={"task": task_name}, exc_info=True)


def task_publish_on_commit(task, **options) -> None:
    """Publish once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: task_publish(task, **options))


def deferred_tasks_publish(*, limit: int = 500) -> int:
    """Publish the tasks kept while the broker was down; returns how many went out."""
    from questionnaires.models import DeferredTask

    tasks = celery_app().tasks
    published = 0
    for deferred in DeferredTask.objects.all()[:limit]:
        task = tasks.get(deferred.task_name)
        if task is None:
            logger.error("deferred task unknown; dropped", extra={"task": deferred.task_name})
            deferred.delete()
            continue
        try:
            task.apply_async(args=deferred.args)
        except Exception:
            DeferredTask.objects.filter(pk=deferred.pk).update(attempts=deferred.attempts + 1)
            logger.warning("deferred task still not published", extra={"task": deferred.task_name}, exc_info=True)
            break  # the broker is still down: try again at the next beat
        deferred.delete()
        published += 1
    return published
