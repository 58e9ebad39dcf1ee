"""The Celery app: configured from the CELERY_* Django settings, tasks found in every app's tasks.py.

Imported only where tasks are (the worker and beat through `celery -A iscm_survey`, the analytics tasks modules,
`iscm_survey.publish` before it publishes), so that commands that publish nothing never load Celery.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iscm_survey.settings")

app = Celery("iscm_survey")
app.config_from_object("django.conf:settings", namespace="CELERY")
# A `shared_task` runs on the current app. This one may be created in a request's thread, or after
# Celery made its fallback app: make it the app of every thread.
app.set_default()
app.autodiscover_tasks()
app.autodiscover_tasks(["iscm_survey"])
app.conf.beat_schedule = {
    "aggregates-sweep-stale": {"task": "aggregates_sweep_stale", "schedule": 60.0},
    "aggregates-check-all": {"task": "aggregates_check_all", "schedule": crontab(hour=3, minute=17)},
    "reminders-send-due": {"task": "reminders_send_due", "schedule": 3600.0},
    "campaign-openings-announce": {"task": "campaign_openings_announce", "schedule": 300.0},
    "deferred-tasks-publish": {"task": "deferred_tasks_publish", "schedule": 60.0},
}


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
