"""Publishing Celery tasks from a web request: never raise, never wait long on a dead broker.

Every publisher (recompute requests, e-mails) goes through `task_publish`. When the broker fails, the
failure is remembered for a few seconds so that the next publishes of the same request (a submit
publishes a recompute and an e-mail) skip at once instead of each waiting for a timeout. What a
skipped publish would have done is caught up later: the beat sweep recomputes stale campaigns.
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


def task_publish(task, *, args: list, countdown: float | None = None, log_extra: dict | None = None) -> bool:
    """Publish `task`; False (and a warning) when the broker is unreachable or failed moments ago."""
    global _last_failure
    extra = {"event": "enqueue_failed", "task": task.name, **(log_extra or {})}
    if broker_recently_failed():
        logger.warning("task not enqueued: the broker failed moments ago", extra={**extra, "skipped": True})
        return False
    try:
        task.apply_async(args=args, countdown=countdown)
    except Exception:  # the broker is down; the caller's action has committed and must stand
        _last_failure = time.monotonic()
        logger.warning("task not enqueued: broker unreachable", extra=extra, exc_info=True)
        return False
    return True


def task_publish_on_commit(task, *, args: list, countdown: float | None = None, log_extra: dict | None = None):
    """Publish once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: task_publish(task, args=args, countdown=countdown, log_extra=log_extra))
