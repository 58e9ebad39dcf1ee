"""The Celery app: configured from the CELERY_* Django settings, tasks found in every app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iscm_survey.settings")

app = Celery("iscm_survey")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["iscm_survey"])


def database_task_options(*, max_retries: int) -> dict[str, object]:
    """Options of the tasks that write figures or files: acknowledged once done (a worker lost
    mid-task hands it to another), retried with backoff while the database fails."""
    from django.db import DatabaseError  # Django's settings are configured by then

    return {
        "acks_late": True,
        "reject_on_worker_lost": True,
        "autoretry_for": (DatabaseError,),
        "retry_backoff": True,
        "retry_backoff_max": 60,
        "retry_jitter": True,
        "max_retries": max_retries,
    }
