"""Project-level tasks that belong to no app.

`health_ping_task` proves, end to end, that a published task reaches a worker and runs there: it
writes a token to a file that the sender names. The foundation test of the Celery worker uses it;
an operator can use it the same way on a running stack (see docs/operations.md).
"""

from pathlib import Path

from celery import shared_task

from .publish import deferred_tasks_publish


@shared_task(name="iscm_survey.tasks.health_ping_task", ignore_result=True)
def health_ping_task(path: str, token: str) -> None:
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(token, encoding="utf-8")
    partial.replace(target)  # the reader never sees a half-written file


@shared_task(name="deferred_tasks_publish", acks_late=True, reject_on_worker_lost=True)
def deferred_tasks_publish_task() -> int:
    """Beat, every minute: publish the e-mails (and other tasks) kept while the broker was down."""
    return deferred_tasks_publish()
