"""The Celery app: configured from the CELERY_* Django settings, tasks found in every app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iscm_survey.settings")

app = Celery("iscm_survey")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["iscm_survey"])
